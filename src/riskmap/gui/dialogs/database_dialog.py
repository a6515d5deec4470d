"""File → Open database: a PostgreSQL/PostGIS project's URL and its password.

The password goes straight to the connection (never into the URL, the recent
list or the settings); left empty, PGPASSWORD or ~/.pgpass is used.
"""

from __future__ import annotations

from PyQt5.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from riskmap.gui.i18n import tr
from riskmap.registry.database import is_database_url

URL_EXAMPLE = "postgresql://user@host:5432/db?schema=bazhong"


class DatabaseDialog(QDialog):
    """Ask for ``postgresql://USER@HOST:PORT/DB?schema=NAME`` and a password."""

    def __init__(self, parent: QWidget | None = None, url: str = ""):
        super().__init__(parent)
        self.setWindowTitle(tr("db.title"))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText(URL_EXAMPLE)
        self.url.setMinimumWidth(520)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText(tr("db.password_hint"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(tr("db.url"), self.url)
        form.addRow(tr("db.password"), self.password)
        form.addRow(QLabel(tr("db.help")))
        form.addRow(self.buttons)
        self.url.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        """Open only for a postgresql:// URL."""
        ok = is_database_url(self.url.text().strip())
        self.buttons.button(QDialogButtonBox.Open).setEnabled(ok)

    def values(self) -> tuple[str, str | None]:
        """(URL, password or None)."""
        return self.url.text().strip(), self.password.text() or None
