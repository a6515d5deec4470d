"""Texts printed on map pages, in Chinese (default) and English (``lang="en"``).

Keys start with ``print.``; ``tr(key, lang)`` is ``riskmap.texts.tr``.
"""

from __future__ import annotations

from riskmap.texts import register, tr

__all__ = ["TEXTS", "columns", "tr"]

TEXTS: dict[str, tuple[str, str]] = {
    "print.title": ("{name}公共安全风险四色图", "{name} — public-safety risk map"),
    "print.cover_title": (
        "社区公共安全风险四色图（总图）",
        "Community risk map — overview",
    ),
    "print.doc_title": ("社区公共安全风险四色图", "Community public-safety risk maps"),
    "print.subtitle": ("{cid} · 比例尺 {scale}", "{cid} · scale {scale}"),
    "print.cover_sub": (
        "{n} 个社区 · 比例尺 {scale}",
        "{n} communities · scale {scale}",
    ),
    "print.scale": ("比例尺 {scale}", "Scale {scale}"),
    "print.metres": (" 米", " m"),
    "print.legend": ("图例 Legend", "Legend 图例"),
    "print.level": ("{name}（{colour}）", "{name} ({colour})"),
    "print.level_stats": ("{cells} 格  {area} 平方千米", "{cells} cells  {area} km²"),
    "print.ramp": ("{label}（{unit}）等值线", "{label} ({unit}), contours"),
    "print.point_class": ("{name}（数字为风险等级）", "{name} (digit: risk level)"),
    "print.resources": ("应急避难场所等资源", "Shelters and other resources"),
    "print.boundary": ("社区边界", "Community boundary"),
    "print.neighbours": ("相邻社区", "Neighbouring community"),
    "print.uncovered": ("避难场所服务范围外", "Outside shelter service radius"),
    "print.no_hazard_data": (
        "无灾害数据（等级仅依据隐患点）",
        "No hazard data (level from risk points only)",
    ),
    "print.inset": ("位置示意：{where}", "Location: {where}"),
    "print.inset_city": ("位置示意：全市各区县", "Location: all counties"),
    "print.inset_all": ("位置示意：全部社区范围", "Location: all communities"),
    "print.level_head": ("等级|网格数|面积 km²|占比", "Level|Cells|Area km²|Share"),
    "print.points_head": ("名称|类型|等级|责任人", "Name|Type|Level|Responsible"),
    "print.people_head": ("人口", "People"),
    "print.cover_head": ("社区|最高等级", "Community|Highest"),
    "print.top_points": (
        "最高等级风险点 Highest-level risk points",
        "Highest-level risk points",
    ),
    "print.no_points": (
        "（无登记风险点 no registered risk points）",
        "(no registered risk points)",
    ),
    "print.more_points": ("另有 {n} 处，见台账", "{n} more in the ledger"),
    "print.more_communities": ("另有 {n} 个社区，见各社区图幅", "{n} more communities"),
    "print.dates": (
        "数据日期：{data}    打印日期：{printed}    编制/发布单位：{issuer}",
        "Data date: {data}    Printed: {printed}    Issued by: {issuer}",
    ),
    "print.model": ("风险模型：{model}", "Risk model: {model}"),
    "print.font": (
        "字体：{font}    制图：riskmap {version}",
        "Font: {font}    Made with riskmap {version}",
    ),
}


register("printmap", TEXTS)


def columns(key: str, lang: str) -> list[str]:
    """A table header stored as 'a|b|c'."""
    return tr(key, lang).split("|")
