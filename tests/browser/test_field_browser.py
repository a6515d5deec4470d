"""The field page on an emulated phone (390x844, touch, GPS, network off): add by GPS
and by tap with a photo, reload, export, merge back; hostile text stays text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PIL import Image
from tests.browser.chromium import ARTIFACTS, BrowserError, Chromium, find_chromium

from riskmap.cli import main
from riskmap.commands.project import create_sample_project
from riskmap.io.result import read_result
from riskmap.registry import Project

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found"),
    pytest.mark.slow,  # end to end in headless Chromium
]
HOSTILE = '{{ 7*7 }}<img src=x onerror="window.PWNED=1">=HYPERLINK("x")\n第二行'
HOSTILE_FIELDS = (
    "name", "responsible", "measures", "address", "note", "evacuation_route",
    "shelter", "warning_signal", "monitor",
)  # fmt: skip


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The sample project with a hostile point, computed, its first community's page."""
    folder = tmp_path_factory.mktemp("field")
    path = folder / "p.gpkg"
    project = create_sample_project(path)
    with project:
        first = project.communities().iloc[0]
        spot = first.geometry.representative_point()
        texts = dict.fromkeys(HOSTILE_FIELDS, HOSTILE)
        hostile = project.add_point(
            {**texts, "type": "危房"}, spot.x, spot.y, user="test"
        )
        community_id = str(first["community_id"])
        free = _free_spot(first.geometry, project.points())
    result = folder / "r.gpkg"
    assert main(["compute", "--project", str(path), "--out", str(result),
                 "--cell-size", "200", "-q"]) == 0  # fmt: skip
    out = folder / "field"
    assert main(["export", "field", str(path), "--out", str(out), "--result",
                 str(result), "--community", community_id, "--worker", "李四",
                 "-q"]) == 0  # fmt: skip
    pages = list(out.glob("*.html"))
    assert len(pages) == 1
    return {"project": path, "page": pages[0], "hostile": hostile, "spot": spot,
            "community_id": community_id, "result": result, "free": free}  # fmt: skip


def _free_spot(area, points):
    """A place inside *area* far from every ledger point (a tap there hits the map)."""
    import numpy as np
    import shapely

    minx, miny, maxx, maxy = area.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 25), np.linspace(miny, maxy, 25))
    grid = shapely.points(xs.ravel(), ys.ravel())
    inside = grid[shapely.contains(area.buffer(-0.002), grid)]
    far = [shapely.distance(points.geometry.values, p).min() for p in inside]
    return inside[int(np.argmax(far))]


@pytest.fixture
def phone(package):
    """A phone-sized headless Chromium at a good GPS fix inside the community."""
    with Chromium(CHROMIUM, 390, 844) as chromium:
        chromium.emulate_phone()
        spot = package["spot"]
        chromium.set_position(spot.y + 0.001, spot.x + 0.001, 6.0)
        yield chromium


def _wait(browser: Chromium, expression: str, timeout: float = 20) -> object:
    """Poll *expression* in the page until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = browser.evaluate(expression)
        except (BrowserError, KeyError):  # the page is (re)loading
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


def _click(browser: Chromium, element_id: str) -> None:
    """Tap a page element by id at its centre (a real touch event)."""
    box = browser.evaluate(
        f"(function(){{var r=document.getElementById({json.dumps(element_id)})"
        ".getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];})()"
    )
    browser.tap(*box)


def _fill(browser: Chromium, values: dict[str, str]) -> None:
    """Type values into the open form's inputs."""
    for name, value in values.items():
        browser.evaluate(
            f"(function(){{var n=document.getElementById('in-'+{json.dumps(name)});"
            f"n.value={json.dumps(value)};n.dispatchEvent(new Event('input'));}})()"
        )


def _save(browser: Chromium, count: int) -> None:
    """Save the form and wait until the browser holds *count* records."""
    _click(browser, "f-save")
    _wait(browser, f"window.RMF && window.RMF.pending() === {count}")


def _photo(folder: Path) -> Path:
    """A 3000x2000 camera-sized JPEG."""
    path = folder / "IMG_0001.jpg"
    Image.new("RGB", (3000, 2000), (180, 90, 40)).save(path, quality=90)
    return path


