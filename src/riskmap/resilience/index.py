"""run_resilience(): indicator table -> weights, TOPSIS closeness, levels, summary."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.domain import RiskResult
from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.io.result import read_result
from riskmap.progress import ProgressCallback
from riskmap.resilience import auto_indicators as auto
from riskmap.resilience.tables import read_ahp_matrix, read_indicators, read_sheet
from riskmap.resilience.topsis import (
    LEVEL_NAMES,
    dimension_scores,
    levels,
    sensitivity,
    topsis,
    weakest_dimension,
)
from riskmap.resilience.weights import (
    AhpResult,
    ahp,
    check_consistency,
    combined_weights,
    entropy_weights,
    normalise,
)

Source = str | Path | pd.DataFrame
DIMENSION_EN = {
    "风险识别能力": "risk identification",
    "资源保障能力": "resource guarantee",
    "社会协同能力": "social collaboration",
    "恢复适应能力": "recovery and adaptation",
}


@dataclass
class ResilienceResult:
    """Weights, consistency, scores and per-community summary of one evaluation."""

    weights: pd.DataFrame
    scores: pd.DataFrame
    ahp: AhpResult | None
    alpha: float
    dimensions: list[str]
    communities: gpd.GeoDataFrame | None = None
    values: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    summary: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_resilience(
    indicators: Source,
    *,
    sheet: Source | None = None,
    ahp: str | Path | None = None,
    alpha: float = 0.5,
    result: str | Path | RiskResult | None = None,
    breaks: list[float] | None = None,
    progress: ProgressCallback | None = None,
) -> ResilienceResult:
    """Evaluate community resilience: entropy/AHP/combined weights and TOPSIS (§5.2).

    *indicators*: a CSV/XLSX (or DataFrame), one row per community or raw survey
    rows; *sheet*: indicator, dimension, direction (default: every column "+",
    one dimension); *ahp*: pairwise matrix over the dimensions (default: equal
    dimension weights); *result*: RESULT.gpkg to fill known indicators and to
    give the communities their shapes. CR ≥ 0.1 raises InputDataError.
    """
    report = progress or (lambda *_: None)
    report(0, 4, "reading the tables")
    table = read_indicators(indicators)
    if len(table.values) < 2:
        raise InputDataError(
            f"{table.source}: {len(table.values)} community; the index compares "
            "communities, so it needs at least 2"
        )
    notes = [] if table.responses == len(table.values) else [_survey_note(table)]
    spec = read_sheet(sheet) if sheet is not None else _default_sheet(table.values)
    risk = read_result(result) if isinstance(result, str | Path) else result
    known = auto.auto_indicators(risk) if risk is not None else None
    values, filled = _fill(table.values, spec, known, table.source, notes)
    spec = _drop_constant(values, spec, filled, notes)
    if spec.empty:
        raise InputDataError(f"{table.source}: no indicator left to weigh")
    extra = [str(c) for c in values.columns if c not in spec.index]
    if extra:
        notes.append(f"columns not in the indicator sheet, ignored: {', '.join(extra)}")
    values = values[spec.index]
    report(1, 4, "weights")
    weights, ahp_res = _weights(values, spec, ahp, alpha)
    report(2, 4, "TOPSIS")
    scores = _scores(values, spec, weights, breaks)
    scores = _identify(scores, table, known)
    dims = list(dict.fromkeys(spec["dimension"]))
    res = ResilienceResult(weights, scores, ahp_res, alpha, dims, notes=notes)
    res.communities = _shapes(risk, scores)
    res.values = values.rename_axis("community").reset_index()
    report(3, 4, "sensitivity (±10 % on each weight)")
    res.sensitivity = sensitivity(values, spec["direction"], weights["combined_w"])
    res.notes.append(_sensitivity_note(res.sensitivity))
    ranked = scores.sort_values("rank")
    res.summary = [_summary_line(row) for _, row in ranked.iterrows()]
    report(4, 4, "done")
    return res


def _survey_note(table) -> str:
    """Say that survey responses were averaged."""
    return (
        f"{table.responses} survey responses averaged into {len(table.values)} "
        f"communities / 调查问卷 {table.responses} 份按社区取平均"
    )


def _default_sheet(values: pd.DataFrame) -> pd.DataFrame:
    """Without a sheet: every numeric column a positive indicator of one dimension."""
    return pd.DataFrame(
        {"dimension": "综合", "direction": "+", "label": values.columns},
        index=pd.Index(values.columns, name="indicator"),
    )


def _fill(values, spec, known, source, notes) -> tuple[pd.DataFrame, list[str]]:
    """Add the sheet's automatic indicators from RESULT.gpkg; check every value."""
    out = values.copy()
    filled = []
    for name in spec.index:
        if name in out and out[name].notna().any():
            continue
        key = auto.auto_key(name)
        if key is None:
            raise InputDataError(
                f"{source}: indicator {name!r} of the indicator sheet is not a "
                "column of the table; add the column or remove it from the sheet"
            )
        if known is None:
            raise InputDataError(
                f"{source}: indicator {name!r} is not in the table; give "
                "--result RESULT.gpkg to fill it from the risk result"
            )
        out[name] = _match(out.index, known, source)[key].to_numpy()
        filled.append(name)
        notes.append(f"{name}: filled from RESULT.gpkg / 由风险计算结果自动填充")
    _check_complete(out[spec.index], source)
    return out, filled


