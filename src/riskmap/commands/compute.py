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
from riskmap.core.pipeline import AnalysisInputs, check_options, run_analysis
from riskmap.domain import RiskResult
from riskmap.export.gpkg import write_result
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
from riskmap.model import load_model
from riskmap.progress import StderrProgress


def register(sub: argparse._SubParsersAction) -> None:
    """Add the compute sub-command."""
    p = sub.add_parser(
        "compute",
        help="compute a risk level for every grid cell (计算网格风险等级)",
        description="Overlay communities, hazards and risk points; write RESULT.gpkg.",
    )
    add_input_arguments(p)
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
        help="riskmap project: communities, hazards, model and points (options win)",
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
        default=256.0,
        help="memory budget for raster blocks (default 256)",
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
    )
    return inputs, model


def compute(args: argparse.Namespace) -> RiskResult:
    """Run the analysis described by *args* and write its GeoPackage."""
    inputs, model = inputs_from_args(args)
    result = run_analysis(inputs, model, StderrProgress("compute", quiet=args.quiet))
    write_result(result, args.out)
    return result


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap compute``."""
    result = compute(args)
    if not args.quiet:
        print(summary_line(result, args.out))
    return 0


def summary_line(result: RiskResult, out: Path) -> str:
    """One line: cells per level and where the result went."""
    counts = result.cells["level"].value_counts()
    per_level = ", ".join(f"L{lv}={int(counts.get(lv, 0))}" for lv in (1, 2, 3, 4))
    line = f"{len(result.cells):,} cells ({per_level}) -> {out}"
    if "people" in result.cells:
        people = result.cells.groupby("level")["people"].sum()
        parts = ", ".join(f"L{lv}={people.get(lv, 0.0):,.0f}" for lv in (1, 2, 3, 4))
        line += f"\npeople per level (各级风险网格人口): {parts}"
    if "eae_people" in result.cells:
        line += (
            f"\nexpected annual exposed people (年均期望受影响人口): "
            f"{result.cells['eae_people'].sum():,.1f}"
        )
    return line
