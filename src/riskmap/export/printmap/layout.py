"""Page geometry of a printed map: paper sizes, panel rectangles, map scale, labels.

Everything here is in millimetres on paper, origin at the bottom-left corner, so the
map scale is exact: a map frame *w* mm wide at 1:*denom* shows ``w * denom / 1000``
metres of ground.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from riskmap.errors import InputDataError

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = ("landscape", "portrait")
MM_PER_PT = 25.4 / 72.0
# Round scales a surveying bureau prints at (1:500 ... 1:1 000 000).
NICE_SCALES = (
    500,
    1_000,
    2_000,
    2_500,
    3_000,
    4_000,
    5_000,
    10_000,
    15_000,
    20_000,
    25_000,
    30_000,
    40_000,
    50_000,
    75_000,
    100_000,
    150_000,
    200_000,
    250_000,
    300_000,
    400_000,
    500_000,
    750_000,
    1_000_000,
)

Rect = tuple[float, float, float, float]  # x, y, width, height in mm


@dataclass(frozen=True)
class PageLayout:
    """Where each part of a map page sits, in mm from the bottom-left corner."""

    paper: str
    orientation: str
    width: float
    height: float
    k: float  # text scale: 1 on A4, ~1.41 on A3
    title: Rect
    map: Rect
    inset: Rect
    legend: Rect
    table: Rect
    footer: Rect

    @property
    def inches(self) -> tuple[float, float]:
        """Figure size in inches."""
        return self.width / 25.4, self.height / 25.4


def paper_size(paper: str, orientation: str) -> tuple[float, float]:
    """(width, height) of the page in mm; an InputDataError for unknown values."""
    if paper not in PAPER_MM:
        raise InputDataError(f"unknown paper {paper!r}; use one of A4, A3")
    if orientation not in ORIENTATIONS:
        raise InputDataError(
            f"unknown orientation {orientation!r}; use landscape or portrait"
        )
    short, long = PAPER_MM[paper]
    return (long, short) if orientation == "landscape" else (short, long)


def page_layout(paper: str = "A4", orientation: str = "landscape") -> PageLayout:
    """The panel rectangles of one map page."""
    width, height = paper_size(paper, orientation)
    k = min(width, height) / 210.0
    m, gap = 8.0 * k, 4.0 * k
    title_h, footer_h = 15.0 * k, 17.0 * k
    title = (m, height - m - title_h, width - 2 * m, title_h)
    footer = (m, m, width - 2 * m, footer_h)
    body_y = m + footer_h + gap
    body_h = height - 2 * m - title_h - footer_h - 2 * gap
    if orientation == "landscape":
        panel_w = 0.30 * (width - 2 * m)
        map_rect = (m, body_y, width - 2 * m - panel_w - gap, body_h)
        px = width - m - panel_w
        inset_h = 0.27 * body_h
        legend_h = 0.37 * body_h
        inset = (px, body_y + body_h - inset_h, panel_w, inset_h)
        legend = (px, inset[1] - gap - legend_h, panel_w, legend_h)
        table = (px, body_y, panel_w, legend[1] - gap - body_y)
    else:
        panel_h = 0.32 * body_h
        under = 3 * gap  # room for the map's tick labels and the inset caption
        map_rect = (
            m,
            body_y + panel_h + under,
            width - 2 * m,
            body_h - panel_h - under,
        )
        col = (width - 2 * m - 2 * gap) / 3
        inset = (m, body_y, col * 0.8, panel_h)
        legend = (m + col * 0.8 + gap, body_y, col * 1.0, panel_h)
        table = (
            legend[0] + legend[2] + gap,
            body_y,
            width - m - legend[0] - legend[2] - gap,
            panel_h,
        )
    return PageLayout(
        paper,
        orientation,
        width,
        height,
        k,
        title,
        map_rect,
        inset,
        legend,
        table,
        footer,
    )


def choose_scale(
    ground_w: float, ground_h: float, frame_w: float, frame_h: float
) -> int:
    """The smallest round scale denominator at which the ground fits the frame."""
    needed = max(ground_w / (frame_w / 1000.0), ground_h / (frame_h / 1000.0))
    for denom in NICE_SCALES:
        if denom >= needed:
            return denom
    return math.ceil(needed / 1_000_000.0) * 1_000_000


def map_window(
    bounds: Sequence[float], frame: Rect, margin: float = 0.06
) -> tuple[int, tuple[float, float, float, float]]:
    """Scale denominator and ground window (xmin, xmax, ymin, ymax) for *bounds*."""
    minx, miny, maxx, maxy = bounds
    ground_w = max(maxx - minx, 1.0) * (1 + 2 * margin)
    ground_h = max(maxy - miny, 1.0) * (1 + 2 * margin)
    denom = choose_scale(ground_w, ground_h, frame[2], frame[3])
    half_w = frame[2] * denom / 2000.0
    half_h = frame[3] * denom / 2000.0
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return denom, (cx - half_w, cx + half_w, cy - half_h, cy + half_h)


def nice_length(max_m: float) -> float:
    """The longest 1/2/5 x 10^n length (metres) not longer than *max_m*."""
    if max_m <= 0:
        raise ValueError("max_m must be positive")
    power = 10 ** math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * power <= max_m:
            return float(step * power)
    return float(power)


def format_scale(denom: int) -> str:
    """'1∶10 000' (U+2236 RATIO, as on Chinese maps; also avoids the CJK font's
    contextual '1:2' digit forms, which cost a second embedded font subset)."""
    return f"1\u2236{denom:,}".replace(",", " ")


def text_width_mm(text: str, size_pt: float) -> float:
    """Approximate printed width of *text*: CJK characters 1 em, others ~0.6 em."""
    ems = sum(1.0 if ord(c) > 0x2E80 else 0.6 for c in text)
    return ems * size_pt * MM_PER_PT


# Candidate label positions around a point, in order of preference (dx, dy signs).
_CANDIDATES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    frame: tuple[float, float, float, float],
    gap: float = 1.2,
    obstacles: Sequence[Rect] = (),
) -> list[Rect | None]:
    """Greedy non-overlapping label boxes (x, y, w, h) per anchor, None when no room.

    Anchors come in priority order (most important first); a label may not overlap
    an earlier label, an obstacle (e.g. point markers) or leave *frame*
    (x0, y0, x1, y1).
    """
    placed: list[Rect] = []
    out: list[Rect | None] = []
    blocked = list(obstacles)
    for (ax, ay), (w, h) in zip(anchors, sizes, strict=True):
        choice = None
        for sx, sy in _CANDIDATES:
            x = ax + gap if sx > 0 else ax - gap - w if sx < 0 else ax - w / 2
            y = ay + gap if sy > 0 else ay - gap - h if sy < 0 else ay - h / 2
            box = (x, y, w, h)
            if _inside(box, frame) and not any(_overlap(box, b) for b in blocked):
                choice = box
                break
        out.append(choice)
        if choice is not None:
            placed.append(choice)
            blocked.append(choice)
    return out


def _overlap(a: Rect, b: Rect) -> bool:
    """True when two boxes (x, y, w, h) intersect."""
    return (
        a[0] < b[0] + b[2]
        and b[0] < a[0] + a[2]
        and a[1] < b[1] + b[3]
        and (b[1] < a[1] + a[3])
    )


def _inside(box: Rect, frame: tuple[float, float, float, float]) -> bool:
    """True when *box* lies inside the frame (x0, y0, x1, y1)."""
    return (
        box[0] >= frame[0]
        and box[1] >= frame[1]
        and box[0] + box[2] <= frame[2]
        and box[1] + box[3] <= frame[3]
    )
