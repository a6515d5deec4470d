"""How exposure and the annual view appear in every output: sentences, tooltip rows
and the exceedance curve (people affected against return period) as PNG/SVG.

Only numbers and fixed words enter these texts; names from data are not used, so
the curve image and the sentences need no escaping beyond what each writer does.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from riskmap.atomic import atomic_path
from riskmap.core.scenarios import exceedance_curve, period_label
from riskmap.domain import RunInfo
from riskmap.texts import Texts, register, tr

WORDS: Texts = {
    "exposure.people": ("人口", "People"),
    "exposure.buildings": ("建筑", "Buildings"),
    "exposure.households": ("户数", "Households"),
    "exposure.eae": ("年均期望受影响人口", "Expected annual exposed people"),
    "exposure.aep": ("年超越概率", "Annual exceedance probability"),
    "exposure.scenario_level": ("{t}年一遇情景等级", "Level, {t}-year scenario"),
    "exposure.curve_title": (
        "受影响人口—重现期曲线",
        "People affected vs return period",
    ),
    "exposure.curve_x": ("重现期（年）", "Return period (years)"),
    "exposure.curve_y": ("受影响人口（人）", "People affected"),
    "exposure.class_title": (
        "各灾害类别暴露人口与建筑",
        "People and buildings per hazard class",
    ),
    "exposure.hazard": ("灾害", "Hazard"),
    "exposure.class": ("类别", "Class"),
    "exposure.more_rows": ("另有 {n} 行未列出。", "{n} more rows not shown."),
    "exposure.curve_note": (
        "受影响：网格等级达到{name}及以上",
        "affected: cell at {name} or worse",
    ),
}


register("exposure", WORDS)


def _number(value: object) -> float:
    """A summary field as float (missing: NaN)."""
    out = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(out)


def has_exposure(row: Mapping | pd.Series) -> bool:
    """True when a community row carries people or buildings counts."""
    return any(np.isfinite(_number(row.get(k))) for k in ("people", "buildings"))


def red_sentence(row: Mapping | pd.Series, level_name: str) -> str:
    """约 N 人、M 户位于<level 1's name>网格 (whichever counts the result has)."""
    parts = []
    people = _number(row.get("people_l1"))
    households = _number(row.get("households_l1"))
    buildings = _number(row.get("buildings_l1"))
    if np.isfinite(people):
        parts.append(f"{people:,.0f} 人")
    if np.isfinite(households):
        parts.append(f"{households:,.0f} 户")
    elif np.isfinite(buildings):
        parts.append(f"{buildings:,.0f} 栋建筑")
    return f"约 {'、'.join(parts)}位于{level_name}网格" if parts else ""


def level_people(row: Mapping | pd.Series, level: int, lang: str = "zh") -> str:
    """People (and households) in cells of *level*, e.g. '1,234 人 / 456 户'."""
    people = _number(row.get(f"people_l{level}"))
    households = _number(row.get(f"households_l{level}"))
    unit_p, unit_h = ("", " hh") if lang == "en" else (" 人", " 户")
    parts = []
    if np.isfinite(people):
        parts.append(f"{people:,.0f}{unit_p}")
    if np.isfinite(households):
        parts.append(f"{households:,.0f}{unit_h}")
    return " / ".join(parts)


def annual_sentence(row: Mapping | pd.Series, info: RunInfo, lang: str = "zh") -> str:
    """People affected per scenario and the expected annual exposed people."""
    curve = exceedance_curve(row, info.return_periods)
    eae = _number(row.get("eae_people"))
    if not curve or not np.isfinite(eae):
        return ""
    if lang == "en":
        each = ", ".join(f"{t:g}-year {a:,.0f}" for t, a in curve)
        return (
            f"People affected per scenario: {each}; expected annual exposed "
            f"people {eae:,.1f} per year."
        )
    each = "，".join(f"{t:g}年一遇 {a:,.0f} 人" for t, a in curve)
    return f"各情景受影响人口：{each}；年均期望受影响人口约 {eae:,.1f} 人/年。"


