"""Helpers for tests: write small real rasters; compute the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from riskmap.resources import sample_dir

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


def hostile_model(folder: Path, text: str) -> Path:
    """The bundled risk model with *text* in its name, labels, units and class names.

    The landslide label gets " 2" appended so that the two hazards stay apart.
    """
    from riskmap.model import default_model_path

    model = default_model_path().read_text(encoding="utf-8")
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML string
    second = json.dumps(f"{text} 2", ensure_ascii=False)
    for old, new in (('"洪水淹没水深"', quoted), ('"滑坡易发性"', second),
                     ('"Flood depth"', quoted), ('"m"', quoted), ('"级"', quoted),
                     ('"低"', quoted)):  # fmt: skip
        model = model.replace(old, new, 1)
    name = 'name = "riskmap 默认模型 / default model"'
    model = model.replace(name, f"name = {quoted}")
    path = folder / "hostile_model.toml"
    path.write_text(model, encoding="utf-8")
    return path


def sample_compute_args(out: Path, *extra: str) -> list[str]:
    """``riskmap -q compute`` on the bundled sample: both hazards and the risk
    points, writing *out*; *extra* options are appended."""
    layers = sample_dir()
    return [
        "-q",
        "compute",
        "--communities",
        str(layers / "communities.geojson"),
        "--hazard",
        f"flood={layers / 'flood_depth.tif'}",
        "--hazard",
        f"landslide={layers / 'landslide.tif'}",
        "--points",
        str(layers / "risk_points.geojson"),
        "--out",
        str(out),
        *extra,
    ]
