"""``riskmap project copy``: a project into a new GeoPackage or PostGIS schema.

Every row of every riskmap table (communities with their attributes, the ledger
with its deleted points, the whole change log, photos and merged field records,
the settings, the project_id too, so field packages still merge) is copied with its
fid, in one transaction of the new project; hazard and model paths are re-based
(relative to a new GeoPackage's folder, absolute in a database).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmap.errors import InputDataError
from riskmap.registry.database import Database, is_database_url
from riskmap.registry.projectfile import now_iso, relative_path

if TYPE_CHECKING:
    from riskmap.registry.store import Project

COPIED_TABLES = ("communities", "points", "changes", "point_photos", "field_records")


def copy_project(
    source: Project, target: str | Path, *, user: str, origin: str | None = None
) -> Project:
    """Create *target* holding everything *source* holds; return it open. The
    change log names *origin* (default: the source's path) as where it came from."""
    if str(source.path) == str(target):
        raise InputDataError(f"{target}: source and target are the same project")
    base = None if is_database_url(target) else Path(target).parent
    settings = rebased_settings(source, base)

    def fill(db: Database) -> None:
        for table in COPIED_TABLES:
            copy_table(source.conn, db, table)
        db.execute(
            'INSERT INTO changes (at, "user", action, point_id, before, after) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), user, "copy", None, None,
             json.dumps({"from": origin or str(source.path)}, ensure_ascii=False)),
        )  # fmt: skip

    from riskmap.registry.store import Project

    return Project.create_with(target, None, settings, fill)


# Settings that hold one file path, stored relative to the project's folder.
PATH_SETTINGS = ("model", "resources")


def rebased_settings(source: Project, base: Path | None) -> dict[str, Any]:
    """Every stored setting, with hazard, model and resource paths re-based on
    *base*."""
    rows = source.conn.execute("SELECT key, value FROM riskmap_settings").fetchall()
    settings = {key: json.loads(value) for key, value in rows}
    hazards = settings.get("hazards") or {}
    for spec in hazards.values():
        spec["path"] = relative_path(Path(source._resolve(spec["path"])), base)
    for key in PATH_SETTINGS:
        if settings.get(key):
            settings[key] = relative_path(Path(source._resolve(settings[key])), base)
    return settings


def copy_table(src: Database, dst: Database, table: str) -> int:
    """Copy every row of *table* (fids kept, geometries re-encoded); return count."""
    cols = src.columns(table)
    missing = [c for c in cols if c not in dst.columns(table)]
    if missing:
        raise InputDataError(
            f"{dst.location}: table {table} has no column(s) {', '.join(missing)}; "
            "update riskmap"
        )
    names = ", ".join(f'"{c}"' for c in cols)
    rows = src.execute(f"SELECT {names} FROM {table} ORDER BY fid").fetchall()
    if "geom" in cols:
        g = cols.index("geom")
        geoms = dst.encode_geoms(src.decode_geoms([r[g] for r in rows]))
        rows = [(*r[:g], geoms[i], *r[g + 1 :]) for i, r in enumerate(rows)]
    marks = ", ".join("?" * len(cols))
    dst.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    dst.reset_sequence(table)
    return len(rows)
