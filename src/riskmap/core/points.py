"""Registered risk points: which cell holds each point, and their decayed influence."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from riskmap.model import RiskModel


@dataclass(frozen=True)
class PointEffect:
    """Per-cell point counts and the points part of the score."""

    count: np.ndarray  # (n_cells,)
    count_by_level: np.ndarray  # (n_cells, 4) for levels 1..4
    influence: np.ndarray  # (n_cells,) in [0, 1]
    cell_of_point: np.ndarray  # (n_points,) cell index or -1
    source: np.ndarray  # (n_cells,) the point giving the influence, or -1


def point_effect(
    cells: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None, model: RiskModel
) -> PointEffect:
    """Count points per cell and spread each point's influence over nearby cells.

    A point of level L at distance d from a cell (0 when inside it) contributes
    ``level_base[L] * decay(d / radius)``; the cell takes the largest contribution.
    """
    n = len(cells)
    if points is None or len(points) == 0:
        return PointEffect(
            np.zeros(n, int),
            np.zeros((n, 4), int),
            np.zeros(n),
            np.full(0 if points is None else len(points), -1),
            np.full(n, -1),
        )
    geoms = cells.geometry.values
    tree = shapely.STRtree(geoms)
    cell_of = _containing_cell(tree, points.geometry.values, n)
    levels = points["level"].to_numpy(dtype=int)
    inside = cell_of >= 0
    count = np.bincount(cell_of[inside], minlength=n)
    by_level = np.zeros((n, 4), int)
    np.add.at(by_level, (cell_of[inside], levels[inside] - 1), 1)
    influence, source = _influence(tree, geoms, points, levels, model)
    return PointEffect(count, by_level, influence, cell_of, source)


def _containing_cell(tree: shapely.STRtree, pts: np.ndarray, n: int) -> np.ndarray:
    """Index of the cell holding each point (the first one on a shared edge), or -1."""
    pi, ci = tree.query(pts, predicate="intersects")
    out = np.full(len(pts), n, dtype=np.int64)
    np.minimum.at(out, pi, ci)
    out[out == n] = -1
    return out


def _influence(
    tree, geoms, points, levels: np.ndarray, model: RiskModel
) -> tuple[np.ndarray, np.ndarray]:
    """Largest decayed influence of any point on each cell, and which point it is."""
    radius = np.array([model.point_rule(t).radius for t in points["type"]], float)
    pi, ci = tree.query(points.geometry.values, predicate="dwithin", distance=radius)
    out = np.zeros(len(geoms))
    source = np.full(len(geoms), -1)
    if len(pi) == 0:
        return out, source
    dist = shapely.distance(points.geometry.values[pi], geoms[ci])
    base = np.array([model.level_base[int(lv)] for lv in levels])[pi]
    ratio = np.clip(dist / radius[pi], 0.0, 1.0)
    decay = (1.0 - ratio) if model.decay == "linear" else (ratio <= 1.0).astype(float)
    effect = base * decay
    np.maximum.at(out, ci, effect)
    order = np.lexsort((effect, ci))  # by cell, strongest point last
    last = np.r_[ci[order][1:] != ci[order][:-1], True]
    strong = order[last]
    source[ci[strong]] = np.where(effect[strong] > 0, pi[strong], -1)
    return out, source
