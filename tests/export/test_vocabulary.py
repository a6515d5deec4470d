"""One vocabulary: a unit's own style files (``RISKMAP_STYLES``) reach every part.

A custom point type in ``point_types.toml`` is weighed by the model, accepted by the
ledger, drawn with its GB/T 35649 class and short label and listed in the web
legend; a renamed level in ``levels.toml`` is read from data and shown by the
desktop summary, the print map and the web map; texts from the tables stay data.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from tests.export.test_print_helpers import X0, Y0, needs_cjk, synthetic_result

from riskmap.cli import main
from riskmap.domain import level_of_word, load_level_styles
from riskmap.errors import ModelError
from riskmap.export.gpkg import write_result
from riskmap.export.symbols import point_class, short_label, types_by_class
from riskmap.export.webmap.html import symbols_legend
from riskmap.export.webmap.items import point_items
from riskmap.model import PointRule, load_model, model_from_dict
from riskmap.point_types import load_point_types
from riskmap.registry.fields import clean_record
from riskmap.resources import styles_dir
from riskmap.texts import areas, tr

HOSTILE = "<img src=x onerror=alert(1)>"
CUSTOM = f"""
[[type]]
type = "井盖缺失"
category = "物"
default_level = 2
radius = 80
symbol = "C"
name_en = "{HOSTILE}"
short_zh = "井盖"
short_en = "{{{{ 7*7 }}}}"
"""


@pytest.fixture
def own_styles(tmp_path, monkeypatch) -> Path:
    """A unit's styles folder: one more point type, level 1 renamed."""
    folder = tmp_path / "styles"
    folder.mkdir()
    types = (styles_dir() / "point_types.toml").read_text(encoding="utf-8")
    (folder / "point_types.toml").write_text(types + CUSTOM, encoding="utf-8")
    levels = (styles_dir() / "levels.toml").read_text(encoding="utf-8")
    levels = levels.replace('name_zh = "重大风险"', 'name_zh = "特别重大风险"')
    levels = levels.replace('aliases = ["重大"]', 'aliases = ["特重"]')
    levels = levels.replace('name_en = "Major risk"', 'name_en = "Severe risk"')
    (folder / "levels.toml").write_text(levels, encoding="utf-8")
    monkeypatch.setenv("RISKMAP_STYLES", str(folder))
    return folder


def _points() -> gpd.GeoDataFrame:
    """Three points: the custom type, a listed type written by its alias, and an
    unlisted 事 type."""
    return gpd.GeoDataFrame(
        {
            "point_id": ["P1", "P2", "P3"],
            "name": ["井盖", "仓库", "纠纷"],
            "type": ["井盖缺失", "危化品", "邻里纠纷"],
            "category": ["物", "物", "事"],
            "level": [2, 3, 3],
        },
        geometry=gpd.points_from_xy([106.7, 106.71, 106.72], [31.85, 31.86, 31.87]),
        crs="EPSG:4326",
    )


def test_custom_type_reaches_model_ledger_and_symbols(own_styles):
    """The model weighs it, the ledger fills its category and level, the symbols
    take its class and short label; its alias and unlisted 事 types have a class."""
    assert load_model().point_rule("井盖缺失") == PointRule(80.0, 2)
    assert load_model().point_rule("危化品") == PointRule(200.0, 3)
    values, errors = clean_record({"name": "井盖", "type": "井盖缺失"})
    assert not errors
    assert (values["category"], values["level"]) == ("物", 2)
    assert point_class("井盖缺失", "物") == "C"
    assert point_class("邻里纠纷", "事") == "A"  # 事 had no class before
    assert short_label("井盖缺失") == "井盖"
    items = point_items(_points(), {}, "en")
    assert [i["cls"] for i in items] == ["C", "B", "A"]
    assert items[0]["label"] == "{{ 7*7 }}"  # data in the page's JSON, not markup


