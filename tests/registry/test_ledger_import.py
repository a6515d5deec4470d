"""Import: an XLSX with Chinese headers and good and bad rows, other formats, export."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from riskmap.errors import InputDataError
from riskmap.io.chinacoords import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from riskmap.registry import Project, export_points, import_file, preview_import
from riskmap.registry.geometry import metres_between

HEADER = ["名称", "类型", "风险等级", "经度", "纬度", "责任人", "电话", "L", "E", "C",
          "备注"]  # fmt: skip


def _gcj(lon, lat):
    """GCJ-02 of a WGS84 point, as floats."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return float(glon), float(glat)


def _ledger_rows() -> list[list]:
    """Rows 2-13 of the test workbook: good, bad and flagged (see the test)."""
    g = _gcj(106.72, 31.87)
    near = _gcj(106.72003, 31.87)  # ~3 m east of row 2
    out = _gcj(106.90, 31.87)
    return [
        ["滑坡点1", "滑坡", "2", *g, "张伟", "13800000001", None, None, None, "ok"],
        ["危房A", "危房", None, "106°46′12″E", "31°52′12″N", "李娜", None, None, None,
         None, "DMS"],
        ["坏坐标", "滑坡", 2, "abc", 31.87, None, None, None, None, None, None],
        ["超范围", "滑坡", 2, 200, 31.87, None, None, None, None, None, None],
        ["颠倒", "滑坡", 2, g[1], g[0], None, None, None, None, None, None],
        [None, "滑坡", 2, 106.73, 31.86, None, None, None, None, None, None],
        ["坏等级", "滑坡", 5, 106.73, 31.86, None, None, None, None, None, None],
        ["滑坡点1", "滑坡", 2, *near, None, None, None, None, None, None],
        ["区外内涝", "内涝点", None, *out, None, None, None, None, None, None],
        ["LEC点", "燃气", None, 106.78, 31.88, None, None, 6, 6, 15, None],
        ["无坐标", "滑坡", 2, None, None, None, None, None, None, None, None],
        ["坏电话", "滑坡", 2, 106.74, 31.88, None, "打电话", None, None, None, None],
    ]  # fmt: skip


