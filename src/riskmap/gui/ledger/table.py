"""The ledger table: every risk point with filters, search and row actions."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from PyQt5.QtCore import QAbstractTableModel, QModelIndex, Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskmap.gui.i18n import language, tr
from riskmap.registry import FIELDS

FILTERS = ("category", "type", "level", "status", "community")
COLUMNS = (
    "id",
    "name",
    "category",
    "type",
    "level",
    "status",
    "responsible",
    "phone",
    "community",
    "address",
    "deadline",
)


def _labels() -> dict[str, str]:
    """Column name -> label in the current language (asked on every header paint)."""
    return _labels_in(language())


@lru_cache(maxsize=2)
def _labels_in(lang: str) -> dict[str, str]:
    """Column name -> label in *lang*."""
    labels = {s.name: s.label(lang) for s in FIELDS}
    labels.setdefault("community", tr("ledger.community"))
    return labels


def filter_points(
    points: pd.DataFrame, filters: dict[str, str], search: str
) -> pd.DataFrame:
    """Rows matching every chosen filter value and containing *search* anywhere."""
    keep = pd.Series(True, index=points.index)
    for column, value in filters.items():
        if value and column in points:
            keep &= points[column].astype(str) == value
    if search:
        text = points.drop(columns="geometry", errors="ignore").astype(str)
        hit = text.apply(lambda col: col.str.contains(search, case=False, regex=False))
        keep &= hit.any(axis=1)
    return points[keep]


class FrameModel(QAbstractTableModel):
    """A read-only Qt model over a DataFrame's chosen columns."""

    def __init__(self) -> None:
        super().__init__()
        self.frame = pd.DataFrame()
        self.columns: list[str] = []

    def set_frame(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Show *frame* (only *columns*)."""
        self.beginResetModel()
        self.frame, self.columns = frame.reset_index(drop=True), columns
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of rows."""
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        """Cell text."""
        if role != Qt.DisplayRole or not index.isValid():
            return None
        value = self.frame.iloc[index.row()][self.columns[index.column()]]
        return "" if value is None or value != value else str(value)

    def headerData(self, section: int, orientation, role: int = Qt.DisplayRole):
        """Column labels in the current language."""
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            name = self.columns[section]
            return _labels().get(name, name)
        return None


class LedgerTable(QWidget):
    """Filters and search above a table; Edit/Move/Delete/Restore below."""

    edit_requested = pyqtSignal(str)
    move_requested = pyqtSignal(str)
    delete_requested = pyqtSignal(str)
    restore_requested = pyqtSignal(str)
    selected = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points = pd.DataFrame()
        self.combos = {name: QComboBox() for name in FILTERS}
        self.search = QLineEdit()
        self.show_deleted = QCheckBox()
        self.model = FrameModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.setSelectionMode(QTableView.SingleSelection)
        self.view.setSortingEnabled(False)
        self.buttons = {
            key: QPushButton() for key in ("edit", "move", "delete", "restore")
        }
        self._build()
        self.retranslate()

    def _build(self) -> None:
        """Lay out filters, table and buttons; wire them."""
        filters = QHBoxLayout()
        for combo in self.combos.values():
            combo.currentTextChanged.connect(self.apply_filters)
            filters.addWidget(combo)
        filters.addWidget(self.search)
        filters.addWidget(self.show_deleted)
        self.search.textChanged.connect(self.apply_filters)
        self.show_deleted.toggled.connect(self.apply_filters)
        buttons = QHBoxLayout()
        signals = {
            "edit": self.edit_requested,
            "move": self.move_requested,
            "delete": self.delete_requested,
            "restore": self.restore_requested,
        }
        for key, button in self.buttons.items():
            button.clicked.connect(
                lambda _=False, s=signals[key]: self._emit_selected(s)
            )
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.view.doubleClicked.connect(
            lambda _: self._emit_selected(self.edit_requested)
        )
        self.view.clicked.connect(lambda _: self._emit_selected(self.selected))
        box = QVBoxLayout(self)
        box.addLayout(filters)
        box.addWidget(self.view)
        box.addLayout(buttons)

    def retranslate(self) -> None:
        """Texts in the current language."""
        labels = _labels()
        for name, combo in self.combos.items():
            combo.setToolTip(labels.get(name, name))
            combo.setItemText(0, tr("ledger.all", what=labels.get(name, name)))
        self.search.setPlaceholderText(tr("ledger.search"))
        self.show_deleted.setText(tr("ledger.show_deleted"))
        for key, button in self.buttons.items():
            button.setText(tr(f"ledger.{key}"))
        self.model.headerDataChanged.emit(Qt.Horizontal, 0, len(COLUMNS))

    def set_points(self, points: pd.DataFrame) -> None:
        """Show *points* (the whole ledger, deleted ones included)."""
        self.points = points
        labels = _labels()
        for name, combo in self.combos.items():
            current = combo.currentText() if combo.currentIndex() > 0 else ""
            values = (
                sorted({str(v) for v in points[name].dropna()})
                if name in points
                else []
            )
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("ledger.all", what=labels.get(name, name)))
            combo.addItems(values)
            if current in values:
                combo.setCurrentText(current)
            combo.blockSignals(False)
        self.apply_filters()

    def filters(self) -> dict[str, str]:
        """The chosen filter values (empty = all)."""
        return {
            name: combo.currentText() if combo.currentIndex() > 0 else ""
            for name, combo in self.combos.items()
        }

    def apply_filters(self) -> None:
        """Refill the table from the ledger, the filters and the search text."""
        points = self.points
        if "deleted" in points and not self.show_deleted.isChecked():
            points = points[~points["deleted"].fillna(False).astype(bool)]
        shown = filter_points(points, self.filters(), self.search.text().strip())
        columns = [c for c in COLUMNS if c in shown]
        self.model.set_frame(shown, columns)
        self.view.resizeColumnsToContents()

    def shown_ids(self) -> list[str]:
        """Ids of the rows now in the table."""
        frame = self.model.frame
        return [str(v) for v in frame["id"]] if "id" in frame else []

    def version_of(self, point_id: str) -> int | None:
        """The version of *point_id* as the table shows it (None if unknown)."""
        points = self.points
        if "version" not in points or "id" not in points:
            return None
        rows = points[points["id"].astype(str) == str(point_id)]
        return None if rows.empty else int(rows["version"].iloc[0])

    def select_id(self, point_id: str) -> None:
        """Select the row of *point_id* (if shown)."""
        ids = self.shown_ids()
        if point_id in ids:
            self.view.selectRow(ids.index(point_id))

    def current_id(self) -> str | None:
        """Id of the selected row."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.shown_ids()[rows[0].row()]

    def _emit_selected(self, signal) -> None:
        """Emit *signal* with the selected id (nothing when no row is selected)."""
        point_id = self.current_id()
        if point_id is not None:
            signal.emit(point_id)
