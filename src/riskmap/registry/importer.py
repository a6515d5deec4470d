"""Import ledgers (CSV, XLSX, GeoJSON, Shapefile, GeoPackage) with per-row validation.

Every rejected row is reported with its file row number and the reason; the rest
go into the project in one transaction (``strict``: all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.errors import InputDataError, MissingFileError, did_you_mean
from riskmap.io.chinacoords import CHINA_BOX, parse_coords_option
from riskmap.io.crs import study_box
from riskmap.io.pointrows import PointRows, locate, read_point_rows
from riskmap.progress import ProgressCallback
from riskmap.registry.fields import FIELD_NAMES, clean_record, header_aliases
from riskmap.registry.geometry import DUPLICATE_M, local_metres
from riskmap.registry.levels import load_point_rules
from riskmap.registry.projectfile import CRS
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


def preview_import(
    path: str | Path, coords: str, *, project: Project | None = None
) -> ImportReport:
    """Read and validate a ledger file without writing anything."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: file not found; check the path")
    raw = read_point_rows(path, coords, as_text=True)
    records, ignored = _records(raw)
    lon, lat, rejected = locate(raw, _study_box(project))
    records = _clean(records, rejected, project)
    _duplicates(raw, records, lon, lat, rejected, project)
    keep = np.array([i not in rejected for i in range(len(raw.rows))], dtype=bool)
    accepted = _accepted(raw, records, lon, lat, keep)
    flagged = _outside(accepted, project) + _unknown_types(accepted)
    return ImportReport(
        path=path,
        total=len(raw.rows),
        accepted=accepted,
        rejected=[(int(raw.rows[i]), why) for i, why in sorted(rejected.items())],
        flagged=flagged,
        ignored_columns=ignored,
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
    """Validate *path* and add its good rows to *project* in one transaction.

    The project's write lock is taken before the duplicate and id checks, so two
    imports (or adds) at once cannot both insert the same point.
    """
    report_progress = progress or (lambda done, total, message: None)
    report_progress(0, 3, f"reading {Path(path).name}")
    with project.transaction():
        report = preview_import(path, coords, project=project)
        if strict and report.rejected:
            first = "; ".join(f"row {r}: {why}" for r, why in report.rejected[:5])
            raise InputDataError(
                f"{path}: {len(report.rejected)} of {report.total} rows are invalid "
                f"and --strict imports all or nothing; nothing was imported. {first}"
            )
        report_progress(1, 3, f"writing {len(report.accepted)} points")
        records = report.records
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


def _records(raw: PointRows) -> tuple[list[dict[str, Any]], list[str]]:
    """Ledger records of the rows (a riskmap project's deleted points left out as
    rows with no fields) and the columns that match no ledger field."""
    frame = raw.frame
    if "deleted" in frame.columns:  # another riskmap project: skip deleted points
        live = pd.to_numeric(frame["deleted"], errors="coerce").fillna(0) == 0
        keep = live.to_numpy()
        raw.frame = frame = frame[keep].reset_index(drop=True)
        raw.x = [v for v, k in zip(raw.x, keep, strict=True) if k]
        raw.y = [v for v, k in zip(raw.y, keep, strict=True) if k]
        raw.rows = raw.rows[keep]
    return _map_columns(frame)


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


def _study_box(project) -> tuple[float, float, float, float]:
    """The communities' extent plus a margin, else the China box."""
    if project is not None:
        comms = project.communities()
        if len(comms):
            return study_box(comms, STUDY_MARGIN_DEG)
    return CHINA_BOX


def _clean(
    raw_records: list[dict[str, Any]], rejected: dict[int, str], project
) -> list[dict[str, Any]]:
    """Cleaned records; rows with bad or missing fields, or taken ids, are rejected."""
    rules = load_point_rules()
    taken = set()
    if project is not None:
        taken = {r[0] for r in project.conn.execute("SELECT id FROM points")}
    out = []
    for i, record in enumerate(raw_records):
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


def _unknown_types(accepted: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    """Flag rows whose type is not a listed one (kept: the list is open), with
    the listed type that was probably meant."""
    table = load_point_rules().table
    out = []
    for row, ptype in zip(accepted["row"], accepted["type"], strict=True):
        if ptype and table.get(ptype) is None:
            guess = did_you_mean(ptype, table.names())
            hint = f"; did you mean {guess}?" if guess else ""
            out.append((int(row), f"unknown type {ptype!r}{hint}"))
    return out


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
