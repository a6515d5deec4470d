"""Legend and summary table of a printed map, drawn on millimetre panels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from riskmap.domain import LevelStyle
from riskmap.export.printmap.layout import MM_PER_PT, text_width_mm
from riskmap.export.printmap.text import tr

# Grey tints for --mono, darkest for level 1; the hatches come from levels.toml.
MONO_FILLS = {1: "#BDBDBD", 2: "#D4D4D4", 3: "#EBEBEB", 4: "#FFFFFF"}
EMPTY = "—"
LEGEND_PT = 6.8  # legend text size on A4 (pt), before fitting
LINE_EMS = 1.75  # legend line height in font sizes
RAMP_LINES = 2.25  # the hazard ramp: its label and the colour strip


@dataclass(frozen=True)
class LevelRow:
    """One level of the legend: its style and how many cells / m² the page holds."""

    style: LevelStyle
    cells: int
    area_m2: float


@dataclass(frozen=True)
class HazardRamp:
    """The hazard contours: label, unit, contour values and the colour of each."""

    label: str
    unit: str
    values: Sequence[float]
    colours: Sequence[str]


@dataclass(frozen=True)
class SymbolEntry:
    """A legend entry for a point symbol or line: how it is drawn and its text."""

    label: str
    kind: str  # "marker", "line" or "patch"
    style: dict


def level_fill(style: LevelStyle, mono: bool) -> dict:
    """Face colour, hatch and hatch colour of a level (hatched greys with --mono)."""
    if mono:
        return {
            "facecolor": MONO_FILLS[int(style.level)],
            "hatch": style.hatch or None,
            "hatchcolor": "black",
        }
    return {"facecolor": style.color, "hatch": None, "hatchcolor": "black"}


def legend_scale(
    size: tuple[float, float],
    levels: Sequence[LevelRow],
    ramp: HazardRamp | None,
    symbols: Sequence[SymbolEntry],
    *,
    k: float,
    lang: str = "zh",
) -> float:
    """Text scale (at most 1) at which every legend entry fits the frame *size*.

    The legend is one column of lines: the title, the levels, the hazard ramp and
    the symbols. When they do not fit (many symbols, a short portrait panel) the
    font and line height shrink together instead of running out of the frame.
    """
    w, h = size
    fs = LEGEND_PT * k
    line = fs * MM_PER_PT * LINE_EMS
    lines = 1.7 + len(levels) + (RAMP_LINES if ramp is not None else 0) + len(symbols)
    lines += 0.4  # bottom margin
    tall = h / (lines * line)
    texts = [_level_texts(row, lang) for row in levels]
    widest_level = max(
        (text_width_mm(a, fs) + text_width_mm(b, fs * 0.95) for a, b in texts),
        default=0.0,
    )
    widest_symbol = max((text_width_mm(e.label, fs) for e in symbols), default=0.0)
    lead = (2.5 + 9.0 + 1.5) * k  # margin, swatch, gap before a label
    room = w - lead - 2.0 * k
    gap = 2.0 * k  # between a level's name and its counts
    wide = room / max(widest_level + gap, widest_symbol, 1e-9)
    return min(1.0, tall, wide)


def _level_texts(row: LevelRow, lang: str) -> tuple[str, str]:
    """A level's legend name and its cell/area counts."""
    colour = row.style.colour_en if lang == "en" else row.style.colour_zh
    name = tr("print.level", lang, name=row.style.name(lang), colour=colour)
    stats = tr(
        "print.level_stats",
        lang,
        cells=f"{row.cells:,}",
        area=f"{row.area_m2 / 1e6:,.2f}",
    )
    return name, stats


def draw_legend(
    ax: Axes,
    size: tuple[float, float],
    levels: Sequence[LevelRow],
    ramp: HazardRamp | None,
    symbols: Sequence[SymbolEntry],
    *,
    mono: bool,
    k: float,
    lang: str = "zh",
) -> tuple[float, float, float, float]:
    """Draw the legend; return the level swatches' box (x, y, w, h) in panel mm."""
    w, h = size
    scale = legend_scale(size, levels, ramp, symbols, k=k, lang=lang)
    fs = LEGEND_PT * k * scale
    line = fs * MM_PER_PT * LINE_EMS
    y = h - 0.5 * line
    ax.add_patch(Rectangle((0, 0), w, h, facecolor="white", edgecolor="black", lw=0.6))
    ax.text(
        w / 2,
        y,
        tr("print.legend", lang),
        ha="center",
        va="center",
        fontsize=fs * 1.2,
        weight="bold",
    )
    y -= 1.2 * line
    sw_w, sw_h = 9.0 * k, line * 0.8
    top = y + sw_h / 2
    for row in levels:
        fill = level_fill(row.style, mono)
        ax.add_patch(
            Rectangle(
                (2.5 * k, y - sw_h / 2), sw_w, sw_h, edgecolor="black", lw=0.4, **fill
            )
        )
        name, stats = _level_texts(row, lang)
        ax.text(2.5 * k + sw_w + 1.5 * k, y, name, va="center", fontsize=fs)
        ax.text(w - 2 * k, y, stats, va="center", ha="right", fontsize=fs * 0.95)
        y -= line
    swatches = (2.5 * k, y + line - sw_h / 2, sw_w, top - (y + line - sw_h / 2))
    if ramp is not None:
        y = _draw_ramp(ax, w, y, ramp, fs, line, k, lang)
    for entry in symbols:
        _draw_symbol(ax, 2.5 * k + sw_w / 2, y, sw_w, sw_h, entry)
        ax.text(2.5 * k + sw_w + 1.5 * k, y, entry.label, va="center", fontsize=fs)
        y -= line
    return swatches


