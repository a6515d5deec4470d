"""Benchmark: the shared PostGIS ledger under load and faults.

1. WRITERS processes at once, each adding POINTS points and editing each of them
   (``Project.add_point`` / ``edit_point``, one transaction each), plus rounds of
   read-modify-write on one shared "hot" point with its version as the guard:
   every point present once, every edit kept, no increment of the hot point lost
   (stale edits refused and retried), busy/deadlock errors counted and retried;
   p50/p95 latency of one add.
2. The same add through the CLI (``riskmap points add``, process start included).
3. SIGKILL of ``riskmap points import`` at random moments: committed rows never
   lost, killed imports all-or-nothing.
4. ``compute --project`` on the PostGIS copy of the bundled sample gives the
   same cells as on the GeoPackage.

Starts a throwaway cluster (needs PostgreSQL + PostGIS installed). Run by hand:
    python bench/bench_postgis.py [--writers 20] [--points 500]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pgcluster import SUPERPASSWORD, Cluster

from riskmap.cli import main as cli
from riskmap.commands.project import create_sample_project
from riskmap.errors import InputDataError, StaleVersionError
from riskmap.registry import Project
from riskmap.registry.copy import copy_project
from riskmap.resources import sample_dir

HOT = "HOT-1"
HOT_ROUNDS = 10


def _communities() -> gpd.GeoDataFrame:
    """The bundled Bazhong sample communities."""
    return gpd.read_file(sample_dir() / "communities.geojson")


def _retry(func, *args, **kwargs) -> tuple[object, int]:
    """Call a ledger write; retry when the ledger is busy; (result, retries)."""
    retries = 0
    while True:
        try:
            return func(*args, **kwargs), retries
        except InputDataError as exc:
            if "busy" not in str(exc):
                raise
            retries += 1
            time.sleep(0.01 * retries)


def _writer(url: str, writer: int, points: int, bounds, out: mp.Queue) -> None:
    """Add and edit POINTS points, bump the hot point; report latencies."""
    rng = np.random.default_rng(writer)
    x0, y0, x1, y1 = bounds
    adds, retries, ids = [], 0, []
    with Project.open(url) as project, project.errors():
        for i in range(points):
            lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
            record = {"name": f"写入{writer}-{i}", "type": "危房", "level": "2"}
            start = time.perf_counter()
            pid, r = _retry(project.add_point, record, lon, lat, user=f"w{writer}")
            adds.append(time.perf_counter() - start)
            ids.append(pid)
            retries += r
        for i, pid in enumerate(ids):
            _, r = _retry(project.edit_point, pid, {"measures": f"w{writer}-{i}"},
                          user=f"w{writer}")  # fmt: skip
            retries += r
        stale = sum(_bump_hot(project, writer) for _ in range(HOT_ROUNDS))
    out.put((writer, adds, retries, ids, stale))


def _bump_hot(project: Project, writer: int) -> int:
    """Read ``households`` of the hot point, write it + 1 on the version read;
    a stale version is refused: read again and retry. Returns the retries."""
    retries = 0
    while True:
        point = project.get_point(HOT)
        try:
            project.edit_point(
                HOT, {"households": int(point["households"]) + 1},
                user=f"w{writer}", base_version=point["version"],
            )  # fmt: skip
            return retries
        except StaleVersionError:
            retries += 1


def bench_writers(url: str, writers: int, points: int) -> None:
    """Many writers at once; check every row and every edit."""
    comms = _communities()
    with Project.create(url, comms) as project:
        x0, y0, x1, y1 = comms.total_bounds
        project.add_point({"name": "热点", "type": "滑坡", "id": HOT,
                           "households": "0"}, (x0 + x1) / 2, (y0 + y1) / 2,
                          user="bench")  # fmt: skip
        bounds = tuple(comms.total_bounds)
    queue: mp.Queue = mp.get_context("fork").Queue()
    procs = [
        mp.get_context("fork").Process(
            target=_writer, args=(url, w, points, bounds, queue)
        )
        for w in range(writers)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = time.perf_counter() - start
    lat = np.array([a for r in results for a in r[1]]) * 1000
    retries = sum(r[2] for r in results)
    stale = sum(r[4] for r in results)
    with Project.open(url) as project:
        ledger = project.points()
        hot = int(ledger.loc[ledger["id"] == HOT, "households"].iloc[0])
    mine = ledger[ledger["id"] != HOT]
    expected = {
        f"写入{w}-{i}": f"w{w}-{i}" for w in range(writers) for i in range(points)
    }
    kept = dict(zip(mine["name"], mine["measures"], strict=True))
    lost_edits = sum(kept.get(name) != m for name, m in expected.items())
    print(f"{writers} writers x {points} add+edit: {seconds:.1f} s, "
          f"{2 * writers * points / seconds:,.0f} writes/s")  # fmt: skip
    print(f"  points present: {len(mine)} of {writers * points}, distinct ids: "
          f"{mine['id'].nunique()}, edits lost: {lost_edits}")  # fmt: skip
    print(f"  hot point: {hot} of {writers * HOT_ROUNDS} read-modify-write "
          f"increments kept, {stale} stale edits refused and retried, "
          f"busy/deadlock retries: {retries}")  # fmt: skip
    print(f"  one add (in process): p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms, max {lat.max():.1f} ms")  # fmt: skip


def bench_cli_add(url: str, n: int = 20) -> None:
    """p50/p95 of ``riskmap points add`` as a fresh process."""
    times = []
    for i in range(n):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "riskmap", "points", "add", "--project", url,
             "--name", f"命令行{i}", "--type", "危房", "--lon", f"{106.7 + i * 1e-3}",
             "--lat", "31.86"],
            check=True, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    print(f"riskmap points add (new process each): p50 {np.percentile(ms, 50):.0f} ms,"
          f" p95 {np.percentile(ms, 95):.0f} ms")  # fmt: skip


def _snapshot(url: str) -> tuple[list, list]:
    """All points and change-log rows."""
    with Project.open(url) as project:
        pts = project.conn.execute("SELECT * FROM points ORDER BY fid").fetchall()
        log = project.conn.execute("SELECT * FROM changes ORDER BY fid").fetchall()
    return pts, log


def bench_sigkill(url: str, folder: Path, kills: int = 6, rows: int = 10_000) -> None:
    """Kill importers at random moments; count lost and half-written rows."""
    rng = np.random.default_rng(3)
    comms = _communities()
    x0, y0, x1, y1 = comms.total_bounds
    Project.create(url, comms).close()
    state = _snapshot(url)
    full, killed, lost, half = None, 0, 0, 0
    pick = random.Random(5)
    for batch in range(kills + 1):
        ledger = folder / f"kill{batch}.csv"
        pd.DataFrame({
            "名称": [f"批{batch}-{i}" for i in range(rows)], "类型": "危房",
            "经度": rng.uniform(x0, x1, rows), "纬度": rng.uniform(y0, y1, rows),
        }).to_csv(ledger, index=False)  # fmt: skip
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "riskmap", "points", "import", str(ledger),
             "--project", url, "--coords", "wgs84", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if full is not None:
            time.sleep(pick.uniform(0.2 * full, full))
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        full = full or time.perf_counter() - start
        killed += proc.returncode == -signal.SIGKILL
        pts, log = _snapshot(url)
        lost += (pts[: len(state[0])] != state[0]) + (log[: len(state[1])] != state[1])
        added = len(pts) - len(state[0])
        half += added not in (0, rows) or (proc.returncode == 0 and added != rows)
        state = (pts, log)
    print(f"SIGKILL during {rows:,}-row imports: {killed} of {kills} killed "
          f"(one import {full:.1f} s), committed rows changed: {lost}, "
          f"half-written imports: {half}")  # fmt: skip


def bench_compute(url: str, folder: Path) -> None:
    """compute --project on PostGIS and on the GeoPackage: same cells?"""
    gpkg = folder / "sample.gpkg"
    with create_sample_project(gpkg) as source:
        copy_project(source, url, user="bench").close()
    times = {}
    for name, project in (("gpkg", str(gpkg)), ("postgis", url)):
        start = time.perf_counter()
        assert cli(["compute", "--project", project, "--out",
                    str(folder / f"{name}.gpkg"), "-q"]) == 0  # fmt: skip
        times[name] = time.perf_counter() - start
    a = gpd.read_file(folder / "gpkg.gpkg", layer="cells")
    b = gpd.read_file(folder / "postgis.gpkg", layer="cells")
    same = a.equals(b)
    print(f"compute --project: {len(a):,} cells, identical on PostGIS: {same} "
          f"(GeoPackage {times['gpkg']:.1f} s, PostGIS {times['postgis']:.1f} s)")


def main() -> None:
    """Start a cluster, run every part, stop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--kills", type=int, default=6)
    args = parser.parse_args()
    cluster = Cluster.start()
    os.environ["PGPASSWORD"] = SUPERPASSWORD
    try:
        cluster.sql("CREATE DATABASE bench")
        cluster.sql("CREATE EXTENSION postgis", "bench")
        with tempfile.TemporaryDirectory() as tmp:
            bench_writers(cluster.url("bench", schema="load"), args.writers,
                          args.points)  # fmt: skip
            bench_cli_add(cluster.url("bench", schema="load"))
            bench_sigkill(cluster.url("bench", schema="kill"), Path(tmp), args.kills)
            bench_compute(cluster.url("bench", schema="sample"), Path(tmp))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
