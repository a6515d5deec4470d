"""run_analysis(): communities + hazards + points -> a risk level for every cell."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator
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
from riskmap.core import scenarios, zones
from riskmap.core.coverage import (
    Population,
    coverage_polygons,
    population_per_community,
    service_radii,
    summarise_coverage,
)
from riskmap.core.engine import auto_workers, run_partitions
from riskmap.core.grid import (
    cell_window,
    check_cell_budget,
    check_cell_size,
    estimate_cells,
    grid_from_polygons,
)
from riskmap.core.partition import (
    BASE_TOTALS,
    Partition,
    PartitionOutput,
    PartitionTask,
    hazard_info,
    merge_classes,
    merge_totals,
    partition_cells,
    plan_partitions,
)
from riskmap.domain import GridSpec, ModelInfo, RiskResult, RunInfo
from riskmap.errors import EmptyOverlapError, InputDataError, RiskmapWarning
from riskmap.io.crs import choose_working_crs, describe_crs
from riskmap.io.layers import (
    POINT_ADDED,
    POINT_FIELDS,
    RESOURCE_FIELDS,
    HazardInput,
    keep_user_fields,
)
from riskmap.io.rasters import sample_raster
from riskmap.model import RiskModel
from riskmap.progress import ProgressCallback

Encode = Callable[[gpd.GeoDataFrame], Any]
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
    workers: int | None = 1  # local processes computing partitions; None: auto
    scheduler: str | None = None  # a Dask scheduler address, e.g. tcp://host:8786


def run_analysis(
    inputs: AnalysisInputs, model: RiskModel, progress: ProgressCallback | None = None
) -> RiskResult:
    """Compute the risk level of every cell of every community, in memory."""
    run = AnalysisRun(inputs, model, progress)
    if run.grid_cells is None:  # every cell is held at once: the budget applies
        check_cell_budget(run.cells_estimate, inputs.cell_size, inputs.budget_mb)
    frames = [out.cells for out in run.outputs()]
    cells = pd.concat(frames, ignore_index=True) if frames else None
    cells = gpd.GeoDataFrame(cells, geometry="geometry", crs=run.crs)
    return run.finish(cells)


class AnalysisRun:
    """One analysis, computed partition by partition (see ``riskmap.core.partition``).

    ``outputs()`` yields each partition's cells as it finishes; ``finish()`` then
    builds the community summary, places the points and returns the result. A
    caller that writes cells as they come (``riskmap compute``) never holds more
    than a few partitions in memory.
    """

    def __init__(
        self,
        inputs: AnalysisInputs,
        model: RiskModel,
        progress: ProgressCallback | None = None,
    ):
        self.inputs, self.model = inputs, model
        self.report = progress or (lambda *_: None)
        check_options(inputs.cell_size, inputs.budget_mb)
        _check_hazards(inputs.hazards, model)
        _keep_user_fields(inputs)
        self.crs = inputs.crs or choose_working_crs(inputs.communities)
        if not self.crs.is_projected:
            raise InputDataError(
                f"--crs {describe_crs(self.crs)} is in degrees; cells and radii need "
                "metres: give a projected CRS (e.g. EPSG:4545) or leave --crs out"
            )
        self.communities = inputs.communities.to_crs(self.crs).reset_index(drop=True)
        self.grid = run_grid(self.communities, inputs, self.crs)
        if inputs.grid is None:
            self.cells_estimate = estimate_cells(self.communities, inputs.cell_size)
            # cells are streamed partition by partition: only the hard cap applies
            check_cell_budget(self.cells_estimate, inputs.cell_size, None)
        for hazard in inputs.hazards:
            if hazard.kind == "raster":
                _check_overlap(hazard, self.communities, self.crs)
        self.hazards = [_in_crs(h, self.crs) for h in inputs.hazards]
        self.points = _prepare_points(inputs.points, self.hazards, model, self.crs)
        self.resources = (
            inputs.resources.to_crs(self.crs) if inputs.resources is not None else None
        )
        self.grid_cells = (
            grid_from_polygons(
                inputs.grid.to_crs(self.crs), self.communities, inputs.grid_id_field
            )
            if inputs.grid is not None
            else None
        )
        if self.grid_cells is not None:
            self.cells_estimate = len(self.grid_cells)
        self.exposure = _exposure_in_crs(inputs.exposure, self.crs)
        self.workers = self._workers()
        self.plan = self._plan()
        self.totals: list[pd.DataFrame] = []
        self.classes: list[pd.DataFrame] = []
        self.columns: list[str] = []
        self.point_cells: list[pd.DataFrame] = []
        self.cells_n = 0

    def _workers(self) -> int:
        """The local processes to use: as asked, or (None) by the run's size."""
        if self.inputs.workers is not None:
            return self.inputs.workers
        if self.inputs.scheduler or self.grid_cells is not None:
            return 1  # a cluster does the work / a user grid is one partition
        return auto_workers(self.cells_estimate)

    def _plan(self) -> list[Partition]:
        """The partitions: one for a user grid, else by community and row band."""
        if self.grid_cells is not None:
            members = tuple(range(len(self.communities)))
            return [Partition(0, "grid", members)]
        limit = partition_cells(self.inputs.budget_mb, self.workers)
        return plan_partitions(self.communities, self.grid, limit)

    def tasks(self, encode: Encode | None = None) -> Iterator[PartitionTask]:
        """One task per partition, built only when it is about to run."""
        for part in self.plan:
            members = self.communities.iloc[list(part.members)]
            yield PartitionTask(
                partition=part,
                communities=members,
                hazards=self.hazards,
                model=self.model,
                crs=self.crs,
                grid=self.grid,
                budget_mb=self.inputs.budget_mb / self.workers,
                points=_points_near(self.points, members, part, self.grid, self.model),
                resources=self.resources,
                radius=service_radii(self.inputs.service_radius),
                grid_cells=self.grid_cells,
                exposure=self.exposure,
                encode=encode,
            )

    def outputs(self, encode: Encode | None = None) -> Iterator[PartitionOutput]:
        """Compute the partitions; yield each one's output as it finishes.

        With *encode* (a picklable function of the cells) each output carries
        ``encode(cells)`` instead of the cells, made where the partition ran.
        """
        total = len(self.plan)
        where = describe_crs(self.crs)
        self.report(
            0,
            total,
            f"{total} partition(s), about {self.cells_estimate:,} cells in {where}"
            + (f", {self.workers} processes" if self.workers > 1 else ""),
        )
        runs = run_partitions(self.tasks(encode), self.workers, self.inputs.scheduler)
        for done, out in enumerate(runs, start=1):
            self.totals.append(out.totals)
            self.classes.append(out.classes)
            self.columns = self.columns or out.columns
            self.point_cells.append(out.point_cells.assign(_part=out.index))
            self.cells_n += out.n_cells
            self.report(done, total, f"{out.name}: {out.n_cells:,} cells")
            yield out

    def finish(self, cells: gpd.GeoDataFrame | None = None) -> RiskResult:
        """Summary, points and run metadata once every partition is done."""
        if self.cells_n == 0:
            raise EmptyOverlapError(
                "the communities produced no grid cells; are they empty?"
            )
        totals = merge_totals(self.totals)
        _warn_no_hazard_data(totals, self.inputs.hazards, self.cells_n)
        points = _place_points(
            self.points, self.point_cells, self.model, self.communities["community_id"]
        )
        _warn_points_outside(points)
        summary = summarise_communities(self.communities, totals, points)
        coverage = self._coverage(summary, totals)
        _add_extra_totals(summary, totals)
        info = _run_info(self, self.columns)
        classes = merge_classes(self.classes)
        if cells is None:
            cells = gpd.GeoDataFrame(geometry=[], crs=self.crs)
        return RiskResult(
            cells, summary, points, info, self.resources, coverage, classes
        )

    def _coverage(self, summary, totals) -> gpd.GeoDataFrame | None:
        """The coverage layer and summary fields when resources were given."""
        if self.resources is None:
            if self.inputs.population is not None:
                warnings.warn(
                    "population is only used by the emergency-resource coverage; "
                    "give --resources too, or leave out --population",
                    RiskmapWarning,
                    stacklevel=3,
                )
            return None
        radius = service_radii(self.inputs.service_radius)
        coverage = coverage_polygons(summary, self.resources, radius)
        population = self.inputs.population
        if population is None and "people" in totals:
            population = totals["people"]  # the exposure's people per community
        people = population_per_community(self.communities, population)
        summarise_coverage(summary, totals, self.resources, coverage, people)
        return coverage


