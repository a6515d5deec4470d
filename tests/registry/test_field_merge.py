"""Merging field change-sets: idempotent, conflicts on stale versions, refusals."""

from __future__ import annotations

import json

import pytest

from riskmap.cli import main
from riskmap.errors import InputDataError
from riskmap.registry.changeset import FieldRecord, write_changeset
from riskmap.registry.merge import conflicts, merge_files, resolve

JPEG = b"\xff\xd8\xff\xe0" + b"riskmap-test-photo" + b"\xff\xd9"
HOSTILE = '{{ 7*7 }} <img src=x onerror=alert(1)> =HYPERLINK("x")\n第二行'


def _record(uuid: str, action: str = "add", **kw) -> FieldRecord:
    """A change-set record with sensible defaults."""
    values = {
        "uuid": uuid, "action": action, "point_id": None, "base_version": None,
        "fields": {"name": f"裂缝{uuid}", "type": "滑坡"}, "lon": 106.72, "lat": 31.87,
        "accuracy_m": 8.0, "position_source": "gps",
        "recorded_at": "2026-12-02T08:00:00+08:00",
        "worker": "李四",
    }  # fmt: skip
    values.update(kw)
    return FieldRecord(**values)


def _write(tmp_path, project, records, name="changes.json", worker="李四"):
    """A change-set file for *project*."""
    return write_changeset(tmp_path / name, project.project_id, worker, records)


def test_merge_adds_points_with_photos_and_is_idempotent(project, tmp_path):
    """GPS and tapped adds land with photos and log rows; a second merge is a no-op."""
    path = _write(tmp_path, project, [
        _record("u-1", photos=[("a.jpg", "image/jpeg", JPEG)] * 2),
        _record("u-2", lon=106.78, lat=31.86, position_source="manual",
                accuracy_m=None, fields={"name": "积水", "type": "内涝点",
                                         "status": "整改中"}),
    ])  # fmt: skip
    first = merge_files(project, [path])
    assert [o.outcome for o in first] == ["added", "added"]
    points = project.points().set_index("name")
    assert points.loc["裂缝u-1", "community_id"] == "C1"
    assert points.loc["积水", "community_id"] == "C2"
    assert points.loc["积水", "status"] == "整改中"
    pid = first[0].point_id
    assert [p.data for p in project.photos(pid)] == [JPEG, JPEG]
    log = project.history(pid)[-1]
    assert log["user"] == "李四"
    assert log["after"]["field_uuid"] == "u-1"
    assert log["after"]["device_time"] == "2026-12-02T08:00:00+08:00"
    assert log["after"]["position_source"] == "gps"
    before = (len(project.history()), project.photo_counts())
    again = merge_files(project, [path])
    assert [o.outcome for o in again] == ["known", "known"]
    assert (len(project.history()), project.photo_counts()) == before
    assert len(project.points()) == 2


def test_adds_go_through_the_ledger_checks(project, tmp_path):
    """Duplicates within 10 m, outside every community and bad values are rejected."""
    project.add_point({"name": "老滑坡", "type": "滑坡"}, 106.72, 31.87, user="u")
    path = _write(tmp_path, project, [
        _record("d", fields={"name": "老滑坡", "type": "滑坡"}, lon=106.72004),
        _record("o", lon=107.5, lat=31.0),
        _record("b", fields={"name": "x", "type": "滑坡", "level": "7"}),
        _record("f", fields={"name": "y", "type": "滑坡", "id": "YH-1"}),
        _record("ok"),
    ])  # fmt: skip
    out = {o.uuid: o for o in merge_files(project, [path])}
    assert out["d"].outcome == "rejected"
    assert "duplicate" in out["d"].reason
    assert out["o"].outcome == "rejected"
    assert "outside" in out["o"].reason
    assert out["b"].outcome == "rejected"
    assert "level" in out["b"].reason
    assert out["f"].outcome == "rejected"
    assert "id" in out["f"].reason
    assert out["ok"].outcome == "added"
    assert len(project.points()) == 2


def test_stale_edit_is_a_conflict_resolved_both_ways(project, tmp_path):
    """An edit on an old version waits; --keep ledger keeps it, --keep field applies."""
    pid = project.add_point({"name": "危房甲", "type": "危房"}, 106.72, 31.87, user="u")
    qid = project.add_point({"name": "危房乙", "type": "危房"}, 106.73, 31.87, user="u")
    assert project.get_point(pid)["version"] == 1
    project.edit_point(pid, {"status": "整改中"}, user="office")  # version 2
    project.edit_point(qid, {"measures": "设置警示牌"}, user="office")
    edits = [
        _record("e1", "edit", point_id=pid, base_version=1,
                fields={"status": "已销号", "note": "已加固"}, lon=None, lat=None),
        _record("e2", "edit", point_id=qid, base_version=1,
                fields={"measures": "拆除"}, lon=None, lat=None,
                photos=[("p.jpg", "image/jpeg", JPEG)]),
        _record("e3", "edit", point_id=qid, base_version=2,
                fields={"note": "复查"}, lon=None, lat=None),
    ]  # fmt: skip
    out = {
        o.uuid: o.outcome
        for o in merge_files(project, [_write(tmp_path, project, edits)])
    }
    assert out == {"e1": "conflict", "e2": "conflict", "e3": "edited"}
    assert project.get_point(qid)["version"] == 3
    listed = {c["uuid"]: c for c in conflicts(project)}
    assert listed["e1"]["diff"]["status"] == {"ledger": "整改中", "field": "已销号"}
    assert listed["e2"]["current_version"] == 3
    resolve(project, "e1", "ledger", user="office")
    assert project.get_point(pid)["status"] == "整改中"
    resolve(project, "e2", "field", user="office")
    assert project.get_point(qid)["measures"] == "拆除"
    assert [p.data for p in project.photos(qid)] == [JPEG]
    assert conflicts(project) == []
    with pytest.raises(InputDataError, match="not an open conflict"):
        resolve(project, "e2", "field", user="office")
    assert project.history(pid)[-1]["action"] == "resolve"


