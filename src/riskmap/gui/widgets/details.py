"""The details panel: every attribute of the identified cell or point."""

from __future__ import annotations

import shapely
from PyQt5.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from riskmap.export.result_labels import column_label, display_value, driver_words
from riskmap.gui.i18n import language, tr
from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.result_cells import covers


class DetailsPanel(QWidget):
    """Shows the attributes of what was clicked on the map."""

    def __init__(self, stack: LayerStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.title = QLabel()
        self.table = QTableWidget(0, 2)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.table)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.table.setHorizontalHeaderLabels([tr("details.field"), tr("details.value")])
        if self.table.rowCount() == 0:
            self.title.setText(tr("details.none"))

    def identify(self, x: float, y: float, tolerance: float) -> dict | None:
        """Find the point (within *tolerance*) or cell at (x, y) and show it."""
        for kind in ("points", "resources", "cells"):
            layer = self.stack.find(kind)
            if layer is None or not layer.visible:
                continue
            row = _hit(layer.gdf, x, y, tolerance if kind != "cells" else 0.0)
            if row is None and kind == "cells":
                row = _cell_on_disk(layer, x, y)
            if row is not None:
                self.show_record(layer.name, row)
                return row
        self.table.setRowCount(0)
        self.title.setText(tr("details.none"))
        return None

    def show_record(self, title: str, record: dict) -> None:
        """Fill the table with *record*, labelled and formatted in the UI language
        (the column name stays in each label's tooltip)."""
        lang = language()
        cells = self.stack.find("cells")
        hazards = cells.extra.get("hazards", {}) if cells is not None else {}
        labels = {k: v.get(f"label_{lang}", k) for k, v in hazards.items()}
        self.title.setText(title)
        self.table.setRowCount(len(record))
        for r, (key, value) in enumerate(record.items()):
            label = QTableWidgetItem(column_label(str(key), lang, labels))
            label.setToolTip(str(key))
            self.table.setItem(r, 0, label)
            if key == "driver":
                value = driver_words(value, lang, labels)
            self.table.setItem(r, 1, QTableWidgetItem(display_value(value, lang)))


def _hit(gdf, x: float, y: float, tolerance: float) -> dict | None:
    """The first feature within *tolerance* of (x, y), as a dict without geometry."""
    tree = gdf.sindex
    point = shapely.Point(x, y)
    idx = (
        tree.query(point, predicate="dwithin", distance=tolerance)
        if tolerance
        else tree.query(point, predicate="intersects")
    )
    if len(idx) == 0:
        return None
    row = gdf.iloc[int(min(idx))]
    return {k: v for k, v in row.items() if k != gdf.geometry.name}


def _cell_on_disk(layer, x: float, y: float) -> dict | None:
    """The cell at (x, y) read from the result file, when the layer keeps its cells
    on disk and (x, y) lies outside the part read for the view."""
    source, loaded = layer.extra.get("source"), layer.extra.get("loaded_bounds")
    if source is None or (loaded is not None and covers(loaded, (x, y, x, y))):
        return None
    return source.record_at(x, y)
