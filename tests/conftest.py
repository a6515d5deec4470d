"""Shared fixtures: small real GeoTIFF and GeoPackage files written in temp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import settings
from tests.helpers import X0, Y0, sample_compute_args, write_raster

from riskmap.cli import main
from riskmap.resources import sample_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI explores the same hypothesis examples every run, so a submission's result does
# not depend on the draw; locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
pytest_plugins = ["tests.pgfixtures"]


@pytest.fixture
def hazard_array() -> np.ndarray:
    """A 200 x 240 float32 depth field with a nodata block."""
    rng = np.random.default_rng(42)
    data = rng.gamma(1.5, 0.8, (200, 240)).astype("float32")
    data[40:48, 60:90] = -9999.0
    return data


@pytest.fixture
def flood_tif(tmp_path, hazard_array) -> Path:
    """The depth field as a GeoTIFF in EPSG:4545."""
    return write_raster(tmp_path / "flood.tif", hazard_array)


@pytest.fixture
def communities_gpkg(tmp_path) -> Path:
    """Two communities inside the raster: a disc and a square, in EPSG:4545."""
    disc = shapely.Point(X0 + 2500, Y0 - 2600).buffer(1800)
    square = shapely.box(X0 + 4400, Y0 - 5000, X0 + 6500, Y0 - 3000)
    gdf = gpd.GeoDataFrame(
        {"code": ["C1", "C2"], "名称": ["示例社区甲", "示例社区乙"]},
        geometry=[disc, square],
        crs="EPSG:4545",
    )
    path = tmp_path / "communities.gpkg"
    gdf.to_file(path, driver="GPKG")
    return path


@pytest.fixture
def points_geojson(tmp_path) -> Path:
    """Five registered risk points in WGS84 lon/lat."""
    xs = X0 + np.array([2500, 2600, 5000, 6000, 300])
    ys = Y0 - np.array([2600, 2000, 4000, 3500, 2500])
    gdf = gpd.GeoDataFrame(
        {
            "name": ["滑坡1", "内涝1", "危房1", "燃气1", "学校1"],
            "type": ["滑坡", "内涝点", "危房", "燃气", "学校"],
            "level": [1, 3, 2, None, 4],
        },
        geometry=gpd.points_from_xy(xs, ys),
        crs="EPSG:4545",
    ).to_crs("EPSG:4326")
    path = tmp_path / "points.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture(scope="session")
def bazhong_result(tmp_path_factory) -> Path:
    """The bundled Bazhong sample computed once per test process (each xdist
    worker has its own): both hazards, the risk points, the shelters and both
    exposure layers at 100 m cells. Shared by the tests of a process: read it,
    never write into its folder (copy it to tmp_path first)."""
    layers = sample_dir()
    out = tmp_path_factory.mktemp("bazhong") / "result.gpkg"
    extra = (
        "--resources", str(layers / "shelters.geojson"),
        "--exposure", f"population={layers / 'population.tif'}",
        "--exposure", f"buildings={layers / 'buildings.geojson'}",
    )  # fmt: skip
    assert main(sample_compute_args(out, *extra)) == 0
    return out

