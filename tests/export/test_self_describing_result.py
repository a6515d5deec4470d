"""A result describes itself: its grid and its model's hazard classes and colours
travel in run_info, and every exporter draws from them, never from bundled data.

The study area is Chengdu-like: UTM zone 48N (EPSG:32648), far from the bundled
Bazhong sample, with a custom risk model whose flood ramp is nothing like the
bundled blues.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import types
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pytest
import shapely
from matplotlib.figure import Figure
from rasterio.transform import from_origin
from tests.export.test_print_helpers import needs_cjk
from tests.helpers import write_raster

from riskmap import resources
from riskmap.cli import main
from riskmap.core import zonal
from riskmap.core.grid import community_cells
from riskmap.domain import GridSpec, HazardInfo, RunInfo
from riskmap.export.gpkg import write_result
from riskmap.export.printmap.context import hazard_ramp
from riskmap.export.printmap.frame import draw_hazard
from riskmap.export.printmap.legend import HazardRamp
from riskmap.export.webmap.geometry import _apply, lattice_locator, on_lattice
from riskmap.export.webmap.html import read_spec
from riskmap.export.webmap.raster import hazard_overlay
from riskmap.io.rasters import open_in_crs
from riskmap.io.result import read_result
from riskmap.model import default_model_path

UTM48 = "EPSG:32648"
E0, N0 = 410_000.0, 3_393_000.0  # about 104.07 E, 30.66 N
RAMP = ["#112233", "#335577", "#5588AA", "#88BBDD", "#BBEEFF"]
BREAKS = [0.2, 0.4, 0.6, 0.8]


def _custom_model(folder: Path) -> Path:
    """The bundled model with the flood graded in other breaks and colours."""
    text = default_model_path().read_text(encoding="utf-8")
    text = text.replace("breaks = [0.5, 1.0, 2.0, 3.0]", f"breaks = {BREAKS}")
    old = '["#DEEBF7", "#9ECAE1", "#4292C6", "#08519C", "#08306B"]'
    text = text.replace(old, json.dumps(RAMP))
    path = folder / "chengdu_model.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _chengdu(folder: Path) -> tuple[Path, Path, Path]:
    """Two 1.5 km communities in UTM 48N and a flood-depth raster rising 0 -> 1 m
    eastward over them (10 m pixels)."""
    boxes = [
        shapely.box(E0, N0, E0 + 1500, N0 + 1500),
        shapely.box(E0 + 1500, N0, E0 + 3000, N0 + 1500),
    ]
    communities = folder / "chengdu.geojson"
    gpd.GeoDataFrame(
        {"community_id": ["CD1", "CD2"], "name": ["锦江示例", "青羊示例"]},
        geometry=boxes,
        crs=UTM48,
    ).to_crs(4326).to_file(communities)
    cols = np.arange(320)
    depth = np.tile(cols / 320.0, (170, 1)).astype("float32")
    flood = write_raster(
        folder / "flood.tif",
        depth,
        crs=UTM48,
        transform=from_origin(E0 - 100, N0 + 1600, 10.0, 10.0),
    )
    return communities, flood, _custom_model(folder)


@pytest.fixture(scope="module")
def chengdu(tmp_path_factory) -> tuple[Path, Path]:
    """The Chengdu-like area computed once in UTM 48N with the custom model."""
    folder = tmp_path_factory.mktemp("chengdu")
    communities, flood, model = _chengdu(folder)
    out = folder / "result.gpkg"
    argv = ["-q", "compute", "--communities", str(communities),
            "--hazard", f"flood={flood}", "--model", str(model), "--crs", UTM48,
            "--cell-size", "50", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out, folder


def _refuse_bundled(monkeypatch) -> None:
    """Make the bundled sample layers and the bundled model impossible to open."""

    def bundled(name: str) -> Path:
        if name == "layers":
            raise AssertionError("an exporter opened the bundled sample data")
        return original(name)

    def no_model() -> Path:
        raise AssertionError("an exporter opened the bundled risk model")

    original = resources._bundled
    monkeypatch.setattr(resources, "_bundled", bundled)
    monkeypatch.setattr("riskmap.model.default_model_path", no_model)


# --- the grid -----------------------------------------------------------------


def test_grid_and_run_info_round_trip_through_the_geopackage(chengdu, tmp_path):
    """GridSpec and RunInfo (hazard classes and ramp included) survive a write and
    a read, also for a grid whose origin is not riskmap's default."""
    result = read_result(chengdu[0])
    grid = result.grid
    assert grid.kind == "fishnet"
    assert grid.size == 50.0
    assert "UTM zone 48N" in result.run_info.crs_name
    r0, r1, c0, c1 = grid.window  # the lattice part covering the communities
    rows, cols = result.cells["row"], result.cells["col"]
    assert r0 <= rows.min()
    assert rows.max() < r1
    assert c0 <= cols.min()
    assert cols.max() < c1
    flood = result.run_info.hazard("flood")
    assert flood.graded
    assert list(flood.breaks) == BREAKS
    assert list(flood.ramp) == RAMP
    moved = GridSpec(25.0, 17.5, 3_400_013.0, result.run_info.crs, window=(1, 9, 2, 8))
    custom = dataclasses.replace(result, run_info=result.run_info.updated(grid=moved))
    again = read_result(write_result(custom, tmp_path / "moved.gpkg"))
    assert again.grid == moved
    assert again.run_info.hazards == result.run_info.hazards
    assert again.run_info.model == result.run_info.model


