"""Field change-sets merge into a PostGIS project the same way: photos as bytea,
versions, conflicts; a copy keeps them and the project_id."""

from __future__ import annotations

from riskmap.cli import main
from riskmap.registry import Project
from riskmap.registry.changeset import FieldRecord, write_changeset
from riskmap.registry.merge import conflicts, resolve

JPEG = b"\xff\xd8\xff\xe0pg-photo\xff\xd9"


def test_merge_conflict_resolve_and_copy_on_postgis(pg_url, communities_file, tmp_path):
    """Add with a photo, a stale edit, resolve it, merge again, copy to a file."""
    assert main(["project", "new", pg_url, "--communities", str(communities_file),
                 "--id-field", "code", "--name-field", "名称", "-q"]) == 0  # fmt: skip
    with Project.open(pg_url) as project:
        pid = project.add_point({"name": "桥", "type": "危房"}, 106.72, 31.87, user="u")
        project.edit_point(pid, {"status": "整改中"}, user="office")
        project_id = project.project_id
    records = [
        FieldRecord("a1", "add", None, None, {"name": "裂缝", "type": "滑坡"},
                    106.77, 31.87, 5.0, "gps", "2026-12-02T09:00:00+08:00", "李四",
                    [("a.jpg", "image/jpeg", JPEG)]),
        FieldRecord("e1", "edit", pid, 1, {"note": "复查"}, None, None, None, None,
                    None, "李四"),
    ]  # fmt: skip
    changes = write_changeset(tmp_path / "c.json", project_id, "李四", records)
    p = ["--project", pg_url, "-q"]
    assert main(["points", "merge", str(changes), *p]) == 0
    with Project.open(pg_url) as project:
        added = project.points().set_index("name").loc["裂缝", "id"]
        assert [ph.data for ph in project.photos(added)] == [JPEG]
        assert [c["uuid"] for c in conflicts(project)] == ["e1"]
        resolve(project, "e1", "field", user="office")
        assert project.get_point(pid)["note"] == "复查"
        assert project.get_point(pid)["version"] == 3
    assert main(["points", "merge", str(changes), *p]) == 0  # known: no change
    copy = tmp_path / "copy.gpkg"
    assert main(["project", "copy", pg_url, str(copy), "-q"]) == 0
    with Project.open(copy) as local:
        assert local.project_id == project_id
        assert [ph.data for ph in local.photos(added)] == [JPEG]
        assert {r["uuid"] for r in local.field_records()} == {"a1", "e1"}
