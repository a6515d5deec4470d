"""Merge field change-sets into the ledger: idempotent by record uuid, conflicts on
stale versions, one transaction per file.

An edit or delete made on version *v* of a point applies only while the point is
still at version *v*; otherwise it becomes a conflict that waits for
``resolve(uuid, keep="ledger" | "field")``. Nobody's edit is lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from riskmap.errors import InputDataError
from riskmap.registry.changeset import ChangeSet, FieldRecord, read_changeset
from riskmap.registry.geometry import check_lonlat, metres_between
from riskmap.registry.store_field import OPEN_CONFLICT

if TYPE_CHECKING:
    from riskmap.registry.store import Project

FIXED_FIELDS = ("id", "community_id", "deleted", "version")
MOVE_M = 1.0  # an edit's position this far from the point moves it


@dataclass(frozen=True)
class Outcome:
    """What merging one record did."""

    file: str
    uuid: str
    action: str
    point_id: str | None
    outcome: str  # added / edited / deleted / conflict / rejected / known
    reason: str = ""

    def line(self) -> str:
        """One tab-separated report line."""
        return "\t".join(
            [self.outcome, self.action, self.uuid, self.point_id or "", self.reason]
        )


class _DryRun(Exception):
    """Raised at the end of a dry run so the file's transaction rolls back."""


def merge_files(
    project: Project, paths: list[Path], *, dry_run: bool = False, progress=None
) -> list[Outcome]:
    """Merge change-set files; every file is checked before any is applied."""
    sets = [read_changeset(p, project.project_id) for p in paths]
    out: list[Outcome] = []
    total = sum(len(s.records) for s in sets)
    for cs in sets:
        out.extend(merge_changeset(project, cs, dry_run=dry_run))
        if progress is not None:
            progress(len(out), total, cs.path.name)
    return out


def merge_changeset(
    project: Project, cs: ChangeSet, *, dry_run: bool = False
) -> list[Outcome]:
    """Apply one change-set in one transaction (rolled back for a dry run)."""
    known = project.known_uuids([r.uuid for r in cs.records])
    out: list[Outcome] = []
    try:
        with project.transaction():
            for record in cs.records:
                if record.uuid in known:
                    out.append(_outcome(cs, record, "known", record.point_id))
                    continue
                out.append(_apply(project, cs, record))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return out


def _apply(project: Project, cs: ChangeSet, record: FieldRecord) -> Outcome:
    """Apply one new record; a bad one is rejected, a stale one is a conflict."""
    try:
        with project.transaction():
            if record.action == "add":
                return _add(project, cs, record)
            return _change(project, cs, record)
    except InputDataError as exc:
        return _outcome(cs, record, "rejected", record.point_id, str(exc))


def _add(project: Project, cs: ChangeSet, record: FieldRecord) -> Outcome:
    """A new point: the ledger's checks, its photos, the record remembered."""
    _check_fields(record)
    check_lonlat(record.lon, record.lat)
    geom = np.array([shapely.points(record.lon, record.lat)])
    community = project.community_of(geom)[0]
    if community is None:
        raise InputDataError(
            f"{record.lon:.6f}, {record.lat:.6f} is outside every community"
        )
    pid = project.add_point(
        record.fields, record.lon, record.lat, user=cs.worker, meta=_meta(record)
    )
    project.add_photos(pid, record.photos, record.uuid)
    project.save_field_record(record.as_json(False), "added", pid, cs.path.name)
    return _outcome(cs, record, "added", pid)


def _change(project: Project, cs: ChangeSet, record: FieldRecord) -> Outcome:
    """An edit or delete: applied on the version it was made on, else a conflict."""
    current = project.get_point(record.point_id)
    if int(current["version"]) != record.base_version:
        project.save_field_record(
            record.as_json(True), OPEN_CONFLICT, current["id"], cs.path.name
        )
        why = (
            f"made on version {record.base_version}, "
            f"the ledger has {current['version']}"
        )
        return _outcome(cs, record, "conflict", current["id"], why)
    _check_fields(record)
    apply_change(project, record, user=cs.worker)
    status = "deleted" if record.action == "delete" else "edited"
    project.save_field_record(
        record.as_json(False), status, current["id"], cs.path.name
    )
    return _outcome(cs, record, status, current["id"])


def apply_change(project: Project, record: FieldRecord, *, user: str) -> None:
    """Write an edit (fields, a move, photos) or a delete to the ledger."""
    pid, meta = str(record.point_id), _meta(record)
    if record.action == "delete":
        project.delete_point(pid, user=user, meta=meta)
        return
    if record.fields:
        project.edit_point(pid, record.fields, user=user, meta=meta)
    if record.lon is not None:
        point = project.get_point(pid)
        moved = metres_between(point["lon"], point["lat"], record.lon, record.lat)
        if float(moved) > MOVE_M:
            project.move_point(pid, record.lon, record.lat, user=user, meta=meta)
    project.add_photos(pid, record.photos, record.uuid)


def _check_fields(record: FieldRecord) -> None:
    """Field records may set ledger fields, never the id, community or version."""
    fixed = [k for k in record.fields if k in FIXED_FIELDS]
    if fixed:
        raise InputDataError(f"field(s) {', '.join(fixed)} cannot be set from a phone")


def _meta(record: FieldRecord) -> dict[str, Any]:
    """What the change log keeps about a field record: its uuid, device time, source."""
    meta = {"field_uuid": record.uuid, "device_time": record.recorded_at}
    if record.position_source:
        meta["position_source"] = record.position_source
    if record.accuracy_m is not None:
        meta["accuracy_m"] = record.accuracy_m
    return meta


def _outcome(cs, record: FieldRecord, what: str, pid, reason: str = "") -> Outcome:
    """An Outcome for *record* of change-set *cs*."""
    return Outcome(cs.path.name, record.uuid, record.action, pid, what, reason)


def conflicts(project: Project) -> list[dict[str, Any]]:
    """Open conflicts, each with the ledger's and the field's value per field."""
    out = []
    for rec in project.field_records(OPEN_CONFLICT):
        current = project.get_point(rec["point_id"])
        diff = {
            k: {"ledger": current.get(k), "field": v}
            for k, v in (rec.get("fields") or {}).items()
        }
        if rec["action"] == "delete":
            diff["deleted"] = {"ledger": current["deleted"], "field": 1}
        out.append(rec | {"current_version": current["version"], "diff": diff})
    return out


def resolve(project: Project, uuid: str, keep: str, *, user: str) -> None:
    """Settle one open conflict: keep the ledger as it is, or apply the field edit."""
    if keep not in ("ledger", "field"):
        raise InputDataError(f"--keep {keep!r}: use ledger or field")
    rec = project.field_record(uuid)
    if rec is None or rec["status"] != OPEN_CONFLICT:
        state = "no such record" if rec is None else f"it is {rec['status']}"
        raise InputDataError(
            f"{uuid}: not an open conflict ({state}); see riskmap points conflicts"
        )
    record = FieldRecord.from_json(rec)
    with project.transaction():
        if keep == "field":
            apply_change(project, record, user=user)
        project.set_field_status(uuid, f"kept_{keep}")
        project.log_resolution(user, record.point_id, uuid, keep)
