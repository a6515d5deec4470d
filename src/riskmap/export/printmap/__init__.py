"""Printable four-colour risk maps (风险四色图): one PDF/PNG page per community.

A page holds the title, the map frame at a round scale (level fills, boundary,
hazard contours, risk points and shelters with non-overlapping labels), an inset
locator, the legend, a summary table, a scale bar true to the working CRS, a north
arrow and the CRS/date/issuer notes. ``--all`` adds a cover page of the whole city;
``notice=True`` adds a one-page risk notice (风险提示) after each map.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from riskmap.atomic import atomic_path
from riskmap.domain import RiskLevel, RiskResult, load_level_styles
from riskmap.errors import ExportError, InputDataError
from riskmap.export.contacts import contacts_for_output
from riskmap.export.exposure_view import write_curve_files
from riskmap.export.filenames import path_inside, unique_stems
from riskmap.export.printmap.context import (
    MapPlan,
    PrintContext,
    PrintOptions,
    crs_note,
    hazard_ramp,
    load_inset_layer,
    plan_map,
)
from riskmap.export.printmap.frame import (
    MONO_POINT_FILLS,
    NO_DATA_STYLE,
    POINT_MARKERS,
    community_rows,
    draw_boundary,
    draw_community_names,
    draw_context,
    draw_coverage,
    draw_hazard,
    draw_inset,
    draw_levels,
    draw_map_grid,
    draw_no_hazard_data,
    draw_north,
    draw_points,
    draw_title,
    map_axes,
    resources_in,
    uncovered_style,
)
from riskmap.export.printmap.layout import MM_PER_PT, format_scale, page_layout
from riskmap.export.printmap.legend import (
    EMPTY,
    LevelRow,
    SymbolEntry,
    display_text,
    draw_legend,
    draw_table,
)
from riskmap.export.printmap.notice import (
    Notice,
    build_notice,
    draw_notice_page,
    load_notice_template,
    notice_charts,
    notice_markdown,
)
from riskmap.export.printmap.pdffonts import truetype_font_files
from riskmap.export.printmap.scalebar import draw_scalebar, mm_axes
from riskmap.export.printmap.text import columns, tr
from riskmap.export.selection import select_communities
from riskmap.export.symbols import SYMBOL_CLASSES
from riskmap.fonts import print_rc, require_cjk_font
from riskmap.progress import ProgressCallback

TABLE_POINTS = 8


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
    contacts: str = "masked",
    inset_layer: Path | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Print a map page per community (PDF; PNG: one per community); return files.

    Names and phones of responsible persons print masked unless *contacts* is
    "full". *inset_layer* (e.g. county boundaries) is what the inset locates each
    community in; without it the inset shows the result's own communities.
    """
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".pdf", ".png"):
        raise InputDataError(f"{out}: the output must end in .pdf or .png")
    if not 30 <= int(dpi) <= 1200:
        raise InputDataError(f"--dpi {dpi}: use a value between 30 and 1200")
    options = PrintOptions(
        paper, orientation, int(dpi), title, issuer, mono, notice, lang, inset_layer
    )
    ids = select_communities(result, communities)
    result = replace(result, points=contacts_for_output(result.points, contacts))
    ctx = _context(result, options)
    report = progress or (lambda done, total, message: None)
    notices = _notices(ctx, ids) if notice else {}
    with mpl.rc_context(print_rc(ctx.font)):
        if kind == ".pdf":
            written = _write_pdf(
                ctx, out, ids, notices, cover=communities is None, report=report
            )
        else:
            written = _write_pngs(ctx, out, ids, notices, report)
    return written + _write_notice_texts(ctx, notices, out.parent)


def community_name(result: RiskResult, cid: str) -> str:
    """The name of community *cid* (its id when it has none)."""
    table = result.communities
    name = table.loc[table["community_id"].astype(str) == cid, "community"].iloc[0]
    return str(name) if pd.notna(name) and str(name) else cid


def community_stems(result: RiskResult) -> dict[str, str]:
    """A distinct file-name stem per community id (as the web maps name files)."""
    table = result.communities
    ids = [str(i) for i in table["community_id"]]
    stems = unique_stems(table["community"].tolist(), ids, reserved=())
    return dict(zip(ids, stems, strict=True))


