"""Print maps: real PDF/PNG pages rendered with poppler and measured in pixels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from tests.export.test_print_helpers import (
    NAME_A,
    NAME_B,
    X0,
    community_plan,
    needs_cjk,
    needs_poppler,
    rgb_close,
    synthetic_result,
)

from riskmap import fonts
from riskmap.cli import main
from riskmap.domain import load_level_styles
from riskmap.errors import InputDataError
from riskmap.export.gpkg import write_result
from riskmap.export.printmap import write_print_maps
from riskmap.export.printmap.layout import page_layout
from riskmap.resources import sample_dir

pytestmark = [needs_cjk]
DPI = 100


def _png(pdf: Path, page: int, dpi: int = DPI) -> np.ndarray:
    """Render one PDF page with pdftoppm and read it as an RGB array (0-255)."""
    stem = pdf.with_name(f"{pdf.stem}-p{page}")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
         "-singlefile", str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    return (mpimg.imread(stem.with_suffix(".png"))[..., :3] * 255).round().astype(int)


def _text(pdf: Path) -> str:
    """All text of a PDF, as pdftotext extracts it."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


def _crop(image: np.ndarray, rect_mm, page_h_mm: float, dpi: int) -> np.ndarray:
    """The pixels of a page rectangle (x, y, w, h mm from the bottom-left)."""
    px = dpi / 25.4
    x, y, w, h = rect_mm
    top = int((page_h_mm - y - h) * px)
    return image[top : int((page_h_mm - y) * px), int(x * px) : int((x + w) * px)]


@pytest.fixture(scope="module")
def one_pdf(tmp_path_factory) -> Path:
    """Community A alone, A4 landscape, colour."""
    out = tmp_path_factory.mktemp("print") / "a.pdf"
    counties = sample_dir() / "bazhong_counties.geojson"  # the inset's layer
    write_print_maps(
        synthetic_result(), out, communities=[NAME_A], dpi=DPI, inset_layer=counties
    )
    return out


@needs_poppler
def test_pdf_has_selectable_title_and_level_names(one_pdf):
    """pdftotext finds the title, the four level names, the CRS and the scale."""
    text = _text(one_pdf)
    assert f"{NAME_A}公共安全风险四色图" in text
    for style in load_level_styles().values():
        assert style.name_zh in text
    assert "EPSG:4545" in text
    assert "Gauss-Krüger CM 108°E" in text
    assert "比例尺 1∶15 000" in text  # 2000 m x 1.12 does not fit 187 mm at 1:10 000
    assert "张*" in text  # summary table: the responsible person, masked
    assert "张三" not in text
    assert "甲滑坡点" in text
    assert "洪水淹没水深（m）等值线" in text  # the hazard ramp with its unit
    assert "位置示意：平昌县" in text  # the inset's county from the bundled sample
    assert "数据日期：2026-06-01" in text


@needs_poppler
def test_page_is_not_blank_and_legend_holds_the_four_colours(one_pdf):
    """The rendered legend region contains each level colour; the map is inked."""
    image = _png(one_pdf, 1)
    layout = page_layout("A4", "landscape")
    assert image.shape[:2] == pytest.approx((210 / 25.4 * DPI, 297 / 25.4 * DPI), abs=1)
    inked = (image < 200).any(axis=-1).mean()
    assert inked > 0.05
    legend = _crop(image, layout.legend, layout.height, DPI)
    for style in load_level_styles().values():
        assert rgb_close(legend, style.color, tol=12).sum() > 50, style.name_zh


