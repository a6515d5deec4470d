"""Personal contacts on shared outputs: masked by default (138****0001, 张*).

Exported web maps, printed pages and notices are passed around and pinned up, so the
names and phone numbers of responsible persons and monitors print masked unless the
user asks for them in full (``--contacts full``).
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from riskmap.choices import CONTACT_MODES
from riskmap.errors import InputDataError

NAME_FIELDS = ("responsible", "monitor")
PHONE_FIELDS = ("phone", "monitor_phone")
_MISSING = ("", "nan", "none", "<na>")


def mask_phone(value: object) -> object:
    """'13800000001' -> '138****0001': the digits between the first 3 and last 4
    hidden (all but the last 2 for short numbers); missing values unchanged."""
    if _missing(value):
        return value
    text = str(value).strip()
    digits = [m.start() for m in re.finditer(r"[\d*]", text)]  # '*': already masked
    keep_head, keep_tail = (3, 4) if len(digits) >= 9 else (0, 2)
    hidden = set(digits[keep_head : len(digits) - keep_tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def mask_name(value: object) -> object:
    """'张三' -> '张*', '欧阳娜娜' -> '欧***', 'Wang Wei' -> 'W*******': the first
    character kept; missing values unchanged."""
    if _missing(value):
        return value
    text = str(value).strip()
    return text[0] + "*" * (len(text) - 1)


def _missing(value: object) -> bool:
    """True for None/NaN and empty or 'nan'-like texts."""
    if value is None:
        return True
    if not isinstance(value, str) and pd.isna(value):
        return True
    return str(value).strip().lower() in _MISSING


def check_contacts(mode: str) -> str:
    """*mode* when it is 'masked' or 'full'; an InputDataError otherwise."""
    if mode not in CONTACT_MODES:
        raise InputDataError(
            f"--contacts {mode!r}: use one of {', '.join(CONTACT_MODES)}"
        )
    return mode


def contacts_for_output(
    points: gpd.GeoDataFrame | None, mode: str = "masked"
) -> gpd.GeoDataFrame | None:
    """The points with their contact fields masked (mode 'masked') or as they are."""
    if points is None or check_contacts(mode) == "full":
        return points
    out = points.copy()
    for name in NAME_FIELDS:
        if name in out:
            out[name] = out[name].map(mask_name)
    for name in PHONE_FIELDS:
        if name in out:
            out[name] = out[name].map(mask_phone)
    return out
