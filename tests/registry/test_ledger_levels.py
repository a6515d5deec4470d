"""LEC and LS levels at the threshold edges, configurable thresholds, field checks."""

from __future__ import annotations

import pytest

from riskmap.errors import ModelError
from riskmap.registry import FIELDS, load_point_rules, validate_record
from riskmap.registry.fields import clean_record
from riskmap.resources import styles_dir


@pytest.fixture
def rules():
    """The bundled rules (320/160/70 and 20/15/9)."""
    return load_point_rules()


@pytest.mark.parametrize(
    ("d", "level"),
    [(320.01, 1), (320, 2), (160, 2), (159.99, 3), (70, 3), (69.99, 4), (0.1, 4)],
)
def test_lec_edges(rules, d, level):
    """red D > 320; orange 160 <= D <= 320; yellow 70 <= D < 160; blue D < 70."""
    assert rules.lec_level(d, 1, 1) == level


@pytest.mark.parametrize(
    ("lec", "level"),
    [((6, 6, 15), 1), ((3, 6, 15), 2), ((3, 6, 7), 3), ((3, 3, 7), 4), ((10, 2, 3), 4)],
)
def test_lec_table_values(rules, lec, level):
    """Products of table values: 540, 270, 126, 63, 60."""
    assert rules.lec_level(*lec) == level


@pytest.mark.parametrize(
    ("ls", "level"),
    [((5, 5), 1), ((4, 5), 1), ((4, 4), 2), ((3, 5), 2), ((3, 4), 3), ((3, 3), 3),
     ((2, 4), 4), ((1, 1), 4)],
)  # fmt: skip
def test_ls_edges(rules, ls, level):
    """20-25 red, 15-16 orange, 9-12 yellow, 1-8 blue."""
    assert rules.ls_level(*ls) == level


def test_thresholds_come_from_the_style_file(tmp_path):
    """Other cut-offs in a copied point_types.toml change the levels."""
    text = (styles_dir() / "point_types.toml").read_text(encoding="utf-8")
    text = text.replace("red = 320", "red = 400").replace(
        "orange = 160", "orange = 200"
    )
    path = tmp_path / "types.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_point_rules(path)
    assert rules.lec_level(360, 1, 1) == 2
    assert rules.lec_level(180, 1, 1) == 3
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("red = 400", "red = 100"), encoding="utf-8")
    with pytest.raises(ModelError, match="red > orange"):
        load_point_rules(bad)


def test_types_agree_with_the_model(rules):
    """The risk model weighs exactly the ledger's types (and their aliases), with
    the same default level and the table's radius."""
    from riskmap.model import load_model

    model = load_model()
    assert set(model.point_types) == set(rules.table.names())
    for name, rule in model.point_types.items():
        listed = rules.table.get(name)
        assert listed.default_level == rule.default_level, name
        assert listed.radius == rule.radius, name


def test_record_level_from_lec_ls_direct_or_type(rules):
    """Level and method are derived; a contradicting level is an error."""
    base = {"name": "点", "type": "滑坡"}
    values, errors = clean_record({**base, "lec_l": 6, "lec_e": 6, "lec_c": 15})
    assert (values["level"], values["level_method"], errors) == (1, "lec", {})
    values, _ = clean_record({**base, "ls_l": "3", "ls_s": "4"})
    assert (values["level"], values["level_method"]) == (3, "ls")
    values, _ = clean_record({**base, "level": "橙"})
    assert (values["level"], values["level_method"]) == (2, "direct")
    values, _ = clean_record(base)
    assert (values["level"], values["category"], values["status"]) == (
        2,
        "地",
        "待整改",
    )
    _, errors = clean_record({**base, "level": 4, "lec_l": 6, "lec_e": 6, "lec_c": 15})
    assert "disagrees" in errors["level"]
    _, errors = clean_record({**base, "lec_l": 5, "lec_e": 6, "lec_c": 15})
    assert "LEC L=5" in errors["level"]


def test_validate_record_messages():
    """One message per bad field; empty for a good record."""
    good = {
        "name": "危房A",
        "type": "危房",
        "phone": "138-0000-0000",
        "deadline": "2026/12/31",
        "status": "整改中",
        "households": "3",
    }
    assert validate_record(good) == {}
    errors = validate_record(
        {"name": " ", "type": "危房", "phone": "abc", "level": 7, "status": "完成",
         "deadline": "明天", "households": -1, "colour": "red"}
    )  # fmt: skip
    assert set(errors) == {"name", "phone", "level", "status", "deadline", "households",
                           "colour"}  # fmt: skip
    assert "required" in errors["name"]


def test_fields_contract():
    """The GUI's field list: ordered names with labels, kinds and choices."""
    names = [f.name for f in FIELDS]
    assert names[:6] == ["id", "grid_code", "name", "category", "type", "level"]
    assert names[-4:] == ["address", "note", "community_id", "deleted"]
    kinds = {f.kind for f in FIELDS}
    assert kinds == {"text", "int", "float", "choice", "date", "phone"}
    status = next(f for f in FIELDS if f.name == "status")
    assert status.choices == ("待整改", "整改中", "已销号")
    assert status.label_zh == "状态"
