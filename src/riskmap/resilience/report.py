"""Write a resilience evaluation: CSV and XLSX tables, GeoPackage, map and summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyogrio

from riskmap.atomic import atomic_paths
from riskmap.errors import ExportError
from riskmap.fonts import find_cjk_font
from riskmap.resilience.index import ResilienceResult
from riskmap.resilience.topsis import LEVEL_NAMES
from riskmap.spreadsheet import csv_safe, formulas_as_text

# A sequential palette of its own (ColorBrewer YlGnBu, light = weak, dark = strong):
# resilience is not a risk level, so the map must not borrow the red…blue risk colours.
RESILIENCE_COLOURS = {1: "#FFFFCC", 2: "#A1DAB4", 3: "#41B6C4", 4: "#225EA8"}

WEIGHT_COLUMNS = [
    "indicator",
    "dimension",
    "direction",
    "entropy_w",
    "ahp_w",
    "combined_w",
    "label",
]


def write_resilience(res: ResilienceResult, out_dir: str | Path) -> list[Path]:
    """Write weights.csv, scores.csv, resilience.gpkg/.xlsx, summary.txt (and a map).

    The files appear together or not at all: each is written to a temporary
    sibling, and they are renamed into place only when all are complete.
    """
    out = Path(out_dir)
    names = ["weights.csv", "scores.csv", "resilience.gpkg", "resilience.xlsx"]
    names.append("summary.txt")
    if res.communities is not None and len(res.communities):
        names.append("resilience.png")
    try:
        with atomic_paths([out / name for name in names]) as tmp:
            _csv(weights_table(res), tmp[0])
            _csv(res.scores, tmp[1])
            _gpkg(res, tmp[2])
            _xlsx(res, tmp[3])
            _text(res, tmp[4])
            if len(tmp) > 5:
                _map(res, tmp[5])
    except (OSError, pyogrio.errors.DataSourceError) as exc:
        raise ExportError(
            f"cannot write the resilience outputs in {out} ({exc}); nothing was "
            "replaced: check the free space and rights there"
        ) from exc
    return [out / name for name in names]


def weights_table(res: ResilienceResult) -> pd.DataFrame:
    """The weights with the columns in the documented order."""
    return res.weights.reset_index()[WEIGHT_COLUMNS]


def consistency_table(res: ResilienceResult) -> pd.DataFrame:
    """AHP weights per dimension and λ_max, CI, RI, CR (empty without AHP)."""
    if res.ahp is None:
        return pd.DataFrame({"item": ["ahp"], "value": ["none: equal weights"]})
    a = res.ahp
    rows = [(f"w[{n}]", w) for n, w in zip(a.names, a.weights, strict=True)]
    rows += [("lambda_max", a.lambda_max), ("CI", a.ci), ("RI", a.ri), ("CR", a.cr)]
    rows += [("alpha", res.alpha)]
    return pd.DataFrame(rows, columns=["item", "value"])


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV with a BOM, so that Excel shows the Chinese text; texts that a
    spreadsheet would run as formulas are quoted."""
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", float_format="%.6g")


def _gpkg(res: ResilienceResult, path: Path) -> None:
    """Layer ``resilience`` (communities with scores) plus tables weights, ahp."""
    layer = res.communities if res.communities is not None else res.scores
    pyogrio.write_dataframe(layer, path, layer="resilience", driver="GPKG")
    pyogrio.write_dataframe(weights_table(res), path, layer="weights", driver="GPKG")
    table = consistency_table(res).astype({"value": str})
    pyogrio.write_dataframe(table, path, layer="consistency", driver="GPKG")


