"""Choose and parse coordinate reference systems; always lon/lat axis order."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError as ProjCRSError

from riskmap.errors import CRSError
from riskmap.io.chinacoords import GEOGRAPHIC, OFFSET_SYSTEMS, parse_coords_option

# CGCS2000 / 3-degree Gauss-Kruger CM 75E .. CM 135E are EPSG:4534 .. EPSG:4554.
_GK3_FIRST_EPSG, _GK3_FIRST_CM, _GK3_LAST_CM = 4534, 75, 135
_CHINA = (73.0, 3.0, 136.0, 54.0)  # lon/lat box used to pick the Chinese system


def parse_crs(text: str) -> CRS:
    """Parse a user-given CRS such as "EPSG:4545"; a clear error if it is not one."""
    try:
        return CRS.from_user_input(text)
    except ProjCRSError as exc:
        raise CRSError(
            f"{text!r} is not a coordinate reference system ({exc})"
        ) from exc


def parse_assume_crs(text: str) -> str:
    """Normalise ``--assume-crs``: gcj02 or bd09 (web-map offsets), or a CRS text
    (wgs84 -> EPSG:4326, cgcs2000 -> EPSG:4490, EPSG:XXXX, WKT, PROJ)."""
    try:
        key = parse_coords_option(text)
    except CRSError:
        key = None
    if key in OFFSET_SYSTEMS:
        return key
    if key in GEOGRAPHIC:
        return GEOGRAPHIC[key]
    try:
        CRS.from_user_input(text)
    except ProjCRSError:
        raise CRSError(
            f"--assume-crs {text!r} is not a coordinate system; use EPSG:XXXX "
            "(e.g. EPSG:4326, EPSG:4545), wgs84, cgcs2000, gcj02 or bd09"
        ) from None
    return text


def points_system(text: str) -> str:
    """``--assume-crs`` as a point-coordinate system (see parse_coords_option)."""
    key = parse_assume_crs(text)
    if key in OFFSET_SYSTEMS or key.upper().startswith("EPSG:"):
        return parse_coords_option(key)
    code = CRS.from_user_input(key).to_epsg()
    if code is None:
        raise CRSError(f"--assume-crs {text!r}: for point tables name it as EPSG:XXXX")
    return f"EPSG:{code}"


def gk3_crs(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS whose central meridian is nearest *lon*.

    >>> gk3_crs(106.75).to_epsg()
    4545
    """
    cm = min(max(3 * round(lon / 3), _GK3_FIRST_CM), _GK3_LAST_CM)
    return CRS.from_epsg(_GK3_FIRST_EPSG + (cm - _GK3_FIRST_CM) // 3)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone of a point."""
    info = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    return CRS.from_epsg(info[0].code)


def choose_working_crs(layer: gpd.GeoDataFrame) -> CRS:
    """A metric CRS for the study area: CGCS2000 GK 3-degree in China, UTM elsewhere."""
    minx, miny, maxx, maxy = layer.to_crs("EPSG:4326").total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    west, south, east, north = _CHINA
    if west <= lon <= east and south <= lat <= north:
        return gk3_crs(lon)
    return utm_crs(lon, lat)


def study_box(
    layer: gpd.GeoDataFrame, margin_deg: float = 0.5
) -> tuple[float, float, float, float]:
    """The layer's lon/lat extent plus a margin: where points may be expected."""
    minx, miny, maxx, maxy = layer.to_crs("EPSG:4326").total_bounds
    return minx - margin_deg, miny - margin_deg, maxx + margin_deg, maxy + margin_deg


def describe_crs(crs: CRS) -> str:
    """Readable CRS note, e.g. "EPSG:4545 CGCS2000 / 3-degree Gauss-Kruger CM 108E"."""
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name
