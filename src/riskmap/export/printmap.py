"""Printable four-colour warning maps (风险四色图): one PDF/PNG page per community.

A page holds the title, the map frame at a round scale (level fills, boundary,
hazard contours, risk points and shelters with non-overlapping labels), an inset
locator, the legend, a summary table, a scale bar true to the working CRS, a north
arrow and the CRS/date/issuer notes. ``--all`` adds a cover page of the whole city;
``notice=True`` adds a one-page warning notice (预警通报) after each map.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pyogrio
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import PathCollection
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.ticker import MaxNLocator
from pyproj import CRS

from riskmap.domain import LevelStyle, RiskLevel, RiskResult, load_level_styles
from riskmap.errors import ExportError, InputDataError
from riskmap.export.atomic import atomic_path
from riskmap.export.filenames import path_inside, safe_stem
from riskmap.export.fonts import CjkFont, print_rc, require_cjk_font
from riskmap.export.printmap_layout import (
    MM_PER_PT,
    PageLayout,
    Rect,
    format_scale,
    map_window,
    page_layout,
    place_labels,
    text_width_mm,
)
from riskmap.export.printmap_legend import (
    EMPTY,
    HazardRamp,
    LevelRow,
    SymbolEntry,
    draw_legend,
    draw_table,
    level_fill,
)
from riskmap.export.printmap_notice import (
    build_notice,
    draw_notice_page,
    load_notice_template,
    notice_markdown,
)
from riskmap.export.printmap_scalebar import (
    draw_north_arrow,
    draw_scalebar,
    mm_axes,
    scalebar_length,
)
from riskmap.export.printmap_text import columns, tr
from riskmap.export.symbols import SYMBOL_CLASSES, point_class
from riskmap.resources import sample_dir

ProgressFn = Callable[[int, int, str], None]
SHELTER_TYPES = ("避难场所", "应急避难场所", "避难所", "shelter")
POINT_MARKERS = {"A": "o", "B": "s", "C": "s", "D": "s"}
MONO_POINT_FILLS = {"A": "#000000", "B": "#FFFFFF", "C": "#9A9A9A", "D": "#FFFFFF"}
TABLE_POINTS = 8
MAX_COVER_NAMES = 60


@dataclass(frozen=True)
class PrintOptions:
    """How pages are printed (paper, scale of text, colours, texts)."""

    paper: str = "A4"
    orientation: str = "landscape"
    dpi: int = 300
    title: str | None = None
    issuer: str | None = None
    mono: bool = False
    notice: bool = False
    lang: str = "zh"


@dataclass
class PrintContext:
    """Everything shared by the pages of one export."""

    result: RiskResult
    styles: dict[RiskLevel, LevelStyle]
    layout: PageLayout
    font: CjkFont
    options: PrintOptions
    counties: gpd.GeoDataFrame | None
    ramp: tuple[str, HazardRamp] | None
    crs_note: str
    data_date: str
    print_date: str


@dataclass(frozen=True)
class MapPlan:
    """The map frame of one page: its scale and ground window, and the scale bar."""

    denom: int
    window: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax (m)
    bar_m: float
    bar_rect: Rect  # page mm: x, y, length, height


def write_print_maps(
    result: RiskResult,
    out: str | Path,
    *,
    communities: list[str] | None = None,
    paper: str = "A4",
    orientation: str = "landscape",
    dpi: int = 300,
    title: str | None = None,
    issuer: str | None = None,
    mono: bool = False,
    notice: bool = False,
    lang: str = "zh",
    progress: ProgressFn | None = None,
) -> list[Path]:
    """Print a map page per community (PDF; PNG: one per community); return files."""
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".pdf", ".png"):
        raise InputDataError(f"{out}: the output must end in .pdf or .png")
    if not 30 <= int(dpi) <= 1200:
        raise InputDataError(f"--dpi {dpi}: use a value between 30 and 1200")
    options = PrintOptions(
        paper, orientation, int(dpi), title, issuer, mono, notice, lang
    )
    names = select_communities(result, communities)
    ctx = _context(result, options)
    report = progress or (lambda done, total, message: None)
    with mpl.rc_context(print_rc(ctx.font)):
        if kind == ".pdf":
            written = _write_pdf(
                ctx, out, names, cover=communities is None, report=report
            )
        else:
            written = _write_pngs(ctx, out, names, report)
    if notice:
        written += _write_notice_texts(ctx, out.parent, names)
    return written


def select_communities(result: RiskResult, wanted: list[str] | None) -> list[str]:
    """Community names to print (by name or id); an InputDataError for unknown ones."""
    table = result.communities
    names = [str(n) for n in table["community"]]
    if wanted is None:
        return names
    by_id = dict(zip(table["community_id"].astype(str), names, strict=True))
    chosen = []
    for item in wanted:
        if item in names:
            chosen.append(item)
        elif item in by_id:
            chosen.append(by_id[item])
        else:
            raise InputDataError(
                f"community {item!r} is not in the result; choose one of "
                f"{', '.join(names)} (or --all)"
            )
    return chosen


def _context(result: RiskResult, options: PrintOptions) -> PrintContext:
    """Load styles, the font, the inset context and the hazard ramp once."""
    font = require_cjk_font()
    today = dt.date.today().isoformat()
    created = str(result.info.get("created_at", ""))[:10] or EMPTY
    return PrintContext(
        result=result,
        styles=load_level_styles(),
        layout=page_layout(options.paper, options.orientation),
        font=font,
        options=options,
        counties=_load_counties(result),
        ramp=_hazard_ramp(result, options.mono, options.lang),
        crs_note=crs_note(result.info.get("crs")),
        data_date=created,
        print_date=today,
    )


def crs_note(wkt: object) -> str:
    """'CGCS2000 / 3-degree Gauss-Krüger CM 108°E (EPSG:4545)' with its Chinese name."""
    if not wkt:
        return "坐标系：未知 / unknown CRS"
    crs = CRS.from_user_input(wkt)
    code = crs.to_epsg()
    name = crs.name.replace("Gauss-Kruger", "Gauss-Krüger")
    name = re.sub(r"CM (\d+)E", r"CM \1°E", name)
    zh = ""
    match = re.search(r"CGCS2000 / 3-degree Gauss-Kr.ger CM (\d+)", crs.name)
    if match:
        zh = f"2000国家大地坐标系 高斯-克吕格3度带 中央经线{match.group(1)}°E；"
    epsg = f" (EPSG:{code})" if code else ""
    return f"坐标系：{zh}{name}{epsg}"


def _load_counties(result: RiskResult) -> gpd.GeoDataFrame | None:
    """The bundled county boundaries in the working CRS, when they exist."""
    path = sample_dir() / "bazhong_counties.geojson"
    if not path.exists():
        return None
    try:
        counties = gpd.read_file(path)
        return counties.to_crs(result.cells.crs)
    except (OSError, ValueError, pyogrio.errors.DataSourceError):  # fall back
        return None


def _hazard_ramp(
    result: RiskResult, mono: bool, lang: str = "zh"
) -> tuple[str, HazardRamp] | None:
    """The hazard drawn as contours: the first raster hazard with cell means."""
    for hazard in result.info.get("hazards", []):
        column = f"{hazard.get('name')}_mean"
        if hazard.get("kind") != "raster" or column not in result.cells:
            continue
        values = result.cells[column].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0 or values.max() <= values.min():
            continue
        lo, hi = float(values.min()), float(np.nanpercentile(values, 99.5))
        ticks = [t for t in MaxNLocator(nbins=5).tick_values(lo, hi) if lo < t < hi]
        if not ticks:
            continue
        cmap = _ramp_cmap(mono)
        label = hazard.get(f"label_{lang}") or hazard.get("name")
        return column, HazardRamp(str(label), str(hazard.get("unit", "")), ticks, cmap)
    return None


def _ramp_cmap(mono: bool) -> Colormap:
    """Light-to-dark blue-violet (grey with --mono), readable over the level fills."""
    colours = ["#7FB2F0", "#1E3C96", "#2A0A4A"] if not mono else ["#909090", "#000000"]
    return LinearSegmentedColormap.from_list("riskmap_hazard", colours)


def _write_pdf(
    ctx: PrintContext, out: Path, names: list[str], *, cover: bool, report: ProgressFn
) -> list[Path]:
    """One multi-page PDF: cover (several communities), then map (+ notice) pages."""
    total = len(names) + int(cover and len(names) > 1)
    done = 0
    with atomic_path(out) as tmp:
        try:
            with PdfPages(tmp, metadata=_pdf_metadata(ctx, names)) as pdf:
                if cover and len(names) > 1:
                    report(done, total, "封面 cover")
                    _save(pdf, cover_page(ctx, names))
                    done += 1
                for name in names:
                    report(done, total, name)
                    _save(pdf, community_page(ctx, name))
                    if ctx.options.notice:
                        _save(pdf, _notice_figure(ctx, name))
                    done += 1
        except OSError as exc:
            raise ExportError(f"cannot write {out}: {exc}") from exc
    report(total, total, f"{out}")
    return [out]


def _save(pdf: PdfPages, fig: Figure) -> None:
    """Append a figure as a PDF page."""
    pdf.savefig(fig)


def _pdf_metadata(ctx: PrintContext, names: list[str]) -> dict[str, str]:
    """Title/author/subject of the PDF document."""
    title = ctx.options.title or (
        tr(ctx.options.lang, "title", name=names[0])
        if len(names) == 1
        else tr(ctx.options.lang, "doc_title")
    )
    return {
        "Title": title,
        "Author": ctx.options.issuer or "riskmap",
        "Subject": "风险四色图 / four-colour risk map",
        "Creator": "riskmap",
    }


def _write_pngs(
    ctx: PrintContext, out: Path, names: list[str], report: ProgressFn
) -> list[Path]:
    """One PNG per community (``<stem>_<community>.png`` when there are several)."""
    written = []
    for i, name in enumerate(names):
        report(i, len(names), name)
        path = (
            out
            if len(names) == 1
            else _sibling(out, f"{out.stem}_{safe_stem(name)}.png")
        )
        _save_png(community_page(ctx, name), path, ctx.options.dpi)
        written.append(path)
        if ctx.options.notice:
            note = _sibling(out, f"{path.stem}_notice.png")
            _save_png(_notice_figure(ctx, name), note, ctx.options.dpi)
            written.append(note)
    report(len(names), len(names), str(out))
    return written


def _sibling(out: Path, name: str) -> Path:
    """A file next to *out*, refusing names that would leave its folder."""
    return path_inside(out.parent if str(out.parent) else Path("."), name)


def _save_png(fig: Figure, path: Path, dpi: int) -> None:
    """Write a figure as PNG at *dpi*, atomically."""
    with atomic_path(path) as tmp:
        try:
            fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc}") from exc


def _write_notice_texts(
    ctx: PrintContext, folder: Path, names: list[str]
) -> list[Path]:
    """``<community>_notice.md`` beside the map for each community."""
    template = load_notice_template()
    written = []
    for name in names:
        text = notice_markdown(
            build_notice(ctx.result, name, template, _notice_meta(ctx))
        )
        path = _sibling(folder / "x", f"{safe_stem(name)}_notice.md")
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _notice_meta(ctx: PrintContext) -> dict[str, str]:
    """Issuer and dates printed on a notice."""
    return {
        "issuer": ctx.options.issuer or "",
        "print_date": ctx.print_date,
        "data_date": ctx.data_date,
    }


def _notice_figure(ctx: PrintContext, name: str) -> Figure:
    """The one-page warning notice of a community."""
    notice = build_notice(ctx.result, name, load_notice_template(), _notice_meta(ctx))
    fig = Figure(figsize=ctx.layout.inches)
    draw_notice_page(fig, ctx.layout, notice, ctx.styles)
    return fig


# --------------------------------------------------------------------------- pages


def plan_map(bounds: tuple[float, float, float, float], layout: PageLayout) -> MapPlan:
    """The map scale, ground window and scale bar of a page showing *bounds*."""
    denom, window = map_window(bounds, layout.map)
    bar_m = scalebar_length(denom, 0.28 * layout.footer[2])
    bar_mm = bar_m * 1000.0 / denom
    k = layout.k
    rect = (layout.footer[0] + 3 * k, layout.footer[1] + 6.5 * k, bar_mm, 2.2 * k)
    return MapPlan(denom, window, bar_m, rect)


def community_plan(
    ctx: PrintContext | RiskResult, name: str, layout: PageLayout
) -> MapPlan:
    """The MapPlan of a community's page (used by tests to measure the scale)."""
    result = ctx.result if isinstance(ctx, PrintContext) else ctx
    row = result.communities[result.communities["community"] == name]
    return plan_map(tuple(row.total_bounds), layout)


