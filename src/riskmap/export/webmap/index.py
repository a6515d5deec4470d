"""``index.html`` of the web maps: a table of communities and an overview map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmap.domain import RiskLevel, RiskResult
from riskmap.export.webmap.geometry import SCALE, encode_polygons, to_lonlat
from riskmap.export.webmap.html import build_page, esc
from riskmap.export.webmap.text import tr

if TYPE_CHECKING:
    from riskmap.export.webmap.page import PageOptions


def _int(value: object) -> int:
    """A count field as int (missing or NaN counts as 0)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return 0 if np.isnan(number) else int(number)


def _float(value: object) -> float:
    """A numeric field as float (missing or NaN counts as 0)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(number) else number


def _table(result: RiskResult, files: list[str], options: PageOptions) -> str:
    """The community table: name, cells and points per level, max level, link."""
    lang, styles = options.lang, options.styles
    levels = [styles[lv] for lv in RiskLevel]
    head = "".join(
        f'<th><span class="rm-sw" style="background:{esc(s.color)}"></span>'
        f"{esc(s.name(lang))}</th>"
        for s in levels
    )
    people = "people_l1" in result.communities.columns
    eae = "eae_people" in result.communities.columns
    rows = []
    for (_, c), file in zip(result.communities.iterrows(), files, strict=True):
        cells = "".join(f"<td>{_int(c.get(f'cells_l{k}'))}</td>" for k in range(1, 5))
        points = "".join(f"<td>{_int(c.get(f'points_l{k}'))}</td>" for k in range(1, 5))
        top = _int(c.get("max_level"))
        top_name = styles[RiskLevel(top)].name(lang) if top in (1, 2, 3, 4) else "-"
        exposure = "".join(
            f"<td>{_float(c.get(f'people_l{k}')):,.0f}</td>"
            for k in range(1, 5)
            if people
        ) + (f"<td>{_float(c.get('eae_people')):,.1f}</td>" if eae else "")
        rows.append(
            f"<tr><td>{esc(c.get('community'))}</td>{cells}<td>{esc(top_name)}</td>"
            f'{points}{exposure}<td><a href="{esc(file)}">'
            f"{esc(tr('open_map', lang))}</a></td></tr>"
        )
    people_head = (
        f'<th colspan="4">{esc(tr("col_people", lang))}</th>' if people else ""
    ) + (f'<th rowspan="2">{esc(tr("col_eae", lang))}</th>' if eae else "")
    return (
        f'<table class="rm-index"><thead><tr><th rowspan="2">'
        f"{esc(tr('col_name', lang))}</th>"
        f'<th colspan="4">{esc(tr("col_cells", lang))}</th>'
        f'<th rowspan="2">{esc(tr("col_max", lang))}</th>'
        f'<th colspan="4">{esc(tr("col_points", lang))}</th>{people_head}'
        f'<th rowspan="2">{esc(tr("col_map", lang))}</th></tr>'
        f"<tr>{head}{head}{head if people else ''}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def render_index(result: RiskResult, files: list[str], options: PageOptions) -> str:
    """The index page: overview map on top, community table below."""
    frame = result.communities.to_crs("EPSG:4326")
    w, s, e, n = frame.total_bounds
    origin = (round(w, 6), round(s, 6))
    lonlat = to_lonlat(result.communities.geometry.values, result.communities.crs)
    communities = [
        {
            "name": str(c.get("community") or c.get("community_id")),
            "level": str(_int(c.get("max_level"))),
            "href": file,
            "polys": encode_polygons(geom, origin),
        }
        for (_, c), geom, file in zip(frame.iterrows(), lonlat, files, strict=True)
    ]
    spec = {
        "overview": True,
        "center": [(s + n) / 2, (w + e) / 2],
        "bounds": [[s, w], [n, e]],
        "scale": SCALE,
        "origin": list(origin),
        "text": {"layer_communities": tr("layer_communities", options.lang)},
        "levels": {
            str(int(lv)): {"color": st.color} for lv, st in options.styles.items()
        },
        "communities": communities,
    }
    title = tr("index_title", options.lang)
    date = result.run_info.data_date
    body = (
        f'<div class="rm-index-body"><h2>{esc(title)}</h2>'
        f"<p>{esc(tr('data_date', options.lang))}: {esc(date)}</p>"
        f"{_table(result, files, options)}</div>"
    )
    return build_page(spec, title, body_after=body, map_height="55%")
