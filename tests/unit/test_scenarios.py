"""Return-period scenarios: EAE by hand, exceedance probabilities, the matrix."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest
import shapely
from tests.helpers import write_raster

from riskmap.commands.request import parse_hazard_arg
from riskmap.core import scenarios
from riskmap.core.exposure import Exposure
from riskmap.core.pipeline import AnalysisInputs, run_analysis
from riskmap.errors import InputDataError
from riskmap.io.layers import load_hazard
from riskmap.io.rasters import describe_raster
from riskmap.model import load_model


def test_eae_hand_computed():
    """T = 10, 50, 100 years with 100, 400, 1000 people affected:
    (0.1-0.02)(100+400)/2 + (0.02-0.01)(400+1000)/2 + 0.01*1000 = 20 + 7 + 10."""
    got = scenarios.expected_annual([10, 50, 100], np.array([100.0, 400.0, 1000.0]))
    assert got == pytest.approx(37.0)
    # several items at once; one scenario alone gives p * A
    both = scenarios.expected_annual(
        [10, 50, 100], np.array([[100, 0], [400, 0], [1000, 50]])
    )
    # second item: (0.02 - 0.01)(0 + 50)/2 + 0.01 * 50 = 0.25 + 0.5
    np.testing.assert_allclose(both, [37.0, 0.75])
    assert scenarios.expected_annual([20], np.array([100.0])) == pytest.approx(5.0)


def test_exceedance_probability_is_highest_p_reaching():
    """A cell red only in the 100-year scenario has p = 0.01; never red: 0."""
    reached = np.array(
        [[False, True, False], [False, True, False], [True, True, False]]
    )
    aep = scenarios.exceedance_probability([10, 50, 100], reached)
    np.testing.assert_allclose(aep, [0.01, 0.1, 0.0])


def test_default_matrix_is_l_times_c():
    """Bundled matrix: R = L × C; 20–25 red, 15–16 orange, 9–12 yellow, else blue."""
    matrix = load_model().matrix
    for lk in range(1, 6):
        for c in range(1, 6):
            r = lk * c
            want = 1 if r >= 20 else 2 if r >= 15 else 3 if r >= 9 else 4
            assert matrix.level_of(lk, np.array([c]))[0] == want, (lk, c)
    assert [matrix.likelihood_of(t) for t in (5, 10, 20, 30, 100, 500)] == [
        5,
        5,
        4,
        3,
        2,
        1,
    ]
    # consequence: min of severity class and people class
    sev = np.array([0.0, 0.5, 1.0, 1.0])
    people = np.array([500.0, 500.0, 5.0, 300.0])
    np.testing.assert_array_equal(matrix.consequence_of(sev, people), [1, 3, 2, 5])


def test_matrix_scenario_level_keeps_points():
    """Matrix rule: 10-year, severity 1, 300 people -> L5 × C5 = red; a level-2
    point's influence still raises a cell with no hazard to orange."""
    model = dataclasses.replace(load_model(), level_rule="matrix")
    part = np.array([1.0, 0.0, 0.5])
    influence = np.array([0.0, 0.7, 0.0])
    people = np.array([300.0, 0.0, 20.0])
    level = scenarios.scenario_level(part, influence, 10.0, people, model)
    # third cell: severity 0.5 -> C3, 20 people -> C3; L5 × C3 = 15 -> orange
    np.testing.assert_array_equal(level, [1, 2, 2])
    level_100 = scenarios.scenario_level(part, influence, 100.0, people, model)
    # L2: C5 -> 10 yellow; C3 -> 6 blue
    np.testing.assert_array_equal(level_100, [3, 2, 4])


def test_plan_refuses_mismatched_periods(tmp_path, hazard_array):
    """Every scenario hazard must come for the same return periods."""
    path = write_raster(tmp_path / "d.tif", hazard_array)
    hz = [
        load_hazard(parse_hazard_arg(f"flood@10={path}")),
        load_hazard(parse_hazard_arg(f"flood@100={path}")),
        load_hazard(parse_hazard_arg(f"landslide@10={path}")),
    ]
    with pytest.raises(InputDataError, match="same return periods"):
        scenarios.plan_scenarios(hz)
    mixed = [hz[0], load_hazard(parse_hazard_arg(f"flood={path}"))]
    with pytest.raises(InputDataError, match="with and without"):
        scenarios.plan_scenarios(mixed)


@pytest.mark.parametrize("text", ["flood@0=x.tif", "flood@-5=x.tif", "flood@ten=x.tif"])
def test_bad_return_periods(text):
    """A return period must be a number of years >= 1."""
    with pytest.raises(InputDataError, match="return period"):
        parse_hazard_arg(text)


