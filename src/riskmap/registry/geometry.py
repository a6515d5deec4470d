"""Point checks in WGS84 degrees: valid coordinates and short ground distances."""

from __future__ import annotations

import numpy as np

from riskmap.errors import InputDataError
from riskmap.io.chinacoords import degrees_ok

DUPLICATE_M = 10.0  # same name and type this close: the same point registered twice


def local_metres(lon, lat, lat0) -> tuple[np.ndarray, np.ndarray]:
    """x, y in approximate metres around latitude *lat0* (equirectangular; < 1 km)."""
    k = np.cos(np.radians(np.asarray(lat0, float)))
    return np.asarray(lon, float) * 111320.0 * k, np.asarray(lat, float) * 110574.0


def metres_between(lon, lat, lon0, lat0) -> np.ndarray:
    """Approximate ground distance in metres (equirectangular; fine below 1 km)."""
    mid = (np.asarray(lat, float) + np.asarray(lat0, float)) / 2
    x, y = local_metres(lon, lat, mid)
    x0, y0 = local_metres(lon0, lat0, mid)
    return np.hypot(x - x0, y - y0)


def check_lonlat(lon: float, lat: float) -> None:
    """WGS84 degrees in range, or an InputDataError."""
    if not degrees_ok(lon, lat):
        raise InputDataError(
            f"coordinates lon={lon}, lat={lat} are not longitude/latitude degrees"
        )
