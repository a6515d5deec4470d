"""Worker processes that die with the process that started them.

A worker of ``export maps --jobs 2`` once outlived a killed parent for minutes,
still writing pages. :func:`die_with_parent` (a pool ``initializer``) asks Linux
to kill the worker when its parent dies (``PR_SET_PDEATHSIG``) and, on every
system, watches the parent's sentinel pipe from a thread.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a worker process: end it as soon as its parent process ends."""
    parent = multiprocessing.parent_process()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent is None:
        return
    if parent.pid is not None and os.getppid() != parent.pid:
        os._exit(1)  # the parent died before the watch began
    threading.Thread(
        target=_exit_when_gone, args=(parent.sentinel,), daemon=True
    ).start()


def _exit_when_gone(sentinel: int) -> None:
    """Block until the parent's sentinel is ready (it died), then end at once."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)