def community_page(ctx: PrintContext, name: str) -> Figure:
    """The map page of one community."""
    result, layout = ctx.result, ctx.layout
    community = result.communities[result.communities["community"] == name]
    cid = str(community["community_id"].iloc[0])
    cells = result.cells[result.cells["community"] == name]
    points = _subset(result.points, cid)
    plan = plan_map(tuple(community.total_bounds), layout)
    fig = Figure(figsize=layout.inches)
    lang = ctx.options.lang
    title = ctx.options.title or tr(lang, "title", name=name)
    sub = tr(lang, "subtitle", cid=cid, scale=format_scale(plan.denom))
    _draw_title(fig, layout, title, sub)
    ax = _map_axes(fig, layout, plan)
    _draw_context(ax, result.communities[result.communities["community"] != name])
    _draw_levels(ax, cells, ctx, plan)
    _draw_hazard(ax, cells, ctx)
    _draw_coverage(ax, result.coverage, cid)
    _draw_boundary(ax, community, lw=1.6)
    markers = _draw_points(ax, ctx, plan, points, _shelters(result, plan.window))
    _draw_map_grid(ax, plan, layout.k)
    _draw_north(fig, layout)
    _draw_inset(fig, ctx, community)
    legend_ax = mm_axes(fig, layout, layout.legend)
    draw_legend(
        legend_ax,
        layout.legend[2:],
        _level_rows(ctx, cells),
        ctx.ramp[1] if ctx.ramp else None,
        _symbol_entries(ctx, markers, result.coverage is not None),
        mono=ctx.options.mono,
        k=layout.k,
        lang=ctx.options.lang,
    )
    _draw_summary(fig, ctx, cells, points)
    _draw_footer(fig, ctx, plan)
    return fig


