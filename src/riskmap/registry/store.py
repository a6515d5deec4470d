"""A riskmap project: communities, the ledger, its change log and the settings, in
one GeoPackage (SQLite, WAL) or in a PostgreSQL/PostGIS schema. The ledger logic
here is shared; the store behind ``self.conn`` is a ``registry.database.Database``.
Every change is one transaction holding the project's write lock, logged with who,
when, before and after; deletes are soft.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from riskmap.errors import InputDataError, MissingFileError, StaleVersionError
from riskmap.io.request import HazardSpec
from riskmap.registry import schema
from riskmap.registry.database import Database, GeoPackageDb, is_database_url
from riskmap.registry.fields import FIELD_NAMES, clean_record, edit_method
from riskmap.registry.geometry import DUPLICATE_M, check_lonlat, metres_between
from riskmap.registry.projectfile import (
    CRS,
    HOW_TO_CREATE,
    check_project,
    connect,
    create_file,
    damaged_project,
    hazard_specs,
    initial_settings,
    normalise_communities,
    now_iso,
    resolve_path,
)
from riskmap.registry.store_field import FieldTables

_DAMAGE_QUERIES = (  # (first row that is damaged, what is wrong with it)
    ("SELECT community_id FROM communities WHERE attributes IS NOT NULL "
     "AND NOT json_valid(attributes) LIMIT 1", "community {} has attributes that "
     "are not JSON"),
    ("SELECT id FROM points WHERE geom IS NULL OR substr(geom, 1, 2) != X'4750' "
     "LIMIT 1", "point {} has no usable geometry"),
)  # fmt: skip


def _check_rows(conn: GeoPackageDb) -> None:
    """Community attributes are JSON objects (SQLite's json_valid) and every point
    has a GeoPackage geometry: checked on open, before a migration writes."""
    for sql, message in _DAMAGE_QUERIES:
        row = conn.execute(sql).fetchone()
        if row is not None:
            raise ValueError(message.format(repr(row[0])))


class Project(FieldTables):
    """A riskmap project (a GeoPackage file or a ``postgresql://`` URL); open with
    ``Project.open`` or make with ``create``."""

    def __init__(self, path: Path | str, conn: Database):
        self.path = path  # the file, or the database URL (never with a password)
        self.conn = conn
        self._community_cache: gpd.GeoDataFrame | None = None
        self._community_tree: tuple[shapely.STRtree, np.ndarray] | None = None

    # -- opening and creating -------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        communities: gpd.GeoDataFrame | None = None,
        *,
        id_field: str | None = None,
        name_field: str | None = None,
        hazards: Sequence[HazardSpec] = (),
        model: str | Path | None = None,
        password: str | None = None,
        resources: str | Path | None = None,
    ) -> Project:
        """Make a new project (never overwrites one) and open it."""
        comms = normalise_communities(communities, id_field, name_field)
        base = None if is_database_url(path) else Path(path).parent
        settings = initial_settings(base, hazards, model, resources)
        return cls.create_with(path, comms, settings, password=password)

    @classmethod
    def create_with(
        cls,
        path: str | Path,
        comms: gpd.GeoDataFrame | None,
        settings: dict[str, Any],
        fill: Callable[[Database], None] | None = None,
        *,
        password: str | None = None,
    ) -> Project:
        """Make a project from ready settings; *fill* adds rows in the same
        transaction (``project copy``). All of it is written, or nothing."""
        if is_database_url(path):
            from riskmap.registry.pgproject import create_database_project

            create_database_project(str(path), comms, settings, fill, password)
            return cls.open(path, password=password)
        path = Path(path)
        if path.exists():
            raise InputDataError(
                f"{path}: already exists; riskmap never overwrites a project, "
                "choose another name or open it"
            )
        create_file(path, comms, settings, fill)
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path, *, password: str | None = None) -> Project:
        """Open an existing project; migrate an older schema; refuse anything else."""
        if is_database_url(path):
            from riskmap.registry.pgproject import open_database

            project = cls(str(path), open_database(str(path), password))
            try:
                with project.conn.errors():
                    project._migrate()
            except BaseException:
                project.close()
                raise
            return project
        path = Path(path)
        if not path.is_file():
            raise MissingFileError(f"{path}: no such project file; {HOW_TO_CREATE}")
        conn = connect(path)
        try:
            check_project(conn, path)
            project = cls(path, GeoPackageDb(conn, path))
            project._check_settings()
            with project.conn.errors():
                conn.execute("PRAGMA journal_mode = WAL")  # readers never block writers
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big imports
                project._migrate()
        except BaseException:
            conn.close()
            raise
        return project

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction holding the project's write lock: everything in
        it is committed, or nothing.

        Inside another transaction it is a savepoint, so a change-set merge can
        apply many edits in one transaction and undo just the one that failed.
        """
        depth = getattr(self, "_depth", 0)
        if depth:
            name = f"rm_{depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth = depth + 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            finally:
                self._depth = depth
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        self.conn.begin()
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.rollback()
            raise
        self._depth = 0
        self.conn.commit()

    def errors(self) -> AbstractContextManager[None]:
        """The store's errors (damaged file, lost server, refused row) as one line."""
        return self.conn.errors()

    def _check_settings(self) -> None:
        """Refuse settings that are not what riskmap wrote (broken JSON, a schema
        version that is text, hazards that are not a table of paths)."""
        with damaged_project(self.path):
            version = self._setting("schema_version")
            if isinstance(version, bool) or not isinstance(version, int):
                raise ValueError(f"schema_version is {version!r}, not a number")
            hazards = self._setting("hazards", {})
            if not isinstance(hazards, dict) or not all(
                isinstance(h, dict) and isinstance(h.get("path"), str)
                and isinstance(h.get("field"), str | None)
                for h in hazards.values()
            ):  # fmt: skip
                raise ValueError("hazards is not a table of NAME -> path and field")
            if not isinstance(self._setting("model"), str | None):
                raise ValueError("model is not a path")
            if isinstance(self.conn, GeoPackageDb):
                _check_rows(self.conn)

    def _migrate(self) -> None:
        """Bring an older schema up to the current version in one transaction."""
        version = int(self._setting("schema_version"))
        if version > schema.SCHEMA_VERSION:
            raise InputDataError(
                f"{self.path}: project schema {version} is newer than this riskmap "
                f"(schema {schema.SCHEMA_VERSION}); update riskmap"
            )
        if version == schema.SCHEMA_VERSION:
            return
        with self.transaction() as conn:
            version = int(self._setting("schema_version"))  # under the write lock
            if version == schema.SCHEMA_VERSION:
                return
            for step in range(version, schema.SCHEMA_VERSION):
                conn.migrations[step](conn)
            self._set_setting("schema_version", schema.SCHEMA_VERSION)
            self._log(
                "system", "migrate", None, {"schema": version},
                {"schema": schema.SCHEMA_VERSION},
            )  # fmt: skip

    # -- settings -------------------------------------------------------------

    def _setting(self, key: str, default: Any = None) -> Any:
        """One setting value (JSON-decoded)."""
        row = self.conn.execute(
            "SELECT value FROM riskmap_settings WHERE key = ?", (key,)
        ).fetchone()
        return default if row is None else json.loads(row[0])

    def _set_setting(self, key: str, value: Any) -> None:
        """Store one setting (inside a transaction)."""
        self.conn.execute(
            "INSERT INTO riskmap_settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    @property
    def settings(self) -> dict[str, Any]:
        """Hazards (name -> absolute "PATH[:FIELD]", to show), model and
        emergency-resource paths, schema version."""
        model = self._setting("model")
        resources = self._setting("resources")
        return {
            "hazards": {spec.key: spec.source for spec in self.hazards()},
            "model": self._resolve(model) if model else None,
            "resources": self._resolve(resources) if resources else None,
            "schema_version": int(self._setting("schema_version")),
            "created_at": self._setting("created_at"),
            "project_id": self.project_id,
        }

    def hazards(self) -> list[HazardSpec]:
        """The project's hazards, paths resolved against the project's folder."""
        with damaged_project(self.path):
            return hazard_specs(self._setting("hazards", {}), self.conn.base_dir)

    @property
    def project_id(self) -> str:
        """The project's stable id (made once; field change-sets must carry it)."""
        return str(self._setting("project_id"))

    def update_settings(
        self,
        *,
        hazards: Sequence[HazardSpec] | None = None,
        model: str | Path | None = None,
        resources: str | Path | None = None,
        user: str,
    ) -> None:
        """Replace the hazards, the model and/or the emergency resources; logged."""
        new = initial_settings(self.conn.base_dir, hazards or (), model, resources)
        before, after = {}, {}
        if hazards is not None:
            before["hazards"], after["hazards"] = (
                self._setting("hazards"),
                new["hazards"],
            )
        if model is not None:
            before["model"], after["model"] = self._setting("model"), new["model"]
        if resources is not None:
            before["resources"] = self._setting("resources")
            after["resources"] = new["resources"]
        with self.transaction():
            for key, value in after.items():
                self._set_setting(key, value)
            self._log(user, "settings", None, before, after)

    def _resolve(self, stored: str) -> str:
        """A stored path, relative to the project folder unless absolute."""
        return str(resolve_path(stored, self.conn.base_dir))

    # -- reading --------------------------------------------------------------

    def communities(self) -> gpd.GeoDataFrame:
        """Community polygons with community_id, community and their attributes."""
        if self._community_cache is None:
            rows = self.conn.execute(
                "SELECT community_id, community, attributes, geom FROM communities "
                "ORDER BY fid"
            ).fetchall()
            with damaged_project(self.path):
                attrs = [json.loads(r[2] or "{}") for r in rows]
                if not all(isinstance(a, dict) for a in attrs):
                    raise ValueError("community attributes are not JSON objects")
            data = {
                "community_id": [r[0] for r in rows],
                "community": [r[1] for r in rows],
            }
            for key in dict.fromkeys(k for a in attrs for k in a):
                data[key] = [a.get(key) for a in attrs]
            with damaged_project(self.path):
                geoms = self.conn.decode_geoms([r[3] for r in rows])
            self._community_cache = gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)
        return self._community_cache.copy()

    def points(self, include_deleted: bool = False) -> gpd.GeoDataFrame:
        """The ledger (EPSG:4326): one column per field, its version, geometry."""
        where = "" if include_deleted else "WHERE deleted = 0"
        names = (*FIELD_NAMES, "version")
        rows = self.conn.execute(
            f"SELECT {', '.join(names)}, geom FROM points {where} ORDER BY fid"
        ).fetchall()
        data = {name: [r[i] for r in rows] for i, name in enumerate(names)}
        with damaged_project(self.path):
            geoms = self.conn.decode_geoms([r[-1] for r in rows])
            lost = np.flatnonzero(shapely.is_missing(geoms))
            if len(lost):
                raise ValueError(f"point {data['id'][lost[0]]!r} has no geometry")
        return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)

    def get_point(self, point_id: str) -> dict[str, Any]:
        """One record (with lon/lat and version) by id, deleted or not."""
        cols = ", ".join(FIELD_NAMES)
        row = self.conn.execute(
            f"SELECT {cols}, version, geom FROM points WHERE id = ?", (str(point_id),)
        ).fetchone()
        if row is None:
            raise InputDataError(
                f"{self.path}: no point with id {point_id!r}; see riskmap points list"
            )
        record = dict(zip((*FIELD_NAMES, "version"), row[:-1], strict=True))
        geom = self.conn.decode_geoms([row[-1]])[0]
        record["lon"], record["lat"] = geom.x, geom.y
        return record

    def history(self, id: str | None = None) -> list[dict[str, Any]]:
        """The change log, oldest first; only *id*'s entries when given."""
        sql = 'SELECT fid, at, "user", action, point_id, before, after FROM changes'
        args: tuple = ()
        if id is not None:
            sql, args = sql + " WHERE point_id = ?", (str(id),)
        keys = ("seq", "at", "user", "action", "point_id", "before", "after")
        out = []
        for row in self.conn.execute(sql + " ORDER BY fid", args):
            entry = dict(zip(keys, row, strict=True))
            entry["before"] = json.loads(entry["before"]) if entry["before"] else None
            entry["after"] = json.loads(entry["after"]) if entry["after"] else None
            out.append(entry)
        return out

    # -- writing --------------------------------------------------------------

    def add_point(
        self,
        record: dict[str, Any],
        lon: float,
        lat: float,
        *,
        user: str,
        meta: dict | None = None,
    ) -> str:
        """Validate and add one record at WGS84 *lon*, *lat*; return its id."""
        values = self.checked_record(record)
        check_lonlat(lon, lat)
        geom = shapely.points(float(lon), float(lat))
        with self.transaction():  # the write lock first: checks and insert as one
            dup = self.duplicates_of(values["name"], values["type"], lon, lat)
            if dup:
                raise InputDataError(
                    f"duplicate: {dup} has the same name and type within "
                    f"{DUPLICATE_M:g} m"
                )
            taken = self.conn.execute(
                "SELECT 1 FROM points WHERE id = ?", (values.get("id"),)
            ).fetchone()
            if taken:
                raise InputDataError(f"id {values['id']!r} is already in the project")
            ids = self.insert_records(
                [values], np.array([geom]), user=user, action="add", meta=meta
            )
        return ids[0]

    def checked_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Cleaned values of a new record, or InputDataError naming each bad field."""
        values, errors = clean_record(dict(record))
        if errors:
            raise InputDataError("; ".join(errors.values()))
        return values

    def insert_records(
        self,
        records: list[dict],
        geoms: np.ndarray,
        *,
        user: str,
        action: str,
        meta: dict | None = None,
    ) -> list[str]:
        """Insert cleaned records (inside a transaction); ids are given or new.

        *meta* (e.g. a field record's uuid and device time) joins each log entry.
        """
        community = self.community_of(geoms)
        ids = self._new_ids([r.get("id") for r in records])
        blobs = self.conn.encode_geoms(geoms)
        lons, lats = shapely.get_x(geoms).tolist(), shapely.get_y(geoms).tolist()
        rows, log = [], []
        at = now_iso()
        for i, (rec, pid, comm) in enumerate(zip(records, ids, community, strict=True)):
            full = {n: rec.get(n) for n in FIELD_NAMES}
            full.update(id=pid, community_id=comm, deleted=0)
            rows.append((blobs[i], *full.values()))
            after = {k: v for k, v in full.items() if v is not None}
            after["lon"], after["lat"] = lons[i], lats[i]
            after.update(meta or {})
            log.append(
                (at, user, action, pid, None, json.dumps(after, ensure_ascii=False))
            )
        marks = ", ".join("?" * (len(FIELD_NAMES) + 1))
        self.conn.executemany(
            f"INSERT INTO points (geom, {', '.join(FIELD_NAMES)}) VALUES ({marks})",
            rows,
        )
        self.conn.executemany(
            'INSERT INTO changes (at, "user", action, point_id, before, after) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            log,
        )
        return ids

    def edit_point(
        self,
        id: str,
        changes: dict[str, Any],
        *,
        user: str,
        meta: dict | None = None,
        base_version: int | None = None,
    ) -> None:
        """Change fields of a live record (its version + 1); the level is re-derived.
        Refused (StaleVersionError) when the point is no longer at *base_version*
        (default: the version read here) when the write lock is taken."""
        old = self._live(id, base_version)
        bad = [k for k in changes if k in ("id", "community_id", "deleted")]
        if bad:
            raise InputDataError(f"field(s) {', '.join(bad)} cannot be edited")
        merged = {k: v for k, v in old.items() if k in FIELD_NAMES and k not in bad}
        merged.pop("id"), merged.pop("community_id"), merged.pop("deleted")
        merged.pop("version", None)
        merged.update(edit_method(changes))
        merged.update(changes)
        values = self.checked_record(merged)
        diff = {k: v for k, v in values.items() if old.get(k) != v}
        if not diff:
            return
        sets = ", ".join(f"{k} = ?" for k in diff)
        with self.transaction():
            self._guard_version(old)
            self.conn.execute(
                f"UPDATE points SET {sets}, version = version + 1 WHERE id = ?",
                (*diff.values(), old["id"]),
            )
            self._log(
                user, "edit", old["id"], {k: old.get(k) for k in diff},
                {**diff, **(meta or {})},
            )  # fmt: skip

    def move_point(
        self,
        id: str,
        lon: float,
        lat: float,
        *,
        user: str,
        meta: dict | None = None,
        base_version: int | None = None,
    ) -> None:
        """Move a live record to WGS84 *lon*, *lat* (its community follows); refused
        when it is no longer at *base_version*."""
        old = self._live(id, base_version)
        check_lonlat(lon, lat)
        geom = np.array([shapely.points(float(lon), float(lat))])
        comm = self.community_of(geom)[0]
        with self.transaction():
            self._guard_version(old)
            self.conn.execute(
                "UPDATE points SET geom = ?, community_id = ?, version = version + 1 "
                "WHERE id = ?",
                (self.conn.encode_geoms(geom)[0], comm, old["id"]),
            )
            before = {k: old[k] for k in ("lon", "lat", "community_id")}
            after = {"lon": float(lon), "lat": float(lat), "community_id": comm}
            self._log(user, "move", old["id"], before, {**after, **(meta or {})})

    def delete_point(
        self,
        id: str,
        *,
        user: str,
        meta: dict | None = None,
        base_version: int | None = None,
    ) -> None:
        """Soft-delete a record: hidden from lists and compute, kept for restore;
        refused when it is no longer at *base_version*."""
        old = self._live(id, base_version)
        self._set_deleted(old["id"], 1, user, "delete", meta, old["version"])

    def restore_point(self, id: str, *, user: str) -> None:
        """Bring a soft-deleted record back."""
        old = self.get_point(id)
        if not old["deleted"]:
            raise InputDataError(f"point {id!r} is not deleted; nothing to restore")
        self._set_deleted(old["id"], 0, user, "restore", None, old["version"])

    def _set_deleted(
        self, pid: str, flag: int, user: str, action: str, meta: dict | None,
        version: int,
    ) -> None:  # fmt: skip
        """Flip the deleted flag (version + 1) and log it."""
        with self.transaction():
            self._guard_version({"id": pid, "version": version})
            self.conn.execute(
                "UPDATE points SET deleted = ?, version = version + 1 WHERE id = ?",
                (flag, pid),
            )
            self._log(
                user, action, pid, {"deleted": 1 - flag},
                {"deleted": flag, **(meta or {})},
            )  # fmt: skip

    def _guard_version(self, old: dict[str, Any]) -> None:
        """Inside the write lock: refuse a change made on an older version of the
        point than the ledger holds now (no lost updates between writers)."""
        row = self.conn.execute(
            "SELECT version FROM points WHERE id = ?", (old["id"],)
        ).fetchone()
        now = None if row is None else int(row[0])
        if now != int(old["version"]):
            raise StaleVersionError(
                f"{self.path}: point {old['id']!r} changed since version "
                f"{old['version']} (now {now}: someone else changed it); nothing was "
                "written: read it again (riskmap points list) and repeat the change"
            )

    def _live(self, point_id: str, base_version: int | None = None) -> dict[str, Any]:
        """A record that is not deleted (at *base_version* if given), or an error."""
        record = self.get_point(point_id)
        if base_version is not None and int(base_version) != int(record["version"]):
            self._guard_version({"id": record["id"], "version": int(base_version)})
        if record["deleted"]:
            raise InputDataError(
                f"point {point_id!r} is deleted; restore it first "
                f"(riskmap points restore {point_id})"
            )
        return record

    def log_resolution(self, user: str, pid: str | None, uuid: str, kept: str) -> None:
        """Log how a field conflict was settled (inside a transaction)."""
        self._log(user, "resolve", pid, None, {"field_uuid": uuid, "kept": kept})

    def _log(self, user: str, action: str, pid: str | None, before, after) -> None:
        """Append one change-log entry (inside a transaction)."""
        self.conn.execute(
            'INSERT INTO changes (at, "user", action, point_id, before, after) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), str(user), action, pid, _json(before), _json(after)),
        )

    # -- helpers shared with the importer -------------------------------------

    def community_of(self, geoms: np.ndarray) -> list[str | None]:
        """The id of the community holding each point, else None."""
        out: list[str | None] = [None] * len(geoms)
        tree, ids = self._community_index()
        if len(ids) == 0 or len(geoms) == 0:
            return out
        pi, ci = tree.query(geoms, predicate="intersects")
        for p, c in zip(pi[::-1], ci[::-1], strict=True):  # first community wins
            out[p] = ids[c]
        return out

    def _community_index(self) -> tuple[shapely.STRtree, np.ndarray]:
        """A spatial index of the community polygons and their ids (made once:
        a merge asks for every point)."""
        if self._community_tree is None:
            comms = self.communities()
            self._community_tree = (
                shapely.STRtree(comms.geometry.values),
                comms["community_id"].to_numpy(),
            )
        return self._community_tree

    def duplicates_of(
        self, name: str, ptype: str, lon: float, lat: float
    ) -> str | None:
        """Id of a live record with this name and type within 10 m, else None."""
        rows = self.conn.execute(
            "SELECT id, geom FROM points WHERE deleted = 0 AND name = ? AND type = ?",
            (name, ptype),
        ).fetchall()
        if not rows:
            return None
        geoms = self.conn.decode_geoms([r[1] for r in rows])
        dist = metres_between(shapely.get_x(geoms), shapely.get_y(geoms), lon, lat)
        close = np.flatnonzero(dist <= DUPLICATE_M)
        return rows[close[0]][0] if len(close) else None

    def _new_ids(self, given: list[str | None]) -> list[str]:
        """Given ids kept; blanks get YH-YYYY-MM-NNNN after the month's last number."""
        prefix = datetime.now(UTC).strftime("YH-%Y-%m-")
        taken = {g for g in given if g}
        seq = self.conn.max_id_number(prefix)
        out = []
        for g in given:
            if g:
                out.append(str(g))
                continue
            seq += 1
            while f"{prefix}{seq:04d}" in taken:
                seq += 1
            out.append(f"{prefix}{seq:04d}")
        return out


def _json(value: Any) -> str | None:
    """JSON text for the change log."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