def _match(communities: pd.Index, known: pd.DataFrame, source) -> pd.DataFrame:
    """Rows of *known* for each table community, matched by id or by name."""
    by_name = known.reset_index().set_index("community")
    rows = []
    for c in communities:
        if c in known.index:
            rows.append(known.loc[c])
        elif c in by_name.index:
            rows.append(by_name.loc[c])
        else:
            raise InputDataError(
                f"{source}: community {c!r} is not in RESULT.gpkg (its communities: "
                f"{', '.join(known['community'].tolist()[:10])}); use the same id "
                "or name as in the community layer"
            )
    return pd.DataFrame(rows, index=communities)


def _check_complete(values: pd.DataFrame, source) -> None:
    """Every community needs a value for every indicator."""
    missing = values.isna()
    if missing.to_numpy().any():
        i, j = np.argwhere(missing.to_numpy())[0]
        raise InputDataError(
            f"{source}: community {values.index[i]!r} has no value for indicator "
            f"{values.columns[j]!r}; fill it in or remove the indicator"
        )


def _drop_constant(values, spec, filled, notes) -> pd.DataFrame:
    """An automatic indicator equal in every community carries no information: drop.

    A constant column the user gave stays, and ``normalise`` refuses it.
    """
    keep = []
    for name in spec.index:
        column = values[name]
        if name in filled and column.nunique() <= 1:
            message = (
                f"indicator {name!r} (filled from RESULT.gpkg) is {column.iloc[0]:g} "
                "in every community, so it cannot rank them; left out"
            )
            warnings.warn(message, RiskmapWarning, stacklevel=3)
            notes.append(message)
            continue
        keep.append(name)
    return spec.loc[keep]


def _weights(values, spec, ahp_path, alpha) -> tuple[pd.DataFrame, AhpResult | None]:
    """Entropy weights, AHP dimension weights and their combination."""
    z = normalise(values, spec["direction"])
    ew = entropy_weights(z)
    dims = list(dict.fromkeys(spec["dimension"]))
    ahp_res = None
    if ahp_path is not None:
        names, matrix, source = read_ahp_matrix(ahp_path)
        if sorted(names) != sorted(dims):
            raise InputDataError(
                f"{source}: the AHP matrix names {', '.join(names)} but the "
                f"indicator sheet's dimensions are {', '.join(dims)}; use the same "
                "names"
            )
        ahp_res = ahp(names, matrix)
        check_consistency(ahp_res, source)
        dim_w = ahp_res.weight_of()
    else:
        dim_w = dict.fromkeys(dims, 1.0 / len(dims))
    table = combined_weights(ew, spec["dimension"], dim_w, alpha)
    table.insert(1, "direction", spec["direction"])
    table.insert(2, "label", spec["label"])
    table.index.name = "indicator"
    return table, ahp_res


