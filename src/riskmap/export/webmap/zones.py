"""Zone hazards (polygons with a class field) as a coloured web-map overlay.

Classes are ordered by their severity in the risk model and coloured along the
hazard's ``ramp`` (default light to dark orange, apart from the level colours).
"""

from __future__ import annotations

from pathlib import Path

import shapely

from riskmap.domain import ramp_colours
from riskmap.export.webmap.geometry import encode_polygons
from riskmap.export.webmap.raster import LegendClass
from riskmap.io.vectors import read_vector
from riskmap.model import HazardRule, class_key

ZONE_RAMP = ("#FEE6CE", "#FDAE6B", "#E6550D", "#A63603")


def zone_parts(
    path: str | Path,
    field: str,
    rule: HazardRule | None,
    bbox_ll: tuple[float, ...],
    origin: tuple[float, float],
) -> tuple[list[dict], list[LegendClass]] | None:
    """Encoded polygons per class inside *bbox_ll*, and legend rows; None if none."""
    zones = read_vector(path).to_crs("EPSG:4326")
    zones = zones[zones.intersects(shapely.box(*bbox_ll))]
    if len(zones) == 0 or field not in zones.columns:
        return None
    labels = rule.class_labels if rule is not None else {}
    values = zones[field].map(lambda v: labels.get(class_key(v), str(v)))
    order = {v: rule.classes[k] for k, v in labels.items()} if rule else {}
    classes = sorted(set(values), key=lambda v: (order.get(v, 0.0), v))
    colours = ramp_colours(rule.ramp if rule and rule.ramp else ZONE_RAMP, len(classes))
    box = shapely.box(*bbox_ll)
    parts = []
    for value, colour in zip(classes, colours, strict=True):
        merged = shapely.intersection(
            shapely.union_all(zones.geometry[values == value].values), box
        )
        parts.append({"color": colour, "polys": encode_polygons(merged, origin)})
    legend = [LegendClass(c, v) for v, c in zip(classes, colours, strict=True)]
    return parts, legend
