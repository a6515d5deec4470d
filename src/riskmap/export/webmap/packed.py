"""Per-cell columns of a web map as quantised, deflated typed arrays.

A county's cells as JSON lists took about 65 bytes a cell (40 MB for 400,000
cells). Here every column travels as one small object in the page's inert JSON
block: integers (values times 10**digits, minus their minimum) in the narrowest
unsigned type that holds them, the largest value of that type meaning "no
value", optionally as differences from the previous cell (smooth fields then
deflate far better), deflated with zlib and base64-encoded. Texts travel as a
list of their distinct values plus such a column of indices. The browser
inflates them with its own ``DecompressionStream`` (no library, no network) and
reads a value as ``(q + offset) / 10**digits``: the same number as the decimal
the JSON lists used to carry.

Examples
--------
>>> col = pack_numbers([0.25, None, 1.5], 3)
>>> col["t"], unpack_column(col)
('u16', [0.25, None, 1.5])
>>> unpack_texts(pack_texts(["a", None, "a"]))
['a', None, 'a']
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np
import pandas as pd

# unsigned types by name: the browser builds the same typed array from the bytes
TYPES = {"u8": np.dtype("<u1"), "u16": np.dtype("<u2"), "u32": np.dtype("<u4")}
FLOAT = "f64"  # values too wide for 32-bit integers travel as doubles, NaN = none


def pack_numbers(values: Any, digits: int) -> dict:
    """Numbers rounded to *digits* decimals as a packed column (NaN/None: no value)."""
    v = _floats(values)
    present = np.isfinite(v)
    scaled = np.rint(v[present] * 10.0**digits)
    lo = float(scaled.min()) if scaled.size else 0.0
    span = float(scaled.max()) - lo if scaled.size else 0.0
    name = _narrowest(span)
    if name is None:  # too wide for 32 bits: doubles, already rounded
        data = np.where(present, np.round(v, digits), np.nan).astype("<f8")
        return _column(data, FLOAT, digits, 0, delta=False)
    kind = TYPES[name]
    none = np.iinfo(kind).max
    q = np.full(len(v), none, dtype=kind)
    q[present] = (scaled - lo).astype(kind)
    return _column(q, name, digits, int(lo), delta=True)


def pack_texts(values: Any) -> dict:
    """Texts as their distinct values (``dict``) and a packed column of indices."""
    codes, uniques = pd.factorize(pd.Series(values, dtype="object"), sort=False)
    index = np.where(codes < 0, np.nan, codes.astype("float64"))
    return {"dict": [str(u) for u in uniques], "idx": pack_numbers(index, 0)}


def _floats(values: Any) -> np.ndarray:
    """*values* as float64, NaN where there is no number."""
    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError):  # texts or other objects among the numbers
        numbers = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce")
        return numbers.to_numpy(dtype="float64", na_value=np.nan)


def _narrowest(span: float) -> str | None:
    """The narrowest unsigned type holding 0..span with its maximum left for none."""
    for name, kind in TYPES.items():
        if span < np.iinfo(kind).max:
            return name
    return None


def _column(data: np.ndarray, name: str, digits: int, offset: int, delta: bool):
    """Deflate *data* as is and, when asked, as differences; keep the smaller."""
    plain = zlib.compress(data.tobytes(), 9)
    best, filtered = plain, 0
    if delta and len(data) > 1:
        diffs = np.diff(data, prepend=data.dtype.type(0))  # wraps modulo 2**bits
        packed = zlib.compress(diffs.tobytes(), 9)
        if len(packed) < len(plain):
            best, filtered = packed, 1
    return {
        "z": base64.b64encode(best).decode("ascii"),
        "t": name,
        "d": filtered,
        "k": digits,
        "o": offset,
        "n": len(data),
    }


def column_array(col: dict) -> np.ndarray:
    """The stored integers (or doubles) of a packed column, differences undone."""
    kind = np.dtype("<f8") if col["t"] == FLOAT else TYPES[col["t"]]
    data = np.frombuffer(zlib.decompress(base64.b64decode(col["z"])), dtype=kind)
    if col["d"]:
        data = np.cumsum(data, dtype=kind)  # wraps like the encoder's differences
    return data


def unpack_column(col: dict) -> list:
    """The values of a packed number column as a list (None for no value)."""
    data = column_array(col)
    if col["t"] == FLOAT:
        return [None if v != v else v for v in data.tolist()]
    none = int(np.iinfo(data.dtype).max)
    scale = 10 ** col["k"]
    return [
        None if q == none else (q + col["o"]) / scale if col["k"] else q + col["o"]
        for q in data.tolist()
    ]


def unpack_texts(col: dict) -> list:
    """The values of a packed text column as a list (None for no value)."""
    return [None if k is None else col["dict"][k] for k in unpack_column(col["idx"])]
