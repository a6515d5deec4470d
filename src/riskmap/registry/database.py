"""The one seam between the ledger logic and its two stores.

``Project`` (store.py) speaks plain SQL with ``?`` placeholders to a ``Database``.
``GeoPackageDb`` hands it to SQLite unchanged; ``riskmap.registry.postgis.PostgisDb``
translates placeholders for PostgreSQL. Geometries cross the seam as
``encode_geoms``/``decode_geoms`` (GeoPackage blobs there, PostGIS EWKB here), and
each store brings its own write lock, schema migrations and error wording.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from riskmap.errors import InputDataError
from riskmap.registry import schema


class Database:
    """What the ledger needs from a store; both stores implement all of it."""

    kind: str = ""
    location: str | Path = ""
    base_dir: Path | None = None  # hazard paths are stored relative to this
    migrations: ClassVar[dict[int, Callable[[Any], None]]] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement with ``?`` placeholders; return a cursor."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row of parameters."""
        raise NotImplementedError

    def begin(self) -> None:
        """Start a write transaction holding the project's write lock."""
        raise NotImplementedError

    def commit(self) -> None:
        """Commit the write transaction."""
        raise NotImplementedError

    def rollback(self) -> None:
        """Undo the write transaction."""
        raise NotImplementedError

    def encode_geoms(self, geoms: np.ndarray) -> list[Any]:
        """Geometries (EPSG:4326) as statement parameters."""
        raise NotImplementedError

    def decode_geoms(self, values: Sequence[Any]) -> np.ndarray:
        """Geometries from the values a geometry column returns."""
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        """Column names of *table*."""
        raise NotImplementedError

    def max_id_number(self, prefix: str) -> int:
        """The highest N of ids ``PREFIX<N>`` in the whole ledger (0 if none)."""
        raise NotImplementedError

    def reset_sequence(self, table: str) -> None:
        """After rows were inserted with explicit fids: new fids follow them."""

    def errors(self) -> AbstractContextManager[None]:
        """Turn this store's driver errors into one clear InputDataError."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError


class GeoPackageDb(Database):
    """A project GeoPackage through sqlite3 (WAL, ``BEGIN IMMEDIATE`` writes)."""

    kind = "gpkg"
    migrations = schema.MIGRATIONS

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.raw = conn
        self.location = path
        self.base_dir = path.parent

    def __getattr__(self, name: str) -> Any:
        """Anything else (PRAGMAs, in_transaction ...) straight from sqlite3."""
        return getattr(self.raw, name)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement; SQLite takes ``?`` as it is."""
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row."""
        self.raw.executemany(sql, rows)

    def begin(self) -> None:
        """``BEGIN IMMEDIATE``: the file's write lock, before any read."""
        self.raw.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit."""
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back."""
        self.raw.execute("ROLLBACK")

    def encode_geoms(self, geoms: np.ndarray) -> list[bytes]:
        """GeoPackage binary geometries."""
        return schema.to_blobs(geoms)

    def decode_geoms(self, values: Sequence[Any]) -> np.ndarray:
        """Shapely geometries from GeoPackage blobs."""
        return schema.from_blobs(list(values))

    def columns(self, table: str) -> list[str]:
        """Column names from ``PRAGMA table_info``."""
        return schema.table_columns(self.raw, table)

    def max_id_number(self, prefix: str) -> int:
        """MAX of the numeric tails of ids starting with *prefix*."""
        row = self.raw.execute(
            "SELECT MAX(CAST(substr(id, ?) AS INTEGER)) FROM points WHERE id LIKE ?",
            (len(prefix) + 1, prefix + "%"),
        ).fetchone()
        return int(row[0] or 0)

    def errors(self) -> AbstractContextManager[None]:
        """SQLite errors (damaged or read-only file) as one clear line."""
        return damaged_file_errors(self.location)

    def close(self) -> None:
        """Close the file."""
        self.raw.close()


@contextmanager
def damaged_file_errors(path: Path) -> Iterator[None]:
    """Turn SQLite errors (damaged or read-only file) into one clear input error."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise InputDataError(
            f"{path}: cannot read or write the project ({exc}); close other programs "
            "writing it, check that it is writable, or restore a backup if damaged"
        ) from exc


def is_database_url(location: object) -> bool:
    """True for ``postgresql://`` / ``postgres://`` project locations."""
    text = str(location)
    return text.startswith(("postgresql://", "postgres://"))
