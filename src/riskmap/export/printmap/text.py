"""Texts printed on map pages, in Chinese (default) and English (``lang="en"``)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("{name}公共安全风险四色图", "{name} — public-safety risk map"),
    "cover_title": ("社区公共安全风险四色图（总图）", "Community risk map — overview"),
    "doc_title": ("社区公共安全风险四色图", "Community public-safety risk maps"),
    "subtitle": ("{cid} · 比例尺 {scale}", "{cid} · scale {scale}"),
    "cover_sub": ("{n} 个社区 · 比例尺 {scale}", "{n} communities · scale {scale}"),
    "scale": ("比例尺 {scale}", "Scale {scale}"),
    "metres": (" 米", " m"),
    "legend": ("图例 Legend", "Legend 图例"),
    "level": ("{name}（{colour}）", "{name} ({colour})"),
    "level_stats": ("{cells} 格  {area} 平方千米", "{cells} cells  {area} km²"),
    "ramp": ("{label}（{unit}）等值线", "{label} ({unit}), contours"),
    "point_class": ("{name}（数字为风险等级）", "{name} (digit: risk level)"),
    "resources": ("应急避难场所等资源", "Shelters and other resources"),
    "boundary": ("社区边界", "Community boundary"),
    "neighbours": ("相邻社区", "Neighbouring community"),
    "uncovered": ("避难场所服务范围外", "Outside shelter service radius"),
    "no_hazard_data": (
        "无灾害数据（等级仅依据隐患点）",
        "No hazard data (level from risk points only)",
    ),
    "inset": ("位置示意：{where}", "Location: {where}"),
    "inset_city": ("位置示意：全市各区县", "Location: all counties"),
    "inset_all": ("位置示意：全部社区范围", "Location: all communities"),
    "level_head": ("等级|网格数|面积 km²|占比", "Level|Cells|Area km²|Share"),
    "points_head": ("名称|类型|等级|责任人", "Name|Type|Level|Responsible"),
    "people_head": ("人口", "People"),
    "cover_head": ("社区|最高等级", "Community|Highest"),
    "top_points": (
        "最高等级风险点 Highest-level risk points",
        "Highest-level risk points",
    ),
    "no_points": (
        "（无登记风险点 no registered risk points）",
        "(no registered risk points)",
    ),
    "more_points": ("另有 {n} 处，见台账", "{n} more in the ledger"),
    "more_communities": ("另有 {n} 个社区，见各社区图幅", "{n} more communities"),
    "dates": (
        "数据日期：{data}    打印日期：{printed}    编制/发布单位：{issuer}",
        "Data date: {data}    Printed: {printed}    Issued by: {issuer}",
    ),
    "model": ("风险模型：{model}", "Risk model: {model}"),
    "font": (
        "字体：{font}    制图：riskmap {version}",
        "Font: {font}    Made with riskmap {version}",
    ),
}


def tr(lang: str, key: str, **values: object) -> str:
    """The text *key* in *lang* ("zh" or "en"), formatted with *values*."""
    zh, en = TEXTS[key]
    return (en if lang == "en" else zh).format(**values)


def columns(lang: str, key: str) -> list[str]:
    """A table header stored as 'a|b|c'."""
    return tr(lang, key).split("|")