def test_delete_and_move_by_the_field(project, tmp_path):
    """A delete on the current version soft-deletes; a moved edit moves the point."""
    pid = project.add_point({"name": "甲", "type": "危房"}, 106.72, 31.87, user="u")
    qid = project.add_point({"name": "乙", "type": "危房"}, 106.73, 31.87, user="u")
    path = _write(tmp_path, project, [
        _record("x", "delete", point_id=pid, base_version=1, fields={}, lon=None,
                lat=None),
        _record("m", "edit", point_id=qid, base_version=1, fields={}, lon=106.731),
    ])  # fmt: skip
    assert [o.outcome for o in merge_files(project, [path])] == ["deleted", "edited"]
    assert project.get_point(pid)["deleted"] == 1
    assert project.get_point(qid)["lon"] == pytest.approx(106.731)


def test_foreign_newer_and_damaged_files_change_nothing(project, tmp_path):
    """Another project's file, a newer format or broken JSON: exit 2, nothing merged."""
    good = _write(tmp_path, project, [_record("g")])
    doc = json.loads(good.read_text(encoding="utf-8"))
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(doc | {"project_id": "other"}), encoding="utf-8")
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(doc | {"riskmap_changeset": 2}), encoding="utf-8")
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(good.read_bytes()[:-40])
    no_photo = tmp_path / "bad-photo.json"
    doc["features"][0]["properties"]["photos"] = [
        {"name": "a", "media_type": "image/jpeg", "data": "@@@"}
    ]
    no_photo.write_text(json.dumps(doc), encoding="utf-8")
    path = project.path
    for bad, words in ((foreign, "another project"), (newer, "newer"),
                       (damaged, "damaged"), (no_photo, "base64")):  # fmt: skip
        with pytest.raises(InputDataError, match=words):
            merge_files(project, [good, bad])
        assert len(project.points()) == 0
        assert main(["points", "merge", str(good), str(bad), "--project", str(path),
                     "-q"]) == 2  # fmt: skip
    assert project.field_records() == []


def test_cli_merge_dry_run_report_conflicts_and_resolve(project, tmp_path, capsys):
    """The CLI round trip, with hostile text in every text field kept verbatim."""
    pid = project.add_point({"name": "桥", "type": "危房"}, 106.72, 31.87, user="u")
    project.edit_point(pid, {"status": "整改中"}, user="office")
    texts = {"name": HOSTILE, "type": HOSTILE, "responsible": HOSTILE,
             "measures": HOSTILE, "address": HOSTILE, "note": HOSTILE}  # fmt: skip
    path = _write(tmp_path, project, [
        _record("h", fields=texts),
        _record("s", "edit", point_id=pid, base_version=1, lon=None, lat=None,
                fields={"note": HOSTILE}),
    ], worker=HOSTILE)  # fmt: skip
    p = ["--project", str(project.path)]
    report = tmp_path / "report.json"
    assert main(["points", "merge", str(path), *p, "--dry-run", "-q"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert len(project.points()) == 1
    assert main(["points", "merge", str(path), *p, "--report", str(report), "-q"]) == 0
    outcomes = json.loads(report.read_text(encoding="utf-8"))["records"]
    assert [o["outcome"] for o in outcomes] == ["added", "conflict"]
    added = project.get_point(outcomes[0]["point_id"])
    assert all(added[k] == HOSTILE for k in texts)
    assert project.history(added["id"])[-1]["user"] == HOSTILE
    capsys.readouterr()
    assert main(["points", "conflicts", *p]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[1].split("\t")[:2] == ["s", pid]
    assert lines[1].split("\t")[-1] == HOSTILE.replace("\n", "\\n")
    assert main(["points", "resolve", "s", "--keep", "field", *p]) == 0
    assert project.get_point(pid)["note"] == HOSTILE
    assert main(["points", "resolve", "s", "--keep", "field", *p]) == 2
    xlsx = tmp_path / "台账.xlsx"
    assert main(["points", "export", *p, "--out", str(xlsx), "-q"]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    names = [c.value for c in sheet["C"]]
    assert HOSTILE in names
    assert sheet["C"][names.index(HOSTILE)].data_type == "s"


def test_project_info_shows_a_stable_id(project, capsys):
    """`riskmap project info` prints the id change-sets must carry."""
    assert main(["project", "info", str(project.path)]) == 0
    assert f"project_id: {project.project_id}" in capsys.readouterr().out


def test_points_export_writes_versions_and_photo_files(project, tmp_path):
    """Stored photos become files beside the export, listed in the photos column."""
    path = _write(tmp_path, project, [
        _record("p", photos=[("a.jpg", "image/jpeg", JPEG)])
    ])  # fmt: skip
    pid = merge_files(project, [path])[0].point_id
    out = tmp_path / "out" / "ledger.geojson"
    assert main(["points", "export", "--project", str(project.path), "--out",
                 str(out), "-q"]) == 0  # fmt: skip
    feature = json.loads(out.read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["version"] == 1
    listed = feature["properties"]["photos"]
    assert listed == "ledger_photos/00001_" + pid.replace("-", "-") + "_1.jpg"
    assert (out.parent / listed).read_bytes() == JPEG
