"""One place that shows errors: dialogs for users, a log file for bugs."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PyQt5.QtCore import QStandardPaths
from PyQt5.QtWidgets import QMessageBox, QWidget

from riskmap.gui.i18n import tr

log = logging.getLogger("riskmap.gui")


def log_path() -> Path:
    """The log file (in the user's application-data folder)."""
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or "."
    path = Path(base) / "riskmap.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def setup_logging() -> None:
    """Log to the log file (once)."""
    if not log.handlers:
        handler = logging.FileHandler(log_path(), encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def show_error(parent: QWidget | None, message: str) -> None:
    """Tell the user what went wrong (a modal dialog)."""
    log.warning(message)
    QMessageBox.critical(parent, tr("error.title"), message)


def install_excepthook() -> None:
    """Show a dialog and log the traceback for any exception escaping a slot.

    Without this PyQt5 aborts the whole program on an unhandled exception.
    """

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        setup_logging()
        log.error(text)
        sys.__stderr__.write(text)
        show_error(None, tr("error.bug", log=str(log_path())) + f"\n\n{exc}")

    sys.excepthook = hook
