"""The map canvas: pan with the mouse, zoom with the wheel, click to identify.

The layers are rendered into a cached image for the current view; while the view
moves the cached image is shifted and scaled, and a full render follows once the
movement stops, so the canvas stays responsive with 100,000 cells.
"""

from __future__ import annotations

from PyQt5.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QTransform
from PyQt5.QtWidgets import QWidget

from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.render import LayerPainter


class MapCanvas(QWidget):
    """Draws a LayerStack in a metric world CRS."""

    clicked = pyqtSignal(float, float)  # world x, y
    moved = pyqtSignal(float, float)  # world x, y under the mouse
    view_changed = pyqtSignal(float)  # metres per screen pixel
    rendered = pyqtSignal()  # a full render of the current view is done

    def __init__(self, stack: LayerStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.center = QPointF(0.0, 0.0)
        self.res = 1.0  # world units per pixel
        self._painters: dict[int, LayerPainter] = {}
        self._cache: QImage | None = None
        self._cache_view: tuple[QPointF, float] | None = None
        self._press: QPoint | None = None
        self._dragged = False
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self.render_cache)
        self.setMouseTracking(True)
        self.setMinimumSize(400, 300)
        stack.changed.connect(self.refresh)

    # --- view -------------------------------------------------------------------
    def world_transform(self, center: QPointF | None = None, res: float | None = None):
        """QTransform from world coordinates to widget pixels."""
        center, res = center or self.center, res or self.res
        t = QTransform()
        t.translate(self.width() / 2, self.height() / 2)
        t.scale(1 / res, -1 / res)
        t.translate(-center.x(), -center.y())
        return t

    def to_world(self, pos: QPointF | QPoint) -> QPointF:
        """World coordinates of a widget position."""
        inverse, _ = self.world_transform().inverted()
        return inverse.map(QPointF(pos))

    def view_bounds(self) -> tuple[float, float, float, float]:
        """World bounds (minx, miny, maxx, maxy) of the widget's current view."""
        rect = self.world_transform().inverted()[0].mapRect(QRectF(self.rect()))
        return (rect.left(), rect.top(), rect.right(), rect.bottom())

    def zoom_to(self, bounds: tuple[float, float, float, float] | None) -> None:
        """Fit *bounds* (minx, miny, maxx, maxy) in the view with a margin."""
        if not bounds:
            return
        x0, y0, x1, y1 = bounds
        self.center = QPointF((x0 + x1) / 2, (y0 + y1) / 2)
        w, h = max(self.width(), 1), max(self.height(), 1)
        self.res = max((x1 - x0) / w, (y1 - y0) / h, 1e-6) * 1.05
        self.refresh()

    def zoom_full(self) -> None:
        """Fit every layer."""
        self.zoom_to(self.stack.extent())

    def adopt_painters(self, painters: list[LayerPainter]) -> None:
        """Use painters prepared in a worker (their paths are already built)."""
        for painter in painters:
            self._painters[id(painter.layer)] = painter
        self.refresh()

    def painter_for(self, layer) -> LayerPainter:
        """The painter of *layer* (made on first use)."""
        return self._painters.setdefault(id(layer), LayerPainter(layer))

    def refresh(self) -> None:
        """Forget painters of removed layers and render again soon."""
        alive = {id(layer) for layer in self.stack.layers}
        self._painters = {k: v for k, v in self._painters.items() if k in alive}
        self.view_changed.emit(self.res)
        self._timer.start()
        self.update()

    # --- rendering ----------------------------------------------------------------
    def render_cache(self) -> None:
        """Render all visible layers for the current view into the cache image."""
        image = QImage(self.size(), QImage.Format_ARGB32_Premultiplied)
        image.fill(QColor("#F4F4F0"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing, False)
        painter.setTransform(self.world_transform())
        for layer in self.stack.layers:
            if layer.visible:
                self.painter_for(layer).paint(painter, self.res)
        painter.end()
        self._cache, self._cache_view = image, (QPointF(self.center), self.res)
        self.update()
        self.rendered.emit()

    def paintEvent(self, event) -> None:
        """Draw the cached image, shifted and scaled to the current view."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#F4F4F0"))
        if self._cache is not None and self._cache_view is not None:
            old_center, old_res = self._cache_view
            old = self.world_transform(old_center, old_res)
            inverse, _ = old.inverted()
            painter.setTransform(inverse * self.world_transform())
            painter.drawImage(
                QRectF(0, 0, self._cache.width(), self._cache.height()), self._cache
            )
        painter.end()

    def resizeEvent(self, event) -> None:
        """Re-render at the new size."""
        self._timer.start()

    # --- interaction ---------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        """Zoom about the mouse position."""
        factor = 0.8 if event.angleDelta().y() > 0 else 1.25
        anchor = self.to_world(event.pos())
        self.res *= factor
        self.center = anchor + (self.center - anchor) * factor
        self.refresh()

    def mousePressEvent(self, event) -> None:
        """Start a drag (pan) or a click."""
        if event.button() == Qt.LeftButton:
            self._press, self._dragged = event.pos(), False

    def mouseMoveEvent(self, event) -> None:
        """Pan while dragging; report the coordinates under the mouse."""
        world = self.to_world(event.pos())
        self.moved.emit(world.x(), world.y())
        if self._press is not None and event.buttons() & Qt.LeftButton:
            delta = event.pos() - self._press
            if self._dragged or delta.manhattanLength() > 3:
                self._dragged = True
                self.center -= QPointF(delta.x() * self.res, -delta.y() * self.res)
                self._press = event.pos()
                self.refresh()

    def mouseReleaseEvent(self, event) -> None:
        """A press without a drag is a click: identify what lies there."""
        if event.button() == Qt.LeftButton and self._press is not None:
            if not self._dragged:
                world = self.to_world(event.pos())
                self.clicked.emit(world.x(), world.y())
            self._press = None

    def pick_tolerance(self) -> float:
        """Click tolerance in world units (6 pixels)."""
        return 6 * self.res
