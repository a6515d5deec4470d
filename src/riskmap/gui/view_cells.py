"""Load the cell polygons of the current view, in a worker, when the view is small.

A result opened through its level raster keeps its cells on disk. Once the map
shows few enough cells (``VIEW_CELLS_LIMIT``), the cells of the view and a margin
around it are read with their attributes; panning within that margin needs no
read, zooming out drops them again, so memory follows the view, not the result.
"""

from __future__ import annotations

import contextlib
import traceback
from concurrent.futures import ThreadPoolExecutor

from PyQt5.QtCore import QObject, pyqtSignal

from riskmap.errors import RiskmapError
from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.layers import MapLayer
from riskmap.gui.render import cell_outlines, layer_paths
from riskmap.gui.result_cells import VIEW_CELLS_LIMIT, Bounds, ResultCells, covers
from riskmap.gui.widgets.map_canvas import MapCanvas

MARGIN = 0.5  # read this share of the view's size beyond each side
# One reader thread for every window: a plain Python thread, so no QThread can be
# garbage-collected while it runs when a window goes away mid-read.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskmap-view-cells")


class ViewCells(QObject):
    """Keeps the open result's cells layer filled with the cells of the view."""

    reading = pyqtSignal()  # a read of the view's cells starts
    loaded = pyqtSignal(int)  # number of cells now in memory
    failed = pyqtSignal(str)
    _read_done = pyqtSignal(object)  # from the reader thread: (frame, paths) or text

    def __init__(
        self, canvas: MapCanvas, stack: LayerStack, limit: int = VIEW_CELLS_LIMIT
    ):
        super().__init__(canvas)  # a child: it goes when the canvas goes
        self.canvas, self.stack, self.limit = canvas, stack, limit
        self._reading: tuple[MapLayer, Bounds] | None = None  # the read in progress
        self._again = False
        self._read_done.connect(self._finish)  # queued: runs in the GUI thread
        canvas.rendered.connect(self.check)

    def pending(self) -> bool:
        """True while cells are being read."""
        return self._reading is not None

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
        if self._reading is not None:
            self._again = True
            return
        bounds = self._with_margin(source, view)
        self._reading = (layer, bounds)
        _READER.submit(self._read, source, bounds, self.limit)
        self.reading.emit()

    def _with_margin(self, source: ResultCells, view: Bounds) -> Bounds:
        """*view* grown by MARGIN on each side, if that stays within the limit."""
        x0, y0, x1, y1 = view
        dx, dy = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
        grown = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
        return grown if source.cells_in(grown) <= self.limit else view

    def _read(self, source: ResultCells, bounds: Bounds, limit: int) -> None:
        """In the reader thread: the cells of *bounds* and their paths, or why not."""
        try:
            frame = source.read_view(bounds, limit)
            paths = None
            if frame is not None:
                paths = layer_paths("cells", frame) + cell_outlines(frame)
            value: object = (frame, paths)
        except RiskmapError as exc:
            value = str(exc)
        except Exception:  # noqa: BLE001 - a bug: report it instead of losing it
            value = traceback.format_exc()
        with contextlib.suppress(RuntimeError):  # the window closed while reading
            self._read_done.emit(value)

    def _finish(self, value: object) -> None:
        """Put the cells just read on the map (if their layer is still open)."""
        layer, bounds = self._reading
        self._reading = None
        if isinstance(value, str):
            self.failed.emit(value)  # the level raster stays
        elif value[0] is not None and any(lyr is layer for lyr in self.stack.layers):
            frame, paths = value
            self.canvas.painter_for(layer).adopt_paths(frame, paths)
            layer.gdf = frame
            layer.extra["loaded_bounds"] = bounds
            self.loaded.emit(len(frame))
            self.canvas.refresh()
        if self._again:  # the view moved while reading
            self._again = False
            self.check()

    def _drop(self, layer: MapLayer) -> None:
        """Forget the cells read for a smaller view (zoomed out)."""
        if len(layer.gdf):
            layer.gdf = layer.gdf.iloc[:0]
            layer.extra["loaded_bounds"] = None
