"""Loading vector layers: encodings, CRS, repair, tables."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from riskmap.errors import CRSError, InputDataError, MissingFileError, RiskmapWarning
from riskmap.io.vectors import read_vector

NAMES = ["江北街道龙泉社区", "平昌县江口镇"]


def _write_shapefile(tmp_path, encoding, cpg):
    """A two-polygon shapefile whose .dbf is written in *encoding*."""
    gdf = gpd.GeoDataFrame(
        {"name": NAMES},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    path = tmp_path / "gov.shp"
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    cpg_path = path.with_suffix(".cpg")
    if not cpg:
        cpg_path.unlink(missing_ok=True)
    return path


@pytest.mark.parametrize("cpg", [True, False])
@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_shapefile_text_is_decoded(tmp_path, encoding, cpg):
    """GBK .dbf files read correctly with or without a .cpg (most government data)."""
    path = _write_shapefile(tmp_path, encoding, cpg)
    assert read_vector(path)["name"].tolist() == NAMES


def test_missing_file(tmp_path):
    """A missing path says which file."""
    with pytest.raises(MissingFileError, match=r"nope\.gpkg"):
        read_vector(tmp_path / "nope.gpkg")


def test_layer_without_crs_needs_one(tmp_path):
    """No CRS is an input error unless the user names one."""
    shp = tmp_path / "nocrs.shp"
    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[shapely.Point(1, 2)]), shp)
    with pytest.raises(CRSError, match="--assume-crs"):
        read_vector(shp)
    assert read_vector(shp, assume_crs="EPSG:4545").crs.to_epsg() == 4545


def test_empty_layer(tmp_path):
    """An empty layer is refused with a message."""
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:4326").to_file(path)
    with pytest.raises(InputDataError, match="empty"):
        read_vector(path)


def test_bow_tie_is_repaired_with_a_warning(tmp_path):
    """A self-intersecting polygon is made valid and the feature is named."""
    bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    gdf = gpd.GeoDataFrame(
        {"n": ["ok", "bow"]}, geometry=[shapely.box(2, 2, 3, 3), bow], crs="EPSG:4545"
    )
    path = tmp_path / "bow.gpkg"
    gdf.to_file(path)
    with pytest.warns(RiskmapWarning, match="feature ids 1"):
        out = read_vector(path)
    assert out.geometry.is_valid.all()
    assert out.geometry.iloc[1].area == pytest.approx(0.5)


def test_csv_with_chinese_lon_lat(tmp_path):
    """A CSV with 经度/纬度 columns becomes WGS84 points."""
    path = tmp_path / "pts.csv"
    pd.DataFrame({"名称": ["a"], "经度": [106.75], "纬度": [31.86]}).to_csv(
        path, index=False, encoding="gbk"
    )
    gdf = read_vector(path)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].x == pytest.approx(106.75)


def test_csv_with_bad_coordinates(tmp_path):
    """Rows without usable coordinates are named by their file row."""
    path = tmp_path / "bad.csv"
    pd.DataFrame({"lon": [106.7, "abc"], "lat": [31.8, 31.9]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match="rows 3"):
        read_vector(path)


def test_xlsx_with_english_headers(tmp_path):
    """An Excel sheet with longitude/latitude columns is read as WGS84 points."""
    path = tmp_path / "pts.xlsx"
    pd.DataFrame(
        {"Name": ["a", "b"], "Longitude": [106.75, 107.1], "Latitude": [31.86, 31.56]}
    ).to_excel(path, index=False)
    gdf = read_vector(path)
    assert len(gdf) == 2
    assert gdf.geometry.iloc[1].y == pytest.approx(31.56)


def test_projected_table_needs_a_crs(tmp_path):
    """x/y columns in metres are refused unless their CRS is named."""
    path = tmp_path / "xy.csv"
    pd.DataFrame({"x": [416_000.0], "y": [3_490_000.0]}).to_csv(path, index=False)
    with pytest.raises(CRSError, match="--assume-crs"):
        read_vector(path)
    assert read_vector(path, assume_crs="EPSG:4545").crs.to_epsg() == 4545
