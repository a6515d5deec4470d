"""The project GeoPackage: create/open, logged edits, soft deletes, errors."""

from __future__ import annotations

import json
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from riskmap.errors import InputDataError, MissingFileError
from riskmap.io.request import HazardSpec
from riskmap.registry import Project
from riskmap.registry.fields import FIELD_NAMES


def _add(project, name="滑坡点甲", lon=106.72, lat=31.87, **extra):
    """Add one landslide point as user "wang"."""
    return project.add_point(
        {"name": name, "type": "滑坡", **extra}, lon, lat, user="wang"
    )


def test_create_is_a_real_geopackage(project):
    """GDAL sees the communities and points layers; the file is in WAL mode."""
    _add(project)
    layers = dict(pyogrio.list_layers(project.path))
    assert layers["points"] == "Point"
    pts = pyogrio.read_dataframe(project.path, layer="points")
    assert pts.crs.to_epsg() == 4326
    assert (pts.geometry.x[0], pts.geometry.y[0]) == (106.72, 31.87)
    comms = pyogrio.read_dataframe(project.path, layer="communities")
    assert sorted(comms["community_id"]) == ["C1", "C2"]
    mode = project.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_add_assigns_id_community_and_level(project):
    """A new point gets YH-YYYY-MM-NNNN, its community and its type's level."""
    first, second = _add(project), _add(project, "滑坡点乙", lon=106.77)
    assert first.startswith("YH-")
    assert first.endswith("-0001")
    assert second.endswith("-0002")
    points = project.points()
    assert list(points.columns) == [*FIELD_NAMES, "version", "geometry"]
    assert points["community_id"].tolist() == ["C1", "C2"]
    assert points["level"].tolist() == [2, 2]
    assert points["status"].tolist() == ["待整改", "待整改"]


def test_add_refuses_bad_records_and_duplicates(project):
    """Bad fields, bad coordinates and same name+type within 10 m are refused."""
    with pytest.raises(InputDataError, match="phone"):
        _add(project, phone="call me")
    with pytest.raises(InputDataError, match="longitude/latitude"):
        _add(project, lat=131.0)
    _add(project)
    with pytest.raises(InputDataError, match="duplicate"):
        _add(project, lon=106.72005)  # ~5 m east
    _add(project, lon=106.7203)  # ~28 m east: a different point
    assert len(project.points()) == 2


def test_edit_move_delete_restore_are_logged(project):
    """Each change is one log entry with who, what before and after."""
    pid = _add(project, responsible="李四")
    project.edit_point(pid, {"responsible": "张伟", "level": 1}, user="zhao")
    project.move_point(pid, 106.76, 31.88, user="zhao")
    project.delete_point(pid, user="zhao")
    assert len(project.points()) == 0
    assert project.points(include_deleted=True)["deleted"].tolist() == [1]
    with pytest.raises(InputDataError, match="restore it first"):
        project.edit_point(pid, {"status": "整改中"}, user="zhao")
    project.restore_point(pid, user="zhao")
    log = project.history(pid)
    assert [e["action"] for e in log] == ["add", "edit", "move", "delete", "restore"]
    assert log[0]["user"] == "wang"
    assert log[1]["before"] == {"responsible": "李四", "level": 2}
    assert log[1]["after"] == {"responsible": "张伟", "level": 1}
    assert log[2]["before"]["community_id"] == "C1"
    assert log[2]["after"] == {"lon": 106.76, "lat": 31.88, "community_id": "C2"}
    record = project.get_point(pid)
    assert (record["responsible"], record["level"], record["community_id"]) == (
        "张伟", 1, "C2",
    )  # fmt: skip


def test_no_op_edit_writes_nothing(project):
    """Setting a field to its value adds no log entry."""
    pid = _add(project, status="整改中")
    project.edit_point(pid, {"status": "整改中"}, user="x")
    assert len(project.history(pid)) == 1


