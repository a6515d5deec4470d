"""Nothing half-written on the server: a SIGKILLed importer, a dropped connection."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import psycopg
import pytest
from tests.pgcluster import SUPERPASSWORD

from riskmap.cli import main
from riskmap.registry import Project

ROWS = 3000
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs SIGKILL")


def _ledger(path, batch: int) -> None:
    """A CSV of ROWS distinct points inside the two communities."""
    rng = np.random.default_rng(batch)
    pd.DataFrame(
        {
            "名称": [f"批{batch}-点{i}" for i in range(ROWS)],
            "类型": rng.choice(["滑坡", "危房", "内涝点"], ROWS),
            "经度": rng.uniform(106.70, 106.80, ROWS).round(6),
            "纬度": rng.uniform(31.85, 31.90, ROWS).round(6),
        }
    ).to_csv(path, index=False)


def _snapshot(url: str) -> tuple[list[tuple], list[tuple]]:
    """Every points and change-log row, read as the owner."""
    schema = url.split("schema=")[1]
    with psycopg.connect(url.split("?")[0], password=SUPERPASSWORD) as conn:
        conn.execute(f"SET search_path TO {schema}, public")
        points = conn.execute("SELECT * FROM points ORDER BY fid").fetchall()
        changes = conn.execute("SELECT * FROM changes ORDER BY fid").fetchall()
    return points, changes


def _check(url: str, before, *, finished: bool):
    """Earlier rows unchanged; the import wrote all of its rows or none."""
    points, changes = _snapshot(url)
    assert points[: len(before[0])] == before[0]
    assert changes[: len(before[1])] == before[1]
    added = len(points) - len(before[0])
    assert added in ((ROWS,) if finished else (0, ROWS))
    assert len(changes) - len(before[1]) == (added + 1 if added else 0)
    return points, changes


@pytest.fixture
def pg_ledger(pg_url, communities):
    """A PostGIS project with one point."""
    with Project.create(pg_url, communities, id_field="code") as project:
        project.add_point({"name": "先有点", "type": "滑坡"}, 106.72, 31.87, user="u")
    return pg_url


@pytest.mark.slow
def test_sigkill_mid_import_loses_nothing(pg_ledger, tmp_path):
    """`riskmap points import` killed at random moments, then once left to finish."""
    rng = random.Random(16)
    state = _snapshot(pg_ledger)
    after, killed = None, 0  # seconds from "reading" to the end of an import
    for batch in range(4):
        ledger = tmp_path / f"l{batch}.csv"
        _ledger(ledger, batch)
        proc = subprocess.Popen(
            [sys.executable, "-m", "riskmap", "points", "import", str(ledger),
             "--project", pg_ledger, "--coords", "wgs84"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert "reading" in proc.stderr.readline()
        start = time.perf_counter()
        if after is not None:  # the first import is not killed: it sets the pace
            time.sleep(rng.uniform(0.0, 0.8 * after))
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=120)
        if after is None:
            after = time.perf_counter() - start
        killed += proc.returncode == -signal.SIGKILL
        state = _check(pg_ledger, state, finished=proc.returncode == 0)
    assert killed >= 1


def test_connection_lost_mid_import(pg_ledger, pg_cluster, tmp_path, capsys):
    """The server drops the importer's connection: one line, exit 2, no rows."""
    ledger = tmp_path / "l.csv"
    _ledger(ledger, 7)
    before = _snapshot(pg_ledger)
    stop = threading.Event()

    def terminate() -> None:
        """Kill the riskmap backend as soon as it holds the write lock."""
        while not stop.is_set():
            rows = pg_cluster.sql(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
                "WHERE l.locktype = 'advisory' AND l.granted", "riskmap"
            )  # fmt: skip
            if rows:
                return
            time.sleep(0.005)

    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        rc = main(["points", "import", str(ledger), "--project", pg_ledger,
                   "--coords", "wgs84", "-q"])  # fmt: skip
    finally:
        stop.set()
        killer.join()
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "connection to the server lost" in err
    assert _snapshot(pg_ledger) == before
