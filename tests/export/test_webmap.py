"""Offline web maps: files, offline HTML, escaping, options (no browser needed)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from tests.browser.sample_result import PAYLOAD, exported_sample

from riskmap.cli import main
from riskmap.commands import demo
from riskmap.errors import ExportError, InputDataError
from riskmap.export.filenames import path_inside, safe_stem, unique_stems
from riskmap.export.symbols import SYMBOL_CLASSES, point_class, short_label
from riskmap.export.webmap import write_web_maps
from riskmap.export.webmap.html import read_spec, script_json
from riskmap.export.webmap.packed import unpack_texts

# A script, style, font or tile fetched from the web would look like one of these.
REMOTE = re.compile(
    r"""<script[^>]+src\s*=\s*["']?(?:https?:)?//"""
    r"""|<link[^>]+href\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+["']?(?:url\()?["']?(?:https?:)?//"""
    r"""|tile\.openstreetmap|tianditu\.gov\.cn""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def sample():
    """The hostile sample computed once at 200 m cells, and its RESULT.gpkg."""
    result, gpkg, _ = exported_sample()
    return result, gpkg


@pytest.fixture(scope="module")
def maps():
    """The sample exported once with the default (offline hillshade) basemap."""
    _, _, paths = exported_sample()
    return paths[0].parent, paths


@pytest.fixture(scope="module")
def one(sample):
    """The sample cut down to its first community (for quick option tests)."""
    result, _ = sample
    return dataclasses.replace(result, communities=result.communities.iloc[[0]])


def test_one_file_per_community_plus_index(sample, maps):
    """index.html first, then one readable, safe file per community inside --out."""
    result, _ = sample
    out, paths = maps
    assert paths[0].name == "index.html"
    assert len(paths) == len(result.communities) + 1
    assert all(p.parent == out and p.is_file() for p in paths)
    names = [p.name for p in paths]
    assert "示例社区一_江口上游_虚构.html" in names
    assert "b_坏_b_社区.html" in names
    assert not list(out.parent.glob("*.html"))


def test_no_web_reference_for_scripts_styles_fonts_or_tiles(maps):
    """Every page is self-contained: Leaflet inlined, no CDN, no tiles."""
    _, paths = maps
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert REMOTE.search(text) is None, path.name
        assert "L.map(" in text
        assert "Leaflet" in text
        assert "RM.build(" in text


def test_data_texts_are_escaped(maps):
    """The payload never appears as markup; the index shows it as escaped text."""
    _, paths = maps
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert PAYLOAD not in text
        assert "<b>坏</b>" not in text
    index = paths[0].read_text(encoding="utf-8")
    assert "../&lt;b&gt;坏&lt;/b&gt;社区" in index
    hostile = next(p for p in paths if "坏" in p.name)
    assert "\\u003cb\\u003e坏" in hostile.read_text(encoding="utf-8")


def page_spec(path) -> dict:
    """The data a page hands to ``RM.build`` (its JSON data block)."""
    return read_spec(path.read_text(encoding="utf-8"))


def test_map_content(sample, maps):
    """Legend counts, hazard legend in metres, ledger fields and GB/T colours."""
    result, _ = sample
    _, paths = maps
    first = result.communities.iloc[0]
    spec = page_spec(paths[1])
    for k in range(1, 5):
        count = int(first[f"cells_l{k}"])
        assert f'<td class="rm-n">{count}</td>' in spec["panels"]["levels"]
    assert spec["cells"]["n"] == first["cells_n"]
    flood = spec["hazards"][0]
    assert "洪水淹没水深（10年一遇） (m)" in flood["legend"]
    assert "0.5–1 m" in flood["legend"]
    assert "#DEEBF7" in flood["legend"]
    assert "#08306B" in flood["legend"]
    assert flood["url"].startswith("data:image/png;base64,")
    assert spec["base"]["kind"] == "image"
    labels = {f[0] for p in spec["points"] for f in p["fields"]}
    assert {
        "责任人",
        "联系电话",
        "状态",
        "威胁人数",
        "洪水淹没水深（100年一遇）",
    } <= labels
    # exposure: people per level in the legend, who lives in red cells, the curve
    assert "人口" in spec["panels"]["levels"]
    assert f"{first['people_l1']:,.0f} 人" in spec["panels"]["levels"]
    assert "人位于重大风险网格" in spec["panels"]["title"]
    assert "年均期望受影响人口" in spec["panels"]["title"]
    assert (
        '<img class="rm-curve" src="data:image/png;base64,' in spec["panels"]["title"]
    )
    rows = {r["label"]: r["values"] for r in spec["cells"]["extra"]}
    assert {"人口", "户数", "年均期望受影响人口", "100年一遇情景等级"} <= set(rows)
    assert {p["cls"] for p in spec["points"]} <= {"A", "B", "C"}
    assert {r["cls"] for r in spec["resources"]} == {"D"}
    for cls in SYMBOL_CLASSES.values():
        assert cls.color in spec["panels"]["symbols"]


def test_coverage_in_tooltips_and_uncovered_layer(sample, maps):
    """Shelter distance/coverage per cell, and the area no shelter serves."""
    result, _ = sample
    _, paths = maps
    assert result.coverage is not None
    first = result.communities.iloc[0]
    cells = result.cells[result.cells["community_id"] == first["community_id"]]
    cells = cells.sort_values(["row", "col"])  # the page's cells run row by row
    spec = page_spec(paths[1])
    rows = {row["label"]: row["values"] for row in spec["cells"]["extra"]}
    shelter = unpack_texts(rows["最近避难场所"])
    assert len(shelter) == len(cells)
    dist, covered = cells["shelter_dist_m"].iloc[0], cells["shelter_covered"].iloc[0]
    suffix = "服务范围内" if covered else "覆盖外"
    assert shelter[0] == f"{dist:,.0f} m ({suffix})"
    uncovered = result.coverage[
        (result.coverage["community_id"] == first["community_id"])
        & (result.coverage["resource_type"] == "shelter")
        & (result.coverage["status"] == "uncovered")
    ]
    assert bool(spec["uncovered"]) == (uncovered.area.sum() > 0)


def test_script_json_cannot_close_the_script():
    """Data inside the page's script element cannot end it or open a comment."""
    text = script_json({"name": "</script><script>alert(1)</script><!--"})
    assert "<" not in text
    assert ">" not in text
    assert "\\u003c/script\\u003e" in text


def test_online_basemap_only_when_asked(one, tmp_path):
    """OSM tiles appear in the file only with basemap='osm'; no hillshade then."""
    result = one
    paths = write_web_maps(result, tmp_path / "osm", basemap="osm", jobs=1)
    text = paths[1].read_text(encoding="utf-8")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in text
    assert page_spec(paths[1])["base"]["kind"] == "tiles"
    assert "amap" not in text.lower()
    assert "autonavi" not in text.lower()


def test_tianditu_uses_the_key(one, tmp_path):
    """Tianditu's Web Mercator (CGCS2000, no offset) tiles carry the user's key."""
    result = one
    paths = write_web_maps(
        result, tmp_path / "tdt", basemap="tianditu", tianditu_key="KEY123", jobs=1
    )
    text = paths[1].read_text(encoding="utf-8")
    assert "vec_w/wmts" in text
    assert "tk=KEY123" in text


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"basemap": "amap"}, "unknown basemap"),
        ({"basemap": "tianditu"}, "--tianditu-key"),
        ({"lang": "fr"}, "unknown language"),
        ({"jobs": 0}, "--jobs"),
    ],
)
def test_bad_options_are_input_errors(sample, tmp_path, kwargs, words):
    """Bad options raise one clear InputDataError and write nothing."""
    result, _ = sample
    with pytest.raises(InputDataError, match=re.escape(words)):
        write_web_maps(result, tmp_path / "bad", **kwargs)
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
def test_cli_exports_maps(sample, tmp_path, capsys):
    """``riskmap export maps`` writes the maps in parallel; bad input exits 2."""
    _, gpkg = sample
    out = tmp_path / "cli"
    args = ["export", "maps", str(gpkg), "--out", str(out), "--basemap", "none"]
    assert main([*args, "--lang", "en", "--jobs", "2"]) == 0
    printed = capsys.readouterr()
    assert str(out / "index.html") in printed.out
    assert "export maps [" in printed.err
    assert "public-safety risk map" in (out / "示例社区二_江口西_虚构.html").read_text(
        encoding="utf-8"
    )
    assert main([*args, "--basemap", "tianditu"]) == 2
    assert main([*args, "--out", str(tmp_path / "quiet"), "-q"]) == 0
    assert capsys.readouterr().err.count("export maps [") == 0


