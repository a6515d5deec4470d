"""Write a RiskResult to RESULT.gpkg (layers cells, communities, points, run_info)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from riskmap.atomic import atomic_path
from riskmap.domain import RiskResult
from riskmap.errors import ExportError
from riskmap.export.gpkg_styles import write_layer_styles


@contextmanager
def pyogrio_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a block."""
    previous = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


LAYERS = ("cells", "communities", "points", "resources", "coverage")


# GeoPackage 1.2: GDAL before 3.7 and QGIS 3.22 open 1.4 files (GDAL's default
# since 3.7) only with a "may only be partially supported" warning.
GPKG_VERSION = "1.2"


def write_result(result: RiskResult, path: str | Path) -> Path:
    """Write all result layers into one GeoPackage with QGIS styles, atomically."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"{path}: the result must be a .gpkg file")
    for name in LAYERS:
        layer = getattr(result, name)
        if layer is not None:
            _check_field_names(layer, name)
    # the temporary file is fsync'ed before the rename, so SQLite need not sync
    with atomic_path(path) as tmp, pyogrio_config(OGR_SQLITE_SYNCHRONOUS="OFF"):
        _write_layer(result.cells, tmp, "cells")
        write_other_layers(result, tmp)
    return path


def write_other_layers(result: RiskResult, path: Path) -> None:
    """Every layer but the cells: communities, points, resources, coverage, run_info."""
    _write_layer(result.communities, path, "communities")
    for name in ("points", "resources", "coverage"):
        layer = getattr(result, name)
        if layer is not None:
            _write_layer(layer, path, name)
    items = result.run_info.to_items()
    info = pd.DataFrame(
        {
            "key": list(items),
            "value": [json.dumps(v, ensure_ascii=False) for v in items.values()],
        }
    )
    pyogrio.write_dataframe(info, path, layer="run_info", driver="GPKG")
    if result.photos is not None and len(result.photos):
        pyogrio.write_dataframe(
            result.photos, path, layer="point_photos", driver="GPKG"
        )
    if result.exposure_classes is not None:
        pyogrio.write_dataframe(
            result.exposure_classes, path, layer="exposure_classes", driver="GPKG"
        )
    write_layer_styles(str(path))


def _check_field_names(frame: gpd.GeoDataFrame, layer: str) -> None:
    """GeoPackage field names ignore case: refuse twins before writing anything."""
    seen: dict[str, str] = {}
    for col in map(str, frame.columns):
        if col.casefold() in seen:
            raise ExportError(
                f"layer {layer!r} has fields {seen[col.casefold()]!r} and {col!r}, "
                "which a GeoPackage cannot hold both (names ignore case)"
            )
        seen[col.casefold()] = col


def as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Polygons and multipolygons as multipolygons (None stays None), so a cells
    layer can declare one geometry type."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    out = np.full(len(geoms), None, dtype=object)
    return shapely.multipolygons(parts, indices=index, out=out)


def _geometry_type(frame: gpd.GeoDataFrame) -> tuple[str, bool]:
    """The layer's declared geometry type and whether to promote parts to multi.

    Mixed Polygon/MultiPolygon layers (clipped cells) are declared MultiPolygon and
    promoted, so GIS clients see a declared type, never the generic GEOMETRY.
    """
    types = set(frame.geometry.geom_type.dropna().unique())
    if len(types) == 1:
        return types.pop(), False
    if types <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon", True
    if types <= {"LineString", "MultiLineString"}:
        return "MultiLineString", True
    if types <= {"Point", "MultiPoint"}:
        return "MultiPoint", True
    return "Unknown", False


def _write_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one layer (object columns as text) with a clear error on failure."""
    frame = gdf.copy()
    for col in frame.columns:
        if col != frame.geometry.name and frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    geometry_type, promote = _geometry_type(frame)
    try:
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            use_arrow=True,
            promote_to_multi=promote,
            geometry_type=geometry_type,
            dataset_options={"VERSION": GPKG_VERSION},
        )
    except Exception as exc:
        raise ExportError(f"cannot write layer {layer!r} to {path}: {exc}") from exc
