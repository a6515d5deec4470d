"""Why each cell has its level: the part of the score that decided it, as text.

A cell's score is its hazard part or its points part (whichever the model's
``combine`` lets dominate), so one short text names the deciding input with its
value: ``flood max 2.3 m``, ``landslide_zone class 高``,
``point YH-2026-11-0004 (滑坡, 2)``, ``no hazard data`` or ``none``. Analysts read it
in RESULT.gpkg and GeoJSON; the web map and the desktop app show it per cell.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.model import HazardRule, RiskModel


def cell_drivers(
    cells: gpd.GeoDataFrame,
    severities: dict[str, np.ndarray],
    points: gpd.GeoDataFrame | None,
    source: np.ndarray,
    model: RiskModel,
    rules: dict[str, str] | None = None,
) -> np.ndarray:
    """The ``driver`` text of every cell (cells must carry the score parts);
    *rules* maps a hazard layer (``flood_rp10``) to its model hazard (``flood``)."""
    hazard = cells["score_hazard"].to_numpy(dtype=float)
    by_points = cells["score_points"].to_numpy(dtype=float)
    out = np.full(len(cells), "none", dtype=object)
    if "hazard_data" in cells:
        out[~cells["hazard_data"].to_numpy(dtype=bool)] = "no hazard data"
    if severities:
        names = list(severities)
        top = np.vstack([severities[n] for n in names]).argmax(axis=0)
        for k, name in enumerate(names):
            pick = (hazard > 0) & (top == k)
            rule = model.hazards[(rules or {}).get(name, name)]
            out[pick] = _hazard_texts(cells, name, rule, pick)
    if points is not None and len(points):
        pick = (by_points > hazard) & (source >= 0)
        out[pick] = _point_texts(points)[source[pick]]
    return out


def _hazard_texts(
    cells: gpd.GeoDataFrame, name: str, rule: HazardRule, pick: np.ndarray
) -> np.ndarray:
    """'flood max 2.3 m' (raster) or 'flood_zone class 高' (zones) for *pick*."""
    if rule.kind == "zones":
        classes = cells[f"{name}_class"].to_numpy()[pick]
        return np.array([f"{name} class {c}" for c in classes], dtype=object)
    values = cells[f"{name}_{rule.statistic}"].to_numpy(dtype=float)[pick]
    unit = f" {rule.unit}" if rule.unit else ""
    return np.array(
        [f"{name} {rule.statistic} {v:.3g}{unit}" for v in values], dtype=object
    )


def _point_texts(points: gpd.GeoDataFrame) -> np.ndarray:
    """'point <id> (<type>, <level>)' for every point."""
    ids = points["point_id"] if "point_id" in points else pd.Series(points.index)
    names = ids.where(ids.notna(), points.get("name"))
    return np.array(
        [
            f"point {pid} ({ptype}, {int(level)})"
            for pid, ptype, level in zip(
                names.astype(str),
                points["type"].astype(str),
                points["level"],
                strict=True,
            )
        ],
        dtype=object,
    )
