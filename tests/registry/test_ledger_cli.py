"""`riskmap project` and `riskmap points`: exit codes, outputs, compute --project."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest

from riskmap.cli import main
from riskmap.commands.project import create_sample_project
from riskmap.registry import Project


@pytest.fixture
def cli_project(tmp_path, communities):
    """`riskmap project new` over the two test communities."""
    src = tmp_path / "communities.geojson"
    communities.to_file(src, engine="pyogrio")
    path = tmp_path / "p.gpkg"
    rc = main(["project", "new", str(path), "--communities", str(src),
               "--id-field", "code", "--name-field", "名称"])  # fmt: skip
    assert rc == 0
    return path


@pytest.fixture(params=["gpkg", "postgis"])
def any_project(request, tmp_path, communities):
    """The same new project as a GeoPackage and in PostGIS (a throwaway cluster)."""
    src = tmp_path / "communities.geojson"
    communities.to_file(src, engine="pyogrio")
    path = request.getfixturevalue("pg_url") if request.param == "postgis" else (
        str(tmp_path / "p.gpkg"))  # fmt: skip
    rc = main(["project", "new", path, "--communities", str(src),
               "--id-field", "code", "--name-field", "名称"])  # fmt: skip
    assert rc == 0
    return path


def test_points_life_cycle(any_project, tmp_path, capsys):
    """add (DMS, GCJ-02) -> list -> edit -> delete -> restore -> export -> history,
    the same on a GeoPackage and on PostGIS."""
    p = ["--project", str(any_project), "--user", "wang"]
    capsys.readouterr()
    assert main(["points", "add", *p, "--name", "滑坡甲", "--type", "滑坡",
                 "--lon", "106°43′12″E", "--lat", "31°52′12″N", "--coords", "gcj02",
                 "--set", "responsible=张伟", "--set", "lec_l=6", "--set", "lec_e=6",
                 "--set", "lec_c=15"]) == 0  # fmt: skip
    pid = capsys.readouterr().out.strip()
    assert pid.startswith("YH-")
    assert main(["points", "edit", pid, *p, "--set", "status=整改中"]) == 0
    assert main(["points", "list", *p]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:5] == ["id", "name", "type", "level", "status"]
    assert lines[1].split("\t")[:7] == [
        pid,
        "滑坡甲",
        "滑坡",
        "1",
        "整改中",
        "张伟",
        "C1",
    ]
    assert main(["points", "delete", pid, *p]) == 0
    assert main(["points", "list", *p]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["points", "restore", pid, *p]) == 0
    out = tmp_path / "台账.xlsx"
    assert main(["points", "export", *p, "--format", "xlsx", "--out", str(out)]) == 0
    assert out.is_file()
    capsys.readouterr()
    assert main(["points", "history", pid, *p]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split("\t")[3] for ln in lines] == ["add", "edit", "delete", "restore"]
    assert all(ln.split("\t")[2] == "wang" for ln in lines)


def test_bad_input_exits_2_with_one_line(cli_project, tmp_path, capsys):
    """Bad values, unknown ids and non-projects: exit 2, one line, no traceback."""
    p = ["--project", str(cli_project)]
    cases = [
        ["points", "add", *p, "--name", "x", "--type", "滑坡", "--lon", "abc",
         "--lat", "31"],
        ["points", "add", *p, "--name", "x", "--type", "滑坡", "--lon", "106.7",
         "--lat", "31.87", "--set", "phone=nope"],
        ["points", "edit", "YH-0000", *p, "--set", "status=整改中"],
        ["points", "import", str(tmp_path / "none.csv"), *p, "--coords", "wgs84"],
        ["points", "import", str(tmp_path / "none.csv"), *p, "--coords", "mars"],
        ["points", "list", "--project", str(tmp_path / "communities.geojson")],
        ["project", "new", str(cli_project)],
    ]  # fmt: skip
    for argv in cases:
        capsys.readouterr()
        assert main(["-q", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("riskmap: error: "), argv
        assert len(err.strip().splitlines()) == 1, err


def test_import_strict_and_dry_run(cli_project, tmp_path, capsys):
    """--dry-run writes nothing; --strict refuses a file with a bad row."""
    csv = tmp_path / "l.csv"
    csv.write_text("名称,类型,经度,纬度\n甲,滑坡,106.72,31.87\n乙,滑坡,xx,31.87\n",
                   encoding="utf-8")  # fmt: skip
    p = ["--project", str(cli_project), "--coords", "wgs84"]
    assert main(["points", "import", str(csv), *p, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "row 3: rejected: unreadable coordinate" in out
    assert main(["points", "import", str(csv), *p, "--strict"]) == 2
    with Project.open(cli_project) as project:
        assert len(project.points()) == 0
    assert main(["points", "import", str(csv), *p, "-q"]) == 0
    with Project.open(cli_project) as project:
        assert project.points()["name"].tolist() == ["甲"]


def test_compute_from_a_project(tmp_path):
    """compute --project takes communities, hazards and live points from it."""
    project = create_sample_project(tmp_path / "sample" / "bazhong.gpkg")
    first = project.points()["id"].iloc[0]
    project.delete_point(first, user="u")
    project.edit_point(project.points()["id"].iloc[0], {"measures": "设置警示牌"},
                       user="u")  # fmt: skip
    assert set(project.settings["hazards"]) == {"flood", "landslide"}
    project.close()
    out = tmp_path / "result.gpkg"
    rc = main(["compute", "--project", str(tmp_path / "sample" / "bazhong.gpkg"),
               "--cell-size", "500", "--out", str(out), "-q"])  # fmt: skip
    assert rc == 0
    points = pyogrio.read_dataframe(out, layer="points")
    assert len(points) == 89
    assert first not in set(points["point_id"])
    assert {"status", "responsible", "measures", "flood", "cell_id"} <= set(points)
    assert "设置警示牌" in set(points["measures"])
    cells = gpd.read_file(out, layer="cells")
    assert (
        cells["points_n"].sum() == 87
    )  # two sample points lie outside the communities


def test_compute_without_communities_or_project(tmp_path, capsys):
    """compute needs one of --communities and --project."""
    assert main(["compute", "--out", str(tmp_path / "r.gpkg")]) == 2
    assert "--project" in capsys.readouterr().err


def test_project_set_and_info(cli_project, tmp_path, capsys):
    """`project set` replaces the hazards; `project info` shows them."""
    tif = tmp_path / "depth.tif"
    tif.write_bytes(b"placeholder")
    assert main(["project", "set", str(cli_project), "--hazard", f"flood={tif}",
                 "--user", "li", "-q"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["project", "info", str(cli_project)]) == 0
    out = capsys.readouterr().out
    assert f"hazard flood: {tif.resolve()}" in out
    assert main(["-q", "project", "set", str(cli_project)]) == 2


def test_project_keeps_return_period_scenarios(tmp_path, communities):
    """flood@10 and flood@100 are two hazards of the project, not one."""
    from riskmap.resources import sample_dir

    layers = sample_dir()
    src = tmp_path / "communities.geojson"
    communities.to_file(src, engine="pyogrio")
    path = tmp_path / "p.gpkg"
    rc = main(["project", "new", str(path), "--communities", str(src),
               "--id-field", "code", "--name-field", "名称",
               "--hazard", f"flood@10={layers / 'flood_rp10.tif'}",
               "--hazard", f"flood@100={layers / 'flood_rp100.tif'}"])  # fmt: skip
    assert rc == 0
    with Project.open(path) as project:
        assert set(project.settings["hazards"]) == {"flood@10", "flood@100"}


def test_project_refuses_a_hazard_given_twice(tmp_path, cli_project, capsys):
    """flood@100 and flood@100.0 are one scenario: one line, exit 2, unchanged."""
    from riskmap.resources import sample_dir

    tif = sample_dir() / "flood_rp100.tif"
    before = Project.open(cli_project)
    with before:
        hazards = before.hazards()
    twice = ["--hazard", f"flood@100={tif}", "--hazard", f"flood@100.0={tif}"]
    rc = main(["-q", "project", "set", str(cli_project), *twice])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--hazard flood@100 is given twice; give it once")
    assert "\n" not in err
    with Project.open(cli_project) as project:
        assert project.hazards() == hazards


def test_compute_project_reads_the_ledgers_likelihood_for_the_matrix(tmp_path):
    """A ledger point assessed by LS carries its L (可能性) into compute's points,
    so the risk matrix grades it by likelihood; an unassessed point carries 0."""
    from riskmap.commands.request import project_points
    from riskmap.model import load_model
    from riskmap.registry import Project

    path = tmp_path / "p.gpkg"
    assert main(["project", "new", str(path), "--sample", "-q"]) == 0
    with Project.open(path) as project:
        first = project.points()["id"].iloc[0]
        project.edit_point(
            first, {"level_method": "ls", "ls_l": 5, "ls_s": 3}, user="test"
        )
        points = project_points(project, load_model())
    likelihood = dict(zip(points["point_id"], points["likelihood"], strict=True))
    assert likelihood.pop(first) == 5
    assert set(likelihood.values()) == {0}