def cover_page(ctx: PrintContext, names: list[str]) -> Figure:
    """The cover: every community of the result on one map, with a summary table."""
    result, layout = ctx.result, ctx.layout
    plan = plan_map(tuple(result.communities.total_bounds), layout)
    fig = Figure(figsize=layout.inches)
    lang = ctx.options.lang
    title = ctx.options.title or tr(lang, "cover_title")
    sub = tr(lang, "cover_sub", n=len(names), scale=format_scale(plan.denom))
    _draw_title(fig, layout, title, sub)
    ax = _map_axes(fig, layout, plan)
    _draw_levels(ax, result.cells, ctx, plan)
    _draw_boundary(ax, result.communities, lw=1.2)
    _draw_community_names(ax, result.communities, layout.k)
    _draw_map_grid(ax, plan, layout.k)
    _draw_north(fig, layout)
    _draw_inset(fig, ctx, result.communities)
    draw_legend(
        mm_axes(fig, layout, layout.legend),
        layout.legend[2:],
        _level_rows(ctx, result.cells),
        None,
        [SymbolEntry(tr(lang, "boundary"), "line", {"color": "#202020", "lw": 1.2})],
        mono=ctx.options.mono,
        k=layout.k,
        lang=ctx.options.lang,
    )
    _draw_cover_table(fig, ctx)
    _draw_footer(fig, ctx, plan)
    return fig


