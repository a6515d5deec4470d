"""A riskmap project in a PostgreSQL/PostGIS schema: the city's shared ledger.

A location ``postgresql://USER@HOST:PORT/DB?schema=NAME`` names a database and a
schema (default ``public``). The password comes from ``PGPASSWORD`` or
``~/.pgpass`` (libpq reads them), never from the URL, so it never shows in a
shell history, a process list or a message. ``PostgisDb`` is the PostgreSQL side
of ``riskmap.registry.database``: it translates ``?`` placeholders, sends and
reads geometries as EWKB, serialises writers with a transaction-scoped advisory
lock (the GeoPackage's ``BEGIN IMMEDIATE``) and words driver errors as one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import psycopg
import shapely
from psycopg import errors as pgerrors
from psycopg import sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

from riskmap.errors import InputDataError
from riskmap.registry import pgschema
from riskmap.registry.database import Database

LOCK_CLASS = 0x52534B  # advisory-lock namespace "RSK"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
HOW_TO_AUTH = "put the password in PGPASSWORD or ~/.pgpass"


def split_url(url: str) -> tuple[str, str]:
    """(libpq URL without ``schema=``, schema name) of a project location."""
    parts = urlsplit(url)
    if parts.password is not None:
        shown = url.replace(f":{parts.password}@", ":***@")
        raise InputDataError(
            f"{shown}: do not write the password in the URL (it would show in "
            f"histories and process lists); {HOW_TO_AUTH}"
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "public")
    if not _SCHEMA_NAME.match(schema):
        raise InputDataError(
            f"{url}: schema {schema!r} is not a plain lower-case name "
            "(letters, digits, _); choose e.g. ?schema=bazhong"
        )
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def connect(url: str, *, password: str | None = None) -> psycopg.Connection:
    """Connect (autocommit; riskmap opens its own transactions) or one clear error."""
    conninfo, _ = split_url(url)
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(conninfo, **kwargs)
    except psycopg.Error as exc:
        raise InputDataError(f"{url}: cannot connect: {_connect_hint(exc)}") from exc


def _connect_hint(exc: psycopg.Error) -> str:
    """The server's reason on one line, plus what to do about it."""
    reason = first_line(exc)
    if "password authentication failed" in reason or "no password supplied" in reason:
        return f"{reason}; check the user and {HOW_TO_AUTH}"
    if "does not exist" in reason:
        return f"{reason}; check the database and user names"
    return f"{reason}; check that the server runs and the host and port"


def first_line(exc: BaseException) -> str:
    """The meaningful first line of a driver message."""
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = next(
        (ln for ln in lines if ln.startswith("FATAL:")), lines[0] if lines else ""
    )
    line = re.sub(r"^connection failed: ", "", line)
    return re.sub(r"^(FATAL|ERROR):\s*", "", line) or type(exc).__name__


class _GeomDumper(Dumper):
    """Shapely geometries as binary EWKB (SRID 4326) for geometry parameters."""

    format = Format.BINARY

    def dump(self, obj: shapely.Geometry) -> bytes:
        """EWKB with SRID 4326."""
        return shapely.to_wkb(shapely.set_srid(obj, 4326), include_srid=True)


class _GeomLoader(Loader):
    """geometry values (hex EWKB text) as shapely geometries."""

    def load(self, data: Any) -> shapely.Geometry:
        """Hex EWKB to shapely."""
        return shapely.from_wkb(bytes(data).decode())


def postgis_schema(conn: psycopg.Connection, url: str) -> str | None:
    """The schema PostGIS is installed in, None when it is not installed."""
    row = conn.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension "
        "WHERE extname = 'postgis'"
    ).fetchone()
    return row[0] if row else None


def require_postgis(conn: psycopg.Connection, url: str, *, create: bool) -> str:
    """The PostGIS schema; a new project may install the extension if allowed."""
    where = postgis_schema(conn, url)
    if where is None and create:
        with suppress(psycopg.Error):
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        where = postgis_schema(conn, url)
    if where is None:
        db = conn.info.dbname
        raise InputDataError(
            f"{url}: the database {db!r} has no PostGIS extension; have an "
            f"administrator run CREATE EXTENSION postgis in {db!r}"
        )
    return where


