"""Run partitions: in this process, in local worker processes, or on Dask.

Every runner yields :class:`PartitionOutput` as partitions finish and keeps only
a few partitions in flight, so memory stays bounded whatever the number of
cells. A partition that fails is tried again; if it fails again the run stops
with an error naming it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from riskmap.core.partition import PartitionOutput, PartitionTask, analyse_partition
from riskmap.errors import InputDataError, RiskmapError

RETRIES = 2
AUTO_WORKERS = 2  # local processes a large run gets when --workers is not given
AUTO_WORKERS_FROM = 200_000  # cells; below this a process pool costs more than it saves


class PartitionError(RiskmapError):
    """A partition failed every try; the message names it."""


def run_partitions(
    tasks: Iterable[PartitionTask],
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[PartitionOutput]:
    """Compute every task's partition and yield the outputs as they finish."""
    if scheduler:
        yield from _run_dask(tasks, scheduler)
    elif workers > 1:
        yield from _run_processes(tasks, workers)
    else:
        for task in tasks:
            yield analyse_with_retries(task)


def auto_workers(cells_estimate: int) -> int:
    """Local processes for a run that names none: two (where two CPUs are free to
    this process) for a run large enough to gain, and only where workers can be
    forked (no other threads, e.g. not in the GUI); else one."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if cells_estimate < AUTO_WORKERS_FROM or _context().get_start_method() != "fork":
        return 1
    return max(1, min(cpus, AUTO_WORKERS))


def analyse_with_retries(task: PartitionTask) -> PartitionOutput:
    """One partition, tried again on failure (input errors are not retried)."""
    for attempt in range(RETRIES + 1):
        try:
            return analyse_partition(task)
        except InputDataError:
            raise
        except Exception as exc:
            if attempt == RETRIES:
                raise _failed(task, exc) from exc
    raise AssertionError("unreachable")


def _failed(task: PartitionTask, exc: BaseException) -> PartitionError:
    """The error reported for a partition that failed every try."""
    return PartitionError(
        f"partition {task.partition.index} ({task.partition.name}) failed "
        f"{RETRIES + 1} times: {type(exc).__name__}: {exc}"
    )


def _bounded(
    tasks: Iterable[PartitionTask],
    submit: Callable[[PartitionTask], Any],
    wait_any: Callable[[list], Iterable],
    limit: int,
) -> Iterator[tuple[PartitionTask, Any]]:
    """Submit tasks keeping at most *limit* in flight; yield each one that is done."""
    pending: dict[Any, PartitionTask] = {}
    source = iter(tasks)

    def fill() -> None:
        while len(pending) < limit:
            task = next(source, None)
            if task is None:
                return
            pending[submit(task)] = task

    fill()
    while pending:
        for future in wait_any(list(pending)):
            yield pending.pop(future), future
        fill()


def _first_done(futures: list[Future]) -> set[Future]:
    """The local futures that are done, waiting for at least one."""
    return wait(futures, return_when=FIRST_COMPLETED).done


def _run_processes(tasks: Iterable[PartitionTask], workers: int):
    """Partitions in *workers* local processes (each retried inside its worker)."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:

        def submit(task: PartitionTask) -> Future:
            return pool.submit(analyse_with_retries, task)

        for task, future in _bounded(tasks, submit, _first_done, workers + 1):
            try:
                yield future.result()
            except BrokenProcessPool as exc:
                raise _failed(task, exc) from exc


def _context() -> multiprocessing.context.BaseContext:
    """Fork (workers start at once) unless other threads run, e.g. in the GUI."""
    if (
        threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run_dask(tasks: Iterable[PartitionTask], scheduler: str):
    """Partitions on a Dask distributed cluster; Dask retries a failed one."""
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise InputDataError(
            "--scheduler needs dask[distributed]; install it with "
            "pip install 'dask[distributed]'"
        ) from exc
    try:
        client = distributed.Client(scheduler, timeout="10s")
    except OSError as exc:
        raise InputDataError(
            f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc}); "
            "start one with dask scheduler, or check the address"
        ) from exc
    with client:
        limit = max(sum(client.nthreads().values()), 1) + 1

        def submit(task: PartitionTask):
            return client.submit(
                analyse_partition,
                task,
                retries=RETRIES,
                pure=False,
                key=f"riskmap-partition-{task.partition.index}-{uuid.uuid4().hex}",
            )

        def first_done(futures: list) -> set:
            return distributed.wait(futures, return_when="FIRST_COMPLETED").done

        for task, future in _bounded(tasks, submit, first_done, limit):
            if future.status == "error":
                error = future.exception()
                if isinstance(error, InputDataError):
                    raise error
                raise _failed(task, error) from error
            output = future.result()
            future.release()
            yield output
