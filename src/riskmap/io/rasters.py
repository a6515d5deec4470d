"""Open hazard rasters (GeoTIFF, ASCII grid) and present them in the working CRS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.io import DatasetReader
from rasterio.vrt import WarpedVRT

from riskmap.errors import CRSError, MissingFileError, RasterReadError
from riskmap.io.chinacoords import OFFSET_SYSTEMS
from riskmap.io.crs import parse_assume_crs

# File suffixes read as rasters (GDAL formats) wherever a path may be either kind.
RASTER_SUFFIXES = frozenset({".tif", ".tiff", ".asc", ".img", ".vrt", ".nc", ".grd"})


@dataclass(frozen=True)
class HazardRaster:
    """A single-band hazard raster on disk, with the facts needed to read it."""

    path: Path
    crs: CRS
    nodata: float | None
    bounds: tuple[float, float, float, float]
    shape: tuple[int, int]
    dtype: str
    assumed_crs: bool = False


def source_exists(path: Path) -> bool:
    """A local file that exists, or a GDAL virtual path (``/vsis3/…``, ``/vsizip/…``).

    Virtual paths (an object store or an archive every Dask worker can read) are
    checked by GDAL when they are opened, with its own error.
    """
    return str(path).startswith("/vsi") or path.exists()


def describe_raster(path: str | Path, *, assume_crs: str | None = None) -> HazardRaster:
    """Open *path* once to check it and record its CRS, nodata and extent."""
    path = Path(path)
    if not source_exists(path):
        raise MissingFileError(f"{path}: file not found; check the path")
    try:
        with rasterio.open(path) as src:
            crs, assumed = raster_crs(src, path, assume_crs)
            return HazardRaster(
                path=path,
                crs=crs,
                nodata=src.nodata,
                bounds=tuple(src.bounds),
                shape=(src.height, src.width),
                dtype=src.dtypes[0],
                assumed_crs=assumed,
            )
    except rasterio.errors.RasterioIOError as exc:
        raise RasterReadError(f"{path}: not a readable raster ({exc})") from exc


def raster_crs(
    src: DatasetReader, path: Path, assume_crs: str | None
) -> tuple[CRS, bool]:
    """The raster's own CRS, or the user's when it has none (True: assumed)."""
    if src.crs is not None:
        return CRS.from_user_input(src.crs.to_wkt()), False
    if assume_crs:
        system = parse_assume_crs(assume_crs)
        if system in OFFSET_SYSTEMS:
            raise CRSError(
                f"{path}: --assume-crs {assume_crs} only moves vector points and "
                "shapes; give the raster a .prj or its EPSG code"
            )
        return CRS.from_user_input(system), True
    raise CRSError(
        f"{path}: the raster has no coordinate reference system (for an ASCII grid, "
        "add a .prj file); or pass --assume-crs EPSG:XXXX"
    )


def _is_north_up(src: DatasetReader) -> bool:
    """True when the raster grid is axis-aligned with rows running south."""
    t = src.transform
    return t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0


@contextmanager
def open_in_crs(
    raster: HazardRaster, crs: CRS, resampling: str = "bilinear", cache_mb: int = 64
) -> Iterator[DatasetReader | WarpedVRT]:
    """Yield a reader of *raster* in *crs*, north-up, reprojecting on the fly if needed.

    Reprojection uses a GDAL WarpedVRT, so windows are warped as they are read and
    memory stays bounded; *resampling* is "bilinear" for continuous hazards and
    "nearest" for class rasters (set per hazard in the risk model). GDAL's block
    cache is capped at *cache_mb* (its default, 5 % of RAM, would hold the raster).
    """
    try:
        with rasterio.open(raster.path) as probe:
            cache_mb = max(int(cache_mb), _block_row_mb(probe) * 2)
        # rasterio hands GDAL_CACHEMAX to GDALSetCacheMax, which counts bytes
        cache = int(cache_mb) * 2**20
        with rasterio.Env(GDAL_CACHEMAX=cache), rasterio.open(raster.path) as src:
            same = CRS.from_user_input(raster.crs) == crs and not raster.assumed_crs
            if same and _is_north_up(src):
                yield src
                return
            with WarpedVRT(
                src,
                src_crs=raster.crs.to_wkt(),
                crs=crs.to_wkt(),
                resampling=Resampling[resampling],
                src_nodata=src.nodata,
                nodata=src.nodata if src.nodata is not None else np.nan,
                dtype="float32" if src.nodata is None else None,
            ) as vrt:
                yield vrt
    except rasterio.errors.RasterioIOError as exc:
        raise RasterReadError(f"{raster.path}: cannot read raster ({exc})") from exc


def _block_row_mb(src: DatasetReader) -> int:
    """Megabytes of one row of blocks: the cache must hold it or blocks are re-read."""
    block_h = src.block_shapes[0][0]
    item = np.dtype(src.dtypes[0]).itemsize
    return int(np.ceil(block_h * src.width * item / 2**20))


def sample_raster(raster: HazardRaster, xy: np.ndarray, crs: CRS) -> np.ndarray:
    """Raster value at each point *xy* (given in *crs*), NaN for nodata or outside.

    Points are transformed to the raster's own CRS and read from its own grid, so no
    resampling touches the values.
    """
    if len(xy) == 0:
        return np.empty(0)
    to_src = Transformer.from_crs(crs, raster.crs, always_xy=True)
    xs, ys = to_src.transform(xy[:, 0], xy[:, 1])
    out = np.full(len(xy), np.nan)
    with rasterio.open(raster.path) as src:
        finite = np.isfinite(xs) & np.isfinite(ys)
        coords = list(zip(np.asarray(xs)[finite], np.asarray(ys)[finite], strict=True))
        samples = list(src.sample(coords, indexes=1, masked=True))
    if samples:
        values = np.array([s.data[0] for s in samples], dtype="float64")
        masked = np.array([bool(np.ma.getmaskarray(s)[0]) for s in samples])
        values[masked | np.isinf(values)] = np.nan  # inf: no data, as in zonal
        out[finite] = values
    return out
