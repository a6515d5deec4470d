"""The desktop app with real widgets (pytest-qt, offscreen)."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PyQt5")
pytest.importorskip("pytestqt")

from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PyQt5.QtGui import QMouseEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication

from riskmap.commands.request import load_inputs
from riskmap.gui import exports, workers
from riskmap.resources import sample_dir

LAYERS = sample_dir()


def test_open_the_sample_result(window, sample_result, tmp_path):
    """Opening a result shows its layers, the summary, and renders the map."""
    assert window.open_result(sample_result)
    kinds = [layer.kind for layer in window.stack.layers]
    assert kinds.count("raster") == 2
    assert {"cells", "boundary", "points", "resources"} <= set(kinds)
    assert window.summary.table.rowCount() == 5
    # exposure columns: people and households in red cells, from the result
    table = window.summary.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert "重大风险网格人口" in headers
    assert "重大风险网格户数" in headers
    col = headers.index("重大风险网格人口")
    assert float(table.item(0, col).text().replace(",", "")) > 0
    window.canvas.render_cache()
    image = window.canvas.grab().toImage()
    reds = sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if (c := image.pixelColor(x, y)).red() > 230
        and c.green() < 90
        and c.blue() < 90
    )
    assert reds > 50  # level-1 cells are drawn red
    assert window.grab().save(str(tmp_path / "main_window.png"))


def test_click_identifies_a_cell(window, sample_result, sample_cells, qtbot):
    """A click on the map shows the cell under the mouse in the details panel."""
    window.open_result(sample_result)
    for index, layer in enumerate(window.stack.layers):
        if layer.kind in ("points", "resources"):  # points win over cells
            window.stack.set_visible(index, False)
    cells = sample_cells
    target = cells.geometry.iloc[len(cells) // 2].representative_point()
    window.canvas.zoom_to(target.buffer(500).bounds)  # cells several pixels wide
    pos = window.canvas.world_transform().map(QPointF(target.x, target.y)).toPoint()
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=pos)
    values = [
        window.details.table.item(r, 1).text()
        for r in range(window.details.table.rowCount())
    ]
    assert cells["cell_id"].iloc[len(cells) // 2] in values


def test_pan_and_zoom_move_the_view(window, sample_result, qtbot):
    """Dragging pans and the wheel zooms about the mouse."""
    window.open_result(sample_result)
    canvas = window.canvas
    centre, res = QPointF(canvas.center), canvas.res
    qtbot.mousePress(canvas, Qt.LeftButton, pos=QPoint(300, 300))
    drag = QMouseEvent(
        QEvent.MouseMove, QPointF(350, 320), Qt.NoButton, Qt.LeftButton, Qt.NoModifier
    )
    QApplication.sendEvent(canvas, drag)
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=QPoint(350, 320))
    assert canvas.center.x() == pytest.approx(centre.x() - 50 * res)
    assert canvas.center.y() == pytest.approx(centre.y() + 20 * res)
    wheel = QWheelEvent(
        QPointF(200, 200),
        QPointF(200, 200),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.NoButton,
        Qt.NoModifier,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, wheel)
    assert canvas.res == pytest.approx(res * 0.8)


def test_compute_runs_to_the_end(window, qtbot, tmp_path):
    """The compute dialog runs in a worker thread and opens the result."""
    window.show_compute()
    dialog = window.compute_dialog
    out = tmp_path / "r.gpkg"
    dialog.set_values(
        str(LAYERS / "communities.geojson"),
        [f"flood={LAYERS / 'flood_depth.tif'}"],
        str(out),
    )
    with qtbot.waitSignal(dialog.written, timeout=60_000):
        dialog.start()
    assert out.exists()
    qtbot.waitUntil(lambda: window.result_path == out, timeout=10_000)
    assert dialog.progress.value() == dialog.progress.maximum()


def test_compute_can_be_cancelled(window, qtbot, tmp_path, monkeypatch):
    """Cancel stops the worker at its next progress report; nothing is written."""

    def slow_analysis(inputs, model, progress):
        for step in range(500):
            progress(step, 500, "working")
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(workers, "run_analysis", slow_analysis)
    window.show_compute()
    dialog = window.compute_dialog
    out = tmp_path / "never.gpkg"
    dialog.set_values(str(LAYERS / "communities.geojson"), [], str(out))
    dialog.start()
    with qtbot.waitSignal(dialog.worker.cancelled, timeout=30_000):
        qtbot.waitUntil(lambda: dialog.progress.value() > 2, timeout=30_000)
        dialog.cancel()
    assert not out.exists()
    assert dialog.run_button.isEnabled()


def test_bad_input_in_the_dialog_is_shown_inline(window, qtbot, tmp_path):
    """A missing communities file, found while the worker loads the inputs, is
    reported under the form in one line; the form can run again."""
    window.show_compute()
    dialog = window.compute_dialog
    out = tmp_path / "x.gpkg"
    dialog.set_values("/nonexistent/communities.gpkg", [], str(out))
    dialog.start()
    # the worker may fail before a signal spy could connect: wait for the outcome
    qtbot.waitUntil(dialog.run_button.isEnabled, timeout=30_000)
    assert "file not found" in dialog.message.text()
    assert "\n" not in dialog.message.text()
    assert dialog.run_button.isEnabled()
    assert not out.exists()


def test_a_bad_hazard_line_is_refused_before_the_worker(window):
    """A hazard line that does not parse is refused at once, inline."""
    window.show_compute()
    dialog = window.compute_dialog
    dialog.set_values(str(LAYERS / "communities.geojson"), ["flood"], "/tmp/x.gpkg")
    dialog.start()
    assert "NAME=PATH" in dialog.message.text()
    assert dialog.worker is None


def test_inputs_load_in_the_worker_and_cancel_stops_them(
    window, qtbot, tmp_path, monkeypatch
):
    """The inputs are read in the worker thread while the window keeps handling
    events; Cancel during loading stops at the loader's next step."""
    held, threads = threading.Event(), []

    def held_load(request, progress):
        threads.append(threading.get_ident())
        assert held.wait(30)
        return load_inputs(request, progress)

    monkeypatch.setattr(workers, "load_inputs", held_load)
    window.show_compute()
    dialog = window.compute_dialog
    out = tmp_path / "never.gpkg"
    hazard = f"flood={LAYERS / 'flood_depth.tif'}"
    dialog.set_values(str(LAYERS / "communities.geojson"), [hazard], str(out))
    dialog.start()
    ticks = []
    QTimer.singleShot(50, lambda: ticks.append("event loop ran"))
    qtbot.waitUntil(lambda: bool(ticks) and bool(threads), timeout=10_000)
    assert threads[0] != threading.get_ident()  # not the GUI thread
    assert dialog.running()
    assert not dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.worker.cancelled, timeout=30_000):
        dialog.cancel()
        held.set()
    assert not out.exists()
    assert dialog.run_button.isEnabled()