@pytest.fixture
def ledger_xlsx(tmp_path):
    """A grid worker's workbook in GCJ-02 with Chinese headers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in _ledger_rows():
        sheet.append(row)
    path = tmp_path / "台账.xlsx"
    book.save(path)
    return path


def test_xlsx_chinese_headers_good_and_bad_rows(project, ledger_xlsx):
    """Every bad row is reported with its row number and reason; the rest import."""
    report = import_file(project, ledger_xlsx, "gcj02", user="wang")
    reasons = dict(report.rejected)
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 12, 13]
    assert "unreadable coordinate" in reasons[4]
    assert "out of range" in reasons[5]
    assert "swapped" in reasons[6]
    assert "required" in reasons[7]
    assert "风险等级" in reasons[8]
    assert "duplicate of row 2" in reasons[9]
    assert "missing coordinate" in reasons[12]
    assert "phone" in reasons[13]
    assert report.flagged == [(10, "outside every community (不在任何社区内)")]
    assert report.ignored_columns == ["备注"]
    assert (report.total, report.imported) == (12, 4)
    points = project.points()
    assert points["name"].tolist() == ["滑坡点1", "危房A", "区外内涝", "LEC点"]
    assert points["level"].tolist() == [2, 3, 3, 1]
    assert points["level_method"].tolist() == ["direct", "direct", "direct", "lec"]
    assert points["community_id"].tolist()[:2] == ["C1", "C2"]
    assert points["community_id"].isna().tolist()[2]
    assert points["phone"].iloc[0] == "13800000001"
    d = metres_between(
        points.geometry.x.iloc[0], points.geometry.y.iloc[0], 106.72, 31.87
    )
    assert d < 0.5  # GCJ-02 converted back to WGS84
    wlon, wlat = gcj02_to_wgs84(106.77, 31.87)  # the DMS row, read as GCJ-02
    assert points.geometry.x.iloc[1] == pytest.approx(float(wlon), abs=1e-9)
    assert points.geometry.y.iloc[1] == pytest.approx(float(wlat), abs=1e-9)
    log = project.history()
    assert [e["action"] for e in log].count("import") == 4
    assert log[-1]["action"] == "import-file"
    assert log[-1]["after"]["rejected"] == 8


def test_strict_imports_nothing(project, ledger_xlsx):
    """--strict: one bad row and nothing is written, not even to the log."""
    with pytest.raises(InputDataError, match="8 of 12 rows are invalid"):
        import_file(project, ledger_xlsx, "gcj02", strict=True, user="wang")
    assert len(project.points(include_deleted=True)) == 0
    assert project.history() == []


def test_preview_writes_nothing(project, ledger_xlsx):
    """preview_import validates with the project (duplicates, flags) read-only."""
    report = preview_import(ledger_xlsx, "gcj02", project=project)
    assert len(report.accepted) == 4
    assert report.accepted["row"].tolist() == [2, 3, 10, 11]
    assert report.accepted.crs.to_epsg() == 4326
    assert report.imported == 0
    assert len(project.points()) == 0


def test_reimport_is_rejected_as_duplicates(project, ledger_xlsx):
    """Importing the same workbook twice adds nothing the second time."""
    import_file(project, ledger_xlsx, "gcj02", user="wang")
    again = import_file(project, ledger_xlsx, "gcj02", user="wang")
    assert again.imported == 0
    assert "duplicate of point" in dict(again.rejected)[2]
    assert len(project.points()) == 4


def test_csv_gbk_english_headers_and_epsg(tmp_path, project):
    """A GBK CSV with English headers in a projected CRS (EPSG:4545)."""
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 4545, always_xy=True).transform(
        [106.72, 106.78], [31.87, 31.88]
    )
    frame = pd.DataFrame({"Name": ["积水点", "加油站甲"], "type": ["内涝点", "加油站"],
                          "x": x, "y": y, "responsible": ["王五", "赵六"]})  # fmt: skip
    path = tmp_path / "ledger.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    report = import_file(project, path, "EPSG:4545", user="wang")
    assert (report.imported, report.rejected) == (2, [])
    points = project.points()
    assert points["responsible"].tolist() == ["王五", "赵六"]
    dist = metres_between(points.geometry.x, points.geometry.y, [106.72, 106.78],
                          [31.87, 31.88])  # fmt: skip
    assert dist.max() < 0.01


def test_geojson_in_bd09_and_shapefile_and_geopackage(tmp_path, project):
    """Vector files: BD-09 GeoJSON converted; a projected Shapefile and a GeoPackage
    reprojected from their own CRS."""
    lon, lat = np.array([106.72, 106.77]), np.array([31.87, 31.88])
    blon, blat = wgs84_to_bd09(lon, lat)
    attrs = {"名称": ["百度点1", "百度点2"], "类型": ["危房", "燃气"]}
    bd = gpd.GeoDataFrame(attrs, geometry=shapely.points(blon, blat), crs=4326)
    bd.to_file(tmp_path / "bd.geojson", engine="pyogrio")
    report = import_file(project, tmp_path / "bd.geojson", "bd09", user="u")
    assert report.imported == 2
    pts = project.points()
    assert metres_between(pts.geometry.x, pts.geometry.y, lon, lat).max() < 0.5
    for suffix, name in ((".shp", "形状点"), (".gpkg", "包点")):
        gdf = gpd.GeoDataFrame(
            {"name": [name], "type": ["消防"]},
            geometry=[shapely.Point(106.73, 31.86)],
            crs=4326,
        )
        path = tmp_path / f"layer{suffix}"
        gdf.to_crs(4545).to_file(path, engine="pyogrio", encoding="UTF-8")
        assert import_file(project, path, "wgs84", user="u").imported == 1
    pts = project.points()
    assert pts["name"].tolist()[-2:] == ["形状点", "包点"]
    d = metres_between(
        pts.geometry.x.iloc[-2:], pts.geometry.y.iloc[-2:], 106.73, 31.86
    )
    assert d.max() < 0.01


def test_export_xlsx_csv_geojson_round_trip(
    tmp_path, project, ledger_xlsx, communities
):
    """XLSX/CSV carry Chinese headers and re-import unchanged; GeoJSON is WGS84."""
    import_file(project, ledger_xlsx, "gcj02", user="wang")
    original = project.points()
    out = export_points(project, tmp_path / "out" / "台账.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(out).active
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["编号", "网格编码", "名称", "类别", "类型", "风险等级"]
    assert headers[-2:] == ["经度", "纬度"]
    assert "已删除" not in headers
    export_points(project, tmp_path / "out.csv", "csv")
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for path in (out, tmp_path / "out.csv"):
        fresh = Project.create(tmp_path / f"copy{path.suffix}.gpkg", communities)
        report = import_file(fresh, path, "wgs84", user="copy")
        assert (report.imported, report.rejected) == (4, [])
        again = fresh.points()
        for col in ("id", "name", "type", "level", "level_method", "responsible",
                    "phone", "status", "community_id", "lec_c"):  # fmt: skip
            pd.testing.assert_series_equal(again[col], original[col], check_dtype=False)
        assert metres_between(again.geometry.x, again.geometry.y, original.geometry.x,
                              original.geometry.y).max() < 0.02  # fmt: skip
        fresh.close()
    export_points(project, tmp_path / "out.geojson")
    back = gpd.read_file(tmp_path / "out.geojson")
    assert back.crs.to_epsg() == 4326
    assert back["name"].tolist() == original["name"].tolist()
    assert np.allclose(back.geometry.x, original.geometry.x)


def test_unknown_format_and_missing_coordinates(tmp_path, project):
    """Clear errors for an unknown export format and a table without coordinates."""
    with pytest.raises(InputDataError, match="xlsx, csv, geojson"):
        export_points(project, tmp_path / "x.pdf")
    path = tmp_path / "nocoords.csv"
    path.write_text("名称,类型\n甲,滑坡\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="经度/纬度"):
        preview_import(path, "wgs84")


def test_import_from_another_project_skips_deleted(tmp_path, project, communities):
    """A riskmap project as input: its points layer, without deleted points."""
    other = Project.create(tmp_path / "other.gpkg", communities)
    keep = other.add_point({"name": "保留", "type": "危房"}, 106.72, 31.87, user="u")
    gone = other.add_point({"name": "删除", "type": "危房"}, 106.73, 31.87, user="u")
    other.delete_point(gone, user="u")
    other.close()
    report = import_file(project, tmp_path / "other.gpkg", "wgs84", user="u")
    assert (report.imported, report.rejected) == (1, [])
    assert project.points()["id"].tolist() == [keep]


def test_swapped_without_a_project_uses_the_china_box(tmp_path):
    """With no communities the study area is China: swapped rows are caught there,
    and a valid point elsewhere in China is accepted."""
    path = tmp_path / "l.csv"
    path.write_text(
        "名称,类型,纬度,经度\n甲,危房,106.72,31.87\n乙,危房,39.9,116.4\n"
        "丙,危房,95,200\n",
        encoding="utf-8",
    )
    report = preview_import(path, "wgs84")
    reasons = dict(report.rejected)
    assert sorted(reasons) == [2, 4]
    assert "swapped" in reasons[2]
    assert "out of range" in reasons[4]
    assert report.accepted["name"].tolist() == ["乙"]
