"""Files users actually have: InaSAFE's Jakarta layers as they are, GCJ-02 tables,
upper-case shapefile fields, oversized grids, killed runs, infinite rasters."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely

from riskmap import cli
from riskmap.atomic import atomic_path, remove_stale_temporaries, temp_prefix
from riskmap.cli import main
from riskmap.errors import RiskmapWarning
from riskmap.io.chinacoords import wgs84_to_gcj02

INASAFE = Path(__file__).resolve().parents[1] / "data" / "inasafe"
LAYERS = Path(__file__).resolve().parents[2] / "layers"
YES_NO_MODEL = """
name = "Jakarta flood-prone (YES/NO)"
[hazards.flood_zone]
label_zh = "易涝区"
label_en = "Flood prone"
kind = "zones"
classes = { "YES" = 1.0, "NO" = 0.0 }
[points]
default_radius = 30
"""


def _run(argv: list[str], capsys) -> tuple[int, str]:
    """Run the CLI in-process; exit status and stderr."""
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def jakarta(tmp_path_factory) -> Path:
    """compute over InaSAFE's Jakarta grid with its flood-prone polygons (YES, yes,
    NO, no) and its buildings (fields NAME, TYPE) as risk points."""
    folder = tmp_path_factory.mktemp("jakarta")
    model = folder / "yes_no.toml"
    model.write_text(YES_NO_MODEL, encoding="utf-8")
    out = folder / "RESULT.gpkg"
    code = main([
        "-q", "compute", "--communities", str(INASAFE / "grid_jakarta_4326.geojson"),
        "--hazard",
        f"flood_zone={INASAFE / 'flood_multipart_polygons.shp'}:FLOODPRONE",
        "--points", str(INASAFE / "buildings.shp"), "--model", str(model),
        "--cell-size", "100", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    return out


def test_inasafe_mixed_case_classes_are_one_class(jakarta):
    """A cell inside a polygon marked "yes" is in class YES, like one marked "YES";
    there is one column per class (no ..._frac_yes beside ..._frac_YES)."""
    cells = pyogrio.read_dataframe(jakarta, layer="cells")
    zones = gpd.read_file(INASAFE / "flood_multipart_polygons.shp").to_crs(cells.crs)
    assert set(zones["FLOODPRONE"]) == {"YES", "yes", "NO", "no"}
    frac = sorted(c for c in cells.columns if c.startswith("flood_zone_frac_"))
    assert frac == ["flood_zone_frac_NO", "flood_zone_frac_YES"]
    assert set(cells["flood_zone_class"].dropna()) <= {"YES", "NO"}
    for value in ("yes", "YES"):
        inner = zones[zones["FLOODPRONE"] == value].geometry.iloc[0]
        spot = shapely.Point(inner.representative_point())
        cell = cells[cells.contains(spot)].iloc[0]
        assert cell["flood_zone_class"] == "YES"
        assert cell["level"] == 1


def test_inasafe_upper_case_fields_are_kept(jakarta):
    """Buildings' NAME and TYPE stay, as src_NAME and src_TYPE, beside riskmap's
    name and type (GeoPackage field names ignore case)."""
    points = pyogrio.read_dataframe(jakarta, layer="points")
    buildings = gpd.read_file(INASAFE / "buildings.shp")
    assert len(points) == len(buildings)
    assert {"src_NAME", "src_TYPE", "name", "type", "BUILDING"} <= set(points.columns)
    named = buildings["NAME"].notna().to_numpy()
    assert (points["src_NAME"][named].to_numpy() == buildings["NAME"][named]).all()
    assert (points["name"][named].to_numpy() == buildings["NAME"][named]).all()
    lowered = [c.casefold() for c in points.columns]
    assert len(lowered) == len(set(lowered))


def test_model_case_twins_are_refused(tmp_path, capsys):
    """Model classes NO and no would be two columns: the model is refused."""
    model = tmp_path / "twins.toml"
    model.write_text(
        YES_NO_MODEL.replace('"NO" = 0.0', '"NO" = 0.0, "no" = 0.5'), encoding="utf-8"
    )
    code, err = _run(["-q", "compute", "--communities",
                      str(INASAFE / "grid_jakarta_4326.geojson"),
                      "--model", str(model), "--out", str(tmp_path / "r.gpkg")],
                     capsys)  # fmt: skip
    assert code == 2
    assert "hazards.flood_zone: classes 'NO' and 'no' are the same class" in err


@pytest.fixture(scope="module")
def amap_table(tmp_path_factory) -> tuple[Path, gpd.GeoDataFrame]:
    """The sample risk points as an AMap (GCJ-02) CSV with Chinese headers."""
    points = gpd.read_file(LAYERS / "risk_points.geojson").iloc[:20]
    lon, lat = wgs84_to_gcj02(points.geometry.x, points.geometry.y)
    table = pd.DataFrame({
        "隐患名称": points["name"], "隐患类型": points["type"],
        "风险等级": points["level"], "经度": lon, "纬度": lat,
    })  # fmt: skip
    path = tmp_path_factory.mktemp("amap") / "amap.csv"
    table.to_csv(path, index=False)
    return path, points


def _compute_points(table: Path, out: Path, capsys, *extra: str):
    """compute over the sample communities with *table* as the risk points."""
    argv = ["-q", "compute", "--communities", str(LAYERS / "communities.geojson"),
            "--cell-size", "200", "--points", str(table), "--out", str(out), *extra]
    return _run(argv, capsys)  # fmt: skip


@pytest.mark.parametrize(
    "option", [["--points-coords", "gcj02"], ["--assume-crs", "gcj02"]]
)
def test_gcj02_points_land_where_they_are(amap_table, tmp_path, capsys, option):
    """Declared GCJ-02 points come back to their WGS84 place (< 0.5 m), with the
    ledger's Chinese headers read by compute."""
    table, truth = amap_table
    code, err = _compute_points(table, tmp_path / "r.gpkg", capsys, *option)
    assert code == 0, err
    got = pyogrio.read_dataframe(tmp_path / "r.gpkg", layer="points").to_crs(4545)
    want = truth.to_crs(4545)
    assert got.geometry.distance(want.geometry, align=False).max() < 0.5
    assert list(got["name"]) == list(truth["name"])
    assert list(got["type"]) == list(truth["type"])


