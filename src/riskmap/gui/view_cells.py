"""Load the cell polygons of the current view, in a worker, when the view is small.

A result opened through its level raster keeps its cells on disk. Once the map
shows few enough cells (``VIEW_CELLS_LIMIT``), the cells of the view and a margin
around it are read with their attributes; panning within that margin needs no
read, zooming out drops them again, so memory follows the view, not the result.
"""

from __future__ import annotations

from PyQt5.QtCore import QObject, QThread, pyqtSignal

from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.layers import MapLayer
from riskmap.gui.render import cell_outlines, layer_paths
from riskmap.gui.result_cells import VIEW_CELLS_LIMIT, Bounds, ResultCells, covers
from riskmap.gui.widgets.map_canvas import MapCanvas
from riskmap.gui.workers import TaskWorker, start_worker

MARGIN = 0.5  # read this share of the view's size beyond each side


class ViewCells(QObject):
    """Keeps the open result's cells layer filled with the cells of the view."""

    reading = pyqtSignal()  # a read of the view's cells starts
    loaded = pyqtSignal(int)  # number of cells now in memory
    failed = pyqtSignal(str)

    def __init__(
        self, canvas: MapCanvas, stack: LayerStack, limit: int = VIEW_CELLS_LIMIT
    ):
        super().__init__(canvas)  # a child: it goes when the canvas goes
        self.canvas, self.stack, self.limit = canvas, stack, limit
        self._worker: TaskWorker | None = None  # the read in progress
        self._reading: tuple[MapLayer, Bounds] | None = None  # what it reads
        self._thread: QThread | None = None  # kept until it has ended
        self._again = False
        canvas.rendered.connect(self.check)

    def pending(self) -> bool:
        """True while cells are being read."""
        return self._worker is not None

    def layer(self) -> MapLayer | None:
        """The cells layer read through a level raster, if one is open."""
        layer = self.stack.find("cells")
        return layer if layer is not None and "source" in layer.extra else None

    def check(self) -> None:
        """Read the view's cells if it is small enough and not read yet."""
        layer = self.layer()
        if layer is None or not layer.visible:
            return
        source: ResultCells = layer.extra["source"]
        view = self.canvas.view_bounds()
        if source.cells_in(view) > self.limit:
            self._drop(layer)
            return
        loaded = layer.extra.get("loaded_bounds")
        if loaded is not None and covers(loaded, view):
            return
        if self._worker is not None:
            self._again = True
            return
        self._start(layer, self._with_margin(source, view))

    def _with_margin(self, source: ResultCells, view: Bounds) -> Bounds:
        """*view* grown by MARGIN on each side, if that stays within the limit."""
        x0, y0, x1, y1 = view
        dx, dy = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
        grown = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
        return grown if source.cells_in(grown) <= self.limit else view

    def _start(self, layer: MapLayer, bounds: Bounds) -> None:
        """Read the cells of *bounds* and build their paths in a worker."""
        source: ResultCells = layer.extra["source"]

        def task(progress):
            progress(0, 1, "cells")
            frame = source.read_view(bounds, self.limit)
            if frame is None:
                return None, None
            return frame, layer_paths("cells", frame) + cell_outlines(frame)

        worker = TaskWorker(task)
        worker.finished.connect(self._adopt)
        worker.failed.connect(self._failed)
        self.wait()
        self._reading = (layer, bounds)
        self._worker, self._thread = worker, start_worker(worker)
        self.reading.emit()

    def wait(self) -> None:
        """Block until the last read's thread has ended (before starting another,
        and before the window closes)."""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()

    def _adopt(self) -> None:
        """Put the cells just read on the map (if their layer is still open)."""
        frame, paths = self._worker.value
        layer, bounds = self._reading
        self._worker = None
        if frame is not None and any(lyr is layer for lyr in self.stack.layers):
            self.canvas.painter_for(layer).adopt_paths(frame, paths)
            layer.gdf = frame
            layer.extra["loaded_bounds"] = bounds
            self.loaded.emit(len(frame))
            self.canvas.refresh()
        self._next()

    def _failed(self, message: str) -> None:
        """Say why the cells could not be read; the level raster stays."""
        self._worker = None
        self.failed.emit(message)
        self._next()

    def _next(self) -> None:
        """Look at the view again if it moved while reading."""
        if self._again:
            self._again = False
            self.check()

    def _drop(self, layer: MapLayer) -> None:
        """Forget the cells read for a smaller view (zoomed out)."""
        if len(layer.gdf):
            layer.gdf = layer.gdf.iloc[:0]
            layer.extra["loaded_bounds"] = None
