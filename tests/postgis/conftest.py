"""Communities for the shared-ledger tests (the cluster: tests/pgfixtures.py)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    """Two 0.05° squares side by side (C1 west, C2 east), EPSG:4326."""
    return gpd.GeoDataFrame(
        {"code": ["C1", "C2"], "名称": ["示例社区甲", "示例社区乙"], "人口": [12, 8]},
        geometry=[
            shapely.box(106.70, 31.85, 106.75, 31.90),
            shapely.box(106.75, 31.85, 106.80, 31.90),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture
def communities_file(tmp_path, communities):
    """The communities as a GeoJSON file."""
    path = tmp_path / "communities.geojson"
    communities.to_file(path, engine="pyogrio")
    return path
