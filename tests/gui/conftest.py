"""Fixtures of the desktop-app tests: the sample result and a main window."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PyQt5")
pytest.importorskip("pytestqt")

from PyQt5.QtCore import QSettings
from PyQt5.QtWidgets import QMessageBox

from riskmap.gui.i18n import set_language
from riskmap.gui.main_window import MainWindow
from riskmap.io.result import read_result
from riskmap.resources import sample_dir

LAYERS = sample_dir()


@pytest.fixture(scope="session")
def sample_result(bazhong_result) -> Path:
    """The bundled sample, computed once for the session (tests/conftest.py)."""
    return bazhong_result


@pytest.fixture(scope="session")
def sample_cells(sample_result):
    """Every cell of the sample result, read from the file (the app reads per view)."""
    return read_result(sample_result).cells


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A main window with throw-away settings; dialogs are recorded, not shown."""
    set_language("zh")
    errors: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text: errors.append(text)
    )
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    win.errors = errors
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win
