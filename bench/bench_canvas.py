"""Map-canvas responsiveness with many cells (run by hand, offscreen Qt).

Builds a synthetic grid of N square cells (default 100,000) with random levels,
then times: the first full render (paths built once), later full renders, the
pan/zoom repaint from the cached image, and, for comparison, drawing every cell
item by item with ``drawPolygon`` as a naive canvas would.

    QT_QPA_PLATFORM=offscreen python bench/bench_canvas.py [--cells 100000]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import geopandas as gpd
import numpy as np
import shapely
from PyQt5.QtCore import QPointF
from PyQt5.QtGui import QColor, QImage, QPainter, QPolygonF
from PyQt5.QtWidgets import QApplication

from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.layers import MapLayer, level_colors
from riskmap.gui.widgets.map_canvas import MapCanvas


def synthetic_cells(n: int, size: float = 100.0) -> gpd.GeoDataFrame:
    """n square cells on a square lattice with random levels 1-4."""
    side = int(np.ceil(np.sqrt(n)))
    rows, cols = np.divmod(np.arange(n), side)
    x0, y0 = 500_000 + cols * size, 3_500_000 + rows * size
    geoms = shapely.box(x0, y0, x0 + size, y0 + size)
    levels = np.random.default_rng(1).integers(1, 5, n)
    return gpd.GeoDataFrame({"level": levels}, geometry=geoms, crs="EPSG:4545")


def timed(fn, repeat: int = 3) -> float:
    """Best wall time of *repeat* calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def naive_render(cells: gpd.GeoDataFrame, canvas: MapCanvas) -> None:
    """Draw each cell with its own drawPolygon call (the item-by-item way)."""
    image = QImage(canvas.size(), QImage.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.setTransform(canvas.world_transform())
    colors = {lv: QColor(c) for lv, c in level_colors().items()}
    for geom, level in zip(cells.geometry.values, cells["level"], strict=True):
        painter.setBrush(colors[int(level)])
        coords = shapely.get_coordinates(geom)
        painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in coords]))
    painter.end()


def main() -> None:
    """Run the benchmark and print the timings and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=100_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    cells = synthetic_cells(args.cells)
    stack = LayerStack()
    canvas = MapCanvas(stack)
    canvas.resize(1400, 900)
    layer = MapLayer(
        "cells", "cells", "synthetic", "EPSG:4545", len(cells), gdf=cells,
        bounds=tuple(cells.total_bounds),
    )  # fmt: skip
    stack.add(layer)
    canvas.zoom_full()
    t0 = time.perf_counter()
    canvas.render_cache()
    first = time.perf_counter() - t0
    again = timed(canvas.render_cache)
    canvas.center += QPointF(50 * canvas.res, 0)
    pan = timed(lambda: canvas.grab())
    naive = timed(lambda: naive_render(cells, canvas), repeat=1)
    print(f"cells: {len(cells):,}  canvas 1400x900")
    print(f"first full render (builds paths): {first:.2f} s")
    print(f"later full render:                {again:.3f} s")
    print(f"pan/zoom repaint from cache:      {pan * 1000:.1f} ms")
    print(
        f"naive item-by-item render:        {naive:.2f} s "
        f"({naive / again:.1f}x a later full render)"
    )
    app.quit()


if __name__ == "__main__":
    main()
