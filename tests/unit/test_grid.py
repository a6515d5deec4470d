"""The fishnet: stable ids, exact clipping, areas that add up."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from riskmap.core.grid import build_fishnet, grid_from_polygons
from riskmap.errors import InputDataError


def _communities(*geoms):
    return gpd.GeoDataFrame(
        {
            "community_id": [f"C{i}" for i in range(len(geoms))],
            "community": [f"c{i}" for i in range(len(geoms))],
        },
        geometry=list(geoms),
        crs="EPSG:4545",
    )


def test_cells_cover_the_community_exactly():
    """Cell areas add up to the community area; clipped cells stay inside."""
    geom = shapely.Point(500_050, 3_500_020).buffer(1234.5)
    cells = build_fishnet(_communities(geom), 100)
    assert cells["area_m2"].sum() == pytest.approx(geom.area, rel=1e-9)
    assert shapely.within(cells.geometry.values, geom.buffer(1e-6)).all()
    full = cells[cells["full"]]
    assert np.allclose(full["area_m2"], 10_000)
    assert cells["cell_id"].is_unique


def test_ids_are_stable_when_the_boundary_changes():
    """A cell keeps its id when the community grows around it."""
    small = build_fishnet(
        _communities(shapely.box(500_000, 3_500_000, 501_000, 3_501_000)), 100
    )
    big = build_fishnet(
        _communities(shapely.box(499_000, 3_499_000, 502_000, 3_502_000)), 100
    )
    assert set(small["cell_id"]) <= set(big["cell_id"])
    assert len(small) == 100


def test_community_with_hole_and_parts():
    """Holes are left out and multipolygon parts all get cells."""
    outer = shapely.box(0, 0, 1000, 1000).difference(shapely.box(300, 300, 700, 700))
    other = shapely.box(2000, 0, 2150, 150)
    geom = shapely.MultiPolygon([outer, other])
    cells = build_fishnet(_communities(geom), 100)
    assert cells["area_m2"].sum() == pytest.approx(geom.area)
    assert not cells.geometry.intersects(shapely.box(350, 350, 650, 650)).any()


def test_bad_cell_size():
    """A zero or negative cell size is an input error."""
    with pytest.raises(InputDataError, match="cell-size"):
        build_fishnet(_communities(shapely.box(0, 0, 10, 10)), 0)


def test_user_grid_takes_the_community_it_overlaps_most():
    """Management-grid polygons are assigned to the community of largest overlap."""
    comms = _communities(shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100))
    grid = gpd.GeoDataFrame(
        {"网格编码": ["G1", "G2"]},
        geometry=[shapely.box(0, 0, 130, 50), shapely.box(400, 0, 500, 50)],
        crs="EPSG:4545",
    )
    cells = grid_from_polygons(grid, comms, "网格编码")
    assert cells["cell_id"].tolist() == ["G1"]
    assert cells["community_id"].tolist() == ["C0"]
