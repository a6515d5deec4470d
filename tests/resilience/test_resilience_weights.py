"""Entropy, AHP and combined weights, TOPSIS and levels on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskmap.errors import InputDataError
from riskmap.resilience.topsis import dimension_scores, levels, sensitivity, topsis
from riskmap.resilience.weights import (
    ahp,
    check_consistency,
    combined_weights,
    entropy_weights,
    normalise,
)


def _table_4x3() -> tuple[pd.DataFrame, pd.Series]:
    """4 communities × 3 indicators: a (+), b (+), c (-)."""
    table = pd.DataFrame(
        {"a": [1.0, 2, 3, 4], "b": [10.0, 10, 10, 20], "c": [1.0, 1, 2, 3]},
        index=["w", "x", "y", "z"],
    )
    return table, pd.Series({"a": "+", "b": "+", "c": "-"})


def test_normalise_min_max_and_direction():
    """z = (x-min)/(max-min) for +, (max-x)/(max-min) for -."""
    table, dirs = _table_4x3()
    z = normalise(table, dirs)
    np.testing.assert_allclose(z["a"], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(z["b"], [0, 0, 0, 1])
    # c: max 3, span 2 -> (3-1)/2, (3-1)/2, (3-2)/2, (3-3)/2
    np.testing.assert_allclose(z["c"], [1, 1, 0.5, 0])


def test_entropy_weights_4x3():
    """Hand computation (k = 1/ln 4 = 1/1.386294):

    a: z = 0, 1/3, 2/3, 1; Σ = 2; p = 0, 1/6, 1/3, 1/2
       Σ p ln p = -0.298627 - 0.366204 - 0.346574 = -1.011404
       e = 1.011404 / 1.386294 = 0.729574; d = 0.270426
    b: z = 0, 0, 0, 1; p = 0, 0, 0, 1; e = 0 (0·ln 0 := 0, 1·ln 1 = 0); d = 1
    c: z = 1, 1, 0.5, 0; Σ = 2.5; p = 0.4, 0.4, 0.2, 0
       Σ p ln p = 2·(-0.366516) - 0.321888 = -1.054920
       e = 1.054920 / 1.386294 = 0.760964; d = 0.239036
    Σ d = 1.509462; w = 0.179154, 0.662488, 0.158358
    """
    table, dirs = _table_4x3()
    w = entropy_weights(normalise(table, dirs))
    np.testing.assert_allclose(w.to_numpy(), [0.179154, 0.662488, 0.158358], atol=2e-6)
    assert w.sum() == pytest.approx(1.0)


def test_entropy_needs_two_communities():
    """One community has no spread to weigh."""
    with pytest.raises(InputDataError, match="at least 2 communities"):
        entropy_weights(pd.DataFrame({"a": [1.0]}))


def test_constant_column_is_refused():
    """A constant indicator makes max - min = 0: a message naming it."""
    table = pd.DataFrame({"a": [1.0, 2.0], "flat": [5.0, 5.0]})
    with pytest.raises(InputDataError, match=r"'flat' has the same value \(5\)"):
        normalise(table, pd.Series({"a": "+", "flat": "+"}))


def test_ahp_consistent_3x3():
    """a_ij = w_i/w_j with w ∝ 4:2:1: eigenvector 4/7, 2/7, 1/7; λ = 3; CR = 0."""
    a = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    res = ahp(["R", "S", "C"], a)
    np.testing.assert_allclose(res.weights, [4 / 7, 2 / 7, 1 / 7])
    assert res.lambda_max == pytest.approx(3.0)
    assert res.cr == pytest.approx(0.0, abs=1e-12)


def test_ahp_slightly_inconsistent_3x3():
    """a12 = 2, a13 = 5, a23 = 3 (t = a12·a23/a13 = 6/5).

    For a 3×3 reciprocal matrix the eigenvector is the row geometric mean and
    λ = 1 + t^(1/3) + t^(-1/3) = 1 + 1.062659 + 0.941036 = 3.003695;
    CI = 0.003695/2 = 0.0018473; CR = CI / 0.58 = 0.0031850 (accepted).
    Geometric means: 10^(1/3) = 2.154435, 1.5^(1/3) = 1.144714,
    (1/15)^(1/3) = 0.405480; Σ = 3.704629 -> w = 0.581552, 0.308996, 0.109452.
    """
    a = np.array([[1, 2, 5], [1 / 2, 1, 3], [1 / 5, 1 / 3, 1]])
    res = ahp(["R", "S", "C"], a)
    np.testing.assert_allclose(res.weights, [0.581552, 0.308996, 0.109452], atol=1e-6)
    assert res.lambda_max == pytest.approx(3.003695, abs=1e-6)
    assert res.ci == pytest.approx(0.0018473, abs=1e-7)
    assert res.ri == 0.58
    assert res.cr == pytest.approx(0.0031850, abs=1e-7)
    check_consistency(res, "ahp.csv")  # CR < 0.1: no error


def test_ahp_inconsistent_3x3_refused():
    """a12 = 2, a23 = 2 but a13 = 1 (t = 4): λ = 1 + 4^(1/3) + 4^(-1/3)
    = 1 + 1.587401 + 0.629961 = 3.217362; CI = 0.108681; CR = 0.187381 ≥ 0.1."""
    a = np.array([[1, 2, 1], [1 / 2, 1, 2], [1, 1 / 2, 1]])
    res = ahp(["R", "S", "C"], a)
    assert res.cr == pytest.approx(0.187381, abs=1e-6)
    with pytest.raises(InputDataError, match=r"CR = 0\.187"):
        check_consistency(res, "ahp.csv")


def _consistent_4x4() -> np.ndarray:
    """a_ij = w_i/w_j with w ∝ 8:4:2:1 (entries 2, 4, 8 and reciprocals)."""
    w = np.array([8.0, 4, 2, 1])
    return w[:, None] / w[None, :]


def test_ahp_consistent_4x4():
    """w = 8/15, 4/15, 2/15, 1/15; λ = 4; CI = 0; RI = 0.90; CR = 0."""
    res = ahp(["A", "B", "C", "D"], _consistent_4x4())
    np.testing.assert_allclose(res.weights, np.array([8, 4, 2, 1]) / 15)
    assert res.lambda_max == pytest.approx(4.0)
    assert res.ri == 0.90
    assert res.cr == pytest.approx(0.0, abs=1e-12)


def test_ahp_4x4_flipped_judgement_names_the_pair():
    """Reversing C vs D (2 -> 1/8) breaks consistency; that pair is named."""
    a = _consistent_4x4()
    a[2, 3], a[3, 2] = 1 / 8, 8.0
    res = ahp(["A", "B", "C", "D"], a)
    # the eigen-equation still holds: A·w = λ·w
    np.testing.assert_allclose(a @ res.weights, res.lambda_max * res.weights)
    assert res.cr >= 0.1
    assert res.worst_pair == ("C", "D")
    with pytest.raises(InputDataError, match=r"CR = 0\.\d{3}.*C vs D"):
        check_consistency(res, "ahp.csv")


def test_combined_weights_spread_by_entropy():
    """ew = 0.2, 0.3, 0.5 in dims A, A, B; W_A = 0.6, W_B = 0.4; α = 0.5.

    ahp_w = 0.6·0.2/0.5, 0.6·0.3/0.5, 0.4·0.5/0.5 = 0.24, 0.36, 0.40
    combined = (0.24+0.2)/2, (0.36+0.3)/2, (0.4+0.5)/2 = 0.22, 0.33, 0.45
    """
    ew = pd.Series({"i": 0.2, "j": 0.3, "k": 0.5})
    dims = pd.Series({"i": "A", "j": "A", "k": "B"})
    table = combined_weights(ew, dims, {"A": 0.6, "B": 0.4}, 0.5)
    np.testing.assert_allclose(table["ahp_w"], [0.24, 0.36, 0.40])
    np.testing.assert_allclose(table["combined_w"], [0.22, 0.33, 0.45])
    with pytest.raises(InputDataError, match="alpha"):
        combined_weights(ew, dims, {"A": 0.6, "B": 0.4}, 1.5)


def test_topsis_closeness():
    """a (+) 3, 4, 0 -> norm 5 -> r = .6, .8, 0; b (-) 4, 1, 0 -> x' = 0, 3, 4
    -> r = 0, .6, .8; w = .5, .5 -> v_a = .3, .4, 0; v_b = 0, .3, .4;
    A+ = (.4, .4), A- = (0, 0).
    x: D+ = √(.1² + .4²) = .412311, D- = .3 -> C = .3/.712311 = .421165
    y: D+ = √(0 + .1²) = .1, D- = √(.4² + .3²) = .5 -> C = .5/.6 = .833333
    z: D+ = .4, D- = .4 -> C = .5
    """
    table = pd.DataFrame({"a": [3.0, 4, 0], "b": [4.0, 1, 0]}, index=["x", "y", "z"])
    c = topsis(table, pd.Series({"a": "+", "b": "-"}), pd.Series({"a": 0.5, "b": 0.5}))
    np.testing.assert_allclose(c, [0.421165, 0.833333, 0.5], atol=1e-6)


def test_dimension_scores():
    """R_k = Σ w z / Σ w: dim A over a (w .2) and b (w .6): (.2·1 + .6·.5)/.8."""
    z = pd.DataFrame({"a": [1.0, 0.0], "b": [0.5, 1.0], "c": [0.0, 1.0]})
    dims = pd.Series({"a": "A", "b": "A", "c": "B"})
    scores = dimension_scores(z, dims, pd.Series({"a": 0.2, "b": 0.6, "c": 0.2}))
    # row 0: (0.2 + 0.3)/0.8 = 0.625; row 1: (0 + 0.6)/0.8 = 0.75
    np.testing.assert_allclose(scores["A"], [0.625, 0.75])
    np.testing.assert_allclose(scores["B"], [0.0, 1.0])


def test_levels_quartiles_and_breaks():
    """Quartiles of 0.1..0.5 are 0.2, 0.3, 0.4 (a tie goes up); or given breaks."""
    c = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5])
    assert levels(c).tolist() == [1, 2, 3, 4, 4]
    assert levels(c, [0.25, 0.45]).tolist() == [1, 1, 2, 2, 3]
    with pytest.raises(InputDataError, match="ascending"):
        levels(c, [0.5, 0.3])


def test_entropy_weights_sum_to_one_on_random_tables():
    """Any non-constant table: weights are positive and sum to 1."""
    rng = np.random.default_rng(7)
    table = pd.DataFrame(rng.random((12, 5)), columns=list("abcde"))
    w = entropy_weights(normalise(table, pd.Series(dict.fromkeys("abcde", "+"))))
    assert (w > 0).all()
    assert math.isclose(w.sum(), 1.0)


def test_sensitivity_tie_breaks_and_dominance():
    """x = (1, 0), y = (0, 1), w = .5/.5: a tie (C = .5 each, both rank 1).
    Raising a by 10 % gives w_a = .55/1.05: C_x = w_a/(w_a + w_b) = .524 > C_y,
    so y drops to rank 2 (shift 1); the same for every ±10 % case.
    A community better on every indicator never moves (shift 0)."""
    tie = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["x", "y"])
    dirs = pd.Series({"a": "+", "b": "+"})
    w = pd.Series({"a": 0.5, "b": 0.5})
    table = sensitivity(tie, dirs, w)
    assert table["weight_change"].tolist() == ["+10%", "-10%", "+10%", "-10%"]
    assert table["max_rank_shift"].tolist() == [1, 1, 1, 1]
    dominated = pd.DataFrame({"a": [2.0, 1.0], "b": [3.0, 1.0]}, index=["x", "y"])
    assert sensitivity(dominated, dirs, w)["unchanged"].all()
