"""Desktop ledger changes as a change-set: base versions, skips, conflicts."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from riskmap.registry import Project
from riskmap.registry.changeset import FieldRecord, write_changeset
from riskmap.registry.merge import merge_files
from riskmap.registry.outbox import desktop_changes


def _since() -> datetime:
    """A moment just before now (the log keeps whole seconds)."""
    return datetime.now(UTC) - timedelta(seconds=1)


def test_base_version_is_the_one_before_the_window(project, tmp_path):
    """Two edits give one edit record on the version before the first; another
    worker's edit in between still counts; add-then-delete leaves nothing."""
    pid = project.add_point({"name": "甲", "type": "滑坡"}, 106.72, 31.87, user="o")
    project.edit_point(pid, {"note": "旧"}, user="o")  # version 2, before the window
    since = _since()
    project.edit_point(pid, {"status": "整改中"}, user="w")
    project.edit_point(pid, {"note": "他人"}, user="other")
    project.edit_point(pid, {"status": "已销号"}, user="w")
    gone = project.add_point({"name": "乙", "type": "危房"}, 106.73, 31.87, user="w")
    project.delete_point(gone, user="w")
    box = desktop_changes(project, since, "w")
    assert box.skipped == 1
    [record] = box.records
    assert record.action == "edit"
    assert record.base_version == 2
    assert record.fields == {"status": "已销号"}
    assert record.lon is None


def test_office_change_meanwhile_is_a_conflict(project, tmp_path):
    """The office edited the point after the laptop's copy: the merge keeps the
    laptop's edit as a conflict instead of overwriting."""
    pid = project.add_point({"name": "甲", "type": "滑坡"}, 106.72, 31.87, user="o")
    project.close()  # the copy must hold every committed write
    office_path = tmp_path / "office.gpkg"
    shutil.copy(project.path, office_path)
    since = _since()
    with Project.open(project.path) as laptop:
        laptop.edit_point(pid, {"status": "已销号"}, user="w")
        box = desktop_changes(laptop, since, "w")
        project_id = laptop.project_id
    path = write_changeset(tmp_path / "c.json", project_id, "w", box.records)
    with Project.open(office_path) as office:
        office.edit_point(pid, {"note": "办公室"}, user="office")
        [outcome] = merge_files(office, [path])
        assert outcome.outcome == "conflict"
        assert office.get_point(pid)["status"] != "已销号"


def test_merged_field_records_stay_out(project, tmp_path):
    """Changes that came in from a phone's change-set are not exported again."""
    since = _since()
    record = FieldRecord("phone-1", "add", None, None, {"name": "丙", "type": "滑坡"},
                         106.72, 31.87, 5.0, "gps", None, "w")  # fmt: skip
    path = write_changeset(tmp_path / "p.json", project.project_id, "w", [record])
    merge_files(project, [path])
    assert desktop_changes(project, since, "w").records == []
