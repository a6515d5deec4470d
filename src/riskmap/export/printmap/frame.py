"""The map frame of a printed page: level fills, hazard contours, coverage,
boundaries, point symbols with non-overlapping labels, grid ticks, inset locator."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
import shapely.errors
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.ticker import MaxNLocator

from riskmap.domain import RiskResult
from riskmap.export.printmap.context import MapPlan, PrintContext
from riskmap.export.printmap.layout import (
    MM_PER_PT,
    PageLayout,
    Rect,
    place_labels,
    text_width_mm,
)
from riskmap.export.printmap.legend import display_text, level_fill
from riskmap.export.printmap.scalebar import draw_north_arrow, mm_axes
from riskmap.export.printmap.text import tr
from riskmap.export.symbols import SYMBOL_CLASSES, point_class
from riskmap.export.webmap.geometry import dissolve_levels, merge_cells

POINT_MARKERS = {"A": "o", "B": "s", "C": "s", "D": "s"}
MONO_POINT_FILLS = {"A": "#000000", "B": "#FFFFFF", "C": "#9A9A9A", "D": "#FFFFFF"}
MAX_COVER_NAMES = 60


def north_arrow_box(layout: PageLayout) -> Rect:
    """Where the north arrow sits in the map frame (mm from the frame's corner)."""
    k = layout.k
    return (layout.map[2] - 14 * k, layout.map[3] - 17 * k, 12 * k, 16 * k)


def draw_north(fig: Figure, layout: PageLayout) -> None:
    """The north arrow in the top-right corner of the map frame."""
    x, y, w, _ = north_arrow_box(layout)
    draw_north_arrow(
        mm_axes(fig, layout, layout.map), x + w / 2, y + layout.k, 9 * layout.k
    )


def community_rows(frame: gpd.GeoDataFrame | None, cid: str) -> gpd.GeoDataFrame | None:
    """Rows of a point layer inside community *cid* (None stays None)."""
    if frame is None or "community_id" not in frame:
        return None
    return frame[frame["community_id"].astype(str) == cid]


def resources_in(result: RiskResult, window: tuple) -> gpd.GeoDataFrame | None:
    """Emergency resources inside the map window."""
    res = result.resources
    if res is None or res.empty:
        return None
    xmin, xmax, ymin, ymax = window
    return res.cx[xmin:xmax, ymin:ymax]


def draw_title(fig: Figure, layout: PageLayout, title: str, subtitle: str) -> None:
    """Title and subtitle centred in the title band."""
    ax = mm_axes(fig, layout, layout.title)
    w, h = layout.title[2:]
    ax.text(
        w / 2,
        h * 0.62,
        title,
        ha="center",
        va="center",
        fontsize=17 * layout.k,
        weight="bold",
    )
    ax.text(w / 2, h * 0.12, subtitle, ha="center", va="center", fontsize=8 * layout.k)


def map_axes(fig: Figure, layout: PageLayout, plan: MapPlan) -> Axes:
    """The map frame with its ground window at the plan's exact scale."""
    x, y, w, h = layout.map
    ax = fig.add_axes(
        (x / layout.width, y / layout.height, w / layout.width, h / layout.height)
    )
    xmin, xmax, ymin, ymax = plan.window
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("auto")
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_linewidth(1.0)
    return ax


def geometry_paths(geoms: np.ndarray) -> list[MplPath]:
    """One matplotlib path per (multi)polygon, holes included (vectorised)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    if len(xy) == 0:
        return []
    codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
    starts = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    codes[starts] = MplPath.MOVETO
    codes[np.r_[starts[1:], len(xy)] - 1] = MplPath.CLOSEPOLY
    geom_of = owner[ring_part[ring_of]]
    bounds = np.flatnonzero(np.r_[True, geom_of[1:] != geom_of[:-1], True])
    return [MplPath(xy[a:b], codes[a:b]) for a, b in itertools.pairwise(bounds)]


def draw_levels(
    ax: Axes, cells: gpd.GeoDataFrame, ctx: PrintContext, plan: MapPlan
) -> None:
    """The grid cells filled by level (hatched greys with --mono).

    Cell edges are drawn only where a cell prints at least 1.5 mm wide; smaller
    cells would turn the map into a grey mesh.
    """
    edge = (0.25, 0.25, 0.25, 0.35) if ctx.options.mono else (1, 1, 1, 0.55)
    size = ctx.result.grid.size or 0.0
    width = 0.15 if size * 1000 / plan.denom >= 1.5 else 0.0
    merged = None if width else merged_levels(cells, size, ctx.merged)
    for level, style in ctx.styles.items():
        if merged is not None:
            geoms = merged.get(int(level), np.empty(0, dtype=object))
        else:
            geoms = cells.geometry.to_numpy()[cells["level"].to_numpy() == int(level)]
        if len(geoms) == 0:
            continue
        fill = level_fill(style, ctx.options.mono)
        coll = PathCollection(
            geometry_paths(geoms),
            facecolors=fill["facecolor"],
            edgecolors=[edge] if width else "face",
            linewidths=width,
            hatch=fill["hatch"],
            zorder=1,
        )
        coll.set_hatchcolor(fill["hatchcolor"])
        ax.add_collection(coll, autolim=False)


def merged_levels(
    cells: gpd.GeoDataFrame, size: float, cache: dict | None = None
) -> dict[int, np.ndarray] | None:
    """Per level, its cells merged per community; None when they cannot be merged.

    Used when cell edges are not drawn: the page looks the same, and a whole city
    (a million cells) draws from a few hundred thousand vertices instead of six
    million, in seconds instead of minutes. *cache* keeps each community's merge
    for the next page that shows it (the cover, then the community's own page).
    """
    if not size > 0 or "community_id" not in cells:
        return None
    cache = {} if cache is None else cache
    merged: dict[int, list] = {}
    try:
        for cid, part in cells.groupby("community_id", sort=False):
            if cid not in cache:
                cache[cid] = dissolve_levels(part, size)
            for level, geom in cache[cid]:
                merged.setdefault(level, []).append(geom)
    except shapely.errors.GEOSException:
        return None
    return {level: np.asarray(geoms, dtype=object) for level, geoms in merged.items()}


def draw_hazard(ax: Axes, cells: gpd.GeoDataFrame, ctx: PrintContext) -> None:
    """Contours of the hazard's cell means on the fishnet (skipped for user grids)."""
    if ctx.ramp is None:
        return
    column, ramp = ctx.ramp
    grid = ctx.result.grid
    fish = cells[(cells["row"] >= 0) & np.isfinite(cells[column])]
    if not grid.is_lattice or len(fish) < 4:
        return
    r0, c0 = int(fish["row"].min()), int(fish["col"].min())
    means = np.full(
        (int(fish["row"].max()) - r0 + 1, int(fish["col"].max()) - c0 + 1), np.nan
    )
    means[fish["row"].to_numpy() - r0, fish["col"].to_numpy() - c0] = fish[column]
    if min(means.shape) < 2:
        return
    xs = grid.left(np.arange(means.shape[1]) + c0 + 0.5)  # cell centres
    ys = grid.top(np.arange(means.shape[0]) + r0 + 0.5)
    ax.contour(
        xs,
        ys,
        np.ma.masked_invalid(means),
        levels=list(ramp.values),
        colors=list(ramp.colours),
        linewidths=0.9,
        zorder=2,
    )


def add_paths(ax: Axes, geoms: np.ndarray, zorder: float, **style) -> None:
    """Draw polygons as one PathCollection (hatched in *style*'s colour if asked)."""
    hatch_colour = style.pop("hatchcolor", style.get("edgecolors"))
    coll = PathCollection(geometry_paths(geoms), zorder=zorder, **style)
    if style.get("hatch"):
        coll.set_hatchcolor(hatch_colour)
    ax.add_collection(coll, autolim=False)


UNCOVERED_COLOUR = "#5A2A82"


def uncovered_style(mono: bool) -> dict:
    """How the area outside shelter reach is drawn: a dashed outline, no fill or
    hatch, so the level colours inside stay readable (black with --mono)."""
    colour = "black" if mono else UNCOVERED_COLOUR
    return {"facecolor": "none", "edgecolor": colour, "lw": 1.1, "ls": (0, (3, 1.5))}


def draw_coverage(
    ax: Axes, coverage: gpd.GeoDataFrame | None, cid: str, mono: bool = False
) -> None:
    """Outline the community's area that no shelter covers (when coverage exists)."""
    if coverage is None or coverage.empty:
        return
    sel = coverage[
        (coverage["community_id"].astype(str) == cid)
        & (coverage["resource_type"] == "shelter")
        & (coverage["status"] == "uncovered")
    ]
    if not sel.empty:
        style = uncovered_style(mono)
        add_paths(
            ax, sel.geometry.to_numpy(), 3, facecolors="none",
            edgecolors=style["edgecolor"], linewidths=style["lw"],
            linestyles=[style["ls"]],
        )  # fmt: skip


NO_DATA_STYLE = {"facecolor": "none", "edgecolor": "#555555", "hatch": "..", "lw": 0.0}


def draw_no_hazard_data(ax: Axes, cells: gpd.GeoDataFrame) -> bool:
    """Dot the cells no hazard describes (their level rests on points); True if any."""
    if "hazard_data" not in cells:
        return False
    blank = cells[~cells["hazard_data"].astype(bool)]
    if blank.empty:
        return False
    merged = merge_cells(blank.geometry.to_numpy(), 0.01)
    add_paths(
        ax, np.array([merged], dtype=object), 2, facecolors="none",
        edgecolors=NO_DATA_STYLE["edgecolor"], linewidths=0.0,
        hatch=NO_DATA_STYLE["hatch"],
    )  # fmt: skip
    return True


def draw_boundary(ax: Axes, frame: gpd.GeoDataFrame, lw: float) -> None:
    """Community boundary lines."""
    add_paths(
        ax, frame.geometry.to_numpy(), 4, facecolors="none", edgecolors="#202020",
        linewidths=lw,
    )  # fmt: skip


def draw_context(ax: Axes, others: gpd.GeoDataFrame) -> None:
    """Neighbouring communities as grey dashed outlines."""
    if not others.empty:
        add_paths(
            ax, others.geometry.to_numpy(), 0, facecolors="#F4F4F4",
            edgecolors="#888888", linewidths=0.6, linestyles="--",
        )  # fmt: skip


def draw_community_names(ax: Axes, frame: gpd.GeoDataFrame, k: float) -> None:
    """Community names at their representative points (cover page; up to 60)."""
    if len(frame) > MAX_COVER_NAMES:
        return
    for geom, name in zip(frame.geometry, frame["community"], strict=True):
        p = geom.representative_point()
        ax.text(
            p.x,
            p.y,
            str(name),
            ha="center",
            va="center",
            fontsize=6.5 * k,
            weight="bold",
            zorder=6,
            path_effects=[withStroke(linewidth=2, foreground="white")],
        )


@dataclass(frozen=True)
class _Mark:
    """A point symbol to draw and label."""

    x: float
    y: float
    cls: str
    level: int | None
    label: str


def _point_marks(
    points: gpd.GeoDataFrame | None, shelters: gpd.GeoDataFrame | None
) -> list[_Mark]:
    """Risk points (highest level first) then emergency resources, as marks."""
    marks = []
    if points is not None and not points.empty:
        order = points.assign(_lv=pd.to_numeric(points["level"], errors="coerce"))
        for _, p in order.sort_values(["_lv", "name"], na_position="last").iterrows():
            level = int(p["_lv"]) if np.isfinite(p["_lv"]) else None
            cls = point_class(p.get("type"), p.get("category"))
            marks.append(
                _Mark(
                    p.geometry.x, p.geometry.y, cls, level, display_text(p.get("name"))
                )
            )
    if shelters is not None and not shelters.empty:
        for _, r in shelters.iterrows():
            marks.append(
                _Mark(
                    r.geometry.x, r.geometry.y, "D", None, display_text(r.get("name"))
                )
            )
    return marks


def draw_points(
    ax: Axes,
    ctx: PrintContext,
    plan: MapPlan,
    points: gpd.GeoDataFrame | None,
    shelters: gpd.GeoDataFrame | None,
) -> set[str]:
    """Point symbols (GB/T 35649 class colours, level digit inside) and labels."""
    k, mono = ctx.layout.k, ctx.options.mono
    xmin, xmax, ymin, ymax = plan.window
    marks = [
        m
        for m in _point_marks(points, shelters)
        if xmin < m.x < xmax and ymin < m.y < ymax
    ]
    size_pt = 7.5 * k
    fs = 5.6 * k
    mm = 1000.0 / plan.denom
    anchors = [((m.x - xmin) * mm, (m.y - ymin) * mm) for m in marks]
    half = size_pt * MM_PER_PT / 2
    obstacles = [(ax_ - half, ay - half, 2 * half, 2 * half) for ax_, ay in anchors]
    sizes = [(text_width_mm(m.label, fs), fs * MM_PER_PT * 1.25) for m in marks]
    frame = (0.0, 0.0, ctx.layout.map[2], ctx.layout.map[3])
    obstacles.append(north_arrow_box(ctx.layout))
    boxes = place_labels(anchors, sizes, frame, gap=half + 0.4, obstacles=obstacles)
    for m in marks:
        cls = SYMBOL_CLASSES[m.cls]
        face = MONO_POINT_FILLS[m.cls] if mono else cls.color
        ax.plot(
            [m.x],
            [m.y],
            marker=POINT_MARKERS[m.cls],
            markersize=size_pt,
            markerfacecolor=face,
            markeredgecolor="black",
            markeredgewidth=0.6,
            linestyle="none",
            zorder=7,
        )
        tag = str(m.level) if m.level else "避"
        colour = (
            "white"
            if (mono and m.cls == "A") or (not mono and m.cls in "AC")
            else "black"
        )
        ax.text(
            m.x,
            m.y,
            tag,
            ha="center",
            va="center",
            fontsize=size_pt * 0.62,
            color=colour,
            weight="bold",
            zorder=8,
        )
    for m, box in zip(marks, boxes, strict=True):
        if box is None:
            continue
        ax.text(
            xmin + box[0] / mm,
            ymin + box[1] / mm,
            m.label,
            ha="left",
            va="bottom",
            fontsize=fs,
            zorder=9,
            path_effects=[withStroke(linewidth=1.6, foreground="white")],
        )
    return {m.cls for m in marks}


def draw_map_grid(ax: Axes, plan: MapPlan, k: float) -> None:
    """Coordinate ticks (km) on the map frame, as on survey sheets."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    fmt = mpl.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.1f}")
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)
    ax.tick_params(
        direction="in",
        labelsize=5 * k,
        length=2 * k,
        width=0.5,
        pad=1.5,
        top=True,
        right=True,
    )
    for label in ax.get_yticklabels():
        label.set_rotation(90)
        label.set_va("center")


def draw_inset(fig: Figure, ctx: PrintContext, target: gpd.GeoDataFrame) -> None:
    """Locator: the target within the inset layer's areas (``--inset-layer``, e.g.
    counties) or among the result's communities; none when nothing lies around it
    (black with --mono)."""
    layout = ctx.layout
    area = target.union_all()
    counties = ctx.counties
    home = None if counties is None else home_counties(counties, area)
    others = ctx.result.communities.union_all().difference(area)
    if home is None and others.area < 0.01 * area.area:
        return  # nothing around the target to locate it in: no inset
    x, y, w, h = layout.inset
    ax = fig.add_axes(
        (x / layout.width, y / layout.height, w / layout.width, h / layout.height)
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if home is not None:
        draw_boundary(ax, counties, lw=0.5)
        ax.add_collection(
            PathCollection(
                geometry_paths(home.geometry.to_numpy()),
                facecolors="#EDEDED",
                edgecolors="#404040",
                linewidths=0.9,
            )
        )
        extent = home.total_bounds
        where = "、".join(str(n) for n in home.get("name", []))
        caption = tr("print.inset", ctx.options.lang, where=where)
        if area.area > 0.3 * home.area.sum():  # a whole county: show the city
            extent = counties.total_bounds
            caption = tr("print.inset_city", ctx.options.lang)
    else:
        draw_boundary(ax, ctx.result.communities, lw=0.5)
        extent = ctx.result.communities.total_bounds
        caption = tr("print.inset_all", ctx.options.lang)
    ax.add_collection(
        PathCollection(
            geometry_paths(np.array([area])),
            facecolors="black" if ctx.options.mono else "#D00000",
            edgecolors="black" if ctx.options.mono else "#D00000",
            linewidths=1.0,
            zorder=5,
        )
    )
    _fit_extent(ax, extent, w / h)
    ax.set_title(caption, fontsize=6.5 * layout.k, pad=2)


def home_counties(counties: gpd.GeoDataFrame, area: object) -> gpd.GeoDataFrame | None:
    """The counties holding *area* (each holding over 1 % of it), or None."""
    hits = counties[counties.intersects(area)]
    if hits.empty:
        return None
    share = hits.intersection(area).area / max(area.area, 1e-9)  # type: ignore[attr-defined]
    hits = hits[share > 0.01]
    return hits if not hits.empty and share.sum() > 0.5 else None


def _fit_extent(ax: Axes, bounds: np.ndarray, aspect: float) -> None:
    """Limits showing *bounds* with a margin at equal scale in an axes of *aspect*."""
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = (maxx - minx) * 0.55 + 1, (maxy - miny) * 0.55 + 1
    if half_w / half_h > aspect:
        half_h = half_w / aspect
    else:
        half_w = half_h * aspect
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
