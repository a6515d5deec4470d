"""The ordered list of map layers, shared by the layer panel and the canvas."""

from __future__ import annotations

from PyQt5.QtCore import QObject, pyqtSignal

from riskmap.gui.layers import MapLayer


class LayerStack(QObject):
    """Layers from bottom to top; emits ``changed`` after every edit."""

    changed = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.layers: list[MapLayer] = []

    def add(self, layer: MapLayer) -> None:
        """Put *layer* on top."""
        self.layers.append(layer)
        self.changed.emit()

    def replace_all(self, layers: list[MapLayer]) -> None:
        """Replace every layer (opening a result)."""
        self.layers = list(layers)
        self.changed.emit()

    def remove(self, index: int) -> None:
        """Remove the layer at *index*."""
        del self.layers[index]
        self.changed.emit()

    def move(self, index: int, new_index: int) -> None:
        """Move a layer up or down the stack."""
        layer = self.layers.pop(index)
        self.layers.insert(max(0, min(new_index, len(self.layers))), layer)
        self.changed.emit()

    def set_visible(self, index: int, visible: bool) -> None:
        """Show or hide a layer."""
        self.layers[index].visible = visible
        self.changed.emit()

    def set_opacity(self, index: int, opacity: float) -> None:
        """Set a layer's opacity (0-1)."""
        self.layers[index].opacity = max(0.0, min(opacity, 1.0))
        self.changed.emit()

    def find(self, kind: str) -> MapLayer | None:
        """The topmost layer of *kind*, if any."""
        return next((lyr for lyr in reversed(self.layers) if lyr.kind == kind), None)

    def extent(self) -> tuple[float, float, float, float] | None:
        """Union of the visible layers' bounds (all layers when none is visible)."""
        shown = [lyr for lyr in self.layers if lyr.visible] or self.layers
        if not shown:
            return None
        b = [lyr.bounds for lyr in shown]
        return (
            min(x[0] for x in b),
            min(x[1] for x in b),
            max(x[2] for x in b),
            max(x[3] for x in b),
        )
