"""GB/T 35649-2017 symbol classes of risk points and resources (docs/DOMAIN.md §6).

The standard colours point symbols by *category*, never by risk level: A 突发事件
red (rounded frame), B 危险源 yellow, C 防护目标 blue, D 应急保障资源 green (square
frames). Risk levels keep their own four colours (a badge on the symbol), so the
two colour systems stay apart. The type-to-class table below is a configurable
default [C], transcribed from a third-party copy of the standard.

Examples
--------
>>> point_class("滑坡", "地")
'A'
>>> point_class("未知类型", "人")
'C'
>>> short_label("物资储备点")
'物资'
"""

from __future__ import annotations

from dataclasses import dataclass


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

# Ledger point types by class: natural-hazard spots (A1 自然灾害 sub-classes), hazard
# sources (B1), protected targets (C1 重要部位); resources are always D.
POINT_TYPE_CLASS: dict[str, str] = {
    **dict.fromkeys(
        ("滑坡", "崩塌", "泥石流", "地面塌陷", "地裂缝", "地面沉降", "内涝点", "洪水"),
        "A",
    ),
    **dict.fromkeys(
        ("燃气", "加油站", "危房", "消防", "危化品", "危险化学品", "高压线"), "B"
    ),
    **dict.fromkeys(
        ("学校", "幼儿园", "医院", "养老院", "弱势人员", "人员密集场所"), "C"
    ),
}
# Fallback by the ledger's 人/地/物 element when the type is not listed.
CATEGORY_CLASS: dict[str, str] = {"人": "C", "地": "A", "物": "B"}
DEFAULT_CLASS = "B"

SHORT_LABELS: dict[str, str] = {
    "避难场所": "避难",
    "物资储备点": "物资",
    "医疗点": "医疗",
    "弱势人员": "弱势",
    "内涝点": "内涝",
    "危险化学品": "危化",
    "人员密集场所": "密集",
}


def point_class(point_type: object, category: object = None) -> str:
    """GB/T 35649 class letter (A-C) of a registered risk point."""
    key = str(point_type or "").strip()
    if key in POINT_TYPE_CLASS:
        return POINT_TYPE_CLASS[key]
    return CATEGORY_CLASS.get(str(category or "").strip(), DEFAULT_CLASS)


def short_label(text: object, max_chars: int = 2) -> str:
    """The short label printed inside a symbol (2 Chinese or 4 Latin characters)."""
    key = str(text or "").strip()
    if key in SHORT_LABELS:
        return SHORT_LABELS[key]
    return key[: max_chars * 2] if key.isascii() else key[:max_chars]
