"""A result's cells left on disk: the level raster for the picture, polygons per view.

Opening a whole city must not read its million cells. The map draws the level
raster (``RESULT_cells_level.tif``, one pixel per fishnet cell, with overviews)
read for the view only, at the screen's resolution; cell polygons and their
attributes are read for the current view when few enough cells are in it, and for
a clicked point. Qt-free, so a worker thread may call it.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import rasterio.shutil
import shapely
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.windows import Window, WindowError, from_bounds

from riskmap.core.grid import cell_window
from riskmap.domain import GridSpec, RunInfo
from riskmap.export.level_raster import LevelRasterWriter
from riskmap.io.result import read_cells

Bounds = tuple[float, float, float, float]
VIEW_CELLS_LIMIT = 20_000  # cells read for one view (about 7 screen pixels each)


@dataclass(frozen=True)
class LevelPicture:
    """Level-raster pixels of a view as RGBA, and the world bounds they cover."""

    rgba: np.ndarray
    bounds: Bounds


@dataclass
class ResultCells:
    """Where a result's cells are and how to read the part a view needs."""

    gpkg: Path
    raster: Path | str  # a file, or a /vsimem/ path GDAL holds in memory
    info: RunInfo
    count: int
    bounds: Bounds
    palette: np.ndarray  # 256 x 4 RGBA lookup table of the level raster's values

    @property
    def polygons_indexed(self) -> bool:
        """True when every cell has a polygon in the spatial index (not raster-only)."""
        return self.info.cells_mode != "raster"

    @property
    def fishnet(self) -> GridSpec:
        """The run's grid (the level raster's pixels are its cells)."""
        return self.info.grid

    def picture(self, view: Bounds, width: int, height: int) -> LevelPicture | None:
        """The level raster under *view*, at most *width* x *height* pixels (an
        overview when zoomed out), coloured by its palette; None off the raster."""
        with rasterio.open(self.raster) as src:
            try:
                window = _pixel_window(from_bounds(*view, transform=src.transform), src)
            except WindowError:
                return None
            scale = max(window.width / max(width, 1), window.height / max(height, 1), 1)
            shape = (
                max(math.ceil(window.height / scale), 1),
                max(math.ceil(window.width / scale), 1),
            )
            values = src.read(
                1, window=window, out_shape=shape, resampling=Resampling.nearest
            )
            bounds = src.window_bounds(window)
        return LevelPicture(self.palette[values], tuple(bounds))

    def cells_in(self, view: Bounds) -> int:
        """How many fishnet squares *view* touches (cells cut by a community
        border may add a few)."""
        r0, r1, c0, c1 = cell_window(view, self.fishnet)
        return (r1 - r0) * (c1 - c0)

    def read_view(
        self, view: Bounds, limit: int = VIEW_CELLS_LIMIT
    ) -> gpd.GeoDataFrame | None:
        """Every cell (polygon and attributes) touching *view*; None above *limit*."""
        if self.cells_in(view) > limit:
            return None
        frame = self._query(view, limit + 1)
        return None if len(frame) > limit else frame

    def record_at(self, x: float, y: float) -> dict | None:
        """Attributes of the cell under (x, y), or None."""
        frame = self._query((x, y, x, y), None)
        hits = np.flatnonzero(
            shapely.intersects(frame.geometry.values, shapely.Point(x, y))
        )
        if len(hits) == 0:
            return None
        row = frame.iloc[int(hits[0])]
        return {k: v for k, v in row.items() if k != frame.geometry.name}

    def _query(self, view: Bounds, max_features: int | None) -> gpd.GeoDataFrame:
        """Cells touching *view*: by the spatial index, or by row and column for a
        raster-only result (whose whole cells have no indexed polygon)."""
        if self.polygons_indexed:
            return read_cells(
                self.gpkg, self.info, bbox=view, max_features=max_features
            )
        r0, r1, c0, c1 = cell_window(view, self.fishnet)
        where = f'"row" BETWEEN {r0} AND {r1 - 1} AND "col" BETWEEN {c0} AND {c1 - 1}'
        return read_cells(self.gpkg, self.info, where=where, max_features=max_features)


def open_result_cells(gpkg: Path, info: RunInfo) -> ResultCells | None:
    """The cells of fishnet result *gpkg* through its level raster, or None for a
    management grid (no lattice: the caller reads it whole).

    A result without a usable level raster beside it (from before the level
    raster, ``--cells polygons``, the app's compute dialog, or a raster left by
    another run) gets one made in memory from its cells' row, column and level.
    """
    if not info.grid.is_lattice:  # older results: the default origin
        return None
    layer = pyogrio.read_info(gpkg, layer="cells")
    if not {"row", "col", "level"} <= set(layer["fields"]):
        return None
    raster = _level_raster(gpkg, info) or _levels_in_memory(gpkg, info)
    with rasterio.open(raster) as src:
        palette = _lookup_table(src.colormap(1))
    bounds = tuple(float(v) for v in layer["total_bounds"])
    return ResultCells(gpkg, raster, info, int(layer["features"]), bounds, palette)


def _level_raster(gpkg: Path, info: RunInfo) -> Path | None:
    """The level raster written with *gpkg*, if it is there and from the same run."""
    if not info.level_raster:
        return None
    raster = gpkg.with_name(str(info.level_raster))
    try:
        with rasterio.open(raster) as src:
            same_run = src.tags().get("riskmap_run") == info.created_at
    except RasterioIOError:
        return None
    return raster if same_run else None


def _levels_in_memory(gpkg: Path, info: RunInfo) -> str:
    """A level raster in GDAL's memory (``/vsimem/``) painted from the cells' row,
    column and level, with the writer ``compute`` uses; its path."""
    table = pyogrio.read_dataframe(
        gpkg,
        layer="cells",
        columns=["row", "col", "level"],
        read_geometry=False,
        use_arrow=True,
    )
    table = table[table["row"] >= 0]
    rows, cols = table["row"].to_numpy(), table["col"].to_numpy()
    name = f"/vsimem/riskmap-levels-{uuid.uuid4().hex}"
    crs = CRS.from_user_input(info.crs)
    writer = LevelRasterWriter(
        Path(f"{name}.work.tif"),
        (int(rows.min()), int(rows.max()) + 1),
        (int(cols.min()), int(cols.max()) + 1),
        info.grid,
        crs,
    )
    try:
        writer.add(rows, cols, table["level"].to_numpy())
        writer.finish(Path(f"{name}.tif"), {"riskmap_run": info.created_at})
    finally:
        writer.close()
        rasterio.shutil.delete(f"{name}.work.tif")  # close() removes real files only
    return f"{name}.tif"


def _lookup_table(colormap: dict[int, tuple[int, ...]]) -> np.ndarray:
    """A 256 x 4 uint8 RGBA table from a GDAL palette (transparent elsewhere)."""
    table = np.zeros((256, 4), dtype=np.uint8)
    for value, rgba in colormap.items():
        table[int(value)] = rgba
    table[0, 3] = 0  # 0 is "no cell"
    return table


def _pixel_window(window: Window, src) -> Window:
    """*window* widened to whole pixels and cut to the raster (WindowError if off)."""
    col0, row0 = math.floor(window.col_off), math.floor(window.row_off)
    col1 = math.ceil(window.col_off + window.width)
    row1 = math.ceil(window.row_off + window.height)
    whole = Window(0, 0, src.width, src.height)
    return Window(col0, row0, col1 - col0, row1 - row0).intersection(whole)


def covers(outer, inner) -> bool:
    """True when bounds *outer* contain bounds *inner*."""
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )
