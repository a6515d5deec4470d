"""Export result layers as RFC 7946 GeoJSON (EPSG:4326, lon/lat, 6 decimals),
and the per-class exposure table (no geometry) as CSV beside them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from riskmap.atomic import atomic_path
from riskmap.domain import RiskResult
from riskmap.errors import ExportError
from riskmap.spreadsheet import csv_safe


def write_geojson(result: RiskResult, out_dir: str | Path) -> list[Path]:
    """Write one GeoJSON file per result layer (cells, communities, points, ...)."""
    out_dir = Path(out_dir)
    layers = {
        "cells": result.cells,
        "communities": result.communities,
        "points": result.points,
        "resources": result.resources,
        "coverage": result.coverage,
    }
    written = [
        write_layer_geojson(gdf, out_dir / f"{name}.geojson")
        for name, gdf in layers.items()
        if gdf is not None
    ]
    if result.exposure_classes is not None:
        written.append(write_table_csv(result.exposure_classes, out_dir))
    return written


def write_table_csv(table: pd.DataFrame, out_dir: Path) -> Path:
    """``exposure_classes.csv``: people, buildings and households per community,
    hazard and class (UTF-8 with BOM for Excel; texts kept from being formulas)."""
    path = out_dir / "exposure_classes.csv"
    with atomic_path(path) as tmp:
        csv_safe(table).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def write_layer_geojson(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write one layer as RFC 7946 GeoJSON, atomically."""
    frame = gdf.to_crs("EPSG:4326")
    with atomic_path(path) as tmp:
        try:
            frame.to_file(
                tmp,
                driver="GeoJSON",
                engine="pyogrio",
                layer_options={
                    "RFC7946": "YES",
                    "COORDINATE_PRECISION": 6,
                    "WRITE_NAME": "NO",
                },
            )
        except Exception as exc:
            raise ExportError(f"cannot write {path}: {exc}") from exc
    return path