def test_undeclared_table_is_wgs84_with_a_warning(amap_table, tmp_path, capsys):
    """Without a declaration the table is read as WGS84 and the warning names the
    option (here the points are then hundreds of metres off, as AMap's are)."""
    table, truth = amap_table
    code, err = _compute_points(table, tmp_path / "r.gpkg", capsys)
    assert code == 0
    assert "--points-coords gcj02" in err
    got = pyogrio.read_dataframe(tmp_path / "r.gpkg", layer="points").to_crs(4545)
    offset = got.geometry.distance(truth.to_crs(4545).geometry, align=False)
    assert offset.min() > 100


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--assume-crs", "garbage"], "--assume-crs 'garbage' is not a coordinate"),
        (["--points-coords", "mars"], "--coords 'mars'"),
        (["--cell-size", "1"], "would make about"),
        (["--cell-size", "0.01"], "cells"),
        (["--cell-size", "1e300"], "--cell-size must be"),
        (["--memory-mb", "0"], "--memory-mb must be"),
        (["--memory-mb", "-5"], "--memory-mb must be"),
        (["--memory-mb", "nan"], "--memory-mb must be"),
        (["--crs", "EPSG:4326"], "is in degrees; cells and radii need metres"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, option, message):
    """Bad option values: exit 2 with one line, before any cell is built."""
    code, err = _run(["-q", "compute", "--communities",
                      str(LAYERS / "communities.geojson"), *option,
                      "--out", str(tmp_path / "r.gpkg")], capsys)  # fmt: skip
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.gpkg").exists()


