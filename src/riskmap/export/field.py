"""Field packages: one offline, phone-first HTML page per community for grid workers.

The page (``field_assets/``: HTML, CSS, JavaScript, with Leaflet inlined from the
``folium-offline`` package) shows the community's risk cells, ledger points,
shelters and a hillshade, and records new points and re-inspections with photos
into the browser's IndexedDB until the worker exports a change-set file
(docs/CHANGESET_FORMAT.md). No template engine is involved: the page's data is one
JSON document inside ``<script type="application/json">`` and the runtime sets
every text with ``textContent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from riskmap.atomic import atomic_path
from riskmap.choices import ACCURACY_LIMIT_M
from riskmap.core.coverage import type_keys
from riskmap.domain import RiskResult, load_level_styles
from riskmap.errors import InputDataError
from riskmap.export.filenames import path_inside, unique_stems
from riskmap.export.webmap.geometry import SCALE, dissolve_levels, encode_polygons
from riskmap.export.webmap.html import leaflet_assets, script_json
from riskmap.export.webmap.items import text_value
from riskmap.export.webmap.page import bbox_lonlat
from riskmap.export.webmap.raster import hillshade_overlay
from riskmap.progress import ProgressCallback
from riskmap.registry import FIELDS, Project, load_point_rules
from riskmap.registry.changeset import FORMAT_VERSION
from riskmap.registry.fields import STATUSES

# Ledger fields the phone form leaves out: made by riskmap, or derived from others.
NOT_ON_FORM = ("id", "community_id", "deleted", "photos", "category", "level_method")
# Fields shown in a ledger point's popup on the phone.
POPUP_FIELDS = (
    "name", "type", "level", "status", "responsible", "phone", "measures",
    "deadline", "address", "note",
)  # fmt: skip


@dataclass(frozen=True)
class FieldOptions:
    """What every page of one field export shares."""

    project_id: str
    worker: str
    lang: str
    accuracy_limit_m: float
    dem: Path | None


def write_field_packages(
    project: Project,
    out_dir: str | Path,
    *,
    communities: list[str] | None = None,
    worker: str = "",
    result: RiskResult | None = None,
    dem: Path | None = None,
    lang: str = "zh",
    accuracy_limit_m: float = ACCURACY_LIMIT_M,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Write one field page per community (all, or the ids in *communities*).

    Risk cells and shelters come from *result* (a ``compute --project`` result of
    this project); the hillshade from *dem* (none without one: nothing bundled is
    used unless passed).
    """
    if lang not in ("zh", "en"):
        raise InputDataError(f"unknown language {lang!r}; use zh or en")
    if not accuracy_limit_m > 0:
        raise InputDataError("--accuracy-limit must be more than 0 metres")
    comms = _chosen(project.communities(), communities, project.path)
    options = FieldOptions(
        project.project_id, worker, lang, accuracy_limit_m, _dem(dem)
    )
    shared = _shared(project, lang)
    points = project.points()
    stems = unique_stems(comms["community"].tolist(), comms["community_id"].tolist())
    out_dir = Path(out_dir)
    paths = []
    for k, (i, stem) in enumerate(zip(range(len(comms)), stems, strict=True)):
        row = comms.iloc[i]
        if progress is not None:
            progress(k, len(comms), str(row["community"]))
        data = page_data(row, points, result, shared, options)
        path = path_inside(out_dir, f"{stem}.html")
        with atomic_path(path) as tmp:
            tmp.write_text(render_page(data), encoding="utf-8")
        paths.append(path)
    if progress is not None:
        progress(len(comms), len(comms), "")
    return paths


def _chosen(comms: gpd.GeoDataFrame, wanted: list[str] | None, path):
    """The communities asked for (by id or name), or all; unknown ones are an error."""
    if len(comms) == 0:
        raise InputDataError(f"{path}: the project has no communities")
    if not wanted:
        return comms.reset_index(drop=True)
    keys = {str(v) for v in (*comms["community_id"], *comms["community"])}
    unknown = [w for w in wanted if w not in keys]
    if unknown:
        raise InputDataError(
            f"--community {', '.join(unknown)}: not in {path}; "
            "see riskmap project info / the community_id column"
        )
    mask = comms["community_id"].isin(wanted) | comms["community"].isin(wanted)
    return comms[mask].reset_index(drop=True)


def _dem(dem: Path | None) -> Path | None:
    """The DEM for the hillshade, if one was given (it must exist)."""
    if dem is not None and not Path(dem).is_file():
        raise InputDataError(
            f"--hillshade-dem {dem}: file not found; pass an existing GeoTIFF"
        )
    return Path(dem) if dem is not None else None


def _shared(project: Project, lang: str) -> dict[str, Any]:
    """Form definition, level rules and level colours: the same on every page."""
    rules = load_point_rules()
    styles = load_level_styles()
    return {
        "fields": [
            {
                "name": f.name,
                "label": f.label(lang),
                "kind": f.kind,
                "required": f.required,
                "choices": list(f.choices),
            }
            for f in FIELDS
            if f.name not in NOT_ON_FORM
        ],
        "labels": {f.name: [f.label_zh, f.label_en] for f in FIELDS},
        "types": [
            [t.type, t.category, t.default_level, t.name_en]
            for t in rules.types.values()
        ],
        "rules": {
            "lec": [rules.lec.red, rules.lec.orange, rules.lec.yellow],
            "ls": [rules.ls.red, rules.ls.orange, rules.ls.yellow],
            "lec_values": [list(v) for v in rules.lec_values],
            "statuses": list(STATUSES),
        },
        "levels": {
            str(int(lv)): {"color": st.color, "label": [st.name("zh"), st.name("en")]}
            for lv, st in styles.items()
        },
    }


