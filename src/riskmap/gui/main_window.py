"""The main window: composes the canvas, panels and menus and wires their signals."""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS, Transformer
from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox

from riskmap.domain import RiskResult
from riskmap.errors import RiskmapError
from riskmap.gui import exports
from riskmap.gui.actions import Handler, build_menus, retranslate_menus
from riskmap.gui.dialogs.compute_dialog import ComputeDialog
from riskmap.gui.dialogs.export_dialogs import PrintDialog, WebMapDialog
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import install_qt_translator, language, set_language, tr
from riskmap.gui.layer_stack import LayerStack
from riskmap.gui.layers import hazard_for, raster_layer, vector_layer
from riskmap.gui.ledger.controller import LedgerController
from riskmap.gui.ledger.table import LedgerTable
from riskmap.gui.project_actions import ProjectActions
from riskmap.gui.result_view import ResultView, load_result_view
from riskmap.gui.view_cells import ViewCells
from riskmap.gui.widgets.details import DetailsPanel
from riskmap.gui.widgets.layer_panel import LayerPanel
from riskmap.gui.widgets.map_canvas import MapCanvas
from riskmap.gui.widgets.summary import SummaryTable
from riskmap.gui.workers import TaskWorker, start_worker
from riskmap.io.crs import choose_working_crs
from riskmap.io.rasters import RASTER_SUFFIXES
from riskmap.registry.database import is_database_url


