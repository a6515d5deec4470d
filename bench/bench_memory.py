"""Benchmark: memory stays bounded as the raster grows (read in windows, never whole).

Writes a tiled 8000 x 8000 float32 GeoTIFF (244 MiB of pixels) and computes exact
statistics for every 300 m cell over it with memory budgets of 32 and 512 MB; each
run is a fresh process and prints its peak resident memory. Run by hand:
python bench/bench_memory.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
SIZE, PIX, CELL = 8000, 30.0, 300.0
X0, Y0 = 500_000.0, 3_740_100.0


def make_raster() -> Path:
    """The big raster, written block by block so this process stays small too."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    path = OUT / f"big_{SIZE}.tif"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=SIZE,
        width=SIZE,
        count=1,
        dtype="float32",
        crs="EPSG:4545",
        nodata=-9999.0,
        transform=from_origin(X0, Y0, PIX, PIX),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
    ) as dst:
        for r in range(0, SIZE, 500):
            y, x = np.mgrid[r : r + 500, 0:SIZE].astype("float32") / 113.0
            dst.write(
                (np.sin(x) * np.cos(y) + 1).astype("float32"),
                1,
                window=Window(0, r, SIZE, 500),
            )
    return path


def child(budget: float) -> None:
    """Statistics for all cells with the given budget; print seconds and peak MB."""
    from riskmap.core import zonal
    from riskmap.domain import GridSpec
    from riskmap.io.rasters import describe_raster, open_in_crs

    net = GridSpec(CELL)
    n = int(SIZE * PIX / CELL)
    r0 = int(net.row_of(Y0 - 1))
    c0 = int(net.col_of(X0 + 1))
    rows = np.repeat(np.arange(r0, r0 + n), n)
    cols = np.tile(np.arange(c0, c0 + n), n)
    raster = describe_raster(OUT / f"big_{SIZE}.tif")
    start = time.perf_counter()
    with open_in_crs(raster, raster.crs, "bilinear", max(int(budget // 4), 8)) as src:
        stats = zonal.rectangle_stats(
            src, net.x0, net.y0, CELL, rows, cols, 1.0, budget
        )
    print(
        json.dumps(
            {
                "budget_mb": budget,
                "cells": len(rows),
                "seconds": time.perf_counter() - start,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "mean_of_means": float(np.nanmean(stats.mean)),
            }
        )
    )


def main() -> None:
    """Run the budgets in fresh processes and print the table."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(float(sys.argv[2]))
        return
    path = make_raster()
    print(
        f"raster {SIZE}x{SIZE} float32 ({path.stat().st_size / 2**20:.0f} MiB on disk, "
        f"{SIZE * SIZE * 4 / 2**20:.0f} MiB of pixels), cells of {CELL:g} m"
    )
    print(f"{'budget MB':>10}{'cells':>10}{'seconds':>10}{'peak MB':>10}{'mean':>12}")
    for budget in (32.0, 512.0):
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(budget)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{res['budget_mb']:>10.0f}{res['cells']:>10,}{res['seconds']:>10.2f}"
            f"{res['peak_mb']:>10.0f}{res['mean_of_means']:>12.6f}"
        )


if __name__ == "__main__":
    main()
