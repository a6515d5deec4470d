"""A small real result for the web-map tests: the bundled sample with hostile texts.

One community is renamed to a path-traversal and markup payload, and the
hostile ledger point (``layers/risk_points_hostile.geojson``) joins the points.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from riskmap.commands import compute as compute_cmd
from riskmap.commands.demo import sample_args
from riskmap.domain import RiskResult
from riskmap.resources import sample_dir

PAYLOAD = "<img src=x onerror=alert(1)>"
HOSTILE_COMMUNITY = "../<b>坏</b>社区"


def build_result(folder: Path, cell_size: float = 200.0) -> tuple[RiskResult, Path]:
    """Compute the hostile sample at *cell_size* into *folder*; return it, its path."""
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
    args = sample_args(folder, cell_size, quiet=True)
    args.communities = folder / "communities.geojson"
    args.points = folder / "points.geojson"
    result = compute_cmd.compute(args)
    return result, args.out
