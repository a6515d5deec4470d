"""One community's web map: gather its layers into a spec and render the HTML page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.domain import HazardInfo, LevelStyle, RiskLevel, RunInfo
from riskmap.export.symbols import types_by_class
from riskmap.export.webmap.cells import cells_spec, summary_text, uncovered_spec
from riskmap.export.webmap.exposure import exposure_panel, people_per_level
from riskmap.export.webmap.geometry import SCALE, encode_polygons, to_lonlat
from riskmap.export.webmap.html import (
    build_page,
    hazard_legend,
    levels_legend,
    symbols_legend,
    title_panel,
)
from riskmap.export.webmap.items import point_items, resource_items
from riskmap.export.webmap.raster import hazard_overlay, hillshade_overlay
from riskmap.export.webmap.text import tr
from riskmap.export.webmap.zones import zone_parts

RESOURCE_REACH_M = 1000.0  # resources this close to a community are drawn on its map
TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="
)
OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class PageOptions:
    """How every community map of one export is drawn."""

    basemap: str
    dem: Path | None
    tianditu_key: str | None
    lang: str
    styles: dict[RiskLevel, LevelStyle]


@dataclass
class CommunityLayers:
    """The parts of a RiskResult that belong to one community (picklable)."""

    community: dict
    boundary: gpd.GeoSeries
    cells: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    resources: gpd.GeoDataFrame | None
    coverage: gpd.GeoDataFrame | None
    info: RunInfo
    photos: pd.DataFrame | None = None  # ledger thumbnails of these points
    classes: tuple[list[str], list[list[str]]] = ([], [])  # per hazard class


def bbox_lonlat(boundary: gpd.GeoSeries, pad: float = 0.1) -> tuple[float, ...]:
    """The boundary's lon/lat box, widened by *pad* of its size on each side."""
    w, s, e, n = boundary.to_crs("EPSG:4326").total_bounds
    dx, dy = (e - w) * pad, (n - s) * pad
    return (w - dx, s - dy, e + dx, n + dy)


def render_community(layers: CommunityLayers, options: PageOptions) -> str:
    """The complete HTML of one community's map."""
    lang = options.lang
    bbox = bbox_lonlat(layers.boundary)
    origin = (round(bbox[0], 6), round(bbox[1], 6))
    geom = layers.boundary.union_all()
    name = str(layers.community.get("community") or layers.community["community_id"])
    spec = {
        "center": [(bbox[1] + bbox[3]) / 2, (bbox[0] + bbox[2]) / 2],
        "bounds": [[bbox[1], bbox[0]], [bbox[3], bbox[2]]],
        "text": _texts(lang),
        "levels": _level_specs(options.styles, lang),
        "symbols": {k: {"color": v} for k, v in _symbol_colours().items()},
        "boundary": {
            "scale": SCALE,
            "origin": list(origin),
            "polys": encode_polygons(to_lonlat([geom], layers.boundary.crs)[0], origin),
        },
        "cells": cells_spec(layers.cells, geom, layers.info, origin, lang),
        "uncovered": uncovered_spec(
            layers.coverage, str(layers.community["community_id"]), origin
        ),
        "points": point_items(
            layers.points, _hazard_labels(layers.info, lang), lang, layers.photos
        ),
        "resources": resource_items(layers.resources, lang),
        "base": _basemap(options, bbox),
        "hazards": _hazard_overlays(layers.info, options, bbox, origin),
    }
    spec["panels"] = _panels(layers, spec, name, options)
    return build_page(spec, tr("title", lang, name=name))


def _texts(lang: str) -> dict[str, str]:
    """Interface words the browser runtime uses."""
    keys = (
        "cell", "level", "score", "score_hazard", "score_points", "max", "mean",
        "frac", "top_class", "points", "no_data", "layer_levels", "layer_gridlines",
        "layer_boundary", "layer_points", "layer_resources", "layer_hillshade",
        "layer_none", "layer_osm", "layer_tianditu", "layer_tianditu_labels",
        "layer_uncovered", "layer_nodata", "no_hazard_data", "no_lookup",
    )  # fmt: skip
    return {k: tr(k, lang) for k in keys}


