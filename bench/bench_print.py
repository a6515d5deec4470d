"""Benchmark: one A3 print page of the largest sample community at 300 dpi.

Computes the bundled sample at 100 m (``riskmap demo``'s inputs), then times
``write_print_maps`` for the community with the most cells: A3 landscape PDF
(vector, fonts embedded), the same page as a 300 dpi PNG, and --mono. The target
is under 10 s a page.

With ``--city`` it instead computes the whole of Bazhong at 100 m (as
bench_compute.py does) and times ``riskmap export print RESULT --all --notice``
through the CLI (cover + five county pages + notices; target under 60 s), with
the load average. Run by hand:  python bench/bench_print.py [--cell-size 100]
[--city]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from riskmap.commands import compute as compute_cmd
from riskmap.commands.demo import sample_request
from riskmap.export.printmap import write_print_maps
from riskmap.fonts import require_cjk_font

TARGET_S = 10.0
CITY_TARGET_S = 60.0


def time_city_print(cell_size: str) -> None:
    """Compute the whole city, then time print --all --notice of it."""
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_compute import city_args
    from riskmap.cli import main as riskmap_main

    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "city.gpkg"
        assert riskmap_main(["-q", *city_args(cell_size, result)]) == 0
        load = os.getloadavg()[0]
        start = time.perf_counter()
        argv = ["-q", "export", "print", str(result), "--all", "--notice"]
        code = riskmap_main([*argv, "--out", str(Path(tmp) / "city.pdf")])
        seconds = time.perf_counter() - start
        size = (Path(tmp) / "city.pdf").stat().st_size / 1e6
    print(
        f"exit {code}; print --all --notice of the whole city at {cell_size} m: "
        f"{seconds:.1f} s ({seconds / CITY_TARGET_S:.2f} of the "
        f"{CITY_TARGET_S:.0f} s target), {size:.1f} MB, load average {load:.1f}"
    )


def main() -> None:
    """Time the page in each output kind and print seconds and ratio to the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-size", type=float, default=100.0)
    parser.add_argument("--city", action="store_true", help="whole city --all")
    args = parser.parse_args()
    if args.city:
        time_city_print(f"{args.cell_size:g}")
        return
    font = require_cjk_font()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        request = sample_request(args.cell_size)
        result = compute_cmd.compute(request, folder / "result.gpkg")
        counts = result.cells.groupby("community").size()
        name = str(counts.idxmax())
        print(f"font {font.family}; largest community {name}: {counts.max():,} cells")
        runs = {
            "A3 PDF": {"out": folder / "a3.pdf"},
            "A3 PNG 300 dpi": {"out": folder / "a3.png"},
            "A3 PDF --mono": {"out": folder / "mono.pdf", "mono": True},
            "A3 PDF --notice": {"out": folder / "notice.pdf", "notice": True},
        }
        for label, kwargs in runs.items():
            out = kwargs.pop("out")
            start = time.perf_counter()
            write_print_maps(result, out, communities=[name], paper="A3", dpi=300,
                             **kwargs)  # fmt: skip
            seconds = time.perf_counter() - start
            size = out.stat().st_size / 1e6
            print(
                f"{label:18s} {seconds:6.2f} s  ({seconds / TARGET_S:.2f} of the "
                f"{TARGET_S:.0f} s target)  {size:.1f} MB"
            )


if __name__ == "__main__":
    main()
