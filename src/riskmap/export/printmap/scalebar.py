"""Millimetre panels, the scale bar and the north arrow of a printed map."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from riskmap.export.printmap.layout import PageLayout, Rect, nice_length

SEGMENTS = 4


def mm_axes(
    fig: Figure, layout: PageLayout, rect: Rect, *, frame: bool = False
) -> Axes:
    """An axes over *rect* whose data units are millimetres from its bottom-left."""
    x, y, w, h = rect
    ax = fig.add_axes(
        (x / layout.width, y / layout.height, w / layout.width, h / layout.height)
    )
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(frame)
        spine.set_linewidth(0.6)
    ax.patch.set_visible(False)
    return ax


def scalebar_length(denom: int, max_mm: float) -> float:
    """A round ground length (m) whose bar is at most *max_mm* long at 1:*denom*."""
    return nice_length(max_mm * denom / 1000.0)


def draw_scalebar(
    ax: Axes,
    x: float,
    y: float,
    length_m: float,
    denom: int,
    *,
    height: float,
    k: float,
    unit: str = " 米",
) -> float:
    """Draw a black/white bar of *length_m* at (x, y) mm; return its length in mm."""
    bar_mm = length_m * 1000.0 / denom
    seg = bar_mm / SEGMENTS
    for i in range(SEGMENTS):
        ax.add_patch(
            Rectangle(
                (x + i * seg, y),
                seg,
                height,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.4,
            )
        )
    fs = 6.5 * k
    for i, frac in enumerate((0.0, 0.5, 1.0)):
        value = length_m * frac
        label = _metres(value) + (unit if i == 2 else "")
        ax.text(
            x + bar_mm * frac, y - 0.8 * k, label, ha="center", va="top", fontsize=fs
        )
    return bar_mm


def _metres(value: float) -> str:
    """A ground length without needless decimals."""
    return f"{value:,.0f}".replace(",", " ") if value >= 1 else f"{value:g}"


def draw_north_arrow(ax: Axes, x: float, y: float, size: float) -> None:
    """A half-filled north arrow with 北/N above it, tip at (x, y + size)."""
    half = size * 0.32
    ax.add_patch(
        Polygon(
            [(x, y + size), (x - half, y), (x, y + size * 0.3)],
            closed=True,
            facecolor="black",
            edgecolor="black",
            linewidth=0.5,
        )
    )
    ax.add_patch(
        Polygon(
            [(x, y + size), (x + half, y), (x, y + size * 0.3)],
            closed=True,
            facecolor="white",
            edgecolor="black",
            linewidth=0.5,
        )
    )
    ax.text(
        x,
        y + size * 1.05,
        "北 N",
        ha="center",
        va="bottom",
        fontsize=size * 0.9,
        fontweight="bold",
    )
