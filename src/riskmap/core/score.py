"""Combine hazard severities and point influence into a score and a level per cell."""

from __future__ import annotations

import numpy as np

from riskmap.model import RiskModel


def hazard_part(
    severities: dict[str, np.ndarray], model: RiskModel, n: int
) -> np.ndarray:
    """The hazard part of the score: max or weighted mean of the hazard severities."""
    if not severities:
        return np.zeros(n)
    stack = np.vstack(list(severities.values()))
    if model.hazard_combine == "max":
        return stack.max(axis=0)
    weights = np.array([model.hazards[name].weight for name in severities])
    return (weights[:, None] * stack).sum(axis=0) / max(weights.sum(), 1e-12)


def combine(hazard: np.ndarray, points: np.ndarray, model: RiskModel) -> np.ndarray:
    """Total score in [0, 1] from its hazard part and points part."""
    if model.combine == "max":
        return np.maximum(hazard, points)
    return np.clip(
        model.hazard_weight * hazard + model.points_weight * points, 0.0, 1.0
    )