def test_settings_store_relative_hazard_paths(tmp_path, communities):
    """Hazard paths are stored relative to the project and resolved on read."""
    (tmp_path / "data").mkdir()
    tif = tmp_path / "data" / "flood.tif"
    tif.write_bytes(b"placeholder")
    proj = Project.create(
        tmp_path / "proj" / "p.gpkg", communities, hazards=[HazardSpec("flood", tif)]
    )
    raw = proj.conn.execute(
        "SELECT value FROM riskmap_settings WHERE key = 'hazards'"
    ).fetchone()[0]
    assert json.loads(raw) == {"flood": {"path": "../data/flood.tif", "field": None}}
    assert proj.settings["hazards"] == {"flood": str(tif.resolve())}
    assert proj.hazards() == [HazardSpec("flood", tif.resolve())]
    proj.close()
    missing = tmp_path / "no.tif"
    with pytest.raises(MissingFileError):
        Project.create(tmp_path / "q.gpkg", hazards=[HazardSpec("flood", missing)])
    assert not (tmp_path / "q.gpkg").exists()


def test_create_never_overwrites(project_path, communities):
    """Creating over an existing file is refused and the file is unchanged."""
    before = project_path.read_bytes()
    with pytest.raises(InputDataError, match="already exists"):
        Project.create(project_path, communities)
    assert project_path.read_bytes() == before


def test_plain_geopackage_is_not_a_project(tmp_path, communities):
    """A GeoPackage from elsewhere is refused with how to create a project,
    and it is not modified."""
    path = tmp_path / "other.gpkg"
    communities.to_file(path, engine="pyogrio")
    before = path.read_bytes()
    with pytest.raises(InputDataError, match="riskmap project new"):
        Project.open(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("damage", ["text", "truncate", "scribble"])
def test_corrupt_file_is_a_clear_error(project_path, damage):
    """Text files, truncated and scribbled projects give InputDataError, no crash."""
    data = project_path.read_bytes()
    if damage == "text":
        project_path.write_text("id,name\n1,a\n", encoding="utf-8")
    elif damage == "truncate":
        project_path.write_bytes(data[:1500])
    else:
        project_path.write_bytes(data[:4096] + b"\x55" * 8192 + data[4096 + 8192 :])
    before = project_path.read_bytes()
    with pytest.raises(InputDataError, match=str(project_path.name)):
        Project.open(project_path)
    assert project_path.read_bytes() == before


def test_missing_project(tmp_path):
    """A path that does not exist says how to create a project."""
    with pytest.raises(MissingFileError, match="riskmap project new"):
        Project.open(tmp_path / "nope.gpkg")


def test_readers_do_not_block_a_writer(project):
    """In WAL mode a reader with an open transaction does not stop a write."""
    _add(project)
    reader = sqlite3.connect(project.path)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 1
    _add(project, "滑坡点乙", lon=106.77)  # would time out under a rollback journal
    assert reader.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 1
    reader.close()
    assert len(project.points()) == 2


def test_communities_round_trip(project, communities):
    """Communities come back with id, name, attributes and geometry."""
    comms = project.communities()
    assert comms["community_id"].tolist() == ["C1", "C2"]
    assert comms["community"].tolist() == ["示例社区甲", "示例社区乙"]
    assert comms["名称"].tolist() == ["示例社区甲", "示例社区乙"]
    assert shapely.equals(comms.geometry.values, communities.geometry.values).all()
    assert isinstance(comms, gpd.GeoDataFrame)


def test_update_settings_is_logged(tmp_path, project):
    """New hazards and model replace the old ones, relative paths, one log entry."""
    tif = tmp_path / "slide.tif"
    tif.write_bytes(b"placeholder")
    model = tmp_path / "model.toml"
    model.write_text("", encoding="utf-8")
    project.update_settings(
        hazards=[HazardSpec("landslide", tif)], model=model, user="li"
    )
    assert project.settings["hazards"] == {"landslide": str(tif.resolve())}
    assert project.settings["model"] == str(model.resolve())
    entry = project.history()[-1]
    assert (entry["action"], entry["user"]) == ("settings", "li")
    assert entry["before"] == {"hazards": {}, "model": None}
    assert entry["after"]["hazards"] == {
        "landslide": {"path": "slide.tif", "field": None}
    }


def test_add_with_a_taken_id_is_refused(project):
    """A given id that exists already is an input error, not a database error."""
    _add(project, id="YH-1")
    with pytest.raises(InputDataError, match="already in the project"):
        _add(project, "别的点", lon=106.78, id="YH-1")
