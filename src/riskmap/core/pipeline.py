"""run_analysis(): communities + hazards + points -> a risk level for every cell."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from rasterio.warp import transform_bounds

from riskmap import __version__
from riskmap.core import exposure as exp
from riskmap.core import scenarios, zonal, zones
from riskmap.core.coverage import Population, add_coverage, service_radii
from riskmap.core.grid import (
    build_fishnet,
    check_cell_budget,
    check_cell_size,
    estimate_cells,
    grid_from_polygons,
)
from riskmap.core.points import point_effect
from riskmap.domain import RiskResult, load_level_styles
from riskmap.errors import EmptyOverlapError, InputDataError, RiskmapWarning
from riskmap.io.crs import choose_working_crs, describe_crs
from riskmap.io.layers import (
    POINT_ADDED,
    POINT_FIELDS,
    RESOURCE_FIELDS,
    HazardInput,
    keep_user_fields,
)
from riskmap.io.rasters import open_in_crs, sample_raster
from riskmap.model import RiskModel

Progress = Callable[[int, int, str], None]
MIN_BUDGET_MB, MAX_BUDGET_MB = 16, 1_048_576


@dataclass
class AnalysisInputs:
    """Everything one analysis needs, already loaded and validated by ``riskmap.io``."""

    communities: gpd.GeoDataFrame
    hazards: list[HazardInput] = field(default_factory=list)
    points: gpd.GeoDataFrame | None = None
    cell_size: float = 100.0
    grid: gpd.GeoDataFrame | None = None
    grid_id_field: str | None = None
    crs: CRS | None = None
    budget_mb: float = 256.0
    resources: gpd.GeoDataFrame | None = None
    # service radius in metres per resource type key (shelter/depot/medical)
    service_radius: dict[str, float] = field(default_factory=dict)
    # population per community id, a table/raster path, or None (layer field)
    population: Population = None
    # people, buildings and households (--exposure)
    exposure: exp.Exposure | None = None


def run_analysis(
    inputs: AnalysisInputs, model: RiskModel, progress: Progress | None = None
) -> RiskResult:
    """Compute the risk level of every cell of every community."""
    report = progress or (lambda *_: None)
    check_options(inputs.cell_size, inputs.budget_mb)
    _check_hazards(inputs.hazards, model)
    _keep_user_fields(inputs)
    crs = inputs.crs or choose_working_crs(inputs.communities)
    if not crs.is_projected:
        raise InputDataError(
            f"--crs {describe_crs(crs)} is in degrees; cells and radii need metres: "
            "give a projected CRS (e.g. EPSG:4545) or leave --crs out"
        )
    communities = inputs.communities.to_crs(crs)
    if inputs.grid is None:
        n = estimate_cells(communities, inputs.cell_size)
        check_cell_budget(n, inputs.cell_size, inputs.budget_mb)
    steps = len(inputs.hazards) + 3
    report(0, steps, f"building cells in {describe_crs(crs)}")
    cells = _build_cells(inputs, communities, crs)
    if inputs.exposure is not None and not inputs.exposure.empty:
        report(0, steps, f"exposure ({len(cells):,} cells)")
        exp.add_exposure(
            cells, inputs.exposure, crs, inputs.cell_size, inputs.budget_mb
        )
    points = inputs.points.to_crs(crs) if inputs.points is not None else None
    severities: dict[str, np.ndarray] = {}
    for k, hazard in enumerate(inputs.hazards, start=1):
        report(k, steps, f"hazard {hazard.name} ({len(cells):,} cells)")
        severities[hazard.name] = _add_hazard(cells, points, hazard, model, crs, inputs)
    report(steps - 2, steps, "risk points")
    _add_points_and_levels(cells, points, severities, model, inputs.hazards)
    _warn_points_outside(points)
    _flag_hazard_data(cells, inputs.hazards)
    report(steps - 1, steps, "community summary")
    summary = summarise_communities(communities, cells, points)
    resources = inputs.resources.to_crs(crs) if inputs.resources is not None else None
    coverage = None
    population = inputs.population
    if population is None and "people" in cells:
        population = cells.groupby(cells["community_id"].astype(str))["people"].sum()
    if resources is None and inputs.population is not None:
        warnings.warn(
            "population is only used by the emergency-resource coverage; "
            "give --resources too, or leave out --population",
            RiskmapWarning,
            stacklevel=2,
        )
    if resources is not None:
        report(steps - 1, steps, "emergency-resource coverage")
        coverage = add_coverage(
            cells,
            summary,
            communities,
            resources,
            inputs.service_radius,
            population,
        )
    info = _run_info(inputs, model, crs, cells)
    exp.summarise_exposure(summary, cells)
    scenarios.summarise_annual(summary, cells, info)
    classes = exp.exposure_by_class(cells, info["hazards"], model)
    report(steps, steps, "done")
    return RiskResult(
        cells,
        summary,
        points,
        info,
        resources,
        coverage,
        classes if len(classes) else None,
    )


def check_options(cell_size: float, budget_mb: float) -> None:
    """Cell size and memory budget must be sensible numbers (before any work)."""
    check_cell_size(cell_size)
    if not (np.isfinite(budget_mb) and MIN_BUDGET_MB <= budget_mb <= MAX_BUDGET_MB):
        raise InputDataError(
            f"--memory-mb must be a number of megabytes from {MIN_BUDGET_MB} to "
            f"{MAX_BUDGET_MB:,}, got {budget_mb}"
        )


def _check_hazards(hazards: list[HazardInput], model: RiskModel) -> None:
    """Every hazard must be in the model with the right kind; names must be unique."""
    names = [h.name for h in hazards]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InputDataError(
            f"hazard {', '.join(twice)} is given twice (same name and return "
            "period); give each hazard or each return period once"
        )
    for hazard in hazards:
        rule = model.hazards.get(hazard.rule)
        if rule is None:
            raise InputDataError(
                f"hazard {hazard.rule!r} is not in the risk model {model.source} "
                f"(known: {', '.join(model.hazards)}); rename it or add "
                f"[hazards.{hazard.rule}] to a model file passed with --model"
            )
        if rule.kind != hazard.kind:
            raise InputDataError(
                f"hazard {hazard.name!r}: the model expects {rule.kind} but "
                f"{hazard.path} is {hazard.kind}"
            )
        if hazard.kind == "zones":
            _check_zone_classes(hazard, rule)
    scenarios.plan_scenarios(hazards)


def _check_zone_classes(hazard: HazardInput, rule) -> None:
    """Every class in a zone layer must be in the model (before any work)."""
    for value in hazard.zones[hazard.field].drop_duplicates():
        try:
            rule.zone_severity(value)
        except InputDataError as exc:
            raise InputDataError(
                f"{hazard.path}: field {hazard.field!r}: {exc}"
            ) from None


def _keep_user_fields(inputs: AnalysisInputs) -> None:
    """Rename input fields that would clash with the columns riskmap adds, before
    any work (GeoPackage field names ignore case; see keep_user_fields)."""
    if inputs.points is not None:
        ours = [*POINT_FIELDS, *POINT_ADDED, *(h.name for h in inputs.hazards)]
        inputs.points = keep_user_fields(inputs.points, ours)
    if inputs.resources is not None:
        inputs.resources = keep_user_fields(inputs.resources, RESOURCE_FIELDS)


def _build_cells(inputs: AnalysisInputs, communities, crs) -> gpd.GeoDataFrame:
    """Fishnet over the communities, or the user's grid polygons."""
    if inputs.grid is not None:
        return grid_from_polygons(
            inputs.grid.to_crs(crs), communities, inputs.grid_id_field
        )
    return build_fishnet(communities, inputs.cell_size)