def _exposure_in_crs(exposure: exp.Exposure | None, crs: CRS) -> exp.Exposure | None:
    """The exposure with its buildings (if any) already in the working CRS."""
    if exposure is None or exposure.buildings is None:
        return exposure
    return dataclasses.replace(exposure, buildings=exposure.buildings.to_crs(crs))


def _add_extra_totals(summary: gpd.GeoDataFrame, totals: pd.DataFrame) -> None:
    """Exposure and annual-exposure sums per community, after the coverage fields."""
    ids = summary["community_id"].astype(str)
    for column in totals.columns:
        if column not in BASE_TOTALS:
            summary[column] = ids.map(totals[column]).fillna(0.0).to_numpy()


def _in_crs(hazard: HazardInput, crs: CRS) -> HazardInput:
    """The hazard with its zone polygons (if any) already in the working CRS."""
    if hazard.zones is None:  # a raster
        return hazard
    return dataclasses.replace(hazard, zones=hazard.zones.to_crs(crs))


def _prepare_points(points, hazards, model: RiskModel, crs) -> gpd.GeoDataFrame | None:
    """Points in the working CRS with each hazard's value or class, and an id."""
    if points is None:
        return None
    points = points.to_crs(crs)
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    for hazard in hazards:
        if hazard.kind == "zones":
            rule = model.hazards[hazard.rule]
            points[hazard.name] = zones.classify_points(
                points, hazard.zones, hazard.field, rule
            )
        else:
            points[hazard.name] = sample_raster(hazard.raster, xy, crs)
    points["_pid"] = np.arange(len(points))
    return points


