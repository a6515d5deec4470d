"""Turn layers into Qt paint operations: cached polygon paths, images, symbols."""

from __future__ import annotations

import numpy as np
import shapely
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

from riskmap.gui.layers import MapLayer, level_colors, symbol_colors
from riskmap.gui.result_cells import covers


def polygon_path(geoms: np.ndarray) -> QPainterPath:
    """One QPainterPath holding every ring of *geoms* (odd-even fill keeps holes)."""
    path = QPainterPath()
    path.setFillRule(Qt.OddEvenFill)
    rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms, dtype=object)))
    for ring in rings:
        path.addPolygon(_qpolygon(shapely.get_coordinates(ring)))
    return path


def _qpolygon(coords: np.ndarray) -> QPolygonF:
    """A QPolygonF filled from an (n, 2) array through its memory buffer."""
    poly = QPolygonF(len(coords))
    buf = poly.data()
    buf.setsize(len(coords) * 16)
    np.frombuffer(buf, dtype=np.float64).reshape(-1, 2)[:] = coords
    return poly


Paths = list[tuple[QPainterPath, QBrush, QPen]]


def layer_paths(kind: str, gdf) -> Paths:
    """Paths per fill: one per level for cells, one outline for boundaries
    (safe in a worker thread: no QObject is made)."""
    if kind == "cells" and "level" in gdf:
        colors = level_colors()
        return [
            (
                polygon_path(gdf.geometry.values[gdf["level"].to_numpy() == lv]),
                QBrush(QColor(colors[lv])),
                QPen(Qt.NoPen),
            )
            for lv in (4, 3, 2, 1)
        ]
    pen = QPen(QColor("#222222"), 2)
    pen.setCosmetic(True)
    return [(polygon_path(gdf.geometry.values), QBrush(Qt.NoBrush), pen)]


def cell_outlines(gdf) -> Paths:
    """A faint one-pixel outline of every cell (drawn over the fills when the
    cells of a view are read, so a click target is visible)."""
    pen = QPen(QColor(0, 0, 0, 60), 1)
    pen.setCosmetic(True)
    return [(polygon_path(gdf.geometry.values), QBrush(Qt.NoBrush), pen)]


class LayerPainter:
    """Paints one layer in world coordinates; builds its paths once per frame of
    features (a result's cells read for the view change as the view moves)."""

    def __init__(self, layer: MapLayer):
        self.layer = layer
        self._paths: Paths | None = None
        self._paths_of: object = None  # the GeoDataFrame the paths were built from
        self._image: QImage | None = None
        self._picture: tuple[tuple, QImage, tuple] | None = None  # key, image, bounds

    def prepare(self) -> LayerPainter:
        """Build the paths now (safe in a worker thread: no QObject is made)."""
        if self.layer.kind not in ("raster", "points", "resources"):
            self._build_paths()
        return self

    def adopt_paths(self, gdf, paths: Paths) -> None:
        """Use *paths* built in a worker from *gdf* (the layer's new features)."""
        self._paths, self._paths_of = paths, gdf

    def paint(self, painter: QPainter, units_per_pixel: float) -> None:
        """Draw the layer; *painter* already maps world to screen."""
        painter.setOpacity(self.layer.opacity)
        if self.layer.kind == "raster":
            self._paint_image(painter)
        elif self.layer.kind in ("points", "resources"):
            self._paint_points(painter, units_per_pixel)
        else:
            if "source" in self.layer.extra:
                self._paint_levels(painter)
            for path, brush, pen in self._build_paths():
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawPath(path)

    def _build_paths(self) -> Paths:
        """The layer's paths, built again when its features changed."""
        if self._paths is None or self._paths_of is not self.layer.gdf:
            gdf = self.layer.gdf
            self._paths, self._paths_of = layer_paths(self.layer.kind, gdf), gdf
        return self._paths

    def _paint_levels(self, painter: QPainter) -> None:
        """Draw the level raster of the view, unless the cell polygons loaded for
        the view cover it (they are exact where cells are clipped)."""
        view = visible_bounds(painter)
        loaded = self.layer.extra.get("loaded_bounds")
        if loaded is not None and len(self.layer.gdf) and covers(loaded, view):
            return
        device = painter.device()
        key = (view, device.width(), device.height())
        if self._picture is None or self._picture[0] != key:
            picture = self.layer.extra["source"].picture(*key)
            if picture is None:
                return
            self._picture = (key, rgba_image(picture.rgba), picture.bounds)
        _, image, bounds = self._picture
        draw_image(painter, image, bounds)

    def _paint_image(self, painter: QPainter) -> None:
        """Draw a raster overview stretched over its bounds."""
        if self._image is None:
            self._image = rgba_image(self.layer.image)
        draw_image(painter, self._image, self.layer.bounds)

    def _paint_points(self, painter: QPainter, units_per_pixel: float) -> None:
        """Draw point symbols of a fixed screen size in their GB/T 35649 class
        colour (the web and print maps' colours)."""
        gdf = self.layer.gdf
        size = 5 * units_per_pixel
        pen = QPen(QColor("#000000"), 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        colors = symbol_colors(self.layer)
        for geom, color in zip(gdf.geometry.values, colors, strict=True):
            painter.setBrush(QBrush(QColor(color)))
            point = QPointF(geom.x, geom.y)
            if self.layer.kind == "resources":
                painter.drawRect(
                    QRectF(point.x() - size, point.y() - size, 2 * size, 2 * size)
                )
            else:
                painter.drawEllipse(point, size, size)


def rgba_image(rgba: np.ndarray) -> QImage:
    """A QImage holding its own copy of an (h, w, 4) uint8 RGBA array."""
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    return QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


def draw_image(painter: QPainter, image: QImage, bounds) -> None:
    """Draw *image* stretched over world *bounds* (pixels stay sharp squares)."""
    x0, y0, x1, y1 = bounds
    painter.save()
    painter.translate(x0, y1)
    painter.scale(1, -1)  # images run top-down, world y runs up
    painter.drawImage(QRectF(0, 0, x1 - x0, y1 - y0), image)
    painter.restore()


def visible_bounds(painter: QPainter) -> tuple[float, float, float, float]:
    """World bounds of what *painter* draws on (its device through its transform)."""
    device = painter.device()
    inverse, _ = painter.transform().inverted()
    rect = inverse.mapRect(QRectF(0, 0, device.width(), device.height()))
    return (rect.left(), rect.top(), rect.right(), rect.bottom())