def page_data(
    community: Any,
    points: gpd.GeoDataFrame,
    result: RiskResult | None,
    shared: dict[str, Any],
    options: FieldOptions,
) -> dict[str, Any]:
    """Everything one community's page needs, as one JSON-ready dict."""
    cid = str(community["community_id"])
    boundary = gpd.GeoSeries([community.geometry], crs="EPSG:4326")
    bbox = bbox_lonlat(boundary)
    origin = (round(bbox[0], 6), round(bbox[1], 6))
    enc = {"scale": SCALE, "origin": list(origin)}
    own = points[points["community_id"] == cid]
    return {
        **shared,
        "format": FORMAT_VERSION,
        "project_id": options.project_id,
        "community_id": cid,
        "community": str(community["community"]),
        "worker": options.worker,
        "lang": options.lang,
        "accuracy_limit_m": options.accuracy_limit_m,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bounds": [[bbox[1], bbox[0]], [bbox[3], bbox[2]]],
        "enc": enc,
        "boundary": encode_polygons(community.geometry, origin),
        "cells": _cells(result, cid, origin),
        "points": _points(own),
        "shelters": _shelters(result, boundary),
        "hillshade": _hillshade(options.dem, bbox),
    }


def _cells(result: RiskResult | None, cid: str, origin) -> dict[str, list]:
    """Level -> encoded polygons of the community's cells, dissolved per level."""
    if result is None:
        return {}
    cells = result.cells[result.cells["community_id"].astype(str) == cid]
    if len(cells) == 0:
        return {}
    out = {}
    for level, geom in dissolve_levels(cells, result.grid.size or 1.0):
        lonlat = gpd.GeoSeries([geom], crs=cells.crs).to_crs("EPSG:4326").iloc[0]
        out[str(level)] = encode_polygons(lonlat, origin)
    return out


def _points(points: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Ledger points with id, version, position and the popup fields as text."""
    out = []
    for row, geom in zip(points.to_dict("records"), points.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        level = row.get("level")
        texts = {k: text_value(row.get(k)) for k in POPUP_FIELDS}
        out.append(
            {
                "id": str(row["id"]),
                "version": int(row.get("version") or 1),
                "lon": round(geom.x, 7),
                "lat": round(geom.y, 7),
                "level": None if _missing(level) else int(level),
                "f": {k: v for k, v in texts.items() if v is not None},
            }
        )
    return out


def _missing(value: Any) -> bool:
    """None or NaN."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _shelters(result: RiskResult | None, boundary: gpd.GeoSeries) -> list[dict]:
    """Shelters within 1 km of the community: position, name and capacity text."""
    res = None if result is None else result.resources
    if res is None or len(res) == 0:
        return []
    if "type" in res:
        res = res[type_keys(res["type"]) == "shelter"]
    reach = boundary.to_crs(res.crs).buffer(1000.0).iloc[0]
    res = res[res.intersects(reach)].to_crs("EPSG:4326")
    out = []
    for row, geom in zip(res.to_dict("records"), res.geometry, strict=True):
        out.append(
            {
                "lon": round(geom.x, 7),
                "lat": round(geom.y, 7),
                "name": text_value(row.get("name")) or "",
                "capacity": text_value(row.get("capacity")) or "",
            }
        )
    return out


def _hillshade(dem: Path | None, bbox) -> dict | None:
    """The hillshade image (a PNG data URL) and its bounds, if the DEM reaches."""
    if dem is None:
        return None
    overlay = hillshade_overlay(dem, bbox)
    if overlay is None:
        return None
    return {"url": overlay.url, "bounds": overlay.bounds}


@cache
def _asset(name: str) -> str:
    """A file of the field page (``field_assets/``)."""
    return (resources.files("riskmap.export") / "field_assets" / name).read_text(
        encoding="utf-8"
    )


def render_page(data: dict[str, Any]) -> str:
    """The complete HTML: the skeleton with inlined CSS/JS and the data as JSON.

    Plain string replacement of fixed markers (no template engine); the data goes
    in last and only as escaped JSON, so nothing in it can become markup or code.
    """
    js, css = leaflet_assets()
    page = _asset("field.html")
    for marker, text in (
        ("/*LEAFLET_CSS*/", css),
        ("/*FIELD_CSS*/", _asset("field.css")),
        ("/*LEAFLET_JS*/", js),
        ("/*FIELD_JS*/", _asset("field.js")),
    ):
        page = page.replace(marker, _no_end_tag(text), 1)
    return page.replace("/*FIELD_DATA*/", script_json(data), 1)


def _no_end_tag(text: str) -> str:
    """Code safe inside <script>/<style> (a literal ``</`` would end the element)."""
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")
