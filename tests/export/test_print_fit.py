"""Printed pages measured as drawn: the legend fits its frame on every paper."""

from __future__ import annotations

import itertools

import geopandas as gpd
import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from tests.export.test_print_helpers import NAME_A, X0, Y0, needs_cjk, synthetic_result

from riskmap.export.printmap import _context, community_page
from riskmap.export.printmap.context import PrintOptions
from riskmap.fonts import print_rc, require_cjk_font
from riskmap.resources import sample_dir

pytestmark = [needs_cjk]


def _crowded_result():
    """Community A with every legend entry: four point classes, a hazard ramp,
    shelter coverage and cells without hazard data."""
    result = synthetic_result(coverage=True)
    result.cells["hazard_data"] = result.cells["flood_mean"] > 0.5
    extra = gpd.GeoDataFrame(
        {
            "point_id": ["P4"],
            "name": ["甲加油站"],
            "type": ["加油站"],
            "category": ["物"],
            "level": [3],
            "responsible": ["王五"],
            "community_id": ["A"],
            "community": [NAME_A],
            "cell_id": [result.points["cell_id"].iloc[0]],
        },
        geometry=gpd.points_from_xy([X0 + 1250], [Y0 + 450]),
        crs=result.points.crs,
    )
    result.points = gpd.GeoDataFrame(
        [*result.points.to_dict("records"), *extra.to_dict("records")],
        crs=result.points.crs,
    )
    return result


def _legend_boxes(fig, renderer):
    """The legend axes' frame and the extents of everything drawn in it."""
    (ax,) = [a for a in fig.axes if any("图例" in t.get_text() for t in a.texts)]
    frame = ax.patches[0].get_window_extent(renderer)
    artists = [*ax.texts, *ax.patches[1:], *ax.lines]
    return frame, [(a, a.get_window_extent(renderer)) for a in artists]


@pytest.mark.parametrize(
    ("paper", "orientation", "mono"),
    [(p, o, m) for p, o in itertools.product(("A4", "A3"), ("landscape", "portrait"))
     for m in (False, True)],
)  # fmt: skip
def test_legend_entries_lie_inside_the_legend_frame(paper, orientation, mono):
    """Every legend text, swatch and symbol lies inside the frame; no text overlaps."""
    ctx = _context(_crowded_result(), PrintOptions(paper, orientation, mono=mono))
    with mpl.rc_context(print_rc(require_cjk_font())):
        fig = community_page(ctx, "A")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        frame, boxes = _legend_boxes(fig, canvas.get_renderer())
    labels = [t.get_text() for t, _ in boxes if hasattr(t, "get_text")]
    assert "避难场所服务范围外" in labels
    assert any("无灾害数据" in t for t in labels)
    for artist, box in boxes:
        assert frame.x0 - 0.5 <= box.x0, artist
        assert box.x1 <= frame.x1 + 0.5, artist
        assert frame.y0 - 0.5 <= box.y0, artist
        assert box.y1 <= frame.y1 + 0.5, artist
    texts = [box for a, box in boxes if hasattr(a, "get_text") and a.get_text()]
    for a, b in itertools.combinations(texts, 2):
        assert not a.overlaps(b), (a, b)


def _titles(result, cid, inset_layer=None):
    """The axes titles of a community page (the inset's caption is one)."""
    options = PrintOptions(inset_layer=inset_layer)
    with mpl.rc_context(print_rc(require_cjk_font())):
        fig = community_page(_context(result, options), cid)
    return [ax.get_title() for ax in fig.axes]


def test_inset_outside_the_inset_layer_uses_the_result_or_nothing():
    """Far from Bazhong's counties: the other communities locate the page; alone,
    no inset; without --inset-layer the counties are never opened."""
    from shapely.affinity import translate

    def moved(result):
        for layer in ("cells", "communities", "points", "resources"):
            frame = getattr(result, layer)
            frame["geometry"] = frame.geometry.map(lambda g: translate(g, 0, -900_000))
        return result

    counties = sample_dir() / "bazhong_counties.geojson"
    two = moved(synthetic_result(two=True))
    assert "位置示意：全部社区范围" in _titles(two, "B", counties)
    alone = moved(synthetic_result())
    assert not any(t.startswith("位置示意") for t in _titles(alone, "A", counties))
    home = synthetic_result()
    assert "位置示意：平昌县" in _titles(home, "A", counties)
    assert not any(t.startswith("位置示意") for t in _titles(home, "A"))
