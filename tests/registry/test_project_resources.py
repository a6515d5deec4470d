"""A project stores its emergency resources; ``compute --project`` uses them."""

from __future__ import annotations

import shutil

from riskmap.cli import main
from riskmap.io.result import read_result
from riskmap.registry.store import Project
from riskmap.resources import sample_dir


def test_sample_project_computes_with_its_shelters(tmp_path, capsys):
    """project new --sample stores the shelters; compute --project lists them."""
    project = tmp_path / "p.gpkg"
    assert main(["-q", "project", "new", str(project), "--sample"]) == 0
    assert main(["project", "info", str(project)]) == 0
    assert "shelters.geojson" in capsys.readouterr().out
    out = tmp_path / "r.gpkg"
    assert main(["-q", "compute", "--project", str(project), "--out", str(out)]) == 0
    result = read_result(out)
    assert result.resources is not None
    assert len(result.resources) > 0
    assert "shelter_dist_m" in result.cells


def test_project_set_resources_is_stored_relative_and_logged(tmp_path):
    """project set --resources keeps a path relative to the project, logged."""
    folder = tmp_path / "work"
    folder.mkdir()
    shelters = shutil.copy(
        sample_dir() / "shelters.geojson", folder / "避难场所.geojson"
    )
    project = folder / "p.gpkg"
    assert main(["-q", "project", "new", str(project), "--communities",
                 str(sample_dir() / "communities.geojson")]) == 0  # fmt: skip
    with Project.open(project) as p:
        assert p.settings["resources"] is None
    assert main(["-q", "project", "set", str(project), "--resources",
                 str(shelters)]) == 0  # fmt: skip
    moved = tmp_path / "moved"
    shutil.move(folder, moved)  # relative paths survive moving the folder
    with Project.open(moved / "p.gpkg") as p:
        assert p.settings["resources"] == str((moved / "避难场所.geojson").resolve())
    assert main(["-q", "project", "set", str(moved / "p.gpkg"), "--resources",
                 str(moved / "missing.geojson")]) == 2  # fmt: skip
