"""`riskmap project copy` both ways loses nothing; compute reads both the same."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from riskmap.cli import main
from riskmap.commands.project import create_sample_project
from riskmap.registry import Project

TABLES = ("communities", "points", "changes", "riskmap_settings")


def _rows(project: Project, table: str) -> list[tuple]:
    """Every row of *table*, geometries as WKT, settings decoded."""
    cols = project.conn.columns(table)
    names = ", ".join(f'"{c}"' for c in cols)
    order = "key" if table == "riskmap_settings" else "fid"
    rows = project.conn.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
    rows = [list(r) for r in rows.fetchall()]
    if "geom" in cols:
        g = cols.index("geom")
        geoms = project.conn.decode_geoms([r[g] for r in rows])
        for r, geom in zip(rows, geoms, strict=True):
            r[g] = geom.wkt
    return [tuple(r) for r in rows]


def _sample(tmp_path) -> Project:
    """The bundled sample with a deleted, an edited and a moved point."""
    project = create_sample_project(tmp_path / "sample" / "bazhong.gpkg")
    ids = project.points()["id"].tolist()
    project.delete_point(ids[0], user="李")
    project.edit_point(ids[1], {"measures": "设置警示牌 <b>&", "status": "整改中"},
                       user="王")  # fmt: skip
    project.move_point(ids[2], 106.75, 31.86, user="王")
    return project


def test_copy_round_trip_loses_nothing(tmp_path, pg_url, capsys):
    """GeoPackage -> PostGIS -> GeoPackage: every row of every table the same,
    hazard paths re-based, the copy itself logged."""
    source = _sample(tmp_path)
    source.close()
    src = tmp_path / "sample" / "bazhong.gpkg"
    back = tmp_path / "elsewhere" / "back.gpkg"
    assert main(["project", "copy", str(src), pg_url, "-q"]) == 0
    assert main(["project", "copy", pg_url, str(back), "-q"]) == 0
    with Project.open(src) as a, Project.open(pg_url) as b, Project.open(back) as c:
        for table in ("communities", "points"):
            assert _rows(a, table) == _rows(b, table) == _rows(c, table), table
        log_a, log_b, log_c = (_rows(p, "changes") for p in (a, b, c))
        assert log_b[: len(log_a)] == log_a
        assert log_c[: len(log_b)] == log_b
        assert [r[3] for r in log_c[len(log_a) :]] == ["copy", "copy"]
        assert a.settings == b.settings == c.settings  # resolved paths agree
        stored = json.loads(dict(_rows(c, "riskmap_settings"))["hazards"])
        assert not any(Path(h["path"]).is_absolute() for h in stored.values())
        in_db = json.loads(dict(_rows(b, "riskmap_settings"))["hazards"])
        assert all(Path(h["path"]).is_absolute() for h in in_db.values())
        assert a.communities().equals(c.communities())
        pd.testing.assert_frame_equal(
            b.points(include_deleted=True).drop(columns="geometry"),
            a.points(include_deleted=True).drop(columns="geometry"),
        )


def test_copy_never_overwrites(tmp_path, pg_url, capsys):
    """An existing target is refused; the source is untouched."""
    Project.create(tmp_path / "a.gpkg").close()
    Project.create(tmp_path / "b.gpkg").close()
    assert main(["project", "copy", str(tmp_path / "a.gpkg"),
                 str(tmp_path / "b.gpkg")]) == 2  # fmt: skip
    assert "never overwrites" in capsys.readouterr().err


@pytest.mark.slow
def test_compute_same_cells_on_postgis_and_geopackage(tmp_path, pg_url):
    """compute --project on the PostGIS copy gives the GeoPackage's cells."""
    _sample(tmp_path).close()
    src = tmp_path / "sample" / "bazhong.gpkg"
    assert main(["project", "copy", str(src), pg_url, "-q"]) == 0
    outs = {}
    for name, project in (("gpkg", str(src)), ("pg", pg_url)):
        outs[name] = tmp_path / f"{name}.gpkg"
        assert main(["compute", "--project", project, "--cell-size", "500",
                     "--out", str(outs[name]), "-q"]) == 0  # fmt: skip
    a = gpd.read_file(outs["gpkg"], layer="cells")
    b = gpd.read_file(outs["pg"], layer="cells")
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b)
    pts_a = gpd.read_file(outs["gpkg"], layer="points")
    pts_b = gpd.read_file(outs["pg"], layer="points")
    pd.testing.assert_frame_equal(pts_a, pts_b)
