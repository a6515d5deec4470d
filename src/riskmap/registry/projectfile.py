"""The project file itself: open and check it, create a new one atomically.

Kept apart from ``store.Project`` (the ledger operations) so each stays small.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from riskmap.atomic import atomic_path
from riskmap.errors import InputDataError, MissingFileError
from riskmap.io.layers import ID_ALIASES, NAME_ALIASES
from riskmap.io.request import HazardSpec
from riskmap.io.vectors import find_column
from riskmap.registry import schema
from riskmap.registry.database import Database, GeoPackageDb

CRS = "EPSG:4326"
HOW_TO_CREATE = (
    "create one with: riskmap project new PROJECT.gpkg --communities BOUNDARIES.geojson"
)


def now_iso() -> str:
    """The current UTC time as ISO text (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def damaged_project(path: Path) -> Iterator[None]:
    """Contents riskmap cannot use (broken JSON, a bad geometry): '<file> is
    damaged: ...' instead of a traceback."""
    try:
        yield
    except (ValueError, TypeError, IndexError, shapely.errors.GEOSException) as exc:
        if isinstance(exc, InputDataError):
            raise
        raise InputDataError(
            f"{path} is damaged: {exc}; restore a backup of the project"
        ) from None


def connect(path: Path) -> sqlite3.Connection:
    """Open an existing SQLite file read-write, WAL, durable commits."""
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
            timeout=30, check_same_thread=False,
        )  # fmt: skip
    except sqlite3.Error as exc:
        raise InputDataError(
            f"{path}: not a readable GeoPackage/SQLite file ({exc}); "
            f"if it is a damaged project, restore a backup; otherwise {HOW_TO_CREATE}"
        ) from exc
    return conn


