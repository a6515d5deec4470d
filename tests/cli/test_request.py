"""The typed request: CLI text -> AnalysisRequest, a project's hazards as
HazardSpecs, and load_inputs' errors as one line."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from riskmap.cli import build_parser
from riskmap.commands.demo import sample_request
from riskmap.commands.request import load_inputs, request_from_args
from riskmap.errors import InputDataError
from riskmap.io.request import AnalysisRequest, ExposureSources, HazardSpec
from riskmap.registry import Project
from riskmap.resources import sample_dir

LAYERS = sample_dir()


def _request(*argv: str) -> AnalysisRequest:
    """The request ``riskmap compute ARGV --out r.gpkg`` describes."""
    args = build_parser().parse_args(["compute", *argv, "--out", "r.gpkg"])
    return request_from_args(args)


def test_every_compute_option_becomes_a_typed_field(tmp_path):
    """Option text is parsed once, into paths, HazardSpecs, numbers and a CRS."""
    zones = tmp_path / "zones.gpkg"
    request = _request(
        "--communities", "c.geojson", "--id-field", "编码", "--name-field", "名称",
        "--hazard", f"flood@100={LAYERS / 'flood_rp100.tif'}",
        "--hazard", f"flood_zone={zones}:等级",
        "--points", "p.csv", "--points-coords", "GCJ-02",
        "--resources", "s.geojson", "--service-radius", "Shelter=800",
        "--population", "pop.csv",
        "--exposure", "buildings=b.shp:户数", "--exposure", "population=pop.tif",
        "--grid", "g.gpkg", "--grid-id-field", "网格编码",
        "--model", "m.toml", "--crs", "EPSG:4545", "--assume-crs", "wgs84",
        "--memory-mb", "512", "--workers", "3",
        "--scheduler", "tcp://127.0.0.1:8786", "--project", "p.gpkg",
    )  # fmt: skip
    assert request == AnalysisRequest(
        communities=Path("c.geojson"),
        id_field="编码",
        name_field="名称",
        hazards=(
            HazardSpec("flood", LAYERS / "flood_rp100.tif", None, 100.0),
            HazardSpec("flood_zone", zones, "等级"),
        ),
        points=Path("p.csv"),
        points_coords="gcj02",
        resources=Path("s.geojson"),
        service_radius={"shelter": 800.0},
        population=Path("pop.csv"),
        exposure=ExposureSources(
            population=Path("pop.tif"), buildings=Path("b.shp"), households_field="户数"
        ),
        grid=Path("g.gpkg"),
        grid_id_field="网格编码",
        model=Path("m.toml"),
        crs=CRS.from_epsg(4545),
        assume_crs="EPSG:4326",
        memory_mb=512.0,
        workers=3,
        scheduler="tcp://127.0.0.1:8786",
        project=Path("p.gpkg"),
    )
    assert [h.key for h in request.hazards] == ["flood@100", "flood_zone"]


def test_cli_defaults_are_the_request_defaults():
    """With only the required options the CLI asks for what an AnalysisRequest
    holds by default, so the desktop app and the demo run as ``compute`` does."""
    request = _request("--communities", "c.geojson")
    assert request == AnalysisRequest(communities=Path("c.geojson"))
    url = "postgresql://li@db/risk?schema=bz"
    assert _request("--project", url).project == url  # a URL stays text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hazard", "flood"], "write NAME=PATH"),
        (["--hazard", "flood@ten=x.tif"], "return period 'ten'"),
        (["--service-radius", "park=100"], "unknown resource type 'park'"),
        (["--exposure", "people=x.tif"], "population=PATH"),
        (["--exposure", "weight=w.tif"], "population=TABLE"),
        (["--points-coords", "mars"], "--coords 'mars'"),
        (["--assume-crs", "nowhere"], "--assume-crs 'nowhere'"),
        (["--crs", "EPSG:0"], "not a coordinate reference system"),
    ],
)
def test_bad_option_text_is_refused_when_the_request_is_built(argv, message):
    """Text that does not parse never reaches load_inputs: one line, no file read."""
    with pytest.raises(InputDataError, match=message) as caught:
        _request("--communities", "missing.geojson", *argv)
    assert "\n" not in str(caught.value)


@pytest.fixture
def communities_file(tmp_path) -> Path:
    """Two small communities near Bazhong."""
    path = tmp_path / "communities.geojson"
    gpd.GeoDataFrame(
        {"code": ["C1", "C2"], "名称": ["甲", "乙"]},
        geometry=[
            shapely.box(106.70, 31.85, 106.75, 31.90),
            shapely.box(106.75, 31.85, 106.80, 31.90),
        ],
        crs="EPSG:4326",
    ).to_file(path)
    return path


def test_a_project_gives_hazard_specs(tmp_path, communities_file):
    """A project stores HazardSpecs and gives them back (paths resolved), in the
    layout every riskmap has written, and compute takes them from it."""
    zones = tmp_path / "zones.geojson"
    gpd.GeoDataFrame(
        {"等级": ["高"]}, geometry=[shapely.box(106.7, 31.85, 106.8, 31.9)], crs=4326
    ).to_file(zones)
    specs = [
        HazardSpec("flood", LAYERS / "flood_rp10.tif", return_period=10.0),
        HazardSpec("flood", LAYERS / "flood_rp100.tif", return_period=100.0),
        HazardSpec("landslide_zone", zones, "等级"),
    ]
    path = tmp_path / "sub" / "p.gpkg"
    path.parent.mkdir()
    with Project.create(path, gpd.read_file(communities_file), hazards=specs) as p:
        assert p.hazards() == [
            dataclasses.replace(s, path=s.path.resolve()) for s in specs
        ]
        raw = p.conn.execute(
            "SELECT value FROM riskmap_settings WHERE key = 'hazards'"
        ).fetchone()[0]
    stored = json.loads(raw)
    assert list(stored) == ["flood@10", "flood@100", "landslide_zone"]
    assert stored["landslide_zone"] == {"path": "../zones.geojson", "field": "等级"}
    request = AnalysisRequest(project=path, cell_size=1000.0)
    inputs, _ = load_inputs(request)
    names = [(h.name, h.return_period, h.kind) for h in inputs.hazards]
    assert names == [
        ("flood_rp10", 10.0, "raster"),
        ("flood_rp100", 100.0, "raster"),
        ("landslide_zone", None, "zones"),
    ]
    own = AnalysisRequest(project=path, hazards=(specs[0],), cell_size=1000.0)
    assert [h.name for h in load_inputs(own)[0].hazards] == ["flood_rp10"]


def test_an_older_project_file_still_gives_its_hazards(tmp_path, communities_file):
    """Hazards an older riskmap stored ("flood@100.0" as typed, no field key)
    are read as the same HazardSpecs."""
    path = tmp_path / "old.gpkg"
    Project.create(path, gpd.read_file(communities_file)).close()
    old = {
        "flood@100.0": {"path": str(LAYERS / "flood_rp100.tif")},
        "landslide": {"path": str(LAYERS / "landslide.tif"), "field": None},
    }
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE riskmap_settings SET value = ? WHERE key = 'hazards'",
            (json.dumps(old),),
        )
    with Project.open(path) as project:
        assert project.hazards() == [
            HazardSpec("flood", LAYERS / "flood_rp100.tif", None, 100.0),
            HazardSpec("landslide", LAYERS / "landslide.tif"),
        ]
        assert project.settings["hazards"]["flood@100"].endswith("flood_rp100.tif")


def _one_line_error(request: AnalysisRequest) -> str:
    """load_inputs' error for *request*, checked to be one line."""
    with pytest.raises(InputDataError) as caught:
        load_inputs(request)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_load_errors_are_one_line(tmp_path, communities_file):
    """Each input problem is one line naming the file, field or option."""
    base = AnalysisRequest(communities=communities_file, cell_size=1000.0)
    flood = LAYERS / "flood_depth.tif"
    cases = [
        (AnalysisRequest(), "--communities PATH or --project"),
        (dataclasses.replace(base, workers=0), "--workers must be 1 or more"),
        (dataclasses.replace(base, cell_size=-5.0), "cell"),
        (dataclasses.replace(base, communities=tmp_path / "no.geojson"), "no.geojson"),
        (
            dataclasses.replace(base, hazards=(HazardSpec("flood", communities_file),)),
            "name its class field",
        ),
        (dataclasses.replace(base, points=tmp_path / "none.csv"), "none.csv"),
        (dataclasses.replace(base, model=tmp_path / "m.toml"), "m.toml"),
        (
            dataclasses.replace(base, exposure=ExposureSources(weight=flood)),
            "population=TABLE",
        ),
    ]
    for request, message in cases:
        assert message in _one_line_error(request), message


def test_a_project_without_communities_is_one_line(tmp_path):
    """A project with no communities asks for --communities."""
    path = tmp_path / "empty.gpkg"
    Project.create(path).close()
    assert "has no communities" in _one_line_error(AnalysisRequest(project=path))
    assert "not a riskmap project" in _one_line_error(
        AnalysisRequest(project=_not_a_project(tmp_path))
    )


def _not_a_project(folder: Path) -> Path:
    """A GeoPackage that is not a riskmap project."""
    path = folder / "plain.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326).to_file(path)
    return path


def test_load_inputs_reports_its_steps(tmp_path):
    """Progress hears of every loading step, ending at total/total."""
    heard: list[tuple[int, int, str]] = []
    request = dataclasses.replace(sample_request(1000.0), exposure=ExposureSources())
    inputs, model = load_inputs(request, lambda *step: heard.append(step))
    assert heard[0][0] == 0
    assert heard[-1][0] == heard[-1][1]
    assert [d for d, _, _ in heard] == sorted(d for d, _, _ in heard)
    assert len(inputs.hazards) == 4
    assert len(inputs.points) == 90
    assert model.hazards
