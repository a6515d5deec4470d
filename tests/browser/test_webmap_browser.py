"""The exported web maps in a real headless Chromium with the network cut."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from tests.browser.chromium import ARTIFACTS, CHROMIUM, Chromium, needs_chromium
from tests.browser.sample_result import (
    PAYLOAD,
    build_grid_result,
    build_result,
    exported_sample,
)
from tests.helpers import hostile_model

from riskmap.export.webmap import write_web_maps

pytestmark = [needs_chromium, pytest.mark.slow]  # end to end in headless Chromium


@pytest.fixture(scope="module")
def exported():
    """The hostile sample at 200 m, computed and exported once."""
    result, _, paths = exported_sample()
    return result, paths


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    with Chromium(CHROMIUM) as chromium:
        yield chromium


def _open(browser: Chromium, path: Path) -> None:
    """Load *path* fresh, forgetting the events of earlier pages."""
    browser.events.clear()
    browser.open(path)


def test_every_map_loads_offline(browser, exported):
    """Leaflet loads, no console error, no request leaves the file, layers exist."""
    result, paths = exported
    for path in paths[1:]:
        _open(browser, path)
        assert browser.evaluate("typeof L === 'object' && L.version") == "1.9.3"
        assert browser.errors() == [], path.name
        assert browser.external_requests(path) == [], path.name
        layers = browser.evaluate("Object.keys(RM_CTX.layers)")
        assert {"风险等级（网格）", "社区边界", "滑坡易发性"} <= set(layers)
        # the sample floods are three return-period scenarios
        assert "洪水淹没水深（100年一遇）" in layers
        assert browser.evaluate(
            "RM_CTX.map.hasLayer(RM_CTX.layers['风险等级（网格）'])"
        )
        assert browser.evaluate("document.querySelectorAll('.rm-sym').length") > 0
    _open(browser, paths[0])
    assert browser.errors() == []
    assert browser.external_requests(paths[0]) == []
    rows = browser.evaluate("document.querySelectorAll('.rm-index tbody tr').length")
    assert rows == len(result.communities)


def test_screenshot_is_not_blank(browser, exported):
    """The first map draws cells, overlays and symbols (saved for a human to see)."""
    _, paths = exported
    _open(browser, paths[1])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(ARTIFACTS / "webmap.png")
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    colours = np.unique(pixels // 16, axis=0)
    assert len(colours) > 50
    red = np.all(pixels == (255, 0, 0), axis=1).mean()
    assert red > 0.001  # level-1 cells or class-A symbol frames are drawn


def test_cells_are_identified_under_the_mouse(browser, exported):
    """The click lookup finds the right cell id at cell centres (lattice locator)."""
    result, paths = exported
    cid = result.communities.iloc[0]["community_id"]
    cells = result.cells[result.cells["community_id"] == cid]
    sample = cells[cells["full"]].sample(25, random_state=1)
    centres = sample.geometry.centroid.to_crs("EPSG:4326")
    _open(browser, paths[1])
    assert browser.evaluate("RM_CTX.cells.locator.kind") == "lattice"
    for cell_id, pt in zip(sample["cell_id"], centres, strict=True):
        found = browser.evaluate(f"RM_CTX.identify([{pt.y}, {pt.x}])")
        assert found == cell_id
    html = browser.evaluate(
        "(function () { var c = RM_CTX.cells, i = 0;"
        " while (i < c.n - 1 && c.level.at(i) !== 1) { i++; }"
        " return RM.cellHtml(RM_CTX, c.level.at(i) === 1 ? i : 0); })()"
    )
    assert "综合得分" in html
    assert "洪水淹没水深" in html


def test_injection_shows_as_text(browser, exported):
    """The hostile point's popup shows the payload as text; no dialog, no <img>."""
    result, paths = exported
    cid = result.points.loc[result.points["name"] == PAYLOAD, "community_id"].iloc[0]
    page = paths[1 + list(result.communities["community_id"]).index(cid)]
    _open(browser, page)
    text = browser.evaluate(
        "(function () {"
        " var layer = RM_CTX.layers['隐患点'], found = null;"
        " layer.eachLayer(function (m) { if (m.rmItem.title === "
        f"{json.dumps(PAYLOAD)}) {{ found = m; }} }});"
        " found.openPopup(); found.openTooltip();"
        " return document.querySelector('.leaflet-popup-content').textContent; })()"
    )
    assert PAYLOAD in text
    assert browser.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    _open(browser, paths[0])
    assert "../<b>坏</b>社区" in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.querySelectorAll('.rm-index b').length") == 0
    assert browser.dialogs() == []


