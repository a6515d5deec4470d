"""Start the desktop app: ``riskmap gui [PATH]`` or ``riskmap-gui [PATH]``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PyQt5.QtWidgets import QApplication, QMessageBox

from riskmap.gui.errors import install_excepthook, setup_logging
from riskmap.gui.i18n import tr
from riskmap.gui.main_window import MainWindow


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; with no file, offer to open the bundled Bazhong sample."""
    args = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setOrganizationName("riskmap")
    app.setApplicationName("riskmap")
    setup_logging()
    install_excepthook()
    window = MainWindow()
    window.show()
    if args:
        window.open_path(args[0])
    elif QMessageBox.question(window, "riskmap", tr("sample.ask")) == QMessageBox.Yes:
        window.projects.open_sample()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