class MainWindow(QMainWindow):
    """riskmap's main window."""

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("riskmap", "riskmap")
        self.stack = LayerStack()
        self.canvas = MapCanvas(self.stack)
        self.view_cells = ViewCells(self.canvas, self.stack)
        self.layer_panel = LayerPanel(self.stack)
        self.details = DetailsPanel(self.stack)
        self.summary = SummaryTable()
        self.ledger_table = LedgerTable()
        self.ledger = LedgerController(self, self.ledger_table)
        self.projects = ProjectActions(self)
        self.result_path: Path | None = None
        self.result: RiskResult | None = None  # the open result, as drawn
        self.export_dialogs: list = []
        self.crs: CRS | None = None
        self._to_lonlat: Transformer | None = None
        self.setCentralWidget(self.canvas)
        self.docks = {
            key: self._dock(key, widget, area)
            for key, widget, area in (
                ("panel.layers", self.layer_panel, Qt.LeftDockWidgetArea),
                ("panel.details", self.details, Qt.RightDockWidgetArea),
                ("panel.summary", self.summary, Qt.BottomDockWidgetArea),
                ("panel.ledger", self.ledger_table, Qt.BottomDockWidgetArea),
            )
        }
        self.tabifyDockWidget(self.docks["panel.summary"], self.docks["panel.ledger"])
        self.docks["panel.summary"].raise_()
        self.coords, self.scale = QLabel(), QLabel()
        self.statusBar().addPermanentWidget(self.coords)
        self.statusBar().addPermanentWidget(self.scale)
        self.actions = build_menus(
            self, self._handlers(), self.projects.handlers(), self.ledger.handlers()
        )
        self.recent_menu = self._menus["menu.file"].addMenu(tr("menu.recent"))
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
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
        self.canvas.clicked.connect(self._on_click)
        self.ledger.changed.connect(self._show_ledger_points)
        self.ledger.tool_changed.connect(self._on_tool)
        self.ledger_table.selected.connect(self._select_point)
        self.canvas.moved.connect(self._show_coords)
        self.canvas.view_changed.connect(self._show_scale)
        self.layer_panel.zoom_requested.connect(self.canvas.zoom_to)
        self.view_cells.failed.connect(self.statusBar().showMessage)
        self.view_cells.reading.connect(
            lambda: self.statusBar().showMessage(tr("status.view_cells"))
        )
        self.view_cells.loaded.connect(
            lambda n: self.statusBar().showMessage(tr("status.view_cells_read", n=n))
        )

    def _handlers(self) -> dict[str, Handler]:
        """The menu actions the window itself runs (by action id)."""
        return {
            "open_result": self.ask_open_result,
            "quit": self.close,
            "add_layer": self.ask_add_layer,
            "remove_layer": self.remove_layer,
            "zoom_full": self.canvas.zoom_full,
            "ledger_table": self.show_ledger,
            "compute": self.show_compute,
            "export_geojson": self.export_geojson,
            "export_gpkg": self.export_gpkg,
            "export_maps": self.export_maps,
            "export_print": self.export_print,
            "lang_zh": lambda: self.set_language("zh"),
            "lang_en": lambda: self.set_language("en"),
        }

    def retranslate(self) -> None:
        """Every text in the current language (Qt's own buttons included)."""
        install_qt_translator(language())
        self.setWindowTitle(
            tr("app.title")
            + (f" — {self.result_path.name}" if self.result_path else "")
        )
        retranslate_menus(self, self.actions)
        self.recent_menu.setTitle(tr("menu.recent"))
        for key, dock in self.docks.items():
            dock.setWindowTitle(tr(key))
        for widget in (self.layer_panel, self.details, self.summary, self.ledger_table):
            widget.retranslate()
        self.statusBar().showMessage(tr("status.ready"))

    # --- opening data -------------------------------------------------------------
    def open_result(self, path: str | Path) -> bool:
        """Show a RESULT.gpkg now (blocking): hazards, cells, boundaries, summary."""
        try:
            view = load_result_view(Path(path))
        except RiskmapError as exc:
            show_error(self, tr("error.file", path=str(path), msg=str(exc)))
            return False
        self._show_result(view)
        return True

    def open_result_in_background(self, path: str | Path) -> TaskWorker:
        """Read the result and build its drawing in a worker; the window stays live."""
        worker = TaskWorker(lambda progress: load_result_view(Path(path), progress))
        worker.progress.connect(
            lambda done, total, msg: self.statusBar().showMessage(msg)
        )
        worker.finished.connect(lambda _: self._show_result(worker.value))
        worker.failed.connect(
            lambda msg: show_error(self, tr("error.file", path=str(path), msg=msg))
        )
        self.statusBar().showMessage(tr("status.opening", path=str(path)))
        self.loading = (worker, start_worker(worker))
        return worker

    def _show_result(self, view: ResultView) -> None:
        """Put a loaded result on the map and in the summary."""
        self.result_path, self.result = view.path, view.result
        self._use_crs(view.crs)
        self.stack.replace_all(view.layers)
        self.canvas.adopt_painters(view.painters)
        if self.ledger.project is not None:
            self._show_ledger_points()
        self.summary.show_communities(view.result.communities)
        self.canvas.zoom_to(self.stack.find("cells").bounds)
        self._remember_recent(str(view.path))
        self.retranslate()

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
                layer = raster_layer(path, self.crs, hazard_for(self.result, path))
            else:
                layer = vector_layer(path, self.crs)
        except (RiskmapError, OSError) as exc:
            show_error(self, tr("error.file", path=str(path), msg=str(exc)))
            return False
        if self.crs is None:
            self._use_crs(layer.gdf.crs)
        self.stack.add(layer)
        if len(self.stack.layers) == 1:
            self.canvas.zoom_full()
        return True

    def open_path(self, path: str | Path) -> bool:
        """Open a RESULT.gpkg as a result and anything else as a project."""
        if is_database_url(path):
            return self.projects.ask_open_database(str(path))
        if self._is_result(Path(path)):
            self.open_result_in_background(path)
            return True
        return self.projects.open(path)

    def fill_recent_menu(self) -> None:
        """List the last opened projects and results in File → Recent."""
        menu = self.recent_menu
        menu.clear()
        for path in self.settings.value("recent", [], list):
            action = menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        menu.setEnabled(not menu.isEmpty())

    def ask_open_result(self) -> None:
        """File dialog for a RESULT.gpkg."""
        path, _ = QFileDialog.getOpenFileName(
            self, tr("act.open_result"), "", "GeoPackage (*.gpkg)"
        )
        if path:
            self.open_result_in_background(path)

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

    # --- analysis and export ------------------------------------------------------
    def show_compute(self) -> None:
        """Open the compute dialog (results open on the map when done)."""
        if not hasattr(self, "compute_dialog"):
            self.compute_dialog = ComputeDialog(self)
            self.compute_dialog.written.connect(self.open_result_in_background)
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

    def export_maps(self) -> WebMapDialog | None:
        """Export the interactive web maps (dialog with progress)."""
        return self._export_dialog(WebMapDialog)

    def export_print(self) -> PrintDialog | None:
        """Export the printable four-colour maps (dialog with progress)."""
        return self._export_dialog(PrintDialog)

    def _export_dialog(self, kind):
        """Show an export dialog for the open result; offer the folder when done."""
        if self._need_result() is None:
            return None
        dialog = kind(self.result, self)
        dialog.source = self.result_path  # the task reads the cells from it
        dialog.written.connect(lambda path: exports.offer_folder(self, Path(path)))
        dialog.show()
        self.export_dialogs.append(dialog)
        return dialog

    # --- ledger -----------------------------------------------------------------------
    def show_ledger(self) -> None:
        """Show the ledger table."""
        self.docks["panel.ledger"].show()
        self.docks["panel.ledger"].raise_()

    def _on_click(self, x: float, y: float) -> None:
        """A canvas click: a ledger tool when one is active, else identify."""
        if self.crs is None or not self.ledger.handle_click(x, y, self.crs):
            self.details.identify(x, y, self.canvas.pick_tolerance())

    def _on_tool(self, tool: str) -> None:
        """Check the active tool's action and say what a click does."""
        self.actions["tool_identify"].setChecked(tool == "identify")
        self.actions["tool_add"].setChecked(tool == "add")
        hints = {"add": "ledger.add_hint", "move": "ledger.move_hint"}
        self.statusBar().showMessage(tr(hints.get(tool, "status.ready")))

    def _show_ledger_points(self) -> None:
        """Replace the ledger layer on the map with the project's live points."""
        if self.crs is None and self.ledger.project is not None:
            self._use_crs(choose_working_crs(self.ledger.project.communities()))
        layer = self.ledger.points_layer(self.crs) if self.crs else None
        old = next(
            (i for i, lyr in enumerate(self.stack.layers) if lyr.extra.get("ledger")),
            None,
        )
        if old is not None:
            self.stack.remove(old)
        if layer is not None:
            for other in self.stack.layers:
                if other.kind == "points":  # the result's copy of the same ledger
                    other.visible = False
            self.stack.add(layer)

    def _select_point(self, point_id: str) -> None:
        """Show a ledger point chosen in the table in the details panel."""
        layer = next(
            (lyr for lyr in self.stack.layers if lyr.extra.get("ledger")), None
        )
        if layer is not None and len(layer.gdf):
            hit = layer.gdf[layer.gdf["id"].astype(str) == point_id]
            if not hit.empty:
                point = hit.geometry.iloc[0]
                self.details.identify(point.x, point.y, self.canvas.pick_tolerance())

    def _use_crs(self, crs: CRS) -> None:
        """Set the map CRS (and the lon/lat transformer of the status bar)."""
        self.crs = crs
        self._to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    # --- language, settings, window events -----------------------------------------
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
            self.ledger.unsaved()
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
                self.open_result_in_background(path)
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
