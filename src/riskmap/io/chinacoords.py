"""Chinese web-map coordinates: WGS84 <-> GCJ-02 (AMap/Tencent) <-> BD-09 (Baidu), DMS.

GCJ-02 uses the published obfuscation formula on the Krasovsky ellipsoid
(a = 6378245, docs/DOMAIN.md §4.2); its inverse is iterated to well under 0.5 m.
BD-09 adds Baidu's further rotation and shift on top of GCJ-02. Everything is
vectorised over numpy arrays; axis order is always longitude, latitude.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(106.747, 31.867)
>>> round(float(lon) - 106.747, 4), round(float(lat) - 31.867, 4)
(0.0041, -0.0022)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 7), round(float(back[1]), 7)
(106.747, 31.867)
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import ArrayLike

from riskmap.errors import CRSError, InputDataError

A_KRASOVSKY = 6378245.0
EE_KRASOVSKY = 0.00669342162296594323
X_PI = np.pi * 3000.0 / 180.0
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)  # lon min, lat min, lon max, lat max
GEOGRAPHIC = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}
OFFSET_SYSTEMS = ("gcj02", "bd09")
Arrays = tuple[np.ndarray, np.ndarray]


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the point lies in the rough box where GCJ-02 applies."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    x0, y0, x1, y1 = CHINA_BOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def degrees_ok(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where lon/lat are finite degrees in range."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(lon)
            & np.isfinite(lat)
            & (np.abs(lon) <= 180)
            & (np.abs(lat) <= 90)
        )


def _delta_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The published latitude series of GCJ-02 (x = lon - 105, y = lat - 35)."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    ret += 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2 / 3
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2 / 3
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2 / 3
    return ret


def _delta_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The published longitude series of GCJ-02."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2 / 3
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2 / 3
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2 / 3
    return ret


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """WGS84 -> GCJ-02; points outside China are returned unchanged."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    dlat = _delta_lat(lon - 105.0, lat - 35.0)
    dlon = _delta_lon(lon - 105.0, lat - 35.0)
    radlat = np.radians(lat)
    magic = 1 - EE_KRASOVSKY * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (
        dlat
        * 180.0
        / ((A_KRASOVSKY * (1 - EE_KRASOVSKY)) / (magic * sqrtmagic) * np.pi)
    )
    dlon = dlon * 180.0 / (A_KRASOVSKY / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 10) -> Arrays:
    """GCJ-02 -> WGS84 by fixed-point iteration (converges to < 1 mm)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(iterations):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if (
            max(np.max(np.abs(dlon), initial=0), np.max(np.abs(dlat), initial=0))
            < 1e-10
        ):
            break  # converged: 1e-10 degrees is about 0.01 mm
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """GCJ-02 -> BD-09 (Baidu)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    z = np.hypot(lon, lat) + 2e-5 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 3e-6 * np.cos(lon * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 3) -> Arrays:
    """BD-09 -> GCJ-02: the published inverse, refined by iteration."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 2e-5 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 3e-6 * np.cos(x * X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        blon, blat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (blon - lon), glat - (blat - lat)
    return glon, glat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """WGS84 -> BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Arrays:
    """BD-09 -> WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def parse_coords_option(text: str) -> str:
    """Normalise a ``--coords`` value: wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX."""
    key = str(text).strip().lower().replace("-", "").replace("_", "")
    aliases = {"gcj": "gcj02", "amap": "gcj02", "baidu": "bd09", "bd": "bd09"}
    key = aliases.get(key, key)
    if key in GEOGRAPHIC or key in OFFSET_SYSTEMS:
        return key
    if re.fullmatch(r"epsg:\d{4,6}", key):
        return key.upper()
    raise CRSError(
        f"--coords {text!r}: use wgs84, cgcs2000, gcj02 (AMap/Tencent), bd09 (Baidu) "
        "or EPSG:XXXX"
    )


def to_wgs84(lon: ArrayLike, lat: ArrayLike, coords: str) -> Arrays:
    """Convert x/y declared in *coords* (see parse_coords_option) to WGS84 lon/lat."""
    coords = parse_coords_option(coords)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if coords in GEOGRAPHIC:  # CGCS2000 and WGS84 differ by centimetres (§4.1)
        return lon.copy(), lat.copy()
    if coords == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if coords == "bd09":
        return bd09_to_wgs84(lon, lat)
    from pyproj import Transformer
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        transformer = Transformer.from_crs(coords, "EPSG:4326", always_xy=True)
    except ProjCRSError as exc:
        raise CRSError(f"--coords {coords}: unknown CRS ({exc})") from exc
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


_DMS = re.compile(
    r"^\s*([NSEW北南东西]?)\s*(-?\d+(?:\.\d+)?)\s*(?:[°度d:\s]\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:[′'’分m:\s]\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:[″\"”秒s]|'')?)?)?)?)?\s*([NSEW北南东西]?)\s*$",
    re.IGNORECASE,
)
_NEGATIVE = set("SsWw南西")


def parse_degrees(value: object) -> float:
    """A decimal degree from a number or a DMS string such as ``106°44′51″E``.

    Returns NaN for blanks; raises InputDataError for text it cannot read.
    """
    if value is None:
        return float("nan")
    if isinstance(value, int | float | np.number):
        return float(value)
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "null"}:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        pass
    match = _DMS.match(text)
    if match is None:
        raise InputDataError(
            f"cannot read {text!r} as degrees (e.g. 106.7475 or 106°44′51″E)"
        )
    head, deg, minutes, seconds, tail = match.groups()
    minutes_f, seconds_f = float(minutes or 0), float(seconds or 0)
    if minutes_f >= 60 or seconds_f >= 60:
        raise InputDataError(f"{text!r}: minutes and seconds must be below 60")
    degrees = abs(float(deg)) + minutes_f / 60 + seconds_f / 3600
    negative = deg.startswith("-") or (head or tail or "") in _NEGATIVE
    return -degrees if negative else degrees