def test_pipeline_scenarios_by_hand(tmp_path):
    """Three flood scenarios over a 3 × 1 strip of 100 m cells with known depths
    and people: levels, AEP and EAE per cell and per community by hand."""
    x0, y0 = 500_000.0, 3_500_000.0
    strip = shapely.box(x0, y0 - 100, x0 + 300, y0)
    comm = gpd.GeoDataFrame(
        {"community_id": ["A"], "community": ["甲"]}, geometry=[strip], crs="EPSG:4545"
    )
    from rasterio.transform import from_origin

    transform = from_origin(x0, y0, 100, 100)
    # depths per cell (m): scenario 10, 50, 100 years
    depths = {10: [0.2, 1.2, 3.5], 50: [1.2, 2.5, 3.5], 100: [2.5, 3.5, 3.5]}
    hazards = []
    for t, d in depths.items():
        path = write_raster(
            tmp_path / f"d{t}.tif", np.array([d], dtype="float32"), transform=transform
        )
        hazards.append(load_hazard(parse_hazard_arg(f"flood@{t}={path}")))
    pop = write_raster(
        tmp_path / "pop.tif",
        np.array([[100, 200, 300]], dtype="float32"),
        transform=transform,
    )
    inputs = AnalysisInputs(
        communities=comm,
        hazards=hazards,
        exposure=Exposure(population=describe_raster(pop)),
    )
    result = run_analysis(inputs, load_model())
    cells = result.cells.sort_values("col")
    # flood severity by depth class: <0.5 0, 0.5-1 .25, 1-2 .5, 2-3 .75, >=3 1
    # -> levels: 4 (score 0), 2 (0.5), 1 (0.75/1.0)
    np.testing.assert_array_equal(cells["level_rp10"], [4, 2, 1])
    np.testing.assert_array_equal(cells["level_rp50"], [2, 1, 1])
    np.testing.assert_array_equal(cells["level_rp100"], [1, 1, 1])
    np.testing.assert_array_equal(cells["level"], [1, 1, 1])  # most severe
    np.testing.assert_allclose(cells["aep_l1"], [0.01, 0.02, 0.1])
    np.testing.assert_allclose(cells["aep_l2"], [0.02, 0.1, 0.1])
    np.testing.assert_allclose(cells["people"], [100, 200, 300])
    # affected (level <= 2): cell 1 in 50/100 -> A = 0, 100, 100
    eae1 = 0.08 * (0 + 100) / 2 + 0.01 * (100 + 100) / 2 + 0.01 * 100
    eae2 = 0.08 * 400 / 2 + 0.01 * 400 / 2 + 0.01 * 200
    eae3 = 0.08 * 600 / 2 + 0.01 * 600 / 2 + 0.01 * 300
    np.testing.assert_allclose(cells["eae_people"], [eae1, eae2, eae3])
    comm_row = result.communities.iloc[0]
    assert comm_row["eae_people"] == pytest.approx(eae1 + eae2 + eae3)
    assert comm_row["people_affected_rp10"] == pytest.approx(500)
    assert comm_row["people_affected_rp100"] == pytest.approx(600)
    assert comm_row["people_l1"] == pytest.approx(600)
    assert result.run_info.return_periods == (10, 50, 100)
    assert "最不利" in result.run_info.model.summary_zh
    classes = result.exposure_classes
    rp10 = classes[classes["hazard"] == "flood_rp10"].set_index("class")
    assert rp10.loc["1 < 0.5 m", "people"] == pytest.approx(100)
    assert rp10.loc["5 >= 3 m", "people"] == pytest.approx(300)


