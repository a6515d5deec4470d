"""Web-map pages as officials and grid workers get them: chosen communities, masked
contacts, readable popups, cells without hazard data, no silent Bazhong defaults."""

from __future__ import annotations

import dataclasses
import json

import pytest
import shapely
from tests.browser.sample_result import exported_sample

from riskmap.cli import main
from riskmap.errors import RiskmapWarning
from riskmap.export.webmap import write_web_maps
from riskmap.export.webmap.cells import (
    _lattice_no_data_area,
    _no_data_area,
    _row_major,
)
from riskmap.export.webmap.html import read_spec
from riskmap.export.webmap.packed import unpack_column, unpack_texts
from riskmap.resources import sample_dir


@pytest.fixture(scope="module")
def sample():
    """The hostile sample computed once at 200 m cells, and its RESULT.gpkg."""
    result, gpkg, _ = exported_sample()
    return result, gpkg


def _first(result):
    """The result cut to its first community, with contacts and a coded method."""
    one = dataclasses.replace(result, communities=result.communities.iloc[[0]])
    points = one.points.copy()
    points["phone"] = "13800000001"
    points["responsible"] = "张三"
    points["level_method"] = "direct"
    points["id"] = points["point_id"]
    cells = one.cells.copy()
    half = cells["community_id"] == one.communities["community_id"].iloc[0]
    cells.loc[half & (cells.index % 2 == 0), "hazard_data"] = False
    return dataclasses.replace(one, points=points, cells=cells)


def _spec(path):
    return read_spec(path.read_text(encoding="utf-8"))


def test_export_maps_community_exports_only_those(sample, tmp_path):
    """--community ID twice: index + those two maps; an unknown id is exit 2."""
    result, gpkg = sample
    ids = list(result.communities["community_id"].astype(str))[:2]
    out = tmp_path / "maps"
    argv = ["-q", "export", "maps", str(gpkg), "--out", str(out), "--basemap", "none"]
    assert main([*argv, "--community", ids[0], "--community", ids[1]]) == 0
    assert len(list(out.glob("*.html"))) == 3
    assert main([*argv, "--community", "NO-SUCH-ID"]) == 2


def test_contacts_are_masked_unless_full(sample, tmp_path):
    """Popups show 138****0001 and 张* by default, the full contact on request."""
    one = _first(sample[0])
    masked = write_web_maps(one, tmp_path / "m", basemap="none")[1]
    text = json.dumps(_spec(masked)["points"], ensure_ascii=False)
    assert "138****0001" in text
    assert "张*" in text
    assert "13800000001" not in text
    assert "张三" not in text
    full = write_web_maps(one, tmp_path / "f", basemap="none", contacts="full")[1]
    text = json.dumps(_spec(full)["points"], ensure_ascii=False)
    assert "13800000001" in text
    assert "张三" in text


def test_popups_have_one_id_row_and_no_english_codes(sample, tmp_path):
    """A ledger point's id and point_id show once; 'direct' reads 直接评定."""
    page = write_web_maps(_first(sample[0]), tmp_path / "p", basemap="none")[1]
    for item in _spec(page)["points"]:
        labels = [label for label, _ in item["fields"]]
        assert labels.count("编号") == 1, labels
        values = [value for _, value in item["fields"]]
        assert "direct" not in values
        assert "直接评定" in values


def test_cells_without_hazard_data_are_marked_and_in_the_legend(sample, tmp_path):
    """The no-data cells: a hatched area, a flag per cell, a legend row with count."""
    one = _first(sample[0])
    page = write_web_maps(one, tmp_path / "n", basemap="none")[1]
    spec = _spec(page)
    blank = int((~one.cells["hazard_data"].astype(bool)).sum())
    assert sum(unpack_column(spec["cells"]["nodata"])) == blank > 0
    assert spec["cells"]["nodata_polys"]
    assert "无灾害数据（斜线）" in spec["panels"]["levels"]
    assert f'<td class="rm-n">{blank}</td>' in spec["panels"]["levels"]
    drivers = [r for r in spec["cells"]["extra"] if r["label"] == "等级依据"]
    assert drivers
    words = [v for v in unpack_texts(drivers[0]["values"]) if v]
    assert any("最大值" in v or v.startswith("隐患点") for v in words)
    assert not any(v.startswith("point ") or " max " in v for v in words)


def test_no_data_area_traced_on_the_lattice_is_the_cells_union(sample):
    """The hatched area traced from the fishnet lattice (clipped to the community)
    covers the same ground as the union of the no-data cells' own polygons."""
    one = _first(sample[0])
    cid = one.communities["community_id"].iloc[0]
    cells = one.cells[one.cells["community_id"] == cid].reset_index(drop=True)
    boundary = one.communities.geometry.iloc[0]
    traced = _lattice_no_data_area(_row_major(cells), boundary, one.grid)
    dissolved = _no_data_area(cells)
    assert traced.area == pytest.approx(dissolved.area, rel=1e-6)
    assert traced.symmetric_difference(dissolved).area < 1e-6 * dissolved.area


def test_hillshade_outside_the_dem_is_absent_and_said(sample, tmp_path):
    """A community moved 5 degrees east: no hillshade, a warning naming the option;
    without a DEM no hillshade and no bundled DEM opened."""
    one = _first(sample[0])
    moved = one.communities.copy()
    moved["geometry"] = (
        moved.to_crs("EPSG:4326")
        .geometry.map(lambda g: shapely.affinity.translate(g, 5.0, 0.0))
        .to_crs(moved.crs)
    )
    cells = one.cells.iloc[0:0]
    far = dataclasses.replace(one, communities=moved, cells=cells, points=None)
    with pytest.warns(RiskmapWarning, match="--hillshade-dem PATH"):
        page = write_web_maps(far, tmp_path / "far", dem=sample_dir() / "dem.tif")[1]
    assert _spec(page)["base"] == {"kind": "none"}
    page = write_web_maps(_first(sample[0]), tmp_path / "no-dem")[1]
    assert _spec(page)["base"] == {"kind": "none"}


def test_pages_carry_a_viewport_tag(sample, tmp_path):
    """Phones lay the page out at device width."""
    page = write_web_maps(_first(sample[0]), tmp_path / "v", basemap="none")[1]
    assert '<meta name="viewport" content="width=device-width' in page.read_text(
        encoding="utf-8"
    )
