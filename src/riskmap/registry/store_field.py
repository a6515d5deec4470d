"""The project store's photo and field-record tables (mixed into ``Project``).

Photos are rows of ``point_photos`` (bytes in the project, so it stays one file);
``field_records`` remembers every change-set record merged, by uuid, with its
outcome, so a file merged twice changes nothing and conflicts wait for review.
Plain SQL only, so the same calls port to the PostgreSQL store.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from riskmap.registry.projectfile import now_iso

OPEN_CONFLICT = "conflict"


@dataclass(frozen=True)
class Photo:
    """One stored photo of a point."""

    point_id: str
    name: str
    media_type: str
    data: bytes
    added_at: str


class FieldTables:
    """Photos and merged field records; ``self.conn`` and ``transaction`` come from
    ``Project``."""

    conn: sqlite3.Connection

    # -- photos ---------------------------------------------------------------

    def add_photos(
        self, point_id: str, photos: list[tuple[str, str, bytes]], record_uuid=None
    ) -> None:
        """Store (name, media type, bytes) photos of *point_id* (in a transaction)."""
        at = now_iso()
        self.conn.executemany(
            "INSERT INTO point_photos (point_id, name, media_type, data, added_at, "
            "record_uuid) VALUES (?, ?, ?, ?, ?, ?)",
            [(str(point_id), n, t, d, at, record_uuid) for n, t, d in photos],
        )

    def photos(self, point_id: str) -> list[Photo]:
        """The photos of one point, oldest first."""
        rows = self.conn.execute(
            "SELECT point_id, name, media_type, data, added_at FROM point_photos "
            "WHERE point_id = ? ORDER BY fid",
            (str(point_id),),
        ).fetchall()
        return [Photo(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in rows]

    def photo_counts(self) -> dict[str, int]:
        """Point id -> number of stored photos (points with none are absent)."""
        rows = self.conn.execute(
            "SELECT point_id, COUNT(*) FROM point_photos GROUP BY point_id"
        )
        return {r[0]: int(r[1]) for r in rows}

    # -- field records --------------------------------------------------------

    def known_uuids(self, uuids: list[str]) -> set[str]:
        """Those of *uuids* that an earlier merge already recorded."""
        known: set[str] = set()
        for start in range(0, len(uuids), 500):
            chunk = uuids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            known.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT uuid FROM field_records WHERE uuid IN ({marks})", chunk
                )
            )
        return known

    def save_field_record(
        self, record: dict[str, Any], status: str, point_id: str | None, source: str
    ) -> None:
        """Remember one merged record and its outcome (inside a transaction)."""
        self.conn.execute(
            "INSERT INTO field_records (uuid, status, action, point_id, base_version, "
            "worker, recorded_at, merged_at, source, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record["uuid"], status, record["action"], point_id,
                record.get("base_version"), record.get("worker"),
                record.get("recorded_at"), now_iso(), source,
                json.dumps(record, ensure_ascii=False),
            ),
        )  # fmt: skip

    def field_records(self, status: str | None = None) -> list[dict[str, Any]]:
        """Merged records (the change-set record plus its status), oldest first."""
        if status is None:
            return self._records_where("1 = 1", ())
        return self._records_where("status = ?", (status,))

    def field_record(self, uuid: str) -> dict[str, Any] | None:
        """One merged record by uuid, or None."""
        found = self._records_where("uuid = ?", (str(uuid),))
        return found[0] if found else None

    def _records_where(self, where: str, args: tuple) -> list[dict[str, Any]]:
        """Merged records matching an SQL condition."""
        rows = self.conn.execute(
            "SELECT status, point_id, merged_at, source, record FROM field_records "
            f"WHERE {where} ORDER BY fid",
            args,
        ).fetchall()
        out = []
        for row in rows:
            record = json.loads(row[4])
            record.update(
                status=row[0], point_id=row[1], merged_at=row[2], source=row[3]
            )
            out.append(record)
        return out

    def set_field_status(self, uuid: str, status: str) -> None:
        """Change a merged record's status (inside a transaction)."""
        self.conn.execute(
            "UPDATE field_records SET status = ? WHERE uuid = ?", (status, str(uuid))
        )
