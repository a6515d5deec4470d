"""Import a CSV/XLSX/GeoJSON ledger: choose the coordinate system, preview, import."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from riskmap.errors import InputDataError, RiskmapError
from riskmap.gui.dialogs.task_dialog import PathField, TaskDialog
from riskmap.gui.i18n import tr
from riskmap.gui.workers import Task
from riskmap.registry import import_file, preview_import

COORDS = ("wgs84", "cgcs2000", "gcj02", "bd09")


class ImportDialog(TaskDialog):
    """File, coordinate system, strict; Preview lists the rows that will be refused."""

    title_key = "ledger.import_title"

    def __init__(self, project, user: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.project, self.user = project, user
        self.path = self.add_row("ledger.import_file", PathField())
        self.coords = self.add_row("ledger.coords", QComboBox())
        self.coords.setEditable(True)
        self.coords.addItems(COORDS)
        self.strict = self.add_row("ledger.strict", QCheckBox())
        self.preview_button = QPushButton()
        self.preview_button.clicked.connect(self.preview)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.PlainText)  # quotes the file's data
        self.rejected = QTableWidget(0, 2)
        self.layout().insertWidget(1, self.preview_button)
        self.layout().insertWidget(2, self.summary)
        self.layout().insertWidget(3, self.rejected)
        self.resize(640, 520)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        super().retranslate()
        self.preview_button.setText(tr("ledger.preview"))
        self.run_button.setText(tr("ledger.import"))
        self.rejected.setHorizontalHeaderLabels([tr("ledger.row"), tr("ledger.reason")])

    def _check(self) -> tuple[str, str]:
        """The chosen file and coordinate system, or a message."""
        if not self.path.text():
            raise InputDataError(tr("compute.missing", what=tr("ledger.import_file")))
        return self.path.text(), self.coords.currentText().strip()

    def preview(self):
        """Show how many rows import and every refused row with its reason."""
        try:
            path, coords = self._check()
            report = preview_import(path, coords, project=self.project)
        except RiskmapError as exc:
            self.show_message(str(exc), error=True)
            return None
        self.rejected.setRowCount(len(report.rejected))
        for i, (row, reason) in enumerate(report.rejected):
            self.rejected.setItem(i, 0, QTableWidgetItem(str(row)))
            self.rejected.setItem(i, 1, QTableWidgetItem(str(reason)))
        self.rejected.resizeColumnsToContents()
        self.summary.setText(
            tr(
                "ledger.preview_summary",
                ok=len(report.accepted),
                bad=len(report.rejected),
            )
        )
        self.show_message("")
        return report

    def make_task(self) -> Task:
        """Import into the project in one transaction."""
        path, coords = self._check()
        strict = self.strict.isChecked()
        project, user = self.project, self.user

        def task(progress) -> str:
            report = import_file(
                project, path, coords, strict=strict, user=user, progress=progress
            )
            return tr(
                "ledger.imported", ok=len(report.accepted), bad=len(report.rejected)
            )

        return task
