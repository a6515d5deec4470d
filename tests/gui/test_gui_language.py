"""The desktop app speaks the UI language: identify labels and Qt's own buttons."""

from __future__ import annotations

import pytest

pytest.importorskip("PyQt5")
pytest.importorskip("pytestqt")

from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtWidgets import QMessageBox


def _identify_middle_cell(window, cells, qtbot) -> dict[str, str]:
    """Click the middle cell with points hidden; the details table as {label: value}."""
    for index, layer in enumerate(window.stack.layers):
        if layer.kind in ("points", "resources"):
            window.stack.set_visible(index, False)
    target = cells.geometry.iloc[len(cells) // 2].representative_point()
    window.canvas.zoom_to(target.buffer(500).bounds)
    pos = window.canvas.world_transform().map(QPointF(target.x, target.y)).toPoint()
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=pos)
    table = window.details.table
    return {
        table.item(r, 0).text(): table.item(r, 1).text()
        for r in range(table.rowCount())
    }


def test_identify_shows_labels_in_the_ui_language(
    window, sample_result, sample_cells, qtbot
):
    """网格编号, 面积 (m²) 10,000, 洪水… 最大值, 等级依据 — not cell_id or 1e+04."""
    window.open_result(sample_result)
    shown = _identify_middle_cell(window, sample_cells, qtbot)
    for raw in ("cell_id", "flood_sev", "area_m2", "score_hazard", "driver"):
        assert raw not in shown
    assert "网格编号" in shown
    assert "等级依据" in shown
    assert any(label.startswith("洪水") and "最大值" in label for label in shown)
    assert shown["面积 (m²)"].replace(",", "").isdigit()
    assert not any("e+" in value for value in shown.values())
    window.set_language("en")
    shown = _identify_middle_cell(window, sample_cells, qtbot)
    assert "Cell id" in shown
    assert "Level set by" in shown


def test_qt_buttons_follow_the_ui_language(window):
    """Qt's own Yes/No/Save/Cancel are Chinese with the Chinese UI, English after."""
    buttons = QMessageBox.Yes | QMessageBox.No | QMessageBox.Save | QMessageBox.Cancel

    def texts():
        box = QMessageBox()
        box.setStandardButtons(buttons)
        return [
            box.button(b).text()
            for b in (
                QMessageBox.Yes,
                QMessageBox.No,
                QMessageBox.Save,
                QMessageBox.Cancel,
            )
        ]

    assert texts() == ["是(&Y)", "否(&N)", "保存", "取消"]
    window.set_language("en")
    assert texts() == ["&Yes", "&No", "Save", "Cancel"]
    window.set_language("zh")
