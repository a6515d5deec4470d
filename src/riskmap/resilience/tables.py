"""Read the indicator table, indicator sheet and AHP matrix, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from riskmap.errors import InputDataError, MissingFileError
from riskmap.io.vectors import find_column, read_table

ID_ALIASES = ("community_id", "社区编码", "社区代码")
NAME_ALIASES = ("community", "社区", "社区名称", "name", "名称")
# text columns that describe a row and are not indicators
IGNORED = {"note", "notes", "备注", "说明", "remarks", "name_en", "illustrative"}
DIRECTION_WORDS = {
    "+": "+",
    "正": "+",
    "正向": "+",
    "positive": "+",
    "benefit": "+",
    "-": "-",
    "−": "-",
    "负": "-",
    "负向": "-",
    "negative": "-",
    "cost": "-",
}


@dataclass(frozen=True)
class IndicatorTable:
    """Indicator values, one row per community; *responses* > len when aggregated.

    *values* are indexed by the community key (its id when the table has a
    community_id column, else its name); *names* maps each key to its name.
    """

    values: pd.DataFrame
    names: pd.Series
    by_id: bool
    responses: int
    source: str


def load(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A table from a CSV/XLSX path (or a DataFrame as is) and its name for messages."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), "indicator table"
    path = Path(source)
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    return read_table(path), str(path)


MAX_INDICATOR = 1e12  # no real indicator (people, yuan, m²) comes near it


def read_indicators(source: str | Path | pd.DataFrame) -> IndicatorTable:
    """The indicator table indexed by community; survey rows averaged per community.

    One row per community, or raw survey responses (several rows per community):
    these are averaged per community. Every other column must be numeric.
    """
    table, name = load(source)
    id_col = find_column(table.columns, ID_ALIASES)
    name_col = find_column(table.columns, NAME_ALIASES)
    col = id_col or name_col
    if col is None:
        raise InputDataError(
            f"{name}: no community column; name one column community (社区) "
            f"(columns found: {', '.join(map(str, table.columns))})"
        )
    ids = table[col].map(lambda v: "" if pd.isna(v) else str(v).strip())
    blank = np.flatnonzero((ids == "").to_numpy())
    if len(blank):
        raise InputDataError(
            f"{name}: row {blank[0] + 2} has no community in column {col!r}; "
            "fill it in or delete the row"
        )
    drop = [c for c in table.columns if str(c).strip().lower() in IGNORED]
    drop += [c for c in (id_col, name_col) if c]
    values = table.drop(columns=drop).apply(lambda s: _numeric(s, name))
    values.index = pd.Index(ids.to_numpy(), name="community")
    labels = table[name_col].astype(str).str.strip() if name_col else ids
    names = pd.Series(labels.to_numpy(), index=values.index)
    responses = len(values)
    if values.index.has_duplicates:
        values = values.groupby(level=0, sort=False).mean()
        names = names[~names.index.duplicated()]
    return IndicatorTable(values, names, id_col is not None, responses, name)


def _numeric(column: pd.Series, name: str) -> pd.Series:
    """The column as numbers; the first non-numeric cell is an input error."""
    out = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero((out.isna() & column.notna()).to_numpy())
    if len(bad):
        raise InputDataError(
            f"{name}: column {column.name!r}, row {bad[0] + 2}: "
            f"{column.iloc[bad[0]]!r} is not a number; "
            "indicator values must be numbers"
        )
    absurd = np.flatnonzero((out.notna() & ~out.abs().le(MAX_INDICATOR)).to_numpy())
    if len(absurd):
        raise InputDataError(
            f"{name}: column {column.name!r}, row {absurd[0] + 2}: "
            f"{column.iloc[absurd[0]]!r} is not a usable indicator value "
            f"(infinite or beyond ±{MAX_INDICATOR:g}); correct it"
        )
    return out


def read_sheet(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The indicator sheet: indicator, dimension, direction ("+"/"-"), label."""
    table, name = load(source)
    cols = {
        key: find_column(table.columns, aliases)
        for key, aliases in (
            ("indicator", ("indicator", "指标", "指标代码")),
            ("dimension", ("dimension", "维度", "准则层")),
            ("direction", ("direction", "方向", "属性")),
            ("label", ("label", "指标名称", "说明")),
        )
    }
    missing = [k for k in ("indicator", "dimension", "direction") if cols[k] is None]
    if missing:
        raise InputDataError(
            f"{name}: the indicator sheet needs columns indicator, dimension, "
            f"direction; missing {', '.join(missing)}"
        )
    sheet = pd.DataFrame(
        {k: table[c].astype(str).str.strip() for k, c in cols.items() if c}
    )
    if "label" not in sheet:
        sheet["label"] = sheet["indicator"]
    sheet["direction"] = [_direction(v, i, name) for i, v in enumerate(sheet.direction)]
    dup = sheet["indicator"][sheet["indicator"].duplicated()]
    if len(dup):
        raise InputDataError(f"{name}: indicator {dup.iloc[0]!r} is listed twice")
    return sheet.set_index("indicator")


