"""Split an analysis into partitions and compute one partition's cells.

A partition is a group of small communities, or a band of fishnet rows of a large
one, holding at most about ``max_cells`` cells. Every cell's numbers depend only
on the cell, the hazards and the nearby points, so partitions can be computed in
any order, in any process, and give the same cells as one whole run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from riskmap.core import exposure as exp
from riskmap.core import scenarios, zonal, zones
from riskmap.core.coverage import add_cell_coverage
from riskmap.core.drivers import cell_drivers
from riskmap.core.grid import cell_window, community_cells
from riskmap.core.points import point_effect
from riskmap.domain import GridSpec, HazardInfo, RiskLevel, load_level_styles
from riskmap.io.layers import HazardInput
from riskmap.io.rasters import open_in_crs
from riskmap.model import RiskModel

# Peak bytes per cell while a partition is computed (geometry, ids, ~40 columns,
# the Arrow batch written from them); measured on Bazhong at 100 m.
BYTES_PER_CELL = 4000
MIN_PARTITION_CELLS = 500


@dataclass(frozen=True)
class Partition:
    """Communities (positions in the working frame) and, for a band, its rows."""

    index: int
    name: str
    members: tuple[int, ...]
    rows: tuple[int, int] | None = None


@dataclass
class PartitionTask:
    """Everything one partition needs; picklable, so it can run in any process."""

    partition: Partition
    communities: gpd.GeoDataFrame  # the member communities, working CRS
    hazards: list[HazardInput]  # zone layers already in the working CRS
    model: RiskModel
    crs: CRS
    grid: GridSpec  # the run's fishnet lattice (or a user grid)
    budget_mb: float
    points: gpd.GeoDataFrame | None = None  # nearby points, with their "_pid"
    resources: gpd.GeoDataFrame | None = None
    radius: dict[str, float] = field(default_factory=dict)
    grid_cells: gpd.GeoDataFrame | None = None  # a user grid's cells, prebuilt
    exposure: exp.Exposure | None = None
    # turns the cells into what the output carries (e.g. an Arrow batch for the
    # writer), so the worker does that work too; None keeps the GeoDataFrame
    encode: Callable[[gpd.GeoDataFrame], Any] | None = None


@dataclass
class PartitionOutput:
    """One partition's cells, where its points fell, and its per-community totals."""

    index: int
    name: str
    cells: Any  # the cells GeoDataFrame, or what the task's encode made of it
    point_cells: pd.DataFrame  # _pid, cell_id, community_id, community
    totals: pd.DataFrame  # additive sums per community_id (see cell_totals)
    classes: pd.DataFrame  # exposure per hazard class (see exposure_by_class)
    n_cells: int
    columns: list[str]  # the cells' columns


def partition_cells(budget_mb: float, workers: int = 1) -> int:
    """Most cells per partition so *workers* partitions at once fit the budget."""
    cells = int(budget_mb * 2**20 / BYTES_PER_CELL / max(workers, 1))
    return max(cells, MIN_PARTITION_CELLS)


