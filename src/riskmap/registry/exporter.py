"""Export the ledger: XLSX/CSV with Chinese headers (re-importable), GeoJSON in WGS84.

Each point's version is written too. Photos stored in the project are written as
files into ``<name>_photos/`` beside the export, and the ``photos`` column lists
them (after any photo paths typed into the ledger).

Files are written to a temporary sibling and renamed, so a failed export never
leaves half a file or destroys an earlier one. Texts never become spreadsheet
formulas (``riskmap.spreadsheet``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskmap.atomic import atomic_path
from riskmap.choices import LEDGER_FORMATS
from riskmap.errors import InputDataError
from riskmap.registry.fields import FIELDS
from riskmap.spreadsheet import csv_safe, xlsx_cell

if TYPE_CHECKING:
    from riskmap.registry.store import Project

LON_HEADER, LAT_HEADER = "经度", "纬度"


VERSION_HEADER = "版本"
_SAFE = re.compile(r"[^\w\-]")  # a point id as part of a file name


def ledger_table(
    project: Project, *, include_deleted: bool = False, points=None
) -> pd.DataFrame:
    """The ledger as a table with Chinese headers and 经度/纬度 (WGS84) columns."""
    if points is None:
        points = project.points(include_deleted=include_deleted)
    fields = [f for f in FIELDS if include_deleted or f.name != "deleted"]
    table = pd.DataFrame({f.label_zh: points[f.name].to_numpy() for f in fields})
    table[VERSION_HEADER] = points["version"].to_numpy()
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
    if fmt not in LEDGER_FORMATS:
        raise InputDataError(
            f"export format {fmt!r}: use one of {', '.join(LEDGER_FORMATS)}"
        )
    points = project.points(include_deleted=include_deleted)
    points["photos"] = _with_photo_files(project, points, out)
    with atomic_path(out) as tmp:
        if fmt == "geojson":
            if not include_deleted:
                points = points.drop(columns="deleted")
            points.to_file(tmp, driver="GeoJSON", engine="pyogrio")
        else:
            table = ledger_table(project, points=points)
            if fmt == "csv":
                csv_safe(table).to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                _write_xlsx(table, tmp)
    return out


def _with_photo_files(project: Project, points, out: Path) -> list:
    """Write each stored photo beside *out*; the photos column with their paths."""
    counts = project.photo_counts()
    column = points["photos"].tolist()
    if not counts:
        return column
    folder = out.parent / f"{out.stem}_photos"
    folder.mkdir(parents=True, exist_ok=True)
    for i, pid in enumerate(points["id"]):
        if pid not in counts:
            continue
        names = [column[i]] if column[i] else []
        for k, photo in enumerate(project.photos(pid), 1):
            ext = ".png" if photo.media_type == "image/png" else ".jpg"
            path = folder / f"{i + 1:05d}_{_SAFE.sub('_', str(pid))[:60]}_{k}{ext}"
            with atomic_path(path) as tmp:
                tmp.write_bytes(photo.data)
            names.append(f"{folder.name}/{path.name}")
        column[i] = ";".join(names)
    return column


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
