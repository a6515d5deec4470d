"""Readable labels and values for RESULT.gpkg columns, in Chinese or English.

The desktop app's identify panel shows a cell as 网格编号 / 洪水淹没水深 最大值 /
面积 (m²) 10,000 instead of ``cell_id`` / ``flood_max`` / ``1e+04``. Hazard columns
(``<H>_max`` …) take the hazard's own label from the result; ledger fields and
point columns fall back to the web map's and the ledger's labels.
"""

from __future__ import annotations

import math
import re

from riskmap.core.coverage import RESOURCE_TYPES
from riskmap.export.webmap.text import field_label

RESULT_LABELS: dict[str, tuple[str, str]] = {
    "cell_id": ("网格编号", "Cell id"),
    "community_id": ("社区编号", "Community id"),
    "community": ("社区", "Community"),
    "row": ("行号", "Row"),
    "col": ("列号", "Column"),
    "full": ("完整网格", "Whole cell"),
    "area_m2": ("面积 (m²)", "Area (m²)"),
    "points_n": ("隐患点数", "Risk points"),
    "score_hazard": ("灾害分", "Hazard part"),
    "score_points": ("隐患点分", "Points part"),
    "score": ("综合得分", "Score"),
    "level": ("风险等级", "Risk level"),
    "level_name": ("等级名称", "Level name"),
    "level_name_en": ("等级名称（英文）", "Level name (English)"),
    "color": ("颜色", "Colour"),
    "hazard_data": ("有灾害数据", "Has hazard data"),
    "driver": ("等级依据", "Level set by"),
    "cells_n": ("网格数", "Cells"),
    "max_level": ("最高风险等级", "Highest level"),
    "cells_no_hazard_data": ("无灾害数据网格数", "Cells without hazard data"),
    "population": ("常住人口", "Population"),
    "shelter_capacity": ("避难场所容量", "Shelter capacity"),
    "capacity_ratio": ("容量/人口", "Capacity / population"),
}
_RESOURCE = {t.key: (t.name("zh"), t.name("en")) for t in RESOURCE_TYPES}
_STATS = {
    "mean": ("平均值", "mean"),
    "max": ("最大值", "max"),
    "frac": ("超阈值面积比例", "share above threshold"),
    "sev": ("严重度", "severity"),
    "class": ("最高等级", "highest class"),
}
_LEVELS = re.compile(r"^(points|cells)_l([1-4])$")


def column_label(
    column: str, lang: str = "zh", hazards: dict[str, str] | None = None
) -> str:
    """The label of *column*; *hazards* maps hazard names to their labels."""
    zh = lang != "en"
    if column in RESULT_LABELS:
        return RESULT_LABELS[column][0 if zh else 1]
    if m := _LEVELS.match(column):
        what = ("隐患点", "risk points") if m[1] == "points" else ("网格", "cells")
        return f"{m[2]}级{what[0]}数" if zh else f"Level {m[2]} {what[1]}"
    for kind, (name_zh, name_en) in _RESOURCE.items():
        if column == f"{kind}_dist_m":
            return f"距{name_zh}距离 (m)" if zh else f"Distance to {name_en} (m)"
        if column == f"{kind}_covered":
            return f"{name_zh}服务范围内" if zh else f"Within {name_en} reach"
    for name, label in (hazards or {}).items():
        for stat, (s_zh, s_en) in _STATS.items():
            if column == f"{name}_{stat}":
                return f"{label} {s_zh if zh else s_en}"
    return field_label(column, lang)


def display_value(value: object, lang: str = "zh") -> str:
    """A value as people read it: 10,000 not 1e+04, 是/否 for booleans, blank for
    missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        yes, no = ("是", "否") if lang != "en" else ("yes", "no")
        return yes if value else no
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        number = float(value)
        if number.is_integer() or abs(number) >= 1000:
            return f"{number:,.0f}"
        return f"{number:.3g}"
    if type(value).__name__.startswith("int"):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(value)
    return str(value)


_STAT_WORDS = {k: v for k, v in _STATS.items() if k in ("mean", "max")}
_DRIVER_POINT = re.compile(r"^point (?P<id>.+) \((?P<type>.*), (?P<level>\d)\)$")
_DRIVER_HAZARD = re.compile(r"^(?P<name>\S+) (?P<stat>mean|max) (?P<rest>.+)$")
_DRIVER_ZONE = re.compile(r"^(?P<name>\S+) class (?P<cls>.+)$")


def driver_words(text: object, lang: str = "zh", hazards: dict | None = None) -> str:
    """A cell's ``driver`` in words of *lang*: 'flood max 2.3 m' -> '洪水淹没水深
    最大值 2.3 m', 'point YH-1 (滑坡, 2)' -> '隐患点 YH-1（滑坡，2级）'."""
    raw = "" if text is None else str(text)
    if lang == "en" or not raw:
        return raw
    labels = hazards or {}
    if raw == "none":
        return "无（得分为 0）"
    if raw == "no hazard data":
        return "无灾害数据（等级仅依据隐患点）"
    if m := _DRIVER_POINT.match(raw):
        return f"隐患点 {m['id']}（{m['type']}，{m['level']}级）"
    if m := _DRIVER_ZONE.match(raw):
        return f"{labels.get(m['name'], m['name'])} {_STATS['class'][0]} {m['cls']}"
    if m := _DRIVER_HAZARD.match(raw):
        word = _STAT_WORDS[m["stat"]][0]
        return f"{labels.get(m['name'], m['name'])} {word} {m['rest']}"
    return raw
