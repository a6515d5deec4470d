"""Read vector layers (GeoPackage, Shapefile, GeoJSON, CSV/XLSX) and validate them."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from riskmap.errors import CRSError, InputDataError, MissingFileError, RiskmapWarning
from riskmap.io.chinacoords import OFFSET_SYSTEMS, to_wgs84
from riskmap.io.crs import parse_assume_crs

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
TABLE_SUFFIXES = {".csv", ".txt", *EXCEL_SUFFIXES}
LON_ALIASES = ("longitude", "lon", "lng", "long", "经度", "x", "东经")
LAT_ALIASES = ("latitude", "lat", "纬度", "y", "北纬")


def read_vector(
    path: str | Path, *, layer: str | None = None, assume_crs: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector layer, keep its CRS, and repair invalid geometries.

    A layer without a CRS is an input error unless *assume_crs* names one.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    if path.suffix.lower() in TABLE_SUFFIXES:
        gdf = read_point_table(path, assume_crs=assume_crs)
    else:
        gdf = read_ogr(path, layer)
    gdf = _ensure_crs(gdf, path, assume_crs)
    check_coordinates(gdf, path)
    return clean_geometries(gdf, path)


def read_ogr(path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    """Read any OGR-supported vector file, decoding Shapefile text correctly."""
    encoding = shapefile_encoding(path) if path.suffix.lower() == ".shp" else None
    try:
        gdf = gpd.read_file(path, layer=layer, encoding=encoding, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputDataError(f"{path}: not a readable vector layer ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"{path}: text is not in a known encoding ({exc})"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf:
        raise InputDataError(f"{path}: the layer has no geometry column")
    return gdf


def shapefile_encoding(path: Path) -> str | None:
    """Encoding of a Shapefile's .dbf: None lets GDAL decide (.cpg or LDID given).

    Most Chinese government shapefiles are GBK with neither a .cpg nor a code-page
    byte, and GDAL would then mis-read them as Latin-1; so text that is not valid
    UTF-8 is taken as GB18030 (a superset of GBK and GB2312).
    """
    if any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next(
        (p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()),
        None,
    )
    if dbf is None:
        return None
    with dbf.open("rb") as handle:
        header = handle.read(32)
        body = handle.read(8 * 1024 * 1024)
    if len(header) > 29 and header[29] != 0:
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 4:  # not merely a character cut at the end
            return "GB18030"
    return "UTF-8"


def read_point_table(path: Path, *, assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """Read a CSV/XLSX table with longitude/latitude (or x/y) columns as points."""
    frame = read_table(path)
    lon_col, lat_col = coordinate_columns(frame, path)
    lon = pd.to_numeric(frame[lon_col], errors="coerce")
    lat = pd.to_numeric(frame[lat_col], errors="coerce")
    bad = np.flatnonzero(lon.isna() | lat.isna())
    if len(bad):
        rows = ", ".join(str(i + 2) for i in bad[:10])
        raise InputDataError(
            f"{path}: {len(bad)} row(s) have missing or non-numeric coordinates "
            f"in {lon_col}/{lat_col} (file rows {rows})"
        )
    crs = assume_crs or _table_crs(lon, lat, path)
    geometry = gpd.points_from_xy(lon, lat)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)


def require_counts(
    values: pd.Series,
    raw: pd.Series,
    path: Path | str,
    where: Sequence[str],
    limit: float,
    what: str = "count",
) -> None:
    """Head-counts and capacities must be finite, >= 0 and at most *limit*
    (1e400 and inf in a spreadsheet are typing mistakes); *where* names each
    row for the message."""
    with np.errstate(invalid="ignore"):
        bad = (
            values.notna().to_numpy() & ~((values >= 0) & (values <= limit)).to_numpy()
        )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        why = "a negative" if values.iloc[i] < 0 else "an impossible"
        raise InputDataError(
            f"{path}: {where[i]}, column {raw.name!r}: {raw.iloc[i]} is {why} "
            f"{what} (it must lie from 0 to {limit:,.0f}); correct it"
        )


def coordinate_columns(frame: pd.DataFrame, path: Path) -> tuple[str, str]:
    """The longitude and latitude columns of a table, or a clear error."""
    lon_col = find_column(frame.columns, LON_ALIASES)
    lat_col = find_column(frame.columns, LAT_ALIASES)
    if lon_col is None or lat_col is None:
        raise InputDataError(
            f"{path}: no coordinate columns; name them 经度/纬度 or "
            "longitude/latitude (or x/y). "
            f"Columns found: {', '.join(map(str, frame.columns))}"
        )
    return lon_col, lat_col


def _table_crs(lon: pd.Series, lat: pd.Series, path: Path) -> str:
    """Lon/lat columns in degree range are WGS84; anything else needs a CRS."""
    if lon.between(-180, 180).all() and lat.between(-90, 90).all():
        return "EPSG:4326"
    raise CRSError(
        f"{path}: coordinates are not longitude/latitude degrees; name their CRS "
        "with --assume-crs EPSG:XXXX"
    )


def read_table(
    path: Path,
    *,
    what: str = "table",
    csv: dict | None = None,
    excel: dict | None = None,
) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GBK) or an Excel sheet into a DataFrame.

    *csv* and *excel* are extra pandas options for each kind (e.g. ``dtype=str``);
    *what* names the file in the error message.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return _read_workbook(path, excel or {})
        try:
            return pd.read_csv(path, encoding="utf-8-sig", **(csv or {}))
        except UnicodeDecodeError:
            return pd.read_csv(path, encoding="gb18030", **(csv or {}))
    except InputDataError:
        raise
    except (ValueError, OSError, ImportError) as exc:
        raise InputDataError(f"{path}: cannot read the {what} ({exc})") from exc


def _read_workbook(path: Path, options: dict) -> pd.DataFrame:
    """The first sheet of a workbook; a truncated or broken one is "damaged"."""
    try:
        return pd.read_excel(path, **options)
    except (zipfile.BadZipFile, KeyError, EOFError, ET.ParseError) as exc:
        raise InputDataError(
            f"{path} is damaged: not a complete workbook ({exc or type(exc).__name__});"
            " save it again from the spreadsheet program"
        ) from None
    except ValueError as exc:
        if "zip" in str(exc).lower() or "format" in str(exc).lower():
            raise InputDataError(
                f"{path} is damaged: not a workbook ({exc}); save it again as .xlsx"
            ) from None
        raise


def find_column(columns: Sequence[object], aliases: Sequence[str]) -> str | None:
    """The first column whose name matches one of *aliases* (case-insensitive)."""
    names = {str(c).strip().lower(): str(c) for c in columns}
    for alias in aliases:
        if alias.lower() in names:
            return names[alias.lower()]
    return None


def _ensure_crs(
    gdf: gpd.GeoDataFrame, path: Path, assume_crs: str | None
) -> gpd.GeoDataFrame:
    """Give a CRS-less layer the user's CRS, or refuse it."""
    if gdf.crs is not None:
        return gdf
    if assume_crs:
        system = parse_assume_crs(assume_crs)
        if system in OFFSET_SYSTEMS:  # AMap/Baidu lon/lat: move them onto WGS84
            moved = shapely.transform(
                gdf.geometry.values,
                lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], system)),
            )
            return gdf.set_geometry(gpd.GeoSeries(moved, index=gdf.index), crs=4326)
        return gdf.set_crs(system)
    raise CRSError(
        f"{path}: the layer has no coordinate reference system (no .prj?); "
        "add one or pass --assume-crs EPSG:XXXX (e.g. EPSG:4326 for lon/lat)"
    )