def north_arrow_box(layout: PageLayout) -> Rect:
    """Where the north arrow sits in the map frame (mm from the frame's corner)."""
    k = layout.k
    return (layout.map[2] - 14 * k, layout.map[3] - 17 * k, 12 * k, 16 * k)


def _draw_north(fig: Figure, layout: PageLayout) -> None:
    """The north arrow in the top-right corner of the map frame."""
    x, y, w, _ = north_arrow_box(layout)
    draw_north_arrow(
        mm_axes(fig, layout, layout.map), x + w / 2, y + layout.k, 9 * layout.k
    )


def _subset(frame: gpd.GeoDataFrame | None, cid: str) -> gpd.GeoDataFrame | None:
    """Rows of a point layer inside community *cid* (None stays None)."""
    if frame is None or "community_id" not in frame:
        return None
    return frame[frame["community_id"].astype(str) == cid]


def _shelters(result: RiskResult, window: tuple) -> gpd.GeoDataFrame | None:
    """Emergency resources inside the map window."""
    res = result.resources
    if res is None or res.empty:
        return None
    xmin, xmax, ymin, ymax = window
    return res.cx[xmin:xmax, ymin:ymax]


def _draw_title(fig: Figure, layout: PageLayout, title: str, subtitle: str) -> None:
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


