"""Geometry for the web maps: dissolved level areas, compact coordinates, cell lookup.

Coordinates go to the browser as integers in units of 1e-6 degree (about 0.1 m):
the first vertex of a ring relative to a map origin, every later vertex as the
difference from the one before. That is lossless at the data's 0.1 m precision
and about half the size of decimal GeoJSON.

A fishnet cell is found under the mouse without sending its polygon: a cubic
polynomial fitted here maps longitude/latitude to the working CRS (and back, for
the highlight), and row/column follow from the fishnet origin and cell size.

Examples
--------
>>> import shapely
>>> encode_polygons(shapely.box(0, 0, 1e-5, 2e-5), (0.0, 0.0))
[[[10, 0, 0, 20, -10, 0, 0, -20]]]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from riskmap.domain import GridSpec

SCALE = 1_000_000  # integer units per degree
CUBIC = [(i, j) for i in range(4) for j in range(4 - i)]


def encode_ring(coords: np.ndarray, origin: tuple[float, float], closed: bool) -> list:
    """Flat integer list ``[x0, y0, dx1, dy1, ...]`` of one ring or line."""
    q = np.round((np.asarray(coords)[:, :2] - origin) * SCALE).astype(np.int64)
    if closed and len(q) > 1:
        q = q[:-1]
    if len(q) > 1:
        keep = np.concatenate([[True], np.any(q[1:] != q[:-1], axis=1)])
        q = q[keep]
    deltas = np.vstack([q[:1], np.diff(q, axis=0)])
    return deltas.ravel().tolist()


def encode_polygons(geom, origin: tuple[float, float]) -> list:
    """Polygon/MultiPolygon as a list of polygons, each a list of encoded rings."""
    out = []
    for part in shapely.get_parts(geom):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        rings = [part.exterior, *part.interiors]
        encoded = [encode_ring(np.asarray(r.coords), origin, True) for r in rings]
        if len(encoded[0]) >= 6:
            out.append([r for r in encoded if len(r) >= 6])
    return out


def encode_lines(geom, origin: tuple[float, float]) -> list:
    """LineString/MultiLineString as a list of encoded lines."""
    parts = shapely.get_parts(shapely.line_merge(geom)) if not geom.is_empty else []
    lines = [encode_ring(np.asarray(p.coords), origin, False) for p in parts]
    return [line for line in lines if len(line) >= 4]


def to_lonlat(geoms, crs) -> np.ndarray:
    """Geometries from *crs* to EPSG:4326 longitude/latitude."""
    series = gpd.GeoSeries(np.atleast_1d(np.asarray(geoms, dtype=object)), crs=crs)
    return series.to_crs("EPSG:4326").values


def dissolve_levels(cells: gpd.GeoDataFrame, size: float) -> list[tuple[int, object]]:
    """One (level, merged polygon) per level present, in the cells' CRS.

    Fishnet cells form a coverage, so GEOS coverage union merges them in linear
    time; a 1 cm simplification then drops the corners left along straight edges.
    """
    out = []
    levels = cells["level"].to_numpy()
    geoms = cells.geometry.to_numpy()
    for level in sorted(set(levels.tolist())):
        merged = merge_cells(geoms[levels == level], size * 1e-6)
        out.append((int(level), shapely.simplify(merged, size * 1e-4)))
    return out


def merge_cells(geoms: np.ndarray, grid_size: float) -> object:
    """Cells merged into one (multi)polygon.

    Cells of a community form a coverage, so GEOS coverage union merges them in
    linear time (a full union of a million cells takes minutes); cells that do
    not (overlapping user-grid cells) fall back to a union on *grid_size*.
    """
    merged = shapely.coverage_union_all(geoms)
    if not merged.is_valid:
        merged = shapely.union_all(geoms, grid_size=grid_size)
    return merged


def on_lattice(cells: gpd.GeoDataFrame, grid: GridSpec) -> bool:
    """True when the cells lie on *grid*'s lattice (whole cells on their squares),
    so the browser can find a cell from its row and column."""
    if len(cells) == 0 or not grid.is_lattice or (cells["row"] < 0).any():
        return False
    full = cells[cells["full"].astype(bool)]
    if len(full):
        b = full.geometry.bounds
        dx = b["minx"] - grid.left(full["col"])
        dy = b["maxy"] - grid.top(full["row"])
        if max(dx.abs().max(), dy.abs().max()) > grid.size * 1e-6:
            return False
    return True


def _terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cubic polynomial terms u^i v^j (the order the browser evaluates them in)."""
    return np.stack([u**i * v**j for i, j in CUBIC], axis=-1)


