"""Create, open and share a riskmap project that lives in a PostGIS schema.

``create_database_project`` makes the schema's tables, policies, settings and
communities in one transaction (refusing a schema that already holds a project);
``open_database`` checks that a schema is a riskmap project; ``grant`` gives a
login role editor or viewer rights on some communities (row-level security).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import geopandas as gpd
import psycopg
from psycopg import sql

from riskmap.errors import InputDataError
from riskmap.registry import pgschema, schema
from riskmap.registry.database import Database
from riskmap.registry.postgis import PostgisDb, pg_error_text
from riskmap.registry.projectfile import fill_new

HOW_TO_CREATE_DB = (
    "create one with: riskmap project new 'postgresql://USER@HOST/DB?schema=NAME' "
    "--communities BOUNDARIES.geojson"
)


def create_database_project(
    url: str,
    comms: gpd.GeoDataFrame | None,
    settings: dict,
    fill: Callable[[Database], None] | None,
    password: str | None,
) -> None:
    """Make the project's schema and tables and fill them, all in one transaction."""
    db = PostgisDb.open(url, password=password, create=True)
    try:
        with db.errors():
            db.begin()
            try:
                _create_tables(db)
                fill_new(db, comms, settings, fill)
            except BaseException:
                db.rollback()
                raise
            db.commit()
    finally:
        db.close()


def _create_tables(db: PostgisDb) -> None:
    """CREATE SCHEMA (if needed) and every table; refuse an existing project."""
    exists = db.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name IN ('points', 'riskmap_settings')",
        (db.schema,),
    ).fetchone()
    if exists:
        raise InputDataError(
            f"{db.location}: schema {db.schema!r} already holds a riskmap project; "
            "riskmap never overwrites a project, choose another ?schema= or open it"
        )
    db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
        sql.Identifier(db.schema)))  # fmt: skip
    for statement in pgschema.ddl():
        db.execute(statement)


def open_database(url: str, password: str | None = None) -> PostgisDb:
    """Connect to a project's schema and check that it holds a riskmap project."""
    db = PostgisDb.open(url, password=password)
    try:
        with db.errors():
            check_database_project(db)
    except BaseException:
        db.close()
        raise
    return db


def check_database_project(db: PostgisDb) -> None:
    """Refuse a schema without riskmap's tables, or one this login may not read."""
    tables = {
        r[0]
        for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            (db.schema,),
        )
    }
    if "riskmap_settings" not in tables or "points" not in tables:
        raise InputDataError(
            f"{db.location}: no riskmap project in schema {db.schema!r} (or this "
            f"login may not see it); {HOW_TO_CREATE_DB}"
        )
    try:
        row = db.execute(
            "SELECT value FROM riskmap_settings WHERE key = 'app'"
        ).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise InputDataError(
            f"{db.location}: this login may not read the project ({pg_error_text(exc)})"
        ) from exc
    if row is None or json.loads(row[0]) != schema.APP:
        raise InputDataError(
            f"{db.location}: not a riskmap project; {HOW_TO_CREATE_DB}"
        )


def grant(
    db: PostgisDb,
    role: str,
    communities: list[str],
    access: str,
    *,
    password: str | None = None,
) -> bool:
    """Give login *role* (made if missing) *access* to exactly *communities* of this
    project; return True when the role was created."""
    if access not in pgschema.ROLES:
        raise InputDataError(f"--role {access!r}: use editor or viewer")
    known = {r[0] for r in db.execute("SELECT community_id FROM communities")}
    unknown = [c for c in communities if c not in known]
    if unknown:
        raise InputDataError(
            f"{db.location}: no community {', '.join(map(repr, unknown))}; "
            f"the project has {', '.join(sorted(known)) or 'none'}"
        )
    db.begin()
    try:
        created = _ensure_role(db, role, password)
        for statement in pgschema.grant_statements(role, db.schema, access):
            db.raw.execute(statement)
        db.execute("DELETE FROM riskmap_access WHERE role = ?", (role,))
        db.executemany(
            "INSERT INTO riskmap_access (role, community_id, access) VALUES (?, ?, ?)",
            [(role, c, access) for c in communities],
        )
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return created


def _ensure_role(db: PostgisDb, role: str, password: str | None) -> bool:
    """CREATE ROLE ... LOGIN when missing; set its password when one is given."""
    exists = db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone()
    who = sql.Identifier(role)
    if not exists:
        db.raw.execute(sql.SQL("CREATE ROLE {} LOGIN").format(who))
    if password:
        db.raw.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(who, sql.Literal(password))
        )
    return not exists
