"""Point checks in WGS84 degrees: valid coordinates and short ground distances."""

from __future__ import annotations

import numpy as np

from riskmap.errors import InputDataError


def metres_between(lon, lat, lon0, lat0) -> np.ndarray:
    """Approximate ground distance in metres (equirectangular; fine below 1 km)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    k = np.cos(np.radians((lat + np.asarray(lat0, float)) / 2))
    dx = (lon - lon0) * 111320.0 * k
    dy = (lat - lat0) * 110574.0
    return np.hypot(dx, dy)


def check_lonlat(lon: float, lat: float) -> None:
    """WGS84 degrees in range, or an InputDataError."""
    if not (
        np.isfinite(lon)
        and np.isfinite(lat)
        and -180 <= lon <= 180
        and -90 <= lat <= 90
    ):
        raise InputDataError(
            f"coordinates lon={lon}, lat={lat} are not longitude/latitude degrees"
        )
