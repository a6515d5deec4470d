"""TOPSIS closeness, dimension scores and resilience levels (docs/DOMAIN.md §5.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmap.errors import InputDataError

# level 1 = weakest resilience (needs attention first), 4 = strongest
LEVEL_NAMES = {
    1: ("韧性弱", "weak"),
    2: ("韧性较弱", "fairly weak"),
    3: ("韧性较强", "fairly strong"),
    4: ("韧性强", "strong"),
}


def topsis(table: pd.DataFrame, directions: pd.Series, weights: pd.Series) -> pd.Series:
    """TOPSIS closeness C_i = D⁻/(D⁺ + D⁻) per community, in [0, 1] (§5.2).

    Negative indicators are forward-transformed x' = max - x; then
    r_ij = x_ij / √Σ_i x_ij², v_ij = w_j r_ij, A⁺ = max_i v, A⁻ = min_i v.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [3.0, 4.0, 0.0]}, index=["x", "y", "z"])
    >>> topsis(t, pd.Series({"a": "+"}), pd.Series({"a": 1.0})).round(2).tolist()
    [0.75, 1.0, 0.0]
    """
    x = table.astype(float).copy()
    negative = directions.reindex(x.columns) == "-"
    for col in x.columns[negative.to_numpy()]:
        x[col] = x[col].max() - x[col]
    norm = np.sqrt((x**2).sum())
    r = x / norm.where(norm > 0, 1.0)
    v = r * weights.reindex(x.columns).to_numpy()
    d_plus = np.sqrt(((v - v.max()) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min()) ** 2).sum(axis=1))
    total = d_plus + d_minus
    closeness = d_minus / total.where(total > 0, np.nan)
    return closeness.rename("closeness")


def dimension_scores(
    z: pd.DataFrame, dimensions: pd.Series, weights: pd.Series
) -> pd.DataFrame:
    """R_k = Σ_{j∈k} w_j z_ij / Σ_{j∈k} w_j per community and dimension (§5.2)."""
    dims = dimensions.reindex(z.columns)
    out = {}
    for dim in dict.fromkeys(dims.tolist()):
        cols = dims.index[dims == dim]
        w = weights.reindex(cols)
        out[dim] = (z[cols] * w.to_numpy()).sum(axis=1) / w.sum()
    return pd.DataFrame(out, index=z.index)


def levels(closeness: pd.Series, breaks: list[float] | None = None) -> pd.Series:
    """Level 1 (weak) … 4 (strong) by quartiles of closeness, or by given breaks.

    *breaks* are ascending upper bounds on closeness: k breaks give k + 1 levels
    (at most 3 breaks, so at most 4 levels); a value equal to a break goes up.
    """
    values = closeness.to_numpy(dtype=float)
    if breaks is None:
        cuts = np.quantile(values, [0.25, 0.5, 0.75])
    else:
        cuts = np.asarray(breaks, dtype=float)
        if len(cuts) > 3 or np.any(np.diff(cuts) <= 0):
            raise InputDataError(
                f"breaks {list(breaks)}: give 1 to 3 ascending closeness values "
                "between 0 and 1, e.g. 0.3,0.5,0.7"
            )
    return pd.Series(
        np.searchsorted(cuts, values, side="right") + 1,
        index=closeness.index,
        name="level",
    )


def weakest_dimension(scores: pd.DataFrame) -> pd.Series:
    """The dimension with the lowest score per community."""
    return scores.idxmin(axis=1).rename("weakest_dimension")


def sensitivity(
    table: pd.DataFrame,
    directions: pd.Series,
    weights: pd.Series,
    change: float = 0.10,
) -> pd.DataFrame:
    """Rank stability when each weight moves by ±*change* (then renormalised, §5.2).

    One row per indicator and sign: the largest rank shift of any community and
    whether the whole ranking stayed the same.
    """
    base = topsis(table, directions, weights).rank(ascending=False, method="min")
    rows = []
    for name in weights.index:
        for sign in (1, -1):
            w = weights.copy()
            w[name] *= 1 + sign * change
            ranks = topsis(table, directions, w / w.sum()).rank(
                ascending=False, method="min"
            )
            shift = int((ranks - base).abs().max())
            rows.append((name, f"{sign * change:+.0%}", shift, shift == 0))
    return pd.DataFrame(
        rows, columns=["indicator", "weight_change", "max_rank_shift", "unchanged"]
    )
