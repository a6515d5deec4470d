"""Turn layers into Qt paint operations: cached polygon paths, images, symbols."""

from __future__ import annotations

import numpy as np
import shapely
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

from riskmap.gui.layers import CATEGORY_COLORS, MapLayer, level_colors


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


class LayerPainter:
    """Paints one layer in world coordinates; builds its paths once."""

    def __init__(self, layer: MapLayer):
        self.layer = layer
        self._paths: list[tuple[QPainterPath, QBrush, QPen]] | None = None
        self._image: QImage | None = None

    def prepare(self) -> LayerPainter:
        """Build the paths now (safe in a worker thread: no QObject is made)."""
        if self.layer.kind not in ("raster", "points", "resources"):
            self._build_paths()
        return self

    def paint(self, painter: QPainter, units_per_pixel: float) -> None:
        """Draw the layer; *painter* already maps world to screen."""
        painter.setOpacity(self.layer.opacity)
        if self.layer.kind == "raster":
            self._paint_image(painter)
        elif self.layer.kind in ("points", "resources"):
            self._paint_points(painter, units_per_pixel)
        else:
            for path, brush, pen in self._build_paths():
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawPath(path)

    def _build_paths(self) -> list[tuple[QPainterPath, QBrush, QPen]]:
        """Paths per fill: one per level for cells, one outline for boundaries."""
        if self._paths is None:
            gdf = self.layer.gdf
            if self.layer.kind == "cells" and "level" in gdf:
                colors = level_colors()
                self._paths = [
                    (
                        polygon_path(
                            gdf.geometry.values[gdf["level"].to_numpy() == lv]
                        ),
                        QBrush(QColor(colors[lv])),
                        QPen(Qt.NoPen),
                    )
                    for lv in (4, 3, 2, 1)
                ]
            else:
                pen = QPen(QColor("#222222"), 2)
                pen.setCosmetic(True)
                self._paths = [
                    (polygon_path(gdf.geometry.values), QBrush(Qt.NoBrush), pen)
                ]
        return self._paths

    def _paint_image(self, painter: QPainter) -> None:
        """Draw a raster overview stretched over its bounds."""
        if self._image is None:
            rgba = np.ascontiguousarray(self.layer.image)
            h, w = rgba.shape[:2]
            self._image = QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()
        x0, y0, x1, y1 = self.layer.bounds
        painter.save()
        painter.translate(x0, y1)
        painter.scale(1, -1)  # images run top-down, world y runs up
        painter.drawImage(QRectF(0, 0, x1 - x0, -(y0 - y1)), self._image)
        painter.restore()

    def _paint_points(self, painter: QPainter, units_per_pixel: float) -> None:
        """Draw point symbols of a fixed screen size, coloured by category."""
        gdf = self.layer.gdf
        size = 5 * units_per_pixel
        pen = QPen(QColor("#000000"), 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        cats = gdf["category"] if "category" in gdf else [""] * len(gdf)
        for geom, cat in zip(gdf.geometry.values, cats, strict=True):
            color = (
                "#2CA02C"
                if self.layer.kind == "resources"
                else CATEGORY_COLORS.get(str(cat), "#E6AB02")
            )
            painter.setBrush(QBrush(QColor(color)))
            point = QPointF(geom.x, geom.y)
            if self.layer.kind == "resources":
                painter.drawRect(
                    QRectF(point.x() - size, point.y() - size, 2 * size, 2 * size)
                )
            else:
                painter.drawEllipse(point, size, size)
