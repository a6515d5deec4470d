"""Import ledgers (CSV, XLSX, GeoJSON, Shapefile, GeoPackage) with per-row validation.

Every rejected row is reported with its file row number and the reason; the rest
go into the project in one transaction (``strict``: all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from riskmap.errors import InputDataError, MissingFileError
from riskmap.io.chinacoords import (
    CHINA_BOX,
    OFFSET_SYSTEMS,
    parse_coords_option,
    parse_degrees,
    to_wgs84,
)
from riskmap.io.vectors import (
    LAT_ALIASES,
    LON_ALIASES,
    TABLE_SUFFIXES,
    find_column,
    read_table,
)
from riskmap.progress import ProgressCallback
from riskmap.registry.fields import FIELD_NAMES, clean_record, header_aliases
from riskmap.registry.geometry import degrees_ok, local_metres
from riskmap.registry.levels import load_point_rules
from riskmap.registry.projectfile import CRS
from riskmap.registry.store import DUPLICATE_M

if TYPE_CHECKING:
    from riskmap.registry.store import Project

STUDY_MARGIN_DEG = 0.5
_SAME = f"(same name and type within {DUPLICATE_M:g} m)"


@dataclass
class ImportReport:
    """What an import did (or would do): accepted records, rejected rows, flags."""

    path: Path
    total: int
    accepted: gpd.GeoDataFrame
    rejected: list[tuple[int, str]] = field(default_factory=list)
    flagged: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    imported: int = 0
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        """One line: rows read, accepted, rejected, flagged, written."""
        return (
            f"{self.path.name}: {self.total} rows, {len(self.accepted)} accepted, "
            f"{len(self.rejected)} rejected, {len(self.flagged)} flagged, "
            f"{self.imported} imported"
        )

    def lines(self) -> list[str]:
        """One line per rejected or flagged row (行号: reason)."""
        out = [f"row {r}: rejected: {why}" for r, why in self.rejected]
        out += [f"row {r}: kept, {why}" for r, why in self.flagged]
        return out


@dataclass
class _Rows:
    """Raw rows read from a file: records, coordinates and file row numbers."""

    records: list[dict[str, Any]]
    x: list[Any]
    y: list[Any]
    rows: np.ndarray
    coords: str
    ignored: list[str]


def preview_import(
    path: str | Path, coords: str, *, project: Project | None = None
) -> ImportReport:
    """Read and validate a ledger file without writing anything."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: file not found; check the path")
    coords = parse_coords_option(coords)
    raw = _read(path, coords)
    rejected: dict[int, str] = {}
    lon, lat = _coordinates(raw, rejected, project)
    records = _clean(raw, rejected, project)
    _duplicates(raw, records, lon, lat, rejected, project)
    keep = np.array([i not in rejected for i in range(len(raw.rows))], dtype=bool)
    accepted = _accepted(raw, records, lon, lat, keep)
    flagged = _outside(accepted, project)
    return ImportReport(
        path=path,
        total=len(raw.rows),
        accepted=accepted,
        rejected=[(int(raw.rows[i]), why) for i, why in sorted(rejected.items())],
        flagged=flagged,
        ignored_columns=raw.ignored,
        records=[records[i] for i in np.flatnonzero(keep)],
    )


