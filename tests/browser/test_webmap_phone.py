"""Web maps in headless Chromium: cells without hazard data hatched, a phone layout."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.browser.chromium import ARTIFACTS, CHROMIUM, Chromium, needs_chromium
from tests.browser.sample_result import exported_sample

from riskmap.export.webmap import write_web_maps

pytestmark = [needs_chromium, pytest.mark.slow]  # end to end in headless Chromium


@pytest.fixture(scope="module")
def no_data_map(tmp_path_factory):
    """The first sample community with its western third flagged as no hazard data."""
    result, _, _ = exported_sample()
    one = dataclasses.replace(result, communities=result.communities.iloc[[0]])
    cells = one.cells[
        one.cells["community_id"] == one.communities["community_id"].iloc[0]
    ]
    cells = cells.copy()
    west = cells["col"] <= cells["col"].quantile(0.3)
    cells["hazard_data"] = ~west
    one = dataclasses.replace(one, cells=cells)
    out = tmp_path_factory.mktemp("nodata")
    page = write_web_maps(one, out, basemap="none")[1]
    return cells, page


def _dark_share(browser: Chromium, lat: float, lon: float, shot: Path) -> float:
    """Share of dark pixels in a 12 px square around (lat, lon), zoomed in."""
    browser.evaluate(f"void RM_CTX.map.setView([{lat}, {lon}], 16, {{animate: false}})")
    time.sleep(0.5)  # let the canvas redraw
    x, y = browser.evaluate(
        f"(function () {{ var p = RM_CTX.map.latLngToContainerPoint([{lat}, {lon}]);"
        " var r = RM_CTX.map.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    )
    browser.screenshot(shot)
    rgb = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    box = rgb[int(y) - 6 : int(y) + 6, int(x) - 6 : int(x) + 6]
    return float((box.max(axis=-1) < 120).mean())


def test_cells_without_hazard_data_are_hatched(no_data_map):
    """A low-level cell without hazard data shows dark hatch lines over its colour, a
    data cell of the same level does not; the legend and tooltip say so."""
    cells, page = no_data_map
    ll = cells.geometry.centroid.to_crs("EPSG:4326")
    blank = cells[~cells["hazard_data"] & (cells["level"] == 4) & cells["full"]]
    known = cells[cells["hazard_data"] & (cells["level"] == 4) & cells["full"]]
    assert len(blank) > 0
    assert len(known) > 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Chromium(CHROMIUM) as browser:
        browser.open(page)
        assert browser.errors() == []
        assert browser.evaluate(
            "RM_CTX.map.hasLayer(RM_CTX.layers['无灾害数据的网格'])"
        )
        legend = browser.evaluate("document.querySelector('.rm-legends').innerText")
        assert "无灾害数据（斜线）" in legend
        b, k = blank.index[len(blank) // 2], known.index[len(known) // 2]
        tip = f"RM.cellHtml(RM_CTX, RM_CTX.locate([{ll[b].y}, {ll[b].x}]))"
        assert "等级仅依据隐患点" in browser.evaluate(tip)
        hatched = _dark_share(browser, ll[b].y, ll[b].x, ARTIFACTS / "nodata.png")
        plain = _dark_share(browser, ll[k].y, ll[k].x, ARTIFACTS / "data.png")
    assert hatched > 0.15, hatched
    assert plain < 0.05, plain


def test_phone_layout_keeps_the_map_visible():
    """At 390 x 844 px the map fills the screen and the panels cover under a third."""
    _, _, paths = exported_sample()
    with Chromium(CHROMIUM) as browser:
        browser.send(  # a phone: 390 x 844 CSS px (headless windows are >= 500 px)
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
        )
        browser.open(paths[1])
        assert browser.evaluate("window.innerWidth") == 390
        assert browser.evaluate("!!document.querySelector('meta[name=viewport]')")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / "webmap_390.png")
        box = browser.evaluate(
            "(function () { var r = RM_CTX.map.getContainer().getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height, innerWidth, innerHeight]; })()"
        )
        covered = browser.evaluate(
            "(function () { var m = RM_CTX.map.getContainer().getBoundingClientRect();"
            " var rs = Array.prototype.map.call("
            "  document.querySelectorAll('.leaflet-control'),"
            "  function (e) { return e.getBoundingClientRect(); });"
            " var n = 0, hit = 0;"
            " for (var x = m.left; x < m.right; x += 5) {"
            "  for (var y = m.top; y < m.bottom; y += 5) { n++;"
            "   for (var k = 0; k < rs.length; k++) { var r = rs[k];"
            "    if (x >= r.left && x < r.right && y >= r.top && y < r.bottom) {"
            "     hit++; break; } } } }"
            " return hit / n; })()"
        )
        expanded = browser.evaluate(
            "document.querySelector('.leaflet-control-layers')"
            ".classList.contains('leaflet-control-layers-expanded')"
        )
    _, _, width, height, inner_w, inner_h = box
    assert width >= 0.95 * inner_w
    assert height >= 0.9 * inner_h
    assert covered < 1 / 3, covered
    assert not expanded
