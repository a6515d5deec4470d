"""Choosing the working CRS."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from riskmap.errors import CRSError
from riskmap.io.crs import choose_working_crs, gk3_crs, parse_crs


def _layer(lon, lat):
    return gpd.GeoDataFrame(
        geometry=[shapely.Point(lon, lat).buffer(0.05)], crs="EPSG:4326"
    )


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (106.75, 31.87, 4545),
        (116.4, 39.9, 4548),
        (87.6, 43.8, 4538),
        (2.35, 48.85, 32631),
        (-74.0, 40.7, 32618),
        (151.2, -33.9, 32756),
    ],
)
def test_working_crs(lon, lat, epsg):
    """CGCS2000 3-degree GK in China (Bazhong: EPSG:4545), UTM elsewhere."""
    assert choose_working_crs(_layer(lon, lat)).to_epsg() == epsg


def test_gk3_zone_limits():
    """Central meridians are clamped to the 75E-135E range."""
    assert gk3_crs(60).to_epsg() == 4534
    assert gk3_crs(140).to_epsg() == 4554


def test_bad_crs_text():
    """An unknown CRS is explained."""
    with pytest.raises(CRSError, match="EPSG:99999"):
        parse_crs("EPSG:99999")
