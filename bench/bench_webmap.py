"""Benchmark: a 22,500-cell community as a riskmap web map vs plain folium GeoJson.

Prints the HTML size (MB) and the time until the map is drawn in headless
Chromium (network cut), for riskmap and for folium(-offline) GeoJson of the same
cells with tooltips. Run by hand: ``python bench/bench_webmap.py [--side 150]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.chromium import Chromium, find_chromium

from riskmap.domain import GridSpec, RiskResult, RunInfo, load_level_styles
from riskmap.export.webmap import write_web_maps

SIZE, X0, Y0 = 100.0, 420_000.0, 3_500_000.0


def _field(side: int, seed: int) -> np.ndarray:
    """A smooth random field in [0, 1]."""
    rng = np.random.default_rng(seed)
    f = gaussian_filter(rng.random((side, side)), side / 25)
    return (f - f.min()) / (np.ptp(f) or 1)


def synthetic_result(side: int, folder: Path) -> RiskResult:
    """A square community of side x side fishnet cells with a flood raster."""
    net = GridSpec(SIZE)
    r0, c0 = int(net.row_of(Y0)), int(net.col_of(X0))
    rows, cols = np.meshgrid(np.arange(side) + r0, np.arange(side) + c0, indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    score = _field(side, 1).ravel()
    level = np.select([score >= 0.75, score >= 0.5, score >= 0.25], [1, 2, 3], 4)
    depth = (_field(side, 2) * 4).astype("float32")
    tif = folder / "flood.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=side,
        height=side,
        count=1,
        dtype="float32",
        crs="EPSG:4545",
        transform=from_origin(net.x0 + c0 * SIZE, net.y0 - r0 * SIZE, SIZE, SIZE),
    ) as dst:
        dst.write(depth, 1)
    styles = load_level_styles()
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"BIG-{r}-{c}" for r, c in zip(rows, cols, strict=True)],
            "community_id": "BIG", "community": "合成大社区", "row": rows, "col": cols,
            "full": True, "area_m2": SIZE * SIZE,
            "flood_mean": depth.ravel() * 0.8, "flood_max": depth.ravel(),
            "flood_frac": (depth.ravel() > 0.5).astype(float),
            "points_n": 0, "points_l1": 0, "points_l2": 0, "points_l3": 0,
            "points_l4": 0, "score_hazard": score, "score_points": 0.0,
            "score": score, "level": level,
            "color": [styles[lv].color for lv in level],
        },
        geometry=net.boxes(rows, cols), crs="EPSG:4545",
    )  # fmt: skip
    boundary = cells.geometry.union_all()
    counts = {f"cells_l{k}": int((level == k).sum()) for k in range(1, 5)}
    communities = gpd.GeoDataFrame(
        [{"community_id": "BIG", "community": "合成大社区", "cells_n": len(cells),
          "max_level": int(level.min()), **counts}],
        geometry=[boundary], crs="EPSG:4545",
    )  # fmt: skip
    info = {
        "created_at": "2026-01-01", "cell_size_m": SIZE, "grid": "fishnet",
        "crs": "EPSG:4545",
        "hazards": [{"name": "flood", "kind": "raster", "path": str(tif),
                     "label_zh": "洪水淹没水深", "label_en": "Flood depth",
                     "unit": "m"}],
    }  # fmt: skip
    return RiskResult(cells, communities, None, RunInfo.from_items(info))


def folium_plain(result: RiskResult, path: Path) -> Path:
    """The same cells as folium GeoJson with a tooltip (folium-offline assets)."""
    import offlinefolium

    cells = result.cells.to_crs("EPSG:4326")
    keep = ["cell_id", "level", "score", "score_hazard", "score_points", "flood_max"]
    w, s, e, n = cells.total_bounds
    fmap = offlinefolium.Map(location=[(s + n) / 2, (w + e) / 2], tiles=None)
    offlinefolium.GeoJson(
        cells[[*keep, "color", "geometry"]],
        style_function=lambda f: {
            "fillColor": f["properties"]["color"],
            "weight": 0.3,
            "fillOpacity": 0.55,
        },
        tooltip=offlinefolium.GeoJsonTooltip(fields=keep),
    ).add_to(fmap)
    fmap.fit_bounds([[s, w], [n, e]])
    fmap.save(str(path))
    return path


def load_time(browser: Chromium, path: Path, ready: str) -> float:
    """Median seconds until *ready* holds, over three loads."""
    times = []
    for _ in range(3):
        browser.events.clear()
        times.append(browser.open(path, ready=ready))
    return float(np.median(times))


def main() -> None:
    """Build, export and time both maps; print the numbers and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=150, help="cells per side")
    side = parser.parse_args().side
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = synthetic_result(side, folder)
        start = time.perf_counter()
        ours = write_web_maps(result, folder / "maps", basemap="none", jobs=1)[1]
        export_s = time.perf_counter() - start
        start = time.perf_counter()
        plain = folium_plain(result, folder / "plain.html")
        plain_export_s = time.perf_counter() - start
        sizes = [p.stat().st_size / 1e6 for p in (ours, plain)]
        chromium = find_chromium()
        with Chromium(chromium) as browser:
            t_ours = load_time(browser, ours, "window.RM_READY === true")
            t_plain = load_time(
                browser, plain,
                "document.querySelectorAll('path.leaflet-interactive').length > 0",
            )  # fmt: skip
    print(f"cells: {len(result.cells):,}")
    print(f"riskmap web map : {sizes[0]:6.2f} MB, export {export_s:5.2f} s, "
          f"Chromium load {t_ours:5.2f} s")  # fmt: skip
    print(f"folium GeoJson  : {sizes[1]:6.2f} MB, export {plain_export_s:5.2f} s, "
          f"Chromium load {t_plain:5.2f} s")  # fmt: skip
    print(f"ratio folium/riskmap: size {sizes[1] / sizes[0]:.1f}x, "
          f"load {t_plain / t_ours:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
