"""The level raster ``<result>_cells_level.tif``: one pixel per fishnet cell.

A Cloud-Optimized GeoTIFF (deflate, internal tiles, overviews) whose pixels hold
the cell's risk level 1-4 (0 = no cell) with the four level colours as its
palette, so QGIS and GDAL draw it as-is. It is filled partition by partition in a
plain tiled work file, then copied to COG once at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from pyproj import CRS
from rasterio.transform import from_origin
from rasterio.windows import Window

from riskmap.domain import GridSpec, load_level_styles

NODATA = 0
SUFFIX = "_cells_level.tif"
_EMPTY = 99  # above every level while taking minima


def level_raster_path(result: str | Path) -> Path:
    """Where the level raster of RESULT.gpkg lives: RESULT_cells_level.tif."""
    result = Path(result)
    return result.with_name(result.stem + SUFFIX)


def level_palette() -> dict[int, tuple[int, int, int, int]]:
    """Pixel value -> RGBA: the level colours, transparent where there is no cell."""
    palette = {NODATA: (0, 0, 0, 0)}
    for level, style in load_level_styles().items():
        hexa = style.color.lstrip("#")
        palette[int(level)] = (*(int(hexa[k : k + 2], 16) for k in (0, 2, 4)), 255)
    return palette


class LevelRasterWriter:
    """Paint cells' levels into a work raster; ``finish`` turns it into a COG."""

    def __init__(
        self,
        work: Path,
        rows: tuple[int, int],
        cols: tuple[int, int],
        grid: GridSpec,
        crs: CRS,
    ):
        size = grid.size
        self.r0, self.c0 = rows[0], cols[0]
        self.work = work
        self.dataset = rasterio.open(
            work,
            "w+",
            driver="GTiff",
            width=max(cols[1] - cols[0], 1),
            height=max(rows[1] - rows[0], 1),
            count=1,
            dtype="uint8",
            nodata=NODATA,
            crs=crs.to_wkt(),
            transform=from_origin(grid.left(cols[0]), grid.top(rows[0]), size, size),
            tiled=True,
            blockxsize=256,
            blockysize=256,
            SPARSE_OK=True,
        )
        self.dataset.write_colormap(1, level_palette())

    def add(self, rows: np.ndarray, cols: np.ndarray, levels: np.ndarray) -> None:
        """Set the pixels of cells (rows, cols) to their levels.

        A cell cut by a community border belongs to both communities; its pixel
        shows the higher risk (the lower level number) of the two.
        """
        if len(rows) == 0:
            return
        i, j = rows - self.r0, cols - self.c0
        window = Window(
            int(j.min()), int(i.min()), int(np.ptp(j)) + 1, int(np.ptp(i)) + 1
        )
        block = self.dataset.read(1, window=window).astype("int16")
        block[block == NODATA] = _EMPTY
        np.minimum.at(block, (i - int(i.min()), j - int(j.min())), levels)
        block[block == _EMPTY] = NODATA
        self.dataset.write(block.astype("uint8"), 1, window=window)

    def finish(self, target: Path, tags: dict[str, str]) -> None:
        """Write the palette and tags, then copy the work file to a COG."""
        self.dataset.update_tags(**tags)
        self.dataset.close()
        rasterio.shutil.copy(
            self.work,
            target,
            driver="COG",
            COMPRESS="DEFLATE",
            BLOCKSIZE=512,
            OVERVIEWS="IGNORE_EXISTING",
            OVERVIEW_RESAMPLING="MODE",
        )

    def close(self) -> None:
        """Close and delete the work file (also after a failure)."""
        if not self.dataset.closed:
            self.dataset.close()
        self.work.unlink(missing_ok=True)


def read_levels(path: str | Path) -> tuple[np.ndarray, rasterio.Affine, CRS]:
    """The level raster's pixels, transform and CRS (for drawing a whole result)."""
    with rasterio.open(path) as src:
        return src.read(1), src.transform, CRS.from_wkt(src.crs.to_wkt())