def test_network_attempts_are_caught(browser, exported, tmp_path):
    """With an online basemap the blocked tile requests are recorded (tests bite)."""
    result, _ = exported
    one = dataclasses.replace(result, communities=result.communities.iloc[[0]])
    paths = write_web_maps(one, tmp_path, basemap="osm", jobs=1)
    _open(browser, paths[1])
    time.sleep(0.5)
    assert any(
        "tile.openstreetmap.org" in url for url in browser.external_requests(paths[1])
    )


def _click_cell(browser: Chromium, lat: float, lon: float) -> str:
    """Click the map at lat/lon with the symbols hidden; the popup's text."""
    browser.evaluate(
        "['隐患点', '应急资源'].forEach(function (k) {"
        " if (RM_CTX.layers[k]) { RM_CTX.map.removeLayer(RM_CTX.layers[k]); } });"
        "RM_CTX.map.closePopup(); null;"
    )
    x, y = browser.evaluate(
        f"(function () {{ var p = RM_CTX.map.latLngToContainerPoint([{lat}, {lon}]);"
        " var r = RM_CTX.map.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    )
    browser.click(x, y)
    return browser.evaluate(
        "(document.querySelector('.leaflet-popup-content') || {}).textContent || ''"
    )


def test_clicking_a_fishnet_cell_opens_its_details(browser, exported):
    """A real mouse click in the middle of the map shows that cell's popup."""
    _result, paths = exported
    _open(browser, paths[1])
    lat, lon = browser.evaluate(
        "(function () { var c = RM_CTX.map.getCenter(); return [c.lat, c.lng]; })()"
    )
    expected = browser.evaluate(f"RM_CTX.identify([{lat}, {lon}])")
    assert expected is not None
    text = _click_cell(browser, lat, lon)
    assert expected in text
    assert "综合得分" in text


def test_user_grid_cells_are_drawn_and_clickable(browser, tmp_path):
    """A user grid is sent cell by cell and clicks show the grid code; zone overlay."""
    result = build_grid_result(tmp_path)
    paths = write_web_maps(result, tmp_path / "maps", basemap="none", jobs=1)
    _open(browser, paths[1])
    assert browser.errors() == []
    assert browser.evaluate("RM_CTX.cells.locator.kind") == "features"
    assert "洪水风险区" in browser.evaluate("Object.keys(RM_CTX.layers)")
    kinds = [h.kind for h in result.run_info.hazards]
    zone_legend = (
        f"document.getElementById('rm-legend-hz{kinds.index('zones')}').textContent"
    )
    assert browser.evaluate(zone_legend) == "洪水风险区中高"
    cell = result.cells.loc[result.cells.geometry.area.idxmax()]
    pt = gpd.GeoSeries([cell.geometry.centroid], crs=result.cells.crs)
    pt = pt.to_crs("EPSG:4326").iloc[0]
    browser.evaluate(
        f"RM_CTX.map.setView([{pt.y}, {pt.x}], 16, {{animate: false}}); null"
    )
    text = _click_cell(browser, pt.y, pt.x)
    assert cell["cell_id"] in text


def test_bare_result_and_empty_community_load(browser, exported, tmp_path):
    """No points, resources or coverage, and a community without cells: no errors."""
    result, _ = exported
    first = result.communities["community_id"].iloc[0]
    bare = dataclasses.replace(
        result,
        communities=result.communities.iloc[:2],
        cells=result.cells[result.cells["community_id"] == first],
        points=None,
        resources=None,
        coverage=None,
    )
    paths = write_web_maps(bare, tmp_path, basemap="none", jobs=1)
    for path in paths:
        _open(browser, path)
        assert browser.errors() == [], path.name
    assert browser.evaluate("RM_CTX.cells.n") == 0
    empty_layers = browser.evaluate("Object.keys(RM_CTX.layers)")
    assert "隐患点" not in empty_layers
    assert "社区边界" in empty_layers
    _open(browser, paths[0])
    assert browser.evaluate("RM_CTX.control._layers.length") == 1


def test_hazard_legend_follows_its_layer(browser, exported):
    """A hazard's legend shows only while its overlay is on the map."""
    result, paths = exported
    _open(browser, paths[1])
    k = [h.name for h in result.run_info.hazards].index("landslide")
    shown = f"document.getElementById('rm-legend-hz{k}').style.display !== 'none'"
    assert (
        browser.evaluate("document.getElementById('rm-legend-hz0').style.display") == ""
    )
    assert browser.evaluate(shown) is False
    browser.evaluate("RM_CTX.layers['滑坡易发性'].addTo(RM_CTX.map); null")
    time.sleep(0.1)
    assert browser.evaluate(shown) is True
    assert "极高" in browser.evaluate(
        f"document.getElementById('rm-legend-hz{k}').textContent"
    )


MODEL_PAYLOAD = '<img src=x onerror=alert("model")><b class="rm-injected">{{ 7*7 }}</b>'
INJECTED = "[onerror], [onload], .rm-injected, img[src='x']"


def test_model_texts_are_shown_as_text(browser, tmp_path):
    """Hazard labels, units, class names and the model name from a hostile risk model
    appear as text in the layer control, legends and cell popups: nothing runs."""
    model = hostile_model(tmp_path, MODEL_PAYLOAD)
    result, _ = build_result(tmp_path, cell_size=400.0, model=model)
    assert result.run_info.model.name == MODEL_PAYLOAD
    one = dataclasses.replace(result, communities=result.communities.iloc[[0]])
    paths = write_web_maps(one, tmp_path / "maps", basemap="none", jobs=1)
    _open(browser, paths[1])
    control = browser.evaluate(
        "document.querySelector('.leaflet-control-layers').textContent"
    )
    # flood (100-year scenario), landslide
    assert f"{MODEL_PAYLOAD}（100年一遇） {MODEL_PAYLOAD} 2 " in control
    landslide = json.dumps(f"{MODEL_PAYLOAD} 2")
    browser.evaluate(f"RM_CTX.layers[{landslide}].addTo(RM_CTX.map); null")
    legends = browser.evaluate("document.querySelector('.rm-legends').textContent")
    # label (unit) of the first flood scenario
    assert f"{MODEL_PAYLOAD}（10年一遇） ({MODEL_PAYLOAD})" in legends
    popup = browser.evaluate(
        "(function () { var i = 0;"
        " L.popup().setLatLng(RM_CTX.map.getCenter())"
        ".setContent(RM.cellHtml(RM_CTX, i)).openOn(RM_CTX.map);"
        " return document.querySelector('.leaflet-popup-content').textContent; })()"
    )
    assert MODEL_PAYLOAD in popup
    assert f"{MODEL_PAYLOAD}){MODEL_PAYLOAD}中高极高" in legends  # unit, class names
    time.sleep(0.2)
    assert browser.evaluate(f"document.querySelectorAll({INJECTED!r}).length") == 0
    assert browser.dialogs() == []
    assert browser.errors() == []