def _map_axes(fig: Figure, layout: PageLayout, plan: MapPlan) -> Axes:
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


def _draw_levels(
    ax: Axes, cells: gpd.GeoDataFrame, ctx: PrintContext, plan: MapPlan
) -> None:
    """The grid cells filled by level (hatched greys with --mono).

    Cell edges are drawn only where a cell prints at least 1.5 mm wide; smaller
    cells would turn the map into a grey mesh.
    """
    edge = (0.25, 0.25, 0.25, 0.35) if ctx.options.mono else (1, 1, 1, 0.55)
    cell_mm = float(ctx.result.info.get("cell_size_m") or 0) * 1000 / plan.denom
    width = 0.15 if cell_mm >= 1.5 else 0.0
    for level, style in ctx.styles.items():
        sel = cells[cells["level"] == int(level)]
        if sel.empty:
            continue
        fill = level_fill(style, ctx.options.mono)
        coll = PathCollection(
            geometry_paths(sel.geometry.to_numpy()),
            facecolors=fill["facecolor"],
            edgecolors=[edge] if width else "face",
            linewidths=width,
            hatch=fill["hatch"],
            zorder=1,
        )
        coll.set_hatchcolor(fill["hatchcolor"])
        ax.add_collection(coll, autolim=False)


def _draw_hazard(ax: Axes, cells: gpd.GeoDataFrame, ctx: PrintContext) -> None:
    """Contours of the hazard's cell means on the fishnet (skipped for user grids)."""
    if ctx.ramp is None:
        return
    column, ramp = ctx.ramp
    size = float(ctx.result.info.get("cell_size_m") or 0)
    fish = cells[(cells["row"] >= 0) & np.isfinite(cells[column])]
    if size <= 0 or len(fish) < 4:
        return
    r0, c0 = int(fish["row"].min()), int(fish["col"].min())
    grid = np.full(
        (int(fish["row"].max()) - r0 + 1, int(fish["col"].max()) - c0 + 1), np.nan
    )
    grid[fish["row"].to_numpy() - r0, fish["col"].to_numpy() - c0] = fish[column]
    if min(grid.shape) < 2:
        return
    xs = (np.arange(grid.shape[1]) + c0 + 0.5) * size
    ys = 1.0e7 - (np.arange(grid.shape[0]) + r0 + 0.5) * size
    values = list(ramp.values)
    norm = mpl.colors.Normalize(min(values), max(values) if len(values) > 1 else 1)
    ax.contour(
        xs,
        ys,
        np.ma.masked_invalid(grid),
        levels=values,
        colors=[ramp.cmap(norm(v)) for v in values],
        linewidths=0.9,
        zorder=2,
    )


