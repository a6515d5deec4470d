"""Run long core work (compute, exports) off the GUI thread with progress, cancel."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PyQt5.QtCore import QObject, QThread, pyqtSignal

from riskmap.commands.request import load_inputs, project_photos
from riskmap.core.pipeline import run_analysis
from riskmap.errors import RiskmapError
from riskmap.export.gpkg import write_result
from riskmap.io.request import AnalysisRequest
from riskmap.progress import ProgressCallback

# A task takes the progress callback and returns the path it wrote.
Task = Callable[[ProgressCallback], object]


class Cancelled(Exception):
    """The user pressed Cancel."""


class TaskWorker(QObject):
    """Runs one task in its own QThread; emits exactly one of the end signals."""

    progress = pyqtSignal(int, int, str)
    finished = pyqtSignal(str)  # the written path
    failed = pyqtSignal(str)  # a message for the user
    cancelled = pyqtSignal()

    def __init__(self, task: Task):
        super().__init__()
        self.task = task
        self.value: object = None  # what the task returned, once finished
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the task to stop at its next progress report."""
        self._cancel.set()

    def _report(self, done: int, total: int, message: str) -> None:
        """Progress callback for the core: re-emit, or stop when cancelled."""
        if self._cancel.is_set():
            raise Cancelled
        self.progress.emit(done, total, message)

    def run(self) -> None:
        """Run the task and emit how it ended."""
        try:
            written = self.task(self._report)
        except Cancelled:
            self.cancelled.emit()
        except RiskmapError as exc:
            self.failed.emit(str(exc))
        except Exception:  # noqa: BLE001 - a bug: report it instead of killing Qt
            self.failed.emit(traceback.format_exc())
        else:
            self.value = written
            self.finished.emit(str(written))


def analysis_task(request: AnalysisRequest, out: str) -> Task:
    """Load the inputs *request* names, compute the risk levels and write
    RESULT.gpkg with the project's ledger thumbnails (nothing written if
    cancelled). All of it runs in the worker: the window never waits on a file."""

    def task(progress: ProgressCallback) -> str:
        inputs, model = load_inputs(request, progress)
        photos = project_photos(request)
        result = run_analysis(inputs, model, progress)
        result.photos = photos
        progress(1, 1, "writing")
        write_result(result, out)
        return out

    return task


def start_worker(worker: TaskWorker) -> QThread:
    """Move *worker* to a new thread and start it; the thread ends with the worker."""
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for signal in (worker.finished, worker.failed, worker.cancelled):
        signal.connect(thread.quit)
    thread.start()
    return thread
