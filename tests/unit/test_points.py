"""Risk points: containing cell and distance-decayed influence."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from riskmap.core.grid import build_fishnet
from riskmap.core.points import point_effect
from riskmap.model import load_model


@pytest.fixture
def cells():
    """A 1 km square of 100 m cells."""
    comm = gpd.GeoDataFrame(
        {"community_id": ["A"], "community": ["a"]},
        geometry=[shapely.box(500_000, 3_500_000, 501_000, 3_501_000)],
        crs="EPSG:4545",
    )
    return build_fishnet(comm, 100)


def _points(xy, types, levels):
    return gpd.GeoDataFrame(
        {"type": types, "level": levels},
        geometry=gpd.points_from_xy(*zip(*xy, strict=True)),
        crs="EPSG:4545",
    )


def test_influence_decays_linearly_with_distance(cells):
    """A level-1 滑坡 point (radius 300 m): 1.0 in its cell, 1 - d/300 further away."""
    model = load_model()
    pts = _points([(500_450, 3_500_450)], ["滑坡"], [1])
    effect = point_effect(cells, pts, model)
    own = cells.geometry.contains(pts.geometry.iloc[0]).to_numpy()
    assert effect.influence[own].tolist() == [1.0]
    dist = shapely.distance(cells.geometry.values, pts.geometry.iloc[0])
    expected = np.clip(1 - dist / 300, 0, None)
    np.testing.assert_allclose(effect.influence, expected)
    assert effect.count.sum() == 1
    assert effect.count_by_level[own, 0].tolist() == [1]


def test_largest_contribution_wins(cells):
    """Two points on one cell: the cell takes the larger influence, counts both."""
    model = load_model()
    pts = _points(
        [(500_050, 3_500_050), (500_060, 3_500_060)], ["危房", "危房"], [4, 2]
    )
    effect = point_effect(cells, pts, model)
    assert effect.influence.max() == pytest.approx(model.level_base[2])
    assert effect.count.max() == 2


def test_point_on_a_shared_edge_is_counted_once(cells):
    """A point exactly on the edge between two cells belongs to one of them."""
    pts = _points([(500_100, 3_500_050)], ["危房"], [3])
    effect = point_effect(cells, pts, load_model())
    assert effect.count.sum() == 1


def test_point_outside_every_cell(cells):
    """A point far away is not in any cell and influences nothing."""
    pts = _points([(600_000, 3_600_000)], ["危房"], [1])
    effect = point_effect(cells, pts, load_model())
    assert effect.cell_of_point.tolist() == [-1]
    assert effect.influence.max() == 0
