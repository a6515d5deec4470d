"""Risk points and emergency resources as web-map symbols with their popup fields.

Values are sent as plain text; the browser escapes them before display
(``RM.esc`` in ``assets/webmap.js``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pandas as pd

from riskmap.export.symbols import point_class, resource_label, short_label
from riskmap.export.webmap.text import HIDDEN_FIELDS, field_label, value_words


def text_value(value: Any) -> str | None:
    """A field value as display text, or None when it is empty."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return f"{value:.0f}" if value.is_integer() else f"{value:.3g}"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value).strip()
    return text or None


def _fields(row: dict, labels: dict[str, str], lang: str) -> list[list[str]]:
    """[label, text] for every non-empty field of a row, in column order; coded
    values in words of *lang* (direct -> 直接评定), a repeated label+value once
    (a ledger's id and its point_id)."""
    out: list[list[str]] = []
    for key, value in row.items():
        if key in HIDDEN_FIELDS:
            continue
        text = text_value(value)
        if text is None:
            continue
        if isinstance(value, bool) and lang == "en":
            text = "yes" if value else "no"
        pair = [labels.get(key) or field_label(key, lang), value_words(key, text, lang)]
        if pair not in out:
            out.append(pair)
    return out


def lonlat_rows(frame: gpd.GeoDataFrame | None) -> Iterator[tuple[dict, object]]:
    """(attributes, lon/lat point) of each feature with a geometry."""
    if frame is None or len(frame) == 0:
        return
    frame = frame.to_crs("EPSG:4326")
    records = frame.drop(columns="geometry").to_dict("records")
    for row, geom in zip(records, frame.geometry, strict=True):
        if geom is not None and not geom.is_empty:
            yield row, geom


def photo_lists(photos: pd.DataFrame | None) -> dict[str, list[dict]]:
    """Point id -> [{name, jpeg}] of its ledger thumbnails (base64 JPEG)."""
    out: dict[str, list[dict]] = {}
    if photos is None:
        return out
    for pid, name, data in zip(
        photos["point_id"], photos["name"], photos["jpeg_base64"], strict=True
    ):
        out.setdefault(str(pid), []).append({"name": str(name or ""), "jpeg": data})
    return out


def point_items(
    points: gpd.GeoDataFrame | None,
    hazard_labels: dict[str, str],
    lang: str,
    photos: pd.DataFrame | None = None,
) -> list[dict]:
    """Risk points as symbols: GB/T 35649 class colour, short label, level badge,
    and the ledger photos (thumbnails) for the popup."""
    items = []
    by_point = photo_lists(photos)
    for row, geom in lonlat_rows(points):
        level = row.get("level")
        items.append(
            {
                "lat": round(geom.y, 6),
                "lon": round(geom.x, 6),
                "cls": point_class(row.get("type"), row.get("category")),
                "label": short_label(row.get("type"), lang),
                "level": int(level) if level is not None and level == level else None,
                "title": text_value(row.get("name"))
                or text_value(row.get("point_id"))
                or "",
                "fields": _fields(row, hazard_labels, lang),
                "photos": by_point.get(str(row.get("point_id")), []),
            }
        )
    return items


def resource_items(resources: gpd.GeoDataFrame | None, lang: str) -> list[dict]:
    """Shelters, depots and medical points as class-D (green) symbols."""
    items = []
    for row, geom in lonlat_rows(resources):
        items.append(
            {
                "lat": round(geom.y, 6),
                "lon": round(geom.x, 6),
                "cls": "D",
                "label": resource_label(row.get("type"), lang),
                "level": None,
                "title": text_value(row.get("name"))
                or text_value(row.get("resource_id"))
                or "",
                "fields": _fields(row, {}, lang),
            }
        )
    return items
