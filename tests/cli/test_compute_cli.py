"""``riskmap compute`` end to end: outputs, independent checks, exit codes."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from rasterio.warp import Resampling, calculate_default_transform, reproject
from tests.helpers import write_raster

from riskmap.cli import main
from riskmap.io.result import read_result

exactextract = pytest.importorskip("exactextract")


def _compute(communities, out, *extra):
    return main(
        [
            "-q",
            "compute",
            "--communities",
            str(communities),
            "--out",
            str(out),
            *map(str, extra),
        ]
    )


def test_compute_writes_every_layer(
    tmp_path, communities_gpkg, flood_tif, points_geojson
):
    """RESULT.gpkg has cells, communities, points, run_info with documented fields."""
    out = tmp_path / "result.gpkg"
    code = _compute(
        communities_gpkg,
        out,
        "--hazard",
        f"flood={flood_tif}",
        "--points",
        points_geojson,
    )
    assert code == 0
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"cells", "communities", "points", "run_info"} <= layers
    result = read_result(out)
    cells = result.cells
    for col in (
        "cell_id",
        "community_id",
        "community",
        "flood_mean",
        "flood_max",
        "flood_frac",
        "points_n",
        "score",
        "score_hazard",
        "score_points",
        "level",
        "level_name",
        "color",
    ):
        assert col in cells.columns
    assert set(cells["community"]) == {"示例社区甲", "示例社区乙"}
    assert cells["level"].between(1, 4).all()
    assert result.run_info.crs_name.startswith("EPSG:4545")
    comm = result.communities.set_index("community_id")
    assert (comm["cells_n"] == cells.groupby("community_id").size()).all()
    assert (
        comm[[f"cells_l{k}" for k in (1, 2, 3, 4)]].sum(axis=1).equals(comm["cells_n"])
    )
    assert (
        comm["max_level"].to_dict()
        == cells.groupby("community_id")["level"].min().to_dict()
    )
    pts = result.points
    assert pts["cell_id"].notna().sum() == 4  # the school lies outside both communities
    assert pts["level"].tolist()[3] == 3  # 燃气 has no level: the type default


def test_cell_statistics_equal_exactextract(tmp_path, communities_gpkg, flood_tif):
    """Every output cell's statistics equal exactextract on the same polygons."""
    out = tmp_path / "r.gpkg"
    assert _compute(communities_gpkg, out, "--hazard", f"flood={flood_tif}") == 0
    cells = read_result(out).cells
    ref = exactextract.exact_extract(
        str(flood_tif), cells, ["mean", "max"], output="pandas"
    )
    np.testing.assert_allclose(cells["flood_mean"], ref["mean"], rtol=1e-6)
    np.testing.assert_allclose(cells["flood_max"], ref["max"], rtol=1e-6)


def test_raster_in_another_crs_is_reprojected(tmp_path, communities_gpkg, flood_tif):
    """A hazard raster in EPSG:4326 under communities in EPSG:4545 is reprojected.

    The raster is warped (bilinear) to the working CRS; statistics are compared with
    exactextract on the same warped grid.
    """
    with rasterio.open(flood_tif) as src:
        transform, w, h = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds
        )
        data = np.full((h, w), -9999.0, dtype="float32")
        reproject(
            src.read(1),
            data,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            src_nodata=-9999,
            dst_nodata=-9999,
            resampling=Resampling.nearest,
        )
    geo = write_raster(
        tmp_path / "flood4326.tif", data, crs="EPSG:4326", transform=transform
    )
    out = tmp_path / "r.gpkg"
    assert _compute(communities_gpkg, out, "--hazard", f"flood={geo}") == 0
    cells = read_result(out).cells
    assert cells["flood_mean"].notna().mean() > 0.95
    direct = tmp_path / "d.gpkg"
    _compute(communities_gpkg, direct, "--hazard", f"flood={flood_tif}")
    d = read_result(direct).cells
    # same place, same magnitude: means agree on average (resampled twice)
    assert abs(np.nanmean(cells["flood_mean"]) - np.nanmean(d["flood_mean"])) < 0.1


