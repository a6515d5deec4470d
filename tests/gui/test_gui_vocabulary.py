"""The desktop app takes level names and point symbols from the style files."""

from __future__ import annotations

import geopandas as gpd
import pytest

pytest.importorskip("PyQt5")
pytest.importorskip("pytestqt")

from tests.export.test_vocabulary import _points, own_styles  # noqa: F401

from riskmap.export.symbols import SYMBOL_CLASSES
from riskmap.gui.i18n import set_language
from riskmap.gui.layers import MapLayer, symbol_colors
from riskmap.gui.widgets.summary import SummaryTable


def _communities() -> gpd.GeoDataFrame:
    """One community row as a result's communities layer has it."""
    return gpd.GeoDataFrame(
        {"community": ["甲"], "cells_n": [4], "cells_l1": [1], "cells_l2": [1],
         "cells_l3": [1], "cells_l4": [1], "max_level": [1], "people_l1": [12.0]},
        geometry=gpd.points_from_xy([0.0], [0.0]), crs="EPSG:4545",
    )  # fmt: skip


@pytest.mark.usefixtures("own_styles")
def test_summary_names_levels_from_levels_toml(qtbot):
    """Renamed level 1 in the headers and the highest-level column, both languages."""
    table = SummaryTable()
    qtbot.addWidget(table)
    table.show_communities(_communities())
    header = table.table.horizontalHeaderItem
    assert header(2).text() == "特别重大风险"
    assert table.table.item(0, 6).text() == "特别重大风险"
    assert header(7).text() == "特别重大风险网格人口"
    set_language("en")
    try:
        table.retranslate()
        assert header(2).text() == "Severe risk"
        assert header(7).text() == "People in cells of Severe risk"
    finally:
        set_language("zh")


@pytest.mark.usefixtures("own_styles")
def test_canvas_points_take_their_class_colour():
    """Points are painted in their GB/T 35649 class colour, as on web and print
    maps: the custom type's C (blue), the alias's B, an unlisted 事 type's A."""
    points = _points()
    layer = MapLayer("points", "points", "", "", len(points), gdf=points)
    codes = ("C", "B", "A")
    assert symbol_colors(layer) == [SYMBOL_CLASSES[c].color for c in codes]
    resources = MapLayer("r", "resources", "", "", 1, gdf=points.head(1))
    assert symbol_colors(resources) == [SYMBOL_CLASSES["D"].color]
