"""Shared state of a print export: options, styles, font, inset layer, hazard ramp,
and the map plan (scale, ground window, scale bar) of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.ticker import MaxNLocator
from pyproj import CRS

from riskmap.domain import (
    DEFAULT_RAMP,
    HazardInfo,
    LevelStyle,
    RiskLevel,
    RiskResult,
    ramp_colours,
)
from riskmap.export.printmap.layout import PageLayout, Rect, map_window
from riskmap.export.printmap.legend import HazardRamp
from riskmap.export.printmap.scalebar import scalebar_length
from riskmap.fonts import CjkFont
from riskmap.io.vectors import find_column, read_vector

MONO_RAMP = ("#909090", "#000000")  # contour greys with --mono


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
    inset_layer: Path | None = None  # context layer of the inset (e.g. counties)


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
    # each community's cells merged per level, made once for the cover and its page
    merged: dict[str, list[tuple[int, object]]] = field(default_factory=dict)


@dataclass(frozen=True)
class MapPlan:
    """The map frame of one page: its scale and ground window, and the scale bar."""

    denom: int
    window: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax (m)
    bar_m: float
    bar_rect: Rect  # page mm: x, y, length, height


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


INSET_NAME_FIELDS = ("name", "NAME", "名称", "县区", "区县", "county", "community")


def load_inset_layer(path: Path | None, crs: object) -> gpd.GeoDataFrame | None:
    """The inset's context layer (e.g. county boundaries) in the working CRS, with a
    ``name`` column for the caption; None when no layer was given."""
    if path is None:
        return None
    layer = read_vector(path).to_crs(crs)
    name = find_column(layer.columns, INSET_NAME_FIELDS)
    layer["name"] = layer[name].astype(str) if name else ""
    return layer


def hazard_ramp(
    result: RiskResult, mono: bool, lang: str = "zh"
) -> tuple[str, HazardRamp] | None:
    """The hazard drawn as contours: the first raster hazard with cell means
    (of a hazard given for several return periods, the rarest scenario), at the
    model's class breaks in the model's class colours (as the web map and the
    desktop app colour it)."""
    hazards = result.run_info.hazards
    rarest: dict[str, float] = {}
    for h in hazards:
        key = h.rule or h.name
        rarest[key] = max(rarest.get(key, 0.0), h.return_period or 0.0)
    for hazard in hazards:
        if (hazard.return_period or 0.0) < rarest[hazard.rule or hazard.name]:
            continue
        column = f"{hazard.name}_mean"
        if hazard.kind != "raster" or column not in result.cells:
            continue
        values = result.cells[column].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0 or values.max() <= values.min():
            continue
        lo, hi = float(values.min()), float(np.nanpercentile(values, 99.5))
        ramp = _contours(hazard, lo, hi, mono)
        if ramp is not None:
            return column, replace(ramp, label=hazard.label(lang))
    return None


def _contours(
    hazard: HazardInfo, lo: float, hi: float, mono: bool
) -> HazardRamp | None:
    """Contour values inside (lo, hi) with their colours: the model's breaks, each
    in the colour of the class above it; an older result without breaks gets round
    values along the default ramp."""
    if hazard.graded and hazard.breaks:
        breaks = list(hazard.breaks)
        colours = hazard.class_colours()[1:]
    else:
        breaks = [float(t) for t in MaxNLocator(nbins=5).tick_values(lo, hi)]
        colours = ramp_colours(DEFAULT_RAMP, len(breaks) + 1)[1:]
    if mono:
        colours = ramp_colours(MONO_RAMP, len(breaks))
    kept = [(b, c) for b, c in zip(breaks, colours, strict=True) if lo < b < hi]
    if not kept:
        return None
    return HazardRamp(
        hazard.name, hazard.unit, [b for b, _ in kept], [c for _, c in kept]
    )


def plan_map(bounds: tuple[float, float, float, float], layout: PageLayout) -> MapPlan:
    """The map scale, ground window and scale bar of a page showing *bounds*."""
    denom, window = map_window(bounds, layout.map)
    bar_m = scalebar_length(denom, 0.28 * layout.footer[2])
    bar_mm = bar_m * 1000.0 / denom
    k = layout.k
    rect = (layout.footer[0] + 3 * k, layout.footer[1] + 6.5 * k, bar_mm, 2.2 * k)
    return MapPlan(denom, window, bar_m, rect)
