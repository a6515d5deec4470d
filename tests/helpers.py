"""Helpers for tests: write small real rasters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

# A raster origin deliberately off the 100 m fishnet so cells straddle pixels.
X0, Y0, PIX = 500_003.7, 3_500_011.3, 30.0


def write_raster(
    path: Path, data: np.ndarray, *, crs="EPSG:4545", transform=None, nodata=-9999.0
) -> Path:
    """Write a single-band GeoTIFF and return its path."""
    transform = transform or from_origin(X0, Y0, PIX, PIX)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path
