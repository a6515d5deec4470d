"""Exposure on the web maps: people per level in the legend, who lives in the red
cells and the exceedance curve in the title panel (escaped HTML made here)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskmap.core.scenarios import exceedance_curve
from riskmap.domain import LevelStyle, RiskLevel, RunInfo
from riskmap.export import exposure_view as xv
from riskmap.export.webmap.html import esc
from riskmap.export.webmap.text import tr


def people_per_level(community: Mapping | pd.Series, lang: str) -> dict[int, str]:
    """{level: people text} for the legend; empty when the result has no people."""
    if not xv.has_exposure(community):
        return {}
    return {lv: xv.level_people(community, lv, lang) for lv in (1, 2, 3, 4)}


def exposure_panel(
    community: Mapping | pd.Series,
    info: RunInfo,
    styles: dict[RiskLevel, LevelStyle],
    lang: str,
    classes: tuple[list[str], list[list[str]]] = ([], []),
) -> str:
    """People in red cells, people per scenario, EAE, the exceedance curve and the
    people and buildings per hazard class (*classes*: header and rows)."""
    if not xv.has_exposure(community):
        return ""
    red = pd.to_numeric(pd.Series([community.get("people_l1")]), errors="coerce")[0]
    lines = []
    if np.isfinite(red):
        major = styles[RiskLevel.MAJOR]
        lines.append(
            tr("people_red", lang, people=f"{red:,.0f}", level=major.name(lang))
        )
    annual = xv.annual_sentence(community, info, lang)
    if annual:
        lines.append(annual)
    html = "".join(f'<p class="rm-exposure">{esc(t)}</p>' for t in lines)
    curve = exceedance_curve(community, info.return_periods)
    if curve:
        level = RiskLevel(info.model.affected_level)
        uri = xv.curve_png_uri(curve, lang, styles[level].name(lang))
        alt = tr("exposure.curve_title", lang)
        html += f'<img class="rm-curve" src="{esc(uri)}" alt="{esc(alt)}">'
    return html + class_table_html(*classes, lang)


def class_table_html(header: list[str], rows: list[list[str]], lang: str) -> str:
    """The per-class exposure table, every text escaped ('' without rows), in a
    folded ``<details>`` box the reader opens."""
    if not rows:
        return ""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    caption = esc(tr("exposure.class_title", lang))
    return (  # folded by default, so a phone's title panel stays small
        f'<details class="rm-classes-box"><summary>{caption}</summary>'
        f'<table class="rm-classes"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )
