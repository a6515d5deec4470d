"""Exact zonal statistics against hand computation and exactextract."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from tests.helpers import write_raster

from riskmap.core import zonal
from riskmap.core.grid import build_fishnet
from riskmap.domain import GridSpec

exactextract = pytest.importorskip("exactextract")


def test_hand_computed_single_cell(tmp_path):
    """A 10 m cell over four 10 m pixels offset by 5 m: each pixel covers 1/4."""
    data = np.array([[1, 2], [3, -9999]], dtype="float32")
    path = write_raster(
        tmp_path / "h.tif", data, transform=from_origin(95, 10_000_005, 10, 10)
    )
    with rasterio.open(path) as src:
        stats = zonal.rectangle_stats(
            src, 0.0, 1e7, 10.0, np.array([0]), np.array([10]), 1.5
        )
    # valid pixels 1, 2, 3 each with coverage 0.25
    assert stats.mean[0] == pytest.approx(2.0)
    assert stats.max[0] == 3.0
    assert stats.frac[0] == pytest.approx(2 / 3)
    assert stats.sum[0] == pytest.approx(0.25 * (1 + 2 + 3))


def test_polygon_path_matches_rectangle_path(flood_tif):
    """The shapely path and the separable path agree on the same squares."""
    net = GridSpec(100.0)
    rows = np.arange(65000, 65010).repeat(5)
    cols = np.tile(np.arange(5000, 5005), 10)
    with rasterio.open(flood_tif) as src:
        rect = zonal.rectangle_stats(src, net.x0, net.y0, 100.0, rows, cols, 1.0)
        poly = zonal.polygon_stats(src, net.boxes(rows, cols), 1.0)
    for name in zonal.STAT_NAMES:
        np.testing.assert_allclose(getattr(rect, name), getattr(poly, name), rtol=1e-9)


def _ours(src, cells, threshold, budget_mb=256.0):
    """Run both paths as the pipeline does."""
    full = cells["full"].to_numpy()
    out = zonal.CellStats.empty(len(cells))
    net = GridSpec(100.0)
    rect = zonal.rectangle_stats(
        src,
        net.x0,
        net.y0,
        100.0,
        cells["row"].values[full],
        cells["col"].values[full],
        threshold,
        budget_mb,
    )
    poly = zonal.polygon_stats(src, cells.geometry.values[~full], threshold, budget_mb)
    for name in zonal.STAT_NAMES:
        getattr(out, name)[full] = getattr(rect, name)
        getattr(out, name)[~full] = getattr(poly, name)
    return out


@pytest.mark.parametrize("budget_mb", [256.0, 0.05])
def test_matches_exactextract(tmp_path, flood_tif, hazard_array, budget_mb):
    """Mean, max and share above threshold equal exactextract within 1e-6 relative.

    The tiny budget forces many raster windows: results must not change.
    """
    disc = shapely.Point(500_003.7 + 2500, 3_500_011.3 - 2600).buffer(1800)
    comm = gpd.GeoDataFrame(
        {"community_id": ["A"], "community": ["a"]}, geometry=[disc], crs="EPSG:4545"
    )
    cells = build_fishnet(comm, 100.0)
    assert cells["full"].any()
    assert (~cells["full"]).any()
    with rasterio.open(flood_tif) as src:
        ours = _ours(src, cells, 1.0, budget_mb)
    ref = exactextract.exact_extract(
        str(flood_tif), cells, ["mean", "max", "sum"], output="pandas"
    )
    np.testing.assert_allclose(ours.mean, ref["mean"], rtol=1e-6)
    np.testing.assert_allclose(np.nan_to_num(ours.sum), ref["sum"], rtol=1e-6)
    np.testing.assert_array_equal(ours.max, ref["max"])
    above = np.where(hazard_array == -9999, -9999, (hazard_array > 1.0)).astype(
        "float32"
    )
    binary = write_raster(tmp_path / "above.tif", above)
    ref_frac = exactextract.exact_extract(str(binary), cells, ["mean"], output="pandas")
    np.testing.assert_allclose(ours.frac, ref_frac["mean"], rtol=1e-6, atol=1e-12)


def test_cells_off_the_raster_are_nan(flood_tif):
    """Cells beyond the raster's edge get NaN, not zero."""
    net = GridSpec(100.0)
    with rasterio.open(flood_tif) as src:
        stats = zonal.rectangle_stats(
            src, net.x0, net.y0, 100.0, np.array([10]), np.array([10]), 1.0
        )
        poly = zonal.polygon_stats(src, np.array([shapely.box(0, 0, 100, 100)]), 1.0)
    assert np.isnan(stats.mean[0])
    assert np.isnan(stats.max[0])
    assert np.isnan(poly.mean[0])


def test_large_polygon_is_split_into_strips(flood_tif):
    """A polygon bigger than the budget is read strip by strip with the same result."""
    disc = np.array([shapely.Point(500_003.7 + 3600, 3_500_011.3 - 3000).buffer(2900)])
    with rasterio.open(flood_tif) as src:
        whole = zonal.polygon_stats(src, disc, 1.0, budget_mb=256)
        strips = zonal.polygon_stats(src, disc, 1.0, budget_mb=0.02)
    ref = exactextract.exact_extract(
        str(flood_tif),
        gpd.GeoDataFrame(geometry=disc, crs="EPSG:4545"),
        ["mean", "max"],
        output="pandas",
    )
    for name in zonal.STAT_NAMES:
        np.testing.assert_allclose(
            getattr(strips, name), getattr(whole, name), rtol=1e-12
        )
    np.testing.assert_allclose(whole.mean, ref["mean"], rtol=1e-6)
    assert whole.max[0] == ref["max"][0]
