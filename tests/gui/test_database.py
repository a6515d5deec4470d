"""File → Open database: a PostGIS project in the desktop app, password typed in."""

from __future__ import annotations

import pytest
from PyQt5.QtWidgets import QDialog, QLineEdit
from tests.pgcluster import SUPERPASSWORD

from riskmap.commands.project import create_sample_project
from riskmap.gui.dialogs import database_dialog
from riskmap.registry import Project
from riskmap.registry.copy import copy_project


@pytest.fixture
def pg_sample(tmp_path, pg_url):
    """The bundled sample, copied into a PostGIS schema."""
    with create_sample_project(tmp_path / "s.gpkg") as source:
        copy_project(source, pg_url, user="test").close()
    return pg_url


def _answer(monkeypatch, url: str, password: str) -> list:
    """Make the database dialog answer *url* and *password*; record the dialogs."""
    seen = []

    def exec_(dialog) -> int:
        seen.append(dialog)
        assert dialog.password.echoMode() == QLineEdit.Password
        dialog.url.setText(url)
        dialog.password.setText(password)
        return QDialog.Accepted

    monkeypatch.setattr(database_dialog.DatabaseDialog, "exec_", exec_)
    return seen


def test_open_database_with_a_typed_password(window, pg_sample, monkeypatch):
    """A wrong password is one error dialog; the right one opens the ledger, and
    edits go to the server."""
    monkeypatch.delenv("PGPASSWORD")
    _answer(monkeypatch, pg_sample, "wrong")
    window.actions["open_database"].trigger()
    assert window.ledger.project is None
    assert "password authentication failed" in window.errors[-1]
    assert "wrong" not in window.errors[-1]
    _answer(monkeypatch, pg_sample, SUPERPASSWORD)
    window.actions["open_database"].trigger()
    project = window.ledger.project
    assert project is not None
    assert window.ledger_table.model.rowCount() == 90
    kinds = [layer.kind for layer in window.stack.layers]
    assert "boundary" in kinds
    pid = project.points()["id"].iloc[0]
    window.ledger.delete_point(pid)
    monkeypatch.setenv("PGPASSWORD", SUPERPASSWORD)
    with Project.open(pg_sample) as fresh:
        assert pid not in set(fresh.points()["id"])
    assert SUPERPASSWORD not in str(window.settings.value("recent", [], list))


def test_stale_edit_in_the_app_is_refused(window, pg_sample, monkeypatch):
    """Someone else changes a point the table shows: deleting it from the app is
    refused with a dialog and writes nothing."""
    _answer(monkeypatch, pg_sample, SUPERPASSWORD)
    window.actions["open_database"].trigger()
    pid = window.ledger.project.points()["id"].iloc[0]
    with Project.open(pg_sample) as other:
        other.edit_point(pid, {"measures": "另一办公室设置警示牌"}, user="other office")
    window.ledger.delete_point(pid)
    assert "changed since version" in window.errors[-1]
    with Project.open(pg_sample) as fresh:
        assert pid in set(fresh.points()["id"])
