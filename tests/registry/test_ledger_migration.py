"""Older project files are migrated on open; newer ones are refused."""

from __future__ import annotations

import sqlite3

import pytest

from riskmap.errors import InputDataError
from riskmap.registry import Project
from riskmap.registry.schema import SCHEMA_VERSION, table_columns

V1_MISSING = ("grid_code", "ls_l", "ls_s", "monitor_phone", "photos", "verified_at")


def _make_v1(path) -> None:
    """Turn a project into the version-1 layout (fewer columns, no log index)."""
    conn = sqlite3.connect(path)
    for column in V1_MISSING:
        conn.execute(f"ALTER TABLE points DROP COLUMN {column}")
    conn.execute("DROP INDEX changes_point")
    _drop_v3(conn)
    conn.execute("UPDATE riskmap_settings SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def _drop_v3(conn: sqlite3.Connection) -> None:
    """Remove what schema 3 added: versions, the note, photos, field records, id."""
    for column in ("version", "note"):
        conn.execute(f"ALTER TABLE points DROP COLUMN {column}")
    for table in ("point_photos", "field_records"):
        conn.execute(f"DROP TABLE {table}")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (table,))
    conn.execute("DELETE FROM riskmap_settings WHERE key = 'project_id'")


def test_version_2_gets_versions_photos_and_an_id(project):
    """Schema 2 -> 3: every point at version 1, photo and field tables, a stable id."""
    pid = project.add_point({"name": "旧点", "type": "危房"}, 106.72, 31.87, user="u")
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    _drop_v3(conn)
    conn.execute("UPDATE riskmap_settings SET value = '2' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with Project.open(path) as migrated:
        assert migrated.get_point(pid)["version"] == 1
        first_id = migrated.project_id
        assert len(first_id) == 32
        assert migrated.photos(pid) == []
        assert migrated.field_records() == []
        migrated.edit_point(pid, {"note": "裂缝变宽"}, user="u")
        assert migrated.get_point(pid)["version"] == 2
    with Project.open(path) as again:
        assert again.project_id == first_id


def test_version_1_is_migrated_on_open(project):
    """Columns are added, data kept, the version bumped and the migration logged."""
    pid = project.add_point(
        {"name": "老点", "type": "危房", "responsible": "王五"}, 106.72, 31.87, user="u"
    )
    path = project.path
    project.close()
    _make_v1(path)
    conn = sqlite3.connect(path)
    assert "grid_code" not in table_columns(conn, "points")
    conn.close()
    with Project.open(path) as migrated:
        assert migrated.settings["schema_version"] == SCHEMA_VERSION == 3
        columns = table_columns(migrated.conn, "points")
        assert set(V1_MISSING) <= set(columns)
        record = migrated.get_point(pid)
        assert (record["name"], record["responsible"], record["grid_code"]) == (
            "老点", "王五", None,
        )  # fmt: skip
        assert migrated.history()[-1]["action"] == "migrate"
        assert migrated.history()[-1]["after"] == {"schema": 3}
        migrated.edit_point(pid, {"grid_code": "511902001001", "ls_l": 3, "ls_s": 5},
                            user="u")  # fmt: skip
        assert migrated.get_point(pid)["level"] == 2  # LS 15 -> orange
        indexes = {r[1] for r in migrated.conn.execute("PRAGMA index_list(changes)")}
        assert "changes_point" in indexes
    with Project.open(path) as again:  # a second open changes nothing
        assert [e["action"] for e in again.history()].count("migrate") == 1


def test_newer_schema_is_refused(project):
    """A project from a newer riskmap is an input error, not a crash or a downgrade."""
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE riskmap_settings SET value = '99' WHERE key = 'schema_version'"
    )
    conn.commit()
    conn.close()
    with pytest.raises(InputDataError, match="newer than this riskmap"):
        Project.open(path)
