"""Every file of the bad-input corpus (tests/data/bad, scripts/make_bad_corpus.py)
through every command that reads it: exit 2, one error line that names the file,
no traceback, nothing written, and the project and an earlier result unchanged
byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from riskmap.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
LAYERS = Path(__file__).resolve().parents[2] / "layers"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
CASES = [(name, reads) for name, spec in MANIFEST.items() for reads in spec["reads"]]


def command(reads: str, bad: Path, work: Path) -> list[str]:
    """The command line of *reads* with the bad file in its place."""
    comm, proj = str(work / "comm.geojson"), str(work / "PROJECT.gpkg")
    out, folder = str(work / "RESULT.gpkg"), str(work / "exports")
    new = str(work / "NEW.gpkg")
    compute = ["-q", "compute", "--communities", comm, "--out", out]
    table = {
        "compute-points": [*compute, "--points", str(bad)],
        "points-import": ["-q", "points", "import", str(bad), "--project", proj,
                          "--coords", "wgs84", "--strict", "--user", "t"],
        "compute-communities": ["-q", "compute", "--communities", str(bad),
                                "--out", out],
        "project-new-communities": ["-q", "project", "new", new,
                                    "--communities", str(bad)],
        "compute-zones": [*compute, "--hazard", f"flood_zone={bad}:class"],
        "compute-raster": [*compute, "--hazard", f"flood={bad}"],
        "compute-model": [*compute, "--model", str(bad)],
        "project-set-model": ["-q", "project", "set", proj, "--model", str(bad)],
        "project-new-model": ["-q", "project", "new", new, "--model", str(bad)],
        "export-geojson": ["-q", "export", "geojson", str(bad), "--out", folder],
        "export-maps": ["-q", "export", "maps", str(bad), "--out", folder,
                        "--basemap", "none"],
        "export-print": ["-q", "export", "print", str(bad), "--all", "--out", folder],
        "project-info": ["-q", "project", "info", str(bad)],
        "compute-project": ["-q", "compute", "--project", str(bad), "--out", out],
        "points-list": ["-q", "points", "list", "--project", str(bad)],
        "resilience-indicators": ["-q", "resilience", "--indicators", str(bad),
                                  "--out", folder],
        "compute-resources": [*compute, "--resources", str(bad)],
        "compute-population": [*compute, "--resources",
                               str(LAYERS / "shelters.geojson"),
                               "--population", str(bad)],
        "points-export": ["-q", "points", "export", "--project", str(bad),
                          "--format", "csv", "--out", str(work / "ledger.csv")],
        "resilience-result": ["-q", "resilience", "--indicators",
                              str(LAYERS / "resilience" / "indicators.csv"),
                              "--result", str(bad), "--out", folder],
        "compute-grid": [*compute, "--grid", str(bad)],
    }  # fmt: skip
    return table[reads]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """A good project, an earlier RESULT.gpkg and an earlier export folder."""
    import geopandas as gpd

    from riskmap.commands.project import create_project

    base = tmp_path_factory.mktemp("baseline")
    comm = base / "comm.geojson"
    gpd.read_file(LAYERS / "communities.geojson").iloc[:2].to_file(comm)
    assert main(["-q", "compute", "--communities", str(comm), "--cell-size", "500",
                 "--out", str(base / "RESULT.gpkg")]) == 0  # fmt: skip
    create_project(base / "PROJECT.gpkg", comm).close()
    (base / "exports").mkdir()
    (base / "exports" / "earlier.html").write_text("earlier export", encoding="utf-8")
    return base


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under *folder* with its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _copy_bad(name: str, folder: Path) -> Path:
    """The bad file (and its shapefile siblings) in a folder of its own."""
    folder.mkdir()
    stem = Path(name).stem
    for part in BAD.glob(f"{stem}.*"):
        if part.name != "manifest.json":
            shutil.copy(part, folder / part.name)
    return folder / name


def test_corpus_is_big_enough():
    """At least 60 bad files, each read by at least one command."""
    assert len(MANIFEST) >= 60
    assert all(spec["reads"] for spec in MANIFEST.values())
    assert all((BAD / name).is_file() for name in MANIFEST)


@pytest.mark.parametrize(("name", "reads"), CASES, ids=[f"{n}:{r}" for n, r in CASES])
def test_bad_file_is_refused_cleanly(name, reads, baseline, tmp_path, capsys):
    """Exit 2, one line naming the file, nothing written, nothing changed."""
    work = tmp_path / "work"
    shutil.copytree(baseline, work)
    bad = _copy_bad(name, tmp_path / "in")
    before_work, before_in = _snapshot(work), _snapshot(bad.parent)
    code = main(command(reads, bad, work))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("riskmap: error:")]
    assert code == 2, err
    assert "Traceback" not in err
    assert len(errors) == 1, err
    assert all(line.startswith(("riskmap: error:", "riskmap: warning:"))
               for line in lines), err  # fmt: skip
    assert Path(name).stem in errors[0], errors[0]
    assert _snapshot(work) == before_work
    assert _snapshot(bad.parent) == before_in