def test_zone_likelihood_field_drives_the_matrix(tmp_path):
    """A zone layer with a likelihood field: each cell takes the likelihood of the
    zones touching it (highest), not the default; a value outside 1-5 is refused."""
    from riskmap.model import default_model_path

    text = default_model_path().read_text(encoding="utf-8")
    text = text.replace('level_rule = "max"', 'level_rule = "matrix"')
    text = text.replace(
        "[hazards.flood_zone]\n", '[hazards.flood_zone]\nlikelihood_field = "可能性"\n'
    )
    model_path = tmp_path / "m.toml"
    model_path.write_text(text, encoding="utf-8")
    model = load_model(model_path)
    x0, y0 = 500_000.0, 3_500_000.0
    strip = shapely.box(x0, y0 - 100, x0 + 300, y0)
    comm = gpd.GeoDataFrame(
        {"community_id": ["A"], "community": ["甲"]}, geometry=[strip], crs="EPSG:4545"
    )
    # two 高 zones (severity 0.75 -> consequence 4): cell 1 likely (5), cell 2 rare (1)
    zones = gpd.GeoDataFrame(
        {"等级": ["高", "高"], "可能性": [5, 1]},
        geometry=[
            shapely.box(x0 + 10, y0 - 90, x0 + 90, y0 - 10),
            shapely.box(x0 + 110, y0 - 90, x0 + 190, y0 - 10),
        ],
        crs="EPSG:4545",
    )
    path = tmp_path / "zones.gpkg"
    zones.to_file(path)
    hazard = load_hazard(parse_hazard_arg(f"flood_zone={path}:等级"))
    result = run_analysis(AnalysisInputs(communities=comm, hazards=[hazard]), model)
    cells = result.cells.sort_values("col")
    np.testing.assert_array_equal(cells["flood_zone_likelihood"], [5, 1, 0])
    # no exposure: consequence from severity alone (0.75 -> 4; 0 -> 1)
    # L5 × C4 = 20 red; L1 × C4 = 4 blue; default L3 × C1 = 3 blue
    np.testing.assert_array_equal(cells["level"], [1, 4, 4])
    zones.loc[1, "可能性"] = 7
    zones.to_file(path)
    hazard = load_hazard(parse_hazard_arg(f"flood_zone={path}:等级"))
    with pytest.raises(InputDataError, match="not a likelihood class"):
        run_analysis(AnalysisInputs(communities=comm, hazards=[hazard]), model)


def test_matrix_points_with_likelihood_enter_the_matrix():
    """A point with a likelihood class enters the matrix with the consequence of
    its influence and the cell's people; a point without one raises to its level."""
    from riskmap.core.points import RatedPoints

    model = dataclasses.replace(load_model(), level_rule="matrix")
    part = np.zeros(4)
    influence = np.array([0.7, 0.7, 0.35, 0.45])
    people = np.array([300.0, 300.0, 300.0, 0.0])
    rated = RatedPoints(
        cell=np.array([0, 1, 2]),
        likelihood=np.array([5, 1, 4]),
        effect=np.array([0.7, 0.7, 0.35]),
        unrated=np.array([0.0, 0.0, 0.0, 0.45]),  # cell 3: a level-3 point, no L
    )
    level = scenarios.scenario_level(part, influence, None, people, model, None, rated)
    # cell 0: severity 0.7 -> C3, 300 people -> C5, min C3; L5 × C3 = 15 -> orange
    # cell 1: L1 × C3 = 3 -> blue (the level-2 point no longer forces orange)
    # cell 2: severity 0.35 -> C2; L4 × C2 = 8 -> blue
    # cell 3: no likelihood: influence 0.45 -> its own level 3 (yellow)
    np.testing.assert_array_equal(level, [2, 4, 4, 3])
    # without people the severity class alone: cell 2 L4 × C2 = 8 -> blue still
    alone = scenarios.scenario_level(part, influence, None, None, model, None, rated)
    np.testing.assert_array_equal(alone, [2, 4, 4, 3])
    # under the max rule the likelihood is not used: score thresholds 0.75/0.5/0.25
    plain = dataclasses.replace(model, level_rule="max")
    np.testing.assert_array_equal(
        scenarios.scenario_level(part, influence, None, people, plain, None, rated),
        [2, 2, 3, 3],
    )


def test_point_effect_splits_points_by_likelihood():
    """(point, cell, effect) pairs of points with a likelihood; the others' influence
    stays in ``unrated`` (linear decay: level_base × (1 − d / radius))."""
    from riskmap.core.points import point_effect

    model = load_model()
    cells = gpd.GeoDataFrame(
        geometry=[shapely.box(100 * k, 0, 100 * k + 100, 100) for k in range(6)],
        crs="EPSG:4545",
    )
    points = gpd.GeoDataFrame(
        {"type": ["未分类", "未分类"], "level": [2, 3], "likelihood": [4, 0]},
        geometry=[shapely.Point(50, 50), shapely.Point(550, 50)],
        crs="EPSG:4545",
    )
    radius = model.default_point.radius  # 200 m
    effect = point_effect(cells, points, model)
    rated = effect.rated
    order = np.argsort(rated.cell)
    np.testing.assert_array_equal(rated.cell[order], [0, 1, 2])
    assert set(rated.likelihood) == {4}
    want = 0.7 * (1 - np.array([0.0, 50.0, 150.0]) / radius)
    np.testing.assert_allclose(rated.effect[order], want)
    np.testing.assert_allclose(
        rated.unrated, [0, 0, 0, 0.45 * (1 - 150 / radius), 0.45 * 0.75, 0.45]
    )
