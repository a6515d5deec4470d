"""Benchmark: import, list and export a large ledger; GCJ-02/BD-09 throughput.

Prints rows per second for a CSV and an XLSX import of N rows into a fresh project,
the time to read the ledger back and to export it, and how fast and how exactly
the coordinate conversions run. Run by hand:  python bench/bench_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.io.chinacoords import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from riskmap.registry import Project, export_points, import_file


def _ledger(n: int) -> pd.DataFrame:
    """N synthetic ledger rows with Chinese headers inside the two test squares."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "名称": [f"隐患点{i}" for i in range(n)],
            "类型": rng.choice(["滑坡", "危房", "内涝点", "燃气"], n),
            "经度": rng.uniform(106.70, 106.80, n).round(6),
            "纬度": rng.uniform(31.85, 31.90, n).round(6),
            "责任人": "张伟",
            "电话": "13800000000",
            "状态": rng.choice(["待整改", "整改中", "已销号"], n),
        }
    )


def _communities() -> gpd.GeoDataFrame:
    """Two squares that hold every synthetic point."""
    boxes = [
        shapely.box(106.70, 31.85, 106.75, 31.90),
        shapely.box(106.75, 31.85, 106.80, 31.90),
    ]
    return gpd.GeoDataFrame({"code": ["C1", "C2"]}, geometry=boxes, crs=4326)


def _timed(label: str, n: int, func) -> object:
    """Run *func*, print seconds and rows per second."""
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:7.2f} s  {n / seconds:9,.0f} rows/s")
    return result


def _imports(tmp: Path, rows: int) -> None:
    """CSV and XLSX imports, read-back and exports."""
    table = _ledger(rows)
    table.to_csv(tmp / "ledger.csv", index=False)
    table.to_excel(tmp / "ledger.xlsx", index=False)
    for suffix in ("csv", "xlsx"):
        project = Project.create(tmp / f"{suffix}.gpkg", _communities())
        path = tmp / f"ledger.{suffix}"
        report = _timed(
            f"import {rows:,} rows ({suffix})",
            rows,
            lambda p=project, f=path: import_file(p, f, "gcj02", user="b"),
        )
        assert report.imported == rows, report.summary()
        if suffix == "csv":
            _timed("points() read-back", rows, project.points)
            for fmt in ("xlsx", "csv", "geojson"):
                out = tmp / f"out.{fmt}"
                _timed(
                    f"export {fmt}",
                    rows,
                    lambda f=fmt, o=out, p=project: export_points(p, o, f),
                )
        size = (tmp / f"{suffix}.gpkg").stat().st_size / 1e6
        print(f"  project file {size:.1f} MB")
        project.close()


def _conversions() -> None:
    """Conversion throughput and round-trip error over China (1 million points)."""
    lon, lat = np.meshgrid(np.linspace(74, 134, 1000), np.linspace(18, 53, 1000))
    lon, lat = lon.ravel(), lat.ravel()
    n = len(lon)
    glon, glat = _timed("WGS84 -> GCJ-02", n, lambda: wgs84_to_gcj02(lon, lat))
    back = _timed("GCJ-02 -> WGS84 (iterative)", n, lambda: gcj02_to_wgs84(glon, glat))
    bd = wgs84_to_bd09(lon, lat)
    back_bd = _timed("BD-09 -> WGS84", n, lambda: bd09_to_wgs84(*bd))
    for name, (x, y) in (("GCJ-02", back), ("BD-09", back_bd)):
        err = np.hypot((x - lon) * 111320 * np.cos(np.radians(lat)), (y - lat) * 110574)
        print(f"  {name} round trip: max {err.max() * 1000:.3f} mm")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _imports(Path(tmp), args.rows)
    _conversions()


if __name__ == "__main__":
    main()
