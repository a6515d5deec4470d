"""Nothing lost: SIGKILL the importer at random moments, again and again.

After every kill the project must pass ``PRAGMA integrity_check``, every point
committed before must be there unchanged, and the killed import must have left
all of its rows or none (one transaction).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from riskmap.registry import Project

ROWS = 10_000
KILLS = 10
pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)"
)

# A worker that imports riskmap once, then forks one child per import, so each
# kill hits a fresh importer process without paying Python's start-up again.
WORKER = """
import os, sys
from riskmap.registry import Project, import_file
for line in sys.stdin:
    project, ledger = line.split("\\t")
    pid = os.fork()
    if pid == 0:
        with Project.open(project) as p:
            import_file(p, ledger.strip(), "wgs84", user="kill-test")
        os._exit(0)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(status, flush=True)
"""


def _ledger(path, batch: int) -> None:
    """A CSV of ROWS distinct points (names unique per batch) in the communities."""
    rng = np.random.default_rng(batch)
    pd.DataFrame(
        {
            "名称": [f"批{batch}-点{i}" for i in range(ROWS)],
            "类型": rng.choice(["滑坡", "危房", "内涝点", "燃气"], ROWS),
            "经度": rng.uniform(106.70, 106.80, ROWS).round(6),
            "纬度": rng.uniform(31.85, 31.90, ROWS).round(6),
            "责任人": "张伟",
            "电话": "13800000000",
        }
    ).to_csv(path, index=False)


def _snapshot(path) -> tuple[list[tuple], list[tuple]]:
    """Every points row and change-log row, after checking integrity."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        points = conn.execute("SELECT * FROM points ORDER BY fid").fetchall()
        changes = conn.execute("SELECT * FROM changes ORDER BY fid").fetchall()
    finally:
        conn.close()
    return points, changes


def _check(path, before, *, finished: bool) -> tuple[list[tuple], list[tuple]]:
    """Earlier rows unchanged; the import added all its rows or none."""
    points, changes = _snapshot(path)
    old_points, old_changes = before
    assert points[: len(old_points)] == old_points
    assert changes[: len(old_changes)] == old_changes
    added = len(points) - len(old_points)
    assert added in (0, ROWS)
    assert len(changes) - len(old_changes) == (added + 1 if added else 0)
    if finished:
        assert added == ROWS
    with Project.open(path) as project:  # and it still opens as a project
        assert len(project.points()) == len(points)
    return points, changes


@pytest.mark.slow
def test_sigkill_loop_loses_nothing(tmp_path, project_path):
    """Kill the importer at random moments, KILLS times; then once via the CLI.

    The project is checked after every attempt, whether the kill landed or the
    import finished first (a busy machine decides which), so no quota of landed
    kills is needed; one landed kill at least shows the check had something to do.
    """
    with Project.open(project_path) as project:
        project.add_point({"name": "先有点", "type": "滑坡"}, 106.72, 31.87, user="u")
    state = _snapshot(project_path)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    rng = random.Random(20261127)
    try:
        pace, landed = None, 0
        for batch in range(KILLS + 1):
            state, took, killed = _import_and_kill(
                worker, tmp_path, project_path, state, batch, rng, pace
            )
            landed += killed
            if not killed:  # a whole import: the pace of the machine now
                pace = took
        assert landed >= 1
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
    _kill_cli_import(tmp_path, project_path, state, rng, pace)


def _import_and_kill(worker, tmp_path, project_path, state, batch, rng, pace):
    """One import by the worker, SIGKILLed after a random part of *pace* seconds
    (not killed without a pace); check the project; return the new state, the
    seconds the import took and whether the kill landed."""
    ledger = tmp_path / f"ledger{batch}.csv"
    _ledger(ledger, batch)
    start = time.perf_counter()
    worker.stdin.write(f"{project_path}\t{ledger}\n")
    worker.stdin.flush()
    child = int(worker.stdout.readline())
    if pace is not None:
        time.sleep(rng.uniform(0.0, pace))
        with contextlib.suppress(ProcessLookupError):  # it finished first
            os.kill(child, signal.SIGKILL)
    status = int(worker.stdout.readline())
    took = time.perf_counter() - start
    killed = os.WIFSIGNALED(status)
    assert killed or os.WEXITSTATUS(status) == 0
    return _check(project_path, state, finished=not killed), took, killed


def _kill_cli_import(tmp_path, project_path, state, rng, pace) -> None:
    """`python -m riskmap points import`, killed once reading has begun."""
    ledger = tmp_path / "cli.csv"
    _ledger(ledger, 99)
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskmap", "points", "import", str(ledger),
         "--project", str(project_path), "--coords", "wgs84"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert "reading" in proc.stderr.readline()
    time.sleep(rng.uniform(0.0, pace))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _check(project_path, state, finished=proc.returncode == 0)
