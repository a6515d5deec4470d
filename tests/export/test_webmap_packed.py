"""Packed per-cell columns of the web maps: exact round trips in the narrowest type."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskmap.export.webmap.packed import (
    column_array,
    pack_numbers,
    pack_texts,
    unpack_column,
    unpack_texts,
)

finite = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False)


@given(st.lists(st.one_of(st.none(), finite), max_size=300))
def test_numbers_come_back_rounded_to_their_digits(values):
    """Every value returns as round(v, 3) would give it; None stays None."""
    back = unpack_column(pack_numbers(values, 3))
    want = [None if v is None else round(v, 3) for v in values]
    assert len(back) == len(want)
    for got, expect in zip(back, want, strict=True):
        if expect is None:
            assert got is None
        else:  # rint(v * 1000) may differ from round(v, 3) only on a tie
            assert got == pytest.approx(expect, abs=1.0001e-3)
            assert got == round(got, 3)


@pytest.mark.parametrize(
    ("values", "digits", "kind"),
    [
        ([1, 2, 3, 4], 0, "u8"),
        ([0.0, 0.5, 1.0], 3, "u16"),
        ([0.0, 70.0], 3, "u32"),
        ([-5e6, 5e6], 3, "f64"),
        ([np.nan, np.nan], 3, "u8"),
        ([], 3, "u8"),
    ],
)
def test_each_column_takes_the_narrowest_type(values, digits, kind):
    """A column's range, plus one code for 'no value', sets its integer width."""
    col = pack_numbers(values, digits)
    assert col["t"] == kind
    assert unpack_column(col) == [None if v != v else v for v in values]


def test_the_no_value_code_is_the_top_of_the_type():
    """255 distinct levels fit a byte only without a missing value: 256 codes."""
    assert pack_numbers(list(range(255)), 0)["t"] == "u8"
    assert pack_numbers(list(range(256)), 0)["t"] == "u16"


def test_smooth_fields_travel_as_differences_and_wrap():
    """A ramp deflates better as differences; falling values wrap modulo 2**16."""
    ramp = np.linspace(0, 1, 5000) ** 2
    col = pack_numbers(ramp[::-1], 3)
    assert col["d"] == 1
    raw = zlib.compress(np.rint(ramp[::-1] * 1000).astype("<u2").tobytes(), 9)
    assert len(base64.b64decode(col["z"])) < len(raw)
    stored = np.rint(ramp[::-1] * 1000) / 1000
    assert unpack_column(col) == [round(v, 3) for v in stored]
    assert column_array(col).dtype == np.dtype("<u2")


def test_texts_are_a_dictionary_and_indices():
    """Repeated texts are sent once; None and NaN come back as None; hostile text as
    it is."""
    hostile = "<img src=x onerror=alert(1)>"
    values = ["甲", None, hostile, "甲", float("nan"), "{{ 7*7 }}"]
    col = pack_texts(values)
    assert col["dict"] == ["甲", hostile, "{{ 7*7 }}"]
    assert unpack_texts(col) == ["甲", None, hostile, "甲", None, "{{ 7*7 }}"]