def _draw_ramp(
    ax: Axes,
    w: float,
    y: float,
    ramp: HazardRamp,
    fs: float,
    line: float,
    k: float,
    lang: str,
) -> float:
    """The hazard contour ramp: a colour strip with its values and unit."""
    label = tr("print.ramp", lang, label=ramp.label, unit=ramp.unit)
    ax.text(2.5 * k, y, label, va="center", fontsize=fs)
    y -= line * 0.9
    x0, x1 = 2.5 * k, w - 4 * k
    values = list(ramp.values)
    n = max(len(values), 1)
    step = (x1 - x0) / n
    for i, (value, colour) in enumerate(zip(values, ramp.colours, strict=True)):
        ax.add_patch(
            Rectangle(
                (x0 + i * step, y - line * 0.2),
                step,
                line * 0.4,
                facecolor=colour,
                edgecolor="none",
            )
        )
        ax.text(
            x0 + (i + 0.5) * step,
            y - line * 0.3,
            f"{value:g}",
            ha="center",
            va="top",
            fontsize=fs * 0.85,
        )
    ax.add_patch(
        Rectangle(
            (x0, y - line * 0.2),
            x1 - x0,
            line * 0.4,
            facecolor="none",
            edgecolor="black",
            lw=0.3,
        )
    )
    return y - line * 1.35


def _draw_symbol(
    ax: Axes, x: float, y: float, w: float, h: float, e: SymbolEntry
) -> None:
    """One legend glyph: a marker, a line sample or a patch."""
    if e.kind == "marker":
        ax.plot([x], [y], linestyle="none", **e.style)
    elif e.kind == "line":
        ax.add_line(Line2D([x - w / 2, x + w / 2], [y, y], **e.style))
    else:
        ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, **e.style))


def display_text(value: object) -> str:
    """A display string; '—' for missing values (None, NaN, "nan", "<NA>")."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return EMPTY
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else EMPTY


def fit_text(text: object, width_mm: float, size_pt: float) -> str:
    """*text* shortened with '…' so that it prints within *width_mm*."""
    value = EMPTY if text is None or _is_missing(text) else str(text).strip() or EMPTY
    if text_width_mm(value, size_pt) <= width_mm:
        return value
    while value and text_width_mm(value + "…", size_pt) > width_mm:
        value = value[:-1]
    return value + "…"


def _is_missing(value: object) -> bool:
    """True for None/NaN/NA."""
    try:
        return bool(np.isnan(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value is None


def draw_table(
    ax: Axes,
    origin: tuple[float, float],
    width: float,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    fractions: Sequence[float],
    *,
    size_pt: float,
    fills: Sequence[str | None] = (),
) -> float:
    """A ruled table whose top-left corner is *origin*; return the y below it."""
    x0, y = origin
    row_h = size_pt * MM_PER_PT * 1.7
    widths = [f * width for f in fractions]
    lefts = np.concatenate([[x0], x0 + np.cumsum(widths)[:-1]])
    for r, cells in enumerate([header, *rows]):
        fill = "#E8E8E8" if r == 0 else (fills[r - 1] if r - 1 < len(fills) else None)
        if fill:
            ax.add_patch(
                Rectangle(
                    (x0, y - row_h), width, row_h, facecolor=fill, edgecolor="none"
                )
            )
        for left, cw, value in zip(lefts, widths, cells, strict=True):
            ax.text(
                left + 0.8,
                y - row_h / 2,
                fit_text(value, cw - 1.6, size_pt),
                va="center",
                fontsize=size_pt,
                weight="bold" if r == 0 else "normal",
            )
        y -= row_h
        ax.plot([x0, x0 + width], [y, y], color="black", lw=0.6 if r == 0 else 0.25)
    ax.plot([x0, x0 + width], [origin[1], origin[1]], color="black", lw=0.6)
    return y
