"""File-menu actions for riskmap projects: new, open, the bundled sample, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QStandardPaths
from PyQt5.QtWidgets import QDialog, QFileDialog, QMainWindow

from riskmap.commands.project import create_project, create_sample_project
from riskmap.errors import RiskmapError
from riskmap.gui import exports
from riskmap.gui.dialogs.database_dialog import DatabaseDialog
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import tr
from riskmap.gui.layers import gdf_layer
from riskmap.io.crs import choose_working_crs
from riskmap.registry import export_points
from riskmap.resources import sample_dir


def app_data_dir() -> Path:
    """The per-user folder for the sample project and its results."""
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or "."
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


class ProjectActions:
    """Creates and opens projects for the main window (no logic of its own)."""

    def __init__(self, window: QMainWindow):
        self.window = window

    def handlers(self) -> dict[str, Callable[[], object]]:
        """The project entries of the menus (by action id) and what each runs."""
        return {
            "new_project": self.ask_new,
            "open_project": self.ask_open,
            "open_database": self.ask_open_database,
            "open_sample": self.open_sample,
            "ledger_export": self.export_ledger,
        }

    def open(self, path: str | Path, *, password: str | None = None) -> bool:
        """Open *path* (a GeoPackage or a postgresql:// URL): the ledger, the
        communities layer, the project's compute."""
        window = self.window
        if not window.ledger.open_project(path, password=password):
            return False
        project = window.ledger.project
        window.show_ledger()
        window._remember_recent(str(path))
        if window.result_path is None:
            communities = project.communities()
            crs = choose_working_crs(communities)
            window._use_crs(crs)
            window.stack.replace_all(
                [
                    gdf_layer(
                        tr("layer.communities"),
                        "boundary",
                        Path(str(path)),
                        communities.to_crs(crs),
                    )
                ]
            )
            window._show_ledger_points()
            window.canvas.zoom_full()
        window.retranslate()
        return True

    def ask_open(self) -> None:
        """File dialog for a project."""
        path, _ = QFileDialog.getOpenFileName(
            self.window, tr("act.open_project"), "", tr("project.filter")
        )
        if path:
            self.open(path)

    def ask_open_database(self, url: str = "") -> bool:
        """The database dialog; open the project it names."""
        dialog = DatabaseDialog(self.window, url)
        if dialog.exec_() != QDialog.Accepted:
            return False
        url, password = dialog.values()
        return self.open(url, password=password)

    def ask_new(self) -> None:
        """Ask for a communities file and a project path; create and open it."""
        source, _ = QFileDialog.getOpenFileName(self.window, tr("act.new_project"))
        if not source:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window, tr("act.new_project"), "", tr("project.filter")
        )
        if path:
            self.create(path, source)

    def create(self, path: str | Path, communities: str | Path) -> bool:
        """Create a project from a communities file (as ``project new``) and open it."""
        try:
            create_project(Path(path), Path(communities)).close()
        except RiskmapError as exc:
            show_error(
                self.window, tr("error.file", path=str(communities), msg=str(exc))
            )
            return False
        return self.open(path)

    def open_sample(self, compute: bool = True) -> bool:
        """Open (creating it the first time) the bundled Bazhong sample project.

        With *compute*, the compute dialog starts on it, so the risk levels appear.
        """
        path = app_data_dir() / "bazhong-sample.gpkg"
        try:
            if not path.exists():
                create_sample_project(path).close()
        except RiskmapError as exc:
            show_error(self.window, str(exc))
            return False
        if not self.open(path):
            return False
        if compute:
            self.compute_project(path, sample_dir() / "shelters.geojson")
        return True

    def compute_project(self, path: Path, resources: Path | None = None) -> None:
        """Fill the compute dialog from the project and run it."""
        window = self.window
        window.show_compute()
        window.compute_dialog.set_values(
            "",
            [],
            str(path.with_name(f"{path.stem}-result.gpkg")),
            project=str(path),
            resources=str(resources or ""),
        )
        window.compute_dialog.start()

    def export_ledger(self) -> None:
        """Save the ledger as XLSX/CSV/GeoJSON."""
        project = self.window.ledger.project
        if project is None:
            show_error(self.window, tr("ledger.no_project"))
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            tr("act.ledger_export"),
            "",
            "Excel (*.xlsx);;CSV (*.csv);;GeoJSON (*.geojson)",
        )
        if path:
            fmt = Path(path).suffix.lstrip(".").lower() or "xlsx"
            exports.run_export(
                self.window, lambda: export_points(project, Path(path), fmt)
            )