def _draw_coverage(ax: Axes, coverage: gpd.GeoDataFrame | None, cid: str) -> None:
    """Hatch the community's area that no shelter covers (when coverage exists)."""
    if coverage is None or coverage.empty:
        return
    sel = coverage[
        (coverage["community_id"].astype(str) == cid)
        & (coverage["resource_type"] == "shelter")
        & (coverage["status"] == "uncovered")
    ]
    if sel.empty:
        return
    coll = PathCollection(
        geometry_paths(sel.geometry.to_numpy()),
        facecolors="none",
        edgecolors="#5A2A82",
        linewidths=0.8,
        linestyles="--",
        hatch="\\\\",
        zorder=3,
    )
    coll.set_hatchcolor("#5A2A82")
    ax.add_collection(coll, autolim=False)


def _draw_boundary(ax: Axes, frame: gpd.GeoDataFrame, lw: float) -> None:
    """Community boundary lines."""
    coll = PathCollection(
        geometry_paths(frame.geometry.to_numpy()),
        facecolors="none",
        edgecolors="#202020",
        linewidths=lw,
        zorder=4,
    )
    ax.add_collection(coll, autolim=False)


def _draw_context(ax: Axes, others: gpd.GeoDataFrame) -> None:
    """Neighbouring communities as grey dashed outlines."""
    if others.empty:
        return
    coll = PathCollection(
        geometry_paths(others.geometry.to_numpy()),
        facecolors="#F4F4F4",
        edgecolors="#888888",
        linewidths=0.6,
        linestyles="--",
        zorder=0,
    )
    ax.add_collection(coll, autolim=False)


def _draw_community_names(ax: Axes, frame: gpd.GeoDataFrame, k: float) -> None:
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
                _Mark(p.geometry.x, p.geometry.y, cls, level, _text(p.get("name")))
            )
    if shelters is not None and not shelters.empty:
        for _, r in shelters.iterrows():
            marks.append(
                _Mark(r.geometry.x, r.geometry.y, "D", None, _text(r.get("name")))
            )
    return marks


