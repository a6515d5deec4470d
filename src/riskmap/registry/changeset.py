"""The field change-set file (docs/CHANGESET_FORMAT.md): read, check and write it.

A change-set is a GeoJSON FeatureCollection in WGS84 with ``riskmap_changeset``
(the format version), ``project_id``, ``worker`` and ``created_at``; each feature
is one record a grid worker made (add, edit or delete a ledger point). Reading
checks the whole file before anything is merged, so a damaged file changes
nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskmap.atomic import atomic_path
from riskmap.errors import InputDataError
from riskmap.registry.projectfile import now_iso

FORMAT_VERSION = 1
ACTIONS = ("add", "edit", "delete")
SOURCES = ("gps", "manual")
MEDIA_TYPES = ("image/jpeg", "image/png")
MAX_FILE_BYTES = 2 << 30


@dataclass
class FieldRecord:
    """One change-set feature, checked and decoded."""

    uuid: str
    action: str
    point_id: str | None
    base_version: int | None
    fields: dict[str, Any]
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    position_source: str | None
    recorded_at: str | None
    worker: str
    photos: list[tuple[str, str, bytes]] = field(default_factory=list)

    def as_json(self, with_photos: bool) -> dict[str, Any]:
        """The record as stored in the project (photo bytes only when asked)."""
        out = {k: v for k, v in self.__dict__.items() if k != "photos"}
        out["photos"] = [
            {"name": n, "media_type": t}
            | ({"data": base64.b64encode(d).decode()} if with_photos else {})
            for n, t, d in self.photos
        ]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldRecord:
        """A record back from ``as_json(with_photos=True)``."""
        values = {k: data.get(k) for k in cls.__dataclass_fields__ if k != "photos"}
        photos = [
            (p["name"], p["media_type"], base64.b64decode(p.get("data", "")))
            for p in data.get("photos", [])
        ]
        return cls(**values, photos=photos)


@dataclass
class ChangeSet:
    """A whole change-set file."""

    path: Path
    project_id: str
    worker: str
    created_at: str
    records: list[FieldRecord]


def read_changeset(path: str | Path, project_id: str) -> ChangeSet:
    """Read and check a change-set for the project *project_id*; refuse a foreign,
    newer or damaged file with one clear error."""
    path = Path(path)
    data = _load(path)
    version = data.get("riskmap_changeset")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputDataError(
            f"{path}: not a riskmap change-set (no riskmap_changeset version)"
        )
    if version > FORMAT_VERSION:
        raise InputDataError(
            f"{path}: change-set format {version} is newer than this riskmap "
            f"(format {FORMAT_VERSION}); update riskmap"
        )
    if str(data.get("project_id")) != project_id:
        raise InputDataError(
            f"{path}: made for another project (project_id "
            f"{data.get('project_id')!r}, this project is {project_id}); merge it "
            "into the project whose field package it came from"
        )
    worker = _text(data.get("worker")) or "unknown"
    features = data.get("features")
    if data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise InputDataError(f"{path}: damaged change-set (no feature list)")
    records = [_record(path, i, f, worker) for i, f in enumerate(features)]
    uuids = [r.uuid for r in records]
    if len(set(uuids)) != len(uuids):
        raise InputDataError(f"{path}: damaged change-set (a uuid appears twice)")
    return ChangeSet(path, project_id, worker, _text(data.get("created_at")), records)


def _load(path: Path) -> dict[str, Any]:
    """The file's JSON object, or an error saying it is missing or damaged."""
    if not path.is_file():
        raise InputDataError(f"{path}: no such change-set file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputDataError(f"{path}: too large for a change-set (over 2 GiB)")
    try:
        data = json.loads(path.read_bytes())  # bytes: UTF-8 (a BOM is accepted)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(
            f"{path}: damaged change-set, not valid JSON ({exc}); export it again "
            "from the phone"
        ) from exc
    if not isinstance(data, dict):
        raise InputDataError(f"{path}: not a riskmap change-set (not a JSON object)")
    return data


