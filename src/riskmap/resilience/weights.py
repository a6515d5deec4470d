"""Indicator weights: normalisation, entropy, AHP and combined (docs/DOMAIN.md §5.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmap.errors import InputDataError

# Saaty's random consistency index for n = 1..10 (docs/DOMAIN.md §5.2)
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CR_LIMIT = 0.10


def normalise(table: pd.DataFrame, directions: pd.Series) -> pd.DataFrame:
    """Min-max normalise each column to [0, 1], reversing negative ones (§5.2).

    z = (x - min) / (max - min) for "+", z = (max - x) / (max - min) for "-".
    A constant column has no spread, so its entropy weight is undefined: refused.
    """
    lo, hi = table.min(), table.max()
    span = hi - lo
    constant = span[span <= 0].index.tolist()
    if constant:
        name = constant[0]
        raise InputDataError(
            f"indicator {name!r} has the same value ({table[name].iloc[0]:g}) for "
            "every community, so its entropy weight is undefined; drop it from the "
            "indicator sheet or correct the table"
        )
    positive = (directions.reindex(table.columns) == "+").to_numpy()
    z = np.where(positive, (table - lo) / span, (hi - table) / span)
    return pd.DataFrame(z, index=table.index, columns=table.columns)


def entropy_weights(z: pd.DataFrame) -> pd.Series:
    """Entropy weight of each indicator from its normalised column (熵权法, §5.2).

    p_ij = z_ij / Σ_i z_ij; e_j = -(1/ln m) Σ_i p_ij ln p_ij (0·ln 0 := 0);
    d_j = 1 - e_j; w_j = d_j / Σ_j d_j.

    Examples
    --------
    >>> z = pd.DataFrame({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    >>> entropy_weights(z).round(3).tolist()
    [0.5, 0.5]
    """
    m = len(z)
    if m < 2:
        raise InputDataError(
            f"entropy weights need at least 2 communities, got {m}; add rows"
        )
    values = z.to_numpy(dtype=float)
    p = values / values.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = 1.0 - e
    return pd.Series(d / d.sum(), index=z.columns, name="entropy_w")


@dataclass(frozen=True)
class AhpResult:
    """AHP weights over the dimensions and the matrix's consistency (§5.2)."""

    names: tuple[str, ...]
    matrix: np.ndarray
    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    worst_pair: tuple[str, str]

    def weight_of(self) -> dict[str, float]:
        """Weight by dimension name."""
        return dict(zip(self.names, self.weights.tolist(), strict=True))


def ahp(names: list[str], matrix: np.ndarray) -> AhpResult:
    """Principal-eigenvector weights, λ_max, CI, CR and the most inconsistent pair.

    λ_max = (1/n) Σ_i (A·w)_i / w_i; CI = (λ_max - n)/(n - 1); CR = CI/RI
    with Saaty's RI (§5.2). For n ≤ 2 a reciprocal matrix is always consistent.
    """
    a = np.asarray(matrix, dtype=float)
    n = len(a)
    if n > len(SAATY_RI):
        raise InputDataError(
            f"AHP matrix has {n} dimensions; Saaty's RI is tabulated up to "
            f"{len(SAATY_RI)}: group the indicators into fewer dimensions"
        )
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(np.mean(a @ w / w))
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = SAATY_RI[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    return AhpResult(
        tuple(names), a, w, lam, max(ci, 0.0), ri, max(cr, 0.0), _worst(names, a, w)
    )


def _worst(names: list[str], a: np.ndarray, w: np.ndarray) -> tuple[str, str]:
    """The pair (i, j) whose judgement a_ij deviates most from w_i/w_j (log ratio)."""
    n = len(a)
    if n < 2:
        return (names[0], names[0]) if names else ("", "")
    dev = np.abs(np.log(a * w[None, :] / w[:, None]))
    dev[np.tril_indices(n)] = -1.0
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    return names[i], names[j]


def check_consistency(res: AhpResult, source: str) -> None:
    """Refuse a matrix with CR ≥ 0.10, naming the CR and the most inconsistent pair."""
    if res.cr < CR_LIMIT:
        return
    i, j = (res.names.index(x) for x in res.worst_pair)
    implied = res.weights[i] / res.weights[j]
    raise InputDataError(
        f"{source}: the AHP matrix is not consistent enough: CR = {res.cr:.3f} "
        f"(λmax = {res.lambda_max:.3f}, CI = {res.ci:.3f}, RI = {res.ri:.2f}; "
        f"CR must be < {CR_LIMIT:.2f}) / 判断矩阵一致性检验未通过; the most "
        f"inconsistent pair is {res.worst_pair[0]} vs {res.worst_pair[1]} "
        f"(given {res.matrix[i, j]:.3g}, the weights imply {implied:.3g}): "
        "revise that judgement"
    )


def combined_weights(
    entropy_w: pd.Series,
    dimensions: pd.Series,
    dimension_w: dict[str, float],
    alpha: float,
) -> pd.DataFrame:
    """AHP weight per indicator and the linear combination with entropy (§5.2).

    ahp_w_j = W_k · ew_j / Σ_{i∈k} ew_i (the dimension's AHP weight spread over
    its indicators by their entropy weights); combined_j = α·ahp_w_j + (1-α)·ew_j.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InputDataError(f"--alpha {alpha}: must be between 0 and 1")
    dims = dimensions.reindex(entropy_w.index)
    within = entropy_w / entropy_w.groupby(dims).transform("sum")
    ahp_w = dims.map(dimension_w).astype(float) * within
    combined = alpha * ahp_w + (1.0 - alpha) * entropy_w
    return pd.DataFrame(
        {
            "dimension": dims,
            "entropy_w": entropy_w,
            "ahp_w": ahp_w,
            "combined_w": combined / combined.sum(),
        }
    )
