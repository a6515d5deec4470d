"""``riskmap compute``: load inputs, run the risk engine, write RESULT.gpkg."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmap.commands.project import (
    apply_project,
    location,
    project_communities,
    project_points,
)
from riskmap.core.coverage import parse_service_radius
from riskmap.core.exposure import load_exposure
from riskmap.core.pipeline import AnalysisInputs, AnalysisRun, check_options
from riskmap.domain import RiskResult
from riskmap.errors import InputDataError
from riskmap.export.result_stream import CELLS_MODES, write_streamed
from riskmap.io.chinacoords import parse_coords_option
from riskmap.io.crs import parse_assume_crs, parse_crs, study_box
from riskmap.io.layers import (
    load_communities,
    load_grid,
    load_hazard,
    load_points,
    load_resources,
    parse_hazard_arg,
)
from riskmap.io.result import read_result
from riskmap.model import load_model
from riskmap.progress import StderrProgress
from riskmap.registry import Project
from riskmap.registry.thumbnails import live_photo_thumbnails


def register(sub: argparse._SubParsersAction) -> None:
    """Add the compute sub-command."""
    p = sub.add_parser(
        "compute",
        help="compute a risk level for every grid cell (计算网格风险等级)",
        description="Overlay communities, hazards and risk points; write RESULT.gpkg.",
    )
    add_input_arguments(p)
    p.add_argument(
        "--cells",
        choices=CELLS_MODES,
        help="whole fishnet cells as polygons, as the level raster "
        "RESULT_cells_level.tif, or both (default: both below 2 million cells, "
        "raster above)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="compute partitions in N local processes (default 1)",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="compute partitions on a Dask distributed cluster; every worker "
        "must read the inputs at the same paths (a shared folder or a URL)",
    )
    p.add_argument("--out", required=True, type=Path, help="output RESULT.gpkg")
    p.set_defaults(func=run)


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """Options naming the analysis inputs (shared with other commands)."""
    p.add_argument(
        "--communities",
        type=Path,
        help="community boundary polygons (GeoPackage, Shapefile, GeoJSON)",
    )
    p.add_argument(
        "--project",
        type=location,
        help="riskmap project: communities, hazards, model, resources and points "
        "(options win)",
    )
    p.add_argument(
        "--id-field", help="community id field (default: community_id/id/code)"
    )
    p.add_argument("--name-field", help="community name field (default: name/名称)")
    p.add_argument(
        "--hazard",
        action="append",
        default=[],
        metavar="NAME[@YEARS]=PATH[:FIELD]",
        help="hazard raster, or zone polygons with their class field; repeat; "
        "NAME@YEARS for a return-period scenario (flood@100=d100.tif)",
    )
    p.add_argument(
        "--exposure",
        action="append",
        default=[],
        metavar="KIND=PATH",
        help="people and homes at risk: population=RASTER|TABLE, "
        "buildings=PATH[:HOUSEHOLDS_FIELD], weight=RASTER (spreads a table); repeat",
    )
    p.add_argument(
        "--points", type=Path, help="registered risk points (any vector or CSV/XLSX)"
    )
    p.add_argument(
        "--points-coords",
        metavar="SYSTEM",
        help="coordinates of --points/--resources tables: wgs84 (default) | cgcs2000"
        " | gcj02 (AMap/Tencent) | bd09 (Baidu) | EPSG:XXXX",
    )
    p.add_argument(
        "--resources",
        type=Path,
        help="emergency resources: shelters (with capacity), depots, medical points",
    )
    p.add_argument(
        "--service-radius",
        action="append",
        default=[],
        metavar="TYPE=METRES",
        help="service radius of shelter/depot/medical (default 500 m each); repeat",
    )
    p.add_argument(
        "--population",
        type=Path,
        help="population per community: CSV/XLSX (community_id, population) or raster",
    )
    grid = p.add_mutually_exclusive_group()
    grid.add_argument(
        "--cell-size",
        type=float,
        default=100.0,
        help="fishnet cell size in metres (default 100)",
    )
    grid.add_argument(
        "--grid", type=Path, help="management-grid polygons to use as cells"
    )
    p.add_argument("--grid-id-field", help="cell id field of --grid (e.g. 网格编码)")
    p.add_argument(
        "--model", type=Path, help="risk model TOML (default: the bundled model)"
    )
    p.add_argument(
        "--crs", help="working CRS, e.g. EPSG:4545 (default: chosen automatically)"
    )
    p.add_argument(
        "--assume-crs", help="CRS for input layers that carry none (e.g. an ASCII grid)"
    )
    p.add_argument(
        "--memory-mb",
        type=float,
        default=1024.0,
        help="peak memory budget: sets partition and raster block sizes (default 1024)",
    )


def compute_args(**values: object) -> argparse.Namespace:
    """Compute's arguments with every option at its CLI default, then *values*.

    The demo and the GUI build their runs with this, so they stay in step with
    the command's options.
    """
    parser = argparse.ArgumentParser(add_help=False)
    add_input_arguments(parser)
    defaults = {a.dest: a.default for a in parser._actions}
    return argparse.Namespace(**{**defaults, "quiet": False, **values})


def inputs_from_args(args: argparse.Namespace) -> tuple[AnalysisInputs, object]:
    """Load and validate every input named by *args*."""
    check_options(args.cell_size, args.memory_mb)
    assume = parse_assume_crs(args.assume_crs) if args.assume_crs else None
    coords = parse_coords_option(args.points_coords) if args.points_coords else None
    project = apply_project(args)
    model = load_model(args.model)
    communities = (
        project_communities(project)
        if project and not args.communities
        else load_communities(args.communities, args.id_field, args.name_field, assume)
    )
    box = study_box(communities)
    hazards = [load_hazard(parse_hazard_arg(h), assume) for h in args.hazard]
    points = (
        load_points(args.points, model, coords, assume=assume, box=box)
        if args.points
        else None
    )
    if project:
        with project, project.errors():
            points = points if args.points else project_points(project, model)
    grid = load_grid(args.grid, assume) if args.grid else None
    resources = (
        load_resources(args.resources, coords, assume=assume, box=box)
        if args.resources
        else None
    )
    inputs = AnalysisInputs(
        communities=communities,
        hazards=hazards,
        points=points,
        cell_size=args.cell_size,
        grid=grid,
        grid_id_field=args.grid_id_field,
        crs=parse_crs(args.crs) if args.crs else None,
        budget_mb=args.memory_mb,
        resources=resources,
        service_radius=parse_service_radius(args.service_radius),
        population=args.population,
        exposure=load_exposure(args.exposure, communities, assume),
        workers=_workers(getattr(args, "workers", 1)),
        scheduler=getattr(args, "scheduler", None),
    )
    return inputs, model


def _workers(value: int) -> int:
    """--workers must be at least 1."""
    if value < 1:
        raise InputDataError(f"--workers must be 1 or more, got {value}")
    return value


def compute(args: argparse.Namespace) -> RiskResult:
    """Run the analysis described by *args*, write it, and read it back whole."""
    compute_to_file(args)
    return read_result(args.out)


def compute_to_file(args: argparse.Namespace) -> RiskResult:
    """Run the analysis partition by partition, writing cells as they come.

    The returned result has the summary, points and metadata but no cells, so
    memory stays bounded however many cells there are.
    """
    inputs, model = inputs_from_args(args)
    run = AnalysisRun(inputs, model, StderrProgress("compute", quiet=args.quiet))
    photos = project_photos(args)
    return write_streamed(run, args.out, getattr(args, "cells", None), photos)


def project_photos(args: argparse.Namespace):
    """Thumbnails of the ledger's photos when the points come from --project."""
    if args.project is None or args.points:
        return None
    project = Project.open(args.project)
    with project, project.errors():
        return live_photo_thumbnails(project)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap compute``."""
    result = compute_to_file(args)
    if not args.quiet:
        print(summary_line(result, args.out))
    return 0


def summary_line(result: RiskResult, out: Path) -> str:
    """One line: cells per level and where the result went."""
    table = result.communities
    counts = {lv: int(table[f"cells_l{lv}"].sum()) for lv in (1, 2, 3, 4)}
    per_level = ", ".join(f"L{lv}={counts[lv]}" for lv in (1, 2, 3, 4))
    line = f"{sum(counts.values()):,} cells ({per_level}) -> {out}"
    if "people" in table:
        parts = ", ".join(
            f"L{lv}={table[f'people_l{lv}'].sum():,.0f}" for lv in (1, 2, 3, 4)
        )
        line += f"\npeople per level (各级风险网格人口): {parts}"
    if "eae_people" in table:
        line += (
            f"\nexpected annual exposed people (年均期望受影响人口): "
            f"{table['eae_people'].sum():,.1f}"
        )
    return line
