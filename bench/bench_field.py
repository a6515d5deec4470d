"""Benchmark: field packages and merging field change-sets.

1. A field page for a 22,500-cell community (150 x 150 fishnet at 100 m, 200 ledger
   points): its size (target < 5 MB) and the time until it is interactive on an
   emulated phone with 4x CPU throttling (target < 3 s), next to the web map of the
   same community (``export maps``).
2. Merging 2,000 added records, each with a 1600 x 1200 JPEG (target < 10 s), next
   to importing the same 2,000 rows, without photos, from a CSV file.

Run by hand: ``python bench/bench_field.py [--side 150] [--records 2000]``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.browser.chromium import Chromium, find_chromium

from bench_webmap import synthetic_result
from riskmap.export.field import write_field_packages
from riskmap.export.webmap import write_web_maps
from riskmap.registry import Project, import_file
from riskmap.registry.changeset import FieldRecord, write_changeset
from riskmap.registry.merge import merge_files


def make_project(folder: Path, result, n_points: int) -> Project:
    """A project over the synthetic community with *n_points* ledger points."""
    comms = result.communities[["community_id", "community", "geometry"]]
    project = Project.create(folder / "p.gpkg", comms.to_crs("EPSG:4326"))
    lon, lat = random_points(comms.to_crs("EPSG:4326").geometry.iloc[0], n_points, 1)
    rows = pd.DataFrame(
        {"名称": [f"隐患{i:04d}" for i in range(n_points)], "类型": "滑坡",
         "责任人": "张伟", "经度": lon, "纬度": lat}
    )  # fmt: skip
    rows.to_csv(folder / "ledger.csv", index=False)
    import_file(project, folder / "ledger.csv", "wgs84", user="bench")
    return project


def random_points(area, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """*n* random lon/lat points inside *area* (a lon/lat polygon)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    xs, ys = [], []
    while len(xs) < n:
        x = rng.uniform(minx, maxx, n * 2)
        y = rng.uniform(miny, maxy, n * 2)
        inside = shapely.contains_xy(area, x, y)
        xs.extend(x[inside].tolist())
        ys.extend(y[inside].tolist())
    return np.array(xs[:n]), np.array(ys[:n])


def phone_interactive_s(page: Path, ready: str) -> float:
    """Median seconds until *ready* on a throttled (4x) phone, over three loads."""
    times = []
    with Chromium(find_chromium(), 390, 844) as browser:
        browser.emulate_phone()
        browser.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        for _ in range(3):
            browser.events.clear()
            times.append(browser.open(page, ready=ready))
    return float(np.median(times))


def photo_jpeg(seed: int) -> bytes:
    """A 1600 x 1200 JPEG with some texture (as the page would store it)."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, 1600, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 6, (1200, 1600, 3)).astype(np.float32)  # about 250 KB
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def bench_merge(folder: Path, project: Project, n: int) -> None:
    """Time merging *n* adds with photos against a CSV import of the same rows."""
    area = project.communities().geometry.iloc[0]
    lon, lat = random_points(area, n, 2)
    photos = [photo_jpeg(k) for k in range(8)]
    records = [
        FieldRecord(str(uuid.uuid4()), "add", None, None,
                    {"name": f"外业{i:05d}", "type": "内涝点", "responsible": "李四"},
                    float(lon[i]), float(lat[i]), 5.0, "gps",
                    "2026-12-02T09:00:00+08:00", "李四",
                    [(f"IMG_{i}.jpg", "image/jpeg", photos[i % len(photos)])])
        for i in range(n)
    ]  # fmt: skip
    path = write_changeset(folder / "changes.json", project.project_id, "李四", records)
    size_mb = path.stat().st_size / 1e6
    start = time.perf_counter()
    outcomes = merge_files(project, [path])
    merge_s = time.perf_counter() - start
    added = sum(o.outcome == "added" for o in outcomes)
    start = time.perf_counter()
    again = merge_files(project, [path])
    remerge_s = time.perf_counter() - start
    table = pd.DataFrame(
        {"名称": [f"导入{i:05d}" for i in range(n)], "类型": "内涝点",
         "经度": lon + 1e-4, "纬度": lat}
    )  # fmt: skip
    table.to_csv(folder / "same.csv", index=False)
    start = time.perf_counter()
    import_file(project, folder / "same.csv", "wgs84", user="bench")
    import_s = time.perf_counter() - start
    print(f"merge {n} adds with photos ({size_mb:.0f} MB file): {merge_s:.2f} s "
          f"({added} added; target < 10 s)")  # fmt: skip
    print(
        f"merge the same file again: {remerge_s:.2f} s "
        f"({sum(o.outcome == 'known' for o in again)} known, nothing written)"
    )
    print(
        f"CSV import of the same {n} rows without photos: {import_s:.2f} s "
        f"(merge / import = {merge_s / import_s:.1f}x)"
    )


def main() -> None:
    """Build the package and the change-set, print sizes, times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=150, help="cells per side")
    parser.add_argument("--records", type=int, default=2000, help="records to merge")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = synthetic_result(args.side, folder)
        project = make_project(folder, result, 200)
        start = time.perf_counter()
        page = write_field_packages(project, folder / "field", result=result)[0]
        export_s = time.perf_counter() - start
        webmap = write_web_maps(result, folder / "maps", basemap="none", jobs=1)[1]
        mb = page.stat().st_size / 1e6
        print(f"field page, {len(result.cells)} cells, 200 points: {mb:.2f} MB "
              f"(target < 5 MB), written in {export_s:.1f} s; web map "
              f"{webmap.stat().st_size / 1e6:.2f} MB")  # fmt: skip
        if find_chromium():
            ours = phone_interactive_s(page, "window.RM_READY === true")
            theirs = phone_interactive_s(webmap, "window.RM_READY === true")
            print(f"interactive on a phone, 4x CPU throttling: field page {ours:.2f} s "
                  f"(target < 3 s), web map {theirs:.2f} s")  # fmt: skip
        bench_merge(folder, project, args.records)
        project.close()


if __name__ == "__main__":
    main()
