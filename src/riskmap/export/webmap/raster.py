"""Raster overlays for the web maps: a DEM hillshade (WebP) and hazard layers (PNG).

Each raster is warped to Web Mercator (the map's projection) over the map's
extent, so the browser stretches the image linearly between its corners with no
distortion; the image is embedded as a ``data:`` URL, so nothing is fetched.
Hazard classes are palette PNGs (exact colours, a few kilobytes); the grey
hillshade is a lossy WebP, which keeps a continuous tone an eighth the size.
Hazard colours come from the result's run_info: the classes (``breaks``) and
``ramp`` of the model the run used (the desktop app and the printed contours use
the same ones; colour facts in docs/DOMAIN.md §2.1).
"""

from __future__ import annotations

import base64
import io
import itertools
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import from_bounds

from riskmap.domain import DEFAULT_RAMP, HazardInfo, hex_rgb
from riskmap.errors import RasterReadError
from riskmap.io.rasters import raster_crs

MAX_PX = 1600
WEB = "EPSG:3857"


@dataclass(frozen=True)
class ImageOverlay:
    """A PNG as a data URL, and where it goes: [[south, west], [north, east]]."""

    url: str
    bounds: list[list[float]]


@dataclass(frozen=True)
class LegendClass:
    """One legend row: a colour and its label."""

    color: str
    label: str


@dataclass(frozen=True)
class _WebGrid:
    """A north-up Web Mercator pixel grid."""

    transform: rasterio.Affine
    width: int
    height: int

    def latlon_bounds(self) -> list[list[float]]:
        """Corners as Leaflet bounds [[south, west], [north, east]]."""
        west, north = self.transform @ (0, 0)
        east, south = self.transform @ (self.width, self.height)
        to_ll = Transformer.from_crs(WEB, "EPSG:4326", always_xy=True)
        (w, e), (s, n) = to_ll.transform([west, east], [south, north])
        return [[s, w], [n, e]]


def _open(path: str | Path) -> rasterio.DatasetReader:
    """Open a raster, turning GDAL errors into a riskmap error."""
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterReadError(f"cannot read raster {path}: {exc}") from exc


def _web_grid(src, crs, bbox_ll, oversample: float) -> _WebGrid | None:
    """Web Mercator grid over the overlap of *src* (in *crs*) and *bbox_ll*, or None."""
    sx0, sy0, sx1, sy1 = transform_bounds("EPSG:4326", crs, *bbox_ll)
    b = src.bounds
    ix0, iy0 = max(sx0, b.left), max(sy0, b.bottom)
    ix1, iy1 = min(sx1, b.right), min(sy1, b.top)
    if ix0 >= ix1 or iy0 >= iy1:
        return None
    wx0, wy0, wx1, wy1 = transform_bounds(crs, WEB, ix0, iy0, ix1, iy1)
    columns = max((ix1 - ix0) / abs(src.res[0]), 1.0)
    pixel = (wx1 - wx0) / columns / oversample
    pixel = max(pixel, (wx1 - wx0) / MAX_PX, (wy1 - wy0) / MAX_PX)
    width = max(math.ceil((wx1 - wx0) / pixel), 1)
    height = max(math.ceil((wy1 - wy0) / pixel), 1)
    return _WebGrid(from_origin(wx0, wy1, pixel, pixel), width, height)


def _warp(source, grid: _WebGrid, resampling: Resampling, **src_kw) -> np.ndarray:
    """Warp a band or an array onto *grid*; no data becomes NaN."""
    out = np.full((grid.height, grid.width), np.nan, dtype="float32")
    reproject(
        source,
        out,
        dst_transform=grid.transform,
        dst_crs=WEB,
        dst_nodata=np.nan,
        resampling=resampling,
        **src_kw,
    )
    return out