def test_add_by_gps_and_tap_reload_export_and_merge(package, phone, tmp_path):
    """The whole trip: two adds with a photo, survive a reload, export, merge twice."""
    page = package["page"]
    phone.open(page)
    _wait(phone, "document.getElementById('gps').textContent.indexOf('6 m') > 0")
    assert phone.evaluate("document.querySelector('meta[name=viewport]') !== null")
    _click(phone, "b-add-gps")
    _wait(phone, "!document.getElementById('form').hidden")
    _fill(phone, {"name": "坡体裂缝", "type": "滑坡", "responsible": "张伟",
                  "phone": "13800000000"})  # fmt: skip
    phone.set_files("#in-photos", [_photo(tmp_path)])
    _wait(phone, "document.querySelectorAll('#thumbs img').length === 1")
    assert "2" in phone.evaluate("document.getElementById('derived').textContent")
    _save(phone, 1)
    # By tap: a real touch on the map, at a spot inside the community.
    _click(phone, "b-add-tap")
    free = package["free"]
    phone.tap(*phone.evaluate(f"window.RMF.toPixel({free.y}, {free.x})"))
    _wait(phone, "!document.getElementById('form').hidden")
    _fill(phone, {"name": "路口积水", "type": "内涝点", "level": "3"})
    _save(phone, 2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(ARTIFACTS / "field-phone.png")
    phone.send("Page.reload", {"ignoreCache": True})
    phone.wait_event("Page.loadEventFired")
    assert len(phone.dialogs("beforeunload")) == 1  # asked before leaving
    _wait(phone, "window.RM_READY === true && window.RMF.pending() === 2")
    records = _records(phone)
    assert {r["position_source"] for r in records} == {"gps", "manual"}
    phone.allow_downloads(tmp_path)
    _click(phone, "b-export")
    _wait(phone, "window.RMF.pending() === 0")
    downloads = _wait_files(tmp_path, "riskmap-changes-*.json")
    name = downloads[0].name
    assert name.startswith(f"riskmap-changes-{package['community_id']}-李四-")
    doc = json.loads(downloads[0].read_text(encoding="utf-8"))
    assert doc["riskmap_changeset"] == 1
    gps_rec = next(f for f in doc["features"]
                   if f["properties"]["position_source"] == "gps")  # fmt: skip
    assert gps_rec["properties"]["accuracy_m"] == 6.0
    photo = gps_rec["properties"]["photos"][0]
    assert photo["media_type"] == "image/jpeg"
    assert phone.external_requests(page) == []
    assert phone.errors() == []
    _merge_twice(package, downloads[0])


def _records(browser: Chromium) -> list[dict]:
    """The page's stored records (awaiting the IndexedDB promise)."""
    result = browser.send(
        "Runtime.evaluate",
        {"expression": "window.RMF.records()", "awaitPromise": True,
         "returnByValue": True},
    )  # fmt: skip
    return result["result"]["value"]


def _wait_files(folder: Path, pattern: str, timeout: float = 20) -> list[Path]:
    """Files matching *pattern* once a download has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(pattern) if p.stat().st_size > 0]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no download {pattern} in {folder}")


def _merge_twice(package: dict, changes: Path) -> None:
    """Merge the exported file: two points with a photo; again: nothing changes."""
    p = ["--project", str(package["project"]), "-q"]
    assert main(["points", "merge", str(changes), *p]) == 0
    with Project.open(package["project"]) as project:
        points = project.points().set_index("name")
        gps_id = points.loc["坡体裂缝", "id"]
        assert points.loc["坡体裂缝", "responsible"] == "张伟"
        assert points.loc["路口积水", "level"] == 3
        photos = project.photos(gps_id)
        assert len(photos) == 1
        from io import BytesIO

        with Image.open(BytesIO(photos[0].data)) as img:
            assert max(img.size) == 1600
            assert img.format == "JPEG"
        log = project.history(gps_id)[-1]
        assert log["user"] == "李四"
        assert log["after"]["position_source"] == "gps"
        before = (len(project.history()), len(project.points()))
    assert main(["points", "merge", str(changes), *p]) == 0
    with Project.open(package["project"]) as project:
        assert (len(project.history()), len(project.points())) == before


def test_reinspection_records_the_base_version(package, phone, tmp_path):
    """Tapping a ledger point offers 巡查; the edit carries the version seen."""
    phone.open(package["page"])
    hostile = package["hostile"]
    with Project.open(package["project"]) as project:
        version = project.get_point(hostile)["version"]
    spot = package["spot"]
    _open_point_popup(phone, spot.y, spot.x)
    text = _wait(phone, "document.querySelector('.pop') && "
                        "document.querySelector('.pop').textContent")  # fmt: skip
    assert HOSTILE.split("\n")[0] in text
    assert phone.evaluate("window.PWNED === undefined")
    assert phone.evaluate("document.querySelectorAll('.pop img').length") == 0
    phone.evaluate("document.querySelector('.pop button').click()")
    _wait(phone, "!document.getElementById('form').hidden")
    _fill(phone, {"status": "整改中", "note": HOSTILE})
    _save(phone, 1)
    record = _records(phone)[0]
    assert record["action"] == "edit"
    assert record["point_id"] == hostile
    assert record["base_version"] == version
    assert record["fields"] == {"status": "整改中", "note": HOSTILE}
    phone.evaluate("document.getElementById('b-menu').click()")
    listed = _wait(phone, "document.getElementById('p-body').textContent")
    assert HOSTILE.split("\n")[0] in listed
    assert phone.evaluate("window.PWNED === undefined")
    assert phone.errors() == []


def _open_point_popup(browser: Chromium, lat: float, lon: float) -> None:
    """Open the popup of the ledger point at lat/lon by clicking its symbol."""
    browser.tap(*browser.evaluate(f"window.RMF.toPixel({lat}, {lon})"))


def test_unexported_records_warn_before_closing(package, phone):
    """With a record not exported, closing the page asks first."""
    phone.open(package["page"])
    assert (
        phone.evaluate("document.getElementById('t-count').textContent") == "已全部导出"
    )
    phone.evaluate("document.getElementById('b-add-gps').click()")
    _wait(phone, "!document.getElementById('form').hidden")
    _fill(phone, {"name": "临时", "type": "危房"})
    _save(phone, 1)
    assert "未导出 1" in phone.evaluate(
        "document.getElementById('t-count').textContent"
    )
    cancelled = phone.evaluate(
        "(function(){var e=new Event('beforeunload',{cancelable:true});"
        "window.dispatchEvent(e);return e.defaultPrevented;})()"
    )
    assert cancelled is True


def test_bad_values_are_refused_in_the_page(package, phone):
    """The ledger's rules run in the form: required, LEC values, phone numbers."""
    phone.open(package["page"])
    phone.evaluate("document.getElementById('b-add-gps').click()")
    _wait(phone, "!document.getElementById('form').hidden")
    _fill(phone, {"name": "", "type": "滑坡", "phone": "abc", "level": "1",
                  "ls_l": "2", "ls_s": "2"})  # fmt: skip
    phone.evaluate("document.getElementById('f-save').click()")
    errors = phone.evaluate(
        "['name','phone','level']"
        ".map(n => document.getElementById('er-'+n).textContent)"
    )
    assert all(errors), errors
    assert phone.evaluate("window.RMF.pending()") == 0


def test_without_gps_the_page_says_why_and_tapping_works(package, tmp_path):
    """Geolocation refused: a plain message, and adding by tap still works."""
    with Chromium(CHROMIUM, 390, 844) as browser:
        browser.emulate_phone()
        browser.send("Browser.resetPermissions")
        browser.send(
            "Browser.setPermission",
            {"permission": {"name": "geolocation"}, "setting": "denied"},
        )
        browser.open(package["page"])
        text = _wait(browser, "document.getElementById('gps').textContent"
                              ".indexOf('拒绝') >= 0 && "
                              "document.getElementById('gps').textContent")  # fmt: skip
        assert "点图新增" in text
        browser.evaluate("document.getElementById('b-add-tap').click()")
        free = package["free"]
        browser.tap(*browser.evaluate(f"window.RMF.toPixel({free.y}, {free.x})"))
        _wait(browser, "!document.getElementById('form').hidden")
        assert "地图点选" in browser.evaluate(
            "document.getElementById('f-where').textContent"
        )


def test_field_page_is_readable_on_a_phone(package, phone):
    """Phone-first: no horizontal scrolling, buttons at least 44 px tall."""
    phone.open(package["page"])
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    heights = phone.evaluate(
        "Array.from(document.querySelectorAll('#actions button'))"
        ".map(b => b.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = phone.screenshot(ARTIFACTS / "field-page.png")
    with Image.open(shot) as img:
        colours = img.convert("RGB").resize((60, 120)).getcolors(7200)
    assert len(colours) > 20  # map, cells and controls drawn, not a blank page
    read_result(package["result"])  # the result the page was made from is intact


def test_a_poor_gps_fix_is_flagged_and_asked_about(package):
    """Accuracy worse than the limit (30 m): amber status, and a question first."""
    with Chromium(CHROMIUM, 390, 844) as browser:
        browser.emulate_phone()
        spot = package["free"]
        browser.set_position(spot.y, spot.x, 80.0)
        browser.open(package["page"])
        _wait(browser, "document.getElementById('gps').classList.contains('warn')")
        assert "80" in browser.evaluate("document.getElementById('gps').textContent")
        browser.evaluate("document.getElementById('b-add-gps').click()")
        asked = "document.getElementById('ask-text').textContent"
        text = _wait(browser, f"!document.getElementById('ask').hidden && {asked}")
        assert "80" in text
        assert "30" in text
        assert browser.evaluate("document.getElementById('form').hidden")
        browser.evaluate("document.querySelector('#ask-buttons button').click()")
        _wait(browser, "!document.getElementById('form').hidden")
        assert "±80 m" in browser.evaluate(
            "document.getElementById('f-where').textContent"
        )
