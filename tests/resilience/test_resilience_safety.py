"""Resilience outputs: formulas stay text; all files appear together or none."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from riskmap.cli import main
from riskmap.resources import sample_dir

FOLDER = sample_dir() / "resilience"
OUTPUTS = ("weights.csv", "scores.csv", "resilience.gpkg", "resilience.xlsx",
           "summary.txt")  # fmt: skip
LINK = '=HYPERLINK("http://example.invalid/","点击")'


def _args(folder: Path, out: Path, *extra: str) -> list[str]:
    """resilience arguments over the tables in *folder*."""
    return ["-q", "resilience", "--indicators", str(folder / "indicators.csv"),
            "--sheet", str(folder / "sheet.csv"), "--out", str(out),
            *extra]  # fmt: skip


def _tables(tmp_path: Path, name: str | None = None) -> Path:
    """The sample indicators (the first community renamed to *name*) and the part
    of the sample sheet they cover (no RESULT.gpkg needed)."""
    table = pd.read_csv(FOLDER / "indicators.csv")
    if name is not None:
        table.loc[0, "community"] = name
    table.to_csv(tmp_path / "indicators.csv", index=False)
    sheet = pd.read_csv(FOLDER / "indicator_sheet.csv")
    sheet = sheet[sheet["indicator"].isin(table.columns)]
    sheet.to_csv(tmp_path / "sheet.csv", index=False)
    return tmp_path


def test_community_names_never_become_formulas(tmp_path):
    """scores.csv quotes the name; resilience.xlsx holds it as a text cell."""
    out = tmp_path / "res"
    assert main(_args(_tables(tmp_path, LINK), out)) == 0
    raw = (out / "scores.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw
    assert "\n=HYPERLINK" not in raw
    assert ",=HYPERLINK" not in raw
    book = openpyxl.load_workbook(out / "resilience.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert LINK in [c.value for c in cells]


def _limit_file_size() -> None:
    """In the child: files may not grow past 64 KiB (a disk that fills up)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.slow
def test_a_full_disk_replaces_no_output(tmp_path):
    """When the GeoPackage cannot be written, the earlier outputs all stay as they
    were (none replaced, none removed) and no temporary file is left."""
    out = tmp_path / "res"
    tables = _tables(tmp_path)
    assert main(_args(tables, out, "--alpha", "0.5")) == 0
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    run = subprocess.run(
        [sys.executable, "-m", "riskmap", *_args(tables, out, "--alpha", "0.9")],
        preexec_fn=_limit_file_size,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    assert (
        run.stderr.strip().splitlines()[-1].startswith("riskmap: error: cannot write")
    )
    assert "nothing was replaced" in run.stderr
    assert {p.name for p in out.iterdir()} == set(OUTPUTS)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == before[name], name
