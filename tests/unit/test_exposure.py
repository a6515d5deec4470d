"""Exposure per cell: exact population sums, tables spread by area or weight,
buildings by point or footprint share."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin
from tests.helpers import X0, Y0, write_raster

from riskmap.commands.request import parse_exposure_args
from riskmap.core import exposure as exp
from riskmap.core import zonal
from riskmap.core.grid import build_fishnet
from riskmap.domain import GridSpec
from riskmap.errors import InputDataError
from riskmap.io.rasters import describe_raster
from riskmap.io.request import ExposureSources

WORK = CRS.from_epsg(4545)
NET = GridSpec(100.0)  # the default fishnet lattice at 100 m


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    """A disc and a square, off the 100 m grid, so cells are full and clipped."""
    disc = shapely.Point(X0 + 2500, Y0 - 2600).buffer(1800)
    square = shapely.box(X0 + 4400, Y0 - 5000, X0 + 6500, Y0 - 3000)
    return gpd.GeoDataFrame(
        {"community_id": ["C1", "C2"], "community": ["甲", "乙"]},
        geometry=[disc, square],
        crs=WORK,
    )


@pytest.fixture
def people_array() -> np.ndarray:
    """People per 30 m pixel, with a nodata block."""
    rng = np.random.default_rng(7)
    data = rng.poisson(3.0, (200, 240)).astype("float32")
    data[10:20, 30:50] = -9999.0
    return data


def _reference_sum(path, geoms) -> float:
    """People inside *geoms* by exact coverage on the raster's own grid."""
    with rasterio.open(path) as src:
        stats = zonal.polygon_stats(src, np.asarray(geoms), np.inf)
    return float(np.nansum(stats.sum))


def test_raster_people_conserved_in_working_crs(tmp_path, communities, people_array):
    """Sum of people over all cells = people inside the communities (1e-6)."""
    path = write_raster(tmp_path / "pop.tif", people_array)
    cells = build_fishnet(communities, 100.0)
    assert cells["full"].any()
    assert (~cells["full"]).any()
    people = exp.raster_people(cells, describe_raster(path), WORK, NET, 256.0)
    expected = _reference_sum(path, communities.geometry.values)
    assert people.sum() == pytest.approx(expected, rel=1e-6)
    # a cell with 30 % of a pixel gets 30 % of its people: hand check on one cell
    one = cells[cells["full"]].iloc[[0]]
    with rasterio.open(path) as src:
        ref = zonal.polygon_stats(src, one.geometry.values, np.inf).sum[0]
    got = exp.raster_people(one, describe_raster(path), WORK, NET, 256.0)[0]
    assert got == pytest.approx(ref, rel=1e-9)


def test_raster_people_in_another_crs_not_warped(tmp_path, communities):
    """A lon/lat population grid: cells go into its CRS, the total holds to 1e-4."""
    lonlat = communities.to_crs(4326)
    west, south, east, north = lonlat.total_bounds
    res = 0.0003  # about 30 m
    width = int((east - west) / res) + 4
    height = int((north - south) / res) + 4
    rng = np.random.default_rng(3)
    data = rng.gamma(2.0, 5.0, (height, width)).astype("float32")
    transform = from_origin(west - 2 * res, north + 2 * res, res, res)
    path = write_raster(
        tmp_path / "pop_ll.tif", data, crs="EPSG:4326", transform=transform
    )
    cells = build_fishnet(communities, 100.0)
    people = exp.raster_people(cells, describe_raster(path), WORK, NET, 256.0)
    expected = _reference_sum(path, lonlat.geometry.values)
    assert people.sum() == pytest.approx(expected, rel=1e-4)
    # per community too
    for cid, geom in zip(lonlat["community_id"], lonlat.geometry, strict=True):
        mine = people[(cells["community_id"] == cid).to_numpy()].sum()
        assert mine == pytest.approx(_reference_sum(path, [geom]), rel=1e-4)


def test_negative_people_refused(tmp_path, communities, people_array):
    """Negative counts (a missing nodata value) are an input error."""
    bad = people_array.copy()
    bad[100, 100] = -50
    path = write_raster(tmp_path / "pop.tif", bad, nodata=-9999.0)
    cells = build_fishnet(communities, 100.0)
    with pytest.raises(InputDataError, match="negative"):
        exp.raster_people(cells, describe_raster(path), WORK, NET, 256.0)


