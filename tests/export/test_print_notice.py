"""The risk notice and official pages as printed: wording, unknowns, privacy, mono."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from tests.export.test_print_helpers import (
    NAME_A,
    needs_cjk,
    needs_poppler,
    synthetic_result,
)

from riskmap.cli import main
from riskmap.export.gpkg import write_result
from riskmap.export.printmap import write_print_maps

pytestmark = [needs_cjk, needs_poppler]
DEV_TEXT = re.compile(r"styles/|\.toml|--[a-z]|\.gpkg|\.tif|\.py\b")


def _pdftotext(pdf: Path) -> str:
    """The PDF's text; fails the test when poppler warns about an embedded font."""
    run = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert "Mismatch" not in run.stderr, run.stderr[:200]
    return run.stdout


def _contact_result():
    """Community A with full contacts on its red-cell point and no hazard data in
    its eastern half."""
    result = synthetic_result(coverage=True)
    result.points["phone"] = ["13800000001", "13900000002", None]
    result.points["responsible"] = ["张三", "欧阳娜娜", None]
    result.cells["hazard_data"] = result.cells["flood_mean"] < 4.0
    return result


def test_notice_names_a_risk_level_not_an_issued_warning(tmp_path):
    """Default wording: 风险提示 and the level; no 预警, no file names or options."""
    out = tmp_path / "n.pdf"
    write_print_maps(_contact_result(), out, communities=[NAME_A], notice=True)
    text = _pdftotext(out)
    note = (tmp_path / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    assert f"{NAME_A}公共安全风险提示" in text
    assert "最高风险等级：重大风险（红）" in text
    for page in (text, note):
        assert "预警" not in page
        assert not DEV_TEXT.search(page), DEV_TEXT.search(page)


@pytest.mark.slow
def test_warning_wording_is_an_explicit_template_choice(tmp_path, monkeypatch):
    """A template that asks for warning wording gets it."""
    from riskmap.export import printmap
    from riskmap.export.printmap import notice as printmap_notice

    template = printmap_notice.load_notice_template()
    template["title"] = "{community}公共安全风险预警通报"
    template["headline"] = "{warning} · 最高风险等级：{level_name}"
    monkeypatch.setattr(printmap, "load_notice_template", lambda: template)
    write_print_maps(synthetic_result(), tmp_path / "w.pdf", communities=[NAME_A],
                     notice=True)  # fmt: skip
    note = (tmp_path / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    assert "预警通报" in note
    assert "一级（红色）预警 · 最高风险等级：重大风险" in note


@pytest.mark.slow
def test_notice_states_what_it_does_not_know(tmp_path):
    """Cells without hazard data (count and share) and missing shelters are said."""
    result = _contact_result()
    result.resources = None
    write_print_maps(result, tmp_path / "u.pdf", communities=[NAME_A], notice=True)
    note = (tmp_path / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    blank = int((~result.cells["hazard_data"]).sum())
    assert blank == 40
    assert f"200 个网格中有 {blank} 个（20%）缺少灾害数据" in note
    assert "20% 的网格缺少灾害数据" in note  # under the headline
    assert "未掌握应急避难场所信息" in note
    text = _pdftotext(tmp_path / "u.pdf")
    assert "缺少灾害数据" in text


@pytest.mark.slow
def test_contacts_are_masked_unless_asked_for_in_full(tmp_path):
    """138****0001 and 张* by default in the PDF and the .md; --contacts full."""
    gpkg = tmp_path / "r.gpkg"
    write_result(_contact_result(), gpkg)
    masked, full = tmp_path / "masked", tmp_path / "full"
    for folder, extra in ((masked, []), (full, ["--contacts", "full"])):
        code = main(["-q", "export", "print", str(gpkg), "--community", NAME_A,
                     "--notice", "--out", str(folder / "m.pdf"), *extra])  # fmt: skip
        assert code == 0
    text = _pdftotext(masked / "m.pdf")
    note = (masked / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    note = note.replace("\\*", "*")  # Markdown escapes the mask's *
    for page in (text, note):
        assert "138****0001" in page
        assert "张*" in page
        assert "13800000001" not in page
        assert "张三" not in page
        assert "欧阳娜娜" not in page
    text = _pdftotext(full / "m.pdf")
    assert "13800000001" in text
    assert "张三" in text


@pytest.mark.slow
def test_mono_pages_carry_no_colour(tmp_path):
    """--mono: the map page (inset included) and the notice have no coloured pixel."""
    out = tmp_path / "mono.pdf"
    write_print_maps(_contact_result(), out, communities=[NAME_A], notice=True,
                     mono=True)  # fmt: skip
    for page in (1, 2):
        stem = tmp_path / f"p{page}"
        subprocess.run(
            ["pdftoppm", "-r", "60", "-f", str(page), "-l", str(page), "-png",
             "-singlefile", str(out), str(stem)],
            check=True,
        )  # fmt: skip
        rgb = (mpimg.imread(f"{stem}.png")[..., :3] * 255).astype(int)
        spread = rgb.max(axis=-1) - rgb.min(axis=-1)
        assert spread.max() <= 6, (page, np.argwhere(spread > 6)[:3])


@pytest.mark.slow
def test_area_outside_shelter_reach_keeps_the_level_colours(tmp_path):
    """The uncovered area (level-4 band of A) is outlined, not hatched: inside it the
    page shows the plain level colour."""
    from tests.export.test_print import _crop, _png
    from tests.export.test_print_helpers import X0, Y0, community_plan, rgb_close

    from riskmap.domain import load_level_styles
    from riskmap.export.printmap.layout import page_layout

    result = synthetic_result(coverage=True)
    out = tmp_path / "cov.pdf"
    write_print_maps(result, out, communities=[NAME_A], dpi=100)
    image = _png(out, 1, dpi=100)
    layout = page_layout("A4", "landscape")
    xmin, _, ymin, _ = community_plan(result, NAME_A, layout).window
    denom = community_plan(result, NAME_A, layout).denom
    mm = 1000 / denom
    inner = (  # the uncovered box X0+1500..2000, minus 80 m at each edge
        layout.map[0] + (X0 + 1580 - xmin) * mm,
        layout.map[1] + (Y0 + 80 - ymin) * mm,
        340 * mm,
        840 * mm,
    )
    crop = _crop(image, inner, layout.height, 100)
    blue = load_level_styles()[4].color
    # hatched (before): 71 % plain blue; outlined: 89 % (the rest: grid lines, a point)
    assert rgb_close(crop, blue, tol=20).mean() > 0.85


@pytest.mark.slow
def test_notice_lists_people_and_buildings_per_hazard_class(tmp_path):
    """The compact per-class table: pdftotext finds each row's hazard (with its
    scenario), class, people and buildings; the Markdown escapes data texts; rows
    past the page's limit are counted, not dropped silently."""
    import pandas as pd

    from riskmap.export.printmap.notice import MAX_CLASS_ROWS, md_text

    result = _contact_result()
    labels = ["1 < 0.5 m", "2 0.5–1 m", "3 1–2 m"]
    rows = [
        ("A", NAME_A, "flood_rp10", "洪水淹没水深", 10.0, c, 10, 1234.4 + k, 56 + k)
        for k, c in enumerate(labels)
    ]
    rows.append(("A", NAME_A, "zone", "<b>滑坡</b>", None, "高", 4, 20.0, 3))
    rows += [("B", "乙", "flood_rp10", "洪水淹没水深", 10.0, "1 x", 1, 9.0, 9)]
    rows += [("A", NAME_A, "z2", "积水", None, f"类{k}", 1, 1.0, 1) for k in range(6)]
    result.exposure_classes = pd.DataFrame(
        rows,
        columns=["community_id", "community", "hazard", "hazard_label",
                 "return_period", "class", "cells", "people", "buildings"],
    )  # fmt: skip
    out = tmp_path / "n.pdf"
    write_print_maps(result, out, communities=[NAME_A], notice=True)
    text = _pdftotext(out)
    note = (tmp_path / f"{NAME_A}_notice.md").read_text(encoding="utf-8")
    assert "各灾害类别暴露人口与建筑" in text
    for k, label in enumerate(labels):
        assert "洪水淹没水深（10年一遇）" in text
        assert label in text
        assert f"{1234.4 + k:,.0f}" in text
        assert f"{56 + k}" in text
        want = f"| 洪水淹没水深（10年一遇） | {md_text(label)} | {1234.4 + k:,.0f} |"
        assert want in note
    assert "<b>滑坡</b>" in text  # drawn as text, not markup
    assert "<b>" not in note  # Markdown escapes it
    assert "1 x" not in text  # another community's row
    assert f"另有 {10 - MAX_CLASS_ROWS} 行未列出" in text


def test_notice_counts_the_shelters_coverage_counts():
    """Resource types are read by the one vocabulary coverage uses: 'Shelter ' and
    '避难所' are shelters in the notice too, a depot is not."""
    import geopandas as gpd
    import shapely

    from riskmap.export.printmap.notice import _shelters

    resources = gpd.GeoDataFrame(
        {"type": ["Shelter ", "避难所", "物资储备点"]},
        geometry=[shapely.Point(0, 0)] * 3,
        crs="EPSG:4545",
    )
    assert _shelters(resources).tolist() == [True, True, False]
