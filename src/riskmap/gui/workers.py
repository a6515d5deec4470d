"""Run the analysis off the GUI thread, with progress and cancel."""

from __future__ import annotations

import threading
import traceback

from PyQt5.QtCore import QObject, QThread, pyqtSignal

from riskmap.core.pipeline import AnalysisInputs, run_analysis
from riskmap.errors import RiskmapError
from riskmap.export.gpkg import write_result
from riskmap.model import RiskModel


class Cancelled(Exception):
    """The user pressed Cancel."""


class AnalysisWorker(QObject):
    """Wraps ``run_analysis`` + ``write_result``; lives in its own QThread."""

    progress = pyqtSignal(int, int, str)
    finished = pyqtSignal(str)  # the RESULT.gpkg path
    failed = pyqtSignal(str)  # a message for the user
    cancelled = pyqtSignal()

    def __init__(self, inputs: AnalysisInputs, model: RiskModel, out: str):
        super().__init__()
        self.inputs, self.model, self.out = inputs, model, out
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the analysis to stop at its next step."""
        self._cancel.set()

    def _report(self, done: int, total: int, message: str) -> None:
        """Progress callback for the core: re-emit, or stop when cancelled."""
        if self._cancel.is_set():
            raise Cancelled
        self.progress.emit(done, total, message)

    def run(self) -> None:
        """Compute and write the result; emit exactly one of the end signals."""
        try:
            result = run_analysis(self.inputs, self.model, self._report)
            if self._cancel.is_set():
                raise Cancelled
            write_result(result, self.out)
        except Cancelled:
            self.cancelled.emit()
        except RiskmapError as exc:
            self.failed.emit(str(exc))
        except Exception:  # noqa: BLE001 - a bug: report it instead of killing Qt
            self.failed.emit(traceback.format_exc())
        else:
            self.finished.emit(self.out)


def start_worker(worker: AnalysisWorker) -> QThread:
    """Move *worker* to a new thread and start it; the thread ends with the worker."""
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for signal in (worker.finished, worker.failed, worker.cancelled):
        signal.connect(thread.quit)
    thread.start()
    return thread
