"""Export actions of the main window: each calls the same exporter as the CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QUrl
from PyQt5.QtGui import QDesktopServices
from PyQt5.QtWidgets import QFileDialog, QMessageBox, QWidget

from riskmap.errors import RiskmapError
from riskmap.export.geojson import write_geojson
from riskmap.gui.errors import show_error
from riskmap.gui.i18n import tr
from riskmap.io.result import read_result


def ask_folder(parent: QWidget) -> Path | None:
    """Ask for an output folder."""
    path = QFileDialog.getExistingDirectory(parent, "")
    return Path(path) if path else None


def run_export(parent: QWidget, action: Callable[[], Path]) -> Path | None:
    """Run an export, show errors, and offer to open the output folder."""
    try:
        out = action()
    except RiskmapError as exc:
        show_error(parent, str(exc))
        return None
    offer_folder(parent, out)
    return out


def offer_folder(parent: QWidget, out: Path) -> None:
    """Say where the export went and offer to open its folder."""
    answer = QMessageBox.question(parent, "riskmap", tr("export.done", path=str(out)))
    if answer == QMessageBox.Yes:
        folder = out if out.is_dir() else out.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def geojson_action(result_path: Path, out_dir: Path) -> Callable[[], Path]:
    """Export every layer of RESULT.gpkg as GeoJSON into *out_dir* (the cells are
    read for the export: the map keeps only the view's)."""

    def run() -> Path:
        write_geojson(read_result(result_path), out_dir)
        return out_dir

    return run


def gpkg_action(result_path: Path, out: Path) -> Callable[[], Path]:
    """Copy RESULT.gpkg to *out* (the analysts' GeoPackage)."""

    def run() -> Path:
        shutil.copyfile(result_path, out)
        return out

    return run
