"""Export the ledger changes made in the desktop app as a change-set file.

A laptop worker who edits a copy of the project picks a time (and, by default,
only their own changes); the file holds one add/edit/delete record per changed
point, in the format a phone writes, so ``points merge`` brings it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PyQt5.QtCore import QDateTime
from PyQt5.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from riskmap.errors import RiskmapError
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import tr
from riskmap.registry.changeset import write_changeset
from riskmap.registry.outbox import desktop_changes


class ChangesetExportDialog(QDialog):
    """Since when, whose changes; Save writes the change-set file."""

    def __init__(self, project, user: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self.since = QDateTimeEdit(QDateTime.currentDateTime().addDays(-1))
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.worker = QLineEdit(user)
        self.only_worker = QCheckBox()
        self.only_worker.setChecked(True)
        self.summary = QLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Close)
        self.buttons.accepted.connect(self.ask_save)
        self.buttons.rejected.connect(self.close)
        form = QFormLayout(self)
        form.addRow(tr("outbox.since"), self.since)
        form.addRow(tr("outbox.worker"), self.worker)
        form.addRow("", self.only_worker)
        form.addRow(self.summary)
        form.addRow(self.buttons)
        self.only_worker.setText(tr("outbox.only_worker"))
        self.setWindowTitle(tr("outbox.title"))

    def since_utc(self) -> datetime:
        """The chosen time as an aware UTC datetime."""
        seconds = self.since.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(seconds, UTC)

    def ask_save(self) -> None:
        """Ask where to save, then write."""
        name = f"riskmap-changes-desktop-{datetime.now():%Y%m%d%H%M%S}.json"
        path, _ = QFileDialog.getSaveFileName(
            self, tr("outbox.title"), name, tr("merge.filter")
        )
        if path:
            self.write(Path(path))

    def write(self, path: Path) -> int | None:
        """Write the change-set to *path*; the number of records (None on error)."""
        worker = self.worker.text().strip() or "unknown"
        who = worker if self.only_worker.isChecked() else None
        try:
            with self.project.errors():
                box = desktop_changes(self.project, self.since_utc(), who)
                if not box.records:
                    self.summary.setText(tr("outbox.none"))
                    return 0
                write_changeset(path, self.project.project_id, worker, box.records)
        except (RiskmapError, OSError) as exc:
            show_error(self, str(exc))
            return None
        self.summary.setText(tr("outbox.written", n=len(box.records), path=path.name))
        return len(box.records)
