"""Risk-point levels: LEC (D = L×E×C), the LS matrix (R = L×S) and the type list.

Thresholds and the type list live in ``styles/point_types.toml``
(``riskmap.point_types`` reads and validates it) so they are configured in one place.

Examples
--------
>>> rules = load_point_rules()
>>> rules.lec_level(3, 6, 15), rules.lec_level(3, 3, 7), rules.ls_level(4, 5)
(2, 4, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from riskmap.point_types import (
    CATEGORIES,
    PointType,
    PointTypes,
    Thresholds,
    load_point_types,
)

__all__ = ["CATEGORIES", "PointRules", "PointType", "Thresholds", "load_point_rules"]


@dataclass(frozen=True)
class PointRules:
    """The type list and the LEC/LS level rules of the ledger."""

    table: PointTypes

    @property
    def types(self) -> dict[str, PointType]:
        """Listed types by name."""
        return dict(self.table.types)

    @property
    def lec(self) -> Thresholds:
        return self.table.lec

    @property
    def ls(self) -> Thresholds:
        return self.table.ls

    @property
    def lec_values(self) -> tuple[tuple[float, ...], ...]:
        return self.table.lec_values

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
        """The level a point of *point_type* gets when none is given."""
        known = self.table.get(point_type)
        return known.default_level if known else self.table.unlisted_level

    def category_of(self, point_type: str) -> str:
        """The category (人/地/事/物/情) of a listed type, else ""."""
        known = self.table.get(point_type)
        return known.category if known else ""


def load_point_rules(path: str | Path | None = None) -> PointRules:
    """Read the type list and level rules (default ``styles/point_types.toml``)."""
    return PointRules(load_point_types(path))
