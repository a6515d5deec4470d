"""A dialog that fills a form, then runs one core task in a worker with progress."""

from __future__ import annotations

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskmap.errors import RiskmapError
from riskmap.gui.i18n import tr
from riskmap.gui.workers import Task, TaskWorker, start_worker


class PathField(QWidget):
    """A line edit with a Browse button (open file, save file or folder)."""

    def __init__(self, mode: str = "open", parent: QWidget | None = None):
        super().__init__(parent)
        self.edit, self.button, self.mode = QLineEdit(), QPushButton(), mode
        self.button.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.button)

    def _browse(self) -> None:
        """Pick a file or a folder."""
        if self.mode == "folder":
            path = QFileDialog.getExistingDirectory(self, "", self.edit.text())
        else:
            pick = (
                QFileDialog.getSaveFileName
                if self.mode == "save"
                else QFileDialog.getOpenFileName
            )
            path, _ = pick(self, "", self.edit.text())
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        """The chosen path (stripped)."""
        return self.edit.text().strip()


class TaskDialog(QDialog):
    """Form rows on top, progress and Run/Cancel below; the window never blocks.

    Subclasses add rows with ``add_row`` and implement ``make_task`` (validate the
    form with the core loaders, raise RiskmapError with a message on bad input).
    """

    written = pyqtSignal(str)  # the written path

    title_key = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout()
        self._row_keys: list[str] = []
        self.message, self.progress = QLabel(), QProgressBar()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.PlainText)  # progress names data: never HTML
        self.run_button, self.cancel_button = QPushButton(), QPushButton()
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.worker: TaskWorker | None = None
        self.thread = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self)
        box.addLayout(self.form)
        box.addWidget(self.progress)
        box.addWidget(self.message)
        box.addLayout(buttons)

    def add_row(self, key: str, widget: QWidget) -> QWidget:
        """Add a labelled row whose label text is the i18n *key*."""
        self.form.addRow(QLabel(), widget)
        self._row_keys.append(key)
        return widget

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.setWindowTitle(tr(self.title_key))
        for row, key in enumerate(self._row_keys):
            self.form.itemAt(row, QFormLayout.LabelRole).widget().setText(tr(key))
        for field in self.findChildren(PathField):
            field.button.setText(tr("compute.browse"))
        self.run_button.setText(tr("compute.run"))
        self.cancel_button.setText(tr("compute.cancel"))

    def make_task(self) -> Task:
        """The task for the current form (raise RiskmapError on bad input)."""
        raise NotImplementedError

    def start(self) -> None:
        """Validate, then run the task in a worker thread."""
        try:
            task = self.make_task()
        except RiskmapError as exc:
            self.show_message(str(exc), error=True)
            return
        self.worker = TaskWorker(task)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(lambda m: self._end(m, error=True))
        self.worker.cancelled.connect(lambda: self._end(tr("status.cancelled")))
        self.run_button.setEnabled(False)
        self.progress.setValue(0)
        self.show_message(tr("status.computing"))
        self.thread = start_worker(self.worker)

    def running(self) -> bool:
        """True while a task runs."""
        return self.thread is not None and self.thread.isRunning()

    def cancel(self) -> None:
        """Cancel a running task, or close the dialog."""
        if self.worker is not None and self.running():
            self.worker.cancel()
        else:
            self.reject()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        """Move the progress bar."""
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.show_message(message)

    def _on_finished(self, path: str) -> None:
        """Report success and hand the written path on."""
        self.progress.setValue(self.progress.maximum())
        self._end(tr("status.done", msg=path))
        self.written.emit(path)

    def _end(self, message: str, error: bool = False) -> None:
        """The worker ended: re-enable the form."""
        self.run_button.setEnabled(True)
        self.show_message(message, error)

    def show_message(self, text: str, error: bool = False) -> None:
        """Inline status text (red for errors)."""
        self.message.setStyleSheet("color: #B00020;" if error else "")
        self.message.setText(text)