def test_cell_estimate_names_a_cell_size_that_fits(tmp_path, capsys):
    """The refusal says how many cells and which cell size would fit.

    compute streams its cells, so only the hard cap limits their number.
    """
    code, err = _run(["-q", "compute", "--communities",
                      str(LAYERS / "communities.geojson"), "--cell-size", "1.2",
                      "--memory-mb", "64", "--out", str(tmp_path / "r.gpkg")],
                     capsys)  # fmt: skip
    assert code == 2
    assert "limit is 50,000,000 cells (the hard cap)" in err
    assert "Use --cell-size 2 or more" in err


def test_unknown_type_and_outside_points_are_explained(tmp_path, capsys):
    """内涝 -> did you mean 内涝点; a Chengdu point in a Bazhong run is counted."""
    table = tmp_path / "pts.csv"
    table.write_text(
        "name,type,level,经度,纬度\n积水,内涝,3,107.16,31.60\n"
        "成都点,滑坡,2,104.06,30.67\n",
        encoding="utf-8",
    )
    code, err = _compute_points(table, tmp_path / "r.gpkg", capsys, "--points-coords",
                                "wgs84")  # fmt: skip
    assert code == 0
    assert "unknown type '内涝'" in err
    assert "did you mean 内涝点 (150 m)?" in err
    assert "default radius 200 m" in err
    assert "1 of 2 risk points lie outside every community (P00002" in err


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("level", "level '紫' is not a level (1 bad value(s)); use 1-4, "
         "红/橙/黄/蓝 or 重大/较大/一般/低"),
        ("可能性", "可能性 '7' is not a likelihood class (1 bad value(s)); "
         "use 1-5 or leave it empty"),
    ],
)  # fmt: skip
def test_bad_point_values_list_accepted_values(tmp_path, capsys, header, words):
    """Level 紫 or likelihood 7: exit 2, one line with the row and accepted values."""
    table = tmp_path / "pts.csv"
    row = "甲,滑坡,紫,107.16,31.60" if header == "level" else "甲,滑坡,2,7,107.16,31.60"
    head = "name,type,level" + ("" if header == "level" else f",{header}")
    table.write_text(f"{head},经度,纬度\n{row}\n", encoding="utf-8")
    code, err = _compute_points(table, tmp_path / "r.gpkg", capsys)
    assert code == 2
    assert f"row 2: {words}" in err.strip().splitlines()[-1]


def test_infinite_raster_cells_are_no_data(tmp_path, capsys):
    """inf pixels are no data with one warning, never an infinite depth."""
    with rasterio.open(LAYERS / "flood_depth.tif") as src:
        profile, band = src.profile, src.read(1)
    band[550:620, 120:200] = np.inf
    raster = tmp_path / "inf.tif"
    with rasterio.open(raster, "w", **profile) as dst:
        dst.write(band, 1)
    out = tmp_path / "r.gpkg"
    argv = ["-q", "compute", "--communities", str(LAYERS / "communities.geojson"),
            "--cell-size", "200", "--hazard", f"flood={raster}", "--out", str(out)]
    code, err = _run(argv, capsys)  # fmt: skip
    assert code == 0
    assert err.count("infinite cells; they are treated as no data") == 1
    cells = pyogrio.read_dataframe(out, layer="cells")
    assert np.isfinite(cells["flood_max"].dropna()).all()
    assert cells["flood_max"].isna().sum() > 0


