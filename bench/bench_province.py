"""Benchmark: ``riskmap compute`` on a synthetic province, 1 to 10 million cells.

A square "province" of 100,000 km² (316 km a side, EPSG:4545) cut into 1,000
Voronoi townships, a flood-depth raster of 50 m pixels over the same extent and
2,000 risk points. Runs compute at 100 m on the townships of a growing corner of
the province (about 1, 2.5, 5 and 10 M cells), each in a fresh process, and
prints wall time and the peak memory of all processes together (the sum of
their proportional set sizes, so pages a forked worker shares with its parent
count once; sampled every 0.2 s), so the curve shows whether time grows linearly
and memory stays flat. Modes: one process (``--workers 1``), ``--workers 2``, and
a Dask ``LocalCluster`` of 2 single-threaded workers (its processes counted too).
The load average is printed with every row: timings on a busy machine are not
comparable.

Run by hand (inputs are written once to bench/out/province/; the 10 M cell runs
take minutes each):
    python bench/bench_province.py [--sizes 1 2.5 5 10] [--modes single workers dask]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psutil
import shapely

OUT = Path(__file__).resolve().parent / "out" / "province"
SIDE = 316_228.0  # metres: 100,000 km²
X0, Y0 = 342_000.0, 3_300_000.0  # south-west corner, CGCS2000 GK CM 108E
SW = np.array([X0, Y0])
CRS = "EPSG:4545"
PIXEL = 50.0
TOWNSHIPS = 1_000


def make_townships() -> gpd.GeoDataFrame:
    """1,000 Voronoi townships filling the province square (fixed seed)."""
    rng = np.random.default_rng(18)
    seeds = shapely.points(rng.uniform(0, SIDE, (TOWNSHIPS, 2)) + SW)
    square = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds)))
    cells = shapely.intersection(cells, square)
    frame = gpd.GeoDataFrame(geometry=cells, crs=CRS)
    centre = frame.geometry.centroid
    frame = frame.iloc[np.argsort(np.maximum(centre.x - X0, centre.y - Y0))]
    frame = frame.reset_index(drop=True)
    frame["community_id"] = [f"T{i:04d}" for i in range(len(frame))]
    frame["name"] = [f"示例乡镇{i:04d}" for i in range(len(frame))]
    return frame


def corner(frame: gpd.GeoDataFrame, cells: float) -> gpd.GeoDataFrame:
    """Townships of the south-west corner adding up to about *cells* 100 m cells."""
    area = np.cumsum(frame.geometry.area.to_numpy()) / 100.0**2
    n = int(np.searchsorted(area, cells)) + 1
    return frame.iloc[:n]


def make_raster(path: Path) -> None:
    """Flood depth over the whole province, written in strips (bounded memory)."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    n = int(np.ceil(SIDE / PIXEL))
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=n,
        height=n,
        count=1,
        dtype="float32",
        crs=CRS,
        nodata=-9999.0,
        transform=from_origin(X0, Y0 + SIDE, PIXEL, PIXEL),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
    ) as dst:
        for r in range(0, n, 512):
            h = min(512, n - r)
            y, x = np.mgrid[r : r + h, 0:n].astype("float32") * PIXEL
            depth = 1.6 * np.sin(x / 7_000.0) * np.cos(y / 5_000.0) + 0.4
            dst.write(
                np.maximum(depth, 0).astype("float32"), 1, window=Window(0, r, n, h)
            )


def make_points(path: Path) -> None:
    """2,000 flood and landslide points with levels, spread over the province."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, SIDE, (2000, 2)) + SW
    frame = gpd.GeoDataFrame(
        {
            "name": [f"示例隐患点{i:04d}" for i in range(len(xy))],
            "type": rng.choice(["内涝", "滑坡"], len(xy)),
            "level": rng.integers(1, 5, len(xy)),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    frame.to_file(path, driver="GPKG")


def inputs() -> tuple[gpd.GeoDataFrame, Path, Path]:
    """Townships, raster and points, written once."""
    OUT.mkdir(parents=True, exist_ok=True)
    raster, points = OUT / "flood.tif", OUT / "points.gpkg"
    if not raster.exists():
        make_raster(raster)
    if not points.exists():
        make_points(points)
    return make_townships(), raster, points


class PeakMemory:
    """Sample the resident memory of a process tree (MB) every 0.2 s; keep the peak."""

    def __init__(self, root: psutil.Process, skip_root: bool = False):
        self.root, self.skip_root, self.peak = root, skip_root, 0.0
        self.running = True
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while self.running:
            try:
                procs = self.root.children(recursive=True)
                if not self.skip_root:
                    procs.append(self.root)
            except psutil.Error:
                procs = []
            total = sum(_pss(p) for p in procs)
            self.peak = max(self.peak, total / 2**20)
            time.sleep(0.2)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak


def _pss(proc: psutil.Process) -> int:
    """Proportional set size of a process (resident size where PSS is unknown)."""
    try:
        info = proc.memory_full_info()
        return getattr(info, "pss", info.rss)
    except psutil.Error:
        return 0


def load_average() -> str:
    """The 1-minute load average, for judging whether a timing is trustworthy."""
    return f"{os.getloadavg()[0]:.1f}"


def run_compute(communities: Path, raster: Path, points: Path, extra: list[str]):
    """One compute in a fresh process: (seconds, peak MB of the process tree)."""
    out = OUT / "result.gpkg"
    cmd = [
        sys.executable,
        "-m",
        "riskmap",
        "-q",
        "compute",
        "--communities",
        str(communities),
        "--hazard",
        f"flood={raster}",
        "--points",
        str(points),
        "--out",
        str(out),
        "--cells",
        "raster",
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    meter = PeakMemory(psutil.Process(proc.pid))
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    peak = meter.stop()
    if proc.returncode != 0:
        raise SystemExit(f"compute failed ({proc.returncode}): {err.strip()}")
    size = out.stat().st_size / 2**20
    return seconds, peak, size


def run_mode(mode: str, communities: Path, raster: Path, points: Path):
    """Seconds and peak memory of one mode (Dask: cluster workers counted too)."""
    if mode == "single":
        return run_compute(communities, raster, points, ["--workers", "1"])
    if mode == "workers":
        return run_compute(communities, raster, points, ["--workers", "2"])
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        cluster_meter = PeakMemory(psutil.Process(), skip_root=True)
        seconds, peak, size = run_compute(
            communities, raster, points, ["--scheduler", cluster.scheduler_address]
        )
        return seconds, max(peak, cluster_meter.stop()), size


def main() -> None:
    """Write the inputs, then time each size and mode."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 2.5, 5, 10])
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["single", "workers", "dask"],
        choices=["single", "workers", "dask"],
    )
    args = parser.parse_args()
    townships, raster, points = inputs()
    print(
        f"{'mode':>8}{'M cells':>9}{'towns':>7}{'seconds':>9}{'s/M cells':>10}"
        f"{'peak MB':>9}{'gpkg MB':>9}{'load':>6}"
    )
    for mode in args.modes:
        for millions in args.sizes:
            part = corner(townships, millions * 1e6)
            path = OUT / f"towns_{millions:g}M.gpkg"
            part.to_file(path, driver="GPKG")
            cells = float(part.geometry.area.sum()) / 1e4 / 1e6
            load = load_average()
            seconds, peak, size = run_mode(mode, path, raster, points)
            print(
                f"{mode:>8}{cells:>9.2f}{len(part):>7}{seconds:>9.1f}"
                f"{seconds / cells:>10.1f}{peak:>9.0f}{size:>9.0f}{load:>6}",
                flush=True,
            )


if __name__ == "__main__":
    main()
