"""Choose and parse coordinate reference systems; always lon/lat axis order."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError as ProjCRSError

from riskmap.errors import CRSError

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


def describe_crs(crs: CRS) -> str:
    """Readable CRS note, e.g. "EPSG:4545 CGCS2000 / 3-degree Gauss-Kruger CM 108E"."""
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name
