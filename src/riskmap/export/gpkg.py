"""Write a RiskResult to RESULT.gpkg (layers cells, communities, points, run_info)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from riskmap.atomic import atomic_path
from riskmap.domain import RiskResult
from riskmap.errors import ExportError


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


def write_result(result: RiskResult, path: str | Path) -> Path:
    """Write all result layers into one GeoPackage, atomically."""
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
    info = pd.DataFrame(
        {
            "key": list(result.info),
            "value": [json.dumps(v, ensure_ascii=False) for v in result.info.values()],
        }
    )
    pyogrio.write_dataframe(info, path, layer="run_info", driver="GPKG")
    if result.exposure_classes is not None:
        pyogrio.write_dataframe(
            result.exposure_classes, path, layer="exposure_classes", driver="GPKG"
        )


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


def _geometry_type(frame: gpd.GeoDataFrame) -> str:
    """The layer's declared type: the single type present, else generic "Unknown".

    Declaring a mixed Polygon/MultiPolygon layer generic avoids converting every
    square cell to a MultiPolygon (seconds on a million cells).
    """
    types = set(frame.geometry.geom_type.dropna().unique())
    return types.pop() if len(types) == 1 else "Unknown"


def _write_layer(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one layer (object columns as text) with a clear error on failure."""
    frame = gdf.copy()
    for col in frame.columns:
        if col != frame.geometry.name and frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    try:
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            use_arrow=True,
            promote_to_multi=False,
            geometry_type=_geometry_type(frame),
        )
    except Exception as exc:
        raise ExportError(f"cannot write layer {layer!r} to {path}: {exc}") from exc