def plan_partitions(
    communities: gpd.GeoDataFrame, net: GridSpec, max_cells: int
) -> list[Partition]:
    """Group small communities and cut large ones into row bands of <= max_cells.

    Communities are taken tile by tile (square tiles of about *max_cells* cells,
    in input order within a tile) and a group never spans two tiles, so every
    partition covers a compact area: the raster blocks it reads and the level
    raster window it paints stay the size of a tile, however large the province.
    """
    plan: list[Partition] = []
    group: list[int] = []
    group_cells = 0
    names = communities["community"].astype(str).tolist()

    def close_group() -> None:
        nonlocal group, group_cells
        if group:
            label = names[group[0]] + (f" +{len(group) - 1}" if len(group) > 1 else "")
            plan.append(Partition(len(plan), label, tuple(group)))
        group, group_cells = [], 0

    geoms = communities.geometry.values
    tiles = _tiles(geoms, net, max_cells)
    tile = None
    for i in np.lexsort((np.arange(len(geoms)), tiles[:, 1], tiles[:, 0])):
        r0, r1, c0, c1 = cell_window(geoms[i].bounds, net)
        box_cells = (r1 - r0) * (c1 - c0)
        if box_cells > max_cells:
            close_group()
            band = max(max_cells // max(c1 - c0, 1), 1)
            starts = range(r0, r1, band)
            for k, start in enumerate(starts, start=1):
                rows = (start, min(start + band, r1))
                label = f"{names[i]} ({k}/{len(starts)})"
                plan.append(Partition(len(plan), label, (int(i),), rows))
            continue
        if group_cells + box_cells > max_cells or tuple(tiles[i]) != tile:
            close_group()
        tile = tuple(tiles[i])
        group.append(int(i))
        group_cells += box_cells
    close_group()
    return plan


def _tiles(geoms: np.ndarray, net: GridSpec, max_cells: int) -> np.ndarray:
    """(row, column) of the square tile of about *max_cells* cells holding the
    centre of each geometry's bounding box."""
    if len(geoms) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    bounds = shapely.bounds(geoms)
    side = np.sqrt(max_cells) * net.size
    x = (bounds[:, 0] + bounds[:, 2]) / 2
    y = (bounds[:, 1] + bounds[:, 3]) / 2
    return np.column_stack(
        [np.floor((net.y0 - y) / side), np.floor((x - net.x0) / side)]
    ).astype(np.int64)


def analyse_partition(task: PartitionTask) -> PartitionOutput:
    """Cells of one partition with exposure, hazards, points, levels and coverage."""
    part = task.partition
    cells = _partition_cells(task)
    if task.exposure is not None and not task.exposure.empty and len(cells):
        exp.add_exposure(cells, task.exposure, task.crs, task.grid, task.budget_mb)
    severities = {
        hazard.name: _add_hazard(cells, hazard, task) for hazard in task.hazards
    }
    point_cells, source = _add_points_and_levels(cells, task, severities)
    _add_level_names(cells)
    _flag_hazard_data(cells, task.hazards)
    rules = {h.name: h.rule for h in task.hazards}
    cells["driver"] = cell_drivers(
        cells, severities, task.points, source, task.model, rules
    )
    if task.resources is not None:
        add_cell_coverage(cells, task.resources, task.radius)
    periods = scenarios.plan_scenarios(task.hazards).periods
    totals = cell_totals(cells, periods, task.model.affected_level)
    classes = exp.exposure_by_class(cells, hazard_info(task.hazards, task.model))
    n_cells, columns = len(cells), list(cells.columns)
    if task.encode is not None:
        cells = task.encode(cells)
    return PartitionOutput(
        part.index, part.name, cells, point_cells, totals, classes, n_cells, columns
    )


def hazard_info(hazards: list[HazardInput], model: RiskModel) -> list[HazardInfo]:
    """What the result records of each hazard: its source, names, and the model's
    classes and ramp it was graded with (so maps draw it without the model)."""
    return [_hazard_info(h, model.hazards[h.rule]) for h in hazards]


def _hazard_info(h: HazardInput, rule) -> HazardInfo:
    """One hazard's HazardInfo."""
    return HazardInfo(
        name=h.name,
        kind=h.kind,
        path=str(h.path.resolve()),
        field=h.field,
        rule=h.rule,
        return_period=h.return_period,
        label_zh=_scenario_label(rule.label_zh, h, "zh"),
        label_en=_scenario_label(rule.label_en, h, "en"),
        unit=rule.unit,
        resampling=rule.resampling,
        # the CRS compute read the raster in (its own, or --assume-crs)
        crs=h.raster.crs.to_wkt() if h.raster is not None else None,
    ).graded_by(rule)


def _scenario_label(label: str, hazard: HazardInput, lang: str) -> str:
    """A hazard's display name, with its return period for a scenario."""
    if hazard.return_period is None:
        return label
    years = f"{hazard.return_period:g}"
    return f"{label} ({years}-year)" if lang == "en" else f"{label}（{years}年一遇）"


def _partition_cells(task: PartitionTask) -> gpd.GeoDataFrame:
    """The partition's fishnet cells (or its share of a user grid)."""
    if task.grid_cells is not None:
        return task.grid_cells.copy()
    frames = [
        community_cells(geom, cid, name, task.grid, task.partition.rows)
        for cid, name, geom in zip(
            task.communities["community_id"],
            task.communities["community"],
            task.communities.geometry.values,
            strict=True,
        )
    ]
    cells = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(cells, geometry="geometry", crs=task.crs)


def _add_hazard(cells, hazard: HazardInput, task: PartitionTask) -> np.ndarray:
    """Add one hazard's columns to the cells; return its severity per cell."""
    rule = task.model.hazards[hazard.rule]
    if hazard.kind == "zones":
        return _add_zones(cells, hazard, rule)
    stats = _raster_stats(cells, hazard, rule, task)
    cells[f"{hazard.name}_mean"] = stats.mean
    cells[f"{hazard.name}_max"] = stats.max
    cells[f"{hazard.name}_frac"] = stats.frac
    sev = rule.severity_of(stats.max if rule.statistic == "max" else stats.mean)
    cells[f"{hazard.name}_sev"] = sev
    return sev


def _raster_stats(cells, hazard, rule, task: PartitionTask) -> zonal.CellStats:
    """Exact statistics: rectangle path for full cells, polygon path for the rest."""
    if len(cells) == 0:
        return zonal.CellStats.empty(0)
    cache_mb = max(int(task.budget_mb // 4), 8)
    with open_in_crs(hazard.raster, task.crs, rule.resampling, cache_mb) as reader:
        return zonal.cell_stats(
            reader, cells, task.grid, rule.threshold, task.budget_mb
        )


def _add_zones(cells, hazard: HazardInput, rule) -> np.ndarray:
    """Zone hazard: highest class touching each cell and its area share."""
    assert hazard.field is not None  # a zone layer names its class field
    overlay = zones.overlay_cells(cells, hazard.zones, hazard.field, rule)
    cells[f"{hazard.name}_class"] = overlay.top_class
    cells[f"{hazard.name}_frac"] = overlay.top_frac
    for label in overlay.class_frac.columns:
        cells[f"{hazard.name}_frac_{label}"] = overlay.class_frac[label].to_numpy()
    cells[f"{hazard.name}_sev"] = overlay.severity
    if rule.likelihood_field:
        cells[f"{hazard.name}_likelihood"] = zones.zone_likelihood(
            cells, hazard.zones, rule.likelihood_field, hazard.path
        )
    return overlay.severity


def _add_points_and_levels(
    cells, task: PartitionTask, severities
) -> tuple[pd.DataFrame, np.ndarray]:
    """Point counts and influence, the score parts, the score and the level
    (per return-period scenario too, by the model's level rule).

    Returns the cell each point of the partition lies in (by the point's ``_pid``)
    and, per cell, the point that gives its points part (-1 for none).
    """
    points = task.points
    effect = point_effect(cells, points, task.model)
    cells["points_n"] = effect.count
    for k in range(4):
        cells[f"points_l{k + 1}"] = effect.count_by_level[:, k]
    scenarios.grade_cells(
        cells, severities, task.hazards, effect.influence, task.model, effect.rated
    )
    columns = ["_pid", "cell_id", "community_id", "community"]
    if points is None or len(points) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return empty, effect.source
    idx = effect.cell_of_point
    ok = idx >= 0
    found = cells.iloc[idx[ok]]
    placed = pd.DataFrame(
        {
            "_pid": points["_pid"].to_numpy()[ok],
            "cell_id": found["cell_id"].to_numpy(),
            "community_id": found["community_id"].to_numpy(),
            "community": found["community"].to_numpy(),
        }
    )
    return placed, effect.source


def _add_level_names(cells) -> None:
    """The level's Chinese and English name and its colour, per cell."""
    levels = cells["level"].to_numpy().astype(int)
    styles = [load_level_styles()[level] for level in RiskLevel]
    for column, attr in (
        ("level_name", "name_zh"),
        ("level_name_en", "name_en"),
        ("color", "color"),
    ):
        names = np.array([getattr(st, attr) for st in styles], dtype=object)
        cells[column] = names[levels - 1] if len(levels) else np.empty(0, object)


def _flag_hazard_data(cells: gpd.GeoDataFrame, hazards: list[HazardInput]) -> None:
    """Mark cells that no hazard describes: their level rests on points only.

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


# totals every partition gives; anything else (exposure sums) is added after them
BASE_TOTALS = (
    *(f"cells_l{lv}" for lv in (1, 2, 3, 4)),
    *(f"area_l{lv}_m2" for lv in (1, 2, 3, 4)),
    "cells_n",
    "area_m2",
    "cells_no_hazard_data",
    "cells_uncovered",
    "cells_red_orange",
    "cells_red_orange_uncovered",
    "max_level",
)


def cell_totals(
    cells: pd.DataFrame, periods: tuple[float, ...], affected_level: int
) -> pd.DataFrame:
    """Per-community sums that add up across partitions, and the highest level.

    Exposure and annual-exposure sums come from the same functions that fill the
    community summary, run on this partition's cells.
    """
    level = cells["level"].to_numpy()
    frame = pd.DataFrame({"community_id": cells["community_id"].astype(str)})
    for lv in (1, 2, 3, 4):
        frame[f"cells_l{lv}"] = (level == lv).astype(int)
        frame[f"area_l{lv}_m2"] = np.where(level == lv, cells["area_m2"], 0.0)
    frame["cells_n"] = 1
    frame["area_m2"] = cells["area_m2"].to_numpy(dtype=float)
    frame["cells_no_hazard_data"] = (~cells["hazard_data"].to_numpy(bool)).astype(int)
    if "shelter_covered" in cells:
        uncovered = ~cells["shelter_covered"].to_numpy(dtype=bool)
        red_orange = np.isin(level, (1, 2))
        frame["cells_uncovered"] = uncovered.astype(int)
        frame["cells_red_orange"] = red_orange.astype(int)
        frame["cells_red_orange_uncovered"] = (uncovered & red_orange).astype(int)
    frame["max_level"] = level
    sums = [c for c in frame.columns if c not in ("community_id", "max_level")]
    totals = frame.groupby("community_id").agg(
        {**dict.fromkeys(sums, "sum"), "max_level": "min"}
    )
    extra = pd.DataFrame({"community_id": totals.index.to_numpy()})
    exp.summarise_exposure(extra, cells)
    scenarios.summarise_annual(extra, cells, periods, affected_level)
    extra = extra.set_index("community_id")
    return totals.join(extra) if len(extra.columns) else totals


def merge_totals(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up the per-community totals of several partitions."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames)
    sums = [c for c in frame.columns if c != "max_level"]
    return frame.groupby(level=0).agg(
        {**dict.fromkeys(sums, "sum"), "max_level": "min"}
    )


CLASS_KEYS = ["community_id", "community", "hazard", "hazard_label", "return_period"]


def merge_classes(parts: list[pd.DataFrame]) -> pd.DataFrame | None:
    """Add up the exposure-by-class tables of several partitions (None if empty)."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True)
    keys = [*CLASS_KEYS, "class"]
    return frame.groupby(keys, sort=True, dropna=False).sum().reset_index()
