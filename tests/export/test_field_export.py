"""`riskmap export field`: one offline page per community, data only as JSON."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from riskmap.cli import main
from riskmap.registry import Project

HOSTILE = '</script><img src=x onerror=alert(1)>{{ 7*7 }}=HYPERLINK("x")'


@pytest.fixture
def project_path(tmp_path):
    """Two communities, one with a hostile name, and a hostile ledger point."""
    comms = gpd.GeoDataFrame(
        {"code": ["C1", "C2"], "name": ["甲社区", HOSTILE]},
        geometry=[shapely.box(106.70, 31.85, 106.75, 31.90),
                  shapely.box(106.75, 31.85, 106.80, 31.90)],
        crs="EPSG:4326",
    )  # fmt: skip
    path = tmp_path / "p.gpkg"
    with Project.create(path, comms, id_field="code", name_field="name") as project:
        project.add_point(
            {"name": HOSTILE, "type": "危房", "responsible": HOSTILE}, 106.77, 31.87,
            user="u",
        )  # fmt: skip
    return path


def _data(page) -> dict:
    """The JSON document inside a field page."""
    text = page.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="rm-data">(.*?)</script>', text, re.S
    )
    return json.loads(found.group(1))


def test_one_page_per_community_with_escaped_data(project_path, tmp_path):
    """Hostile text appears only escaped inside the JSON, and round-trips exactly."""
    out = tmp_path / "field"
    assert main(["export", "field", str(project_path), "--out", str(out),
                 "--worker", "王五", "-q"]) == 0  # fmt: skip
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<img src=x" not in text
        assert 'name="viewport"' in text
        assert "http://" not in text.split("<script>", 1)[0]
    data = {d["community_id"]: d for d in map(_data, pages)}
    hostile_page = next(p for p in pages if _data(p)["community_id"] == "C2")
    assert "{{ 7*7 }}" in hostile_page.read_text(encoding="utf-8")  # data, unrendered
    assert data["C2"]["community"] == HOSTILE
    point = data["C2"]["points"][0]
    assert point["f"]["name"] == HOSTILE
    assert point["version"] == 1
    assert data["C1"]["points"] == []
    with Project.open(project_path) as project:
        assert data["C1"]["project_id"] == project.project_id
    assert data["C1"]["worker"] == "王五"
    names = [f["name"] for f in data["C1"]["fields"]]
    assert {"name", "type", "level", "lec_l", "status", "note"} <= set(names)
    assert "id" not in names
    assert "community_id" not in names


def test_community_choice_and_bad_options(project_path, tmp_path, capsys):
    """--community picks pages; an unknown one or a bad limit is exit 2, one line."""
    out = tmp_path / "one"
    assert main(["export", "field", str(project_path), "--out", str(out),
                 "--community", "C1", "-q"]) == 0  # fmt: skip
    assert [p.name for p in out.glob("*.html")] == ["甲社区.html"]
    assert main(["export", "field", str(project_path), "--out", str(out),
                 "--community", "C9", "-q"]) == 2  # fmt: skip
    assert "C9" in capsys.readouterr().err
    assert main(["export", "field", str(project_path), "--out", str(out),
                 "--accuracy-limit", "0", "-q"]) == 2  # fmt: skip