def _scores(values, spec, weights, breaks) -> pd.DataFrame:
    """Closeness, dimension scores, level, rank and weakest dimension per community."""
    w = weights["combined_w"]
    z = normalise(values, spec["direction"])
    closeness = topsis(values, spec["direction"], w)
    dims = dimension_scores(z, spec["dimension"], w)
    out = pd.DataFrame({"community": values.index}, index=values.index)
    out["closeness"] = closeness
    out = out.join(dims)
    out["level"] = levels(closeness, breaks)
    out["level_name"] = out["level"].map(lambda lv: LEVEL_NAMES[lv][0])
    out["level_name_en"] = out["level"].map(lambda lv: LEVEL_NAMES[lv][1])
    out["rank"] = closeness.rank(ascending=False, method="min").astype(int)
    out["weakest_dimension"] = weakest_dimension(dims)
    return out


def _identify(scores: pd.DataFrame, table, known: pd.DataFrame | None) -> pd.DataFrame:
    """Give the scores the community names and, where known, the community ids."""
    keys = scores.index
    scores["community"] = table.names.reindex(keys).to_numpy()
    if table.by_id:
        scores.insert(1, "community_id", keys.to_numpy())
    elif known is not None:
        matched = _match(keys, known, table.source)
        by_name = dict(zip(known["community"], known.index, strict=True))
        ids = [k if k in known.index else by_name[k] for k in matched.index]
        scores.insert(1, "community_id", ids)
    if known is not None:
        _match(pd.Index(scores["community_id"]), known, table.source)
        # names from RESULT.gpkg, so the map and the table agree
        ids = scores["community_id"]
        scores["community"] = ids.map(known["community"]).fillna(scores["community"])
    return scores.reset_index(drop=True)


def _shapes(risk: RiskResult | None, scores: pd.DataFrame) -> gpd.GeoDataFrame | None:
    """The communities of RESULT.gpkg joined with their scores (a choropleth layer)."""
    if risk is None or "community_id" not in scores:
        return None
    shapes = risk.communities[["community_id", "geometry"]].copy()
    shapes["community_id"] = shapes["community_id"].astype(str)
    merged = shapes.merge(scores, on="community_id", how="inner")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=risk.communities.crs)


def _sensitivity_note(table: pd.DataFrame) -> str:
    """One line: how often the ranking survived ±10 % on a weight."""
    kept, total = int(table["unchanged"].sum()), len(table)
    worst = int(table["max_rank_shift"].max()) if total else 0
    return (
        f"sensitivity: ±10 % on each weight leaves the ranking unchanged in {kept} "
        f"of {total} cases (largest rank shift {worst}) / 权重 ±10% 敏感性：排名不变 "
        f"{kept}/{total}，最大名次变化 {worst}"
    )


def _summary_line(row: pd.Series) -> str:
    """One sentence per community, in Chinese and English, naming its weakest part."""
    weak = row["weakest_dimension"]
    weak_en = DIMENSION_EN.get(weak, weak)
    return (
        f"{row['community']}: {row['level_name']}（第 {row['rank']} 名, 贴近度 "
        f"{row['closeness']:.3f}），最薄弱维度 {weak}（{row[weak]:.2f}） / "
        f"{row['level_name_en']} resilience (rank {row['rank']}, closeness "
        f"{row['closeness']:.3f}); weakest dimension: {weak_en} ({row[weak]:.2f})"
    )
