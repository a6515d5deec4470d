"""`riskmap project grant`: a grid worker's login reaches only their communities,
a viewer only reads, and nobody rewrites the change log, whatever SQL they send."""

from __future__ import annotations

import io
import uuid

import psycopg
import pytest

from riskmap.cli import main
from riskmap.registry import Project


@pytest.fixture
def shared(pg_url, communities_file, capsys):
    """A project with two points in C1 and two in C2, added by the owner."""
    assert main(["project", "new", pg_url, "--communities", str(communities_file),
                 "--id-field", "code", "-q"]) == 0  # fmt: skip
    with Project.open(pg_url) as project:
        for i, lon in enumerate((106.71, 106.72, 106.76, 106.77)):
            project.add_point({"name": f"点{i}", "type": "危房", "id": f"P{i}"},
                              lon, 31.86, user="owner")  # fmt: skip
    capsys.readouterr()
    return pg_url


def _login(pg_cluster, monkeypatch, url: str, access: str, communities: str):
    """Grant a new login role and return (its project URL, its password)."""
    role = f"w{uuid.uuid4().hex[:8]}"
    password = f"pw-{role}"
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    args = ["--community", communities, "--role", access, "--password-stdin", "-q"]
    assert main(["project", "grant", role, "--project", url, *args]) == 0
    schema = url.split("schema=")[1]
    return pg_cluster.url("riskmap", user=role, schema=schema), password


def _connect(url: str, password: str) -> psycopg.Connection:
    """A raw connection as the worker, in the project's schema."""
    schema = url.split("schema=")[1]
    conn = psycopg.connect(url.split("?")[0], password=password, autocommit=True)
    conn.execute(f"SET search_path TO {schema}, public")
    return conn


def test_editor_reaches_only_own_community(shared, pg_cluster, monkeypatch, capsys):
    """Raw SQL as an editor of C1: sees, changes and adds only C1 rows."""
    url, pw = _login(pg_cluster, monkeypatch, shared, "editor", "C1")
    with _connect(url, pw) as conn:
        seen = conn.execute("SELECT id FROM points ORDER BY id").fetchall()
        assert seen == [("P0",), ("P1",)]
        assert conn.execute("SELECT community_id FROM communities").fetchall() == [
            ("C1",)
        ]
        cur = conn.execute("UPDATE points SET name = 'hacked'")
        assert cur.rowcount == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE points SET community_id = 'C2' WHERE id = 'P0'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO points (id, name, type, community_id, deleted) "
                         "VALUES ('X', 'x', '危房', 'C2', 0)")  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM points")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE riskmap_access SET community_id = 'C2'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE riskmap_settings SET value = '{}'")
    with Project.open(shared) as owner:
        names = dict(zip(owner.points()["id"], owner.points()["name"], strict=True))
    assert names == {"P0": "hacked", "P1": "hacked", "P2": "点2", "P3": "点3"}


def test_editor_cli_in_and_out_of_own_community(
    shared, pg_cluster, monkeypatch, capsys
):
    """The same login through riskmap: its community works, the other is refused
    with one line; its list shows only its points."""
    url, pw = _login(pg_cluster, monkeypatch, shared, "editor", "C1")
    monkeypatch.setenv("PGPASSWORD", pw)
    p = ["--project", url, "--type", "滑坡"]
    assert main(["points", "add", *p, "--name", "新1", "--lon", "106.73",
                 "--lat", "31.87"]) == 0  # fmt: skip
    new_id = capsys.readouterr().out.strip()
    assert main(["points", "add", *p, "--name", "新2", "--lon", "106.78",
                 "--lat", "31.87"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "not allowed for this login" in err
    assert main(["points", "edit", "P2", "--project", url, "--set", "name=x"]) == 2
    assert "no point with id 'P2'" in capsys.readouterr().err
    assert main(["points", "edit", new_id, "--project", url, "--set",
                 "status=整改中"]) == 0  # fmt: skip
    assert main(["points", "delete", "P0", "--project", url]) == 0
    assert main(["points", "list", "--project", url]) == 0
    ids = [ln.split("\t")[0] for ln in capsys.readouterr().out.splitlines()[1:]]
    assert ids == ["P1", new_id]
    assert main(["points", "history", "--project", url]) == 0
    out = capsys.readouterr().out
    assert "P2" not in out
    assert "P3" not in out
    assert new_id in out


def test_generated_ids_skip_hidden_rows(shared, pg_cluster, monkeypatch, capsys):
    """A worker's new id never collides with one their login cannot see."""
    with Project.open(shared) as owner:
        hidden = owner.add_point({"name": "东", "type": "危房"}, 106.78, 31.88,
                                 user="owner")  # fmt: skip
    url, pw = _login(pg_cluster, monkeypatch, shared, "editor", "C1")
    monkeypatch.setenv("PGPASSWORD", pw)
    assert main(["points", "add", "--project", url, "--name", "西", "--type",
                 "危房", "--lon", "106.71", "--lat", "31.88"]) == 0  # fmt: skip
    mine = capsys.readouterr().out.strip()
    assert mine != hidden
    assert mine.split("-")[-1] > hidden.split("-")[-1]


def test_viewer_only_reads(shared, pg_cluster, monkeypatch, capsys):
    """A viewer of C2 reads C2 and can change nothing."""
    url, pw = _login(pg_cluster, monkeypatch, shared, "viewer", "C2")
    with _connect(url, pw) as conn:
        assert conn.execute("SELECT id FROM points ORDER BY id").fetchall() == [
            ("P2",),
            ("P3",),
        ]
        for statement in (
            "UPDATE points SET name = 'x'",
            "INSERT INTO points (id, name, type, community_id, deleted) "
            "VALUES ('X', 'x', '危房', 'C2', 0)",
            "INSERT INTO changes (at, \"user\", action) VALUES ('t', 'v', 'fake')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    monkeypatch.setenv("PGPASSWORD", pw)
    assert main(["points", "edit", "P2", "--project", url, "--set", "name=x"]) == 2
    assert "not allowed for this login" in capsys.readouterr().err


def test_change_log_is_append_only(shared, pg_cluster, monkeypatch):
    """No editor, and not even the owner, updates, deletes or truncates the log."""
    url, pw = _login(pg_cluster, monkeypatch, shared, "editor", "C1")
    with _connect(url, pw) as conn:
        for statement in ("UPDATE changes SET action = 'x'", "DELETE FROM changes",
                          "TRUNCATE changes"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO changes (at, \"user\", action, point_id) "
                         "VALUES ('t', 'w', 'edit', 'P2')")  # fmt: skip
    for statement in ("UPDATE changes SET action = 'x'", "DELETE FROM changes"):
        with (
            Project.open(shared) as owner,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            owner.conn.execute(statement)


def test_grant_checks(shared, tmp_path, capsys):
    """Unknown communities and GeoPackage projects are refused with one line."""
    assert main(["project", "grant", "someone", "--project", shared,
                 "--community", "C9", "--role", "editor"]) == 2  # fmt: skip
    assert "no community 'C9'" in capsys.readouterr().err
    Project.create(tmp_path / "p.gpkg").close()
    assert main(["project", "grant", "someone", "--project", str(tmp_path / "p.gpkg"),
                 "--community", "C1", "--role", "editor"]) == 2  # fmt: skip
    assert "a GeoPackage has no logins" in capsys.readouterr().err
