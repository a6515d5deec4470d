"""Benchmark: exact hazard statistics for 810,000 fishnet cells on a 3000x3000 raster.

Compares riskmap's engine with exactextract (same cells, same values), rasterstats
(on a sample of cells, extrapolated) and QGIS ``native:zonalstatisticsfb`` when
``qgis_process`` is installed. Each tool runs in its own process so peak memory
(max RSS) is its own. Run by hand:  python bench/bench_zonal.py
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
SIZE, PIX, CELL, THRESHOLD = 3000, 30.0, 100.0, 1.0
X0, Y0 = 500_000.0, 3_590_000.0  # on the 100 m fishnet, so 900 x 900 cells fit exactly


def make_inputs(size: int = SIZE) -> tuple[Path, Path, Path]:
    """A smooth float32 depth field, its >threshold mask, and one square community."""
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    OUT.mkdir(exist_ok=True)
    raster, binary = OUT / f"hazard_{size}.tif", OUT / f"above_{size}.tif"
    y, x = np.mgrid[0:size, 0:size].astype("float32") / 97.0
    data = (np.sin(x) * np.cos(y * 0.7) + 1.0 + 0.2 * np.sin(x * 5.3 + y * 3.1)).astype(
        "float32"
    )
    data[100:140, 200:260] = -9999.0
    profile = {
        "driver": "GTiff",
        "height": size,
        "width": size,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4545",
        "nodata": -9999.0,
        "transform": from_origin(X0, Y0, PIX, PIX),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    with rasterio.open(raster, "w", **profile) as dst:
        dst.write(data, 1)
    above = np.where(data == -9999.0, -9999.0, data > THRESHOLD).astype("float32")
    with rasterio.open(binary, "w", **profile) as dst:
        dst.write(above, 1)
    side = size * PIX
    comm = gpd.GeoDataFrame(
        {"community_id": ["B"], "community": ["bench"]},
        geometry=[shapely.box(X0, Y0 - side, X0 + side, Y0)],
        crs="EPSG:4545",
    )
    path = OUT / f"community_{size}.gpkg"
    comm.to_file(path)
    return raster, binary, path


def _cells(community: Path):
    """The 100 m fishnet over the community."""
    import geopandas as gpd

    from riskmap.core.grid import build_fishnet

    return build_fishnet(gpd.read_file(community), CELL)


def run_riskmap(raster: Path, community: Path, budget_mb: float) -> dict:
    """riskmap's exact statistics (both paths, as the pipeline runs them)."""
    import rasterio

    from riskmap.core import zonal
    from riskmap.domain import GridSpec

    cells = _cells(community)
    full = cells["full"].to_numpy()
    net = GridSpec(CELL)
    start = time.perf_counter()
    with rasterio.open(raster) as src:
        rect = zonal.rectangle_stats(
            src,
            net.x0,
            net.y0,
            CELL,
            cells["row"].values[full],
            cells["col"].values[full],
            THRESHOLD,
            budget_mb,
        )
        poly = zonal.polygon_stats(
            src, cells.geometry.values[~full], THRESHOLD, budget_mb
        )
    seconds = time.perf_counter() - start
    mean = np.empty(len(cells))
    mean[full], mean[~full] = rect.mean, poly.mean
    np.save(OUT / "riskmap_mean.npy", mean)
    return {"seconds": seconds, "cells": len(cells)}


def run_exactextract(raster: Path, binary: Path, community: Path) -> dict:
    """exactextract: mean and max on the hazard, mean of the >threshold mask."""
    from exactextract import exact_extract

    cells = _cells(community)
    start = time.perf_counter()
    stats = exact_extract(str(raster), cells, ["mean", "max"], output="pandas")
    exact_extract(str(binary), cells, ["mean"], output="pandas")
    seconds = time.perf_counter() - start
    np.save(OUT / "exactextract_mean.npy", stats["mean"].to_numpy())
    return {"seconds": seconds, "cells": len(cells)}


def run_rasterstats(raster: Path, binary: Path, community: Path, sample: int) -> dict:
    """rasterstats (pixel-centre sampling, not exact) on a random sample of cells."""
    from rasterstats import zonal_stats

    cells = _cells(community)
    pick = np.random.default_rng(0).choice(len(cells), sample, replace=False)
    geoms = list(cells.geometry.values[pick])
    start = time.perf_counter()
    zonal_stats(geoms, str(raster), stats="mean max")
    zonal_stats(geoms, str(binary), stats="mean")
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds * len(cells) / sample,
        "cells": sample,
        "extrapolated_from": sample,
    }