def _xlsx(res: ResilienceResult, path: Path) -> None:
    """Sheets weights, scores, consistency, indicators, sensitivity, ahp_matrix,
    summary (texts stay texts, never formulas)."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        weights_table(res).to_excel(xl, sheet_name="weights", index=False)
        res.scores.to_excel(xl, sheet_name="scores", index=False)
        consistency_table(res).to_excel(xl, sheet_name="consistency", index=False)
        if res.values is not None:
            res.values.to_excel(xl, sheet_name="indicators", index=False)
        if res.sensitivity is not None:
            res.sensitivity.to_excel(xl, sheet_name="sensitivity", index=False)
        if res.ahp is not None:
            matrix = pd.DataFrame(res.ahp.matrix, res.ahp.names, res.ahp.names)
            matrix.to_excel(xl, sheet_name="ahp_matrix")
        lines = pd.DataFrame({"summary": res.summary + res.notes})
        lines.to_excel(xl, sheet_name="summary", index=False)
        formulas_as_text(xl.book)


def _text(res: ResilienceResult, path: Path) -> None:
    """A short text summary: method, CR, and one line per community."""
    path.write_text("\n".join(summary_lines(res)) + "\n", encoding="utf-8")


def summary_lines(res: ResilienceResult) -> list[str]:
    """The summary text: method line, notes, then one line per community."""
    cr = (
        f"CR = {res.ahp.cr:.3f}"
        if res.ahp
        else "no AHP matrix: equal dimension weights"
    )
    head = [
        f"社区韧性评价 / community resilience ({date.today().isoformat()})",
        f"熵权-AHP 组合赋权 TOPSIS, α = {res.alpha:g}; {cr}",
        *res.notes,
        "",
    ]
    return head + res.summary


def _map(res: ResilienceResult, path: Path) -> None:
    """A choropleth PNG of the resilience levels, labelled with names and closeness."""
    import matplotlib as mpl

    font = find_cjk_font()
    zh = font is not None
    rc = {"font.sans-serif": [font.family, "DejaVu Sans"]} if font else {}
    with mpl.rc_context({**rc, "axes.unicode_minus": False}):
        _draw_map(res, path, zh)


def _draw_map(res: ResilienceResult, path: Path, zh: bool) -> None:
    """Draw and save the choropleth (the caller sets the fonts; no pyplot state)."""
    from matplotlib.figure import Figure

    gdf = res.communities
    colours = [RESILIENCE_COLOURS[int(lv)] for lv in gdf["level"]]
    fig = Figure(figsize=(8, 7), dpi=120)
    ax = fig.subplots()
    gdf.plot(ax=ax, color=colours, edgecolor="#333333", linewidth=0.8)
    names = gdf["community"] if zh else gdf.get("community_id", gdf["community"])
    for geom, name, c in zip(gdf.geometry, names, gdf["closeness"], strict=True):
        p = geom.representative_point()
        label = name if zh else _ascii(name)
        ax.annotate(f"{label}\n{c:.3f}", (p.x, p.y), ha="center", fontsize=7)
    ax.legend(handles=_legend(zh), loc="lower right", fontsize=8)
    ax.set_title(_title(res, zh), fontsize=10)
    ax.set_axis_off()
    fig.savefig(path, format="png", bbox_inches="tight")


def _legend(zh: bool) -> list:
    """One legend patch per level (1 weak ... 4 strong)."""
    from matplotlib.patches import Patch

    return [
        Patch(
            facecolor=RESILIENCE_COLOURS[lv],
            edgecolor="#333333",
            label=LEVEL_NAMES[lv][0 if zh else 1],
        )
        for lv in (1, 2, 3, 4)
    ]


def _title(res: ResilienceResult, zh: bool) -> str:
    """Map title: method, α, CR and the date."""
    cr = f"CR={res.ahp.cr:.3f}" if res.ahp else "equal dimension weights"
    head = "社区韧性 TOPSIS 贴近度" if zh else "Community resilience (TOPSIS closeness)"
    note = "" if zh else "\n(no CJK font found: communities labelled by id)"
    return f"{head}\nα={res.alpha:g}, {cr}, {date.today().isoformat()}{note}"


def _ascii(name: str) -> str:
    """A community name without the characters a Latin font cannot draw."""
    text = "".join(ch for ch in str(name) if ord(ch) < 128).strip()
    return text or "?"
