"""Hazard zones given as polygons with a class field (淹没范围, 易发区)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.errors import InputDataError
from riskmap.model import HazardRule


@dataclass(frozen=True)
class ZoneOverlay:
    """Per-cell zone results for one hazard."""

    top_class: np.ndarray  # class value (str) of the highest zone touching, or None
    top_frac: np.ndarray  # share of the cell inside zones of that class
    severity: np.ndarray  # severity of that class (0 where no zone)
    class_frac: pd.DataFrame  # one column per class value: share of the cell


def zone_severities(
    zones: gpd.GeoDataFrame, field: str, rule: HazardRule
) -> np.ndarray:
    """Severity of every zone polygon from its class value (unknown class: error)."""
    return np.array([rule.zone_severity(v) for v in zones[field]], dtype=float)


def overlay_cells(
    cells: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, field: str, rule: HazardRule
) -> ZoneOverlay:
    """Highest class touching each cell and the share of the cell in each class."""
    n = len(cells)
    sev = zone_severities(zones, field, rule)
    labels = zone_labels(zones, field, rule)
    tree = shapely.STRtree(zones.geometry.values)
    ci, zi = tree.query(cells.geometry.values, predicate="intersects")
    area = shapely.area(
        shapely.intersection(cells.geometry.values[ci], zones.geometry.values[zi])
    )
    keep = area > 0
    ci, zi, area = ci[keep], zi[keep], area[keep]
    share = area / cells["area_m2"].to_numpy()[ci]
    fracs = _class_shares(ci, labels[zi], share, n)
    best = np.full(n, -1.0)
    np.maximum.at(best, ci, sev[zi])
    top = np.full(n, None, dtype=object)
    top_frac = np.zeros(n)
    hit = np.flatnonzero(best >= 0)
    label_of_sev = _label_by_severity(labels, sev)
    for k in hit:
        top[k] = label_of_sev[best[k]]
    if len(hit):
        top_frac[hit] = [fracs.at[k, top[k]] for k in hit]
    return ZoneOverlay(top, np.minimum(top_frac, 1.0), np.maximum(best, 0.0), fracs)


def _class_shares(ci, labels, share, n) -> pd.DataFrame:
    """Share of each cell per class value (overlapping zones: capped at 1)."""
    frame = pd.DataFrame({"cell": ci, "cls": labels, "share": share})
    table = frame.pivot_table(
        index="cell", columns="cls", values="share", aggfunc="sum"
    )
    table = table.reindex(range(n)).fillna(0.0).clip(upper=1.0)
    table.columns = [str(c) for c in table.columns]
    return table


def _label_by_severity(labels: np.ndarray, sev: np.ndarray) -> dict[float, str]:
    """The class label to report for each severity (the first seen)."""
    out: dict[float, str] = {}
    for lab, s in zip(labels, sev, strict=True):
        out.setdefault(float(s), lab)
    return out


def classify_points(
    points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, field: str, rule: HazardRule
) -> np.ndarray:
    """Class of the zone containing each point (the highest where zones overlap)."""
    sev = zone_severities(zones, field, rule)
    labels = zone_labels(zones, field, rule)
    tree = shapely.STRtree(zones.geometry.values)
    pi, zi = tree.query(points.geometry.values, predicate="intersects")
    best = np.full(len(points), -1.0)
    np.maximum.at(best, pi, sev[zi])
    label_of_sev = _label_by_severity(labels, sev)
    return np.array(
        [label_of_sev.get(b) if b >= 0 else None for b in best], dtype=object
    )


def zone_labels(zones: gpd.GeoDataFrame, field: str, rule: HazardRule) -> np.ndarray:
    """Each zone's class as the model writes it, so ``yes`` and ``YES`` are one
    class (and one ``…_frac_YES`` column)."""
    return np.array([rule.zone_label(v) for v in zones[field]], dtype=object)


def zone_likelihood(cells, zones_w, field: str, path) -> np.ndarray:
    """Highest likelihood class 1-5 (risk matrix) of the zones touching each cell;
    0 where no zone touches it. Values that are not 1-5 are an input error."""
    if field not in zones_w.columns:
        names = [str(c) for c in zones_w.columns if c != zones_w.geometry.name]
        raise InputDataError(
            f"{path}: no likelihood field {field!r} (the model's likelihood_field); "
            f"fields are: {', '.join(names)}"
        )
    values = pd.to_numeric(zones_w[field], errors="coerce").to_numpy()
    bad = ~np.isin(values, [1, 2, 3, 4, 5])
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputDataError(
            f"{path}: feature {row}, field {field!r}: {zones_w[field].iloc[row]!r} "
            "is not a likelihood class 1-5"
        )
    out = np.zeros(len(cells), dtype="int8")
    cell, zone = shapely.STRtree(zones_w.geometry.values).query(
        cells.geometry.values, predicate="intersects"
    )
    np.maximum.at(out, cell, values[zone].astype("int8"))
    return out