def _points_near(points, members, part: Partition, net: GridSpec, model) -> object:
    """The points that can touch the partition's cells (within the largest radius)."""
    if points is None or len(points) == 0:
        return points
    reach = max(model.point_rule(t).radius for t in points["type"])
    minx, miny, maxx, maxy = members.total_bounds
    if part.rows is not None:
        maxy = min(maxy, net.y0 - part.rows[0] * net.size)
        miny = max(miny, net.y0 - part.rows[1] * net.size)
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    near = (
        (x >= minx - reach)
        & (x <= maxx + reach)
        & (y >= miny - reach)
        & (y <= maxy + reach)
    )
    return points[near]


def _place_points(points, found: list[pd.DataFrame], model: RiskModel, ids):
    """Each point's cell and community: on a shared edge the first community's
    (in the order of *ids*, the input order), whatever order partitions ran in."""
    if points is None:
        return None
    table = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    points = points.copy()
    for column in ("cell_id", "community_id", "community"):
        points[column] = None
    if len(table):
        position = pd.Series(np.arange(len(ids)), index=ids.astype(str).to_numpy())
        position = position[~position.index.duplicated()]
        table["_pos"] = table["community_id"].astype(str).map(position)
        table = table.sort_values(["_pos", "_part"], kind="stable")
        table = table.drop_duplicates("_pid")
        table = table.set_index("_pid")
        for column in ("cell_id", "community_id", "community"):
            values = points["_pid"].map(table[column]).to_numpy(dtype=object)
            values[pd.isna(values)] = None
            points[column] = values
    points["radius_m"] = [model.point_rule(t).radius for t in points["type"]]
    return points.drop(columns="_pid")


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
    assert hazard.zones is not None  # a zone layer has polygons
    assert hazard.field is not None  # and names its class field
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


