"""Opening a result through its level raster: cells are read per view, not whole."""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

pytest.importorskip("PyQt5")
pytest.importorskip("pytestqt")

from PyQt5.QtCore import QPointF, Qt
from tests.helpers import sample_compute_args

from riskmap.cli import main as cli_main
from riskmap.export.level_raster import level_palette, level_raster_path
from riskmap.io.result import read_result


@pytest.fixture(scope="session")
def raster_result(tmp_path_factory):
    """The sample computed with ``--cells raster``: whole cells have no polygon."""
    out = tmp_path_factory.mktemp("gui_raster") / "result.gpkg"
    assert cli_main(sample_compute_args(out, "--cells", "raster")) == 0
    return out


def _only_cells(window) -> None:
    """Hide every layer but the cells; draw them opaque (exact colours)."""
    for index, layer in enumerate(window.stack.layers):
        window.stack.set_visible(index, layer.kind == "cells")
    window.stack.set_opacity(window.stack.layers.index(window.stack.find("cells")), 1)


def _pixel(window, x: float, y: float) -> tuple[int, int, int]:
    """RGB of the rendered canvas at world (x, y)."""
    window.canvas.render_cache()
    pos = window.canvas.world_transform().map(QPointF(x, y)).toPoint()
    color = window.canvas.grab().toImage().pixelColor(pos)
    return color.red(), color.green(), color.blue()


def _click(window, qtbot, x: float, y: float) -> dict[str, str]:
    """Click world (x, y); the details table as {column name: shown value}."""
    pos = window.canvas.world_transform().map(QPointF(x, y)).toPoint()
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=pos)
    table = window.details.table
    return {
        table.item(r, 0).toolTip(): table.item(r, 1).text()
        for r in range(table.rowCount())
    }


