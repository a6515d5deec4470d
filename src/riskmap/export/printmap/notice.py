"""The risk notice (风险提示): one page per community, also written as Markdown.

The content — highest level, what the assessment does not know (cells without
hazard data, missing shelters), red and orange cells, the risk points inside them,
the nearest shelters, and the four-stage duties of the level — is built once as a
``Notice`` and rendered twice: as a PDF/PNG page and as ``<community>_notice.md``.
The wording and duties come from the editable template ``styles/notice.toml``; by
default a notice names a risk level and never reads as an issued 预警.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from riskmap.core.coverage import type_keys
from riskmap.core.scenarios import exceedance_curve
from riskmap.domain import LevelStyle, RiskLevel, RiskResult, RunInfo, load_level_styles
from riskmap.errors import ModelError
from riskmap.export import exposure_view as xv
from riskmap.export.filenames import safe_stem
from riskmap.export.printmap.layout import MM_PER_PT, PageLayout, text_width_mm
from riskmap.export.printmap.legend import (
    EMPTY,
    display_text,
    draw_table,
    fit_text,
    level_fill,
)
from riskmap.export.printmap.scalebar import mm_axes
from riskmap.resources import style_file
from riskmap.texts import tr

STAGES = ("prevention", "preparedness", "response", "recovery")
STREET_FIELDS = ("street", "街道", "grid_name", "网格")
MAX_CELL_IDS = 8
MAX_POINTS = 10
MAX_SHELTERS = 3
ISSUER_BLANK = "_" * 16  # a line to sign on when no issuer is given
MAX_CLASS_ROWS = 8  # rows of the per-hazard-class table on the one-page notice
CHART_MM = 42.0  # width of the exceedance curve on the notice page
DEFAULT_TITLE = "{community}公共安全风险提示"
DEFAULT_HEADLINE = "最高风险等级：{level_name}（{colour}）"
DEFAULT_DUTIES_HEADING = "{level_name}等级工作要求（预防—准备—响应—恢复）"
DEFAULT_DUTIES_INTRO = "按{level_name}等级要求，落实以下工作："
_DIRECTIONS = ("东", "东北", "北", "西北", "西", "西南", "南", "东南")


@dataclass
class Table:
    """A notice table: header and rows of text."""

    header: list[str]
    rows: list[list[str]]
    fractions: list[float]
    more: str = ""


@dataclass
class Chart:
    """The community's exceedance curve: drawn on the page, linked from Markdown."""

    curve: list[tuple[float, float]]
    level_name: str
    file: str  # the SVG written beside the notice's .md

    def png(self) -> bytes:
        """The curve as PNG bytes (for the printed page)."""
        import io

        buf = io.BytesIO()
        xv.curve_figure(self.curve, "zh", self.level_name).savefig(buf, format="png")
        return buf.getvalue()


@dataclass
class Section:
    """A numbered section: heading, then paragraphs, bullet lists or tables."""

    heading: str
    blocks: list[str | Table | Chart | list[str]] = field(default_factory=list)


@dataclass
class Notice:
    """The whole notice of one community."""

    title: str
    community: str
    level: int
    headline: str
    caveat: str
    sections: list[Section]
    issuer: str
    date: str


