"""The one reader of point records: ledger imports, ``compute --points`` and
``--resources`` all go through it.

A CSV/XLSX table (UTF-8 or GBK; coordinate columns 经度/纬度, longitude/latitude,
x/y; decimal or DMS text such as ``106°44′51″E``) or any vector layer (polygons
give an inner point). Coordinates may be WGS84, CGCS2000, GCJ-02 (AMap/Tencent),
BD-09 (Baidu) or any EPSG system; everything comes out in WGS84 lon/lat, with a
reason for every row whose coordinates are missing, unreadable, out of range or
swapped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely

from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.io.chinacoords import (
    CHINA_BOX,
    OFFSET_SYSTEMS,
    degrees_ok,
    parse_coords_option,
    parse_degrees,
    to_wgs84,
)
from riskmap.io.vectors import (
    EXCEL_SUFFIXES,
    TABLE_SUFFIXES,
    coordinate_columns,
    read_ogr,
    read_table,
)
from riskmap.spreadsheet import csv_unsafe

Box = tuple[float, float, float, float]


@dataclass
class PointRows:
    """Raw point records of one file, before their coordinates are checked."""

    path: Path
    frame: pd.DataFrame  # attributes only (no coordinate columns, no geometry)
    x: list[Any]
    y: list[Any]
    rows: np.ndarray  # file row (tables: the header is row 1) or feature number
    coords: str  # the system x/y are in (see parse_coords_option)
    unit: str = "row"  # "row" for tables, "feature" for vector layers

    def where(self, i: int) -> str:
        """'row 7' or 'feature 7' for messages."""
        return f"{self.unit} {self.rows[i]}"


def read_point_rows(
    path: str | Path,
    coords: str | None,
    *,
    option: str = "--coords",
    as_text: bool = False,
    assume_only: bool = False,
) -> PointRows:
    """Read the records of a table or vector layer with their raw coordinates.

    *coords* declares the coordinate system; a table (or a layer without a CRS)
    with none declared is read as WGS84 with a warning that names *option*.
    *assume_only*: *coords* only applies where the file does not say (a table or
    a layer without a CRS), as ``--assume-crs`` does. *as_text* keeps every table
    cell as text (the ledger validates them itself).
    """
    path = Path(path)
    declared = parse_coords_option(coords) if coords else None
    if path.suffix.lower() in TABLE_SUFFIXES:
        rows = _table_rows(path, declared or "", as_text)
    else:
        rows = _vector_rows(path, declared, assume_only)
    if declared is None and rows.coords == "":
        warnings.warn(
            f"{path}: the file does not say which coordinate system its points are "
            f"in; read as WGS84 (GPS). If they come from AMap/Tencent or Baidu, "
            f"give {option} gcj02 or {option} bd09",
            RiskmapWarning,
            stacklevel=2,
        )
        rows.coords = "wgs84"
    return rows


def _table_rows(path: Path, coords: str, as_text: bool) -> PointRows:
    """A CSV (UTF-8 or GB18030) or a workbook's first sheet; row 1 is the header.

    A CSV's ``'`` prefixes that keep texts from running as formulas are removed.
    """
    if as_text:
        text = {"dtype": str, "keep_default_na": False}
        frame = read_table(path, csv=text, excel={"dtype": object})
    else:
        frame = read_table(path)
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        frame = csv_unsafe(frame)
    lon_col, lat_col = coordinate_columns(frame, path)
    return PointRows(
        path,
        frame.drop(columns=[lon_col, lat_col]).reset_index(drop=True),
        frame[lon_col].tolist(),
        frame[lat_col].tolist(),
        np.arange(len(frame)) + 2,
        coords,  # "" when undeclared: a table never says
    )


def _vector_rows(path: Path, declared: str | None, assume_only: bool) -> PointRows:
    """A GeoJSON/Shapefile/GeoPackage layer: points, or inner points of polygons.

    The layer's own CRS is used unless the user declares an offset system
    (GCJ-02/BD-09 data are stored as if they were WGS84) or an EPSG code.
    """
    gdf = read_ogr(path, point_layer(path))
    geoms = gdf.geometry.values
    coords = declared or ""
    if gdf.crs is not None and (
        declared is None or (declared not in OFFSET_SYSTEMS and declared[:4] != "EPSG")
    ):
        coords = "wgs84"
        if not gdf.crs.equals("EPSG:4326"):
            geoms = _to_lonlat(gdf)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pts = np.where(empty, None, shapely.point_on_surface(np.where(empty, None, geoms)))
    x = [np.nan if p is None else shapely.get_x(p) for p in pts]
    y = [np.nan if p is None else shapely.get_y(p) for p in pts]
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    return PointRows(path, frame, x, y, np.arange(len(gdf)) + 1, coords, "feature")


def _to_lonlat(gdf) -> np.ndarray:
    """The layer's geometries in WGS84; features that cannot be moved become empty."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        moved = np.asarray(gdf.geometry.to_crs("EPSG:4326").values, dtype=object)
    bad = ~np.isfinite(shapely.bounds(moved)).all(axis=1)
    moved[bad & ~shapely.is_empty(moved)] = None
    return moved


