"""GB/T 35649-2017 symbol classes of risk points and resources (docs/DOMAIN.md §6).

The standard colours point symbols by *category*, never by risk level: A 突发事件
red (rounded frame), B 危险源 yellow, C 防护目标 blue, D 应急保障资源 green (square
frames). Risk levels keep their own four colours (a badge on the symbol), so the
two colour systems stay apart. Which class a point type takes, and its short label,
is a column of ``styles/point_types.toml`` (``riskmap.point_types``); resources are
always D, labelled from ``core.coverage.RESOURCE_TYPES``.

Examples
--------
>>> point_class("滑坡", "地")
'A'
>>> point_class("未知类型", "人")
'C'
>>> short_label("弱势人员"), short_label("弱势人员", "en")
('弱势', 'Vuln')
>>> resource_label("应急避难场所")
'避难'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from riskmap.core.coverage import resource_type
from riskmap.point_types import load_point_types, short_text


@dataclass(frozen=True)
class SymbolClass:
    """One major class of GB/T 35649 point symbols."""

    code: str
    name_zh: str
    name_en: str
    color: str
    frame: str  # "rounded" or "square"

    def name(self, lang: str = "zh") -> str:
        """The class name in *lang*."""
        return self.name_en if lang == "en" else self.name_zh


SYMBOL_CLASSES: dict[str, SymbolClass] = {
    "A": SymbolClass("A", "突发事件", "Emergency event", "#FF0000", "rounded"),
    "B": SymbolClass("B", "危险源", "Hazard source", "#FFFF00", "square"),
    "C": SymbolClass("C", "防护目标", "Protected target", "#0000FF", "square"),
    "D": SymbolClass("D", "应急保障资源", "Emergency resource", "#00FF00", "square"),
}


def point_class(point_type: object, category: object = None) -> str:
    """GB/T 35649 class letter (A-C) of a registered risk point: its type's class in
    the point-type table, else its category's."""
    return load_point_types().symbol_of(point_type, category)


def category_class(category: object) -> str:
    """GB/T 35649 class letter of a point of *category* whose type is not listed."""
    table = load_point_types()
    return table.category_symbol.get(str(category or "").strip(), table.unlisted_symbol)


def short_label(text: object, lang: str = "zh") -> str:
    """The short label printed inside a risk point's symbol (2 Chinese or 4 Latin
    characters), from the point-type table."""
    return load_point_types().short_label(text, lang)


def resource_label(text: object, lang: str = "zh") -> str:
    """The short label inside an emergency resource's symbol (避难, 物资, 医疗)."""
    rtype = resource_type(text)
    return rtype.short(lang) if rtype else short_text(text)


def types_by_class(
    points: pd.DataFrame | None, lang: str = "zh"
) -> dict[str, list[str]]:
    """The point types present in *points*, by GB/T 35649 class, named in *lang*
    (listed types by the table's name, others as written), for legends."""
    if points is None or points.empty or "type" not in points:
        return {}
    table = load_point_types()
    cats = points["category"] if "category" in points else [None] * len(points)
    out: dict[str, list[str]] = {}
    for ptype, cat in dict.fromkeys(zip(points["type"], cats, strict=True)):
        if ptype is None or ptype != ptype or not str(ptype).strip():
            continue
        listed = table.get(ptype)
        name = listed.name(lang) if listed else str(ptype).strip()
        names = out.setdefault(table.symbol_of(ptype, cat), [])
        if name not in names:
            names.append(name)
    return out