def _text(value: object) -> str:
    """A display string; '—' for missing values."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return EMPTY
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else EMPTY


def _draw_points(
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


def _draw_map_grid(ax: Axes, plan: MapPlan, k: float) -> None:
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


def _draw_inset(fig: Figure, ctx: PrintContext, target: gpd.GeoDataFrame) -> None:
    """Locator: the target within its county (bundled sample) or all communities."""
    layout = ctx.layout
    x, y, w, h = layout.inset
    ax = fig.add_axes(
        (x / layout.width, y / layout.height, w / layout.width, h / layout.height)
    )
    ax.set_xticks([])
    ax.set_yticks([])
    area = target.union_all()
    counties = ctx.counties
    home = None if counties is None else _home_counties(counties, area)
    if home is not None:
        _draw_boundary(ax, counties, lw=0.5)
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
        caption = tr(ctx.options.lang, "inset", where=where)
        if area.area > 0.3 * home.area.sum():  # a whole county: show the city
            extent = counties.total_bounds
            caption = tr(ctx.options.lang, "inset_city")
    else:
        _draw_boundary(ax, ctx.result.communities, lw=0.5)
        extent = ctx.result.communities.total_bounds
        caption = tr(ctx.options.lang, "inset_all")
    ax.add_collection(
        PathCollection(
            geometry_paths(np.array([area])),
            facecolors="#D00000",
            edgecolors="#D00000",
            linewidths=1.0,
            zorder=5,
        )
    )
    _fit_extent(ax, extent, w / h)
    ax.set_title(caption, fontsize=6.5 * layout.k, pad=2)


def _home_counties(counties: gpd.GeoDataFrame, area: object) -> gpd.GeoDataFrame | None:
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


def _level_rows(ctx: PrintContext, cells: gpd.GeoDataFrame) -> list[LevelRow]:
    """Cell count and area per level."""
    counts = cells.groupby("level")["area_m2"].agg(["size", "sum"])
    return [
        LevelRow(
            style,
            int(counts["size"].get(int(level), 0)),
            float(counts["sum"].get(int(level), 0.0)),
        )
        for level, style in ctx.styles.items()
    ]


def _symbol_entries(
    ctx: PrintContext, classes: set[str], coverage: bool
) -> list[SymbolEntry]:
    """Legend entries for the point classes on the page, the boundary, coverage."""
    lang = ctx.options.lang
    entries = []
    for code in ("A", "B", "C", "D"):
        if code not in classes:
            continue
        cls = SYMBOL_CLASSES[code]
        face = MONO_POINT_FILLS[code] if ctx.options.mono else cls.color
        label = (
            tr(lang, "point_class", name=cls.name(lang))
            if code != "D"
            else tr(lang, "resources")
        )
        entries.append(
            SymbolEntry(
                label,
                "marker",
                {
                    "marker": POINT_MARKERS[code],
                    "markersize": 6 * ctx.layout.k,
                    "markerfacecolor": face,
                    "markeredgecolor": "black",
                    "markeredgewidth": 0.6,
                },
            )
        )
    boundary = {"color": "#202020", "lw": 1.6}
    entries.append(SymbolEntry(tr(lang, "boundary"), "line", boundary))
    neighbours = {"color": "#888888", "lw": 0.6, "ls": "--"}
    entries.append(SymbolEntry(tr(lang, "neighbours"), "line", neighbours))
    if coverage:
        entries.append(
            SymbolEntry(
                tr(lang, "uncovered"),
                "patch",
                {
                    "facecolor": "none",
                    "edgecolor": "#5A2A82",
                    "hatch": "\\\\\\\\",
                    "lw": 0.8,
                    "ls": "--",
                },
            )
        )
    return entries


def _draw_summary(
    fig: Figure,
    ctx: PrintContext,
    cells: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame | None,
) -> None:
    """Summary table: cells/area per level and the highest-level risk points."""
    layout = ctx.layout
    ax = mm_axes(fig, layout, layout.table)
    w, h = layout.table[2:]
    fs = 6.2 * layout.k
    lang = ctx.options.lang
    rows = _level_rows(ctx, cells)
    total = sum(r.area_m2 for r in rows) or 1.0
    y = draw_table(
        ax,
        (0, h),
        w,
        columns(lang, "level_head"),
        [
            [
                r.style.name(lang),
                f"{r.cells:,}",
                f"{r.area_m2 / 1e6:.2f}",
                f"{100 * r.area_m2 / total:.1f}%",
            ]
            for r in rows
        ],
        [0.34, 0.22, 0.24, 0.20],
        size_pt=fs,
    )
    y -= 2.5 * layout.k
    ax.text(
        0,
        y,
        tr(lang, "top_points"),
        fontsize=fs,
        weight="bold",
        va="top",
    )
    y -= fs * MM_PER_PT * 1.8
    table = _top_points(points, ctx)
    room = int((y - fs * MM_PER_PT * 1.7) / (fs * MM_PER_PT * 1.7))
    shown = table[: max(min(room, TABLE_POINTS), 0)]
    if not shown:
        ax.text(0, y, tr(lang, "no_points"), fontsize=fs, va="top")
        return
    y = draw_table(
        ax,
        (0, y),
        w,
        columns(lang, "points_head"),
        [row for row, _ in shown],
        [0.40, 0.18, 0.18, 0.24],
        size_pt=fs,
    )
    if len(table) > len(shown):
        ax.text(
            0,
            y - 0.8,
            tr(lang, "more_points", n=len(table) - len(shown)),
            fontsize=fs * 0.9,
            va="top",
        )


def _top_points(
    points: gpd.GeoDataFrame | None, ctx: PrintContext
) -> list[tuple[list, int]]:
    """Rows (name, type, level, responsible) of points, highest level first."""
    if points is None or points.empty:
        return []
    lv = pd.to_numeric(points["level"], errors="coerce")
    frame = points.assign(_lv=lv).sort_values(["_lv", "name"], na_position="last")
    rows = []
    for _, p in frame.iterrows():
        level = int(p["_lv"]) if np.isfinite(p["_lv"]) else None
        name = ctx.styles[RiskLevel(level)].name(ctx.options.lang) if level else EMPTY
        rows.append(
            (
                [
                    _text(p.get("name")),
                    _text(p.get("type")),
                    name,
                    _text(p.get("responsible")),
                ],
                level or 9,
            )
        )
    return rows


def _draw_cover_table(fig: Figure, ctx: PrintContext) -> None:
    """Cover summary: each community's highest level and cells per level."""
    layout = ctx.layout
    ax = mm_axes(fig, layout, layout.table)
    w, h = layout.table[2:]
    fs = 6.0 * layout.k
    table = ctx.result.communities.sort_values(["max_level", "community"])
    room = max(int(h / (fs * MM_PER_PT * 1.7)) - 2, 1)
    rows = []
    for _, c in table.head(room).iterrows():
        top = ctx.styles[RiskLevel(int(c["max_level"]))].name(ctx.options.lang)
        rows.append(
            [c["community"], top, *(int(c.get(f"cells_l{i}", 0)) for i in range(1, 5))]
        )
    y = draw_table(
        ax,
        (0, h),
        w,
        columns(ctx.options.lang, "cover_head"),
        rows,
        [0.40, 0.20, 0.10, 0.10, 0.10, 0.10],
        size_pt=fs,
    )
    if len(table) > room:
        more = tr(ctx.options.lang, "more_communities", n=len(table) - room)
        ax.text(0, y - 0.8, more, fontsize=fs * 0.9, va="top")


