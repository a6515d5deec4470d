"""Review and merge change-sets from field pages; settle conflicts.

Review runs the merge as a dry run (nothing written) and lists what each record
would do; Merge applies it, exactly as ``riskmap points merge``. The conflict table
shows the ledger's and the field's value of every field an outdated edit touches,
with Keep ledger / Apply field edit (``riskmap points resolve``). Every data text
goes into table items, which Qt shows as plain text.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from riskmap.errors import RiskmapError
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import tr
from riskmap.registry.merge import Outcome, conflicts, merge_files, resolve


class FieldMergeDialog(QDialog):
    """Files, Review, Merge; the outcomes; the open conflicts with their buttons."""

    merged = pyqtSignal()

    def __init__(self, project, user: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.project, self.user = project, user
        self.files = QLineEdit()
        self.choose = QPushButton()
        self.choose.clicked.connect(self.ask_files)
        self.review_button, self.apply_button = QPushButton(), QPushButton()
        self.review_button.clicked.connect(self.review)
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.setEnabled(False)
        self.summary = QLabel()
        self.outcomes = QTableWidget(0, 5)
        self.conflict_label = QLabel()
        self.conflict_table = QTableWidget(0, 6)
        self.conflict_table.setSelectionBehavior(QTableWidget.SelectRows)
        self.keep_ledger, self.keep_field = QPushButton(), QPushButton()
        self.keep_ledger.clicked.connect(lambda: self.settle("ledger"))
        self.keep_field.clicked.connect(lambda: self.settle("field"))
        self._layout()
        self.resize(820, 640)
        self.retranslate()
        self.show_conflicts()

    def _layout(self) -> None:
        """Arrange the widgets."""
        top = QHBoxLayout()
        for widget in (self.files, self.choose):
            top.addWidget(widget)
        buttons = QHBoxLayout()
        for widget in (self.review_button, self.apply_button):
            buttons.addWidget(widget)
        settle = QHBoxLayout()
        for widget in (self.keep_ledger, self.keep_field):
            settle.addWidget(widget)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addLayout(buttons)
        box.addWidget(self.summary)
        box.addWidget(self.outcomes)
        box.addWidget(self.conflict_label)
        box.addWidget(self.conflict_table)
        box.addLayout(settle)

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.setWindowTitle(tr("merge.title"))
        self.files.setPlaceholderText(tr("merge.files"))
        self.choose.setText(tr("merge.choose"))
        self.review_button.setText(tr("merge.review"))
        self.apply_button.setText(tr("merge.apply"))
        self.conflict_label.setText(tr("merge.conflicts"))
        self.keep_ledger.setText(tr("merge.keep_ledger"))
        self.keep_field.setText(tr("merge.keep_field"))
        self.outcomes.setHorizontalHeaderLabels(
            [tr(k) for k in ("merge.outcome", "merge.action", "merge.point",
                             "merge.reason", "merge.files")]
        )  # fmt: skip
        self.conflict_table.setHorizontalHeaderLabels(
            [tr(k) for k in ("merge.point", "merge.worker", "merge.field",
                             "merge.ledger_value", "merge.field_value", "merge.uuid")]
        )  # fmt: skip

    def ask_files(self) -> None:
        """Choose change-set files."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, tr("merge.files"), "", tr("merge.filter")
        )
        if paths:
            self.set_files([Path(p) for p in paths])

    def set_files(self, paths: list[Path]) -> None:
        """Use *paths*; they must be reviewed again before merging."""
        self.files.setText(";".join(str(p) for p in paths))
        self.apply_button.setEnabled(False)

    def _paths(self) -> list[Path]:
        """The chosen files."""
        return [Path(p) for p in self.files.text().split(";") if p.strip()]

    def review(self) -> list[Outcome] | None:
        """Dry run: show what merging would do; enable Merge if the files are fine."""
        outcomes = self._merge(dry_run=True)
        self.apply_button.setEnabled(outcomes is not None)
        return outcomes

    def apply(self) -> list[Outcome] | None:
        """Merge the reviewed files."""
        outcomes = self._merge(dry_run=False)
        self.apply_button.setEnabled(False)
        if outcomes is not None:
            self.merged.emit()
        self.show_conflicts()
        return outcomes

    def _merge(self, dry_run: bool) -> list[Outcome] | None:
        """Run the merge; show its outcomes, or the one-line error."""
        try:
            outcomes = merge_files(self.project, self._paths(), dry_run=dry_run)
        except RiskmapError as exc:
            show_error(self, str(exc))
            return None
        _fill(self.outcomes, [
            [o.outcome, o.action, o.point_id or "", o.reason, o.file] for o in outcomes
        ])  # fmt: skip
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        self.summary.setText(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return outcomes

    def show_conflicts(self) -> None:
        """One row per field of every open conflict."""
        rows, self._row_uuid = [], []
        for c in conflicts(self.project):
            head = [c["point_id"], c.get("worker") or ""]
            for name, pair in c["diff"].items():
                values = [_text(pair["ledger"]), _text(pair["field"])]
                rows.append([*head, name, *values, c["uuid"]])
                self._row_uuid.append(c["uuid"])
        _fill(self.conflict_table, rows)

    def settle(self, keep: str) -> None:
        """Keep the ledger, or apply the field edit, for the selected conflict."""
        row = self.conflict_table.currentRow()
        if row < 0 or row >= len(self._row_uuid):
            show_error(self, tr("merge.pick_conflict"))
            return
        try:
            resolve(self.project, self._row_uuid[row], keep, user=self.user)
        except RiskmapError as exc:
            show_error(self, str(exc))
            return
        self.merged.emit()
        self.show_conflicts()


def _text(value: object) -> str:
    """A value as display text ('' for None)."""
    return "" if value is None else str(value)


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    """Replace the table's rows (plain-text items)."""
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            table.setItem(i, j, QTableWidgetItem(str(text)))
    table.resizeColumnsToContents()