class PostgisDb(Database):
    """One connection to a riskmap schema, set up for the ledger."""

    kind = "postgis"
    migrations = pgschema.MIGRATIONS

    def __init__(self, conn: psycopg.Connection, url: str, schema: str):
        self.raw = conn
        self.location = url
        self.schema = schema
        self.base_dir = None

    @classmethod
    def open(cls, url: str, *, password: str | None = None, create: bool = False):
        """Connect, check PostGIS, point search_path at the project's schema."""
        _, schema = split_url(url)
        conn = connect(url, password=password)
        try:
            where = require_postgis(conn, url, create=create)
            conn.execute(
                sql.SQL("SET search_path TO {}, {}").format(
                    sql.Identifier(schema), sql.Identifier(where)
                )
            )
            conn.execute("SET lock_timeout = '60s'")
            _register_geometry(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, url, schema)

    def execute(self, text: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        """Run one statement; ``?`` becomes ``%s``."""
        if not params:
            return self.raw.execute(text)
        return self.raw.execute(_placeholders(text), tuple(params))

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row (pipelined by psycopg)."""
        rows = [tuple(r) for r in rows]
        if len(rows) == 1:  # one round trip, no pipeline sync
            self.raw.execute(_placeholders(text), rows[0])
        elif rows:
            with self.raw.cursor() as cur:
                cur.executemany(_placeholders(text), rows)

    def begin(self) -> None:
        """BEGIN, then this project's advisory lock: one writer at a time."""
        self.raw.execute("BEGIN")
        self.raw.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, self.schema)
        )

    def commit(self) -> None:
        """COMMIT."""
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        """ROLLBACK (quietly, if the connection is already gone)."""
        if not self.raw.closed:
            with suppress(psycopg.OperationalError):
                self.raw.execute("ROLLBACK")

    def encode_geoms(self, geoms: np.ndarray) -> list[Any]:
        """Shapely geometries; the registered dumper sends EWKB."""
        return list(geoms)

    def decode_geoms(self, values: Sequence[Any]) -> np.ndarray:
        """The loader already made shapely geometries."""
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        return out

    def columns(self, table: str) -> list[str]:
        """Column names of *table* in the project's schema, in order."""
        rows = self.raw.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (self.schema, table),
        ).fetchall()
        return [r[0] for r in rows]

    def max_id_number(self, prefix: str) -> int:
        """Over every row, also those row-level security hides from this login."""
        row = self.raw.execute("SELECT riskmap_max_id_number(%s)", (prefix,)).fetchone()
        return int(row[0] or 0)

    def reset_sequence(self, table: str) -> None:
        """Move *table*'s fid sequence past rows inserted with explicit fids."""
        self.raw.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'fid'), "
                "GREATEST((SELECT MAX(fid) FROM {}), 1))"
            ).format(sql.Literal(f"{self.schema}.{table}"), sql.Identifier(table))
        )

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Driver errors as one line that says what happened and what to do."""
        try:
            yield
        except psycopg.Error as exc:
            raise InputDataError(f"{self.location}: {pg_error_text(exc)}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


def _placeholders(text: str) -> str:
    """SQLite-style ``?`` placeholders as psycopg ``%s`` (``%`` escaped)."""
    return text.replace("%", "%%").replace("?", "%s")


def _register_geometry(conn: psycopg.Connection) -> None:
    """Send shapely geometries as EWKB and read geometry columns as shapely."""
    info = TypeInfo.fetch(conn, "geometry")
    dumper = type("GeometryDumper", (_GeomDumper,), {"oid": info.oid})
    conn.adapters.register_dumper(shapely.Geometry, dumper)
    conn.adapters.register_loader(info.oid, _GeomLoader)


def pg_error_text(exc: psycopg.Error) -> str:
    """One line for a failed statement: the server's reason and the remedy."""
    reason = first_line(exc)
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        return (
            f"not allowed for this login ({reason}); a grid worker may change only "
            "the points of their own communities, a viewer only reads; ask the "
            "project's owner (riskmap project grant)"
        )
    if isinstance(exc, pgerrors.UniqueViolation):
        return f"already in the project ({reason})"
    if isinstance(
        exc,
        pgerrors.DeadlockDetected
        | pgerrors.SerializationFailure
        | pgerrors.LockNotAvailable,
    ):
        return f"the ledger is busy ({reason}); nothing was changed, try again"
    if isinstance(exc, psycopg.OperationalError):
        return (
            f"connection to the server lost ({reason}); the change in progress was "
            "not written, run it again when the server is back"
        )
    return reason
