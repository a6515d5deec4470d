"""Read a RESULT.gpkg written by ``riskmap compute`` back into a RiskResult.

Everything the exporters rely on is checked here, so a damaged or hand-edited
file gives one line "<file> is damaged: ..." instead of a failure half-way
through a map.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from riskmap.domain import GridSpec, RiskResult, RunInfo
from riskmap.errors import InputDataError, MissingFileError

REQUIRED_COLUMNS = {
    "cells": ("cell_id", "community_id", "community", "level", "area_m2"),
    "communities": ("community_id", "community"),
    "points": ("level", "community_id"),
}
OPTIONAL_LAYERS = ("points", "resources", "coverage")


class DamagedFileError(InputDataError):
    """A file riskmap wrote (or should have) cannot be used as it is."""


def damaged(path: Path, why: str) -> DamagedFileError:
    """The one message for a damaged file."""
    return DamagedFileError(
        f"{path} is damaged: {why}; compute it again (or restore a backup)"
    )


def read_result(path: str | Path, cells: bool = True) -> RiskResult:
    """Read cells, communities, points (if any) and run_info from RESULT.gpkg.

    With ``cells=False`` the cells layer is left on disk (``cells`` is an empty
    frame with its columns), so a viewer of a whole city reads only the summary.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(
            f"{path}: file not found; create it with riskmap compute"
        )
    names = _layer_names(path)
    missing = {"cells", "communities", "run_info"} - names
    if missing:
        raise InputDataError(
            f"{path}: not a riskmap result (missing layer(s) "
            f"{', '.join(sorted(missing))}); "
            "create one with riskmap compute --out RESULT.gpkg"
        )
    info = _read_info(path)
    layers = {
        name: _read_layer(path, name)
        for name in ("communities", *OPTIONAL_LAYERS)
        if name in names
    }
    layers["cells"] = read_cells(path, info, where=None if cells else "0")
    classes = (
        _read_layer(path, "exposure_classes") if "exposure_classes" in names else None
    )
    photos = _read_layer(path, "point_photos") if "point_photos" in names else None
    return RiskResult(
        layers["cells"],
        layers["communities"],
        layers.get("points"),
        info,
        layers.get("resources"),
        layers.get("coverage"),
        classes,
        photos,
    )


def _stored_without_squares(info: RunInfo) -> GridSpec | None:
    """The grid whose squares the cells layer leaves out (``--cells raster``)."""
    return info.grid if info.cells_mode == "raster" else None


def _layer_names(path: Path) -> set[str]:
    """The layers of a GeoPackage; a damaged or foreign file is an input error."""
    try:
        return {str(name) for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as exc:
        if _is_sqlite(path):
            raise damaged(path, f"the GeoPackage cannot be opened ({exc})") from None
        raise InputDataError(f"{path}: not a GeoPackage ({exc})") from exc


def _is_sqlite(path: Path) -> bool:
    """True when the file starts like an SQLite database (so it is ours, damaged)."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def read_cells(
    path: str | Path,
    info: RunInfo,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    where: str | None = None,
    max_features: int | None = None,
) -> gpd.GeoDataFrame:
    """Cells of RESULT.gpkg within *bbox* (its spatial index) or matching SQL
    *where* (all by default), checked like ``read_result``'s; *info* is its run_info.

    Whole fishnet cells stored without a polygon (``--cells raster``) have no
    entry in the spatial index: find them by ``row``/``col`` with *where*.
    """
    grid = _stored_without_squares(info)
    query = {"bbox": bbox, "where": where, "max_features": max_features}
    return _read_layer(Path(path), "cells", grid, **query)


def _read_layer(
    path: Path, name: str, grid: GridSpec | None = None, **query
) -> gpd.GeoDataFrame:
    """One result layer (the features *query* selects: pyogrio's bbox, where,
    max_features), with its required columns, levels and geometries checked;
    *grid* gives back the squares of cells stored without one."""
    try:
        frame = pyogrio.read_dataframe(path, layer=name, use_arrow=True, **query)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            sqlite3.DatabaseError, ValueError, OSError) as exc:  # fmt: skip
        raise damaged(path, f"layer {name!r} cannot be read ({exc})") from None
    absent = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in frame.columns]
    if absent:
        raise damaged(path, f"layer {name!r} has no column {', '.join(absent)}")
    if "level" in frame.columns and name in ("cells", "points"):
        _check_levels(path, name, frame["level"])
    if name == "cells" and grid is not None:
        restore_squares(frame, grid)
    if name in ("cells", "communities"):
        _check_geometries(path, name, frame)
    return frame


def _check_levels(path: Path, layer: str, level: pd.Series) -> None:
    """Levels must be whole numbers 1-4."""
    values = pd.to_numeric(level, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isin(values, (1, 2, 3, 4)))
    if len(bad):
        raise damaged(
            path,
            f"layer {layer!r} feature {bad[0] + 1} has level {level.iloc[bad[0]]!r} "
            "(levels are 1-4)",
        )


def _check_geometries(path: Path, layer: str, frame: gpd.GeoDataFrame) -> None:
    """Every feature needs a polygon with finite coordinates."""
    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(shapely.bounds(geoms)).all(axis=1)
    bad = np.flatnonzero(missing | ~finite)
    if len(bad):
        raise damaged(
            path, f"layer {layer!r} feature {bad[0] + 1} has no usable geometry"
        )


def _read_info(path: Path) -> RunInfo:
    """run_info as a RunInfo; broken JSON or missing keys mean a damaged file."""
    try:
        table = pyogrio.read_dataframe(path, layer="run_info")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise damaged(path, f"run_info cannot be read ({exc})") from None
    if not {"key", "value"} <= set(table.columns):
        raise damaged(path, "run_info has no key/value columns")
    info: dict[str, Any] = {}
    for key, value in zip(table["key"], table["value"], strict=True):
        try:
            info[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            raise damaged(
                path, f"run_info {key!r} is not valid JSON ({str(value)[:40]!r})"
            ) from None
    _check_info(path, info)
    try:
        return RunInfo.from_items(info)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise damaged(
            path, f"run_info has an entry of the wrong kind ({exc})"
        ) from None


def _check_info(path: Path, info: dict[str, Any]) -> None:
    """The run_info entries exporters read: a CRS and the hazard list."""
    try:
        CRS.from_user_input(info["crs"])
    except (KeyError, TypeError, CRSError):
        raise damaged(path, "run_info has no valid crs") from None
    hazards = info.get("hazards", [])
    if not isinstance(hazards, list) or not all(
        isinstance(h, dict) and isinstance(h.get("name"), str) for h in hazards
    ):
        raise damaged(path, "run_info hazards is not a list of named hazards")
    info["hazards"] = hazards


def restore_squares(cells, grid: GridSpec) -> None:
    """Give whole fishnet cells stored without a polygon (--cells raster) their square.

    The square of cell (row, col) follows from the run's grid (origin and cell
    size), so it need not be stored.
    """
    if not grid.is_lattice or len(cells) == 0:
        return
    missing = cells.geometry.isna().to_numpy() & (cells["row"].to_numpy() >= 0)
    if not missing.any():
        return
    geoms = cells.geometry.values.copy()
    geoms[missing] = grid.boxes(
        cells["row"].to_numpy()[missing], cells["col"].to_numpy()[missing]
    )
    cells[cells.geometry.name] = geoms
