"""The layer panel: toggle, reorder (drag or buttons), opacity, zoom to layer."""

from __future__ import annotations

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from riskmap.gui.i18n import tr
from riskmap.gui.layer_stack import LayerStack


class LayerPanel(QWidget):
    """A list of layers (top of the list = top of the map) bound to a LayerStack."""

    zoom_requested = pyqtSignal(tuple)

    def __init__(self, stack: LayerStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.InternalMove)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(self._show_current)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.opacity = QSlider(Qt.Horizontal, minimum=0, maximum=100)
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.opacity_label = QLabel()
        self.up, self.down, self.zoom = (
            QPushButton("▲"),
            QPushButton("▼"),
            QPushButton(),
        )
        self.up.clicked.connect(lambda: self._shift(+1))
        self.down.clicked.connect(lambda: self._shift(-1))
        self.zoom.clicked.connect(self._zoom)
        self._build_layout()
        stack.changed.connect(self.rebuild)
        self.retranslate()

    def _build_layout(self) -> None:
        """Arrange the list, the info line and the controls."""
        buttons = QHBoxLayout()
        for button in (self.up, self.down, self.zoom):
            buttons.addWidget(button)
        box = QVBoxLayout(self)
        box.addWidget(self.list)
        box.addWidget(self.info)
        box.addWidget(self.opacity_label)
        box.addWidget(self.opacity)
        box.addLayout(buttons)

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.zoom.setText(tr("act.zoom_layer"))
        self.opacity_label.setText(tr("layer.opacity"))
        self._show_current(self.list.currentRow())

    def rebuild(self) -> None:
        """Refill the list from the stack, keeping the selection."""
        current = self.current_index()
        self.list.blockSignals(True)
        self.list.clear()
        for layer in reversed(self.stack.layers):
            item = QListWidgetItem(layer.name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsDragEnabled)
            item.setCheckState(Qt.Checked if layer.visible else Qt.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if current is not None and current < len(self.stack.layers):
            self.list.setCurrentRow(len(self.stack.layers) - 1 - current)

    def current_index(self) -> int | None:
        """Stack index of the selected layer."""
        row = self.list.currentRow()
        return None if row < 0 else len(self.stack.layers) - 1 - row

    def _item_changed(self, item: QListWidgetItem) -> None:
        """A check box was toggled."""
        index = len(self.stack.layers) - 1 - self.list.row(item)
        self.stack.set_visible(index, item.checkState() == Qt.Checked)

    def _rows_moved(self, _parent, start, _end, _dest, row) -> None:
        """A drag in the list reorders the stack."""
        n = len(self.stack.layers)
        target = row - 1 if row > start else row
        self.stack.move(n - 1 - start, n - 1 - target)

    def _shift(self, step: int) -> None:
        """Move the selected layer up (+1) or down (-1)."""
        index = self.current_index()
        if index is not None:
            self.stack.move(index, index + step)
            self.list.setCurrentRow(len(self.stack.layers) - 1 - (index + step))

    def _show_current(self, _row: int) -> None:
        """Show CRS and feature count of the selected layer."""
        index = self.current_index()
        if index is None or index >= len(self.stack.layers):
            self.info.setText("")
            return
        layer = self.stack.layers[index]
        self.info.setText(
            f"{tr('layer.crs', crs=layer.crs_text)}\n"
            f"{tr('layer.features', n=f'{layer.count:,}')}"
        )
        self.opacity.blockSignals(True)
        self.opacity.setValue(int(layer.opacity * 100))
        self.opacity.blockSignals(False)

    def _opacity_changed(self, value: int) -> None:
        """Apply the slider to the selected layer."""
        index = self.current_index()
        if index is not None:
            self.stack.set_opacity(index, value / 100)

    def _zoom(self) -> None:
        """Ask the canvas to zoom to the selected layer."""
        index = self.current_index()
        if index is not None:
            self.zoom_requested.emit(self.stack.layers[index].bounds)
