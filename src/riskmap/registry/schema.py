"""The project GeoPackage's tables, geometry blobs, schema version and migrations.

A project is a GeoPackage 1.3 file: the standard ``gpkg_*`` tables, feature
tables ``communities`` and ``points`` (EPSG:4326, GeoPackage binary geometry),
attribute tables ``changes`` (the change log), ``riskmap_settings``,
``point_photos`` (JPEG/PNG bytes per point, so the project stays one file) and
``field_records`` (every merged change-set record by uuid: applied, or a conflict
waiting for review). Plain SQL types only, so the same tables port to PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import uuid
from collections.abc import Callable

import numpy as np
import shapely

from riskmap.registry.fields import FIELDS

SCHEMA_VERSION = 3
APP = "riskmap"
SRS_ID = 4326
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_SQL_TYPES = {"int": "INTEGER", "float": "REAL"}

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]'
)
_GPKG_CORE = f"""
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
  description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{_WGS84_WKT}', 'longitude/latitude');
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
"""


def ledger_columns(types: dict[str, str]) -> list[str]:
    """Column definitions of the ledger (one per field, then the version) with
    *types* naming the SQL type of "int", "float" and "text" (either store)."""
    cols = []
    for field in FIELDS:
        if field.name == "id":
            cols.append(f"id {types['text']} NOT NULL UNIQUE")
        elif field.name == "deleted":
            cols.append(f"deleted {types['int']} NOT NULL DEFAULT 0")
        else:
            cols.append(f"{field.name} {types.get(field.kind, types['text'])}")
    cols.append(f"version {types['int']} NOT NULL DEFAULT 1")
    return cols


def points_ddl(table: str = "points") -> str:
    """CREATE TABLE for the ledger: one column per field, plus fid and geom."""
    cols = ledger_columns({**_SQL_TYPES, "text": "TEXT"})
    body = ",\n  ".join(cols)
    return (
        f"CREATE TABLE {table} (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        f"  geom POINT,\n  {body})"
    )


_FIELD_TABLES = """
CREATE TABLE point_photos (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, point_id TEXT NOT NULL,
  name TEXT NOT NULL, media_type TEXT NOT NULL, data BLOB NOT NULL,
  added_at TEXT NOT NULL, record_uuid TEXT);
CREATE INDEX point_photos_point ON point_photos(point_id);
CREATE TABLE field_records (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL, action TEXT NOT NULL,
  point_id TEXT, base_version INTEGER, worker TEXT, recorded_at TEXT,
  merged_at TEXT NOT NULL, source TEXT, record TEXT NOT NULL);
CREATE INDEX field_records_status ON field_records(status);
INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES
  ('point_photos', 'attributes', 'point_photos', NULL),
  ('field_records', 'attributes', 'field_records', NULL);
"""

_RISKMAP_TABLES = (
    """
CREATE TABLE communities (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
  community_id TEXT NOT NULL UNIQUE, community TEXT, attributes TEXT);
CREATE TABLE changes (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,
  action TEXT NOT NULL, point_id TEXT, before TEXT, after TEXT);
CREATE INDEX changes_point ON changes(point_id);
CREATE TABLE riskmap_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES
  ('communities', 'features', 'communities', 4326),
  ('points', 'features', 'points', 4326),
  ('changes', 'attributes', 'changes', NULL),
  ('riskmap_settings', 'attributes', 'riskmap_settings', NULL);
"""
    + _FIELD_TABLES
    + """
INSERT INTO gpkg_geometry_columns VALUES
  ('communities', 'geom', 'GEOMETRY', 4326, 0, 0),
  ('points', 'geom', 'POINT', 4326, 0, 0);
"""
)


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table of an empty project (inside the caller's transaction)."""
    conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    for statement in (_GPKG_CORE + _RISKMAP_TABLES).split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(points_ddl())
    conn.execute("CREATE INDEX points_deleted ON points(deleted)")


def to_blobs(geoms: np.ndarray) -> list[bytes]:
    """GeoPackage binary geometries (little-endian, no envelope) in EPSG:4326."""
    header = b"GP\x00\x01" + struct.pack("<i", SRS_ID)
    return [header + wkb for wkb in shapely.to_wkb(geoms, byte_order=1)]


def from_blobs(blobs: list[bytes | None]) -> np.ndarray:
    """Shapely geometries from GeoPackage binary geometries (any envelope)."""
    wkbs = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
            continue
        if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
            raise ValueError("a geometry is not a GeoPackage geometry")
        envelope = _ENVELOPE_BYTES.get((blob[3] >> 1) & 0x07)
        if envelope is None:
            raise ValueError("a geometry has an unknown envelope")
        wkbs.append(bytes(blob[8 + envelope :]))
    return shapely.from_wkb(np.array(wkbs, dtype=object))


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """Column names of *table*."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Version 1 had no grid code, LS inputs, monitor phone, photos or verification
    date, and no index on the change log: add them."""
    present = set(table_columns(conn, "points"))
    for field in FIELDS:
        if field.name not in present:
            sql_type = _SQL_TYPES.get(field.kind, "TEXT")
            conn.execute(f"ALTER TABLE points ADD COLUMN {field.name} {sql_type}")
    conn.execute("CREATE INDEX IF NOT EXISTS changes_point ON changes(point_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS points_deleted ON points(deleted)")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Version 2 had no point versions, photos, field-record table or project id."""
    _v1_to_v2(conn)  # any ledger field added since (e.g. the inspection note)
    if "version" not in table_columns(conn, "points"):
        conn.execute("ALTER TABLE points ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    for statement in _FIELD_TABLES.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(
        "INSERT OR IGNORE INTO riskmap_settings VALUES ('project_id', ?)",
        (json.dumps(new_project_id()),),
    )


def new_project_id() -> str:
    """A stable random id naming one project (change-sets carry it)."""
    return uuid.uuid4().hex


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
}