def load_notice_template(path: Path | None = None) -> dict:
    """Read the notice template (default ``styles/notice.toml``) and check it."""
    path = Path(path or style_file("notice.toml"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read notice template {path}: {exc}") from exc
    for level in ("1", "2", "3", "4"):
        entry = data.get("level", {}).get(level)
        if not isinstance(entry, dict):
            raise ModelError(f"{path}: [level.{level}] is missing")
        for key in ("warning", "measure", *STAGES):
            if key not in entry:
                raise ModelError(f"{path}: [level.{level}] lacks {key!r}")
    return data


def build_notice(
    result: RiskResult, cid: str, template: dict, meta: dict[str, str]
) -> Notice:
    """Collect the notice of community *cid* (by id: names need not be unique)."""
    styles = load_level_styles()
    row = result.communities[result.communities["community_id"].astype(str) == cid]
    row = row.iloc[0]
    cells = result.cells[result.cells["community_id"].astype(str) == cid]
    community = str(row["community"]) if pd.notna(row["community"]) else cid
    level = int(row["max_level"])
    style = styles[RiskLevel(level)]
    entry = template["level"][str(level)]
    words = {
        "community": community,
        "level_name": style.name_zh,
        "colour": style.colour_zh,
        "warning": entry["warning"],
    }
    hot = cells[cells["level"] <= 2]
    sections = [
        _level_section(
            cells, style, result.resources, template, words, result.run_info
        ),
        _cells_section(cells, row, styles, result.run_info, result.exposure_classes),
        _points_section(result.points, hot, str(row["community_id"]), styles, template),
        _shelter_section(result.resources, hot if not hot.empty else cells, row),
        _duties_section(entry, template, words),
    ]
    return Notice(
        title=template.get("title", DEFAULT_TITLE).format(**words),
        community=community,
        level=level,
        headline=template.get("headline", DEFAULT_HEADLINE).format(**words),
        caveat=_no_data_caveat(cells),
        sections=sections,
        issuer=meta.get("issuer") or ISSUER_BLANK,
        date=meta.get("print_date", ""),
    )


def _level_section(
    cells: gpd.GeoDataFrame,
    style: LevelStyle,
    resources: gpd.GeoDataFrame | None,
    template: dict,
    words: dict,
    info: RunInfo,
) -> Section:
    """一、风险等级 (and the rule that graded the cells) and what the assessment
    does not know."""
    area = cells["area_m2"].sum() / 1e6
    text = (
        f"本社区最高风险等级为{style.name_zh}（{style.colour_zh}）。"
        f"全社区共划分 {len(cells):,} 个网格，面积 {area:.2f} 平方千米。"
    )
    if info.model.level_rule_zh:
        text += f"定级规则：{info.model.level_rule_zh}。"
    intro = template.get("intro", "").format(**words)
    blocks = [b for b in (intro, text, *_unknowns(cells, resources)) if b]
    return Section("一、风险等级", blocks)


def _unknowns(cells: gpd.GeoDataFrame, resources: gpd.GeoDataFrame | None) -> list[str]:
    """Sentences on what the assessment could not judge: cells without hazard data
    and missing shelters, so a reader does not take silence for safety."""
    out = []
    blank = _no_data_cells(cells)
    if blank:
        out.append(
            f"说明：{len(cells):,} 个网格中有 {blank:,} 个"
            f"（{100 * blank / max(len(cells), 1):.0f}%）缺少灾害数据（超出灾害数据"
            "覆盖范围），其等级仅依据登记的风险点确定，不代表该处无风险，"
            "需补充调查后复核。"
        )
    if resources is None or resources.empty or not _shelters(resources).any():
        out.append(
            "说明：本次评估未掌握应急避难场所信息，未列出就近避难场所，请社区核实补充。"
        )
    return out


def _no_data_cells(cells: gpd.GeoDataFrame) -> int:
    """How many cells no hazard describes (``hazard_data`` false)."""
    if "hazard_data" not in cells:
        return 0
    return int((~cells["hazard_data"].astype(bool)).sum())


def _no_data_caveat(cells: gpd.GeoDataFrame) -> str:
    """A line under the headline when cells lack hazard data."""
    blank = _no_data_cells(cells)
    if not blank:
        return ""
    share = 100 * blank / max(len(cells), 1)
    return (
        f"注意：{share:.0f}% 的网格缺少灾害数据，等级仅依据登记风险点，"
        "详见第一部分说明。"
    )


def _shelters(resources: gpd.GeoDataFrame) -> pd.Series:
    """True for the resources that are shelters."""
    types = (
        resources["type"].astype(str)
        if "type" in resources
        else pd.Series("", resources.index)
    )
    return pd.Series(type_keys(types) == "shelter", index=types.index)


def _cells_section(
    cells: gpd.GeoDataFrame,
    community: pd.Series,
    styles: dict[RiskLevel, LevelStyle],
    info: RunInfo,
    classes: pd.DataFrame | None = None,
) -> Section:
    """二、红色、橙色风险网格: count, area, where, who lives there, how often, and
    the people and buildings per hazard class."""
    boundary = community.geometry
    blocks: list[str | Table | Chart | list[str]] = []
    for level in (RiskLevel.MAJOR, RiskLevel.CONSIDERABLE):
        sel = cells[cells["level"] == int(level)]
        style = styles[level]
        head = f"{style.name_zh}（{style.colour_zh}色）网格"
        if sel.empty:
            blocks.append(f"{head}：无。")
            continue
        where = _where(sel, boundary)
        blocks.append(
            f"{head} {len(sel):,} 个，"
            f"面积 {sel['area_m2'].sum() / 1e6:.2f} 平方千米，{where}"
        )
    blocks += _exposure_blocks(community, styles, info)
    blocks += _class_blocks(classes, community["community_id"])
    return Section("二、红色、橙色风险网格", blocks)


def _class_blocks(classes: pd.DataFrame | None, cid: object) -> list[str | Table]:
    """各灾害类别暴露人口与建筑: a compact table (at most MAX_CLASS_ROWS rows)."""
    header, rows = xv.class_table(classes, cid)
    if not rows:
        return []
    more = len(rows) - MAX_CLASS_ROWS
    fractions = [0.4, 0.3, *([0.3 / (len(header) - 2)] * (len(header) - 2))]
    table = Table(
        header,
        rows[:MAX_CLASS_ROWS],
        fractions,
        tr("exposure.more_rows", "zh", n=more) if more > 0 else "",
    )
    return [f"{tr('exposure.class_title', 'zh')}：", table]


def _exposure_blocks(
    community: pd.Series, styles: dict[RiskLevel, LevelStyle], info: RunInfo
) -> list[str | Chart]:
    """约 N 人、M 户位于重大风险网格; people per scenario, EAE and the curve."""
    if not xv.has_exposure(community):
        return []
    blocks: list[str | Chart] = []
    red = xv.red_sentence(community, styles[RiskLevel.MAJOR].name_zh)
    orange = xv.level_people(community, 2)
    if orange:
        red += f"；{orange}位于{styles[RiskLevel(2)].name_zh}网格"
    annual = xv.annual_sentence(community, info)
    text = "。".join(t for t in (red, annual) if t)
    blocks.append(text if text.endswith("。") else f"{text}。")
    if annual:
        name = styles[RiskLevel(info.model.affected_level)].name_zh
        stem = safe_stem(str(community["community"]))
        curve = exceedance_curve(community, info.return_periods)
        blocks.append(Chart(curve, name, f"{stem}_curve.svg"))
    return blocks


def _where(sel: gpd.GeoDataFrame, boundary: object) -> str:
    """Where the cells lie: street names when known, direction and grid codes."""
    for name in STREET_FIELDS:
        if name in sel and sel[name].notna().any():
            streets = "、".join(str(s) for s in sel[name].dropna().unique()[:6])
            return f"涉及{streets}。"
    centre = boundary.centroid  # type: ignore[attr-defined]
    hot = _centre_of_mass(sel.geometry.to_numpy())
    direction = compass(hot[0] - centre.x, hot[1] - centre.y, math.sqrt(boundary.area))  # type: ignore[attr-defined]
    ids = list(sel.sort_values("cell_id")["cell_id"].astype(str))
    shown = "、".join(ids[:MAX_CELL_IDS])
    more = f" 等 {len(ids)} 个" if len(ids) > MAX_CELL_IDS else ""
    return f"主要位于社区{direction}；网格编号：{shown}{more}。"


def _centre_of_mass(geoms: np.ndarray) -> tuple[float, float]:
    """Centroid of non-overlapping cells taken together (what the centroid of
    their union is), from each cell's centroid and area: no union needed."""
    area = shapely.area(geoms)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    if area.sum() <= 0:
        return float(xy[:, 0].mean()), float(xy[:, 1].mean())
    return tuple(float(v) for v in np.average(xy, axis=0, weights=area))


def compass(dx: float, dy: float, size: float) -> str:
    """'东北部' etc. for an offset from the centre; '中部' when close to it."""
    if math.hypot(dx, dy) < 0.15 * size:
        return "中部"
    sector = int(((math.degrees(math.atan2(dy, dx)) + 22.5) % 360) // 45)
    return f"{_DIRECTIONS[sector]}部"


def _points_section(
    points: gpd.GeoDataFrame | None,
    hot: gpd.GeoDataFrame,
    cid: str,
    styles: dict[RiskLevel, LevelStyle],
    template: dict,
) -> Section:
    """三、红橙网格内的风险点: type, level, responsible person, required measure."""
    section = Section("三、红色、橙色网格内的风险点")
    if points is None or points.empty or hot.empty:
        section.blocks.append("无登记风险点位于红色、橙色网格内。")
        return section
    inside = points[
        (points["community_id"].astype(str) == cid)
        & points["cell_id"].astype(str).isin(set(hot["cell_id"].astype(str)))
    ]
    if inside.empty:
        section.blocks.append("无登记风险点位于红色、橙色网格内。")
        return section
    lv = pd.to_numeric(inside["level"], errors="coerce").fillna(4).astype(int)
    frame = inside.assign(_lv=lv).sort_values(["_lv", "name"])
    rows = []
    for _, p in frame.head(MAX_POINTS).iterrows():
        level = int(p["_lv"])
        measure = display_text(p.get("measures"))
        if measure == EMPTY:
            measure = template["level"][str(level)]["measure"]
        rows.append(
            [
                display_text(p.get("name")),
                display_text(p.get("type")),
                styles[RiskLevel(level)].name_zh,
                display_text(p.get("responsible")),
                display_text(p.get("phone")),
                measure,
            ]
        )
    more = (
        f"另有 {len(frame) - MAX_POINTS} 处，见风险台账。"
        if len(frame) > MAX_POINTS
        else ""
    )
    section.blocks.append(
        Table(
            ["名称", "类型", "等级", "责任人", "电话", "管控措施"],
            rows,
            [0.17, 0.09, 0.10, 0.09, 0.12, 0.43],
            more,
        )
    )
    return section


def _shelter_section(
    resources: gpd.GeoDataFrame | None, target: gpd.GeoDataFrame, community: pd.Series
) -> Section:
    """四、就近避难场所: the shelters nearest the red/orange cells."""
    section = Section("四、就近避难场所")
    shelters = None if resources is None else resources[_shelters(resources)]
    if shelters is None or shelters.empty:
        section.blocks.append("未掌握应急避难场所信息（见第一部分说明）。")
        return section
    centre = shapely.Point(_centre_of_mass(target.geometry.to_numpy()))
    dist = shelters.distance(centre)
    rows = []
    for idx in dist.sort_values().index[:MAX_SHELTERS]:
        s = shelters.loc[idx]
        cap = s.get("capacity")
        rows.append(
            [
                display_text(s.get("name")),
                f"{dist[idx] / 1000:.2f} 千米",
                f"{int(cap):,} 人" if cap is not None and np.isfinite(cap) else EMPTY,
                display_text(s.get("address")),
            ]
        )
    section.blocks.append("距红色、橙色网格中心（无则社区中心）最近的避难场所：")
    section.blocks.append(
        Table(["名称", "直线距离", "容量", "地址"], rows, [0.3, 0.18, 0.17, 0.35])
    )
    coverage = _coverage_sentence(community)
    if coverage:
        section.blocks.append(coverage)
    return section


def _coverage_sentence(community: pd.Series) -> str:
    """Shelter coverage of the community, when the result carries it."""
    parts = []
    share = pd.to_numeric(community.get("red_orange_uncovered_share"), errors="coerce")
    if pd.notna(share):
        parts.append(f"红色、橙色网格中 {100 * share:.0f}% 不在避难场所服务半径内")
    ratio = pd.to_numeric(community.get("capacity_ratio"), errors="coerce")
    if pd.notna(ratio):
        parts.append(f"避难场所容量为常住人口的 {100 * ratio:.0f}%")
    return f"本社区{'；'.join(parts)}。" if parts else ""


def _duties_section(entry: dict, template: dict, words: dict) -> Section:
    """五、分阶段工作要求 at the community's level (预防/准备/响应/恢复)."""
    names = template.get("stage_names", {})
    stages = template.get("stages", list(STAGES))
    intro = template.get("duties_intro", DEFAULT_DUTIES_INTRO).format(**words)
    blocks: list[str | Table | list[str]] = [intro]
    for stage in stages:
        duties = [str(d) for d in entry.get(stage, [])]
        blocks.append([f"【{names.get(stage, stage)}】{d}" for d in duties])
    closing = template.get("closing")
    if closing:
        blocks.append(str(closing))
    heading = template.get("duties_heading", DEFAULT_DUTIES_HEADING).format(**words)
    return Section(f"五、{heading}", blocks)


# ------------------------------------------------------------------------ rendering


_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~#!])")
# a list or rule marker at the start: "-", "+", "=" or "1." / "1)" before a space
_MD_LINE_START = re.compile(r"^(\d{1,9}(?=[.)](?:\s|$))|)([-+=.)])")
_LINE_BREAKS = re.compile(r"\s+")


def md_text(value: object) -> str:
    """Plain text for the Markdown notice: one line, Markdown and HTML escaped.

    Line breaks become spaces (a name with newlines cannot start a heading),
    every character that starts Markdown or HTML (``< & [ ] * _ ` | #`` ...) is
    backslash-escaped, and so is a list or rule marker at the start (``-``,
    ``+``, ``1.``).
    """
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def notice_markdown(notice: Notice) -> str:
    """The notice as Markdown, for sending by message; every text is escaped."""
    lines = [f"# {md_text(notice.title)}", "", f"**{md_text(notice.headline)}**", ""]
    if notice.caveat:
        lines += [md_text(notice.caveat), ""]
    for section in notice.sections:
        lines += [f"## {md_text(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, Chart):
                lines.append(f"![{tr('exposure.curve_title', 'zh')}]({block.file})")
            elif isinstance(block, Table):
                lines.append("| " + " | ".join(map(md_text, block.header)) + " |")
                lines.append("|" + "---|" * len(block.header))
                for row in block.rows:
                    lines.append("| " + " | ".join(map(md_text, row)) + " |")
                if block.more:
                    lines += ["", md_text(block.more)]
            elif isinstance(block, list):
                lines += [f"- {md_text(item)}" for item in block]
            else:
                lines.append(md_text(block))
            lines.append("")
    issuer = notice.issuer if notice.issuer == ISSUER_BLANK else md_text(notice.issuer)
    lines += [f"发布单位：{issuer}", "", f"日期：{md_text(notice.date)}", ""]
    return "\n".join(lines)


# Latin runs (grid ids, numbers, phone numbers) never break inside.
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_.:/*,%]*|\s+|.", re.DOTALL)
# Punctuation that may not start a line (行首禁则): it sticks to the token before.
_NO_LINE_START = set("、，。；：！？）」』》〉】…%,.;:!?)")


def wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """Split *text* into lines that print within *width_mm*: CJK may break between
    characters, Latin runs such as grid ids stay whole, and no line starts with
    closing punctuation such as '、'."""
    lines, current = [], ""
    for token in _tokens(text):
        if text_width_mm(current + token, size_pt) <= width_mm or not current.strip():
            current += token
            continue
        lines.append(current.rstrip())
        current = token.lstrip()
    lines.append(current.rstrip())
    return [line for line in lines if line]


def _tokens(text: str) -> list[str]:
    """Break units of *text*: Latin runs, spaces, single CJK characters, each with
    the closing punctuation that follows it attached."""
    tokens: list[str] = []
    for piece in _TOKEN.findall(text):
        if tokens and piece[0] in _NO_LINE_START:
            tokens[-1] += piece
        else:
            tokens.append(piece)
    return tokens


def draw_notice_page(
    fig: Figure,
    layout: PageLayout,
    notice: Notice,
    styles: dict[RiskLevel, LevelStyle],
    mono: bool = False,
) -> None:
    """Render the notice on *fig*: level band (grey with *mono*), sections, sign-off."""
    k = layout.k
    margin = 14.0 * k
    rect = (margin, margin, layout.width - 2 * margin, layout.height - 2 * margin)
    ax = mm_axes(fig, layout, rect)
    w, y = rect[2], rect[3]
    style = styles[RiskLevel(notice.level)]
    ax.text(
        w / 2, y, notice.title, ha="center", va="top", fontsize=16 * k, weight="bold"
    )
    y -= 10 * k
    band = 7 * k
    fill = level_fill(style, mono)
    ax.add_patch(Rectangle((0, y - band), w, band, edgecolor="black", lw=0.6, **fill))
    ax.text(
        w / 2,
        y - band / 2,
        notice.headline,
        ha="center",
        va="center",
        fontsize=10 * k,
        color="black" if mono else style.text,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5} if mono else None,
        weight="bold",
    )
    y -= band + 3 * k
    fs = 7.0 * k
    line = fs * MM_PER_PT * 1.55
    if notice.caveat:
        ax.text(
            w / 2, y, notice.caveat, ha="center", va="top", fontsize=fs, weight="bold"
        )
        y -= line * 1.4
    for section in notice.sections:
        ax.text(0, y, section.heading, va="top", fontsize=fs * 1.12, weight="bold")
        y -= line * 1.2
        # a chart sits at the right of its section; the text flows left of it
        charts = [b for b in section.blocks if isinstance(b, Chart)]
        bottom = _draw_chart(ax, charts[0], w, y) if charts else y
        width = w - CHART_MM - 4 if charts else w
        for block in section.blocks:
            if not isinstance(block, Chart):
                y = _draw_block(ax, block, width, y, fs, line)
        y = min(y, bottom) - line * 0.3
    ax.text(
        w,
        max(y - line, 0),
        f"发布单位：{notice.issuer}    日期：{notice.date}",
        ha="right",
        va="top",
        fontsize=fs,
    )


def _draw_block(ax, block, w: float, y: float, fs: float, line: float) -> float:
    """One paragraph, bullet list or table; return the y below it."""
    if isinstance(block, Table):
        y = draw_table(
            ax, (0, y), w, block.header, block.rows, block.fractions, size_pt=fs * 0.92
        )
        if block.more:
            ax.text(0, y - 0.8, block.more, va="top", fontsize=fs * 0.9)
            y -= line
        return y - line * 0.3
    bullets = isinstance(block, list)
    indent = 3.0 if bullets else 0.0
    for item in block if bullets else [block]:
        for i, text in enumerate(wrap(str(item), w - indent - 2, fs)):
            if bullets and i == 0:
                ax.text(indent - 2.2, y, "•", va="top", fontsize=fs)
            ax.text(indent, y, text, va="top", fontsize=fs)
            y -= line
    return y


def notice_charts(notice: Notice) -> list[Chart]:
    """The charts of a notice (written as PNG/SVG beside its Markdown)."""
    return [b for sec in notice.sections for b in sec.blocks if isinstance(b, Chart)]


def _draw_chart(ax, chart: Chart, w: float, y: float) -> float:
    """The exceedance curve as an image at the right edge; return its bottom."""
    import io

    from matplotlib.image import imread

    img = imread(io.BytesIO(chart.png()), format="png")
    height = CHART_MM * img.shape[0] / img.shape[1]
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ax.imshow(img, extent=(w - CHART_MM, w, y - height, y), interpolation="antialiased")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("auto")
    return y - height


__all__ = [
    "Notice",
    "build_notice",
    "compass",
    "draw_notice_page",
    "fit_text",
    "load_notice_template",
    "notice_charts",
    "notice_markdown",
    "wrap",
]