def _qgis_process() -> str | None:
    """The qgis_process executable (Debian's wrapper passes an option it rejects)."""
    return shutil.which("qgis_process.bin") or shutil.which("qgis_process")


def run_qgis(raster: Path, community: Path) -> dict:
    """QGIS native:zonalstatisticsfb through qgis_process, if installed.

    QGIS counts a pixel in a cell when the pixel's centre is inside (not weighted
    by the covered share), so its numbers differ from the exact ones.
    """
    exe = _qgis_process()
    if exe is None:
        return {"skipped": "qgis_process not installed (apt-get install qgis)"}
    cells = _cells(community)
    layer = OUT / "cells.gpkg"
    cells.to_file(layer)
    start = time.perf_counter()
    proc = subprocess.run(
        [
            exe,
            "run",
            "native:zonalstatisticsfb",
            f"--INPUT={layer}",
            f"--INPUT_RASTER={raster}",
            "--RASTER_BAND=1",
            "--STATISTICS=2,6",  # mean, max
            f"--OUTPUT={OUT / 'qgis_out.gpkg'}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if proc.returncode != 0:
        return {"skipped": f"qgis_process failed: {proc.stderr.strip()[-300:]}"}
    return {"seconds": time.perf_counter() - start, "cells": len(cells)}


def child(tool: str, size: int, budget: float, sample: int) -> None:
    """Run one tool in this process and print its JSON result with peak memory."""
    raster, binary, community = (
        OUT / f"hazard_{size}.tif",
        OUT / f"above_{size}.tif",
        OUT / f"community_{size}.gpkg",
    )
    runs = {
        "riskmap": lambda: run_riskmap(raster, community, budget),
        "exactextract": lambda: run_exactextract(raster, binary, community),
        "rasterstats": lambda: run_rasterstats(raster, binary, community, sample),
        "qgis": lambda: run_qgis(raster, community),
    }
    result = runs[tool]()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(tool: str, size: int, budget: float = 256.0, sample: int = 2000) -> dict:
    """Run *tool* in a fresh Python process."""
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            tool,
            "--size",
            str(size),
            "--budget",
            str(budget),
            "--sample",
            str(sample),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Make the inputs, run every tool, print times, ratios and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--budget", type=float, default=256.0)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--skip-exactextract", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.size, args.budget, args.sample)
        return
    make_inputs(args.size)
    results = {"riskmap": measure("riskmap", args.size, args.budget)}
    if not args.skip_exactextract:
        results["exactextract"] = measure("exactextract", args.size)
    results["rasterstats"] = measure("rasterstats", args.size, sample=args.sample)
    results["qgis"] = measure("qgis", args.size)
    report(results, args.size)


def report(results: dict, size: int) -> None:
    """Print the table and the speed ratios against riskmap."""
    ours = results["riskmap"]["seconds"]
    print(
        f"raster {size}x{size} float32 at {PIX:g} m; {results['riskmap']['cells']:,} "
        f"cells of {CELL:g} m; statistics: mean, max, share > {THRESHOLD}"
    )
    print(f"{'tool':<14}{'seconds':>10}{'ratio':>10}{'peak MB':>10}")
    for tool, res in results.items():
        if "skipped" in res:
            print(f"{tool:<14}  skipped: {res['skipped']}")
            continue
        note = (
            f"  (extrapolated from {res['extrapolated_from']} cells)"
            if "extrapolated_from" in res
            else ""
        )
        print(
            f"{tool:<14}{res['seconds']:>10.2f}{res['seconds'] / ours:>9.1f}x"
            f"{res['peak_mb']:>10.0f}{note}"
        )
    if (OUT / "exactextract_mean.npy").exists() and "exactextract" in results:
        a, b = np.load(OUT / "riskmap_mean.npy"), np.load(OUT / "exactextract_mean.npy")
        big = np.abs(b) > 1e-3  # near zero, exactextract's float32 weights dominate
        rel = np.nanmax(np.abs(a[big] - b[big]) / np.abs(b[big]))
        print(
            f"riskmap vs exactextract (mean): max |diff| "
            f"{np.nanmax(np.abs(a - b)):.2e}, max relative (|mean| > 1e-3) {rel:.2e}"
        )


if __name__ == "__main__":
    main()