def _record(path: Path, i: int, feature: Any, worker: str) -> FieldRecord:
    """One checked feature; a damaged one is an error naming it."""

    def bad(what: str) -> InputDataError:
        return InputDataError(f"{path}: damaged change-set, feature {i + 1}: {what}")

    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        raise bad("no properties")
    uuid, action = _text(props.get("uuid")), props.get("action")
    if not uuid or len(uuid) > 100:
        raise bad("no uuid")
    if action not in ACTIONS:
        raise bad(f"action {action!r} is not one of {'/'.join(ACTIONS)}")
    point_id, base = _text(props.get("point_id")) or None, props.get("base_version")
    if action != "add" and (not point_id or not _is_int(base)):
        raise bad(f"{action} needs point_id and an integer base_version")
    fields = props.get("fields") or {}
    if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
        raise bad("fields must be an object of ledger field names")
    lon, lat = _point(feature.get("geometry"), bad)
    if action == "add" and lon is None:
        raise bad("an added point needs a Point geometry")
    source = props.get("position_source")
    if source is not None and source not in SOURCES:
        raise bad(f"position_source {source!r} is not gps or manual")
    return FieldRecord(
        uuid=uuid, action=action, point_id=point_id,
        base_version=int(base) if _is_int(base) else None,
        fields=fields, lon=lon, lat=lat,
        accuracy_m=_number(props.get("accuracy_m"), bad),
        position_source=source, recorded_at=_text(props.get("recorded_at")) or None,
        worker=worker, photos=_photos(props.get("photos") or [], bad),
    )  # fmt: skip


def _point(geometry: Any, bad) -> tuple[float | None, float | None]:
    """(lon, lat) of a GeoJSON Point, (None, None) for null."""
    if geometry is None:
        return None, None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        geometry.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) < 2
    ):
        raise bad("geometry must be a Point or null")
    lon, lat = _number(coords[0], bad), _number(coords[1], bad)
    if lon is None or lat is None:
        raise bad("a Point needs numeric coordinates")
    return lon, lat


def _photos(items: Any, bad) -> list[tuple[str, str, bytes]]:
    """Decoded (name, media type, bytes) photos."""
    if not isinstance(items, list):
        raise bad("photos must be a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("media_type") not in MEDIA_TYPES:
            raise bad(f"photo media_type must be one of {', '.join(MEDIA_TYPES)}")
        try:  # strict: one pass in C that also refuses stray characters
            data = binascii.a2b_base64(str(item.get("data", "")), strict_mode=True)
        except (binascii.Error, ValueError):
            raise bad("photo data is not base64") from None
        if not data:
            raise bad("a photo has no data")
        out.append((_text(item.get("name")) or "photo.jpg", item["media_type"], data))
    return out


def _number(value: Any, bad) -> float | None:
    """A finite float, None for null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise bad("a number is not finite")
    return float(value)


def _is_int(value: Any) -> bool:
    """An integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str:
    """Text of a JSON scalar ('' for null)."""
    return "" if value is None else str(value)


def changeset_document(
    project_id: str, worker: str, records: list[FieldRecord]
) -> dict[str, Any]:
    """A change-set as a JSON-ready dict (what the field page and the desktop write)."""
    features = []
    for r in records:
        geometry = (
            None if r.lon is None else {"type": "Point", "coordinates": [r.lon, r.lat]}
        )
        props = r.as_json(with_photos=True)
        for key in ("lon", "lat", "worker"):
            props.pop(key)
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {
        "type": "FeatureCollection",
        "riskmap_changeset": FORMAT_VERSION,
        "project_id": project_id,
        "worker": worker,
        "created_at": now_iso(),
        "features": features,
    }


def write_changeset(
    path: str | Path, project_id: str, worker: str, records: list[FieldRecord]
) -> Path:
    """Write a change-set file atomically."""
    doc = changeset_document(project_id, worker, records)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return Path(path)
