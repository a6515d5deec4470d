"""The per-community summary table: cells per level, the highest level and, when
the result has exposure, the people and households in red cells and the expected
annual exposed people."""

from __future__ import annotations

from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from riskmap.gui.i18n import tr
from riskmap.gui.layers import level_colors, level_names

EXPOSURE_COLUMNS = ("people_l1", "households_l1", "eae_people")


def _count(value: object) -> str:
    """A people/household figure for the table (one decimal below 100)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if number != number:
        return ""
    return f"{number:,.1f}" if abs(number) < 100 else f"{number:,.0f}"


class SummaryTable(QWidget):
    """One row per community from a result's ``communities`` layer."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, 7)
        self._extra: list[str] = []
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        QVBoxLayout(self).addWidget(self.table)
        self._frame = None
        self.retranslate()

    def retranslate(self) -> None:
        """Column headers in the current language."""
        names = level_names()
        self.table.setHorizontalHeaderLabels(
            [
                tr("summary.community"),
                tr("summary.cells"),
                *(names[level] for level in (1, 2, 3, 4)),
                tr("summary.max_level"),
                *(tr(f"summary.{name}", level=names[1]) for name in self._extra),
            ]
        )

    def show_communities(self, frame) -> None:
        """Fill the table from a communities GeoDataFrame."""
        self._frame = frame
        self._extra = [c for c in EXPOSURE_COLUMNS if c in frame.columns]
        self.table.setColumnCount(7 + len(self._extra))
        self.retranslate()
        colors, names = level_colors(), level_names()
        self.table.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples()):
            has_cells = row.max_level == row.max_level  # NaN: a grid missed it
            values = [
                row.community,
                row.cells_n,
                row.cells_l1,
                row.cells_l2,
                row.cells_l3,
                row.cells_l4,
                names[int(row.max_level)] if has_cells else "—",
                *(_count(getattr(row, name)) for name in self._extra),
            ]
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
            if has_cells:
                color = QColor(colors[int(row.max_level)])
                self.table.item(r, 6).setBackground(color)
        self.table.resizeColumnsToContents()