def test_safe_stem_and_unique_stems():
    """Names stay readable, cannot leave the folder, and never clash."""
    assert safe_stem("../../etc/passwd") == "etc_passwd"
    assert safe_stem("示例社区一（江口上游·虚构）") == "示例社区一_江口上游_虚构"
    assert safe_stem("CON") == "_CON"
    assert safe_stem("...") == "map"
    assert unique_stems(["甲", "甲", "index", None], ["c1", "c2", "c3", "c4"]) == [
        "甲",
        "甲_c2",
        "index_c3",
        "c4",
    ]


def test_path_inside_refuses_escapes(tmp_path):
    """A name that would leave the output folder is refused."""
    assert path_inside(tmp_path, "a.html") == tmp_path / "a.html"
    for bad in ("../a.html", "sub/a.html", ".."):
        with pytest.raises(ExportError):
            path_inside(tmp_path, bad)


def test_point_symbols_follow_gbt_35649():
    """Classes by type, falling back on the 人/地/物 element; short labels."""
    assert point_class("滑坡", "地") == "A"
    assert point_class("燃气", "物") == "B"
    assert point_class("学校", "人") == "C"
    assert point_class("不明", "人") == "C"
    assert short_label("物资储备点") == "物资"
    assert short_label("shelter") == "shel"