def _table(tmp_path, rows, name="pop.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_table_spread_by_area(tmp_path, communities):
    """A per-community table goes to cells in proportion to their area."""
    path = _table(tmp_path, {"community_id": ["C1", "C2"], "人口": [1000, 500]})
    ex = exp.load_exposure(ExposureSources(population=path), communities)
    cells = build_fishnet(communities, 100.0)
    exp.add_exposure(cells, ex, WORK, NET)
    totals = cells.groupby("community_id")["people"].sum()
    assert totals["C1"] == pytest.approx(1000, rel=1e-12)
    assert totals["C2"] == pytest.approx(500, rel=1e-12)
    c1 = cells[cells["community_id"] == "C1"]
    density = c1["people"] / c1["area_m2"]
    np.testing.assert_allclose(density, 1000 / c1["area_m2"].sum(), rtol=1e-12)


def test_table_spread_by_weight_raster(tmp_path, communities, people_array):
    """With a weight raster each cell gets people in proportion to its weight."""
    path = _table(tmp_path, {"community_id": ["C1", "C2"], "population": [900, 300]})
    weight = write_raster(tmp_path / "w.tif", people_array)
    ex = exp.load_exposure(ExposureSources(population=path, weight=weight), communities)
    cells = build_fishnet(communities, 100.0)
    exp.add_exposure(cells, ex, WORK, NET)
    w = exp.raster_sums(cells, describe_raster(weight), WORK, NET)
    c2 = (cells["community_id"] == "C2").to_numpy()
    np.testing.assert_allclose(
        cells["people"].to_numpy()[c2], 300 * w[c2] / w[c2].sum(), rtol=1e-9
    )
    assert cells["people"].sum() == pytest.approx(1200)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"community_id": ["X9", "X8"], "population": [1, 2]}, "no row matches"),
        ({"community_id": ["C1", "C2"], "population": [10, -5]}, "negative"),
        ({"community_id": ["C1", "C1"], "population": [10, 5]}, "twice"),
    ],
)
def test_bad_population_tables(tmp_path, communities, rows, message):
    """Unmatched ids, negative people and repeated ids are input errors."""
    path = _table(tmp_path, rows)
    with pytest.raises(InputDataError, match=message):
        exp.load_exposure(ExposureSources(population=path), communities)


def test_building_points_and_footprints(tmp_path, communities):
    """Points count whole; a footprint across two cells is shared by area;
    upper-case shapefile fields are found."""
    cells = build_fishnet(communities, 100.0)
    full = cells[cells["full"]].reset_index(drop=True)
    x0, y0, x1, _ = full.geometry.iloc[0].bounds
    # a footprint 20 m wide straddling the east edge of the cell: 25 % / 75 %
    foot = shapely.box(x1 - 5, y0 + 10, x1 + 15, y0 + 30)
    shp = tmp_path / "bld.shp"
    gpd.GeoDataFrame({"HOUSEHOLDS": [4]}, geometry=[foot], crs=WORK).to_file(shp)
    exp.add_exposure(
        cells,
        exp.load_exposure(ExposureSources(buildings=shp), communities),
        WORK,
        NET,
    )
    first = cells.set_index("cell_id").loc[full["cell_id"].iloc[0]]
    assert first["buildings"] == pytest.approx(0.25)
    assert first["households"] == pytest.approx(1.0)
    assert cells["buildings"].sum() == pytest.approx(1.0)
    assert cells["households"].sum() == pytest.approx(4.0)
    pts = tmp_path / "bld.geojson"
    gpd.GeoDataFrame(
        {"户数": [2, 3]},
        geometry=[shapely.Point(x0 + 50, y0 + 50), shapely.Point(x0 + 60, y0 + 50)],
        crs=WORK,
    ).to_crs(4326).to_file(pts)
    exp.add_exposure(
        cells,
        exp.load_exposure(ExposureSources(buildings=pts), communities),
        WORK,
        NET,
    )
    first = cells.set_index("cell_id").loc[full["cell_id"].iloc[0]]
    assert first["buildings"] == 2.0
    assert first["households"] == 5.0
    assert cells["buildings"].sum() == 2.0


def test_parse_exposure_errors():
    """Unknown kinds and a weight without a table are refused with a hint."""
    with pytest.raises(InputDataError, match="population=PATH"):
        parse_exposure_args(["people=x.tif"])
    with pytest.raises(InputDataError, match="population=TABLE"):
        parse_exposure_args(["weight=w.tif"])
    with pytest.raises(InputDataError, match="population=TABLE"):
        exp.load_exposure(ExposureSources(weight=Path("w.tif")), None)
    spec = parse_exposure_args(["buildings=b.shp:户数", "population=p.csv"])
    assert spec == ExposureSources(Path("p.csv"), None, Path("b.shp"), "户数")