def class_table(
    table: pd.DataFrame | None, cid: object, lang: str = "zh"
) -> tuple[list[str], list[list[str]]]:
    """The InaSAFE-style table of one community: header and one row per hazard
    (scenario) and class with its people and buildings (plain texts; each writer
    escapes them). Empty when the result has no such table."""
    if table is None or table.empty or "community_id" not in table.columns:
        return [], []
    counts = [k for k in ("people", "buildings") if k in table.columns]
    sel = table[table["community_id"].astype(str) == str(cid)]
    header = [
        tr("exposure.hazard", lang),
        tr("exposure.class", lang),
        *(tr(f"exposure.{k}", lang) for k in counts),
    ]
    rows = [
        [_hazard_name(r, lang), str(r["class"]), *(_count(r[k]) for k in counts)]
        for _, r in sel.iterrows()
    ]
    return (header, rows) if rows else ([], [])


def _hazard_name(row: pd.Series, lang: str) -> str:
    """The hazard's label (Chinese) or name, with its return period when it has one."""
    label = row.get("hazard_label") if lang != "en" else None
    name = str(label) if isinstance(label, str) and label else str(row["hazard"])
    period = _number(row.get("return_period"))
    if not np.isfinite(period):
        return name
    return (
        f"{name} ({period:g}-year)" if lang == "en" else f"{name}（{period:g}年一遇）"
    )


def _count(value: object) -> str:
    """A count as '1,234' ('—' when missing)."""
    number = _number(value)
    return f"{number:,.0f}" if np.isfinite(number) else "—"


def cell_rows(cells: pd.DataFrame, info: RunInfo, lang: str) -> list[dict]:
    """Web tooltip rows: people, buildings, households, EAE, level per scenario."""
    rows = []
    for key in ("people", "buildings", "households"):
        if key in cells.columns:
            rows.append(_row(tr(f"exposure.{key}", lang), cells[key], "{:,.1f}"))
    if "eae_people" in cells.columns:
        rows.append(_row(tr("exposure.eae", lang), cells["eae_people"], "{:,.2f}"))
    for t in info.return_periods:
        col = f"level_{period_label(t)}"
        if col in cells.columns:
            rows.append(
                _row(
                    tr("exposure.scenario_level", lang, t=f"{t:g}"),
                    cells[col],
                    "{:.0f}",
                )
            )
    return rows


def _row(label: str, values: pd.Series, fmt: str) -> dict:
    """One tooltip row: label and a formatted text per cell (None when missing)."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float).tolist()
    return {
        "label": label,
        "values": [None if v != v else fmt.format(v) for v in numbers],
    }


def curve_figure(
    curve: list[tuple[float, float]], lang: str = "zh", level_name: str = ""
) -> Figure:
    """The exceedance curve of one community: people affected against return period
    (log years), with the annual probability 1/T on a second axis."""
    from riskmap.fonts import find_cjk_font

    fig = Figure(figsize=(3.2, 2.0), dpi=150)
    ax = fig.add_axes((0.2, 0.24, 0.74, 0.6))
    font = find_cjk_font() if lang != "en" else None
    family = {"fontfamily": font.family} if font is not None else {}
    years = [t for t, _ in curve]
    people = [a for _, a in curve]
    ax.plot(years, people, marker="o", color="#C0392B", lw=1.4)
    ax.set_xscale("log")
    ax.set_xticks(years, [f"{t:g}" for t in years])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=6)
    ax.set_xlabel(tr("exposure.curve_x", lang), fontsize=6.5, **family)
    ax.set_ylabel(tr("exposure.curve_y", lang), fontsize=6.5, **family)
    ax.set_title(tr("exposure.curve_title", lang), fontsize=7, **family)
    if level_name:
        fig.text(
            0.2,
            0.02,
            tr("exposure.curve_note", lang, name=level_name),
            fontsize=5.5,
            **family,
        )
    return fig


def curve_png_uri(curve: list[tuple[float, float]], lang: str, level_name: str) -> str:
    """The curve as a PNG data URI for an offline web page."""
    buf = io.BytesIO()
    curve_figure(curve, lang, level_name).savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def write_curve_files(
    curve: list[tuple[float, float]], stem: Path, lang: str, level_name: str
) -> list[Path]:
    """``<stem>.png`` and ``<stem>.svg`` of one community's curve (atomic writes)."""
    fig = curve_figure(curve, lang, level_name)
    written = []
    for suffix in (".png", ".svg"):
        path = stem.with_suffix(suffix)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:])
        written.append(path)
    return written