def test_broken_file_gives_an_error_dialog(window, tmp_path):
    """A corrupt file is refused with a dialog naming it."""
    bad = tmp_path / "broken.gpkg"
    bad.write_text("this is not a GeoPackage")
    assert not window.add_layer_file(bad)
    assert not window.open_result(bad)
    assert len(window.errors) == 2
    assert "broken.gpkg" in window.errors[0]


def test_add_layers_from_files(window):
    """Vector and raster files become layers with their CRS and count."""
    assert window.add_layer_file(LAYERS / "bazhong_counties.geojson")
    assert window.add_layer_file(LAYERS / "flood_depth.tif")
    counties, flood = window.stack.layers
    assert counties.count == 5
    assert counties.crs_text.startswith("EPSG:4326")
    assert flood.kind == "raster"
    window.layer_panel.list.setCurrentRow(0)
    assert "EPSG:4545" in window.layer_panel.info.text()


def test_export_geojson(window, sample_result, tmp_path, monkeypatch):
    """The GeoJSON export calls the same exporter as the CLI."""
    window.open_result(sample_result)
    monkeypatch.setattr(exports, "ask_folder", lambda parent: tmp_path / "gj")
    window.export_geojson()
    assert (tmp_path / "gj" / "cells.geojson").exists()


def test_switch_language(window):
    """Every menu switches between Chinese and English (the Language menu's
    actions)."""
    titles = [m.title() for m in window._menus.values()]
    assert "文件(&F)" in titles
    window.actions["lang_en"].trigger()
    titles = [m.title() for m in window._menus.values()]
    assert "&File" in titles
    assert window.docks["panel.layers"].windowTitle() == "Layers"
    assert window.ledger_table.buttons["restore"].text() == "Restore"
    assert window.actions["tool_add"].text() == "Add risk point on the map"
    window.actions["lang_zh"].trigger()
    assert window.docks["panel.layers"].windowTitle() == "图层"


@pytest.mark.slow
def test_export_web_maps_from_the_dialog(window, sample_result, tmp_path, qtbot):
    """The web-map dialog runs the same writer as ``riskmap export maps``."""
    window.open_result(sample_result)
    dialog = window.export_maps()
    dialog.out.edit.setText(str(tmp_path / "maps"))
    dialog.basemap.setCurrentText("none")
    with qtbot.waitSignal(dialog.written, timeout=120_000) as signal:
        dialog.start()
    assert signal.args[0].endswith("index.html")
    assert len(list((tmp_path / "maps").glob("*.html"))) == 6  # index + 5


@pytest.mark.slow
def test_export_print_from_the_dialog(window, sample_result, tmp_path, qtbot):
    """The print dialog runs the same writer as ``riskmap export print --all``."""
    pytest.importorskip("matplotlib")
    from riskmap import fonts

    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    window.open_result(sample_result)
    dialog = window.export_print()
    out = tmp_path / "maps.pdf"
    dialog.out.edit.setText(str(out))
    dialog.dpi.setValue(72)
    assert dialog.community.count() == 6  # all + the five sample communities
    dialog.community.setCurrentIndex(1)
    dialog.notice.setChecked(True)
    with qtbot.waitSignal(dialog.written, timeout=180_000):
        dialog.start()
    assert out.read_bytes()[:5] == b"%PDF-"
    assert list(tmp_path.glob("*_notice.md"))


def test_export_gpkg(window, sample_result, tmp_path, monkeypatch):
    """The GeoPackage export writes a copy that opens as a result again."""
    from PyQt5.QtWidgets import QFileDialog

    window.open_result(sample_result)
    out = tmp_path / "copy.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.export_gpkg()
    assert window.open_result(out)
    assert window.summary.table.rowCount() == 5


def test_results_open_in_the_background(window, sample_result, qtbot):
    """Reading and drawing a result runs in a worker; the window then shows it."""
    window.open_result_in_background(sample_result)
    assert window.result_path is None  # not yet: the worker is reading
    qtbot.waitUntil(lambda: window.result_path == sample_result, timeout=60_000)
    cells = window.stack.find("cells")
    assert cells is not None
    assert window.canvas._painters[id(cells)]._paths is not None  # built off-thread
    assert window.summary.table.rowCount() == 5
