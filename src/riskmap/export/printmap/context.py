"""Shared state of a print export: options, styles, font, inset layer, hazard ramp,
and the map plan (scale, ground window, scale bar) of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pyogrio
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator
from pyproj import CRS

from riskmap.domain import LevelStyle, RiskLevel, RiskResult
from riskmap.export.printmap.layout import PageLayout, Rect, map_window
from riskmap.export.printmap.legend import HazardRamp
from riskmap.export.printmap.scalebar import scalebar_length
from riskmap.fonts import CjkFont
from riskmap.resources import sample_dir


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


def load_counties(result: RiskResult) -> gpd.GeoDataFrame | None:
    """The bundled county boundaries in the working CRS, when they exist."""
    path = sample_dir() / "bazhong_counties.geojson"
    if not path.exists():
        return None
    try:
        counties = gpd.read_file(path)
        return counties.to_crs(result.cells.crs)
    except (OSError, ValueError, pyogrio.errors.DataSourceError):  # fall back
        return None


def hazard_ramp(
    result: RiskResult, mono: bool, lang: str = "zh"
) -> tuple[str, HazardRamp] | None:
    """The hazard drawn as contours: the first raster hazard with cell means
    (of a hazard given for several return periods, the rarest scenario)."""
    hazards = result.info.get("hazards", [])
    rarest: dict[str, float] = {}
    for h in hazards:
        key = h.get("rule") or h.get("name")
        rarest[key] = max(rarest.get(key, 0.0), h.get("return_period") or 0.0)
    for hazard in hazards:
        key = hazard.get("rule") or hazard.get("name")
        if (hazard.get("return_period") or 0.0) < rarest[key]:
            continue
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


def plan_map(bounds: tuple[float, float, float, float], layout: PageLayout) -> MapPlan:
    """The map scale, ground window and scale bar of a page showing *bounds*."""
    denom, window = map_window(bounds, layout.map)
    bar_m = scalebar_length(denom, 0.28 * layout.footer[2])
    bar_mm = bar_m * 1000.0 / denom
    k = layout.k
    rect = (layout.footer[0] + 3 * k, layout.footer[1] + 6.5 * k, bar_mm, 2.2 * k)
    return MapPlan(denom, window, bar_m, rect)