def _context(result: RiskResult, options: PrintOptions) -> PrintContext:
    """Load styles, the font, the inset context and the hazard ramp once."""
    font = require_cjk_font()
    today = dt.date.today().isoformat()
    return PrintContext(
        result=result,
        styles=load_level_styles(),
        layout=page_layout(options.paper, options.orientation),
        font=font,
        options=options,
        counties=load_inset_layer(options.inset_layer, result.run_info.crs),
        ramp=hazard_ramp(result, options.mono, options.lang),
        crs_note=crs_note(result.run_info.crs),
        data_date=result.run_info.data_date or EMPTY,
        print_date=today,
    )


def _write_pdf(
    ctx: PrintContext,
    out: Path,
    ids: list[str],
    notices: dict[str, Notice],
    *,
    cover: bool,
    report: ProgressCallback,
) -> list[Path]:
    """One multi-page PDF: cover (several communities), then map (+ notice) pages."""
    total = len(ids) + int(cover and len(ids) > 1)
    done = 0
    with atomic_path(out) as tmp:
        try:
            with PdfPages(tmp, metadata=_pdf_metadata(ctx, ids)) as pdf:
                if cover and len(ids) > 1:
                    report(done, total, "封面 cover")
                    _save(pdf, cover_page(ctx, ids))
                    done += 1
                for cid in ids:
                    report(done, total, community_name(ctx.result, cid))
                    _save(pdf, community_page(ctx, cid))
                    if cid in notices:
                        _save(pdf, _notice_figure(ctx, notices[cid]))
                    done += 1
            truetype_font_files(tmp)
        except OSError as exc:
            raise ExportError(f"cannot write {out}: {exc}") from exc
    report(total, total, f"{out}")
    return [out]


def _save(pdf: PdfPages, fig: Figure) -> None:
    """Append a figure as a PDF page."""
    pdf.savefig(fig)


def _pdf_metadata(ctx: PrintContext, ids: list[str]) -> dict[str, str]:
    """Title/author/subject of the PDF document."""
    title = ctx.options.title or (
        tr("print.title", ctx.options.lang, name=community_name(ctx.result, ids[0]))
        if len(ids) == 1
        else tr("print.doc_title", ctx.options.lang)
    )
    return {
        "Title": title,
        "Author": ctx.options.issuer or "riskmap",
        "Subject": "风险四色图 / four-colour risk map",
        "Creator": "riskmap",
    }


def _write_pngs(
    ctx: PrintContext,
    out: Path,
    ids: list[str],
    notices: dict[str, Notice],
    report: ProgressCallback,
) -> list[Path]:
    """One PNG per community (``<stem>_<community>.png`` when there are several)."""
    written, stems = [], community_stems(ctx.result)
    for i, cid in enumerate(ids):
        report(i, len(ids), community_name(ctx.result, cid))
        path = out if len(ids) == 1 else _sibling(out, f"{out.stem}_{stems[cid]}.png")
        _save_png(community_page(ctx, cid), path, ctx.options.dpi)
        written.append(path)
        if cid in notices:
            note = _sibling(out, f"{path.stem}_notice.png")
            _save_png(_notice_figure(ctx, notices[cid]), note, ctx.options.dpi)
            written.append(note)
    report(len(ids), len(ids), str(out))
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


def _notices(ctx: PrintContext, ids: list[str]) -> dict[str, Notice]:
    """Each community's risk notice, built once for its page and its .md file."""
    template, meta = load_notice_template(), _notice_meta(ctx)
    return {cid: build_notice(ctx.result, cid, template, meta) for cid in ids}


def _write_notice_texts(
    ctx: PrintContext, notices: dict[str, Notice], folder: Path
) -> list[Path]:
    """``<community>_notice.md`` beside the map for each community."""
    written, stems = [], community_stems(ctx.result)
    for cid, notice in notices.items():
        for chart in notice_charts(notice):  # the curve files beside the .md
            chart.file = f"{stems[cid]}_curve.svg"
        text = notice_markdown(notice)
        path = _sibling(folder / "x", f"{stems[cid]}_notice.md")
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(path)
        for chart in notice_charts(notice):
            stem = path.with_name(chart.file).with_suffix("")
            written += write_curve_files(chart.curve, stem, "zh", chart.level_name)
    return written


def _notice_meta(ctx: PrintContext) -> dict[str, str]:
    """Issuer and dates printed on a notice."""
    return {
        "issuer": ctx.options.issuer or "",
        "print_date": ctx.print_date,
        "data_date": ctx.data_date,
    }