def _fit(u, v, target) -> np.ndarray:
    """Least-squares cubic coefficients mapping (u, v) to *target*."""
    coef, *_ = np.linalg.lstsq(_terms(u, v), target, rcond=None)
    return coef


def _poly(src: np.ndarray, dst: np.ndarray) -> dict:
    """Fit a cubic src -> dst (both n x 2) on inputs normalised to about [-1, 1]."""
    centre = src.mean(axis=0)
    span = float(np.ptp(src, axis=0).max() / 2) or 1.0
    u, v = ((src - centre) / span).T
    cx, cy = _fit(u, v, dst[:, 0]), _fit(u, v, dst[:, 1])
    return {
        "u0": float(centre[0]),
        "v0": float(centre[1]),
        "s": span,
        "cx": cx.tolist(),
        "cy": cy.tolist(),
    }


def _apply(spec: dict, pts: np.ndarray) -> np.ndarray:
    """Evaluate a fitted polynomial at n x 2 points."""
    u = (pts[:, 0] - spec["u0"]) / spec["s"]
    v = (pts[:, 1] - spec["v0"]) / spec["s"]
    t = _terms(u, v)
    return np.stack([t @ np.asarray(spec["cx"]), t @ np.asarray(spec["cy"])], axis=-1)


def lattice_locator(
    bounds: tuple[float, float, float, float], crs: CRS, grid: GridSpec
) -> dict | None:
    """Polynomials lon/lat <-> working CRS over *bounds*, or None if not exact enough.

    Exact enough means an error below 1/500 of a cell (20 cm for 100 m cells)
    everywhere in the bounds; a cubic achieves millimetres over a county.
    """
    minx, miny, maxx, maxy = bounds
    size = pad = grid.size
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    fit_xy = _grid(minx - pad, miny - pad, maxx + pad, maxy + pad, 16)
    fit_ll = np.stack(to_ll.transform(fit_xy[:, 0], fit_xy[:, 1]), axis=-1)
    fwd = _poly(fit_ll, fit_xy)
    inv = _poly(fit_xy, fit_ll)
    check_xy = _grid(minx, miny, maxx, maxy, 23) + size * 0.37
    check_ll = np.stack(to_ll.transform(check_xy[:, 0], check_xy[:, 1]), axis=-1)
    err_xy = np.abs(_apply(fwd, check_ll) - check_xy).max()
    err_ll = np.abs(_apply(inv, check_xy) - check_ll).max() * 111_320
    if not np.isfinite([err_xy, err_ll]).all() or max(err_xy, err_ll) > size / 500:
        return None
    return {
        "kind": "lattice",
        "size": float(size),
        "x0": grid.x0,
        "y0": grid.y0,
        "fwd": fwd,
        "inv": inv,
    }


def _grid(minx: float, miny: float, maxx: float, maxy: float, n: int) -> np.ndarray:
    """n x n points spanning a box, as an (n*n) x 2 array."""
    xs, ys = np.meshgrid(np.linspace(minx, maxx, n), np.linspace(miny, maxy, n))
    return np.stack([xs.ravel(), ys.ravel()], axis=-1)


def fishnet_lines(geom, grid: GridSpec):
    """The fishnet's row and column lines clipped to *geom* (in its CRS)."""
    minx, miny, maxx, maxy = geom.bounds
    cols = np.arange(grid.col_of(minx), grid.col_of(maxx) + 2)
    rows = np.arange(grid.row_of(maxy), grid.row_of(miny) + 2)
    xs, ys = grid.left(cols), grid.top(rows)
    vertical = [shapely.LineString([(x, miny), (x, maxy)]) for x in xs]
    horizontal = [shapely.LineString([(minx, y), (maxx, y)]) for y in ys]
    lines = shapely.intersection(np.array(vertical + horizontal, dtype=object), geom)
    return shapely.union_all(lines[~shapely.is_empty(lines)])