def point_layer(path: Path) -> str | int:
    """The layer to read: "points" (a riskmap project), else the first point layer."""
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputDataError(f"{path}: not a readable vector layer ({exc})") from exc
    names = [str(name) for name, _ in layers]
    if "points" in names:
        return "points"
    kinds = [str(kind or "") for _, kind in layers]
    return next((n for n, k in zip(names, kinds, strict=True) if "Point" in k), 0)


def locate(
    rows: PointRows, box: Box | None = None
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """WGS84 lon/lat per record and a reason per record that has none.

    Missing, unreadable and out-of-range coordinates have no position; so have
    coordinates that lie in *box* (the study area; default China) only when
    longitude and latitude are swapped.
    """
    problems: dict[int, str] = {}
    x, y = _parse_xy(rows, problems)
    has_xy = ~(np.isnan(x) | np.isnan(y))
    lon, lat = _to_wgs84(x, y, rows.coords)
    valid = has_xy & degrees_ok(lon, lat)
    geographic = not rows.coords.startswith("EPSG")
    if geographic:
        valid &= degrees_ok(x, y)
    swapped = np.zeros(len(x), dtype=bool)
    if geographic:
        area = box or CHINA_BOX
        outside = has_xy & ~(valid & _in_box(lon, lat, area))
        slon, slat = _to_wgs84(y, x, rows.coords)
        swapped = outside & degrees_ok(y, x) & _in_box(slon, slat, area)
    for i in np.flatnonzero(swapped):
        problems[int(i)] = (
            f"longitude/latitude look swapped (经纬度颠倒): {rows.x[i]}, {rows.y[i]} "
            "lies in the study area only when swapped; swap the two columns"
        )
    for i in np.flatnonzero(has_xy & ~valid & ~swapped):
        problems[int(i)] = (
            f"coordinates out of range ({rows.x[i]}, {rows.y[i]}): not "
            f"{_system_name(rows.coords)} degrees"
        )
    bad = ~valid | swapped
    lon[bad], lat[bad] = np.nan, np.nan
    return lon, lat, problems


def _system_name(coords: str) -> str:
    """How to name the declared system in a message."""
    return {"wgs84": "WGS84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02"}.get(
        coords, coords
    )


def _parse_xy(rows: PointRows, problems: dict[int, str]) -> tuple[np.ndarray, ...]:
    """Decimal x/y per record (decimal or DMS text); NaN where unreadable or missing."""
    n = len(rows.rows)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        try:
            x[i], y[i] = parse_degrees(rows.x[i]), parse_degrees(rows.y[i])
        except InputDataError as exc:
            x[i] = y[i] = np.nan
            problems[i] = f"unreadable coordinate: {exc}"
    for row in np.flatnonzero(np.isnan(x) | np.isnan(y)):
        problems.setdefault(int(row), "missing coordinate (经度/纬度)")
    return x, y


def _to_wgs84(x: np.ndarray, y: np.ndarray, coords: str) -> tuple[np.ndarray, ...]:
    """to_wgs84 that leaves NaN rows NaN and never warns about them."""
    lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        with np.errstate(all="ignore"):
            lon[ok], lat[ok] = to_wgs84(x[ok], y[ok], coords)
    return lon, lat


def _in_box(lon: np.ndarray, lat: np.ndarray, box: Box) -> np.ndarray:
    """True where lon/lat fall in *box*."""
    x0, y0, x1, y1 = box
    with np.errstate(invalid="ignore"):
        return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def require_located(rows: PointRows, problems: dict[int, str], option: str) -> None:
    """Refuse a layer with unusable coordinates, naming the first records."""
    if not problems:
        return
    first = "; ".join(
        f"{rows.where(i)}: {why}" for i, why in sorted(problems.items())[:3]
    )
    hint = (
        f"; if they are projected metres, give {option} EPSG:XXXX"
        if any("out of range" in why for why in problems.values())
        else ""
    )
    raise InputDataError(
        f"{rows.path}: {len(problems)} of {len(rows.rows)} {rows.unit}s have no "
        f"usable coordinates ({first}){hint}; fix or remove them"
    )