def check_project(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse corrupt files and GeoPackages that are not riskmap projects."""
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        app = (
            conn.execute(
                "SELECT value FROM riskmap_settings WHERE key = 'app'"
            ).fetchone()
            if "riskmap_settings" in tables
            else None
        )
    except sqlite3.Error as exc:
        raise InputDataError(
            f"{path}: the file is damaged or not a GeoPackage ({exc}); restore a "
            f"backup, or {HOW_TO_CREATE}"
        ) from exc
    if check != "ok":
        raise InputDataError(
            f"{path}: the project file is damaged ({check}); restore a backup"
        )
    with damaged_project(path):
        app_name = json.loads(app[0]) if app is not None else None
    if app_name != schema.APP or "points" not in tables:
        raise InputDataError(f"{path}: not a riskmap project; {HOW_TO_CREATE}")


def normalise_communities(
    gdf: gpd.GeoDataFrame | None, id_field: str | None, name_field: str | None
) -> gpd.GeoDataFrame | None:
    """Polygons in EPSG:4326 with community_id and community columns."""
    if gdf is None:
        return None
    if gdf.crs is None:
        raise InputDataError("communities have no CRS; give the layer one")
    id_col = id_field or find_column(gdf.columns, ID_ALIASES)
    name_col = name_field or find_column(gdf.columns, NAME_ALIASES)
    for col, option in ((id_field, "--id-field"), (name_field, "--name-field")):
        if col and col not in gdf.columns:
            raise InputDataError(f"communities have no field {col!r} ({option})")
    out = gdf.to_crs(CRS).reset_index(drop=True)
    ids = (
        out[id_col].astype(str)
        if id_col
        else [f"C{i + 1:03d}" for i in range(len(out))]
    )
    out = out.assign(community_id=list(ids))
    out["community"] = out[name_col].astype(str) if name_col else out["community_id"]
    if out["community_id"].duplicated().any():
        raise InputDataError("community ids are not unique; choose another --id-field")
    return out


def initial_settings(
    base: Path | None, hazards: Sequence[HazardSpec], model, resources=None
) -> dict[str, Any]:
    """Settings of a new project: hazard, model and emergency-resource paths
    relative to the project's folder *base* (absolute for a database project:
    *base* None)."""
    return {
        "app": schema.APP,
        "schema_version": schema.SCHEMA_VERSION,
        "project_id": schema.new_project_id(),
        "created_at": now_iso(),
        "hazards": stored_hazards(hazards, base),
        "model": relative_path(Path(model), base) if model else None,
        "resources": relative_path(Path(resources), base) if resources else None,
    }


def stored_hazards(
    hazards: Sequence[HazardSpec], base: Path | None
) -> dict[str, dict[str, str | None]]:
    """Hazards as the project stores them: ``{"flood@100": {"path", "field"}}``
    (the layout every schema version has used), paths relative to *base*."""
    stored: dict[str, dict[str, str | None]] = {}
    for spec in hazards:
        if not spec.path.exists():
            raise MissingFileError(f"hazard {spec.key!r}: {spec.path}: file not found")
        if spec.key in stored:
            raise InputDataError(f"hazard {spec.key} is given twice; give it once")
        stored[spec.key] = {"path": relative_path(spec.path, base), "field": spec.field}
    return stored


def hazard_specs(stored: dict[str, dict], base: Path | None) -> list[HazardSpec]:
    """The stored hazards as HazardSpecs, paths resolved against *base*."""
    return [
        HazardSpec.from_key(key, resolve_path(h["path"], base), h.get("field"))
        for key, h in stored.items()
    ]


def resolve_path(stored: str, base: Path | None) -> Path:
    """A stored path, relative to the project folder *base* unless absolute."""
    return (Path(base or ".") / stored).resolve()


def relative_path(target: Path, base: Path | None) -> str:
    """*target* relative to the folder *base*, or absolute where impossible."""
    if base is None:
        return str(target.resolve())
    try:
        return os.path.relpath(target.resolve(), base.resolve())
    except ValueError:  # another drive on Windows
        return str(target.resolve())


def create_file(
    path: Path,
    comms: gpd.GeoDataFrame | None,
    settings: dict,
    fill: Callable[[Database], None] | None = None,
) -> None:
    """Write a new project to a temporary sibling, then rename it into place."""
    with atomic_path(path) as tmp:
        write_new(tmp, comms, settings, fill)


def write_new(
    tmp: Path,
    comms: gpd.GeoDataFrame | None,
    settings: dict,
    fill: Callable[[Database], None] | None = None,
) -> None:
    """Write a complete new project into *tmp* (then renamed into place)."""
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN")
        schema.create_schema(conn)
        fill_new(GeoPackageDb(conn, tmp), comms, settings, fill)
        conn.execute("COMMIT")
    finally:
        conn.close()


def fill_new(
    db: Database,
    comms: gpd.GeoDataFrame | None,
    settings: dict,
    fill: Callable[[Database], None] | None = None,
) -> None:
    """Settings, communities and (*fill*) anything else of a new project, inside
    the transaction that made its tables, in either store."""
    db.executemany(
        "INSERT INTO riskmap_settings (key, value) VALUES (?, ?)",
        [(k, json.dumps(v, ensure_ascii=False)) for k, v in settings.items()],
    )
    if comms is not None:
        _insert_communities(db, comms)
    if fill is not None:
        fill(db)


def _insert_communities(db: Database, comms: gpd.GeoDataFrame) -> None:
    """Store community polygons and their other attributes (as JSON)."""
    extra = [
        c
        for c in comms.columns
        if c not in ("community_id", "community", comms.geometry.name)
    ]
    geoms = db.encode_geoms(comms.geometry.values)
    rows = []
    for i, geom in enumerate(geoms):
        attrs = {c: _plain(comms[c].iloc[i]) for c in extra}
        rows.append((geom, str(comms["community_id"].iloc[i]),
                     str(comms["community"].iloc[i]),
                     json.dumps(attrs, ensure_ascii=False, default=str)))  # fmt: skip
    db.executemany(
        "INSERT INTO communities (geom, community_id, community, attributes) "
        "VALUES (?, ?, ?, ?)",
        rows,
    )
    if db.kind == "gpkg":
        minx, miny, maxx, maxy = comms.total_bounds
        db.execute(
            "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=? "
            "WHERE table_name='communities'",
            (float(minx), float(miny), float(maxx), float(maxy)),
        )


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (numpy numbers become Python numbers)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
