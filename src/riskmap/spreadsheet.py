"""Spreadsheet cells that stay text: no formula injection in CSV or XLSX exports.

A text that begins with ``=``, ``+``, ``-``, ``@``, tab or CR is a formula to
Excel and WPS (``=HYPERLINK("http://…"&B2,"点击")``). XLSX exports write such
texts as string cells; CSV exports prefix them with ``'`` as OWASP's
CSV-injection advice says, and re-import removes the prefix again, so a round
trip is lossless (a text that itself begins with ``'`` gets a second one).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def csv_text(value: Any) -> Any:
    """*value* for a CSV cell: texts a spreadsheet would run get a leading ``'``."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, QUOTE)):
        return QUOTE + value
    return value


def csv_untext(value: Any) -> Any:
    """The text :func:`csv_text` was given (its ``'`` prefix removed)."""
    if (
        isinstance(value, str)
        and value.startswith(QUOTE)
        and value[1:].startswith((*FORMULA_START, QUOTE))
    ):
        return value[1:]
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose texts (cells and column names) are safe in a CSV."""
    out = frame.rename(columns=csv_text)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(csv_text, na_action="ignore")
    return out


def csv_unsafe(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* read from a CSV with the prefixes of :func:`csv_safe` removed."""
    out = frame.rename(columns=csv_untext)
    return out.map(csv_untext)


def formulas_as_text(book: Any) -> None:
    """Make every cell of an openpyxl workbook that holds a formula a text cell.

    openpyxl stores any text that starts with ``=`` as a formula; riskmap's
    tables hold data, never formulas.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """*value* for a row of a write-only openpyxl sheet; a text stays a text cell."""
    if hasattr(value, "item"):  # numpy scalars become int/float
        value = value.item()
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
