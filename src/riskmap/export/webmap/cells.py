"""The cell layer of a community web map: level areas, grid lines and per-cell data.

Fishnet cells are sent as one image of their levels (a pixel per cell, see
:mod:`riskmap.export.webmap.levels`) plus the grid lines of small maps, and
their attributes as columns indexed by row and column; the browser finds
the cell under the mouse with :func:`lattice_locator`. Any other grid (a user's
management grid) is sent cell by cell.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from riskmap.export.exposure_view import cell_rows
from riskmap.export.result_labels import column_label, driver_words
from riskmap.export.webmap.geometry import (
    SCALE,
    encode_lines,
    encode_polygons,
    fishnet_lines,
    fishnet_origin,
    lattice_locator,
    to_lonlat,
)
from riskmap.export.webmap.levels import level_overlay
from riskmap.export.webmap.text import tr
from riskmap.model import RiskModel

# above this many cells a map has no grid lines (at that scale they are a grey wash)
MAX_LINE_CELLS = 20_000

# Resource-type keys of the coverage fields (docs/RESULT_SCHEMA.md).
COVERAGE_KEYS = {
    "shelter": ("最近避难场所", "Nearest shelter"),
    "depot": ("最近物资储备点", "Nearest depot"),
    "medical": ("最近医疗点", "Nearest medical point"),
}


def column(values: Any, digits: int) -> list:
    """Numbers rounded to *digits* as a JSON list; NaN and None become null."""
    out = []
    for v in np.asarray(values, dtype="float64").tolist():
        out.append(None if math.isnan(v) else round(v, digits))
    return out


def cells_spec(
    cells: gpd.GeoDataFrame,
    boundary: object,
    info: dict,
    model: RiskModel | None,
    origin_ll: tuple[float, float],
    lang: str,
) -> dict:
    """Everything the browser needs to draw and identify the cells of one community."""
    size = float(info.get("cell_size_m") or 0)
    spec = _attributes(cells, info, model, lang)
    spec["scale"], spec["origin"] = SCALE, list(origin_ll)
    fish = fishnet_origin(cells, size) if info.get("grid") == "fishnet" else None
    locator = (
        lattice_locator(tuple(cells.total_bounds), cells.crs, size, fish)
        if fish is not None
        else None
    )
    if locator is not None:
        spec.update(_lattice_geometry(cells, boundary, size, fish, origin_ll))
        spec["locator"] = locator
    else:
        spec.update(_feature_geometry(cells, origin_ll))
        spec["locator"] = {"kind": "features"}
    spec["nodata_polys"] = _no_data_area(cells, origin_ll)
    return spec


def _no_data_area(cells: gpd.GeoDataFrame, origin_ll) -> list:
    """The encoded area of the cells no hazard describes (hatched on the map)."""
    if "hazard_data" not in cells.columns:
        return []
    blank = cells[~cells["hazard_data"].fillna(True).astype(bool)]
    if len(blank) == 0:
        return []
    merged = shapely.union_all(blank.geometry.values, grid_size=0.01)
    return encode_polygons(to_lonlat([merged], cells.crs)[0], origin_ll)


def _lattice_geometry(cells, boundary, size, fish, origin_ll) -> dict:
    """The level image, fishnet lines (small maps only) and cell rows/columns."""
    image = level_overlay(cells, boundary, size, fish, cells.crs)
    lines: list = []
    if len(cells) <= MAX_LINE_CELLS:
        grid = fishnet_lines(boundary, size, fish)
        lines = encode_lines(to_lonlat([grid], cells.crs)[0], origin_ll)
    row, col = cells["row"].to_numpy(), cells["col"].to_numpy()
    return {
        "parts": [],
        "image": {"url": image.url, "bounds": image.bounds},
        "lines": lines,
        "r0": int(row.min()),
        "c0": int(col.min()),
        "row": (row - row.min()).tolist(),
        "col": (col - col.min()).tolist(),
    }


def _feature_geometry(cells, origin_ll) -> dict:
    """One polygon per cell (user grids), each carrying its index."""
    geoms = to_lonlat(cells.geometry.values, cells.crs)
    levels = cells["level"].astype(int).tolist()
    parts = [
        {"level": lv, "polys": encode_polygons(g, origin_ll), "i": i}
        for i, (lv, g) in enumerate(zip(levels, geoms, strict=True))
    ]
    return {"parts": parts, "lines": []}


def _attributes(cells, info, model, lang) -> dict:
    """Per-cell columns: id, level, score parts, hazards, points, coverage."""
    spec: dict[str, Any] = {
        "n": len(cells),
        "level": cells["level"].astype(int).tolist(),
        "score": column(cells["score"], 3),
        "score_hazard": column(cells["score_hazard"], 3),
        "score_points": column(cells["score_points"], 3),
        "points": _points_column(cells),
        "hazards": [_hazard_column(cells, h, model, lang) for h in info["hazards"]],
        "nodata": _no_data_column(cells),
        "extra": [
            *_driver_rows(cells, info, lang),
            *_coverage_rows(cells, lang),
            *cell_rows(cells, info, lang),
        ],
    }
    spec.update(_ids(cells))
    return spec


def _ids(cells) -> dict:
    """Cell ids as a prefix plus row/column when they follow it, else a list."""
    ids = cells["cell_id"].astype(str).tolist()
    if (cells["row"] >= 0).all() and cells["community_id"].nunique() == 1:
        prefix = f"{cells['community_id'].iloc[0]}-"
        rebuilt = [
            f"{prefix}{r}-{c}" for r, c in zip(cells["row"], cells["col"], strict=False)
        ]
        if rebuilt == ids:
            return {"prefix": prefix}
    return {"ids": ids}


def _no_data_column(cells) -> list | None:
    """1 for a cell no hazard describes, else 0 (None when the result cannot say)."""
    if "hazard_data" not in cells.columns:
        return None
    return (~cells["hazard_data"].fillna(True).astype(bool)).astype(int).tolist()


def _driver_rows(cells, info: dict, lang: str) -> list[dict]:
    """The tooltip row saying why each cell has its level, in words of *lang*."""
    if "driver" not in cells.columns:
        return []
    key = "label_en" if lang == "en" else "label_zh"
    labels = {h["name"]: h.get(key) or h["name"] for h in info.get("hazards", [])}
    values = [driver_words(d, lang, labels) or None for d in cells["driver"]]
    return [{"label": column_label("driver", lang), "values": values}]


def _points_column(cells) -> list:
    """[total, L1, L2, L3, L4] risk points per cell, or null where there are none."""
    fields = ["points_n", *(f"points_l{k}" for k in range(1, 5))]
    if not set(fields) <= set(cells.columns):
        return [None] * len(cells)
    table = cells[fields].fillna(0).astype(int).to_numpy()
    return [row.tolist() if row[0] else None for row in table]


def _hazard_column(cells, hazard: dict, model, lang) -> dict:
    """One hazard's values per cell, with what the tooltip needs to word them."""
    name = hazard["name"]
    rule = model.hazards.get(hazard.get("rule") or name) if model is not None else None
    label = hazard.get("label_en" if lang == "en" else "label_zh") or name
    out: dict[str, Any] = {"label": label, "kind": hazard.get("kind", "raster")}
    out["unit"] = hazard.get("unit") or ""
    if out["kind"] == "zones":
        classes = cells.get(f"{name}_class")
        out["cls"] = (
            [None if v is None or v != v else str(v) for v in classes]
            if classes is not None
            else None
        )
    for stat, digits in (("max", 3), ("mean", 3), ("frac", 3)):
        col = f"{name}_{stat}"
        out[stat] = column(cells[col], digits) if col in cells.columns else None
    if rule is not None and rule.class_names:
        out["names"], out["breaks"] = list(rule.class_names), list(rule.breaks)
    return out


