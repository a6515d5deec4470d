"""Benchmark: what population exposure adds to the whole-city ``riskmap compute``.

Whole Bazhong (5 counties) at 100 m, about 1.24 million cells, hazards flood depth
and landslide susceptibility plus the sample risk points (as bench_compute.py),
run twice through the real CLI: without and with
``--exposure population=layers/population.tif`` (the bundled 100 m grid of the
whole city, in the working CRS). Target: with exposure < 1.30 × without.
Run by hand:  python bench/bench_exposure.py [--cell-size 100] [--repeat 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_compute import city_args  # the same run as bench_compute.py
from riskmap.cli import main as riskmap_main
from riskmap.io.result import read_result
from riskmap.resources import sample_dir


def run(out: Path, cell_size: str, exposure: bool) -> float:
    """Seconds of one compute (exit code checked)."""
    args = ["-q", *city_args(cell_size, out)]
    if exposure:
        args += ["--exposure", f"population={sample_dir() / 'population.tif'}"]
    start = time.perf_counter()
    code = riskmap_main(args)
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"compute failed with exit {code}")
    return seconds


def main() -> None:
    """Time both runs, check the people total, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-size", default="100")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, exposed = [], []
        for k in range(args.repeat):
            plain.append(run(Path(tmp) / f"plain{k}.gpkg", args.cell_size, False))
            exposed.append(run(Path(tmp) / f"people{k}.gpkg", args.cell_size, True))
        people = read_result(Path(tmp) / "people0.gpkg").cells["people"].sum()
    base, with_people = min(plain), min(exposed)
    print(
        f"whole Bazhong at {args.cell_size} m: without exposure {base:.1f} s, "
        f"with population exposure {with_people:.1f} s "
        f"(x{with_people / base:.2f}; target < x1.30); "
        f"people in cells {people:,.0f} (census 2020: 2,712,894)"
    )


if __name__ == "__main__":
    main()
