"""GeoJSON export: RFC 7946, EPSG:4326 lon/lat, 6 decimals, every layer."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from riskmap.cli import main


@pytest.fixture
def result_gpkg(tmp_path, communities_gpkg, flood_tif, points_geojson):
    """A RESULT.gpkg computed from the synthetic fixtures."""
    out = tmp_path / "result.gpkg"
    assert (
        main(
            [
                "-q",
                "compute",
                "--communities",
                str(communities_gpkg),
                "--hazard",
                f"flood={flood_tif}",
                "--points",
                str(points_geojson),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_geojson_layers_are_rfc7946(tmp_path, result_gpkg):
    """Each layer is lon/lat GeoJSON with at most 6 decimals and the same features."""
    out = tmp_path / "gj"
    assert main(["-q", "export", "geojson", str(result_gpkg), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cells.geojson",
        "communities.geojson",
        "points.geojson",
    ]
    cells = gpd.read_file(out / "cells.geojson")
    source = gpd.read_file(result_gpkg, layer="cells")
    assert len(cells) == len(source)
    assert cells.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = cells.total_bounds
    assert 100 < minx < maxx < 120
    assert 20 < miny < maxy < 40
    raw = json.loads((out / "cells.geojson").read_text(encoding="utf-8"))
    assert "crs" not in raw
    ring = raw["features"][0]["geometry"]["coordinates"][0]
    while isinstance(ring[0][0], list):
        ring = ring[0]
    assert all(len(repr(v).split(".")[-1]) <= 6 for xy in ring for v in xy)
    props = raw["features"][0]["properties"]
    assert {"cell_id", "level", "level_name", "score", "flood_mean"} <= set(props)


def test_export_of_a_non_result(tmp_path, capsys, communities_gpkg):
    """Exporting a GeoPackage that is not a riskmap result is an input error."""
    code = main(
        ["export", "geojson", str(communities_gpkg), "--out", str(tmp_path / "x")]
    )
    assert code == 2
    assert "not a riskmap result" in capsys.readouterr().err
