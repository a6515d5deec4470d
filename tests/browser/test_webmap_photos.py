"""Ledger photos reach the web-map popups: compute --project carries thumbnails
into the result, export maps shows them as <img>, photo names stay text."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from tests.browser.chromium import CHROMIUM, Chromium, needs_chromium

from riskmap.cli import main
from riskmap.commands.project import create_sample_project
from riskmap.io.result import read_result
from riskmap.registry.thumbnails import THUMB_PX

pytestmark = [needs_chromium, pytest.mark.slow]  # end to end in headless Chromium
HOSTILE = '<img src=x onerror="window.PWNED=1">{{ 7*7 }}\n第二行.jpg'


def _jpeg(width: int, height: int) -> bytes:
    """A real JPEG photo of *width* x *height* pixels."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    """The sample project with one photographed point, computed and exported."""
    folder = tmp_path_factory.mktemp("photos")
    path = folder / "p.gpkg"
    with create_sample_project(path) as project:
        spot = project.communities().iloc[0].geometry.representative_point()
        point_id = project.add_point(
            {"name": "照片点", "type": "危房"}, spot.x, spot.y, user="test"
        )
        project.add_photos(point_id, [(HOSTILE, "image/jpeg", _jpeg(2000, 1200))])
    result = folder / "r.gpkg"
    assert main(["compute", "--project", str(path), "--out", str(result),
                 "--cell-size", "200", "-q"]) == 0  # fmt: skip
    assert main(["export", "maps", str(result), "--out", str(folder / "maps"),
                 "-q"]) == 0  # fmt: skip
    return {"result": result, "pages": sorted((folder / "maps").glob("*.html")),
            "point_id": str(point_id)}  # fmt: skip


def test_result_carries_small_thumbnails(maps):
    """The result's point_photos table: the point's photo as a JPEG <= 320 px."""
    photos = read_result(maps["result"]).photos
    assert list(photos["point_id"]) == [maps["point_id"]]
    assert list(photos["name"]) == [HOSTILE]
    with Image.open(io.BytesIO(base64.b64decode(photos["jpeg_base64"].iloc[0]))) as im:
        assert im.format == "JPEG"
        assert max(im.size) == THUMB_PX
        assert im.size == (320, 192)


OPEN_POPUP = """(() => {
  let found = null;
  RM_CTX.map.eachLayer(l => {
    if (l.rmItem && l.rmItem.title === '照片点') found = l;
  });
  if (!found) return null;
  found.openPopup();
  const box = document.querySelector('.leaflet-popup-content');
  const img = box.querySelector('figure.rm-photo img');
  return {imgs: box.querySelectorAll('img').length,
          src: img && img.src.slice(0, 23), loaded: img && img.complete,
          width: img && img.naturalWidth,
          caption: box.querySelector('figcaption').textContent,
          head: box.querySelector('.rm-pop-head').textContent,
          labels: [...box.querySelectorAll('th')].map(th => th.textContent)};
})()"""


def test_popup_shows_the_photo_and_keeps_its_name_as_text(maps):
    """The point's popup holds one <img> (data: JPEG); the hostile name is text."""
    seen = None
    with Chromium(CHROMIUM) as browser:
        for page in maps["pages"]:
            browser.events.clear()
            browser.open(page)
            seen = browser.evaluate(OPEN_POPUP)
            if seen is not None:
                break
        assert seen is not None, "the photographed point is on no page"
        assert browser.errors() == []
        assert browser.evaluate("window.PWNED === undefined")
        assert browser.external_requests(page) == []
    assert seen["imgs"] == 1
    assert seen["src"] == "data:image/jpeg;base64,"
    assert seen["loaded"]
    assert seen["width"] == 320
    assert seen["caption"] == HOSTILE
    assert seen["head"] == "照片点"
    assert "台账版本" in seen["labels"]  # the ledger version, labelled in words