def check_coordinates(gdf: gpd.GeoDataFrame, path: Path | str) -> None:
    """Refuse NaN/infinite coordinates and, in a lon/lat layer, values that are no
    degrees (projected metres, or latitude and longitude swapped)."""
    geoms = gdf.geometry.values
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = np.unique(owner[~np.isfinite(coords).all(axis=1)])
    with np.errstate(invalid="ignore"):
        bounds = shapely.bounds(geoms)
        if len(bad):
            raise InputDataError(
                f"{path}: feature(s) {_ids(gdf.index[bad])} have empty (NaN) or "
                "infinite coordinates; fix or delete them"
            )
        if gdf.crs is None or not gdf.crs.is_geographic:
            return
        lon_ok = (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180)
        lat_ok = (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
    bad = np.flatnonzero(present & ~(lon_ok & lat_ok))
    if len(bad):
        x0, y0 = bounds[bad[0], 0], bounds[bad[0], 1]
        why = (
            "latitude and longitude look swapped"
            if -90 <= x0 <= 90 and -180 <= y0 <= 180
            else "they look like projected metres"
        )
        raise InputDataError(
            f"{path}: feature(s) {_ids(gdf.index[bad])} are not longitude/latitude "
            f"degrees although the layer says {gdf.crs.name} (e.g. x={x0:g}, "
            f"y={y0:g}; {why}); fix the coordinates or the layer's CRS"
        )


def clean_geometries(gdf: gpd.GeoDataFrame, path: Path | str) -> gpd.GeoDataFrame:
    """Drop empty geometries and repair invalid ones, warning with the feature ids."""
    if len(gdf) == 0:
        raise InputDataError(f"{path}: the layer is empty (no features)")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.all():
        raise InputDataError(f"{path}: no feature has a geometry")
    if empty.any():
        _warn(
            f"{path}: dropped {int(empty.sum())} feature(s) without geometry: "
            f"{_ids(gdf.index[empty])}"
        )
        gdf = gdf.loc[~empty].copy()
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        _warn(
            f"{path}: repaired {int(invalid.sum())} invalid geometr(y/ies) with "
            f"make_valid: feature ids {_ids(gdf.index[invalid])}"
        )
        gdf = gdf.copy()
        gdf.loc[invalid, gdf.geometry.name] = _repair(gdf.geometry[invalid].values)
    return gdf


def _repair(geoms: np.ndarray) -> np.ndarray:
    """make_valid, keeping only the parts of the original dimension."""
    fixed = shapely.make_valid(np.asarray(geoms))
    dims = shapely.get_dimensions(np.asarray(geoms))
    out = []
    for geom, dim in zip(fixed, dims, strict=True):
        if isinstance(geom, shapely.GeometryCollection) and not geom.is_empty:
            parts = [g for g in geom.geoms if shapely.get_dimensions(g) == dim]
            geom = shapely.union_all(parts) if parts else geom
        out.append(geom)
    return np.asarray(out, dtype=object)


def _ids(index: pd.Index) -> str:
    """Comma list of at most 20 feature ids."""
    ids = [str(i) for i in index[:20]]
    return ", ".join(ids) + (" ..." if len(index) > 20 else "")


def _warn(message: str) -> None:
    """Emit a riskmap warning."""
    warnings.warn(message, RiskmapWarning, stacklevel=3)
