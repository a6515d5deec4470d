"""The packed per-cell data of a web map shows the RESULT.gpkg's values in Chromium.

Cell popups are read at cell centres through the page's own lookup and compared
field by field with the cells layer of the GeoPackage the maps came from, worded
and rounded as the runtime does (scores to 3 decimals, hazard depths to 2).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import pytest
from tests.browser.chromium import CHROMIUM, Chromium, needs_chromium
from tests.browser.sample_result import exported_sample

from riskmap.export.webmap.text import tr  # first: result_labels imports it back

# isort: split
from riskmap.domain import RunInfo
from riskmap.export.result_labels import column_label, driver_words

pytestmark = needs_chromium

POPUP_ROWS = (
    "(function () { var t = document.createElement('template'), out = {};"
    " t.innerHTML = RM.cellHtml(RM_CTX, RM_CTX.locate([%r, %r]));"
    " out.head = t.content.querySelector('.rm-tip-head').textContent;"
    " t.content.querySelectorAll('tr').forEach(function (r) {"
    "  out[r.querySelector('th').textContent] = r.querySelector('td').textContent; });"
    " return out; })()"
)


def js_num(value: float, digits: int) -> str:
    """What the runtime's RM.num shows: toFixed (ties away from zero), then as short
    as JavaScript prints a number."""
    fixed = float(Decimal(value).quantize(Decimal(10) ** -digits, ROUND_HALF_UP))
    return str(int(fixed)) if fixed.is_integer() else repr(fixed)


def stored(value: float) -> float:
    """A value as the page carries it: rounded to 3 decimals."""
    return round(float(value), 3)


@pytest.fixture(scope="module")
def first_map():
    """The first community's cells read back from RESULT.gpkg, and its page."""
    result, gpkg, paths = exported_sample()
    cid = result.communities["community_id"].iloc[0]
    cells = gpd.read_file(gpkg, layer="cells")
    return cells[cells["community_id"] == cid], result.run_info, paths[1]


def _chosen(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Whole cells: a random dozen, the ones with risk points and the deepest floods."""
    full = cells[cells["full"]]
    picks = [
        full.sample(12, random_state=3),
        full[full["points_n"] > 0].head(4),
        full.nlargest(4, "flood_rp100_max"),
    ]
    return gpd.pd.concat(picks).drop_duplicates("cell_id")


def _expected(row, info: RunInfo) -> dict[str, str]:
    """The popup rows the cell should show (label -> text), from the GeoPackage."""
    out = {
        tr("score", "zh"): f"{js_num(stored(row['score']), 3)} ("
        f"{tr('score_hazard', 'zh')} {js_num(stored(row['score_hazard']), 3)} · "
        f"{tr('score_points', 'zh')} {js_num(stored(row['score_points']), 3)})",
    }
    labels = {h.name: h.label_zh for h in info.hazards}
    for hz in info.hazards:  # the classes the run used, from run_info
        out[hz.label_zh] = _hazard_text(row, hz.name, hz.model_rule)
    out[column_label("driver", "zh")] = driver_words(row["driver"], "zh", labels)
    covered = "服务范围内" if row["shelter_covered"] else "覆盖外"
    out["最近避难场所"] = f"{row['shelter_dist_m']:,.0f} m ({covered})"
    if row["points_n"]:
        per = [
            f"{tr('level_n', 'zh', n=k)} {int(row[f'points_l{k}'])}"
            for k in range(1, 5)
            if row[f"points_l{k}"]
        ]
        out[tr("points", "zh")] = f"{int(row['points_n'])} ({', '.join(per)})"
    return out


def _hazard_text(row, name: str, rule) -> str:
    """'最大 2.31 m · 平均 1.2 m · 超阈值面积 40%', or '最高 高' when classed."""
    parts = []
    top = row[f"{name}_max"]
    if top != top:
        return tr("no_data", "zh")
    if rule.class_names:
        k = sum(stored(top) >= b for b in rule.breaks)
        parts.append(f"{tr('top_class', 'zh')} {rule.class_names[k]}")
    else:
        parts.append(f"{tr('max', 'zh')} {js_num(stored(top), 2)} m")
        parts.append(f"{tr('mean', 'zh')} {js_num(stored(row[f'{name}_mean']), 2)} m")
    share = stored(row[f"{name}_frac"]) * 100
    parts.append(f"{tr('frac', 'zh')} {js_num(share, 0)}%")
    return " · ".join(parts)


def test_popups_show_the_geopackage_values(first_map):
    """Score parts, each hazard, the level reason and the points of 20 cells match."""
    cells, info, page = first_map
    chosen = _chosen(cells)
    centres = chosen.geometry.centroid.to_crs("EPSG:4326")
    with Chromium(CHROMIUM) as browser:
        browser.open(page)
        assert browser.errors() == []
        for (_, row), pt in zip(chosen.iterrows(), centres, strict=True):
            shown = browser.evaluate(POPUP_ROWS % (pt.y, pt.x))
            assert shown.pop("head").endswith(row["cell_id"])
            expected = _expected(row, info)
            assert {k: shown.get(k) for k in expected} == expected, row["cell_id"]
            assert shown[tr("level", "zh")].endswith(row["level_name"])


def test_a_browser_without_decompression_still_shows_the_map(first_map):
    """Without DecompressionStream the levels, legends and layers still show, with
    a note that cell details are not available (no lookup, no RM_READY)."""
    _, _, page = first_map
    with Chromium(CHROMIUM) as browser:
        browser.send(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": "delete window.DecompressionStream;"},
        )
        browser.open(page, ready="document.querySelector('.rm-note') !== null")
        note = browser.evaluate("document.querySelector('.rm-note').textContent")
        assert note == tr("no_lookup", "zh")
        assert browser.evaluate("window.RM_READY") is None
        levels = "RM_CTX.map.hasLayer(RM_CTX.layers['风险等级（网格）'])"
        assert browser.evaluate(levels)
        assert browser.evaluate("document.querySelectorAll('.rm-sym').length") > 0