def _whole_cell_of_each_level(cells) -> dict[int, object]:
    """A whole (unclipped) cell of every level present: level -> its centre."""
    whole = cells[cells["full"].astype(bool)]
    return {
        int(level): group.geometry.iloc[len(group) // 2].centroid
        for level, group in whole.groupby("level")
    }


def _wait_for_view_cells(window, qtbot) -> None:
    """Let the canvas render and the view's cells be read."""
    window.canvas.render_cache()
    qtbot.waitUntil(lambda: not window.view_cells.pending(), timeout=30_000)


def test_opens_without_reading_the_cells(window, sample_result, sample_cells, tmp_path):
    """The cells layer counts every cell, keeps none in memory, and the map shows
    the level raster: at known whole cells the pixel has the level's colour."""
    window.view_cells.limit = 0  # never read polygons: only the raster is drawn
    assert window.open_result(sample_result)
    layer = window.stack.find("cells")
    assert layer.count == len(sample_cells)
    assert len(layer.gdf) == 0
    assert len(window.result.cells) == 0
    _only_cells(window)
    palette = level_palette()
    centres = _whole_cell_of_each_level(sample_cells)
    assert len(centres) >= 3
    for level, centre in centres.items():
        window.canvas.zoom_to(centre.buffer(1500).bounds)  # cells ~20 px wide
        assert _pixel(window, centre.x, centre.y) == palette[level][:3], level
    assert len(layer.gdf) == 0
    window.canvas.zoom_full()
    window.canvas.render_cache()
    assert window.canvas.grab().save(str(tmp_path / "level_view.png"))


def test_the_whole_result_matches_the_level_raster(window, sample_result):
    """Zoomed out, the picture is the raster: every level colour shows up."""
    window.view_cells.limit = 0
    window.open_result(sample_result)
    _only_cells(window)
    window.canvas.render_cache()
    image = window.canvas.grab().toImage()
    seen = {
        (c.red(), c.green(), c.blue())
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
        if (c := image.pixelColor(x, y))
    }
    with rasterio.open(level_raster_path(sample_result)) as src:
        levels = set(np.unique(src.read(1))) - {0}
    for level in levels:
        assert level_palette()[int(level)][:3] in seen


def test_zooming_in_reads_the_cells_of_the_view_only(
    window, sample_result, sample_cells, qtbot
):
    """Close enough, the view's cells are read (fewer than all, all in the view's
    neighbourhood, with attributes); zooming out again lets them go."""
    window.view_cells.limit = 2_000
    window.open_result(sample_result)
    _wait_for_view_cells(window, qtbot)
    layer = window.stack.find("cells")
    assert len(layer.gdf) == 0  # the whole sample has more than 2,000 cells
    centre = sample_cells.geometry.iloc[len(sample_cells) // 2].centroid
    window.canvas.zoom_to(centre.buffer(1000).bounds)
    _wait_for_view_cells(window, qtbot)
    loaded = layer.gdf
    assert 0 < len(loaded) <= 2_000 < len(sample_cells)
    read_for = shapely.box(*layer.extra["loaded_bounds"])
    assert shapely.intersects(loaded.geometry.values, read_for).all()
    assert {"cell_id", "level", "score"} <= set(loaded.columns)
    assert f"{len(loaded):,} 个网格" in window.statusBar().currentMessage()
    window.canvas.zoom_full()
    window.canvas.render_cache()
    assert len(layer.gdf) == 0


def test_polygons_of_the_view_are_drawn_in_level_colours(
    window, sample_result, sample_cells, qtbot, tmp_path
):
    """With the view's cells read, a clipped cell shows its own level's colour."""
    window.open_result(sample_result)
    _only_cells(window)
    clipped = sample_cells[~sample_cells["full"].astype(bool)]
    cell = clipped.iloc[len(clipped) // 2]
    inside = cell.geometry.representative_point()
    window.canvas.zoom_to(inside.buffer(400).bounds)
    _wait_for_view_cells(window, qtbot)
    assert len(window.stack.find("cells").gdf) > 0
    assert _pixel(window, inside.x, inside.y) == level_palette()[cell["level"]][:3]
    assert window.canvas.grab().save(str(tmp_path / "view_cells.png"))


@pytest.mark.parametrize("zoomed_in", [False, True])
def test_clicking_a_cell_shows_its_attributes(
    window, sample_result, sample_cells, qtbot, zoomed_in
):
    """A click finds the cell in the cells read for the view, or in the file."""
    window.view_cells.limit = 20_000 if zoomed_in else 0
    window.open_result(sample_result)
    _only_cells(window)
    cell = sample_cells.iloc[len(sample_cells) // 3]
    target = cell.geometry.representative_point()
    window.canvas.zoom_to(target.buffer(800).bounds)
    _wait_for_view_cells(window, qtbot)
    assert (len(window.stack.find("cells").gdf) > 0) == zoomed_in
    shown = _click(window, qtbot, target.x, target.y)
    assert shown["cell_id"] == cell["cell_id"]
    assert shown["community"] == cell["community"]


def test_a_result_without_its_level_raster_gets_one_in_memory(
    window, sample_result, sample_cells, tmp_path
):
    """An older result (no level raster beside it) is drawn from a level raster
    made in memory from its cells' row, column and level; no cell stays read."""
    old = tmp_path / "old.gpkg"
    shutil.copyfile(sample_result, old)
    assert not level_raster_path(old).exists()
    window.view_cells.limit = 0
    assert window.open_result(old)
    layer = window.stack.find("cells")
    assert str(layer.extra["source"].raster).startswith("/vsimem/")
    assert len(layer.gdf) == 0
    _only_cells(window)
    for level, centre in _whole_cell_of_each_level(sample_cells).items():
        window.canvas.zoom_to(centre.buffer(1500).bounds)
        assert _pixel(window, centre.x, centre.y) == level_palette()[level][:3]


def test_a_level_raster_of_another_run_is_not_used(window, sample_result, tmp_path):
    """A raster left by an earlier run of the same name does not describe this one."""
    old = tmp_path / "old.gpkg"
    shutil.copyfile(sample_result, old)
    raster = level_raster_path(old)
    shutil.copyfile(level_raster_path(sample_result), raster)
    with rasterio.open(raster, "r+", IGNORE_COG_LAYOUT_BREAK="YES") as dst:
        dst.update_tags(riskmap_run="2000-01-01T00:00:00+00:00")
    assert window.open_result(old)
    assert str(window.stack.find("cells").extra["source"].raster) != str(raster)


def test_a_management_grid_result_opens_whole(window, sample_cells, tmp_path, qtbot):
    """A result on user grid polygons (no lattice, no level raster) is read whole
    and drawn as polygons; a click names the grid cell."""
    middle = sample_cells[sample_cells["full"].astype(bool)].geometry
    centre = middle.iloc[len(middle) // 2].centroid
    cx, cy = centre.x - 200, centre.y - 200
    boxes = [
        shapely.box(cx + i * 100, cy + j * 100, cx + (i + 1) * 100, cy + (j + 1) * 100)
        for i in range(4)
        for j in range(4)
    ]
    ids = [f"G{k:02d}" for k in range(len(boxes))]
    grid = gpd.GeoDataFrame({"gid": ids}, geometry=boxes, crs=sample_cells.crs)
    grid.to_file(tmp_path / "grid.gpkg")
    out = tmp_path / "grid_result.gpkg"
    args = ["--grid", str(tmp_path / "grid.gpkg"), "--grid-id-field", "gid"]
    assert cli_main(sample_compute_args(out, *args)) == 0
    assert window.open_result(out)
    layer = window.stack.find("cells")
    assert "source" not in layer.extra
    assert sorted(layer.gdf["cell_id"]) == ids
    summary = window.summary.table  # communities the grid misses have no level
    assert "—" in [summary.item(r, 6).text() for r in range(summary.rowCount())]
    _only_cells(window)
    target = boxes[5].centroid
    window.canvas.zoom_to(boxes[5].buffer(200).bounds)
    level = int(layer.gdf.set_index("cell_id").loc["G05", "level"])
    assert _pixel(window, target.x, target.y) == level_palette()[level][:3]
    assert _click(window, qtbot, target.x, target.y)["cell_id"] == "G05"


def test_a_raster_only_result_opens_and_identifies(
    window, raster_result, qtbot, tmp_path
):
    """``--cells raster`` (no polygons for whole cells): the map shows the levels,
    the view's cells come back as squares, a click names the cell."""
    cells = read_result(raster_result).cells  # squares restored from row/col
    assert window.open_result(raster_result)
    _only_cells(window)
    level, centre = next(iter(_whole_cell_of_each_level(cells).items()))
    window.view_cells.limit = 0
    window.canvas.zoom_to(centre.buffer(1500).bounds)
    assert _pixel(window, centre.x, centre.y) == level_palette()[level][:3]
    window.view_cells.limit = 20_000
    _wait_for_view_cells(window, qtbot)
    loaded = window.stack.find("cells").gdf
    assert len(loaded) > 0
    assert loaded.geometry.notna().all()
    assert _pixel(window, centre.x, centre.y) == level_palette()[level][:3]
    window.canvas.grab().save(str(tmp_path / "raster_only.png"))
    shown = _click(window, qtbot, centre.x, centre.y)
    hit = cells[cells.geometry.contains(centre)]
    assert shown["cell_id"] == hit["cell_id"].iloc[0]
