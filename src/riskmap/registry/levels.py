"""Risk-point levels: LEC (D = L×E×C), the LS matrix (R = L×S) and the type list.

Thresholds and the type list live in ``styles/point_types.toml`` so they are
configured in one place.

Examples
--------
>>> rules = load_point_rules()
>>> rules.lec_level(3, 6, 15), rules.lec_level(3, 3, 7), rules.ls_level(4, 5)
(2, 4, 1)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from riskmap.errors import ModelError
from riskmap.resources import styles_dir

CATEGORIES = ("人", "地", "事", "物", "情")


@dataclass(frozen=True)
class PointType:
    """One ledger type: its category, default level and names."""

    type: str
    category: str
    default_level: int
    name_en: str

    def name(self, lang: str = "zh") -> str:
        """Display name in *lang*."""
        return self.name_en if lang == "en" and self.name_en else self.type


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs for levels 1 (red), 2 (orange) and 3 (yellow)."""

    red: float
    orange: float
    yellow: float


@dataclass(frozen=True)
class PointRules:
    """The type list and the LEC/LS level rules."""

    types: dict[str, PointType]
    lec: Thresholds
    ls: Thresholds
    lec_values: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]

    def lec_level(self, lik: float, exp: float, con: float) -> int:
        """Level from D = L×E×C: 1 if D > red, 2 if D >= orange, 3 if D >= yellow."""
        d = float(lik) * float(exp) * float(con)
        if d > self.lec.red:
            return 1
        if d >= self.lec.orange:
            return 2
        return 3 if d >= self.lec.yellow else 4

    def ls_level(self, lik: float, sev: float) -> int:
        """Level from R = L×S: 1 if R >= red, 2 if R >= orange, 3 if R >= yellow."""
        r = float(lik) * float(sev)
        if r >= self.ls.red:
            return 1
        if r >= self.ls.orange:
            return 2
        return 3 if r >= self.ls.yellow else 4

    def default_level(self, point_type: str) -> int:
        """The level a point of *point_type* gets when none is given (3 if unlisted)."""
        known = self.types.get(str(point_type))
        return known.default_level if known else 3

    def category_of(self, point_type: str) -> str:
        """The category (人/地/事/物/情) of a listed type, else ""."""
        known = self.types.get(str(point_type))
        return known.category if known else ""


def load_point_rules(path: str | Path | None = None) -> PointRules:
    """Read the type list and level rules (default ``styles/point_types.toml``)."""
    return _load(str(path or styles_dir() / "point_types.toml"))


@lru_cache(maxsize=8)
def _load(path: str) -> PointRules:
    """Parse and validate the rules file (cached per path)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        methods = data["methods"]
        lec, ls = _thresholds(methods["lec"]), _thresholds(methods["ls"])
        values = tuple(
            tuple(float(v) for v in methods["lec"][k])
            for k in ("l_values", "e_values", "c_values")
        )
        types = {str(t["type"]): _point_type(t) for t in data.get("type", [])}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"cannot read point types {path}: {exc}") from exc
    if not (lec.red > lec.orange > lec.yellow and ls.red > ls.orange > ls.yellow):
        raise ModelError(f"{path}: thresholds must fall: red > orange > yellow")
    return PointRules(types, lec, ls, values)  # type: ignore[arg-type]


def _thresholds(table: dict) -> Thresholds:
    """The three cut-offs of one method."""
    return Thresholds(
        float(table["red"]), float(table["orange"]), float(table["yellow"])
    )


def _point_type(table: dict) -> PointType:
    """One validated [[type]] table."""
    entry = PointType(
        type=str(table["type"]),
        category=str(table["category"]),
        default_level=int(table["default_level"]),
        name_en=str(table.get("name_en", "")),
    )
    if entry.category not in CATEGORIES or entry.default_level not in (1, 2, 3, 4):
        raise ValueError(f"type {entry.type}: category 人/地/事/物/情 and level 1-4")
    return entry
