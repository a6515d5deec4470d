"""The cell layer of a community web map: level areas, grid lines and per-cell data.

Fishnet cells are sent as one image of their levels (a pixel per cell, see
:mod:`riskmap.export.webmap.levels`) plus the grid lines of small maps, and
their attributes as packed columns (:mod:`riskmap.export.webmap.packed`) in
row-major order with a mask of the lattice places that hold a cell; the browser
finds the row and column under the mouse with :func:`lattice_locator` and the
cell's index from the mask. Any other grid (a user's
management grid) is sent cell by cell.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from rasterio import features
from rasterio.transform import from_origin

from riskmap.domain import GridSpec, HazardInfo, RunInfo
from riskmap.export.exposure_view import cell_rows
from riskmap.export.result_labels import column_label, driver_words
from riskmap.export.webmap.geometry import (
    SCALE,
    encode_lines,
    encode_polygons,
    fishnet_lines,
    lattice_locator,
    on_lattice,
    to_lonlat,
)
from riskmap.export.webmap.levels import level_overlay
from riskmap.export.webmap.packed import pack_numbers, pack_texts
from riskmap.export.webmap.text import tr

# above this many cells a map has no grid lines (at that scale they are a grey wash)
MAX_LINE_CELLS = 20_000

# Resource-type keys of the coverage fields (docs/RESULT_SCHEMA.md).
COVERAGE_KEYS = {
    "shelter": ("最近避难场所", "Nearest shelter"),
    "depot": ("最近物资储备点", "Nearest depot"),
    "medical": ("最近医疗点", "Nearest medical point"),
}


def cells_spec(
    cells: gpd.GeoDataFrame,
    boundary: object,
    info: RunInfo,
    origin_ll: tuple[float, float],
    lang: str,
) -> dict:
    """Everything the browser needs to draw and identify the cells of one community.

    Fishnet cells are put in row-major order, so that their place in the lattice
    mask gives their index; per-cell values travel as packed columns
    (:mod:`riskmap.export.webmap.packed`).
    """
    grid = info.grid
    locator = (
        lattice_locator(tuple(cells.total_bounds), cells.crs, grid)
        if on_lattice(cells, grid)
        else None
    )
    if locator is not None:
        cells = _row_major(cells)
        spec = _attributes(cells, info, lang)
        spec.update(_ids(cells))
        spec.update(_lattice_geometry(cells, boundary, grid, origin_ll))
        spec["locator"] = locator
        blank = _lattice_no_data_area(cells, boundary, grid)
    else:
        spec = _attributes(cells, info, lang)
        spec["ids"] = cells["cell_id"].astype(str).tolist()
        spec.update(_feature_geometry(cells, origin_ll))
        spec["locator"] = {"kind": "features"}
        blank = _no_data_area(cells)
    spec["scale"], spec["origin"] = SCALE, list(origin_ll)
    spec["nodata_polys"] = []
    if blank is not None:
        lonlat = to_lonlat([blank], cells.crs)[0]
        spec["nodata_polys"] = encode_polygons(lonlat, origin_ll)
    return spec


def _row_major(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells sorted by row, then column; of two with one row and column the later."""
    unique = cells.drop_duplicates(["row", "col"], keep="last")
    return unique.sort_values(["row", "col"], kind="stable").reset_index(drop=True)


def _no_data_area(cells: gpd.GeoDataFrame):
    """The area of the cells no hazard describes (hatched on the map), or None."""
    flags = _no_data_flags(cells)
    if flags is None or not flags.any():
        return None
    return shapely.union_all(cells.geometry.values[flags > 0], grid_size=0.01)


