"""``riskmap compute``: load inputs, run the risk engine, write RESULT.gpkg."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.choices import CELLS_MODES
from riskmap.commands.project import location
from riskmap.io.request import AnalysisRequest
from riskmap.progress import StderrProgress

if TYPE_CHECKING:
    from riskmap.domain import RiskResult


DEFAULTS = AnalysisRequest()


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
        default=DEFAULTS.workers,
        help="compute partitions in N local processes (default: 2 where two "
        "CPUs are free and the run has over 200,000 cells, else 1)",
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
        default=DEFAULTS.cell_size,
        help=f"fishnet cell size in metres (default {DEFAULTS.cell_size:g})",
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
        default=DEFAULTS.memory_mb,
        help="peak memory budget: sets partition and raster block sizes "
        f"(default {DEFAULTS.memory_mb:g})",
    )


def compute(
    request: AnalysisRequest, out: Path, *, cells: str | None = None, quiet: bool = True
) -> RiskResult:
    """Run the analysis *request* describes, write *out*, and read it back whole."""
    from riskmap.io.result import read_result

    compute_to_file(request, out, cells=cells, quiet=quiet)
    return read_result(out)


def compute_to_file(
    request: AnalysisRequest, out: Path, *, cells: str | None = None, quiet: bool = True
) -> RiskResult:
    """Run the analysis partition by partition, writing cells as they come.

    The returned result has the summary, points and metadata but no cells, so
    memory stays bounded however many cells there are.
    """
    from riskmap.commands.request import load_inputs, project_photos
    from riskmap.core.pipeline import AnalysisRun
    from riskmap.export.result_stream import write_streamed

    inputs, model = load_inputs(request)
    run = AnalysisRun(inputs, model, StderrProgress("compute", quiet=quiet))
    return write_streamed(run, out, cells, project_photos(request))


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap compute``."""
    from riskmap.commands.request import request_from_args

    request = request_from_args(args)
    result = compute_to_file(request, args.out, cells=args.cells, quiet=args.quiet)
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
