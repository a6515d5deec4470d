"""Writers at once: the duplicate and id checks run under the project's write lock."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

from riskmap.errors import InputDataError
from riskmap.registry import Project, import_file

ROWS = 2_000
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")


def _ledger(path) -> None:
    """A CSV of ROWS distinct points inside the test communities."""
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "名称": [f"点{i}" for i in range(ROWS)],
            "类型": "滑坡",
            "经度": rng.uniform(106.70, 106.80, ROWS).round(6),
            "纬度": rng.uniform(31.85, 31.90, ROWS).round(6),
        }
    ).to_csv(path, index=False)


def _import(path, ledger, barrier, results) -> None:
    """One importer process: start with the others, report how many it imported."""
    barrier.wait()
    with Project.open(path) as project:
        results.put(import_file(project, ledger, "wgs84", user="p").imported)


def _add(path, barrier, results) -> None:
    """One `points add` process: report the new id, or the refusal."""
    barrier.wait()
    with Project.open(path) as project:
        try:
            results.put(project.add_point({"name": "同一点", "type": "滑坡"},
                                          106.72, 31.87, user="p"))  # fmt: skip
        except InputDataError as exc:
            results.put(f"refused: {exc}")


def _run_all(target, args, n: int) -> list:
    """Run *n* processes of *target* released together; their reports."""
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args, barrier, results)) for _ in range(n)
    ]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def _name_type_pairs(path) -> list[tuple]:
    """(name, type, count) of every pair stored more than once."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT name, type, COUNT(*) FROM points GROUP BY name, type "
            "HAVING COUNT(*) > 1"
        ).fetchall()
    finally:
        conn.close()


def test_two_imports_of_one_file_insert_it_once(tmp_path, project_path):
    """Both start together; one imports every row, the other rejects them all."""
    ledger = tmp_path / "ledger.csv"
    _ledger(ledger)
    imported = _run_all(_import, (project_path, ledger), 2)
    assert sorted(imported) == [0, ROWS]
    assert _name_type_pairs(project_path) == []


def test_eight_adds_of_one_point_insert_it_once(project_path):
    """Eight `points add` of the same point at once: one id, seven refusals."""
    reports = _run_all(_add, (project_path,), 8)
    added = [r for r in reports if not r.startswith("refused")]
    assert len(added) == 1
    assert all("duplicate" in r for r in reports if r.startswith("refused"))
    assert _name_type_pairs(project_path) == []
