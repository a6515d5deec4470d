"""What the canvas draws: vector and raster layers in one metric display CRS.

Layers are loaded with the core's readers (``riskmap.io``), so the GUI accepts the
same files, with the same validation and error messages, as the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from riskmap.domain import HazardInfo, RiskResult, hex_rgb, load_level_styles
from riskmap.export.symbols import SYMBOL_CLASSES, point_class
from riskmap.gui.i18n import language, tr
from riskmap.gui.result_cells import open_result_cells
from riskmap.io.crs import choose_working_crs, describe_crs
from riskmap.io.rasters import describe_raster, open_in_crs
from riskmap.io.result import read_cells, read_result
from riskmap.io.vectors import read_vector

OVERVIEW_PIXELS = 1024


@dataclass
class MapLayer:
    """A layer in the layer stack."""

    name: str
    kind: str  # "cells", "boundary", "points", "resources", "vector", "raster"
    source: str
    crs_text: str
    count: int
    visible: bool = True
    opacity: float = 1.0
    gdf: gpd.GeoDataFrame | None = None
    image: np.ndarray | None = None  # RGBA overview, for rasters
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    extra: dict = field(default_factory=dict)


def display_crs_for(gdf: gpd.GeoDataFrame) -> CRS:
    """The metric CRS the canvas uses for data around *gdf*."""
    return choose_working_crs(gdf)


def vector_layer(path: Path, crs: CRS | None, kind: str | None = None) -> MapLayer:
    """Read a vector file as a layer (kind guessed from its geometry)."""
    gdf = read_vector(path)
    source_crs = describe_crs(gdf.crs)
    crs = crs or display_crs_for(gdf)
    gdf = gdf.to_crs(crs)
    kind = kind or _guess_kind(gdf)
    return MapLayer(
        path.stem,
        kind,
        str(path),
        source_crs,
        len(gdf),
        gdf=gdf,
        bounds=tuple(gdf.total_bounds),
    )


def _guess_kind(gdf: gpd.GeoDataFrame) -> str:
    """ "points" for point layers, "boundary" for polygons, "vector" otherwise."""
    types = set(gdf.geom_type.unique())
    if types <= {"Point", "MultiPoint"}:
        return "points"
    if types <= {"Polygon", "MultiPolygon"}:
        return "boundary"
    return "vector"


def raster_layer(
    path: Path,
    crs: CRS,
    hazard: HazardInfo | None = None,
    assume_crs: str | None = None,
) -> MapLayer:
    """Read a downsampled overview of a raster, coloured as the result's *hazard*
    (its model's classes and ramp) or, for any other raster, a grey stretch."""
    raster = describe_raster(path, assume_crs=assume_crs)
    resampling = hazard.resampling if hazard else "bilinear"
    with open_in_crs(raster, crs, resampling) as reader:
        factor = max(reader.width, reader.height) / OVERVIEW_PIXELS
        shape = (
            max(int(reader.height / max(factor, 1)), 1),
            max(int(reader.width / max(factor, 1)), 1),
        )
        data = reader.read(1, out_shape=shape, masked=True).astype("float64")
        bounds = tuple(reader.bounds)
    image = colorize(np.ma.filled(data, np.nan), hazard)
    return MapLayer(
        path.stem,
        "raster",
        str(path),
        describe_crs(raster.crs),
        raster.shape[0] * raster.shape[1],
        image=image,
        bounds=bounds,
    )


def colorize(values: np.ndarray, hazard: HazardInfo | None) -> np.ndarray:
    """RGBA image of *values*: the hazard's classes in its model's ramp (as the web
    and print maps colour them), else a grey stretch."""
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    valid = ~np.isnan(values)
    if hazard is not None and hazard.graded and hazard.breaks:
        index = hazard.paint_index(values)
        palette = np.array([(0, 0, 0), *map(hex_rgb, hazard.class_colours())])
        rgba[..., :3] = palette[index]
        rgba[..., 3] = np.where(index > 0, 255, 0)
        return rgba
    lo, hi = np.nanpercentile(values, [2, 98]) if valid.any() else (0.0, 1.0)
    grey = np.clip((values - lo) / max(hi - lo, 1e-12) * 255, 0, 255)
    rgba[..., :3] = np.nan_to_num(grey)[..., None].astype(np.uint8)
    rgba[..., 3] = np.where(valid, 255, 0)
    return rgba


def result_layers(path: Path) -> tuple[list[MapLayer], CRS, RiskResult]:
    """Layers of a RESULT.gpkg: hazards, cells, boundaries, points, resources.

    The cells stay on disk when the result has a level raster (see
    ``result_cells``); an older result without one is read whole, as before.
    """
    result = read_result(path, cells=False)
    crs = CRS.from_user_input(result.run_info.crs)
    source = open_result_cells(path, result.run_info)
    if source is None:
        result.cells = read_cells(path, result.run_info)
    layers = []
    for hazard in result.run_info.hazards:
        hpath = Path(hazard.path)
        if hazard.kind == "raster" and hpath.exists():
            layer = raster_layer(hpath, crs, hazard, hazard.crs)
            layer.name, layer.opacity, layer.visible = (
                hazard.label(language()),
                0.6,
                False,
            )
            layers.append(layer)
    cells = gdf_layer(tr("layer.cells"), "cells", path, result.cells, 0.75)
    cells.extra["hazards"] = {
        h.name: {"label_zh": h.label_zh, "label_en": h.label_en}
        for h in result.run_info.hazards
    }
    if source is not None:
        cells.count, cells.bounds = source.count, source.bounds
        cells.extra["source"] = source
    layers.append(cells)
    layers.append(
        gdf_layer(tr("layer.communities"), "boundary", path, result.communities)
    )
    for name in ("resources", "points"):
        gdf = getattr(result, name)
        if gdf is not None and len(gdf):
            layers.append(gdf_layer(tr(f"layer.{name}"), name, path, gdf))
    return layers, crs, result


def hazard_for(result: RiskResult | None, path: Path) -> HazardInfo | None:
    """The open result's hazard read from the raster *path* (None: not one of its
    hazards, so nothing says how to class it)."""
    if result is None:
        return None
    target = path.resolve()
    return next(
        (h for h in result.run_info.hazards if Path(h.path).resolve() == target), None
    )


def gdf_layer(name: str, kind: str, path: Path, gdf, opacity: float = 1.0) -> MapLayer:
    """A layer from an in-memory GeoDataFrame of a result."""
    return MapLayer(
        name,
        kind,
        str(path),
        describe_crs(gdf.crs),
        len(gdf),
        opacity=opacity,
        gdf=gdf,
        bounds=tuple(gdf.total_bounds),
    )


def level_colors() -> dict[int, str]:
    """Hex colour of each level."""
    return {int(k): v.color for k, v in load_level_styles().items()}


def level_names() -> dict[int, str]:
    """Each level's name in the interface language (``styles/levels.toml``)."""
    return {int(k): v.name(language()) for k, v in load_level_styles().items()}


def symbol_colors(layer: MapLayer) -> list[str]:
    """Each point's GB/T 35649 class colour, as on the web and print maps: its
    type's class from the point-type table (resources: class D green)."""
    gdf = layer.gdf
    if layer.kind == "resources":
        return [SYMBOL_CLASSES["D"].color] * len(gdf)
    types = gdf["type"] if "type" in gdf else [None] * len(gdf)
    cats = gdf["category"] if "category" in gdf else [None] * len(gdf)
    return [
        SYMBOL_CLASSES[point_class(t, c)].color
        for t, c in zip(types, cats, strict=True)
    ]