def _check_overlap(hazard: HazardInput, cells, crs) -> None:
    """A raster that misses every community is an input error, not a blank map."""
    r = hazard.raster
    assert r is not None  # called for rasters only
    west, south, east, north = transform_bounds(r.crs, crs, *r.bounds, densify_pts=21)
    minx, miny, maxx, maxy = cells.total_bounds
    if east <= minx or west >= maxx or north <= miny or south >= maxy:
        raise EmptyOverlapError(
            f"hazard {hazard.name!r}: raster {hazard.path} does not overlap the "
            f"communities (raster extent {r.bounds} in {describe_crs(r.crs)}); "
            "check that both layers cover the same place and carry the right CRS"
        )


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
        stacklevel=4,
    )


def _warn_no_hazard_data(totals, hazards: list[HazardInput], cells_n: int) -> None:
    """Warn about cells no hazard describes: their level rests on points only."""
    missing = int(totals["cells_no_hazard_data"].sum()) if len(totals) else 0
    if hazards and missing:
        warnings.warn(
            f"{missing:,} of {cells_n:,} cells ({missing / cells_n:.1%}) lie "
            "outside every hazard raster's data; their level comes from risk points "
            "only (cells field hazard_data = false; 无灾害数据)",
            RiskmapWarning,
            stacklevel=4,
        )


def summarise_communities(
    communities, totals: pd.DataFrame, points
) -> gpd.GeoDataFrame:
    """Cells, area and points per level, and the highest level, per community.

    *totals* are the per-community sums of :func:`riskmap.core.partition.cell_totals`.
    """
    out = communities[["community_id", "community", "geometry"]].copy()
    out = out.set_index("community_id")
    ids = out.index.astype(str)

    def total(column: str, kind=int) -> np.ndarray:
        if column not in totals:
            return np.zeros(len(out), dtype=kind)
        return totals[column].reindex(ids).fillna(0).to_numpy().astype(kind)

    out["cells_n"] = total("cells_n")
    for lv in (1, 2, 3, 4):
        out[f"cells_l{lv}"] = total(f"cells_l{lv}")
        out[f"area_l{lv}_m2"] = total(f"area_l{lv}_m2", float)
    out["area_m2"] = (
        totals["area_m2"].reindex(ids).to_numpy() if len(totals) else np.nan
    )
    out["max_level"] = (
        totals["max_level"].reindex(ids).to_numpy() if len(totals) else np.nan
    )
    out["cells_no_hazard_data"] = total("cells_no_hazard_data")
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


def run_grid(
    communities: gpd.GeoDataFrame, inputs: AnalysisInputs, crs: CRS
) -> GridSpec:
    """The run's grid: the fishnet lattice over the communities (in the working
    CRS), or a user grid. Every part of riskmap that places cells uses this one."""
    if inputs.grid is not None:
        return GridSpec(0.0, crs=crs.to_wkt(), kind="user")
    lattice = GridSpec(float(inputs.cell_size), crs=crs.to_wkt())
    window = cell_window(communities.total_bounds, lattice)
    return dataclasses.replace(lattice, window=window)


def _run_info(run: AnalysisRun, columns: list[str]) -> RunInfo:
    """Metadata that exporters draw from: grid, model, hazards, CRS, date."""
    inputs, model = run.inputs, run.model
    plan = scenarios.plan_scenarios(inputs.hazards)
    return RunInfo(
        crs=run.crs.to_wkt(),
        grid=run.grid,
        model=ModelInfo.of(model),
        hazards=tuple(hazard_info(inputs.hazards, model)),
        riskmap_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        crs_name=describe_crs(run.crs),
        cells_n=run.cells_n,
        return_periods=tuple(plan.periods),
        exposure=tuple(exp.exposure_fields(pd.DataFrame(columns=columns))),
        exposure_sources=(
            inputs.exposure.source if inputs.exposure is not None else None
        ),
        service_radius_m=(
            None if inputs.resources is None else service_radii(inputs.service_radius)
        ),
    )
