"""Page geometry: round scales, scale-bar lengths, non-overlapping labels, notices."""

from __future__ import annotations

import itertools

import pytest

from riskmap.export.printmap.layout import (
    choose_scale,
    map_window,
    nice_length,
    page_layout,
    place_labels,
)
from riskmap.export.printmap.notice import compass, load_notice_template, wrap


def test_choose_scale_picks_the_smallest_round_scale_that_fits():
    """4.7 km fits 187 mm at 1:25 000 (4.675 km) no more: 1:30 000."""
    assert choose_scale(4_675, 1_000, 187, 150) == 25_000
    assert choose_scale(4_700, 1_000, 187, 150) == 30_000
    assert choose_scale(100, 100, 100, 100) == 1_000


def test_map_window_is_exactly_frame_times_scale():
    """The ground window is frame mm x denominator / 1000, centred on the bounds."""
    denom, (x0, x1, y0, y1) = map_window((0, 0, 2000, 1000), (0, 0, 200, 100))
    assert denom == 15_000
    assert x1 - x0 == pytest.approx(200 * 15)
    assert y1 - y0 == pytest.approx(100 * 15)
    assert (x0 + x1) / 2 == pytest.approx(1000)


def test_nice_length_is_one_two_or_five_times_a_power_of_ten():
    """Round scale-bar lengths."""
    assert nice_length(2_340) == 2_000
    assert nice_length(999) == 500
    assert nice_length(5_000) == 5_000
    assert nice_length(0.7) == 0.5


def test_labels_never_overlap_each_other_or_markers():
    """Thirty crowded points: the labels placed do not overlap and stay in the frame."""
    anchors = [(50 + (i % 6) * 6.0, 50 + (i // 6) * 4.0) for i in range(30)]
    sizes = [(14.0, 2.5)] * 30
    markers = [(x - 1, y - 1, 2, 2) for x, y in anchors]
    boxes = place_labels(anchors, sizes, (0, 0, 120, 100), gap=1.2, obstacles=markers)
    placed = [b for b in boxes if b is not None]
    assert 6 <= len(placed) < 30
    for a, b in itertools.combinations(placed + markers, 2):
        if a in markers and b in markers:
            continue
        apart = (
            a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0]
            or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
        )  # fmt: skip
        assert apart, (a, b)
    assert all(b[0] >= 0 and b[0] + b[2] <= 120 for b in placed)


def test_page_panels_lie_on_the_page_and_do_not_overlap():
    """Both orientations and papers: every panel is on the page, none overlap."""
    for paper, orientation in itertools.product(
        ("A4", "A3"), ("landscape", "portrait")
    ):
        lay = page_layout(paper, orientation)
        rects = [lay.title, lay.map, lay.inset, lay.legend, lay.table, lay.footer]
        for x, y, w, h in rects:
            assert w > 0
            assert h > 0
            assert x >= 0
            assert y >= 0
            assert x + w <= lay.width
            assert y + h <= lay.height
        for a, b in itertools.combinations(rects, 2):
            assert (
                a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0]
                or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            ), (paper, orientation, a, b)  # fmt: skip


def test_notice_template_has_four_stages_per_level():
    """styles/notice.toml: risk wording by default; each level has its (opt-in)
    warning text, measure and four stages."""
    template = load_notice_template()
    assert "预警" not in template["title"] + template["headline"]
    assert template["level"]["1"]["warning"] == "一级（红色）预警"
    for level in "1234":
        for stage in ("prevention", "preparedness", "response", "recovery"):
            assert template["level"][level][stage]


def test_compass_and_wrap():
    """Directions from the centre; CJK text wrapped to the width."""
    assert compass(100, 0, 100) == "东部"
    assert compass(-70, 70, 100) == "西北部"
    assert compass(1, 1, 100) == "中部"
    lines = wrap("风险" * 40, 30, 10)  # 10 pt = 3.53 mm a character: 8 a line
    assert "".join(lines) == "风险" * 40
    assert max(len(line) for line in lines) == 8


def test_wrap_keeps_grid_ids_whole_and_no_line_starts_with_a_comma():
    """Grid ids never break inside; '、' and '。' stay with the word before them."""
    ids = [f"DEMO-PC-01-{64990 + i}-{4200 + i}" for i in range(9)]
    text = "网格编号：" + "、".join(ids) + " 等 277 个。"
    for width in (40, 55, 70, 90, 130):
        lines = wrap(text, width, 7)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line.startswith(("、", "。", "，")) for line in lines)
        for cid in ids:
            assert any(cid in line for line in lines), (width, cid, lines)


def test_inset_counties_hold_the_community_or_none():
    """A community inside a county finds it; one far away finds none (fallback)."""
    import geopandas as gpd
    import shapely

    from riskmap.export.printmap.frame import home_counties
    from riskmap.resources import sample_dir

    counties = gpd.read_file(sample_dir() / "bazhong_counties.geojson").to_crs(
        "EPSG:4545"
    )
    inside = shapely.box(420_000, 3_496_000, 422_000, 3_497_000)
    assert list(home_counties(counties, inside)["name"]) == ["平昌县"]
    far = shapely.box(800_000, 3_000_000, 802_000, 3_001_000)
    assert home_counties(counties, far) is None
