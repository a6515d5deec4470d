"""Return-period scenarios, the annual view and the likelihood × consequence matrix.

A hazard given for several return periods (``flood@10``, ``flood@100``) makes one
scenario per return period T (annual exceedance probability p = 1/T); hazards
given without a return period take part in every scenario. Per cell and scenario
riskmap keeps the hazard part and the level; the headline level is the most
severe over the scenarios (model rule "max") or the matrix level ("matrix").

Expected annual exposed people (EAE), with T1 < … < Tn, p_i = 1/T_i and A_i the
people affected in scenario i, by the trapezoid rule of expected annual damage:
``EAE = Σ_{i<n} (p_i − p_{i+1})·(A_i + A_{i+1})/2 + p_n·A_n``; nothing is counted
at frequencies above p_1 (docs/usage/exposure.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmap.core.points import RatedPoints
from riskmap.core.score import combine, hazard_part
from riskmap.errors import InputDataError
from riskmap.io.layers import HazardInput
from riskmap.model import RiskModel


@dataclass(frozen=True)
class ScenarioPlan:
    """Which hazard layers make each scenario (None: no return periods given)."""

    periods: tuple[float, ...]  # ascending return periods in years; () if none
    layers: dict  # period (or None) -> names of the hazard layers in it

    @property
    def has_periods(self) -> bool:
        """True when hazards were given for return periods."""
        return bool(self.periods)


def plan_scenarios(hazards: Sequence[HazardInput]) -> ScenarioPlan:
    """Group hazard layers into scenarios; every scenario hazard needs every period."""
    periods = sorted({h.return_period for h in hazards if h.return_period is not None})
    if not periods:
        return ScenarioPlan((), {None: [h.name for h in hazards]})
    by_rule: dict[str, set] = {}
    for h in hazards:
        by_rule.setdefault(h.rule, set()).add(h.return_period)
    for rule, given in by_rule.items():
        if None in given and len(given) > 1:
            raise InputDataError(
                f"hazard {rule!r} is given both with and without a return period; "
                f"write every layer of it as {rule}@YEARS=PATH"
            )
        if None not in given and given != set(periods):
            raise InputDataError(
                f"hazard {rule!r} has return periods "
                f"{', '.join(f'{t:g}' for t in sorted(given))} but the scenarios are "
                f"{', '.join(f'{t:g}' for t in periods)}; give each scenario hazard "
                "for the same return periods"
            )
    layers = {
        t: [h.name for h in hazards if h.return_period in (None, t)] for t in periods
    }
    return ScenarioPlan(tuple(periods), layers)


def period_label(period: float) -> str:
    """Column suffix of a scenario: ``rp100``."""
    return f"rp{period:g}"


def grade_cells(
    cells: pd.DataFrame,
    severities: dict[str, np.ndarray],
    hazards: Sequence[HazardInput],
    influence: np.ndarray,
    model: RiskModel,
    rated: RatedPoints | None = None,
) -> None:
    """Add score parts, score and level (headline and per scenario) to *cells*."""
    plan = plan_scenarios(hazards)
    rules = {h.name: h.rule for h in hazards}
    people = cells["people"].to_numpy(dtype=float) if "people" in cells else None
    parts, levels = {}, {}
    for period, names in plan.layers.items():
        sev = {rules[n]: severities[n] for n in names}
        parts[period] = hazard_part(sev, model, len(cells))
        levels[period] = scenario_level(
            parts[period],
            influence,
            period,
            people,
            model,
            zone_likelihood(cells, names),
            rated,
        )
        if period is not None:
            cells[f"score_hazard_{period_label(period)}"] = parts[period]
            cells[f"level_{period_label(period)}"] = levels[period]
    cells["score_hazard"] = np.max(np.vstack(list(parts.values())), axis=0)
    cells["score_points"] = influence
    cells["score"] = combine(cells["score_hazard"].to_numpy(), influence, model)
    cells["level"] = np.min(np.vstack(list(levels.values())), axis=0).astype("int8")
    if plan.has_periods:
        add_annual_fields(cells, plan.periods, model)


def zone_likelihood(cells: pd.DataFrame, names: Sequence[str]) -> np.ndarray | None:
    """Highest likelihood class given by the zone layers of a scenario (0: none)."""
    columns = [f"{n}_likelihood" for n in names if f"{n}_likelihood" in cells]
    if not columns:
        return None
    return cells[columns].to_numpy(dtype=int).max(axis=1)


def scenario_level(
    part: np.ndarray,
    influence: np.ndarray,
    period: float | None,
    people: np.ndarray | None,
    model: RiskModel,
    zone_likelihood: np.ndarray | None = None,
    rated: RatedPoints | None = None,
) -> np.ndarray:
    """Level of every cell in one scenario, by the model's rule.

    "max": the score thresholds as for a single map. "matrix": the likelihood of
    the return period (or of the zones touching the cell, when a zone layer has
    a likelihood field) and the consequence of the hazard part and the people
    give the level. A risk point with a likelihood class (*rated*) enters the
    matrix too, its decayed influence as severity; one without still raises its
    cells to its own level.
    """
    if model.level_rule != "matrix":
        return model.levels_of(combine(part, influence, model))
    matrix = model.matrix
    likelihood: int | np.ndarray = matrix.likelihood_of(period)
    if zone_likelihood is not None:
        likelihood = np.where(zone_likelihood > 0, zone_likelihood, likelihood)
    hazard = matrix.level_of(likelihood, matrix.consequence_of(part, people))
    if rated is None:
        return np.minimum(hazard, model.levels_of(influence)).astype("int8")
    points = np.minimum(
        model.levels_of(rated.unrated), point_matrix_level(rated, people, matrix)
    )
    return np.minimum(hazard, points).astype("int8")


def point_matrix_level(
    rated: RatedPoints, people: np.ndarray | None, matrix
) -> np.ndarray:
    """Level per cell from the risk points with a likelihood: the matrix of the
    point's likelihood and the consequence of its influence and the cell's people
    (the most severe point wins; 4 where none reaches)."""
    out = np.full(len(rated.unrated), 4, dtype="int8")
    if len(rated.cell) == 0:
        return out
    near = None if people is None else people[rated.cell]
    level = matrix.level_of(rated.likelihood, matrix.consequence_of(rated.effect, near))
    np.minimum.at(out, rated.cell, level.astype("int8"))
    return out


def add_annual_fields(cells: pd.DataFrame, periods: Sequence[float], model) -> None:
    """Annual exceedance probability per level and expected annual exposed people."""
    level = np.vstack([cells[f"level_{period_label(t)}"].to_numpy() for t in periods])
    for lv in (1, 2, 3):
        cells[f"aep_l{lv}"] = exceedance_probability(periods, level <= lv)
    if "people" in cells:
        affected = affected_people(cells["people"].to_numpy(float), level, model)
        cells["eae_people"] = expected_annual(periods, affected)


def exceedance_probability(periods: Sequence[float], reached: np.ndarray) -> np.ndarray:
    """Highest p = 1/T of a scenario in which each cell reaches a level (0: none).

    *reached* is (scenarios × cells), scenarios in ascending return period.
    """
    p = 1.0 / np.asarray(periods, dtype=float)
    return np.max(np.where(reached, p[:, None], 0.0), axis=0)


def affected_people(people: np.ndarray, level: np.ndarray, model) -> np.ndarray:
    """People per (scenario, cell) counted as affected: level <= affected_level."""
    return np.where(level <= model.affected_level, people[None, :], 0.0)


def expected_annual(periods: Sequence[float], impact: np.ndarray) -> np.ndarray:
    """Expected annual impact by the trapezoid rule over return-period scenarios.

    *impact* is (scenarios × items) in ascending return period (a 1-D array is one
    item). EAE = Σ_{i<n} (p_i − p_{i+1})(A_i + A_{i+1})/2 + p_n A_n.
    """
    p = 1.0 / np.asarray(periods, dtype=float)
    a = np.asarray(impact, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if len(p) != a.shape[0]:
        raise ValueError("one impact row per return period")
    dp = (p[:-1] - p[1:])[:, None]
    body = np.sum(dp * (a[:-1] + a[1:]) / 2.0, axis=0)
    out = body + p[-1] * a[-1]
    return out if np.asarray(impact).ndim > 1 else out[0]


def summarise_annual(
    summary: pd.DataFrame,
    cells: pd.DataFrame,
    periods: tuple[float, ...],
    affected_level: int,
) -> None:
    """Per community: people affected per scenario and expected annual exposed people.

    The community curve comes from per-scenario totals (sums of cells), so the
    community EAE equals the sum of its cells' EAE (the rule is linear).
    """
    if not periods or "people" not in cells:
        return
    ids = summary["community_id"].astype(str)
    key = cells["community_id"].astype(str)
    people = cells["people"].to_numpy(float)
    for t in periods:
        hit = cells[f"level_{period_label(t)}"].to_numpy() <= affected_level
        total = pd.Series(np.where(hit, people, 0.0)).groupby(key.to_numpy()).sum()
        summary[f"people_affected_{period_label(t)}"] = ids.map(total).fillna(0.0)
    eae = cells["eae_people"].groupby(key).sum()
    summary["eae_people"] = ids.map(eae).fillna(0.0).to_numpy()


def exceedance_curve(
    community: pd.Series | dict, periods: tuple[float, ...]
) -> list[tuple[float, float]]:
    """(return period, people affected) points of one community, ascending T."""
    return [
        (float(t), float(community.get(f"people_affected_{period_label(t)}", 0.0) or 0))
        for t in periods
    ]
