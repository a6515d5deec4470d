"""A real throwaway PostgreSQL + PostGIS cluster for the shared-ledger tests.

One cluster per test process (started once, stopped at the end); each test gets
its own schema (a fresh project location). Without PostgreSQL binaries the tests
skip, unless RISKMAP_REQUIRE_POSTGRES=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import uuid

import geopandas as gpd
import pytest
import shapely
from tests.pgcluster import SUPERPASSWORD, Cluster, find_bindir

DB = "riskmap"
PLAIN_DB = "plain"  # no PostGIS extension


@pytest.fixture(scope="session")
def pg_cluster():
    """The running cluster, with a PostGIS database and a plain one."""
    if find_bindir() is None:
        if os.environ.get("RISKMAP_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL/PostGIS is required here but not installed")
        pytest.skip("PostgreSQL with PostGIS is not installed")
    cluster = Cluster.start()
    old = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = SUPERPASSWORD
    try:
        cluster.sql(f"CREATE DATABASE {DB}")
        cluster.sql("CREATE EXTENSION postgis", DB)
        cluster.sql(f"CREATE DATABASE {PLAIN_DB}")
        yield cluster
    finally:
        if old is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = old
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A project location in a schema of its own."""
    return pg_cluster.url(DB, schema=f"t{uuid.uuid4().hex[:10]}")


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