def test_demo_writes_the_maps(one, sample, tmp_path):
    """``riskmap demo`` has a step that writes the web maps under out/maps."""
    _, gpkg = sample
    step = next(s for s in demo.EXPORT_STEPS if s.__name__ == "_maps_step")
    paths = step(one, gpkg, tmp_path, True)
    assert [p.name for p in paths] == ["index.html", "示例社区一_江口上游_虚构.html"]
    assert all(p.parent == tmp_path / "maps" for p in paths)


def test_raster_read_with_an_assumed_crs_keeps_its_overlay(tmp_path):
    """An ASCII grid without .prj, computed with --assume-crs, still maps (and opens).

    The CRS compute used is kept in run_info, so the web map and the desktop app
    read the raster the same way instead of failing on its missing CRS.
    """
    import rasterio

    from riskmap.io.result import read_result
    from riskmap.resources import sample_dir

    layers = sample_dir()
    src = layers / "flood_depth.tif"
    with rasterio.open(src) as tif:
        profile = {
            "driver": "AAIGrid", "width": tif.width, "height": tif.height,
            "count": 1, "dtype": "float32", "transform": tif.transform,
            "nodata": -9999.0,
        }  # fmt: skip
        data, crs = tif.read(1), tif.crs.to_string()
    grid = tmp_path / "flood.asc"
    with rasterio.open(grid, "w", **profile) as out:
        out.write(data.astype("float32"), 1)
    result = tmp_path / "r.gpkg"
    args = ["-q", "compute", "--communities", str(layers / "communities.geojson")]
    args += ["--hazard", f"flood={grid}", "--assume-crs", crs, "--cell-size", "500"]
    assert main([*args, "--out", str(result)]) == 0
    assert read_result(result).run_info.hazards[0].crs
    out = tmp_path / "maps"
    maps = ["-q", "export", "maps", str(result), "--out", str(out), "--basemap", "none"]
    assert main(maps) == 0
    page = next(p for p in out.glob("*.html") if p.name != "index.html")
    assert "data:image/png;base64" in page.read_text(encoding="utf-8")  # the overlay