@needs_poppler
def test_scale_bar_matches_the_real_map_scale(tmp_path):
    """Bar length in pixels = bar metres x (pixels per metre measured on the map)."""
    out = tmp_path / "a.png"
    result = synthetic_result()
    write_print_maps(result, out, communities=[NAME_A], dpi=DPI)
    image = (mpimg.imread(out)[..., :3] * 255).round().astype(int)
    layout = page_layout("A4", "landscape")
    plan = community_plan(result, NAME_A, layout)
    px = DPI / 25.4
    # the community spans x = X0 .. X0 + 2000 m; measure its coloured row at mid-height
    xmin, _, ymin, _ = plan.window
    y_mm = layout.map[1] + (3_496_500.0 - ymin) * 1000 / plan.denom
    row = image[int((layout.height - y_mm) * px)]
    spread = row.max(axis=-1) - row.min(axis=-1)
    coloured = np.flatnonzero(spread > 120)
    map_px_per_m = (coloured[-1] - coloured[0] + 1) / 2000.0
    left_mm = layout.map[0] + (X0 - xmin) * 1000 / plan.denom
    assert coloured[0] == pytest.approx(left_mm * px, abs=3)
    # the scale bar: the inked run in the bar's middle row (black and white
    # segments in a thin black outline), left of the notes
    bx, by, bar_mm, bh = plan.bar_rect
    bar_row = image[int((layout.height - by - bh / 2) * px)]
    dark = np.flatnonzero(bar_row[: int((bx + bar_mm + 10) * px)].max(axis=-1) < 200)
    bar_px = dark[-1] - dark[0] + 1
    assert bar_px == pytest.approx(plan.bar_m * map_px_per_m, rel=0.02)
    assert bar_px == pytest.approx(plan.bar_m * 1000 / plan.denom * px, rel=0.02)
    assert plan.bar_m in (500.0, 1000.0)  # a round length


@pytest.mark.slow
@needs_poppler
def test_mono_levels_differ_in_grey(tmp_path):
    """With --mono the four level bands print as four different greys/hatches."""
    out = tmp_path / "m.pdf"
    result = synthetic_result()
    write_print_maps(result, out, communities=[NAME_A], mono=True, dpi=DPI)
    grey = _png(out, 1).mean(axis=-1)
    layout = page_layout("A4", "landscape")
    plan = community_plan(result, NAME_A, layout)
    xmin, _, ymin, _ = plan.window
    means = []
    for band in range(4):  # 500 m bands, levels 1..4 from west to east
        x0 = layout.map[0] + (X0 + band * 500 + 100 - xmin) * 1000 / plan.denom
        y0 = layout.map[1] + (3_496_300.0 - ymin) * 1000 / plan.denom
        rect = (x0, y0, 300 * 1000 / plan.denom, 300 * 1000 / plan.denom)
        means.append(_crop(grey, rect, layout.height, DPI).mean())
    assert means == sorted(means)  # level 1 darkest
    assert min(np.diff(means)) > 5
    hue = _png(out, 1)
    assert (hue.max(axis=-1) - hue.min(axis=-1) > 60).mean() < 0.01  # almost no colour


