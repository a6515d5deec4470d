"""Ledger changes made in the desktop app, as a change-set a worker carries back.

A laptop worker edits a copy of the project offline; the change log says what
changed since a chosen time, and each changed point becomes one change-set
record (docs/CHANGESET_FORMAT.md) that ``riskmap points merge`` applies to the
office project like a phone's: adds, edits (with a move) and deletes, the edits
and deletes on the ``base_version`` the point had before the first change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from riskmap.registry.changeset import FieldRecord
from riskmap.registry.fields import FIELD_NAMES

# change-log actions that raise a point's version by one
VERSIONED = ("edit", "move", "delete", "restore")
LEDGER_ACTIONS = ("add", "import", *VERSIONED)
NOT_SETTABLE = ("id", "community_id", "deleted", "version")


@dataclass
class Outbox:
    """The records to export and how many changed points could not be expressed."""

    records: list[FieldRecord]
    skipped: int  # points added and deleted again inside the window


def desktop_changes(project, since: datetime, worker: str | None = None) -> Outbox:
    """Change-set records for ledger changes logged at or after *since* (by *worker*
    when given); changes that came from merged change-sets stay out."""
    history = project.history()
    chosen = [e for e in history if _selected(e, since, worker)]
    records, skipped = [], 0
    for pid in dict.fromkeys(e["point_id"] for e in chosen):
        mine = [e for e in chosen if e["point_id"] == pid]
        record = _point_record(project, pid, mine, history, since)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return Outbox(records, skipped)


def _selected(entry: dict, since: datetime, worker: str | None) -> bool:
    """A desktop ledger change of the window (merged field records excluded)."""
    after = entry["after"] or {}
    return (
        entry["point_id"] is not None
        and entry["action"] in LEDGER_ACTIONS
        and datetime.fromisoformat(entry["at"]) >= since
        and (worker is None or entry["user"] == worker)
        and "field_uuid" not in after
    )


def _point_record(project, pid: str, mine: list[dict], history: list[dict], since):
    """One record for point *pid*: add, delete or edit (None: added then deleted)."""
    point = project.get_point(pid)
    last = mine[-1]
    base = {
        "uuid": f"desktop-{project.project_id}-{pid}-{last['seq']}",
        "recorded_at": last["at"],
        "worker": last["user"],
        "accuracy_m": None,
        "position_source": None,
        "photos": _photos_since(project, pid, since),
    }
    added = any(e["action"] in ("add", "import") for e in mine)
    if added:
        if point["deleted"]:
            return None
        return FieldRecord(
            action="add", point_id=None, base_version=None,
            fields=_fields(point, FIELD_NAMES), lon=point["lon"], lat=point["lat"],
            **base,
        )  # fmt: skip
    version = _version_before(point, pid, mine[0]["seq"], history)
    if point["deleted"]:
        return FieldRecord(
            action="delete", point_id=pid, base_version=version, fields={},
            lon=None, lat=None, **{**base, "photos": []},
        )  # fmt: skip
    changed = [k for e in mine if e["action"] == "edit" for k in e["after"]]
    moved = any(e["action"] == "move" for e in mine)
    return FieldRecord(
        action="edit", point_id=pid, base_version=version,
        fields=_fields(point, changed, keep_empty=True),
        lon=point["lon"] if moved else None, lat=point["lat"] if moved else None,
        **base,
    )  # fmt: skip


def _version_before(point: dict, pid: str, first_seq: int, history) -> int:
    """The point's version just before log entry *first_seq* (every versioned
    entry from it on, by anyone, raised it by one)."""
    later = sum(
        1
        for e in history
        if e["point_id"] == pid and e["seq"] >= first_seq and e["action"] in VERSIONED
    )
    return int(point["version"]) - later


def _fields(point: dict, names, keep_empty: bool = False) -> dict[str, Any]:
    """The point's current values of the settable ledger fields among *names*."""
    names = [n for n in dict.fromkeys(names) if n in FIELD_NAMES]
    return {
        n: point.get(n)
        for n in names
        if n not in NOT_SETTABLE and (keep_empty or point.get(n) is not None)
    }


def _photos_since(project, pid: str, since: datetime) -> list[tuple[str, str, bytes]]:
    """The point's photos stored at or after *since*."""
    return [
        (p.name, p.media_type, p.data)
        for p in project.photos(pid)
        if p.added_at and datetime.fromisoformat(p.added_at) >= since
    ]