def _on_lattice(cells, values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """(*values* placed on the cells' row/column lattice, 0 elsewhere; r0; c0)."""
    row, col = cells["row"].to_numpy(), cells["col"].to_numpy()
    r0, c0 = int(row.min()), int(col.min())
    grid = np.zeros((int(row.max()) - r0 + 1, int(col.max()) - c0 + 1), "uint8")
    grid[row - r0, col - c0] = values
    return grid, r0, c0


def _lattice_no_data_area(cells, boundary, grid: GridSpec):
    """:func:`_no_data_area` of fishnet cells, traced on their lattice.

    Fishnet cells are their squares clipped to the community, so the area is
    the traced squares clipped once: seconds for a county, where dissolving
    300,000 cell polygons took more than a minute and a half.
    """
    flags = _no_data_flags(cells)
    if flags is None or not flags.any():
        return None
    lattice, r0, c0 = _on_lattice(cells, flags)
    size = grid.size
    transform = from_origin(float(grid.left(c0)), float(grid.top(r0)), size, size)
    squares = [
        shapely.geometry.shape(geom)
        for geom, _ in features.shapes(lattice, lattice > 0, 4, transform)
    ]
    traced = shapely.union_all(squares, grid_size=0.01)
    return shapely.intersection(traced, boundary, grid_size=0.01)


def _lattice_geometry(cells, boundary, grid, origin_ll) -> dict:
    """The level image, fishnet lines (small maps only) and the lattice mask.

    The mask has a 1 for every lattice place (row-major, from row ``r0`` and
    column ``c0``) that holds a cell; the k-th 1 is cell number k.
    """
    image = level_overlay(cells, boundary, grid, cells.crs)
    lines: list = []
    if len(cells) <= MAX_LINE_CELLS:
        net = fishnet_lines(boundary, grid)
        lines = encode_lines(to_lonlat([net], cells.crs)[0], origin_ll)
    mask, r0, c0 = _on_lattice(cells, np.ones(len(cells), dtype="uint8"))
    return {
        "parts": [],
        "image": {"url": image.url, "bounds": image.bounds},
        "lines": lines,
        "r0": r0,
        "c0": c0,
        "w": mask.shape[1],
        "h": mask.shape[0],
        "mask": pack_numbers(mask.ravel(), 0),
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


def _attributes(cells, info: RunInfo, lang) -> dict:
    """Per-cell packed columns: level, score parts, hazards, points, coverage..."""
    nodata = _no_data_flags(cells)
    return {
        "n": len(cells),
        "level": pack_numbers(cells["level"], 0),
        "score": pack_numbers(cells["score"], 3),
        "score_hazard": pack_numbers(cells["score_hazard"], 3),
        "score_points": pack_numbers(cells["score_points"], 3),
        "points": _points_columns(cells),
        "hazards": [_hazard_column(cells, h, lang) for h in info.hazards],
        "nodata": None if nodata is None else pack_numbers(nodata, 0),
        "nodata_n": 0 if nodata is None else int(nodata.sum()),
        "extra": [
            _text_row(row)
            for row in (
                *_driver_rows(cells, info, lang),
                *_coverage_rows(cells, lang),
                *cell_rows(cells, info, lang),
            )
        ],
    }


def _text_row(row: dict) -> dict:
    """A tooltip row with its per-cell texts packed."""
    return {"label": row["label"], "values": pack_texts(row["values"])}


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


def _no_data_flags(cells) -> np.ndarray | None:
    """1 for a cell no hazard describes, else 0 (None when the result cannot say)."""
    if "hazard_data" not in cells.columns:
        return None
    return (~cells["hazard_data"].fillna(True).astype(bool)).astype("uint8").to_numpy()


def _driver_rows(cells, info: RunInfo, lang: str) -> list[dict]:
    """The tooltip row saying why each cell has its level, in words of *lang*."""
    if "driver" not in cells.columns:
        return []
    labels = {h.name: h.label(lang) for h in info.hazards}
    values = [driver_words(d, lang, labels) or None for d in cells["driver"]]
    return [{"label": column_label("driver", lang), "values": values}]


def _points_columns(cells) -> list | None:
    """Risk points per cell: total, then levels 1-4 (None when the result has none)."""
    fields = ["points_n", *(f"points_l{k}" for k in range(1, 5))]
    if not set(fields) <= set(cells.columns):
        return None
    return [pack_numbers(cells[f].fillna(0).astype(int), 0) for f in fields]


def _hazard_column(cells, hazard: HazardInfo, lang) -> dict:
    """One hazard's values per cell, with what the tooltip needs to word them."""
    name = hazard.name
    out: dict[str, Any] = {"label": hazard.label(lang), "kind": hazard.kind}
    out["unit"] = hazard.unit
    if out["kind"] == "zones":
        classes = cells.get(f"{name}_class")
        out["cls"] = (
            pack_texts([None if v is None or v != v else str(v) for v in classes])
            if classes is not None
            else None
        )
    for stat in ("max", "mean", "frac"):
        col = f"{name}_{stat}"
        out[stat] = pack_numbers(cells[col], 3) if col in cells.columns else None
    if hazard.graded and hazard.class_names:
        out["names"], out["breaks"] = list(hazard.class_names), list(hazard.breaks)
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


def summary_text(community: dict, info: RunInfo, lang: str) -> str:
    """'N cells of S m' (or 'N management-grid cells') for the title panel."""
    size = info.grid.size
    if info.grid.kind != "fishnet":
        return tr("cells_grid", lang, n=community.get("cells_n", 0))
    return tr(
        "cells_total",
        lang,
        n=community.get("cells_n", 0),
        size=f"{size:g}" if size else "-",
    )