@pytest.mark.slow
@needs_poppler
def test_all_makes_cover_maps_and_notices(tmp_path):
    """--all --notice: cover + (map + notice) per community, and the .md notices."""
    gpkg = tmp_path / "r.gpkg"
    write_result(synthetic_result(two=True, coverage=True), gpkg)
    out = tmp_path / "maps" / "all.pdf"
    code = main(["-q", "export", "print", str(gpkg), "--all", "--notice", "--out",
                 str(out), "--issuer", "示例街道办", "--paper", "A3"])  # fmt: skip
    assert code == 0
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "Pages:           5" in info
    assert "A3" in info
    text = _text(out)
    assert "社区公共安全风险四色图（总图）" in text
    assert "避难场所服务范围外" in text  # coverage layer in the legend
    assert "风险提示" in text
    assert "示例街道办" in text
    note = (tmp_path / "maps" / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    assert "最高风险等级：重大风险（红）" in note
    assert "重大风险（红色）网格 50 个，面积 0.50 平方千米" in note
    assert "主要位于社区西部" in note
    assert "| 甲滑坡点 | 滑坡 | 重大风险 | 张\\* | — |" in note  # masked, escaped
    assert note.index("近避难场所") < note.index("远避难场所")
    assert "红色、橙色网格中 50% 不在避难场所服务半径内" in note
    assert "避难场所容量为常住人口的 25%" in note
    for stage in ("【预防】", "【准备】", "【响应】", "【恢复】"):
        assert stage in note
    assert (tmp_path / "maps" / f"{NAME_B}_notice.md").exists()


def test_png_per_community_at_the_requested_dpi(tmp_path):
    """Several communities to .png: one file each, sized paper x dpi."""
    out = tmp_path / "map.png"
    paths = write_print_maps(
        synthetic_result(two=True), out, dpi=50, orientation="portrait"
    )
    assert [p.name for p in paths] == [f"map_{NAME_A}.png", f"map_{NAME_B}.png"]
    image = mpimg.imread(paths[0])
    assert image.shape[:2] == pytest.approx((297 / 25.4 * 50, 210 / 25.4 * 50), abs=1)
    assert not out.exists()


def test_unknown_community_is_a_one_line_input_error(tmp_path, capsys):
    """A misspelt community exits 2 and names the valid ones."""
    gpkg = tmp_path / "r.gpkg"
    write_result(synthetic_result(), gpkg)
    code = main(["export", "print", str(gpkg), "--community", "丙社区", "--out",
                 str(tmp_path / "x.pdf")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "丙社区" in err
    assert NAME_A in err
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(InputDataError, match="no community chosen"):
        write_print_maps(synthetic_result(), tmp_path / "x.pdf", communities=[])


def test_missing_cjk_font_says_how_to_install_one(tmp_path, monkeypatch):
    """Without a CJK font nothing is printed and the error names fonts-noto-cjk."""
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.raises(InputDataError, match="fonts-noto-cjk"):
        write_print_maps(synthetic_result(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


@needs_poppler
def test_english_page_texts(tmp_path):
    """lang="en": English title, level names, table headings and scale-bar unit."""
    out = tmp_path / "en.pdf"
    write_print_maps(synthetic_result(), out, communities=["A"], lang="en", dpi=DPI)
    text = _text(out)
    assert f"{NAME_A} — public-safety risk map" in text
    for style in load_level_styles().values():
        assert style.name_en in text
    assert "Highest-level risk points" in text
    assert "1 000 m" in text or "500 m" in text
    assert "公共安全风险四色图" not in text


def test_labels_on_a_crowded_page_do_not_overlap():
    """Forty points in a 400 m square: the drawn labels' real extents never overlap."""
    import geopandas as gpd
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from riskmap.export.printmap import _context, community_page
    from riskmap.export.printmap.context import PrintOptions
    from riskmap.fonts import print_rc, require_cjk_font

    result = synthetic_result()
    rng = np.random.default_rng(7)
    n = 40
    pts = gpd.GeoDataFrame(
        {
            "name": [f"示例隐患点 {i:02d}" for i in range(n)],
            "type": ["滑坡"] * n,
            "level": rng.integers(1, 5, n),
            "community_id": ["A"] * n,
        },
        geometry=gpd.points_from_xy(
            X0 + 800 + rng.uniform(0, 400, n), 3_496_300 + rng.uniform(0, 400, n)
        ),
        crs="EPSG:4545",
    )
    result.points = pts
    with mpl.rc_context(print_rc(require_cjk_font())):
        fig = community_page(_context(result, PrintOptions()), "A")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        labels = [
            t.get_window_extent(renderer)
            for ax in fig.axes
            for t in ax.texts
            if t.get_text().startswith("示例隐患点")
        ]
    assert 5 <= len(labels) < n  # some placed, the rest left out for lack of room
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not a.overlaps(b), (a, b)


@pytest.mark.slow
@needs_poppler
def test_cells_without_hazard_data_are_marked(tmp_path):
    """Cells no hazard describes get a dotted overlay and their own legend entry."""
    result = synthetic_result()
    result.cells["hazard_data"] = result.cells["flood_mean"] > 0.5
    out = tmp_path / "nodata.pdf"
    write_print_maps(result, out, communities=[NAME_A], dpi=DPI)
    assert "无灾害数据" in _text(out)
    plain = tmp_path / "plain.pdf"
    write_print_maps(synthetic_result(), plain, communities=[NAME_A], dpi=DPI)
    assert "无灾害数据" not in _text(plain)