def import_file(
    project: Project,
    path: str | Path,
    coords: str,
    *,
    strict: bool = False,
    user: str,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Validate *path* and add its good rows to *project* in one transaction."""
    report_progress = progress or (lambda done, total, message: None)
    report_progress(0, 3, f"reading {Path(path).name}")
    report = preview_import(path, coords, project=project)
    if strict and report.rejected:
        first = "; ".join(f"row {r}: {why}" for r, why in report.rejected[:5])
        raise InputDataError(
            f"{path}: {len(report.rejected)} of {report.total} rows are invalid and "
            f"--strict imports all or nothing; nothing was imported. {first}"
        )
    report_progress(1, 3, f"writing {len(report.accepted)} points")
    records = report.records
    with project.transaction():
        project.insert_records(
            records, report.accepted.geometry.values, user=user, action="import"
        )
        project._log(user, "import-file", None, None, {
            "file": str(Path(path).resolve()), "coords": parse_coords_option(coords),
            "rows": report.total, "imported": len(records),
            "rejected": len(report.rejected),
        })  # fmt: skip
    report.imported = len(records)
    report_progress(3, 3, report.summary())
    return report


def _read(path: Path, coords: str) -> _Rows:
    """Rows of a table (CSV/XLSX) or a vector file, with their file row numbers."""
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _read_table(path, coords)
    return _read_vector(path, coords)


def _read_table(path: Path, coords: str) -> _Rows:
    """A CSV (UTF-8 or GB18030) or the first XLSX sheet; row 1 is the header."""
    frame = read_table(
        path, csv={"dtype": str, "keep_default_na": False}, excel={"dtype": object}
    )
    lon_col = find_column(frame.columns, LON_ALIASES)
    lat_col = find_column(frame.columns, LAT_ALIASES)
    if lon_col is None or lat_col is None:
        raise InputDataError(
            f"{path}: no coordinate columns; name them 经度/纬度 or "
            "longitude/latitude. "
            f"Columns found: {', '.join(map(str, frame.columns))}"
        )
    records, ignored = _map_columns(frame.drop(columns=[lon_col, lat_col]))
    rows = np.arange(len(frame)) + 2
    return _Rows(records, frame[lon_col].tolist(), frame[lat_col].tolist(), rows,
                 coords, ignored)  # fmt: skip


def _read_vector(path: Path, coords: str) -> _Rows:
    """A GeoJSON/Shapefile/GeoPackage layer; points (or inner points of polygons)."""
    try:
        gdf = pyogrio.read_dataframe(path, layer=_point_layer(path))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputDataError(f"{path}: not a readable vector layer ({exc})") from exc
    if "deleted" in gdf.columns:  # another riskmap project: skip its deleted points
        gdf = gdf[gdf["deleted"].fillna(0).astype(int) == 0]
    geoms = gdf.geometry.values
    if (
        gdf.crs is not None
        and coords not in OFFSET_SYSTEMS
        and not coords.startswith("EPSG")
    ):
        geoms = gdf.geometry.to_crs(CRS).values  # the file's own CRS wins for wgs84
        coords = "wgs84"
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pts = np.where(empty, None, shapely.point_on_surface(geoms))
    x = [np.nan if p is None else shapely.get_x(p) for p in pts]
    y = [np.nan if p is None else shapely.get_y(p) for p in pts]
    records, ignored = _map_columns(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    return _Rows(records, x, y, gdf.index.to_numpy() + 1, coords, ignored)


def _point_layer(path: Path) -> str | int:
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


def _map_columns(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], list[str]]:
    """Records keyed by field name (via Chinese/English aliases); unknown columns."""
    aliases = header_aliases()
    mapping, ignored = {}, []
    for col in frame.columns:
        name = aliases.get(str(col).strip().lower())
        if (
            name
            and name not in mapping.values()
            and name not in ("deleted", "community_id")
        ):
            mapping[col] = name
        else:
            ignored.append(str(col))
    renamed = frame[list(mapping)].rename(columns=mapping).astype(object)
    renamed = renamed.where(renamed.notna(), None)
    return renamed.to_dict("records"), ignored


def _coordinates(
    raw: _Rows, rejected: dict[int, str], project
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat per row; rows with unreadable, missing, out-of-range or swapped
    coordinates are rejected (and get NaN)."""
    x, y = _parse_xy(raw, rejected)
    has_xy = ~(np.isnan(x) | np.isnan(y))
    lon, lat = _to_wgs84(x, y, raw.coords)
    valid = has_xy & degrees_ok(lon, lat)
    geographic = not raw.coords.startswith("EPSG")
    if geographic:
        valid &= degrees_ok(x, y)
    swapped = np.zeros(len(x), dtype=bool)
    if geographic:
        box = _study_box(project)
        outside = has_xy & ~(valid & _in_box(lon, lat, box))
        slon, slat = _to_wgs84(y, x, raw.coords)
        swapped = outside & degrees_ok(y, x) & _in_box(slon, slat, box)
    for i in np.flatnonzero(swapped):
        rejected[int(i)] = (
            f"longitude/latitude look swapped (经纬度颠倒): {raw.x[i]}, {raw.y[i]} "
            "lies in the study area only when swapped; swap the two columns"
        )
    for i in np.flatnonzero(has_xy & ~valid & ~swapped):
        rejected[int(i)] = f"coordinates out of range ({raw.x[i]}, {raw.y[i]})"
    bad = ~valid | swapped
    lon[bad], lat[bad] = np.nan, np.nan
    return lon, lat


def _parse_xy(raw: _Rows, rejected: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Decimal x/y per row (decimal or DMS text); NaN where unreadable or missing."""
    n = len(raw.rows)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        try:
            x[i], y[i] = parse_degrees(raw.x[i]), parse_degrees(raw.y[i])
        except InputDataError as exc:
            x[i] = y[i] = np.nan
            rejected[i] = f"unreadable coordinate: {exc}"
    for i in np.flatnonzero(np.isnan(x) | np.isnan(y)):
        rejected.setdefault(int(i), "missing coordinate (经度/纬度)")
    return x, y


def _to_wgs84(
    x: np.ndarray, y: np.ndarray, coords: str
) -> tuple[np.ndarray, np.ndarray]:
    """to_wgs84 that leaves NaN rows NaN and never warns about them."""
    lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.any():
        with np.errstate(all="ignore"):
            lon[ok], lat[ok] = to_wgs84(x[ok], y[ok], coords)
    return lon, lat


def _study_box(project) -> tuple[float, float, float, float]:
    """The communities' extent plus a margin, else the China box."""
    if project is not None:
        comms = project.communities()
        if len(comms):
            x0, y0, x1, y1 = comms.total_bounds
            m = STUDY_MARGIN_DEG
            return x0 - m, y0 - m, x1 + m, y1 + m
    return CHINA_BOX


def _in_box(lon: np.ndarray, lat: np.ndarray, box) -> np.ndarray:
    """True where lon/lat fall in *box*."""
    x0, y0, x1, y1 = box
    with np.errstate(invalid="ignore"):
        return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _clean(raw: _Rows, rejected: dict[int, str], project) -> list[dict[str, Any]]:
    """Cleaned records; rows with bad or missing fields, or taken ids, are rejected."""
    rules = load_point_rules()
    taken = set()
    if project is not None:
        taken = {r[0] for r in project.conn.execute("SELECT id FROM points")}
    out = []
    for i, record in enumerate(raw.records):
        values, errors = clean_record(record, rules)
        pid = values.get("id")
        if not errors and pid in taken:
            errors["id"] = f"编号 id {pid!r} is already in the project (or file)"
        if errors and i not in rejected:
            rejected[i] = "; ".join(errors.values())
        if pid and i not in rejected:
            taken.add(pid)
        out.append(values)
    return out


def _duplicates(raw, records, lon, lat, rejected, project) -> None:
    """Reject rows with the name and type of an earlier row or point within 10 m."""
    live = [i for i in range(len(records)) if i not in rejected]
    if not live:
        return
    idx = np.array(live)
    lat0 = float(np.nanmean(lat[idx]))
    xy = _metric(lon[idx], lat[idx], lat0)
    key = [(records[i].get("name"), records[i].get("type")) for i in idx]
    pairs = shapely.STRtree(xy).query(xy, predicate="dwithin", distance=DUPLICATE_M)
    for a, b in zip(*pairs, strict=True):
        if a < b and key[a] == key[b] and idx[a] not in rejected:
            why = f"duplicate of row {raw.rows[idx[a]]} {_SAME}"
            rejected.setdefault(int(idx[b]), why)
    if project is None:
        return
    rows = project.conn.execute(
        "SELECT id, name, type, geom FROM points WHERE deleted = 0"
    ).fetchall()
    if not rows:
        return
    geoms = project.conn.decode_geoms([r[3] for r in rows])
    exy = _metric(shapely.get_x(geoms), shapely.get_y(geoms), lat0)
    pairs = shapely.STRtree(exy).query(xy, predicate="dwithin", distance=DUPLICATE_M)
    for a, e in zip(*pairs, strict=True):
        if key[a] == (rows[e][1], rows[e][2]):
            why = f"duplicate of point {rows[e][0]} {_SAME}"
            rejected.setdefault(int(idx[a]), why)


def _metric(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    """Points in approximate metres around latitude *lat0* (for 10 m checks)."""
    return shapely.points(*local_metres(lon, lat, lat0))


def _accepted(raw, records, lon, lat, keep) -> gpd.GeoDataFrame:
    """The accepted records as a GeoDataFrame (EPSG:4326) with their file row."""
    rows = [records[i] for i in np.flatnonzero(keep)]
    frame = pd.DataFrame(rows, columns=[c for c in FIELD_NAMES if c != "deleted"])
    frame.insert(0, "row", raw.rows[keep])
    return gpd.GeoDataFrame(
        frame, geometry=shapely.points(lon[keep], lat[keep]), crs=CRS
    )


def _outside(accepted: gpd.GeoDataFrame, project) -> list[tuple[int, str]]:
    """Flag accepted rows that fall in no community (they are kept)."""
    if project is None or len(accepted) == 0 or len(project.communities()) == 0:
        return []
    comm = project.community_of(accepted.geometry.values)
    return [
        (int(r), "outside every community (不在任何社区内)")
        for r, c in zip(accepted["row"], comm, strict=True)
        if c is None
    ]