def test_an_older_result_still_opens(chengdu, tmp_path):
    """A run_info without the origin, window or hazard grading (riskmap before
    GridSpec) opens: default origin, hazards marked as not graded."""
    old = tmp_path / "old.gpkg"
    old.write_bytes(chengdu[0].read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute(
            "DELETE FROM run_info WHERE key IN ('fishnet_origin', 'grid_window')"
        )
        (text,) = conn.execute("SELECT value FROM run_info WHERE key = 'hazards'")
        hazards = [
            {k: v for k, v in h.items() if k in ("name", "kind", "path", "label_zh")}
            for h in json.loads(text[0])
        ]
        conn.execute(
            "UPDATE run_info SET value = ? WHERE key = 'hazards'",
            (json.dumps(hazards, ensure_ascii=False),),
        )
    result = read_result(old)
    assert (result.grid.x0, result.grid.y0, result.grid.window) == (0.0, 1.0e7, None)
    assert not result.run_info.hazard("flood").graded
    assert result.run_info.hazard("flood").model_rule is None


def test_pipeline_web_and_print_agree_on_an_offset_utm_lattice(tmp_path):
    """On a lattice with a non-zero origin in UTM 48N the cells (pipeline), the
    zonal rectangle path, the web locator and the printed contours all put cell
    (row, col) in the same place."""
    grid = GridSpec(30.0, 17.0, 3_400_013.0, UTM48)
    area = shapely.box(E0 + 5, N0 + 7, E0 + 905, N0 + 605)
    cells = gpd.GeoDataFrame(
        community_cells(area, "CD", "示例", grid), geometry="geometry", crs=UTM48
    )
    full = cells[cells["full"]]
    corners = full.geometry.bounds
    assert np.allclose(corners["minx"], 17.0 + full["col"] * 30.0)
    assert np.allclose(corners["maxy"], 3_400_013.0 - full["row"] * 30.0)
    # zonal: the rectangle path on the lattice equals the exact polygon path
    values = np.random.default_rng(3).random((80, 110)).astype("float32")
    tif = write_raster(
        tmp_path / "h.tif", values, crs=UTM48, transform=from_origin(E0, N0 + 700, 9, 9)
    )
    from riskmap.io.rasters import describe_raster

    with open_in_crs(describe_raster(tif), UTM48, "nearest") as reader:
        rect = zonal.cell_stats(reader, full, grid, 0.5)
        poly = zonal.polygon_stats(reader, full.geometry.values, 0.5)
    assert np.allclose(rect.mean, poly.mean)
    assert np.allclose(rect.max, poly.max)
    # web: the browser's polynomial takes a cell centre's lon/lat to its row/col
    assert on_lattice(cells, grid)
    assert not on_lattice(cells, dataclasses.replace(grid, x0=0.0))
    locator = lattice_locator(tuple(cells.total_bounds), UTM48, grid)
    centres = gpd.GeoSeries(full.geometry.centroid, crs=UTM48).to_crs(4326)
    xy = _apply(locator["fwd"], np.column_stack([centres.x, centres.y]))
    assert (grid.col_of(xy[:, 0]) == full["col"].to_numpy()).all()
    assert (grid.row_of(xy[:, 1]) == full["row"].to_numpy()).all()
    # print: a step in the cell means is contoured on the lattice edge between
    k = int(full["col"].median())
    cells["step_mean"] = np.where(cells["col"] >= k, 1.0, 0.0)
    ramp = HazardRamp("step", "", [0.5], ["#000000"])
    run = RunInfo(crs=UTM48, grid=grid)
    ctx = types.SimpleNamespace(
        result=types.SimpleNamespace(grid=run.grid), ramp=("step_mean", ramp)
    )
    ax = Figure().add_subplot()
    draw_hazard(ax, cells, ctx)
    xs = np.concatenate(
        [p.vertices[:, 0] for c in ax.collections for p in c.get_paths()]
    )
    assert np.allclose(xs, float(grid.left(k)))


# --- hazard colours -------------------------------------------------------------


def _class_values() -> np.ndarray:
    """One value inside each class of BREAKS."""
    return np.array([0.1, 0.3, 0.5, 0.7, 0.9])


def test_hazard_colours_are_the_models_in_web_and_print(chengdu):
    """The custom model's flood ramp colours the web overlay (each class) and the
    printed contours (the class above each break)."""
    result = read_result(chengdu[0])
    flood = result.run_info.hazard("flood")
    assert flood.class_colours() == RAMP
    bbox = tuple(result.communities.to_crs(4326).total_bounds)
    _overlay, legend = hazard_overlay(flood, bbox)
    assert [row.color for row in legend] == RAMP
    column, ramp = hazard_ramp(result, mono=False)
    assert column == "flood_mean"
    pairs = dict(zip(BREAKS, RAMP[1:], strict=True))
    assert ramp.values
    assert all(pairs[v] == c for v, c in zip(ramp.values, ramp.colours, strict=True))


def test_hazard_colours_are_the_models_in_the_desktop_app(chengdu):
    """The desktop app paints each class in the same colour as the web map."""
    pytest.importorskip("PyQt5")
    from riskmap.gui.layers import colorize, hazard_for, result_layers

    result = read_result(chengdu[0])
    flood = result.run_info.hazard("flood")
    rgba = colorize(_class_values()[None, :], flood)[0]
    got = ["#{:02X}{:02X}{:02X}".format(*px[:3]) for px in rgba]
    assert got == RAMP
    assert (rgba[:, 3] == 255).all()
    assert hazard_for(result, Path(flood.path)) == flood
    layers, _, _ = result_layers(chengdu[0])
    image = layers[0].image
    shown = image[image[..., 3] > 0][:, :3]
    colours = {"#{:02X}{:02X}{:02X}".format(*px) for px in shown}
    assert colours <= set(RAMP)
    assert len(colours) >= 4


# --- no hidden defaults -------------------------------------------------------


@needs_cjk
def test_chengdu_result_exports_without_touching_bundled_data(
    chengdu, tmp_path, monkeypatch, capsys
):
    """Web maps, print and GeoJSON of a Chengdu result open neither the bundled
    sample layers nor the bundled model; what is left out is said on stderr."""
    gpkg, _ = chengdu
    _refuse_bundled(monkeypatch)
    maps = tmp_path / "maps"
    assert main(["export", "maps", str(gpkg), "--out", str(maps)]) == 0
    err = capsys.readouterr().err
    assert "no --hillshade-dem" in err
    page = sorted(maps.glob("锦江*.html"))[0]
    spec = read_spec(page.read_text(encoding="utf-8"))
    assert spec["base"] == {"kind": "none"}
    (flood,) = spec["hazards"]
    assert all(colour in flood["legend"] for colour in RAMP)
    pdf = tmp_path / "cd.pdf"
    assert main(["export", "print", str(gpkg), "--all", "--out", str(pdf)]) == 0
    err = capsys.readouterr().err
    assert "no --inset-layer" in err
    assert pdf.stat().st_size > 0
    with mpl.rc_context():
        assert main(["-q", "export", "geojson", str(gpkg), "--out",
                     str(tmp_path / "gj")]) == 0  # fmt: skip


def test_missing_hazard_file_is_said(chengdu, tmp_path):
    """A hazard raster run_info names but that is gone: a warning names it and the
    maps leave its overlay out."""
    from riskmap.errors import RiskmapWarning
    from riskmap.export.webmap import write_web_maps

    result = read_result(chengdu[0])
    gone = dataclasses.replace(
        result.run_info.hazards[0], path=str(tmp_path / "moved-away.tif")
    )
    lost = dataclasses.replace(
        result, run_info=result.run_info.updated(hazards=(gone,))
    )
    with pytest.warns(RiskmapWarning, match="moved-away.tif not found"):
        page = write_web_maps(lost, tmp_path / "m", basemap="none")[1]
    assert read_spec(page.read_text(encoding="utf-8"))["hazards"] == []


def test_hazard_info_rebuilds_the_models_rule():
    """HazardInfo keeps what the class rule needs: the same class for every value."""
    from riskmap.model import load_model

    rule = load_model().hazards["flood"]
    info = HazardInfo.from_item(
        {"name": "flood", "kind": "raster", "path": "f.tif", "statistic": "max",
         "breaks": list(rule.breaks), "severity": list(rule.severity),
         "threshold": rule.threshold, "ramp": list(rule.ramp)}
    )  # fmt: skip
    values = np.array([0.0, 0.5, 0.99, 1.0, 2.5, 3.0, 9.0])
    assert (info.model_rule.class_index(values) == rule.class_index(values)).all()
    assert (
        info.paint_index(values) == np.r_[0, rule.class_index(values[1:]) + 1]
    ).all()
