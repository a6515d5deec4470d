"""Level fills of a web map as one image: a pixel per fishnet cell, warped to the map.

Sending a county's 250,000 cells as polygons made 20-70 MB pages; as a palette
PNG they take tens of kilobytes. The lattice of levels (one value per cell, the
higher risk where two communities share a cell) is warped with nearest
resampling to Web Mercator at two pixels per cell, so cell edges stay sharp, and
masked to the community boundary, so clipped cells end where the boundary does.
The browser still finds the cell under the mouse by row and column.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from PIL import Image
from pyproj import CRS
from rasterio import features
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject, transform_bounds, transform_geom

from riskmap.domain import GridSpec, load_level_styles
from riskmap.export.webmap.raster import WEB, ImageOverlay, _WebGrid, png_data_url

PIXELS_PER_CELL = 2
MAX_SIDE_PX = 4096  # a province-sized map falls back to fewer pixels per cell


def level_lattice(rows: np.ndarray, cols: np.ndarray, levels: np.ndarray):
    """(array of levels, r0, c0): 0 where there is no cell, the min where two meet."""
    r0, c0 = int(rows.min()), int(cols.min())
    grid = np.full((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), 9, "uint8")
    np.minimum.at(grid, (rows - r0, cols - c0), levels.astype("uint8"))
    grid[grid == 9] = 0
    return grid, r0, c0


def level_overlay(cells, boundary, net: GridSpec, crs: CRS) -> ImageOverlay:
    """The cells' levels as a palette PNG over their extent in Web Mercator."""
    lattice, r0, c0 = level_lattice(
        cells["row"].to_numpy(), cells["col"].to_numpy(), cells["level"].to_numpy()
    )
    size = net.size
    left, top = float(net.left(c0)), float(net.top(r0))
    src_transform = from_origin(left, top, size, size)
    height, width = lattice.shape
    grid = _web_grid(crs, (left, top - height * size, left + width * size, top), size)
    warped = np.zeros((grid.height, grid.width), dtype="uint8")
    reproject(
        lattice,
        warped,
        src_transform=src_transform,
        src_crs=crs,
        src_nodata=0,
        dst_transform=grid.transform,
        dst_crs=WEB,
        dst_nodata=0,
        resampling=Resampling.nearest,
    )
    warped[~_inside(boundary, crs, grid)] = 0
    return ImageOverlay(png_data_url(_palette_image(warped)), grid.latlon_bounds())


def _web_grid(crs: CRS, bounds: tuple[float, ...], size: float) -> _WebGrid:
    """A Web Mercator grid over *bounds* with about PIXELS_PER_CELL pixels a cell."""
    wx0, wy0, wx1, wy1 = transform_bounds(crs, WEB, *bounds, densify_pts=21)
    cells_across = max((bounds[2] - bounds[0]) / size, 1.0)
    pixel = (wx1 - wx0) / cells_across / PIXELS_PER_CELL
    pixel = max(pixel, (wx1 - wx0) / MAX_SIDE_PX, (wy1 - wy0) / MAX_SIDE_PX)
    width = max(math.ceil((wx1 - wx0) / pixel), 1)
    height = max(math.ceil((wy1 - wy0) / pixel), 1)
    return _WebGrid(from_origin(wx0, wy1, pixel, pixel), width, height)


def _inside(boundary, crs: CRS, grid: _WebGrid) -> np.ndarray:
    """Pixels whose centre lies inside the community boundary."""
    geom = transform_geom(crs, WEB, shapely.geometry.mapping(boundary))
    mask = features.rasterize(
        [geom], out_shape=(grid.height, grid.width), transform=grid.transform
    )
    return mask > 0


def _palette_image(levels: np.ndarray) -> Image.Image:
    """A paletted PNG image: index = level, index 0 transparent."""
    image = Image.fromarray(levels, mode="P")
    palette = [0, 0, 0]
    for lv in (1, 2, 3, 4):
        hexa = load_level_styles()[lv].color.lstrip("#")
        palette += [int(hexa[k : k + 2], 16) for k in (0, 2, 4)]
    image.putpalette(palette)
    image.info["transparency"] = 0
    return image
