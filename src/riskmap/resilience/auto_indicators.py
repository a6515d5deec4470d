"""Indicators riskmap already knows, taken from RESULT.gpkg per community."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmap.domain import RiskResult

RESOLVED = "已销号"
# key -> (names accepted in the indicator sheet, direction, Chinese label)
AUTO = {
    "red_orange_share": (
        ("red_orange_share", "红橙网格占比", "重大较大风险网格占比"),
        "-",
        "红橙网格占比",
    ),
    "shelter_coverage": (
        ("shelter_coverage", "避难场所覆盖率", "避难场所服务覆盖率"),
        "+",
        "避难场所覆盖率",
    ),
    "unresolved_points": (
        ("unresolved_points", "未销号隐患点数", "未整改隐患点数"),
        "-",
        "未销号隐患点数",
    ),
}


def auto_key(indicator: str) -> str | None:
    """The automatic indicator an indicator-sheet name refers to, if any."""
    name = str(indicator).strip().lower()
    for key, (names, _, _) in AUTO.items():
        if name in {n.lower() for n in names}:
            return key
    return None


def auto_indicators(result: RiskResult) -> pd.DataFrame:
    """Red/orange cell share, shelter coverage and unresolved points per community.

    Indexed by community_id, with a ``community`` (name) column. Shelter coverage
    is the share of the community's area within a shelter's service radius (NaN
    without coverage fields); a ledger point counts as unresolved unless its
    ``status`` is 已销号 (a point with no status is unresolved).
    """
    comm = result.communities.set_index(result.communities["community_id"].astype(str))
    cells_n = comm["cells_n"].astype(float)
    red_orange = (comm["cells_l1"] + comm["cells_l2"]).astype(float)
    out = pd.DataFrame(
        {
            "community": comm["community"].astype(str),
            "red_orange_share": red_orange / cells_n.where(cells_n > 0),
        },
        index=comm.index,
    )
    if "area_uncovered_m2" in comm:
        area = comm["area_m2"].astype(float)
        out["shelter_coverage"] = 1.0 - comm["area_uncovered_m2"] / area.where(area > 0)
    else:
        out["shelter_coverage"] = np.nan
    out["unresolved_points"] = _unresolved(result, comm.index)
    return out


def _unresolved(result: RiskResult, ids: pd.Index) -> pd.Series:
    """Ledger points inside each community whose status is not 已销号."""
    points = result.points
    if points is None:  # no ledger was given to compute: unknown, not zero
        return pd.Series(np.nan, index=ids)
    if len(points) == 0:
        return pd.Series(0.0, index=ids)
    inside = points[points["community_id"].notna()]
    if "status" in inside:
        status = inside["status"].fillna("").astype(str).str.strip()
        inside = inside[status != RESOLVED]
    counts = inside.groupby(inside["community_id"].astype(str)).size()
    return counts.reindex(ids).fillna(0).astype(float)