def _notice_figure(ctx: PrintContext, notice: Notice) -> Figure:
    """The one-page risk notice of a community."""
    fig = Figure(figsize=ctx.layout.inches)
    draw_notice_page(fig, ctx.layout, notice, ctx.styles, ctx.options.mono)
    return fig


# --------------------------------------------------------------------------- pages


def community_page(ctx: PrintContext, cid: str) -> Figure:
    """The map page of community *cid*."""
    result, layout = ctx.result, ctx.layout
    here = result.communities["community_id"].astype(str) == cid
    community = result.communities[here]
    name = community_name(result, cid)
    cells = result.cells[result.cells["community_id"].astype(str) == cid]
    points = community_rows(result.points, cid)
    plan = plan_map(tuple(community.total_bounds), layout)
    fig = Figure(figsize=layout.inches)
    lang = ctx.options.lang
    title = ctx.options.title or tr("print.title", lang, name=name)
    sub = tr("print.subtitle", lang, cid=cid, scale=format_scale(plan.denom))
    draw_title(fig, layout, title, sub)
    ax = map_axes(fig, layout, plan)
    draw_context(ax, result.communities[~here])
    draw_levels(ax, cells, ctx, plan)
    draw_hazard(ax, cells, ctx)
    draw_coverage(ax, result.coverage, cid, ctx.options.mono)
    no_data = draw_no_hazard_data(ax, cells)
    draw_boundary(ax, community, lw=1.6)
    markers = draw_points(ax, ctx, plan, points, resources_in(result, plan.window))
    draw_map_grid(ax, plan, layout.k)
    draw_north(fig, layout)
    draw_inset(fig, ctx, community)
    legend_ax = mm_axes(fig, layout, layout.legend)
    draw_legend(
        legend_ax,
        layout.legend[2:],
        _level_rows(ctx, cells),
        ctx.ramp[1] if ctx.ramp else None,
        _symbol_entries(ctx, markers, result.coverage is not None, no_data),
        mono=ctx.options.mono,
        k=layout.k,
        lang=ctx.options.lang,
    )
    _draw_summary(fig, ctx, cells, points)
    _draw_footer(fig, ctx, plan)
    return fig