def test_web_legend_lists_the_types_escaped(own_styles):
    """The symbols legend names the types on the map under their class, escaped."""
    html = symbols_legend("en", False, types_by_class(_points(), "en"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert "Hazardous chemicals" in html  # the alias 危化品, named by its type
    zh = symbols_legend("zh", False, types_by_class(_points(), "zh"))
    assert re.search(r"C 防护目标<br><span class=\"rm-types\">[^<]*井盖缺失", zh)
    assert re.search(r"A 突发事件<br><span class=\"rm-types\">[^<]*邻里纠纷", zh)


def test_renamed_level_is_read_and_shown(own_styles):
    """Data may write the new name or alias; the old alias is no longer a level."""
    assert load_level_styles()[1].name("zh") == "特别重大风险"
    assert level_of_word("特别重大风险") == 1
    assert level_of_word("特重级") == 1
    assert level_of_word("RED") == 1
    assert level_of_word("重大") is None
    values, errors = clean_record({"name": "点", "type": "滑坡", "level": "特重"})
    assert not errors
    assert values["level"] == 1
    _, errors = clean_record({"name": "点", "type": "滑坡", "level": "重大"})
    assert "红/橙/黄/蓝 or 特重/较大/一般/低" in errors["level"]


@needs_cjk
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")
def test_print_and_web_maps_use_the_unit_styles(own_styles, tmp_path):
    """The print legend and the web legend carry the renamed level; the custom
    point shows in the web legend under its class."""
    result = synthetic_result()
    extra = gpd.GeoDataFrame(
        {"point_id": ["P9"], "name": ["井盖点"], "type": ["井盖缺失"],
         "category": ["物"], "level": [2], "community_id": ["A"],
         "community": [result.points["community"].iloc[0]],
         "cell_id": [result.points["cell_id"].iloc[0]]},
        geometry=gpd.points_from_xy([X0 + 300], [Y0 + 800]), crs=result.points.crs,
    )  # fmt: skip
    result.points = gpd.GeoDataFrame(
        [*result.points.to_dict("records"), *extra.to_dict("records")],
        crs=result.points.crs,
    )
    result.cells["score"] = 1.0 - (result.cells["level"] - 1) / 4
    result.cells["score_hazard"] = result.cells["score"]
    result.cells["score_points"] = 0.0
    gpkg = write_result(result, tmp_path / "r.gpkg")
    pdf = tmp_path / "map.pdf"
    args = ["-q", "export", "print", str(gpkg), "--community", "A", "--out", str(pdf)]
    assert main(args) == 0
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "特别重大风险" in text
    out = tmp_path / "web"
    args = ["-q", "export", "maps", str(gpkg), "--out", str(out), "--basemap", "none"]
    assert main(args) == 0
    page = next(p for p in out.glob("*.html") if p.name != "index.html")
    html = page.read_text(encoding="utf-8")
    assert "特别重大风险" in html
    assert "井盖缺失" in html
    assert "<img src=x" not in html


def test_bad_point_type_table_names_the_key(tmp_path, monkeypatch):
    """A wrong value in a [[type]] table is one line naming its key path."""
    bad = tmp_path / "styles"
    bad.mkdir()
    text = (styles_dir() / "point_types.toml").read_text(encoding="utf-8")
    (bad / "point_types.toml").write_text(
        text.replace('symbol = "A"', 'symbol = "Z"', 1), encoding="utf-8"
    )
    monkeypatch.setenv("RISKMAP_STYLES", str(bad))
    with pytest.raises(ModelError, match=r"type\.0\.symbol") as err:
        load_point_types()
    assert "\n" not in str(err.value)


def test_old_model_files_keep_their_point_rules():
    """A model that still lists [points.types] and default_radius loads, and its
    numbers override the table for that model only."""
    old = {
        "points": {
            "default_radius": 150,
            "default_level": 4,
            "types": {"滑坡": {"radius": 400}, "自定义": {"radius": 60}},
        }
    }
    model = model_from_dict(old, "old.toml")
    assert model.point_rule("滑坡") == PointRule(400.0, 2)  # level from the table
    assert model.point_rule("自定义") == PointRule(60.0, 4)
    assert model.point_rule("没有的") == PointRule(150.0, 4)
    assert model.point_rule("泥石流") == PointRule(500.0, 1)


def test_one_lookup_for_every_text_table():
    """Every area's texts are found by the one tr(key, lang), with no key twice."""
    import riskmap.export.exposure_view
    import riskmap.export.printmap.text
    import riskmap.export.webmap.text  # noqa: F401

    tables = areas()
    assert {"webmap", "printmap", "exposure"} <= set(tables)
    seen: dict[str, str] = {}
    for area, table in tables.items():
        for key in table:
            assert key not in seen, f"{key} in {area} and {seen[key]}"
            seen[key] = area
    assert tr("print.title", "en", name="X") == "X — public-safety risk map"
    assert tr("title", "zh", name="甲") == "甲 · 公共安全风险四色图"
    assert tr("exposure.eae", "en") == "Expected annual exposed people"