def test_level_fills_are_one_image_with_the_cell_levels(sample, maps):
    """Fishnet levels travel as a palette PNG: the pixel under a cell has its level."""
    import base64
    import io

    import numpy as np
    from PIL import Image
    from pyproj import Transformer

    from riskmap.domain import load_level_styles

    result, _ = sample
    _, paths = maps
    spec = read_spec(paths[1].read_text(encoding="utf-8"))["cells"]
    assert spec["parts"] == []
    assert spec["image"]["url"].startswith("data:image/png")
    png = base64.b64decode(spec["image"]["url"].split(",", 1)[1])
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"
    rgb = np.asarray(image.convert("RGBA"))
    (south, west), (north, east) = spec["image"]["bounds"]
    to_web = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_web.transform([west, east], [south, north])
    name = paths[1].stem
    cid = next(
        c for c, n in zip(result.communities["community_id"],
                          result.communities["community"], strict=True)
        if name.startswith(str(n)[:4])
    )  # fmt: skip
    cells = result.cells[result.cells["community_id"] == cid]
    full = cells[cells["full"].astype(bool)].to_crs(3857)
    colours = {lv: load_level_styles()[lv].color for lv in (1, 2, 3, 4)}
    for _, cell in full.sample(20, random_state=1).iterrows():
        centre = cell.geometry.centroid
        col = int((centre.x - x0) / (x1 - x0) * rgb.shape[1])
        row = int((y1 - centre.y) / (y1 - y0) * rgb.shape[0])
        r, g, b, a = rgb[row, col]
        assert a == 255
        assert f"#{r:02X}{g:02X}{b:02X}" == colours[int(cell["level"])].upper()


class _Cells(__import__("html.parser").parser.HTMLParser):
    """Texts of the cells of every ``rm-classes`` table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "rm-classes") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def _table_rows(html: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def test_exposure_per_hazard_class_in_the_title_panel(sample, maps):
    """The InaSAFE-style table of the first community: one row per hazard (scenario)
    and class with its people and buildings, as RESULT.gpkg has it."""
    result, _ = sample
    _, paths = maps
    first = result.communities.iloc[0]
    table = result.exposure_classes
    mine = table[table["community_id"].astype(str) == str(first["community_id"])]
    assert len(mine) > 0
    title = page_spec(paths[1])["panels"]["title"]
    assert '<details class="rm-classes-box"><summary>各灾害类别暴露人口与建筑' in title
    rows = _table_rows(title)
    assert rows[0] == ["灾害", "类别", "人口", "建筑"]
    assert len(rows) - 1 == len(mine)
    for row, (_, want) in zip(rows[1:], mine.iterrows(), strict=True):
        assert row[1] == want["class"]
        assert row[2] == f"{want['people']:,.0f}"
        assert row[3] == f"{want['buildings']:,.0f}"
        if want["return_period"] == want["return_period"]:  # not NaN
            assert f"（{want['return_period']:g}年一遇）" in row[0]


def test_class_table_escapes_data_texts():
    """Hazard labels and class names from data are escaped, never markup."""
    import pandas as pd

    from riskmap.export import exposure_view as xv
    from riskmap.export.webmap.exposure import class_table_html

    table = pd.DataFrame(
        {
            "community_id": ["A"],
            "community": ["甲"],
            "hazard": ["flood"],
            "hazard_label": ["<img src=x onerror=alert(1)>"],
            "return_period": [None],
            "class": ["{{ 7*7 }}</td><script>"],
            "cells": [3],
            "people": [12.4],
        }
    )
    header, rows = xv.class_table(table, "A", "zh")
    assert header == ["灾害", "类别", "人口"]
    html = class_table_html(header, rows, "zh")
    assert "<img" not in html
    assert "<script>" not in html
    assert _table_rows(html)[1] == [
        "<img src=x onerror=alert(1)>",
        "{{ 7*7 }}</td><script>",
        "12",
    ]
    assert xv.class_table(table, "A", "en")[1][0][0] == "flood"  # English: the name
