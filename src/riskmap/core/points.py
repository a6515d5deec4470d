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
    rated: RatedPoints | None = None  # points with a likelihood (risk matrix)


@dataclass(frozen=True)
class RatedPoints:
    """Points that carry a likelihood class, for the risk matrix: every
    (point, cell) pair they reach, and the influence of the other points."""

    cell: np.ndarray  # (pairs,) cell index
    likelihood: np.ndarray  # (pairs,) the point's likelihood class 1-5
    effect: np.ndarray  # (pairs,) decayed influence of the point on the cell
    unrated: np.ndarray  # (n_cells,) largest influence of points without one


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
    influence, source, pairs = _influence(tree, geoms, points, levels, model)
    rated = _rated(points, pairs, n)
    return PointEffect(count, by_level, influence, cell_of, source, rated)


def _rated(points: gpd.GeoDataFrame, pairs, n: int) -> RatedPoints | None:
    """Split the (point, cell, effect) pairs by whether the point has a likelihood."""
    if "likelihood" not in points:
        return None
    pi, ci, effect = pairs
    lk = points["likelihood"].to_numpy(dtype=int)
    has = lk[pi] > 0
    unrated = np.zeros(n)
    np.maximum.at(unrated, ci[~has], effect[~has])
    return RatedPoints(ci[has], lk[pi[has]], effect[has], unrated)


def _containing_cell(tree: shapely.STRtree, pts: np.ndarray, n: int) -> np.ndarray:
    """Index of the cell holding each point (the first one on a shared edge), or -1."""
    pi, ci = tree.query(pts, predicate="intersects")
    out = np.full(len(pts), n, dtype=np.int64)
    np.minimum.at(out, pi, ci)
    out[out == n] = -1
    return out


def _influence(tree, geoms, points, levels: np.ndarray, model: RiskModel) -> tuple:
    """Largest decayed influence of any point on each cell, which point it is, and
    the (point, cell, effect) pairs."""
    radius = np.array([model.point_rule(t).radius for t in points["type"]], float)
    pi, ci = tree.query(points.geometry.values, predicate="dwithin", distance=radius)
    out = np.zeros(len(geoms))
    source = np.full(len(geoms), -1)
    if len(pi) == 0:
        return out, source, (pi, ci, np.zeros(0))
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
    return out, source, (pi, ci, effect)