def _coverage_rows(cells, lang: str) -> list[dict]:
    """Tooltip rows for the emergency-resource coverage fields, when present."""
    rows = []
    yes, no = ("服务范围内", "覆盖外") if lang != "en" else ("covered", "not covered")
    for key, (zh, en) in COVERAGE_KEYS.items():
        dist, covered = f"{key}_dist_m", f"{key}_covered"
        if dist not in cells.columns:
            continue
        flags = (
            cells[covered].fillna(False).astype(bool).tolist()
            if covered in cells.columns
            else [None] * len(cells)
        )
        values = [
            None
            if d != d
            else f"{d:,.0f} m" + ("" if f is None else f" ({yes if f else no})")
            for d, f in zip(cells[dist].astype(float).tolist(), flags, strict=False)
        ]
        rows.append({"label": en if lang == "en" else zh, "values": values})
    return rows


def uncovered_spec(coverage: gpd.GeoDataFrame | None, cid: str, origin_ll) -> list:
    """Encoded areas of community *cid* that no shelter serves (empty when unknown)."""
    if coverage is None or len(coverage) == 0:
        return []
    mask = (
        (coverage["community_id"].astype(str) == cid)
        & (coverage["resource_type"] == "shelter")
        & (coverage["status"] == "uncovered")
    )
    rows = coverage[mask]
    if len(rows) == 0:
        return []
    merged = shapely.union_all(rows.geometry.values)
    return encode_polygons(to_lonlat([merged], coverage.crs)[0], origin_ll)


def summary_text(community: dict, info: dict, lang: str) -> str:
    """'N cells of S m' (or 'N management-grid cells') for the title panel."""
    size = info.get("cell_size_m")
    if info.get("grid") != "fishnet":
        return tr("cells_grid", lang, n=community.get("cells_n", 0))
    return tr(
        "cells_total",
        lang,
        n=community.get("cells_n", 0),
        size=f"{size:g}" if isinstance(size, int | float) else "-",
    )
