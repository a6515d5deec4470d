"""Export the ledger: XLSX/CSV with Chinese headers (re-importable), GeoJSON in WGS84.

Files are written to a temporary sibling and renamed, so a failed export never
leaves half a file or destroys an earlier one. Texts never become spreadsheet
formulas (``riskmap.spreadsheet``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskmap.atomic import atomic_path
from riskmap.errors import InputDataError
from riskmap.registry.fields import FIELDS
from riskmap.spreadsheet import csv_safe, xlsx_cell

if TYPE_CHECKING:
    from riskmap.registry.store import Project

FORMATS = ("xlsx", "csv", "geojson")
LON_HEADER, LAT_HEADER = "经度", "纬度"


def ledger_table(project: Project, *, include_deleted: bool = False) -> pd.DataFrame:
    """The ledger as a table with Chinese headers and 经度/纬度 (WGS84) columns."""
    points = project.points(include_deleted=include_deleted)
    fields = [f for f in FIELDS if include_deleted or f.name != "deleted"]
    table = pd.DataFrame({f.label_zh: points[f.name].to_numpy() for f in fields})
    table[LON_HEADER] = points.geometry.x.round(7).to_numpy()
    table[LAT_HEADER] = points.geometry.y.round(7).to_numpy()
    return table


def export_points(
    project: Project,
    out: str | Path,
    fmt: str | None = None,
    *,
    include_deleted: bool = False,
) -> Path:
    """Write the ledger to *out* as xlsx, csv or geojson (default: from the suffix)."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputDataError(f"export format {fmt!r}: use one of {', '.join(FORMATS)}")
    with atomic_path(out) as tmp:
        if fmt == "geojson":
            points = project.points(include_deleted=include_deleted)
            if not include_deleted:
                points = points.drop(columns="deleted")
            points.to_file(tmp, driver="GeoJSON", engine="pyogrio")
        elif fmt == "csv":
            table = ledger_table(project, include_deleted=include_deleted)
            csv_safe(table).to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            _write_xlsx(ledger_table(project, include_deleted=include_deleted), tmp)
    return out


def _write_xlsx(table: pd.DataFrame, path: Path) -> None:
    """One sheet "风险隐患台账" with a frozen, bold header (streamed: write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("风险隐患台账")
    sheet.freeze_panes = "B2"
    for i, name in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, 2 * len(name) + 2)
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    values = table.astype(object).where(table.notna(), None)
    for row in values.itertuples(index=False, name=None):
        sheet.append([xlsx_cell(sheet, v) for v in row])
    book.save(path)
