"""Fixtures for the ledger: two small communities near Bazhong and a project."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from riskmap.registry import Project


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    """Two 0.05° squares side by side (C1 west, C2 east), EPSG:4326."""
    return gpd.GeoDataFrame(
        {"code": ["C1", "C2"], "名称": ["示例社区甲", "示例社区乙"]},
        geometry=[
            shapely.box(106.70, 31.85, 106.75, 31.90),
            shapely.box(106.75, 31.85, 106.80, 31.90),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture
def project(tmp_path, communities) -> Project:
    """An empty project over the two communities."""
    proj = Project.create(tmp_path / "p.gpkg", communities)
    yield proj
    proj.close()


@pytest.fixture
def project_path(project) -> Path:
    """Path of the project fixture's file."""
    return project.path
