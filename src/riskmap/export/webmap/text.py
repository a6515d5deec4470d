"""Interface text of the web maps in Chinese (default) and English."""

from __future__ import annotations

from riskmap.registry.fields import BY_NAME
from riskmap.texts import LANGS, register, tr

__all__ = ["LANGS", "TEXT", "field_label", "tr", "value_words"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("{name} · 公共安全风险四色图", "{name} · public-safety risk map"),
    "index_title": ("社区公共安全风险四色图 · 总览", "Community risk maps · overview"),
    "data_date": ("数据日期", "Data date"),
    "offline": ("离线地图，无需网络", "Offline map: needs no network"),
    "cells_total": ("网格单元 {n} 个，边长 {size} m", "{n} cells of {size} m"),
    "cells_grid": ("管理网格单元 {n} 个", "{n} management-grid cells"),
    "layer_levels": ("风险等级（网格）", "Risk level (cells)"),
    "layer_gridlines": ("网格线", "Grid lines"),
    "layer_boundary": ("社区边界", "Community boundary"),
    "layer_points": ("隐患点", "Risk points"),
    "layer_resources": ("应急资源", "Emergency resources"),
    "layer_hillshade": ("山体阴影（离线）", "Hillshade (offline)"),
    "layer_none": ("无底图", "No basemap"),
    "layer_osm": ("OpenStreetMap（在线）", "OpenStreetMap (online)"),
    "layer_tianditu": ("天地图矢量（在线）", "Tianditu map (online)"),
    "layer_tianditu_labels": ("天地图注记（在线）", "Tianditu labels (online)"),
    "layer_communities": ("社区", "Communities"),
    "layer_uncovered": ("避难场所服务范围外", "Not covered by shelters"),
    "layer_nodata": ("无灾害数据的网格", "Cells without hazard data"),
    "legend_nodata": ("无灾害数据（斜线）", "No hazard data (hatched)"),
    "no_hazard_data": (
        "无灾害数据：等级仅依据隐患点，不代表安全",
        "No hazard data: level from risk points only, not a sign of safety",
    ),
    "no_lookup": (
        "此浏览器无法读取网格详情（请用较新的 Chrome、Edge、Firefox 或 Safari）",
        "This browser cannot read the cell details (use a recent Chrome, Edge, "
        "Firefox or Safari)",
    ),
    "legend_levels": ("风险等级（网格数）", "Risk level (cells)"),
    "legend_symbols": ("符号（GB/T 35649 类别色）", "Symbols (GB/T 35649 colours)"),
    "legend_badge": (
        "角标 = 隐患点自身风险等级",
        "Corner badge = the point's own risk level",
    ),
    "legend_hint": (
        "鼠标悬停或点击网格查看详情",
        "Hover or click a cell for its details",
    ),
    "level_n": ("{n}级", "L{n}"),
    "cell": ("网格", "Cell"),
    "level": ("风险等级", "Risk level"),
    "score": ("综合得分", "Score"),
    "score_hazard": ("灾害分", "Hazard part"),
    "score_points": ("隐患点分", "Points part"),
    "max": ("最大", "max"),
    "mean": ("平均", "mean"),
    "frac": ("超阈值面积", "above threshold"),
    "top_class": ("最高", "highest"),
    "points": ("隐患点", "Risk points"),
    "no_data": ("无数据", "no data"),
    "col_name": ("社区", "Community"),
    "col_cells": ("网格数", "Cells"),
    "col_max": ("最高等级", "Highest level"),
    "col_points": ("隐患点数", "Risk points"),
    "col_people": ("人口", "People"),
    "col_eae": ("年均期望受影响人口", "Expected annual exposed people"),
    "people_red": (
        "约 {people} 人位于{level}网格",
        "About {people} people live in cells of {level}",
    ),
    "col_map": ("地图", "Map"),
    "open_map": ("打开地图", "Open map"),
    "total": ("合计", "Total"),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "point_id": ("编号", "ID"),
    "resource_id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "type": ("类型", "Type"),
    "category": ("要素类别", "Element"),
    "level": ("风险等级", "Risk level"),
    "address": ("地址", "Address"),
    "responsible": ("责任人", "Responsible"),
    "phone": ("联系电话", "Phone"),
    "status": ("状态", "Status"),
    "households": ("威胁户数", "Households at risk"),
    "people": ("威胁人数", "People at risk"),
    "capacity": ("容纳人数", "Capacity"),
    "stock": ("储备物资", "Stock"),
    "radius_m": ("影响半径 (m)", "Influence radius (m)"),
    "version": ("台账版本", "Ledger version"),
    "cell_id": ("所在网格", "Cell"),
    "community": ("社区", "Community"),
    "illustrative": ("示例数据", "Illustrative"),
}

register("webmap", TEXT)

# Columns that riskmap adds for its own bookkeeping; popups leave them out.
HIDDEN_FIELDS = frozenset({"community_id", "geometry", "_row", "deleted"})


def field_label(field: str, lang: str = "zh") -> str:
    """A readable label for a data column: ours, the ledger's, else the column name."""
    if field in FIELD_LABELS:
        zh, en = FIELD_LABELS[field]
        return en if lang == "en" else zh
    if field in BY_NAME:
        return BY_NAME[field].label(lang)
    return field


# Coded ledger values in words (the ledger stores the code).
VALUE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "level_method": {
        "direct": ("直接评定", "direct"),
        "lec": ("LEC 法", "LEC"),
        "ls": ("LS 法", "LS"),
    },
}


def value_words(field: str, text: str, lang: str = "zh") -> str:
    """A coded value of *field* in words of *lang* (others unchanged)."""
    words = VALUE_WORDS.get(field, {}).get(text.strip().lower())
    return text if words is None else words[1 if lang == "en" else 0]
