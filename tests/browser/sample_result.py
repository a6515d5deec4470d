"""A small real result for the web-map tests: the bundled sample with hostile texts.

One community is renamed to a path-traversal and markup payload, and the
hostile ledger point (``layers/risk_points_hostile.geojson``) joins the points.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.commands import compute as compute_cmd
from riskmap.commands.demo import sample_request
from riskmap.domain import RiskResult
from riskmap.io.request import HazardSpec
from riskmap.resources import sample_dir

PAYLOAD = "<img src=x onerror=alert(1)>"
HOSTILE_COMMUNITY = "../<b>坏</b>社区"


def build_result(
    folder: Path, cell_size: float = 200.0, model: Path | None = None
) -> tuple[RiskResult, Path]:
    """Compute the hostile sample at *cell_size* into *folder*; return it, its path.

    *model* is a risk model TOML (default: the bundled one).
    """
    layers = sample_dir()
    communities = gpd.read_file(layers / "communities.geojson")
    name_field = "name" if "name" in communities.columns else "community"
    communities.loc[communities.index[-1], name_field] = HOSTILE_COMMUNITY
    communities.to_file(folder / "communities.geojson", driver="GeoJSON")
    points = pd.concat(
        [
            gpd.read_file(layers / "risk_points.geojson"),
            gpd.read_file(layers / "risk_points_hostile.geojson"),
        ],
        ignore_index=True,
    )
    points.to_file(folder / "points.geojson", driver="GeoJSON")
    request = dataclasses.replace(
        sample_request(cell_size),
        communities=folder / "communities.geojson",
        points=folder / "points.geojson",
        model=model,
    )
    out = folder / "result.gpkg"
    return compute_cmd.compute(request, out), out


def build_grid_result(folder: Path, size: float = 400.0) -> RiskResult:
    """The first community on a user grid (网格) of *size* m, with a zone hazard."""
    layers = sample_dir()
    community = gpd.read_file(layers / "communities.geojson").iloc[[0]]
    metric = community.to_crs("EPSG:4545")
    minx, miny, maxx, maxy = metric.total_bounds
    xs = np.arange(minx - 17.0, maxx, size)
    ys = np.arange(miny - 23.0, maxy, size)
    boxes = [shapely.box(x, y, x + size, y + size) for x in xs for y in ys]
    grid = gpd.GeoDataFrame(
        {"网格编码": [f"WG-{i:04d}" for i in range(len(boxes))]},
        geometry=boxes,
        crs="EPSG:4545",
    )
    grid = grid[grid.intersects(metric.geometry.iloc[0])]
    grid.to_file(folder / "grid.gpkg", driver="GPKG")
    community.to_file(folder / "community.geojson", driver="GeoJSON")
    centre = metric.geometry.iloc[0].centroid
    zones = gpd.GeoDataFrame(
        {"等级": ["高", "中"]},
        geometry=[
            centre.buffer(500),
            centre.buffer(1200).difference(centre.buffer(500)),
        ],
        crs="EPSG:4545",
    )
    zones.to_file(folder / "zones.gpkg", driver="GPKG")
    request = sample_request(100.0)
    request = dataclasses.replace(
        request,
        communities=folder / "community.geojson",
        grid=folder / "grid.gpkg",
        grid_id_field="网格编码",
        hazards=(
            *request.hazards,
            HazardSpec("flood_zone", folder / "zones.gpkg", "等级"),
        ),
    )
    return compute_cmd.compute(request, folder / "result.gpkg")


@cache
def exported_sample() -> tuple[RiskResult, Path, list[Path]]:
    """The hostile sample computed and exported once per test process (jobs=1).

    Returns the result, its RESULT.gpkg and the written maps (index first).
    """
    from riskmap.export.webmap import write_web_maps

    folder = Path(tempfile.mkdtemp(prefix="riskmap-webmap-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    result, gpkg = build_result(folder)
    dem = sample_dir() / "dem.tif"  # the hillshade is an explicit option
    return result, gpkg, write_web_maps(result, folder / "maps", dem=dem, jobs=1)
