"""Fixtures of a real throwaway PostgreSQL + PostGIS cluster (a pytest plugin).

One cluster per test process (started on first use, stopped at the end); each
test gets its own schema (a fresh project location). Without PostgreSQL binaries
the tests skip, unless RISKMAP_REQUIRE_POSTGRES=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
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
