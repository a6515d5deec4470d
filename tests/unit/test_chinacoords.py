"""GCJ-02/BD-09 conversion against known pairs and round trips, and DMS parsing."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from riskmap.errors import CRSError, InputDataError
from riskmap.io.chinacoords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_coords_option,
    parse_degrees,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from riskmap.resources import sample_dir


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (haversine, R = 6371 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371000 * np.arcsin(np.sqrt(h))


def test_bazhong_offsets_match_domain_table():
    """At the Bazhong centre GCJ-02 is ~460 m off and BD-09 ~1.1 km (DOMAIN.md §4.2)."""
    lon, lat = 106.747, 31.867
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon - lon == pytest.approx(0.0041, abs=5e-5)
    assert glat - lat == pytest.approx(-0.0022, abs=5e-5)
    assert 445 <= metres(lon, lat, glon, glat) <= 500
    blon, blat = wgs84_to_bd09(lon, lat)
    assert 1080 <= metres(lon, lat, blon, blat) <= 1120  # "~1.09 km"


def test_published_bd09_step_from_gcj02():
    """BD-09 of a GCJ-02 point, worked by hand from the published formula."""
    x, y = 106.75114409, 31.86481868
    z = np.hypot(x, y) + 2e-5 * np.sin(y * np.pi * 3000 / 180)
    theta = np.arctan2(y, x) + 3e-6 * np.cos(x * np.pi * 3000 / 180)
    blon, blat = gcj02_to_bd09(x, y)
    assert blon == pytest.approx(z * np.cos(theta) + 0.0065, abs=1e-12)
    assert blat == pytest.approx(z * np.sin(theta) + 0.006, abs=1e-12)


def test_round_trips_within_half_a_metre_across_china():
    """WGS84 -> GCJ-02 -> WGS84 and WGS84 -> BD-09 -> WGS84 stay within 0.5 m."""
    lon, lat = np.meshgrid(np.linspace(74, 134, 25), np.linspace(18, 53, 15))
    lon, lat = lon.ravel(), lat.ravel()
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 0.5
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 0.5
    gcj = wgs84_to_gcj02(lon, lat)
    back = bd09_to_gcj02(*gcj02_to_bd09(*gcj))
    assert metres(*gcj, *back).max() < 0.5


def test_outside_china_is_unchanged():
    """Points outside the China box are not shifted (e.g. Paris)."""
    lon, lat = wgs84_to_gcj02([2.35], [48.85])
    assert (lon[0], lat[0]) == (2.35, 48.85)


def test_county_file_in_gcj02_matches_the_wgs84_counties():
    """The shipped GCJ-02 counties, converted, lie on the WGS84 counties (< 0.5 m)."""
    gcj = gpd.read_file(sample_dir() / "bazhong_counties_gcj02.geojson")
    wgs = gpd.read_file(sample_dir() / "bazhong_counties.geojson")
    xy = shapely.get_coordinates(gcj.geometry.values)[::50]
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    ref = shapely.get_coordinates(wgs.geometry.values)
    tree = shapely.STRtree(shapely.points(ref))
    pts = shapely.points(lon, lat)
    nearest = tree.query_nearest(pts, all_matches=False)[1]
    dist = metres(lon, lat, ref[nearest, 0], ref[nearest, 1])
    assert len(dist) > 100
    assert np.median(dist) < 0.5
    raw = metres(xy[:, 0], xy[:, 1], ref[nearest, 0], ref[nearest, 1])
    assert raw.min() > 300  # unconverted they are hundreds of metres off


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("106°44′51″E", 106.7475),
        ("31°52'1.2\"N", 31.867),
        ("106度44分51秒", 106.7475),
        ("106:44:51", 106.7475),
        ("W 10°30'", -10.5),
        ("北31°52′", 31 + 52 / 60),
        (" 106.5 ", 106.5),
        (106.5, 106.5),
    ],
)
def test_parse_degrees(text, expected):
    """Decimal and degree-minute-second strings become decimal degrees."""
    assert parse_degrees(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", ["abc", "106°75′", "12,5"])
def test_parse_degrees_refuses_garbage(text):
    """Unreadable text and minutes >= 60 are input errors."""
    with pytest.raises(InputDataError):
        parse_degrees(text)


def test_parse_degrees_blank_is_nan():
    """An empty cell is NaN (a missing coordinate), not an error."""
    assert np.isnan(parse_degrees(""))
    assert np.isnan(parse_degrees(None))


def test_coords_option_and_epsg_conversion():
    """--coords accepts names and EPSG codes; a GK projected point comes back."""
    assert parse_coords_option("GCJ-02") == "gcj02"
    assert parse_coords_option("epsg:4545") == "EPSG:4545"
    with pytest.raises(CRSError):
        parse_coords_option("mars")
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 4545, always_xy=True).transform(106.747, 31.867)
    lon, lat = to_wgs84([x], [y], "EPSG:4545")
    assert metres(106.747, 31.867, lon[0], lat[0]) < 0.01
    lon, lat = to_wgs84([106.747], [31.867], "cgcs2000")
    assert (lon[0], lat[0]) == (106.747, 31.867)
