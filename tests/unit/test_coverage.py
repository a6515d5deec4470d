"""Emergency-resource coverage: distances, radii, capacity and uncovered area."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from tests.helpers import X0, Y0, write_raster

from riskmap.cli import main
from riskmap.commands.request import parse_service_radius
from riskmap.core.coverage import (
    add_coverage,
    population_per_community,
)
from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.io.result import read_result

CRS = "EPSG:4545"
BX, BY = 500_000.0, 3_500_000.0


def _square_community(population=None) -> gpd.GeoDataFrame:
    """One 1 km square community (origin BX, BY)."""
    data = {"community_id": ["A"], "community": ["甲社区"]}
    if population is not None:
        data["population"] = [population]
    return gpd.GeoDataFrame(
        data, geometry=[shapely.box(BX, BY, BX + 1000, BY + 1000)], crs=CRS
    )


def _four_cells() -> gpd.GeoDataFrame:
    """The square cut in four 500 m cells: SW level 1, SE 2, NW 3, NE 4."""
    boxes = [
        shapely.box(BX, BY, BX + 500, BY + 500),
        shapely.box(BX + 500, BY, BX + 1000, BY + 500),
        shapely.box(BX, BY + 500, BX + 500, BY + 1000),
        shapely.box(BX + 500, BY + 500, BX + 1000, BY + 1000),
    ]
    return gpd.GeoDataFrame(
        {"community_id": ["A"] * 4, "level": [1, 2, 3, 4], "area_m2": [250_000.0] * 4},
        geometry=boxes,
        crs=CRS,
    )


def _resources() -> gpd.GeoDataFrame:
    """A shelter (300 people) at the SW corner and a depot at the NE corner."""
    return gpd.GeoDataFrame(
        {"type": ["避难场所", "物资储备点"], "capacity": [300, 0]},
        geometry=[shapely.Point(BX, BY), shapely.Point(BX + 1000, BY + 1000)],
        crs=CRS,
    )


def _run(radius=None, population=None, community_pop=1000):
    """Run add_coverage on the four-cell square."""
    cells, communities = _four_cells(), _square_community(community_pop)
    summary = communities[["community_id", "community", "geometry"]].copy()
    cov = add_coverage(cells, summary, communities, _resources(), radius, population)
    return cells, summary, cov


def test_cell_distances_and_default_radius():
    """Cell centres (250,250), (750,250), (250,750), (750,750) from the SW shelter."""
    cells, _, _ = _run()
    # √(250²+250²) = 353.553; √(750²+250²) = 790.569; √(750²+750²) = 1060.660
    expected = [353.5534, 790.5694, 790.5694, 1060.6602]
    np.testing.assert_allclose(cells["shelter_dist_m"], expected, atol=1e-3)
    # default radius 500 m: only the SW cell is covered
    assert cells["shelter_covered"].tolist() == [True, False, False, False]
    # the depot is at the NE corner: mirrored distances
    np.testing.assert_allclose(cells["depot_dist_m"], expected[::-1], atol=1e-3)
    assert "medical_dist_m" not in cells  # no medical point given


def test_radius_per_type():
    """shelter=800 covers three cells (790.6 ≤ 800); depot=300 covers none."""
    cells, _, cov = _run(radius=parse_service_radius(["shelter=800", "depot=300"]))
    assert cells["shelter_covered"].tolist() == [True, True, True, False]
    assert not cells["depot_covered"].any()
    assert set(cov["radius_m"]) == {800.0, 300.0}


def test_community_summary_fields():
    """Capacity 300 for 1000 people; 3 of 4 cells uncovered; 1 of 2 red/orange."""
    _, summary, cov = _run()
    row = summary.iloc[0]
    assert row["population"] == 1000
    assert row["shelter_capacity"] == 300
    assert row["capacity_ratio"] == pytest.approx(0.3)
    assert row["cells_uncovered"] == 3
    # red/orange cells: SW (covered) and SE (uncovered) -> 1/2
    assert row["red_orange_uncovered_share"] == pytest.approx(0.5)
    # the 500 m buffer is a 32-gon (quad_segs 8): area 16·r²·sin(π/16); a quarter
    # of it falls in the square: 4·500²·sin(π/16) = 195,090.3 m² covered
    covered = 4 * 500**2 * math.sin(math.pi / 16)
    shelter = cov[cov["resource_type"] == "shelter"].set_index("status")
    assert shelter.loc["covered", "area_m2"] == pytest.approx(covered, rel=1e-9)
    assert shelter.loc["uncovered", "area_m2"] == pytest.approx(1e6 - covered)
    assert row["area_uncovered_m2"] == pytest.approx(1e6 - covered)
    assert set(cov["label"]) == {"避难场所", "物资储备点"}


def test_population_unknown_gives_nan_ratio():
    """Without a population field or input the ratio is NaN, not a division error."""
    _, summary, _ = _run(community_pop=None)
    assert np.isnan(summary.iloc[0]["population"])
    assert np.isnan(summary.iloc[0]["capacity_ratio"])


def test_population_series_overrides_field():
    """A population series by community id wins over the layer field."""
    _, summary, _ = _run(population=pd.Series({"A": 600}))
    assert summary.iloc[0]["capacity_ratio"] == pytest.approx(0.5)


def test_population_table_by_name(tmp_path):
    """A CSV keyed by community name is matched to the community id."""
    path = tmp_path / "pop.csv"
    path.write_text("社区,人口\n甲社区,1200\n", encoding="utf-8")
    series = population_per_community(_square_community(), path)
    assert series.to_dict() == {"A": 1200.0}


def test_population_table_bad_number(tmp_path):
    """Text in the population column names the row and the value."""
    path = tmp_path / "pop.csv"
    path.write_text("community_id,population\nA,lots\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"row 2.*'lots'"):
        population_per_community(_square_community(), path)


def test_population_raster(tmp_path):
    """Pixel counts summed over the community: 10 × 10 pixels of 5 people = 500."""
    from rasterio.transform import from_origin

    data = np.full((20, 20), 5.0, dtype="float32")
    # 100 m pixels from (BX, BY + 1000) down: the square holds 10 × 10 of them
    path = write_raster(
        tmp_path / "pop.tif", data, transform=from_origin(BX, BY + 1000, 100, 100)
    )
    series = population_per_community(_square_community(), path)
    assert series["A"] == pytest.approx(500.0)


@pytest.mark.parametrize("text", ["shelter", "shelter=far", "lake=100", "depot=-5"])
def test_bad_service_radius(text):
    """Each malformed --service-radius is an input error naming the value."""
    with pytest.raises(InputDataError):
        parse_service_radius([text])


def test_compute_writes_coverage(tmp_path, communities_gpkg, flood_tif):
    """``riskmap compute --resources`` writes coverage fields and layer to the gpkg."""
    shelters = gpd.GeoDataFrame(
        {"name": ["S1", "M1"], "type": ["避难场所", "医疗点"], "capacity": [500, 0]},
        geometry=[
            shapely.Point(X0 + 2500, Y0 - 2600),
            shapely.Point(X0 + 5000, Y0 - 4000),
        ],
        crs=CRS,
    )
    res_path = tmp_path / "shelters.geojson"
    shelters.to_crs("EPSG:4326").to_file(res_path, driver="GeoJSON")
    pop = tmp_path / "pop.csv"
    pop.write_text("community_id,population\nC1,2000\nC2,1000\n", encoding="utf-8")
    out = tmp_path / "r.gpkg"
    args = ["-q", "compute", "--communities", str(communities_gpkg)]
    args += ["--id-field", "code", "--hazard", f"flood={flood_tif}"]
    args += ["--resources", str(res_path), "--service-radius", "shelter=1000"]
    args += ["--population", str(pop), "--out", str(out)]
    assert main(args) == 0
    result = read_result(out)
    cells = result.cells
    # a cell is covered exactly when its centre is within 1000 m of S1
    assert (cells["shelter_covered"] == (cells["shelter_dist_m"] <= 1000)).all()
    assert cells["shelter_covered"].any()
    assert not cells["shelter_covered"].all()
    comm = result.communities.set_index("community_id")
    assert comm.loc["C1", "shelter_capacity"] == 500
    assert comm.loc["C1", "capacity_ratio"] == pytest.approx(0.25)
    assert comm.loc["C2", "shelter_capacity"] == 0
    # C2 (a square 2.5-3.8 km from S1) is wholly uncovered
    assert comm.loc["C2", "area_uncovered_m2"] == pytest.approx(2100 * 2000)
    cov = result.coverage
    assert set(cov["resource_type"]) == {"shelter", "medical"}
    # the disc community is 1800 m in radius around S1: covered = the 1 km disc
    c1 = cov[(cov["community_id"] == "C1") & (cov["resource_type"] == "shelter")]
    covered = c1.set_index("status").loc["covered", "area_m2"]
    assert covered == pytest.approx(16 * 1000**2 * math.sin(math.pi / 16), rel=1e-6)
    assert result.run_info.service_radius_m["shelter"] == 1000


def test_population_table_unknown_rows_warn(tmp_path):
    """A row naming no community is reported and ignored."""
    path = tmp_path / "pop.csv"
    path.write_text("community_id,population\nA,10\nZZ,5\n", encoding="utf-8")
    with pytest.warns(RiskmapWarning, match=r"1 row\(s\) match no community \(ZZ\)"):
        series = population_per_community(_square_community(), path)
    assert series.to_dict() == {"A": 10.0}
