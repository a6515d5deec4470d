"""The bundled sample: ``riskmap demo`` and the whole city as a coarse real test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from riskmap.cli import main
from riskmap.io.result import read_result
from riskmap.registry import Project
from riskmap.resources import sample_dir

LAYERS = sample_dir()


@pytest.mark.slow
def test_demo_runs_on_the_bundled_sample(tmp_path, capsys):
    """``riskmap demo`` computes the five sample communities and exports them."""
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    result = read_result(out / "result.gpkg")
    assert len(result.communities) == 5
    assert set(result.cells["level"]) == {1, 2, 3, 4}
    assert result.points is not None
    assert result.resources is not None
    assert (out / "geojson" / "cells.geojson").exists()
    assert (out / "geojson" / "coverage.geojson").exists()
    assert len(list((out / "maps").glob("*.html"))) == 6  # index + 5 communities
    assert (out / "resilience" / "scores.csv").exists()
    assert (out / "ledger.xlsx").exists()
    with Project.open(out / "project.gpkg") as project:
        assert len(project.points()) == len(result.points)
    printed = capsys.readouterr().out
    assert "result.gpkg" in printed
    # exposure and the annual view on the sample: people per level, everywhere
    assert "people per level (各级风险网格人口): L1=" in printed
    assert result.run_info.return_periods == (10, 50, 100)
    people = gpd.read_file(out / "geojson" / "communities.geojson")
    assert (people["people_l1"] > 0).any()
    assert "eae_people" in people.columns
    notes = list((out / "print").glob("*_notice.md"))
    if notes:  # print maps need a CJK font
        assert any("位于重大风险网格" in n.read_text(encoding="utf-8") for n in notes)
        assert list((out / "print").glob("*_curve.svg"))
    assert main(["-q", "demo", "--out", str(out), "--cell-size", "500"]) == 0  # rerun


@pytest.mark.slow
def test_whole_city_at_500_m(tmp_path, capsys):
    """All five counties: cell areas add up to each county's area (12,301 km²)."""
    counties = gpd.read_file(LAYERS / "bazhong_counties.geojson")
    out = str(tmp_path / "city.gpkg")
    code = main(
        [
            "-q",
            "compute",
            "--communities",
            str(LAYERS / "bazhong_counties.geojson"),
            "--hazard",
            f"flood={LAYERS / 'flood_depth.tif'}",
            "--hazard",
            f"landslide={LAYERS / 'landslide.tif'}",
            "--cell-size",
            "500",
            "--out",
            out,
        ]
    )
    assert code == 0
    assert "outside every hazard raster" in capsys.readouterr().err
    result = read_result(out)
    area = result.cells.groupby("community")["area_m2"].sum()
    expected = counties.to_crs("EPSG:4545").set_index("name").area
    np.testing.assert_allclose(area.sort_index(), expected.sort_index(), rtol=1e-9)
    assert expected.sum() / 1e6 == pytest.approx(12_301, rel=1e-3)
    # the DEM covers the south-east only: 南江县 and 恩阳区 have no hazard data
    no_data = result.cells.groupby("community")["flood_mean"].apply(
        lambda s: s.isna().all()
    )
    assert no_data["南江县"]
    assert no_data["恩阳区"]
    assert not no_data["平昌县"]
    # ... and say so: those cells are flagged, not passed off as low risk
    flagged = ~result.cells.groupby("community")["hazard_data"].any()
    assert flagged["南江县"]
    assert not flagged["平昌县"]
    per_county = result.communities.set_index("community")["cells_no_hazard_data"]
    assert per_county["南江县"] == (result.cells["community"] == "南江县").sum()
