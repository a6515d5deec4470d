"""The per-community summary table: cells per level and the highest level."""

from __future__ import annotations

from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from riskmap.gui.i18n import tr
from riskmap.gui.layers import level_colors


class SummaryTable(QWidget):
    """One row per community from a result's ``communities`` layer."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, 7)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        QVBoxLayout(self).addWidget(self.table)
        self._frame = None
        self.retranslate()

    def retranslate(self) -> None:
        """Column headers in the current language."""
        self.table.setHorizontalHeaderLabels(
            [
                tr("summary.community"),
                tr("summary.cells"),
                tr("level.1"),
                tr("level.2"),
                tr("level.3"),
                tr("level.4"),
                tr("summary.max_level"),
            ]
        )

    def show_communities(self, frame) -> None:
        """Fill the table from a communities GeoDataFrame."""
        self._frame = frame
        colors = level_colors()
        self.table.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples()):
            values = [
                row.community,
                row.cells_n,
                row.cells_l1,
                row.cells_l2,
                row.cells_l3,
                row.cells_l4,
                tr(f"level.{int(row.max_level)}"),
            ]
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
            self.table.item(r, 6).setBackground(QColor(colors[int(row.max_level)]))
        self.table.resizeColumnsToContents()