def cover_page(ctx: PrintContext, ids: list[str]) -> Figure:
    """The cover: every community of the result on one map, with a summary table."""
    result, layout = ctx.result, ctx.layout
    plan = plan_map(tuple(result.communities.total_bounds), layout)
    fig = Figure(figsize=layout.inches)
    lang = ctx.options.lang
    title = ctx.options.title or tr("print.cover_title", lang)
    sub = tr("print.cover_sub", lang, n=len(ids), scale=format_scale(plan.denom))
    draw_title(fig, layout, title, sub)
    ax = map_axes(fig, layout, plan)
    draw_levels(ax, result.cells, ctx, plan)
    draw_boundary(ax, result.communities, lw=1.2)
    draw_community_names(ax, result.communities, layout.k)
    draw_map_grid(ax, plan, layout.k)
    draw_north(fig, layout)
    draw_inset(fig, ctx, result.communities)
    draw_legend(
        mm_axes(fig, layout, layout.legend),
        layout.legend[2:],
        _level_rows(ctx, result.cells),
        None,
        [
            SymbolEntry(
                tr("print.boundary", lang), "line", {"color": "#202020", "lw": 1.2}
            )
        ],
        mono=ctx.options.mono,
        k=layout.k,
        lang=ctx.options.lang,
    )
    _draw_cover_table(fig, ctx)
    _draw_footer(fig, ctx, plan)
    return fig


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
    ctx: PrintContext, classes: set[str], coverage: bool, no_data: bool = False
) -> list[SymbolEntry]:
    """Legend entries: point classes on the page, boundary, coverage, no-data cells."""
    lang = ctx.options.lang
    entries = []
    for code in ("A", "B", "C", "D"):
        if code not in classes:
            continue
        cls = SYMBOL_CLASSES[code]
        face = MONO_POINT_FILLS[code] if ctx.options.mono else cls.color
        label = (
            tr("print.point_class", lang, name=cls.name(lang))
            if code != "D"
            else tr("print.resources", lang)
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
    entries.append(SymbolEntry(tr("print.boundary", lang), "line", boundary))
    neighbours = {"color": "#888888", "lw": 0.6, "ls": "--"}
    entries.append(SymbolEntry(tr("print.neighbours", lang), "line", neighbours))
    if coverage:
        style = uncovered_style(ctx.options.mono)
        entries.append(SymbolEntry(tr("print.uncovered", lang), "patch", style))
    if no_data:
        entries.append(
            SymbolEntry(tr("print.no_hazard_data", lang), "patch", NO_DATA_STYLE)
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
    table = [
        [
            r.style.name(lang),
            f"{r.cells:,}",
            f"{r.area_m2 / 1e6:.2f}",
            f"{100 * r.area_m2 / total:.1f}%",
        ]
        for r in rows
    ]
    header, widths = columns("print.level_head", lang), [0.34, 0.22, 0.24, 0.20]
    if "people" in cells.columns:  # exposure: people per level
        people = cells.groupby("level")["people"].sum()
        for row, r in zip(table, rows, strict=True):
            row.append(f"{people.get(int(r.style.level), 0.0):,.0f}")
        header = [*header, tr("print.people_head", lang)]
        widths = [0.26, 0.16, 0.2, 0.16, 0.22]
    y = draw_table(ax, (0, h), w, header, table, widths, size_pt=fs)
    y -= 2.5 * layout.k
    ax.text(
        0,
        y,
        tr("print.top_points", lang),
        fontsize=fs,
        weight="bold",
        va="top",
    )
    y -= fs * MM_PER_PT * 1.8
    table = _top_points(points, ctx)
    room = int((y - fs * MM_PER_PT * 1.7) / (fs * MM_PER_PT * 1.7))
    shown = table[: max(min(room, TABLE_POINTS), 0)]
    if not shown:
        ax.text(0, y, tr("print.no_points", lang), fontsize=fs, va="top")
        return
    y = draw_table(
        ax,
        (0, y),
        w,
        columns("print.points_head", lang),
        [row for row, _ in shown],
        [0.40, 0.18, 0.18, 0.24],
        size_pt=fs,
    )
    if len(table) > len(shown):
        ax.text(
            0,
            y - 0.8,
            tr("print.more_points", lang, n=len(table) - len(shown)),
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
                    display_text(p.get("name")),
                    display_text(p.get("type")),
                    name,
                    display_text(p.get("responsible")),
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
        [
            *columns("print.cover_head", ctx.options.lang),
            *(ctx.styles[lv].colour(ctx.options.lang).capitalize() for lv in RiskLevel),
        ],
        rows,
        [0.40, 0.20, 0.10, 0.10, 0.10, 0.10],
        size_pt=fs,
    )
    if len(table) > room:
        more = tr("print.more_communities", ctx.options.lang, n=len(table) - room)
        ax.text(0, y - 0.8, more, fontsize=fs * 0.9, va="top")


def _draw_footer(fig: Figure, ctx: PrintContext, plan: MapPlan) -> None:
    """Scale bar and scale, CRS note, data date, issuer, print date, font used."""
    layout = ctx.layout
    ax = mm_axes(fig, layout, layout.footer)
    k = layout.k
    bx, by, _, bh = plan.bar_rect
    x0, y0 = bx - layout.footer[0], by - layout.footer[1]
    lang = ctx.options.lang
    unit = tr("print.metres", lang)
    draw_scalebar(ax, x0, y0, plan.bar_m, plan.denom, height=bh, k=k, unit=unit)
    ax.text(
        x0,
        y0 + bh + 1.2 * k,
        tr("print.scale", lang, scale=format_scale(plan.denom)),
        fontsize=7 * k,
        va="bottom",
    )
    fs = 6.2 * k
    w, h = layout.footer[2:]
    left = 0.36 * w
    issuer = ctx.options.issuer or "________________"
    info = ctx.result.run_info
    lines = [
        ctx.crs_note,
        tr(
            "print.dates",
            lang,
            data=ctx.data_date,
            printed=ctx.print_date,
            issuer=issuer,
        ),
        tr("print.model", lang, model=info.model.summary(lang) or EMPTY),
        tr(
            "print.font",
            lang,
            font=ctx.font.family,
            version=info.riskmap_version,
        ),
    ]
    for i, text in enumerate(lines):
        ax.text(
            left, h - (1 + i * 1.6) * fs * MM_PER_PT * 1.5, text, fontsize=fs, va="top"
        )
