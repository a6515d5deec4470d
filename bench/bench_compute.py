"""Benchmark: ``riskmap compute`` on the whole of Bazhong (5 counties) at 100 m.

About 1.24 million cells; hazards flood depth and landslide susceptibility and the
sample risk points from ``layers/``. Prints wall time per step and peak memory.
Run by hand:  python bench/bench_compute.py [--cell-size 100] [--workers 2]
[--cells raster]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--workers", default="1")
    parser.add_argument(
        "--cells", default="both", choices=["polygons", "raster", "both"]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "city.gpkg"
        start = time.perf_counter()
        code = riskmap_main(
            [
                *city_args(args.cell_size, out),
                "--workers",
                args.workers,
                "--cells",
                args.cells,
            ]
        )
        seconds = time.perf_counter() - start
        size = out.stat().st_size / 2**20 if out.exists() else 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"exit {code}; whole Bazhong at {args.cell_size} m, --workers {args.workers}"
        f" --cells {args.cells}: {seconds:.1f} s wall, peak {peak:.0f} MB "
        f"(largest worker {workers:.0f} MB), RESULT.gpkg {size:.0f} MB "
        "(target: < 10 s on 2 cores)"
    )


if __name__ == "__main__":
    main()
