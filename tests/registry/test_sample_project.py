"""The sample project is written whole or not at all (riskmap.atomic), in a file,
in a database and in the demo's output folder."""

from __future__ import annotations

import os

import pytest

from riskmap.commands.demo import _project_step
from riskmap.commands.project import SAMPLE_HAZARDS, create_sample_project
from riskmap.errors import RiskmapError
from riskmap.registry import Project
from riskmap.resources import sample_dir


@pytest.fixture
def broken_layers(tmp_path):
    """The sample's files, but a risk-point file cut off mid-way (a real broken
    GeoJSON): creating the project gets as far as the point import and fails."""
    folder = tmp_path / "layers"
    folder.mkdir()
    for name in ("communities.geojson", "shelters.geojson", *SAMPLE_HAZARDS.values()):
        os.symlink(sample_dir() / name, folder / name)
    points = (sample_dir() / "risk_points.geojson").read_bytes()
    (folder / "risk_points.geojson").write_bytes(points[: len(points) // 2])
    return folder


def test_failed_sample_creation_leaves_no_file(tmp_path, broken_layers):
    """A sample whose point import fails leaves neither the project nor a
    temporary file, so the next try starts clean."""
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RiskmapError, match="risk_points"):
        create_sample_project(out / "sample.gpkg", broken_layers)
    assert list(out.iterdir()) == []


def test_sample_creation_never_overwrites(tmp_path):
    """An existing file at the sample's path stays as it was."""
    path = tmp_path / "sample.gpkg"
    path.write_bytes(b"not mine")
    with pytest.raises(RiskmapError, match="already exists"):
        create_sample_project(path)
    assert path.read_bytes() == b"not mine"


def test_sample_project_is_complete(tmp_path):
    """The created sample holds its points, and only the project file is left."""
    with create_sample_project(tmp_path / "sample.gpkg") as project:
        assert len(project.points()) == 90
    assert [p.name for p in tmp_path.iterdir()] == ["sample.gpkg"]


def test_failed_database_sample_writes_nothing(pg_url, broken_layers):
    """In a database too: no half-filled project schema after a failure."""
    with pytest.raises(RiskmapError, match="risk_points"):
        create_sample_project(pg_url, broken_layers)
    with pytest.raises(RiskmapError):
        Project.open(pg_url)


def test_demo_keeps_the_old_project_when_its_step_fails(tmp_path):
    """The demo replaces an earlier project.gpkg only once the new project and
    its ledger are complete: a ledger that cannot be written keeps the old one."""
    old = tmp_path / "project.gpkg"
    old.write_bytes(b"an earlier demo's project")
    (tmp_path / "ledger.xlsx").mkdir()  # the ledger's place is taken by a folder
    with pytest.raises(RiskmapError):
        _project_step(None, tmp_path / "result.gpkg", tmp_path, True)
    assert old.read_bytes() == b"an earlier demo's project"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.xlsx", "project.gpkg"]
