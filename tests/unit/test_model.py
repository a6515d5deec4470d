"""The risk model: level thresholds and hazard classes at their edges."""

from __future__ import annotations

import numpy as np
import pytest

from riskmap.domain import RiskLevel, load_level_styles
from riskmap.errors import ModelError
from riskmap.model import load_model


@pytest.fixture(scope="module")
def model():
    """The bundled default model."""
    return load_model()


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1.0, 1),
        (0.75, 1),
        (0.7499999, 2),
        (0.5, 2),
        (0.4999999, 3),
        (0.25, 3),
        (0.2499999, 4),
        (0.0, 4),
    ],
)
def test_score_thresholds_edges(model, score, level):
    """A score equal to a threshold takes the higher level."""
    assert model.levels_of([score])[0] == level


@pytest.mark.parametrize(
    ("depth", "severity"),
    [
        (0.0, 0.0),
        (0.4999, 0.0),
        (0.5, 0.25),
        (0.9999, 0.25),
        (1.0, 0.5),
        (2.0, 0.75),
        (2.9999, 0.75),
        (3.0, 1.0),
        (12.0, 1.0),
    ],
)
def test_flood_depth_classes(model, depth, severity):
    """Flood depth breaks 0.5 / 1 / 2 / 3 m; a value on a break goes up."""
    assert model.hazards["flood"].severity_of([depth])[0] == severity


def test_nodata_has_no_severity(model):
    """NaN (no data) never raises the score."""
    assert model.hazards["flood"].severity_of([np.nan])[0] == 0.0


def test_zone_classes_accept_numbers_and_text(model):
    """Zone class values 3, 3.0 and "3" are the same class."""
    rule = model.hazards["flood_zone"]
    assert rule.zone_severity(3) == rule.zone_severity(3.0) == rule.zone_severity("3")
    with pytest.raises(ModelError, match="not in the risk model"):
        rule.zone_severity("极端")


def test_level_styles_are_the_four_colours():
    """Levels 1-4 are red, orange, yellow, blue by default."""
    styles = load_level_styles()
    assert [styles[lv].colour_en for lv in RiskLevel] == [
        "red",
        "orange",
        "yellow",
        "blue",
    ]
    assert styles[RiskLevel.MAJOR].name_zh == "重大风险"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[levels]\nred = 0.2\norange = 0.5\nyellow = 0.1\n", "red > orange > yellow"),
        (
            '[hazards.x]\nkind = "raster"\nbreaks = [2, 1]\nseverity = [0, 0.5, 1]\n',
            "breaks must increase",
        ),
        (
            '[hazards.x]\nkind = "raster"\nbreaks = [1]\nseverity = [0]\n',
            "one severity",
        ),
        ('[hazards.x]\nkind = "zones"\n', "classes"),
        ('[score]\ncombine = "sum"\n', "score.combine: Input should be 'max' or"),
        ("not toml [", "cannot read"),
    ],
)
def test_bad_model_files_are_explained(tmp_path, text, message):
    """Each broken model file gives a ModelError that says what is wrong."""
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_model(path)


def test_weighted_combination(tmp_path):
    """weighted_sum combines the parts with the model's weights."""
    from riskmap.core.score import combine

    path = tmp_path / "m.toml"
    path.write_text(
        '[score]\ncombine = "weighted_sum"\nhazard_weight = 0.6\npoints_weight = 0.4\n',
        encoding="utf-8",
    )
    m = load_model(path)
    assert combine(np.array([1.0]), np.array([0.5]), m)[0] == pytest.approx(0.8)