def _draw_footer(fig: Figure, ctx: PrintContext, plan: MapPlan) -> None:
    """Scale bar and scale, CRS note, data date, issuer, print date, font used."""
    layout = ctx.layout
    ax = mm_axes(fig, layout, layout.footer)
    k = layout.k
    bx, by, _, bh = plan.bar_rect
    x0, y0 = bx - layout.footer[0], by - layout.footer[1]
    lang = ctx.options.lang
    unit = tr(lang, "metres")
    draw_scalebar(ax, x0, y0, plan.bar_m, plan.denom, height=bh, k=k, unit=unit)
    ax.text(
        x0,
        y0 + bh + 1.2 * k,
        tr(lang, "scale", scale=format_scale(plan.denom)),
        fontsize=7 * k,
        va="bottom",
    )
    fs = 6.2 * k
    w, h = layout.footer[2:]
    left = 0.36 * w
    issuer = ctx.options.issuer or "________________"
    info = ctx.result.info
    lines = [
        ctx.crs_note,
        tr(lang, "dates", data=ctx.data_date, printed=ctx.print_date, issuer=issuer),
        tr(lang, "model", model=info.get(f"model_summary_{lang}", EMPTY)),
        tr(lang, "font", font=ctx.font.family, version=info.get("riskmap_version", "")),
    ]
    for i, text in enumerate(lines):
        ax.text(
            left, h - (1 + i * 1.6) * fs * MM_PER_PT * 1.5, text, fontsize=fs, va="top"
        )