def test_zone_hazard(tmp_path, communities_gpkg):
    """Zone polygons give the highest class touching each cell and its share."""
    zones = gpd.GeoDataFrame(
        {"等级": ["高", "低"]},
        geometry=[
            shapely.box(502_000, 3_497_000, 503_000, 3_498_000),
            shapely.box(501_000, 3_496_000, 504_000, 3_499_000),
        ],
        crs="EPSG:4545",
    )
    zpath = tmp_path / "zones.gpkg"
    zones.to_file(zpath)
    out = tmp_path / "r.gpkg"
    points = gpd.GeoDataFrame(
        {"name": ["in both", "in low", "outside"], "type": ["危房"] * 3},
        geometry=gpd.points_from_xy(
            [502_500, 501_500, 509_000], [3_497_500, 3_496_500, 3_496_500]
        ),
        crs="EPSG:4545",
    )
    ppath = tmp_path / "p.gpkg"
    points.to_file(ppath)
    assert (
        _compute(
            communities_gpkg,
            out,
            "--hazard",
            f"flood_zone={zpath}:等级",
            "--points",
            ppath,
        )
        == 0
    )
    result = read_result(out)
    assert result.points["flood_zone"].tolist()[:2] == ["高", "低"]
    assert result.points["flood_zone"].isna().tolist() == [False, False, True]
    cells = result.cells
    inner = cells[cells.geometry.within(zones.geometry[0])]
    assert (inner["flood_zone_class"] == "高").all()
    assert np.allclose(inner["flood_zone_frac"], 1.0)
    assert (inner["level"] == 1).all()  # 高 = severity 0.75 = the red threshold
    low_only = cells[cells["flood_zone_class"] == "低"]
    assert len(low_only) > 0
    assert (low_only["level"] == 3).all()  # 低 = severity 0.25 = the yellow threshold
    outside = cells[cells["flood_zone_class"].isna()]
    assert (outside["flood_zone_sev"] == 0).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--communities", "missing.gpkg"], "file not found"),
        (["--hazard", "flood=missing.tif"], "file not found"),
        (["--hazard", "rain={flood}"], "not in the risk model"),
        (["--id-field", "nope"], "no field 'nope'"),
        (["--hazard", "flood"], "NAME=PATH"),
        (["--cell-size", "-5"], "cell-size"),
        (["--crs", "EPSG:99999"], "EPSG:99999"),
    ],
)
def test_bad_input_exits_2(
    tmp_path, capsys, communities_gpkg, flood_tif, args, message
):
    """Each bad input gives exit 2 and a one-line message naming the problem."""
    args = [a.format(flood=flood_tif) for a in args]
    if "--communities" not in args:
        args = ["--communities", str(communities_gpkg), *args]
    code = main(["compute", *args, "--out", str(tmp_path / "o.gpkg")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "o.gpkg").exists()


def test_raster_beside_the_communities(
    tmp_path, capsys, communities_gpkg, hazard_array
):
    """A raster that does not overlap the communities is an input error."""
    far = write_raster(
        tmp_path / "far.tif",
        hazard_array,
        transform=rasterio.transform.from_origin(300_000, 2_000_000, 30, 30),
    )
    code = main(
        [
            "compute",
            "--communities",
            str(communities_gpkg),
            "--hazard",
            f"flood={far}",
            "--out",
            str(tmp_path / "o.gpkg"),
        ]
    )
    assert code == 2
    assert "does not overlap" in capsys.readouterr().err


def test_ascii_grid_without_prj_needs_a_crs(
    tmp_path, capsys, communities_gpkg, flood_tif
):
    """An ASCII grid with no .prj is refused unless --assume-crs names its CRS."""
    with rasterio.open(flood_tif) as src:
        data, transform = src.read(1), src.transform
    asc = tmp_path / "flood.asc"
    with rasterio.open(
        asc,
        "w",
        driver="AAIGrid",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype="float32",
        transform=transform,
        nodata=-9999,
    ) as dst:
        dst.write(data, 1)
    asc.with_suffix(".prj").unlink(missing_ok=True)
    out = tmp_path / "o.gpkg"
    args = [
        "compute",
        "--communities",
        str(communities_gpkg),
        "--hazard",
        f"flood={asc}",
        "--out",
        str(out),
    ]
    assert main(args) == 2
    assert "no coordinate reference system" in capsys.readouterr().err
    assert main(["-q", *args, "--assume-crs", "EPSG:4545"]) == 0
    assert read_result(out).cells["flood_mean"].notna().any()


def test_cli_process_exit_codes(tmp_path, communities_gpkg):
    """Run as a real process: exit 2, one line on stderr, no traceback."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "riskmap",
            "compute",
            "--communities",
            str(tmp_path / "none.shp"),
            "--out",
            str(tmp_path / "o.gpkg"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "none.shp" in proc.stderr


def test_failed_run_keeps_the_old_result(tmp_path, communities_gpkg, flood_tif):
    """A failed run leaves an existing RESULT.gpkg untouched and no temp files."""
    out = tmp_path / "r.gpkg"
    assert _compute(communities_gpkg, out, "--hazard", f"flood={flood_tif}") == 0
    before = out.read_bytes()
    assert _compute(communities_gpkg, out, "--hazard", "flood=missing.tif") == 2
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_management_grid_replaces_the_fishnet(tmp_path, communities_gpkg, flood_tif):
    """--grid uses the given 网格 polygons, ids from --grid-id-field, exact stats."""
    grid = gpd.GeoDataFrame(
        {"网格编码": ["511923001001", "511923001002", "511923001003"]},
        geometry=[
            shapely.box(501_000, 3_496_000, 502_000, 3_497_000),
            shapely.Point(503_000, 3_497_500).buffer(400),
            shapely.box(600_000, 3_000_000, 600_500, 3_000_500),
        ],  # nowhere
        crs="EPSG:4545",
    )
    gpath = tmp_path / "grid.gpkg"
    grid.to_file(gpath)
    out = tmp_path / "r.gpkg"
    assert (
        _compute(
            communities_gpkg,
            out,
            "--grid",
            gpath,
            "--grid-id-field",
            "网格编码",
            "--hazard",
            f"flood={flood_tif}",
        )
        == 0
    )
    cells = read_result(out).cells
    assert cells["cell_id"].tolist() == ["511923001001", "511923001002"]
    ref = exactextract.exact_extract(str(flood_tif), cells, ["mean"], output="pandas")
    np.testing.assert_allclose(cells["flood_mean"], ref["mean"], rtol=1e-6)


def test_quiet_may_follow_any_sub_command(
    tmp_path, communities_gpkg, flood_tif, capsys
):
    """``-q`` also works after nested sub-commands (``riskmap export geojson -q``)."""
    out = tmp_path / "r.gpkg"
    args = ["compute", "--communities", str(communities_gpkg)]
    args += ["--hazard", f"flood={flood_tif}", "--out", str(out), "-q"]
    assert main(args) == 0
    capsys.readouterr()
    assert (
        main(["export", "geojson", str(out), "--out", str(tmp_path / "gj"), "-q"]) == 0
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert (tmp_path / "gj" / "cells.geojson").exists()


def test_unwritable_outputs_exit_2(
    tmp_path, communities_gpkg, flood_tif, capsys, monkeypatch
):
    """A folder that is a file, or a full disk, is a one-line error, not a traceback."""
    out = tmp_path / "r.gpkg"
    args = ["-q", "compute", "--communities", str(communities_gpkg)]
    assert main([*args, "--hazard", f"flood={flood_tif}", "--out", str(out)]) == 0
    (tmp_path / "a_file").write_text("x")
    bad = tmp_path / "a_file" / "gj"
    assert main(["-q", "export", "geojson", str(out), "--out", str(bad)]) == 2
    assert "a_file" in capsys.readouterr().err

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    # the command imports the writer when it runs
    monkeypatch.setattr("riskmap.export.geojson.write_geojson", full_disk)
    assert main(["-q", "export", "geojson", str(out), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert "Traceback" not in err