def _direction(value: str, row: int, name: str) -> str:
    """ "+" or "-" from the sheet's direction text."""
    out = DIRECTION_WORDS.get(value.strip().lower())
    if out is None:
        raise InputDataError(
            f"{name}: row {row + 2}: direction {value!r} must be + (higher is more "
            "resilient, 正向) or - (lower is more resilient, 负向)"
        )
    return out


def read_ahp_matrix(source: str | Path) -> tuple[list[str], np.ndarray, str]:
    """The pairwise matrix: dimension names as header and first column (CSV/XLSX)."""
    path = Path(source)
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    table = _read_raw(path)
    header = [str(v).strip() for v in table.iloc[0, 1:]]
    rows = [str(v).strip() for v in table.iloc[1:, 0]]
    if header != rows or len(header) < 2:
        raise InputDataError(
            f"{path}: the AHP matrix must be square with the same dimension names "
            f"as header and first column (header {header}, first column {rows})"
        )
    cells = table.iloc[1:, 1:].to_numpy()
    a = np.array(
        [
            [_judgement(cells[i, j], path, header, i, j) for j in range(len(header))]
            for i in range(len(header))
        ]
    )
    _check_reciprocal(a, header, path)
    return header, a, str(path)


def _read_raw(path: Path) -> pd.DataFrame:
    """The matrix file as text cells, without a header row."""
    raw = {"header": None, "dtype": str}
    table = read_table(path, what="AHP matrix", csv=raw, excel=raw)
    if table.shape[0] < 3 or table.shape[1] < 3:
        raise InputDataError(
            f"{path}: the AHP matrix needs at least 2 dimensions: a header row and "
            "a first column of dimension names, then the judgements"
        )
    return table


def _judgement(text, path, names, i, j) -> float:
    """One matrix entry: a positive number or a fraction like 1/3."""
    try:
        value = float(Fraction(str(text).strip()))
    except (ValueError, ZeroDivisionError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise InputDataError(
            f"{path}: entry ({names[i]}, {names[j]}) = {text!r} must be a positive "
            "number on Saaty's 1-9 scale (fractions like 1/3 are fine)"
        )
    return value


def _check_reciprocal(a: np.ndarray, names: list[str], path: Path) -> None:
    """a_ii = 1 and a_ji = 1/a_ij (within 1 %, for rounded decimals like 0.33)."""
    bad = ~np.isclose(a * a.T, 1.0, rtol=0.01)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputDataError(
            f"{path}: the matrix is not reciprocal: ({names[i]}, {names[j]}) = "
            f"{a[i, j]:g} but ({names[j]}, {names[i]}) = {a[j, i]:g}; "
            "a_ji must be 1/a_ij and the diagonal 1"
        )
