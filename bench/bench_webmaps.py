"""Benchmark: size and opening time of the web maps of the whole Bazhong sample.

Computes Bazhong at 100 m twice, with the five counties as communities
(``layers/bazhong_counties.geojson``, 1.24 M cells: county maps) and with the
five sample communities (``layers/communities.geojson``: community maps), runs
``riskmap export maps`` on each, and opens every page in headless Chromium with
the network cut, timing until the map is drawn and the cell lookup is ready
(``RM_READY``; median of three loads). Targets (issue 18): every page under
5 MB and open in under 3 s.

The same results are exported by the previous page format as well (by default
the revision before packed per-cell columns, taken from git into a temporary
folder) to print the ratios. Prints the load average next to every timing.
Run by hand:  python bench/bench_webmaps.py [--baseline REV | --no-baseline]
[--counties-result CITY.gpkg] [--communities-result SAMPLE.gpkg]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.chromium import Chromium, find_chromium

from riskmap.cli import main as riskmap_main
from riskmap.resources import sample_dir

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6
PACKED = "src/riskmap/export/webmap/packed.py"


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def compute(communities: Path, out: Path) -> Path:
    """Bazhong at 100 m with both hazards and the sample points, *communities* as
    the communities; returns RESULT.gpkg."""
    layers = sample_dir()
    args = ["-q", "compute", "--communities", str(communities)]
    args += ["--hazard", f"flood={layers / 'flood_depth.tif'}"]
    args += ["--hazard", f"landslide={layers / 'landslide.tif'}"]
    args += ["--points", str(layers / "risk_points.geojson"), "--cell-size", "100"]
    start = time.perf_counter()
    code = riskmap_main([*args, "--out", str(out)])
    if code != 0:
        raise SystemExit(f"compute of {communities.name} failed with exit {code}")
    print(f"computed {communities.name}: {time.perf_counter() - start:.1f} s "
          f"(load {load()})")  # fmt: skip
    return out


def export(result: Path, out: Path, src: Path | None = None) -> float:
    """``riskmap export maps`` in a fresh process (code under *src*, default this
    checkout); returns the wall seconds."""
    env = dict(os.environ, PYTHONPATH=str(src or ROOT / "src"))
    dem = sample_dir() / "dem.tif"
    cmd = [sys.executable, "-m", "riskmap", "-q", "export", "maps", str(result)]
    cmd += ["--out", str(out), "--dem", str(dem)]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def baseline_source(rev: str | None, folder: Path) -> Path | None:
    """``src/`` and ``styles/`` of revision *rev* (default: the one before packed
    columns) unpacked into *folder*; None when git cannot give it."""
    git = ["git", "-C", str(ROOT)]
    try:
        if rev is None:
            added = subprocess.run(
                [*git, "log", "--diff-filter=A", "--format=%H", "--", PACKED],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            if not added:
                return None
            rev = f"{added[-1]}^"
        tar = subprocess.run(
            [*git, "archive", "--format=tar", rev, "src", "styles"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=BytesIO(tar)) as archive:
        archive.extractall(folder, filter="data")
    print(f"previous format: revision {rev}")
    return folder / "src"


def open_times(browser: Chromium, pages: list[Path]) -> dict[str, float]:
    """Median seconds to RM_READY over three loads, per page."""
    out = {}
    for page in pages:
        runs = []
        for _ in range(3):
            browser.events.clear()
            runs.append(browser.open(page))
        out[page.stem] = statistics.median(runs)
    return out


def pages_of(folder: Path) -> list[Path]:
    """The community pages of an export (not index.html), by name."""
    return sorted(p for p in folder.glob("*.html") if p.name != "index.html")


def report(title: str, new: Path, old: Path | None, browser: Chromium) -> None:
    """Print size and open time per page, with the previous format's and ratios."""
    pages = pages_of(new)
    times = open_times(browser, pages)
    before = open_times(browser, pages_of(old)) if old else {}
    print(f"\n{title} (load {load()})")
    print(f"{'page':14s} {'MB':>7s} {'open s':>7s}" + (
        f" {'prev MB':>8s} {'prev s':>7s} {'size x':>7s} {'open x':>7s}" if old else ""
    ))  # fmt: skip
    for page in pages:
        size = page.stat().st_size / MB
        line = f"{page.stem:14s} {size:7.2f} {times[page.stem]:7.2f}"
        if old:
            prev = (old / page.name).stat().st_size / MB
            t = before[page.stem]
            line += (f" {prev:8.2f} {t:7.2f} {prev / size:7.1f}"
                     f" {t / times[page.stem]:7.1f}")  # fmt: skip
        print(line)
    worst = max(p.stat().st_size for p in pages) / MB
    print(f"largest {worst:.2f} MB (target < 5), slowest {max(times.values()):.2f} s "
          f"(target < 3), load {load()}")  # fmt: skip


def main() -> None:
    """Compute, export (new and previous format), open and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", help="git revision of the previous format")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--counties-result", type=Path, help="reuse this result")
    parser.add_argument("--communities-result", type=Path, help="reuse this result")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found (set RISKMAP_CHROMIUM)")
    layers = sample_dir()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old_src = None
        if not args.no_baseline:
            old_src = baseline_source(args.baseline, folder / "baseline")
        sets = [
            ("county maps (5 counties, 1.24 M cells)", args.counties_result,
             layers / "bazhong_counties.geojson"),
            ("community maps (5 sample communities)", args.communities_result,
             layers / "communities.geojson"),
        ]  # fmt: skip
        exported = []
        for k, (title, result, communities) in enumerate(sets):
            result = result or compute(communities, folder / f"r{k}.gpkg")
            new, old = folder / f"new{k}", folder / f"old{k}" if old_src else None
            seconds = export(result, new)
            print(f"{title}: export {seconds:.1f} s (load {load()})")
            if old is not None:
                seconds = export(result, old, old_src)
                print(f"{title}, previous format: export {seconds:.1f} s "
                      f"(load {load()})")  # fmt: skip
            exported.append((title, new, old))
        with Chromium(chromium) as browser:
            for title, new, old in exported:
                report(title, new, old, browser)


if __name__ == "__main__":
    main()