def png_data_url(image) -> str:
    """A PIL image as a ``data:image/png;base64,...`` URL."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def webp_data_url(image, quality: int = 75) -> str:
    """A PIL image as a lossy ``data:image/webp;base64,...`` URL (alpha kept exact).

    For continuous tones such as a hillshade: a county's is about 100 kB instead
    of a PNG's 860 kB.
    """
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=6)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()


def graded(hazard: HazardInfo, values: np.ndarray) -> HazardInfo:
    """The hazard with its model's classes, or for an older result that does not
    carry them, four equal intervals over the values in the default ramp."""
    if hazard.graded and hazard.breaks:
        return hazard
    finite = values[np.isfinite(values) & (values > 0)]
    lo, hi = np.percentile(finite, [2, 98]) if finite.size else (0.0, 1.0)
    breaks = np.linspace(lo, hi if hi > lo else lo + 1, 6)[1:-1]
    return replace(hazard, breaks=tuple(float(b) for b in breaks), ramp=DEFAULT_RAMP)


def hazard_legend_rows(hazard: HazardInfo) -> list[LegendClass]:
    """A legend row per class: its colour and name (or value range and unit)."""
    colours = hazard.class_colours()
    names = hazard.class_names if len(hazard.class_names) == len(colours) else None
    unit = f" {hazard.unit}" if hazard.unit and not names else ""
    labels = names or _range_labels(np.asarray(hazard.breaks), unit)
    return [LegendClass(c, lab) for c, lab in zip(colours, labels, strict=True)]


def _range_labels(breaks: np.ndarray, unit: str) -> list[str]:
    """'< 0.5 m', '0.5–1 m', ..., '≥ 3 m'."""
    b = [f"{v:g}" for v in breaks]
    middle = [f"{lo}–{hi}{unit}" for lo, hi in itertools.pairwise(b)]
    return [f"< {b[0]}{unit}", *middle, f"≥ {b[-1]}{unit}"]


def hazard_overlay(
    hazard: HazardInfo, bbox_ll
) -> tuple[ImageOverlay, list[LegendClass]] | None:
    """The hazard's raster over *bbox_ll* in its classes' colours; None if it
    misses it. Values that are no data or not above zero (e.g. dry ground) stay
    transparent. The raster is read in the CRS compute read it in."""
    from PIL import Image

    path = Path(hazard.path)
    with _open(path) as src:
        crs, _ = raster_crs(src, path, hazard.crs)
        grid = _web_grid(src, crs, bbox_ll, oversample=3)
        if grid is None:
            return None
        values = _warp(rasterio.band(src, 1), grid, Resampling.nearest, src_crs=crs)
    hazard = graded(hazard, values)
    legend = hazard_legend_rows(hazard)
    image = Image.fromarray(hazard.paint_index(values).astype("uint8"))
    palette = [0, 0, 0, *(v for row in legend for v in hex_rgb(row.color))]
    image.putpalette(palette)
    image.info["transparency"] = 0
    return ImageOverlay(png_data_url(image), grid.latlon_bounds()), legend


def hillshade(dem: np.ndarray, dx: float, dy: float, z_factor: float = 2.0):
    """Shaded relief in [0, 1], lit from the north-west (315°) at 45° (ESRI formula).

    Rows run southward, as in a north-up raster; NaN stays NaN.
    """
    south, east = np.gradient(dem * z_factor, dy, dx)
    slope = np.arctan(np.hypot(east, south))
    aspect = np.arctan2(south, -east)
    sun_zenith, sun_azimuth = np.radians(45.0), np.radians(360.0 - 315.0 + 90.0)
    shade = np.cos(sun_zenith) * np.cos(slope) + np.sin(sun_zenith) * np.sin(
        slope
    ) * np.cos(sun_azimuth - aspect)
    return np.clip(shade, 0.0, 1.0)


def dem_lonlat_box(dem_path: str | Path) -> tuple[float, float, float, float]:
    """The DEM's extent in lon/lat (west, south, east, north)."""
    with _open(dem_path) as src:
        crs, _ = raster_crs(src, Path(dem_path), None)
        return transform_bounds(crs, "EPSG:4326", *src.bounds, densify_pts=21)


def hillshade_overlay(dem_path: str | Path, bbox_ll) -> ImageOverlay | None:
    """A grey hillshade of the DEM over *bbox_ll*; None where the DEM does not reach."""
    from PIL import Image

    with _open(dem_path) as src:
        crs, _ = raster_crs(src, Path(dem_path), None)
        grid = _web_grid(src, crs, bbox_ll, oversample=2)
        if grid is None:
            return None
        bounds = transform_bounds("EPSG:4326", crs, *bbox_ll)
        window = from_bounds(*bounds, transform=src.transform).round_offsets()
        window = window.round_lengths()
        dem = src.read(1, window=window, masked=True, boundless=True).astype("float64")
        transform = src.window_transform(window)
        dx, dy = _ground_pixel(src, bbox_ll)
    shade = hillshade(dem.filled(np.nan), dx, dy).astype("float32")
    warped = _warp(
        shade,
        grid,
        Resampling.bilinear,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
    )
    grey = np.nan_to_num(150 + 105 * warped, nan=0).astype("uint8")
    alpha = np.where(np.isfinite(warped), 255, 0).astype("uint8")
    image = Image.fromarray(np.dstack([grey, alpha]))
    return ImageOverlay(webp_data_url(image), grid.latlon_bounds())


def _ground_pixel(src, bbox_ll) -> tuple[float, float]:
    """Pixel width and height in metres (degrees converted for geographic DEMs)."""
    dx, dy = abs(src.res[0]), abs(src.res[1])
    if src.crs and src.crs.is_geographic:
        lat = math.radians((bbox_ll[1] + bbox_ll[3]) / 2)
        return dx * 111_320 * math.cos(lat), dy * 110_574
    return dx, dy
