"""Benchmark: ``riskmap compute`` on the whole of Bazhong (5 counties) at 100 m.

About 1.24 million cells; hazards flood depth and landslide susceptibility and the
sample risk points from ``layers/``. Prints wall time per step and peak memory.
Run by hand:  python bench/bench_compute.py [--cell-size 100] [--workers N]
[--cells raster]   (defaults: compute's own, i.e. what a user gets)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from riskmap.cli import main as riskmap_main
from riskmap.resources import sample_dir


def city_args(cell_size: str, out: Path) -> list[str]:
    """``compute`` arguments for the whole city: two hazards and the sample points."""
    layers = sample_dir()
    return [
        "compute",
        "--communities",
        str(layers / "bazhong_counties.geojson"),
        "--hazard",
        f"flood={layers / 'flood_depth.tif'}",
        "--hazard",
        f"landslide={layers / 'landslide.tif'}",
        "--points",
        str(layers / "risk_points.geojson"),
        "--cell-size",
        cell_size,
        "--out",
        str(out),
    ]


def main() -> None:
    """Time the whole-city compute through the real CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-size", default="100")
    parser.add_argument("--workers", help="default: compute's (auto)")
    parser.add_argument("--cells", choices=["polygons", "raster", "both"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "city.gpkg"
        start = time.perf_counter()
        extra = [*(["--workers", args.workers] if args.workers else []),
                 *(["--cells", args.cells] if args.cells else [])]  # fmt: skip
        load = os.getloadavg()[0]
        code = riskmap_main([*city_args(args.cell_size, out), *extra])
        seconds = time.perf_counter() - start
        size = out.stat().st_size / 2**20 if out.exists() else 0
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
    peak = own.ru_maxrss / 1024
    options = " ".join(extra) or "default options"
    workers = kids.ru_maxrss / 1024
    print(
        f"exit {code}; whole Bazhong at {args.cell_size} m, {options}: "
        f"{seconds:.1f} s wall, peak {peak:.0f} MB (largest worker {workers:.0f} MB)"
        f", CPU {cpu[0]:.1f} s here + {cpu[1]:.1f} s in workers"
        f", RESULT.gpkg {size:.0f} MB, load average {load:.1f} at the start "
        "(target: < 10 s on 2 cores)"
    )


if __name__ == "__main__":
    main()
