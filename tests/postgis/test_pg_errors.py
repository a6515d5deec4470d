"""A connection that fails is one clear line and exit 2, never a traceback."""

from __future__ import annotations

import socket

import pytest
from tests.pgcluster import SUPERPASSWORD

from riskmap.cli import main


def _unused_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_line(capsys) -> str:
    """The single stderr line of a failed command."""
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_server_down(capsys):
    """Nobody listens on the port."""
    url = f"postgresql://someone@127.0.0.1:{_unused_port()}/riskmap?schema=x"
    assert main(["project", "info", url]) == 2
    err = _one_line(capsys)
    assert "cannot connect" in err
    assert "server runs" in err


def test_wrong_password(pg_cluster, monkeypatch, capsys):
    """A wrong PGPASSWORD names the fix and never shows the password."""
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    assert main(["points", "list", "--project", pg_cluster.url("riskmap")]) == 2
    err = _one_line(capsys)
    assert "password authentication failed" in err
    assert "PGPASSWORD" in err
    assert "not-the-password" not in err
    assert SUPERPASSWORD not in err


def test_password_in_url_refused(pg_cluster, capsys):
    """A password written into the URL is refused and masked."""
    url = pg_cluster.url("riskmap").replace("@", ":s3cret@")
    assert main(["project", "info", url]) == 2
    err = _one_line(capsys)
    assert "s3cret" not in err
    assert "PGPASSWORD" in err


def test_no_postgis(pg_cluster, capsys):
    """A database without the extension (and no right to create it)."""
    pg_cluster.sql("DROP ROLE IF EXISTS plainuser")
    pg_cluster.sql("CREATE ROLE plainuser LOGIN PASSWORD 'pw'")
    url = pg_cluster.url("plain", user="plainuser", schema="p")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", "pw")
        assert main(["project", "new", url]) == 2
    err = _one_line(capsys)
    assert "no PostGIS extension" in err
    assert "CREATE EXTENSION postgis" in err


def test_not_a_project_and_no_overwrite(pg_url, capsys):
    """An empty schema is not a project; an existing project is never replaced."""
    assert main(["points", "list", "--project", pg_url]) == 2
    assert "no riskmap project in schema" in _one_line(capsys)
    assert main(["project", "new", pg_url, "-q"]) == 0
    assert main(["project", "new", pg_url, "-q"]) == 2
    assert "never overwrites" in _one_line(capsys)


def test_bad_schema_name(pg_cluster, capsys):
    """?schema= must be a plain name (it becomes an identifier)."""
    url = pg_cluster.url("riskmap", schema='x";drop')
    assert main(["project", "info", url]) == 2
    assert "plain lower-case name" in _one_line(capsys)
