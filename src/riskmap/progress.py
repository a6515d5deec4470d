"""Progress reporting for front-ends: a plain ``(done, total, message)`` callback."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[int, int, str], None]


class StderrProgress:
    """Print one line per step to stderr, with elapsed seconds; silent when quiet."""

    def __init__(
        self, label: str, *, quiet: bool = False, stream: TextIO | None = None
    ):
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int, message: str) -> None:
        """Report that *done* of *total* steps are finished, now doing *message*."""
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.start
        self.stream.write(
            f"riskmap {self.label} [{done}/{total}] {elapsed:6.1f}s {message}\n"
        )
        self.stream.flush()
