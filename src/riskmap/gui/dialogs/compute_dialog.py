"""The compute dialog: choose inputs, run the analysis in a worker, show progress."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskmap.core.pipeline import AnalysisInputs
from riskmap.errors import RiskmapError
from riskmap.gui.i18n import tr
from riskmap.gui.workers import AnalysisWorker, start_worker
from riskmap.io.layers import (
    load_communities,
    load_hazard,
    load_points,
    parse_hazard_arg,
)
from riskmap.model import load_model


class PathField(QWidget):
    """A line edit with a Browse button."""

    def __init__(self, save: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit, self.button, self.save = QLineEdit(), QPushButton(), save
        self.button.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.button)

    def _browse(self) -> None:
        """Pick a file."""
        pick = QFileDialog.getSaveFileName if self.save else QFileDialog.getOpenFileName
        path, _ = pick(self, "", self.edit.text())
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        """The chosen path (stripped)."""
        return self.edit.text().strip()


class ComputeDialog(QDialog):
    """Inputs on the left, progress below; the window never blocks."""

    result_ready = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.communities, self.points = PathField(), PathField()
        self.model, self.out = PathField(), PathField(save=True)
        self.hazards = QPlainTextEdit()
        self.hazards.setFixedHeight(70)
        self.cell_size = QDoubleSpinBox(
            minimum=1, maximum=100_000, value=100, decimals=1
        )
        self.message, self.progress = QLabel(), QProgressBar()
        self.run_button, self.cancel_button = QPushButton(), QPushButton()
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.worker: AnalysisWorker | None = None
        self.thread = None
        self._build()
        self.retranslate()

    def _build(self) -> None:
        """Lay out the form."""
        self.form = QFormLayout()
        for widget in (
            self.communities,
            self.hazards,
            self.points,
            self.cell_size,
            self.model,
            self.out,
        ):
            self.form.addRow(QLabel(), widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self)
        box.addLayout(self.form)
        box.addWidget(self.progress)
        box.addWidget(self.message)
        box.addLayout(buttons)
        self.message.setWordWrap(True)

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.setWindowTitle(tr("compute.title"))
        keys = (
            "compute.communities",
            "compute.hazards",
            "compute.points",
            "compute.cell_size",
            "compute.model",
            "compute.out",
        )
        for row, key in enumerate(keys):
            self.form.itemAt(row, QFormLayout.LabelRole).widget().setText(tr(key))
        for field in (self.communities, self.points, self.model, self.out):
            field.button.setText(tr("compute.browse"))
        self.run_button.setText(tr("compute.run"))
        self.cancel_button.setText(tr("compute.cancel"))

    def set_values(
        self,
        communities: str,
        hazards: list[str],
        out: str,
        points: str = "",
        cell_size: float = 100.0,
    ) -> None:
        """Fill the form (used by the sample shortcut and by tests)."""
        self.communities.edit.setText(communities)
        self.hazards.setPlainText("\n".join(hazards))
        self.points.edit.setText(points)
        self.out.edit.setText(out)
        self.cell_size.setValue(cell_size)

    def _inputs(self) -> tuple[AnalysisInputs, object]:
        """Load and validate the form's inputs with the core loaders."""
        if not self.communities.text():
            raise RiskmapError(tr("compute.missing", what=tr("compute.communities")))
        if not self.out.text():
            raise RiskmapError(tr("compute.missing", what=tr("compute.out")))
        model = load_model(self.model.text() or None)
        lines = [
            h.strip() for h in self.hazards.toPlainText().splitlines() if h.strip()
        ]
        inputs = AnalysisInputs(
            communities=load_communities(self.communities.text()),
            hazards=[load_hazard(parse_hazard_arg(h)) for h in lines],
            points=load_points(self.points.text(), model)
            if self.points.text()
            else None,
            cell_size=self.cell_size.value(),
        )
        return inputs, model

    def start(self) -> None:
        """Validate, then run the analysis in a worker thread."""
        try:
            inputs, model = self._inputs()
        except RiskmapError as exc:
            self._show_message(str(exc), error=True)
            return
        self.worker = AnalysisWorker(inputs, model, str(Path(self.out.text())))
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(lambda m: self._end(m, error=True))
        self.worker.cancelled.connect(lambda: self._end(tr("status.cancelled")))
        self.run_button.setEnabled(False)
        self._show_message(tr("status.computing"))
        self.thread = start_worker(self.worker)

    def cancel(self) -> None:
        """Cancel a running analysis, or close the dialog."""
        if (
            self.worker is not None
            and self.thread is not None
            and self.thread.isRunning()
        ):
            self.worker.cancel()
        else:
            self.reject()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        """Move the progress bar."""
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self._show_message(message)

    def _on_finished(self, path: str) -> None:
        """Report success and hand the result to the main window."""
        self._end(tr("status.done", msg=path))
        self.result_ready.emit(path)

    def _end(self, message: str, error: bool = False) -> None:
        """The worker ended: re-enable the form."""
        self.run_button.setEnabled(True)
        self._show_message(message, error)

    def _show_message(self, text: str, error: bool = False) -> None:
        """Inline status text (red for errors)."""
        self.message.setStyleSheet("color: #B00020;" if error else "")
        self.message.setText(text)
