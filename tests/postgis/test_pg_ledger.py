"""The ledger commands on a PostGIS project: same behaviour as on a GeoPackage."""

from __future__ import annotations

import psycopg
import pytest
from tests.pgcluster import SUPERPASSWORD

from riskmap.cli import main
from riskmap.registry import Project


@pytest.fixture
def pg_project(pg_url, communities_file, capsys):
    """`riskmap project new postgresql://...` over the two communities."""
    rc = main(["project", "new", pg_url, "--communities", str(communities_file),
               "--id-field", "code", "--name-field", "名称"])  # fmt: skip
    assert rc == 0
    out = capsys.readouterr().out
    assert "communities: 2" in out
    return pg_url


def _sql(url: str, statement: str, params=()) -> list[tuple]:
    """Rows of one statement in the project's schema, as the superuser."""
    schema = url.split("schema=")[1]
    with psycopg.connect(url.split("?")[0], password=SUPERPASSWORD) as conn:
        conn.execute(f"SET search_path TO {schema}, public")
        return conn.execute(statement, params).fetchall()


def test_schema_matches_the_geopackage(pg_project, tmp_path):
    """Same tables and ledger columns; points are geometry(Point, 4326) + GiST."""
    gpkg = Project.create(tmp_path / "p.gpkg")
    with gpkg, Project.open(pg_project) as pg:
        for table in ("communities", "points", "changes", "riskmap_settings"):
            assert pg.conn.columns(table) == gpkg.conn.columns(table), table
        assert pg.settings["schema_version"] == gpkg.settings["schema_version"]
    schema = pg_project.split("schema=")[1]
    geom = _sql(
        pg_project,
        "SELECT type, srid FROM geometry_columns "
        "WHERE f_table_schema = %s AND f_table_name = 'points'",
        (schema,),
    )
    assert geom == [("POINT", 4326)]
    index = _sql(
        pg_project,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s "
        "AND tablename = 'points' AND indexdef LIKE '%%gist%%'",
        (schema,),
    )
    assert len(index) == 1


def test_move_stores_a_postgis_point(pg_project, capsys):
    """A moved point is a geometry(Point, 4326) in the new place and community."""
    p = ["--project", pg_project]
    assert main(["points", "add", *p, "--name", "滑坡甲", "--type", "滑坡",
                 "--lon", "106.72", "--lat", "31.87"]) == 0  # fmt: skip
    pid = capsys.readouterr().out.strip()
    assert main(["points", "edit", pid, *p, "--lon", "106.77", "--lat", "31.87"]) == 0
    assert main(["points", "list", *p]) == 0
    row = capsys.readouterr().out.splitlines()[1].split("\t")
    assert row[6:] == ["C2", "2", "106.7700000", "31.8700000"]  # version 2
    geom = _sql(pg_project, "SELECT ST_AsText(geom), ST_SRID(geom) FROM points")
    assert geom == [("POINT(106.77 31.87)", 4326)]


def test_duplicate_and_bad_values_refused(pg_project, capsys):
    """The ledger's checks hold on the server: one line, exit 2."""
    p = ["--project", pg_project, "--name", "内涝1", "--type", "内涝点",
         "--lon", "106.72", "--lat", "31.86"]  # fmt: skip
    assert main(["points", "add", *p]) == 0
    assert main(["points", "add", *p]) == 2
    assert "duplicate" in capsys.readouterr().err
    assert main(["points", "add", *p[:-4], "--lon", "106.73", "--lat", "31.86",
                 "--level", "9"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1


def test_import_is_all_or_nothing(pg_project, tmp_path, capsys):
    """--strict with a bad row writes nothing; a good file writes every row once."""
    csv = tmp_path / "台账.csv"
    rows = ["名称,类型,经度,纬度,风险等级"]
    rows += [f"点{i},危房,{106.70 + i * 0.001:.4f},31.86,2" for i in range(40)]
    csv.write_text("\n".join([*rows, "坏点,危房,abc,31.86,2"]) + "\n", encoding="utf-8")
    p = ["--project", pg_project]
    assert main(["points", "import", str(csv), *p, "--coords", "wgs84",
                 "--strict", "-q"]) == 2  # fmt: skip
    assert _sql(pg_project, "SELECT count(*) FROM points") == [(0,)]
    assert main(["points", "import", str(csv), *p, "--coords", "wgs84", "-q"]) == 0
    assert _sql(pg_project, "SELECT count(*) FROM points") == [(40,)]
    ids = _sql(pg_project, "SELECT count(DISTINCT id) FROM points")
    assert ids == [(40,)]
    log = _sql(pg_project, "SELECT action, count(*) FROM changes GROUP BY action "
               "ORDER BY action")  # fmt: skip
    assert log == [("import", 40), ("import-file", 1)]


def test_project_set_and_info(pg_project, tmp_path, flood_tif, capsys):
    """Hazard paths are stored absolute in a database (no project folder)."""
    assert main(["project", "set", pg_project, "--hazard", f"flood={flood_tif}",
                 "-q"]) == 0  # fmt: skip
    assert main(["project", "info", pg_project]) == 0
    out = capsys.readouterr().out
    assert f"hazard flood: {flood_tif}" in out
    assert "points: 0 (0 deleted)" in out


def test_sample_project_in_a_database(pg_url, capsys):
    """`project new URL --sample`: the bundled sample straight into PostGIS."""
    assert main(["project", "new", pg_url, "--sample"]) == 0
    out = capsys.readouterr().out
    assert f"project {pg_url}" in out
    assert "points: 90 (0 deleted)" in out