def _level_specs(styles: dict[RiskLevel, LevelStyle], lang: str) -> dict:
    """Colour, outline, text colour and names of each level for the runtime."""
    return {
        str(int(lv)): {
            "color": st.color,
            "line": st.color,
            "text": st.text,
            "label": st.name(lang),
            "short": tr("level_n", lang, n=int(lv)),
        }
        for lv, st in styles.items()
    }


def _symbol_colours() -> dict[str, str]:
    """GB/T 35649 class colours by class letter."""
    from riskmap.export.symbols import SYMBOL_CLASSES

    return {k: v.color for k, v in SYMBOL_CLASSES.items()}


def _hazard_labels(info: RunInfo, lang: str) -> dict[str, str]:
    """Popup labels of the per-hazard point columns."""
    return {h.name: h.label(lang) for h in info.hazards}


def _basemap(options: PageOptions, bbox) -> dict:
    """The base layer: an offline hillshade, nothing, or an online tile service."""
    if options.basemap == "osm":
        return {"kind": "tiles", "url": OSM, "label": "layer_osm", "max": 19}
    if options.basemap == "tianditu":
        key = options.tianditu_key or ""
        return {
            "kind": "tianditu",
            "vec": TIANDITU.replace("{layer}", "vec") + key,
            "cva": TIANDITU.replace("{layer}", "cva") + key,
        }
    if options.basemap == "hillshade" and options.dem is not None:
        overlay = hillshade_overlay(options.dem, bbox)
        if overlay is not None:
            return {"kind": "image", "url": overlay.url, "bounds": overlay.bounds}
    return {"kind": "none"}


def _hazard_overlays(info: RunInfo, options: PageOptions, bbox, origin) -> list[dict]:
    """Each hazard as a semi-transparent classed overlay with its own legend.

    Rasters become an image; zone layers become polygons coloured by class.
    The result's run_info names the files; one that is gone is left out (the
    export says which, see ``missing_hazard_files``).
    """
    out = []
    for i, hz in enumerate(info.hazards):
        if not Path(hz.path).is_file():
            continue
        label = hz.label(options.lang)
        layer = _hazard_layer(hz, bbox, origin)
        if layer is None:
            continue
        layer.update(
            label=label,
            legend=hazard_legend(label, hz.unit, layer.pop("classes")),
            legend_id=f"rm-legend-hz{i}",
            on=not out,
        )
        out.append(layer)
    return out


def missing_hazard_files(info: RunInfo) -> list[str]:
    """The hazard files run_info names that are no longer on disk."""
    return [h.path for h in info.hazards if not Path(h.path).is_file()]


def _hazard_layer(hz: HazardInfo, bbox, origin) -> dict | None:
    """The drawable part of one hazard: an image (raster) or class polygons (zones)."""
    if hz.kind == "zones":
        made = zone_parts(hz.path, hz.field or "", hz.model_rule, bbox, origin)
        if made is None:
            return None
        parts, classes = made
        return {"kind": "zones", "parts": parts, "classes": classes}
    raster = hazard_overlay(hz, bbox)
    if raster is None:
        return None
    overlay, classes = raster
    return {
        "kind": "image",
        "url": overlay.url,
        "bounds": overlay.bounds,
        "classes": classes,
    }


def _counts(row: dict, prefix: str) -> dict[int, int]:
    """{level: count} from fields such as cells_l1..cells_l4."""
    out = {}
    for k in range(1, 5):
        v = row.get(f"{prefix}_l{k}")
        out[k] = 0 if v is None or (isinstance(v, float) and np.isnan(v)) else int(v)
    return out


def _panels(layers: CommunityLayers, spec: dict, name: str, options) -> dict:
    """Title and legend panels (escaped HTML made here, never from raw data)."""
    lang, info = options.lang, layers.info
    date = info.data_date
    model_line = info.model.summary(lang)
    title = tr("title", lang, name=name)
    summary = summary_text(layers.community, info, lang)
    return {
        "title": title_panel(title, date, summary, model_line, lang)
        + exposure_panel(layers.community, info, options.styles, lang, layers.classes),
        "levels": levels_legend(
            options.styles,
            _counts(layers.community, "cells"),
            _counts(layers.community, "points"),
            lang,
            people_per_level(layers.community, lang),
            no_data=spec["cells"]["nodata_n"],
        ),
        "symbols": symbols_legend(
            lang, bool(spec["resources"]), types_by_class(layers.points, lang)
        )
        if spec["points"] or spec["resources"]
        else "",
    }
