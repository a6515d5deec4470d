"""Build the analysis cells: a square fishnet clipped to each community, or a user grid.

Fishnet cells are aligned to multiples of the cell size in the working CRS, so a
cell keeps its id (community id + row + column) when a boundary is edited or the
analysis is re-run.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from rasterio import features
from rasterio.transform import from_origin
from scipy import ndimage

from riskmap.domain import GridSpec
from riskmap.errors import EmptyOverlapError, InputDataError

MAX_CELL_SIZE_M = 100_000.0  # a 100 km cell is no longer a community grid
MAX_CELLS = 50_000_000  # hard cap, whatever the memory budget
CELLS_PER_MB = 8_000  # --memory-mb 256 allows 2 M cells (measured ~1.5 KB a cell)
BYTES_PER_CELL = 1_500


def check_cell_size(size: float) -> None:
    """A finite, positive cell size up to 100 km."""
    if not (np.isfinite(size) and 0 < size <= MAX_CELL_SIZE_M):
        raise InputDataError(
            f"--cell-size must be a number of metres above 0 and at most "
            f"{MAX_CELL_SIZE_M:,.0f}, got {size}"
        )


def estimate_cells(communities: gpd.GeoDataFrame, size: float) -> int:
    """About how many cells a fishnet of *size* metres gives (area / size² plus
    the clipped cells along each boundary), without building any."""
    area = float(communities.geometry.area.sum())
    edge = float(communities.geometry.length.sum())
    return int(area / size**2 + edge / size) + len(communities)


def check_cell_budget(n_cells: int, size: float, budget_mb: float | None) -> None:
    """Refuse a fishnet that would not fit: more cells than the hard cap or, for a
    run holding every cell in memory, than the budget allows (CELLS_PER_MB per MB
    of --memory-mb). A streamed run (``budget_mb`` None) has only the hard cap."""
    limit = MAX_CELLS
    if budget_mb is not None:
        limit = min(MAX_CELLS, int(budget_mb * CELLS_PER_MB))
    if n_cells <= limit:
        return
    gib = n_cells * BYTES_PER_CELL / 2**30
    fits = size * (n_cells / limit) ** 0.5
    why = (
        f"--memory-mb {budget_mb:g}, hard cap {MAX_CELLS:,}"
        if budget_mb is not None
        else "the hard cap"
    )
    raise InputDataError(
        f"--cell-size {size:g} m would make about {n_cells:,} cells (about "
        f"{gib:,.1f} GiB of memory); the limit is {limit:,} cells ({why}). "
        f"Use --cell-size {np.ceil(fits):g} or more, or fewer communities"
        + (", or a larger --memory-mb" if budget_mb is not None else "")
    )


CELL_COLUMNS = ["cell_id", "community_id", "community", "row", "col", "full", "area_m2"]


def build_fishnet(communities: gpd.GeoDataFrame, size: float) -> gpd.GeoDataFrame:
    """Cells of *size* metres over every community, clipped to its boundary.

    ``full`` marks cells that lie wholly inside their community (squares); the rest
    are clipped polygons.
    """
    check_cell_size(size)
    net = GridSpec(float(size))
    parts = [
        community_cells(geom, cid, name, net)
        for cid, name, geom in zip(
            communities["community_id"],
            communities["community"],
            communities.geometry,
            strict=True,
        )
    ]
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(cells) == 0:
        raise EmptyOverlapError(
            "the communities produced no grid cells; are they empty?"
        )
    return gpd.GeoDataFrame(cells, geometry="geometry", crs=communities.crs)


def community_cells(
    geom, cid: str, name: str, net: GridSpec, rows: tuple[int, int] | None = None
) -> pd.DataFrame:
    """Full and clipped cells of one community, optionally only fishnet rows [r0, r1).

    A band gives exactly the cells the whole community has in those rows, so a
    community can be computed in pieces (see :mod:`riskmap.core.partition`).
    """
    r0, r1, c0, c1 = cell_window(geom.bounds, net)
    if rows is not None:
        r0, r1 = max(r0, rows[0]), min(r1, rows[1])
    if r1 <= r0:
        return _empty_cells()
    # one row of margin each side, so the edge dilation sees the neighbours
    shape = (r1 - r0 + 2, c1 - c0)
    transform = from_origin(
        net.x0 + c0 * net.size, net.y0 - (r0 - 1) * net.size, net.size, net.size
    )
    centre_in = features.rasterize([geom], out_shape=shape, transform=transform) > 0
    edge = (
        features.rasterize(
            [geom.boundary], out_shape=shape, transform=transform, all_touched=True
        )
        > 0
    )
    edge = ndimage.binary_dilation(edge, structure=np.ones((3, 3), bool))
    centre_in, edge = centre_in[1:-1], edge[1:-1]
    full_r, full_c = np.nonzero(centre_in & ~edge)
    edge_r, edge_c = np.nonzero(edge)
    rows_ = np.concatenate([full_r, edge_r]) + r0
    cols_ = np.concatenate([full_c, edge_c]) + c0
    boxes = net.boxes(rows_, cols_)
    n_full = len(full_r)
    clipped = _clip_cells(boxes[n_full:], rows_[n_full:], cols_[n_full:], geom, net)
    geoms = np.concatenate([boxes[:n_full], _polygonal(clipped)])
    area = shapely.area(geoms)
    keep = area > 1e-6 * net.size**2
    frame = pd.DataFrame(
        {
            "cell_id": _cell_ids(cid, rows_[keep], cols_[keep]),
            "community_id": cid,
            "community": name,
            "row": rows_[keep],
            "col": cols_[keep],
            "full": np.arange(len(rows_))[keep] < n_full,
            "area_m2": area[keep],
        }
    )
    frame["geometry"] = geoms[keep]
    return frame


def cell_window(bounds, net: GridSpec) -> tuple[int, int, int, int]:
    """Fishnet rows [r0, r1) and columns [c0, c1) covering *bounds*."""
    minx, miny, maxx, maxy = bounds
    c0, c1 = int(net.col_of(minx)), int(net.col_of(maxx)) + 1
    r0, r1 = int(net.row_of(maxy)), int(net.row_of(miny)) + 1
    return r0, r1, c0, c1


def _empty_cells() -> pd.DataFrame:
    """A cell frame with the cell columns and no rows."""
    frame = pd.DataFrame(
        {
            "cell_id": pd.Series(dtype=object),
            "community_id": pd.Series(dtype=object),
            "community": pd.Series(dtype=object),
            "row": pd.Series(dtype="int64"),
            "col": pd.Series(dtype="int64"),
            "full": pd.Series(dtype=bool),
            "area_m2": pd.Series(dtype=float),
        }
    )
    frame["geometry"] = np.empty(0, dtype=object)
    return frame


def _clip_cells(boxes, rows, cols, geom, net: GridSpec, tile: int = 32) -> np.ndarray:
    """Intersect boundary cells with the community, tile by tile.

    Intersecting each cell with the whole (often 10,000-vertex) boundary costs
    O(vertices) per cell; clipping the boundary to tiles of *tile* x *tile* cells
    first keeps each intersection small. Tiles sit on the global fishnet, so a
    cell is clipped the same way whichever band of rows it is computed in.
    """
    out = np.empty(len(boxes), dtype=object)
    keys = (rows // tile) * 10_000_000 + cols // tile
    for key in np.unique(keys):
        sel = np.flatnonzero(keys == key)
        tr, tc = divmod(int(key), 10_000_000)
        x0 = net.x0 + tc * tile * net.size
        y1 = net.y0 - tr * tile * net.size
        tile_box = shapely.box(x0, y1 - tile * net.size, x0 + tile * net.size, y1)
        piece = shapely.intersection(geom, tile_box)
        out[sel] = shapely.intersection(boxes[sel], piece)
    return out


def _cell_ids(cid: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Ids ``<community>-<row>-<col>``, joined column-wise by Arrow (fast)."""
    ids = pc.binary_join_element_wise(
        pa.scalar(f"{cid}-"),
        pc.cast(pa.array(rows), pa.string()),
        pa.scalar("-"),
        pc.cast(pa.array(cols), pa.string()),
        "",
    )
    return ids.to_numpy(zero_copy_only=False).astype(object)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only polygon parts of intersection results (drop lines and points)."""
    out = np.asarray(geoms, dtype=object).copy()
    mixed = shapely.get_type_id(out) == 7  # GeometryCollection
    for k in np.flatnonzero(mixed):
        polys = [g for g in out[k].geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        out[k] = shapely.union_all(polys) if polys else shapely.Polygon()
    return out


def grid_from_polygons(
    grid: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, id_field: str | None
) -> gpd.GeoDataFrame:
    """Use a management-grid layer (网格 polygons) as the cells.

    Each grid polygon belongs to the community it overlaps most; polygons outside
    every community are dropped.
    """
    ids = _grid_ids(grid, id_field)
    grid = gpd.GeoDataFrame(
        {"cell_id": ids}, geometry=grid.geometry.values, crs=grid.crs
    )
    pairs = gpd.overlay(
        grid.reset_index(names="_g"),
        communities[["community_id", "community", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    if len(pairs) == 0:
        raise EmptyOverlapError("no grid polygon overlaps any community")
    pairs["_a"] = pairs.geometry.area
    best = (
        pairs.sort_values("_a", ascending=False).drop_duplicates("_g").set_index("_g")
    )
    cells = grid.loc[best.index].copy()
    cells["community_id"] = best["community_id"].values
    cells["community"] = best["community"].values
    cells["row"] = -1
    cells["col"] = -1
    cells["full"] = False
    cells["area_m2"] = cells.geometry.area
    return cells[[*CELL_COLUMNS, "geometry"]].reset_index(drop=True)


def _grid_ids(grid: gpd.GeoDataFrame, id_field: str | None) -> list[str]:
    """Cell ids from *id_field*, a grid-code column, or the feature order."""
    if id_field:
        if id_field not in grid.columns:
            raise InputDataError(
                f"grid layer has no field {id_field!r}; "
                f"fields: {', '.join(map(str, grid.columns))}"
            )
        ids = grid[id_field].astype(str)
        if ids.duplicated().any():
            raise InputDataError(f"grid field {id_field!r} has duplicate values")
        return ids.tolist()
    return [f"G{i:05d}" for i in range(len(grid))]