def test_stale_temporaries_of_dead_runs_are_removed(tmp_path, capsys):
    """A killed run's temporaries go on the next run; a live process's stay."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    stale = [tmp_path / f".RESULT.rmtmp{pid}-abc.gpkg",
             tmp_path / f".RESULT.rmtmp{pid}-abc.gpkg-journal",
             tmp_path / f".RESULT.rmtmp{pid}-abc.gpkg.tmp_rtree_cells.db"]  # fmt: skip
    live = tmp_path / f".RESULT.rmtmp{os.getppid()}-xyz.gpkg"
    for path in [*stale, live]:
        path.write_bytes(b"x" * 1000)
    (tmp_path / f".maps.rmtmp{pid}-q").mkdir()
    code, _ = _run(["-q", "compute", "--communities",
                    str(LAYERS / "communities.geojson"), "--cell-size", "500",
                    "--out", str(tmp_path / "RESULT.gpkg")], capsys)  # fmt: skip
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["RESULT.gpkg", "RESULT_cells_level.tif", live.name])


def test_interrupted_writer_removes_its_own_files(tmp_path):
    """Ctrl-C inside a write: the temporary and its side files go, the old file
    stays as it was."""
    target = tmp_path / "RESULT.gpkg"
    target.write_bytes(b"old result")
    made = []

    def interrupted_write() -> None:
        with atomic_path(target) as tmp:
            for suffix in ("", "-journal", ".tmp_rtree_cells.db"):
                Path(f"{tmp}{suffix}").write_bytes(b"partial")
            made.append(tmp.name)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_write()
    assert made[0].startswith(temp_prefix("RESULT"))
    assert [p.name for p in tmp_path.iterdir()] == ["RESULT.gpkg"]
    assert target.read_bytes() == b"old result"
    assert remove_stale_temporaries(tmp_path) == []


def test_library_warnings_stay_off_stderr(capsys, monkeypatch):
    """numpy/GDAL warnings are not shown to users; riskmap's are; debug shows all."""
    monkeypatch.delenv("RISKMAP_DEBUG", raising=False)
    cli._show_warning("converting a masked element to nan", UserWarning, "x.py", 1)
    cli._show_warning("repaired 2 geometries", RiskmapWarning, "x.py", 1)
    err = capsys.readouterr().err
    assert err == "riskmap: warning: repaired 2 geometries\n"
    monkeypatch.setenv("RISKMAP_DEBUG", "1")
    cli._show_warning("converting a masked element to nan", UserWarning, "x.py", 1)
    assert "masked element" in capsys.readouterr().err


def test_points_sampled_from_masked_raster_raise_no_numpy_warning(tmp_path):
    """Points over nodata pixels: NaN, without numpy's masked-element warning."""
    from riskmap.io.rasters import describe_raster, sample_raster

    raster = describe_raster(LAYERS / "flood_depth.tif")
    xy = np.array([[raster.bounds[0] + 5, raster.bounds[3] - 5], [1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = sample_raster(raster, xy, raster.crs)
    assert np.isnan(values[1])


def _matrix_model(tmp_path: Path) -> Path:
    """The default model with the likelihood × consequence matrix selected."""
    from riskmap.model import default_model_path

    text = default_model_path().read_text(encoding="utf-8")
    path = tmp_path / "matrix.toml"
    path.write_text(text.replace('level_rule = "max"', 'level_rule = "matrix"'),
                    encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("field", "likelihood", "level"),
    [("LS_L", 5, 2), ("LS_L", 1, 4), ("LS_L", "", 2), ("LIKELIHOOD", 1, 4)],
)
def test_point_likelihood_enters_the_matrix(tmp_path, capsys, field, likelihood, level):
    """A level-2 point (base 0.7 -> consequence 3, no people) in its own cell:
    likelihood 5 -> 15 orange, 1 -> 3 blue; none given -> its own level 2. The
    ledger's LS_L field is found in upper case."""
    table = tmp_path / "pts.csv"
    table.write_text(f"name,type,level,{field},经度,纬度\n积水,未分类,2,{likelihood},"
                     "107.16,31.60\n", encoding="utf-8")  # fmt: skip
    code, err = _compute_points(table, tmp_path / "r.gpkg", capsys,
                                "--model", str(_matrix_model(tmp_path)))  # fmt: skip
    assert code == 0, err
    cells = pyogrio.read_dataframe(tmp_path / "r.gpkg", layer="cells")
    point = pyogrio.read_dataframe(tmp_path / "r.gpkg", layer="points")
    held = cells[cells["cell_id"] == point["cell_id"].iloc[0]]
    assert int(held["level"].iloc[0]) == level
    assert int(point["likelihood"].iloc[0]) == (likelihood or 0)
