"""Partition planning and the cells' WKB: compact partitions, the same bytes.

The planner must keep every partition's area compact (a tile), whatever the
order of the communities, so the raster blocks a partition reads do not grow
with the province; the writer's packed squares must be the very bytes shapely
writes for the same cells.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pyarrow as pa
import shapely

from riskmap.core.engine import AUTO_WORKERS_FROM, auto_workers
from riskmap.core.partition import plan_partitions
from riskmap.domain import GridSpec
from riskmap.export.gpkg import as_multipolygons
from riskmap.export.result_stream import cells_wkb


def _ring_of_squares(n: int, side: float) -> gpd.GeoDataFrame:
    """*n* x *n* square communities listed in an L-shaped order (by distance
    max(x, y) from the south-west corner), like townships sorted by a code."""
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    i, j = i.ravel(), j.ravel()
    order = np.lexsort((i, np.maximum(i, j)))
    x0, y0 = 500_000.0, 3_000_000.0
    geoms = shapely.box(x0 + i * side, y0 + j * side, x0 + (i + 1) * side,
                        y0 + (j + 1) * side)  # fmt: skip
    frame = gpd.GeoDataFrame(geometry=geoms[order], crs="EPSG:4545")
    frame["community"] = [f"C{k}" for k in range(len(frame))]
    return frame


def test_partitions_stay_compact_whatever_the_order():
    """Each partition's bounding box is about a tile, not the whole province."""
    frame = _ring_of_squares(20, 5_000.0)  # 100 x 100 km, 2,500 cells a community
    max_cells = 20_000
    plan = plan_partitions(frame, GridSpec(100.0), max_cells)
    members = sorted(m for part in plan for m in part.members)
    assert members == list(range(len(frame)))  # every community exactly once
    for part in plan:
        minx, miny, maxx, maxy = frame.geometry.values[list(part.members)].total_bounds
        box_cells = (maxx - minx) * (maxy - miny) / 100.0**2
        assert box_cells <= 4 * max_cells, part
        assert list(part.members) == sorted(part.members)  # input order kept


def test_large_community_is_cut_into_bands():
    """A community larger than a partition becomes row bands covering it once."""
    frame = _ring_of_squares(1, 50_000.0)  # 250,000 cells
    plan = plan_partitions(frame, GridSpec(100.0), 20_000)
    assert len(plan) > 1
    rows = [part.rows for part in plan]
    assert all(r is not None for r in rows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))


def test_packed_squares_are_shapely_wkb():
    """Whole cells packed from row/column give shapely's bytes; clipped cells,
    nulls and --cells raster (whole cells left out) keep their place."""
    for size in (100.0, 30.0, 7.5):
        net = GridSpec(size)
        rng = np.random.default_rng(7)
        rows = rng.integers(0, int(9e6 / size), 400)
        cols = rng.integers(0, int(8e5 / size), 400)
        boxes = net.boxes(rows, cols)
        clipped = shapely.intersection(boxes[:100], boxes[0].centroid.buffer(size))
        geoms = np.concatenate([clipped, boxes[100:], [None]])
        full = np.arange(len(geoms)) >= 100
        full[-1] = False
        cells = gpd.GeoDataFrame(
            {"row": np.append(rows, 0), "col": np.append(cols, 0), "full": full},
            geometry=geoms,
        ).sample(frac=1.0, random_state=3)
        values = np.asarray(cells.geometry.values, dtype=object)
        expected = pa.array(shapely.to_wkb(as_multipolygons(values)), pa.binary())
        assert cells_wkb(cells, False, net).equals(expected)
        assert cells_wkb(cells, False, None).equals(expected)
        dropped = np.where(cells["full"], None, values)
        expected = pa.array(shapely.to_wkb(as_multipolygons(dropped)), pa.binary())
        assert cells_wkb(cells, True, net).equals(expected)


def test_auto_workers_only_for_large_runs():
    """A small run stays in one process; a large one gets up to two."""
    assert auto_workers(AUTO_WORKERS_FROM - 1) == 1
    assert 1 <= auto_workers(AUTO_WORKERS_FROM * 10) <= 2