def _add_hazard(cells, points, hazard: HazardInput, model, crs, inputs) -> np.ndarray:
    """Add one hazard's columns to cells (and points); return its severity per cell."""
    rule = model.hazards[hazard.rule]
    if hazard.kind == "zones":
        return _add_zones(cells, points, hazard, rule, crs)
    _check_overlap(hazard, cells, crs)
    stats = _raster_stats(cells, hazard, rule, crs, inputs)
    cells[f"{hazard.name}_mean"] = stats.mean
    cells[f"{hazard.name}_max"] = stats.max
    cells[f"{hazard.name}_frac"] = stats.frac
    if points is not None:
        xy = np.column_stack([points.geometry.x, points.geometry.y])
        points[hazard.name] = sample_raster(hazard.raster, xy, crs)
    sev = rule.severity_of(stats.max if rule.statistic == "max" else stats.mean)
    cells[f"{hazard.name}_sev"] = sev
    return sev


def _raster_stats(cells, hazard, rule, crs, inputs) -> zonal.CellStats:
    """Exact statistics: rectangle path for full cells, polygon path for the rest."""
    cache_mb = max(int(inputs.budget_mb // 4), 8)
    with open_in_crs(hazard.raster, crs, rule.resampling, cache_mb) as reader:
        return zonal.cell_stats(
            reader, cells, inputs.cell_size, rule.threshold, inputs.budget_mb
        )


def _check_overlap(hazard: HazardInput, cells, crs) -> None:
    """A raster that misses every community is an input error, not a blank map."""
    r = hazard.raster
    west, south, east, north = transform_bounds(r.crs, crs, *r.bounds, densify_pts=21)
    minx, miny, maxx, maxy = cells.total_bounds
    if east <= minx or west >= maxx or north <= miny or south >= maxy:
        raise EmptyOverlapError(
            f"hazard {hazard.name!r}: raster {hazard.path} does not overlap the "
            f"communities (raster extent {r.bounds} in {describe_crs(r.crs)}); "
            "check that both layers cover the same place and carry the right CRS"
        )


def _add_zones(cells, points, hazard: HazardInput, rule, crs) -> np.ndarray:
    """Zone hazard: highest class touching each cell and its area share."""
    zones_w = hazard.zones.to_crs(crs)
    overlay = zones.overlay_cells(cells, zones_w, hazard.field, rule)
    cells[f"{hazard.name}_class"] = overlay.top_class
    cells[f"{hazard.name}_frac"] = overlay.top_frac
    for label in overlay.class_frac.columns:
        cells[f"{hazard.name}_frac_{label}"] = overlay.class_frac[label].to_numpy()
    if points is not None:
        points[hazard.name] = zones.classify_points(points, zones_w, hazard.field, rule)
    cells[f"{hazard.name}_sev"] = overlay.severity
    return overlay.severity


def _add_points_and_levels(
    cells, points, severities, model: RiskModel, hazards
) -> None:
    """Point counts and influence, the score parts, the score and the level
    (per return-period scenario too, by the model's level rule)."""
    effect = point_effect(cells, points, model)
    cells["points_n"] = effect.count
    for k in range(4):
        cells[f"points_l{k + 1}"] = effect.count_by_level[:, k]
    scenarios.grade_cells(cells, severities, hazards, effect.influence, model)
    levels = cells["level"].to_numpy()
    styles = [load_level_styles()[lv] for lv in (1, 2, 3, 4)]
    cells["level"] = levels
    for column, attr in (
        ("level_name", "name_zh"),
        ("level_name_en", "name_en"),
        ("color", "color"),
    ):
        cells[column] = np.array([getattr(st, attr) for st in styles])[levels - 1]
    if points is not None:
        idx = effect.cell_of_point
        ok = idx >= 0
        points["cell_id"] = np.where(
            ok, cells["cell_id"].to_numpy()[np.maximum(idx, 0)], None
        )
        points["community_id"] = np.where(
            ok, cells["community_id"].to_numpy()[np.maximum(idx, 0)], None
        )
        points["community"] = np.where(
            ok, cells["community"].to_numpy()[np.maximum(idx, 0)], None
        )
        points["radius_m"] = [model.point_rule(t).radius for t in points["type"]]


def _warn_points_outside(points: gpd.GeoDataFrame | None) -> None:
    """Say how many points lie in no community cell, and what happens to them."""
    if points is None or len(points) == 0:
        return
    outside = points["cell_id"].isna().to_numpy()
    if not outside.any():
        return
    first = ", ".join(str(p) for p in points["point_id"].to_numpy()[outside][:5])
    warnings.warn(
        f"{int(outside.sum())} of {len(points)} risk points lie outside every "
        f"community ({first}{' ...' if outside.sum() > 5 else ''}): they are left "
        "out of the cell and community counts (points field community is empty); "
        "check their coordinates or add their community",
        RiskmapWarning,
        stacklevel=3,
    )


def _flag_hazard_data(cells: gpd.GeoDataFrame, hazards: list[HazardInput]) -> None:
    """Mark cells that no hazard describes, and warn: their level rests on points.

    A cell outside every hazard raster's data (e.g. beyond the DEM) scores 0 for
    hazards, so without this flag it would look like a safe, low-risk cell.
    Zone layers count as data everywhere (outside a zone is "not in that zone").
    """
    known = np.zeros(len(cells), dtype=bool)
    for hazard in hazards:
        if hazard.kind == "zones":
            known[:] = True
        else:
            known |= cells[f"{hazard.name}_mean"].notna().to_numpy()
    cells["hazard_data"] = known
    missing = int((~known).sum())
    if hazards and missing:
        warnings.warn(
            f"{missing:,} of {len(cells):,} cells ({missing / len(cells):.1%}) lie "
            "outside every hazard raster's data; their level comes from risk points "
            "only (cells field hazard_data = false; 无灾害数据)",
            RiskmapWarning,
            stacklevel=3,
        )


def summarise_communities(communities, cells, points) -> gpd.GeoDataFrame:
    """Cells, area and points per level, and the highest level, per community."""
    out = communities[["community_id", "community", "geometry"]].copy()
    grouped = cells.groupby(["community_id", "level"])
    counts = (
        grouped.size().unstack(fill_value=0).reindex(columns=[1, 2, 3, 4], fill_value=0)
    )
    areas = (
        grouped["area_m2"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=[1, 2, 3, 4], fill_value=0.0)
    )
    out = out.set_index("community_id")
    out["cells_n"] = counts.sum(axis=1).reindex(out.index).fillna(0).astype(int)
    for lv in (1, 2, 3, 4):
        out[f"cells_l{lv}"] = counts[lv].reindex(out.index).fillna(0).astype(int)
        out[f"area_l{lv}_m2"] = areas[lv].reindex(out.index).fillna(0.0)
    out["area_m2"] = cells.groupby("community_id")["area_m2"].sum().reindex(out.index)
    out["max_level"] = cells.groupby("community_id")["level"].min().reindex(out.index)
    if "hazard_data" in cells:
        no_data = (~cells["hazard_data"]).groupby(cells["community_id"]).sum()
        out["cells_no_hazard_data"] = no_data.reindex(out.index).fillna(0).astype(int)
    _count_points(out, points)
    return out.reset_index()


def _count_points(out: pd.DataFrame, points) -> None:
    """Points per level per community (points outside every community not counted)."""
    for lv in (1, 2, 3, 4):
        out[f"points_l{lv}"] = 0
    out["points_n"] = 0
    if points is None or len(points) == 0:
        return
    inside = points[points["community_id"].notna()]
    table = inside.groupby(["community_id", "level"]).size().unstack(fill_value=0)
    for lv in (1, 2, 3, 4):
        if lv in table.columns:
            out[f"points_l{lv}"] = table[lv].reindex(out.index).fillna(0).astype(int)
    out["points_n"] = sum(out[f"points_l{lv}"] for lv in (1, 2, 3, 4))


def _run_info(
    inputs: AnalysisInputs, model: RiskModel, crs: CRS, cells
) -> dict[str, Any]:
    """Metadata that exporters print on maps: model, CRS, hazards, date."""
    hazards = [
        {
            "name": h.name,
            "kind": h.kind,
            "path": str(h.path.resolve()),
            "field": h.field,
            "rule": h.rule,
            "return_period": h.return_period,
            "label_zh": _scenario_label(model.hazards[h.rule].label_zh, h, "zh"),
            "label_en": _scenario_label(model.hazards[h.rule].label_en, h, "en"),
            "unit": model.hazards[h.rule].unit,
            "resampling": model.hazards[h.rule].resampling,
            # the CRS compute read the raster in (its own, or --assume-crs)
            "crs": h.raster.crs.to_wkt() if h.raster is not None else None,
        }
        for h in inputs.hazards
    ]
    plan = scenarios.plan_scenarios(inputs.hazards)
    return {
        "riskmap_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "crs": crs.to_wkt(),
        "crs_name": describe_crs(crs),
        "cell_size_m": inputs.cell_size if inputs.grid is None else None,
        "grid": "user" if inputs.grid is not None else "fishnet",
        "cells_n": len(cells),
        "model_name": model.name,
        "model_source": model.source,
        "model_summary_zh": f"{model.summary('zh')}；{model.rule_summary('zh')}",
        "model_summary_en": f"{model.summary('en')}; {model.rule_summary('en')}",
        "level_rule": model.level_rule,
        "level_rule_zh": model.rule_summary("zh"),
        "level_rule_en": model.rule_summary("en"),
        "return_periods": list(plan.periods),
        "affected_level": model.affected_level,
        "exposure": exp.exposure_fields(cells),
        "exposure_sources": (
            inputs.exposure.source if inputs.exposure is not None else None
        ),
        "hazards": hazards,
        "service_radius_m": (
            None if inputs.resources is None else service_radii(inputs.service_radius)
        ),
    }


def _scenario_label(label: str, hazard: HazardInput, lang: str) -> str:
    """A hazard's display name, with its return period for a scenario."""
    if hazard.return_period is None:
        return label
    years = f"{hazard.return_period:g}"
    return f"{label} ({years}-year)" if lang == "en" else f"{label}（{years}年一遇）"
