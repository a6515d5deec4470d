"""The main window: composes the canvas, panels and menus and wires their signals."""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS, Transformer
from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox

from riskmap.errors import RiskmapError
from riskmap.gui import exports
from riskmap.gui.actions import build_menus, retranslate_menus
from riskmap.gui.dialogs.compute_dialog import ComputeDialog
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import language, set_language, tr
from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.layers import (
    RASTER_SUFFIXES,
    raster_layer,
    result_layers,
    vector_layer,
)
from riskmap.gui.widgets.details import DetailsPanel
from riskmap.gui.widgets.layer_panel import LayerPanel
from riskmap.gui.widgets.map_canvas import MapCanvas
from riskmap.gui.widgets.summary import SummaryTable
from riskmap.resources import sample_dir


class MainWindow(QMainWindow):
    """riskmap's main window."""

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("riskmap", "riskmap")
        self.stack = LayerStack()
        self.canvas = MapCanvas(self.stack)
        self.layer_panel = LayerPanel(self.stack)
        self.details = DetailsPanel(self.stack)
        self.summary = SummaryTable()
        self.result_path: Path | None = None
        self.crs: CRS | None = None
        self.dirty = False
        self._to_lonlat: Transformer | None = None
        self.setCentralWidget(self.canvas)
        self.docks = {
            key: self._dock(key, widget, area)
            for key, widget, area in (
                ("panel.layers", self.layer_panel, Qt.LeftDockWidgetArea),
                ("panel.details", self.details, Qt.RightDockWidgetArea),
                ("panel.summary", self.summary, Qt.BottomDockWidgetArea),
            )
        }
        self.coords, self.scale = QLabel(), QLabel()
        self.statusBar().addPermanentWidget(self.coords)
        self.statusBar().addPermanentWidget(self.scale)
        self.actions = build_menus(self)
        self._connect()
        self.setAcceptDrops(True)
        self._restore_settings()
        self.retranslate()

    def _dock(self, key: str, widget, area) -> QDockWidget:
        """Put *widget* in a dock (object names let QSettings restore the layout)."""
        dock = QDockWidget(tr(key), self)
        dock.setObjectName(key)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        """Wire the widgets' signals."""
        self.canvas.clicked.connect(
            lambda x, y: self.details.identify(x, y, self.canvas.pick_tolerance())
        )
        self.canvas.moved.connect(self._show_coords)
        self.canvas.view_changed.connect(self._show_scale)
        self.layer_panel.zoom_requested.connect(self.canvas.zoom_to)

    def retranslate(self) -> None:
        """Every text in the current language."""
        self.setWindowTitle(
            tr("app.title")
            + (f" — {self.result_path.name}" if self.result_path else "")
        )
        retranslate_menus(self, self.actions)
        for key, dock in self.docks.items():
            dock.setWindowTitle(tr(key))
        for widget in (self.layer_panel, self.details, self.summary):
            widget.retranslate()
        self.statusBar().showMessage(tr("status.ready"))

    # --- opening data -------------------------------------------------------------
    def open_result(self, path: str | Path) -> bool:
        """Show a RESULT.gpkg: its hazards, cells, boundaries, points, summary."""
        try:
            layers, crs, result = result_layers(Path(path))
        except RiskmapError as exc:
            show_error(self, tr("error.file", path=str(path), msg=str(exc)))
            return False
        self.result_path, self.crs = Path(path), crs
        self._to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self.stack.replace_all(layers)
        self.summary.show_communities(result.communities)
        self.canvas.zoom_to(tuple(result.cells.total_bounds))
        self._remember_recent(str(path))
        self.retranslate()
        return True

    def add_layer_file(self, path: str | Path) -> bool:
        """Add a vector or raster file as a layer; errors go to a dialog."""
        path = Path(path)
        try:
            if path.suffix.lower() in RASTER_SUFFIXES:
                if self.crs is None:
                    raise RiskmapError(
                        f"{path.name}: open a result or a vector layer "
                        "first, so the map has a coordinate system"
                    )
                layer = raster_layer(path, self.crs)
            else:
                layer = vector_layer(path, self.crs)
        except (RiskmapError, OSError) as exc:
            show_error(self, tr("error.file", path=str(path), msg=str(exc)))
            return False
        if self.crs is None:
            self.crs = layer.gdf.crs
            self._to_lonlat = Transformer.from_crs(
                self.crs, "EPSG:4326", always_xy=True
            )
        self.stack.add(layer)
        if len(self.stack.layers) == 1:
            self.canvas.zoom_full()
        return True

    def open_sample(self) -> None:
        """Compute the bundled Bazhong sample (if needed) and open it."""
        self.show_compute()
        layers = sample_dir()
        out = Path(QSettings().fileName()).parent / "riskmap-sample-result.gpkg"
        self.compute_dialog.set_values(
            str(layers / "communities.geojson"),
            [
                f"flood={layers / 'flood_depth.tif'}",
                f"landslide={layers / 'landslide.tif'}",
            ],
            str(out),
            str(layers / "risk_points.geojson"),
        )
        self.compute_dialog.start()

    def ask_open_result(self) -> None:
        """File dialog for a RESULT.gpkg."""
        path, _ = QFileDialog.getOpenFileName(
            self, tr("act.open_result"), "", "GeoPackage (*.gpkg)"
        )
        if path:
            self.open_result(path)

    def ask_add_layer(self) -> None:
        """File dialog for any layer."""
        path, _ = QFileDialog.getOpenFileName(self, tr("act.add_layer"))
        if path:
            self.add_layer_file(path)

    def remove_layer(self) -> None:
        """Remove the selected layer."""
        index = self.layer_panel.current_index()
        if index is not None:
            self.stack.remove(index)

    def zoom_full(self) -> None:
        """Zoom to all layers."""
        self.canvas.zoom_full()

    # --- analysis and export ------------------------------------------------------
    def show_compute(self) -> None:
        """Open the compute dialog (results open on the map when done)."""
        if not hasattr(self, "compute_dialog"):
            self.compute_dialog = ComputeDialog(self)
            self.compute_dialog.written.connect(self.open_result)
        self.compute_dialog.show()

    def _need_result(self) -> Path | None:
        """The open result, or a message saying one is needed."""
        if self.result_path is None:
            show_error(self, tr("export.unavailable", msg=tr("act.open_result")))
        return self.result_path

    def export_geojson(self) -> None:
        """Export the result's layers as GeoJSON."""
        result, out = self._need_result(), None
        if result and (out := exports.ask_folder(self)):
            exports.run_export(self, exports.geojson_action(result, out))

    def export_gpkg(self) -> None:
        """Save a copy of the result GeoPackage."""
        result = self._need_result()
        if result:
            path, _ = QFileDialog.getSaveFileName(self, "", "", "GeoPackage (*.gpkg)")
            if path:
                exports.run_export(self, exports.gpkg_action(result, Path(path)))

    def export_maps(self) -> None:
        """Export the interactive web maps."""
        self._optional_export("maps")

    def export_print(self) -> None:
        """Export the printable PDF maps."""
        self._optional_export("print")

    def _optional_export(self, kind: str) -> None:
        """Exports provided by optional modules."""
        result = self._need_result()
        out = exports.ask_folder(self) if result else None
        if out:
            exports.run_export(self, exports.kind_action(kind, result, out))

    # --- language, settings, window events -----------------------------------------
    def use_chinese(self) -> None:
        """Switch the interface to Simplified Chinese."""
        self.set_language("zh")

    def use_english(self) -> None:
        """Switch the interface to English."""
        self.set_language("en")

    def set_language(self, lang: str) -> None:
        """Switch language now and remember it."""
        set_language(lang)
        self.settings.setValue("language", lang)
        self.retranslate()
        if hasattr(self, "compute_dialog"):
            self.compute_dialog.retranslate()

    def _show_coords(self, x: float, y: float) -> None:
        """Longitude/latitude under the mouse in the status bar."""
        if self._to_lonlat is not None:
            lon, lat = self._to_lonlat.transform(x, y)
            self.coords.setText(tr("status.coords", lon=lon, lat=lat))

    def _show_scale(self, res: float) -> None:
        """Map scale at ~96 dpi screen pixels (0.26 mm)."""
        self.scale.setText(tr("status.scale", scale=res / 0.000264583))

    def _remember_recent(self, path: str) -> None:
        """Keep the last ten opened results."""
        recent = [p for p in self.settings.value("recent", [], list) if p != path]
        self.settings.setValue("recent", [path, *recent][:10])

    def _restore_settings(self) -> None:
        """Window geometry, dock layout and language from QSettings."""
        set_language(str(self.settings.value("language", language())))
        if self.settings.value("geometry") is not None:
            self.restoreGeometry(self.settings.value("geometry"))
            self.restoreState(self.settings.value("state"))
        else:
            self.resize(1280, 800)

    def closeEvent(self, event) -> None:
        """Ask about unsaved edits; save the layout."""
        if (
            self.dirty
            and QMessageBox.question(self, "riskmap", tr("close.unsaved"))
            != QMessageBox.Yes
        ):
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        event.accept()

    def dragEnterEvent(self, event) -> None:
        """Accept dragged files."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Open dropped results, add dropped layers."""
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix.lower() == ".gpkg" and self._is_result(path):
                self.open_result(path)
            else:
                self.add_layer_file(path)

    @staticmethod
    def _is_result(path: Path) -> bool:
        """True for a riskmap RESULT.gpkg."""
        import pyogrio

        try:
            return "run_info" in {name for name, _ in pyogrio.list_layers(path)}
        except Exception:  # noqa: BLE001 - any unreadable file is simply not a result
            return False
