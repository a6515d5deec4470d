"""Property-based tests (hypothesis): whatever a ledger cell or a model file holds,
riskmap either accepts a sane value or says what is wrong; it never crashes."""

from __future__ import annotations

import copy
import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmap.errors import InputDataError, ModelError
from riskmap.io.chinacoords import parse_degrees
from riskmap.model import default_model_path, model_from_dict
from riskmap.registry.fields import MAX_NUMBER, MAXIMA, clean_record
from riskmap.registry.importer import preview_import

NUMERIC = ("households", "people", "property_wan", "lec_l", "lec_e", "lec_c",
           "ls_l", "ls_s", "level")  # fmt: skip
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["1e400", "inf", "-inf", "nan", "紫", "红", " 3 ", "3级", "0x10",
                     "1,000", "١٢", "１２"]),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(NUMERIC), value=CELL)
def test_numeric_ledger_cells_are_sane_or_explained(field, value):
    """A numeric cell is stored finite, >= 0 and plausible, or gets a message."""
    record = {"name": "甲", "type": "滑坡", field: value}
    values, errors = clean_record(record)
    if field in errors:
        assert isinstance(errors[field], str)
        assert errors[field]
        return
    stored = values.get(field)
    if stored is None:
        return
    assert math.isfinite(stored)
    assert 0 <= stored <= MAXIMA.get(field, MAX_NUMBER)
    if field == "level":
        assert stored in (1, 2, 3, 4)


@settings(max_examples=60, deadline=None)
@given(value=CELL)
def test_coordinate_cells_parse_or_explain(value):
    """parse_degrees gives a float or an InputDataError, nothing else."""
    try:
        result = parse_degrees(value)
    except InputDataError as exc:
        message = str(exc)
    else:
        assert isinstance(result, float)
        return
    assert message


ROW = st.fixed_dictionaries({
    "名称": st.one_of(TEXT, st.just("甲")),
    "类型": st.sampled_from(["滑坡", "内涝点", "", "内涝", "=HYPERLINK(\"x\")"]),
    "风险等级": CELL,
    "威胁人数": CELL,
    "经度": st.one_of(CELL, st.floats(106.0, 108.0)),
    "纬度": st.one_of(CELL, st.floats(31.0, 33.0)),
})  # fmt: skip


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=st.lists(ROW, min_size=1, max_size=6))
def test_importer_accepts_only_sane_rows(tmp_path, rows):
    """Every row is accepted with finite WGS84 degrees and sane numbers, or
    rejected with a reason; nothing in a cell makes the import crash."""
    path = tmp_path / "ledger.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    report = preview_import(path, "wgs84")
    assert report.total == len(rows)
    assert len(report.accepted) + len(report.rejected) == report.total
    assert all(isinstance(why, str) and why for _, why in report.rejected)
    if len(report.accepted):
        xy = np.column_stack([report.accepted.geometry.x, report.accepted.geometry.y])
        assert np.isfinite(xy).all()
        assert (np.abs(xy[:, 0]) <= 180).all()
        assert (np.abs(xy[:, 1]) <= 90).all()
        people = report.accepted["people"].dropna().astype(float)
        assert ((people >= 0) & (people <= MAXIMA["people"])).all()
        assert set(report.accepted["level"].dropna()) <= {1, 2, 3, 4}


DEFAULT = tomllib.loads(default_model_path().read_text(encoding="utf-8"))
TOML_VALUE = st.recursive(
    st.one_of(st.booleans(), st.integers(-5, 10**6), st.text(max_size=5),
              st.floats(allow_nan=True, allow_infinity=True)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip


def _paths(data, prefix=()):
    """Every key path of a nested dict (lists by index)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


PATHS = list(_paths(DEFAULT))


def _check_model_or_error(data):
    """A valid model keeps its invariants; anything else is a ModelError."""
    try:
        model = model_from_dict(data, "fuzz.toml")
    except ModelError as exc:
        message = str(exc)
    else:
        _check_invariants(model)
        return
    assert message.startswith("risk model fuzz.toml: ")
    assert "\n" not in message


def _check_invariants(model) -> None:
    """What every loaded model guarantees to the engine."""
    red, orange, yellow = model.thresholds
    assert 1 >= red > orange > yellow >= 0
    for rule in model.hazards.values():
        assert all(math.isfinite(b) for b in rule.breaks)
        assert all(0 <= s <= 1 for s in (*rule.severity, *rule.classes.values()))
    for rule in (*model.point_types.values(), model.default_point):
        assert math.isfinite(rule.radius)
        assert rule.radius > 0
        assert rule.default_level in (1, 2, 3, 4)


@settings(max_examples=80, deadline=None)
@given(path=st.sampled_from(PATHS), value=TOML_VALUE)
def test_model_with_one_value_changed(path, value):
    """Change any one value of the bundled model to anything TOML can hold."""
    data = copy.deepcopy(DEFAULT)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    _check_model_or_error(data)


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(
    st.sampled_from(["name", "levels", "score", "hazards", "points", "matrix",
                     "scenarios", "x"]),
    TOML_VALUE, max_size=4,
))  # fmt: skip
def test_model_from_arbitrary_tables(data):
    """Arbitrary top-level tables: a model or a ModelError."""
    _check_model_or_error(data)


@pytest.mark.parametrize("key", ["a\nb", "x\r\ny", "tab\there", "\x00"])
def test_model_error_with_a_line_break_in_a_key_is_one_line(key):
    """A key with a line break (found by the fuzz test) is quoted, not printed raw."""
    data = copy.deepcopy(DEFAULT)
    data["hazards"]["flood"][key] = 1
    data[key] = {"x": 1}
    _check_model_or_error(data)
