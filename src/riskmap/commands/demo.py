"""``riskmap demo``: compute and export everything on the bundled Bazhong sample."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.commands import compute as compute_cmd
from riskmap.errors import MissingFileError
from riskmap.io.request import AnalysisRequest, ExposureSources, HazardSpec
from riskmap.resources import sample_dir

if TYPE_CHECKING:
    from riskmap.domain import RiskResult


SAMPLE = {
    "communities": "communities.geojson",
    "points": "risk_points.geojson",
    "resources": "shelters.geojson",
    # the flood as three return-period scenarios (illustrative return periods)
    "hazards": {
        "flood@10": "flood_rp10.tif",
        "flood@50": "flood_depth.tif",
        "flood@100": "flood_rp100.tif",
        "landslide": "landslide.tif",
    },
    "exposure": {"population": "population.tif", "buildings": "buildings.geojson"},
    # passed to the exports explicitly: they never fall back to bundled data
    "hillshade_dem": "dem.tif",
    "inset_layer": "bazhong_counties.geojson",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the demo sub-command."""
    p = sub.add_parser(
        "demo", help="run the whole job on the bundled Bazhong sample (示例)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("riskmap-demo"),
        help="output folder (default ./riskmap-demo)",
    )
    p.add_argument("--cell-size", type=float, default=100.0, help="cell size in metres")
    p.set_defaults(func=run)


def sample_request(cell_size: float = 100.0) -> AnalysisRequest:
    """The analysis of the bundled sample: three flood scenarios and the landslide,
    risk points, shelters, population and buildings."""
    layers = sample_dir()
    needed = [
        layers / SAMPLE["communities"],
        layers / SAMPLE["points"],
        layers / SAMPLE["resources"],
        *(layers / f for f in SAMPLE["hazards"].values()),
        *(layers / f for f in SAMPLE["exposure"].values()),
    ]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise MissingFileError(f"bundled sample data missing: {', '.join(missing)}")
    return AnalysisRequest(
        communities=layers / SAMPLE["communities"],
        hazards=tuple(
            HazardSpec.from_key(key, layers / file)
            for key, file in SAMPLE["hazards"].items()
        ),
        exposure=ExposureSources(
            **{kind: layers / file for kind, file in SAMPLE["exposure"].items()}
        ),
        points=layers / SAMPLE["points"],
        resources=layers / SAMPLE["resources"],
        cell_size=cell_size,
    )


def _geojson_step(
    result: RiskResult, result_path: Path, out: Path, quiet: bool
) -> list[Path]:
    """GeoJSON of every result layer."""
    from riskmap.export.geojson import write_geojson

    return write_geojson(result, out / "geojson")


def _maps_step(
    result: RiskResult, result_path: Path, out: Path, quiet: bool
) -> list[Path]:
    """Offline web maps, one per community, plus index.html."""
    from riskmap.export.webmap import write_web_maps
    from riskmap.progress import StderrProgress

    return write_web_maps(
        result,
        out / "maps",
        dem=sample_dir() / SAMPLE["hillshade_dem"],
        progress=StderrProgress("export maps", quiet=quiet),
    )


def _resilience_step(
    result: RiskResult, result_path: Path, out: Path, quiet: bool
) -> list[Path]:
    """Resilience index of the sample communities (illustrative indicator table)."""
    from riskmap.resilience import run_resilience, write_resilience

    folder = sample_dir() / "resilience"
    res = run_resilience(
        folder / "indicators.csv",
        sheet=folder / "indicator_sheet.csv",
        ahp=folder / "ahp.csv",
        result=result,
    )
    return write_resilience(res, out / "resilience")


def _print_step(
    result: RiskResult, result_path: Path, out: Path, quiet: bool
) -> list[Path]:
    """Printable four-colour maps of every community with risk notices."""
    import warnings

    from riskmap.errors import RiskmapWarning
    from riskmap.export.printmap import write_print_maps
    from riskmap.fonts import INSTALL_HINT, find_cjk_font
    from riskmap.progress import StderrProgress

    if find_cjk_font() is None:
        message = f"print maps skipped: no CJK font; {INSTALL_HINT}"
        warnings.warn(message, RiskmapWarning, stacklevel=2)
        return []
    return write_print_maps(
        result,
        out / "print" / "riskmap_print.pdf",
        notice=True,
        inset_layer=sample_dir() / SAMPLE["inset_layer"],
        progress=StderrProgress("export print", quiet=quiet),
    )


def _project_step(
    result: RiskResult, result_path: Path, out: Path, quiet: bool
) -> list[Path]:
    """The sample as a riskmap project (ledger + change log) and its XLSX ledger;
    an earlier demo's project is replaced only once the new one is complete."""
    from riskmap.atomic import atomic_path
    from riskmap.commands.project import create_sample_project
    from riskmap.registry import export_points

    path = out / "project.gpkg"
    with atomic_path(path) as fresh, create_sample_project(fresh) as project:
        ledger = export_points(project, out / "ledger.xlsx", "xlsx")
    return [path, ledger]


# Exports the demo runs after compute: (result, result path, out dir, quiet) -> paths
EXPORT_STEPS: tuple[Callable[[RiskResult, Path, Path, bool], list[Path]], ...] = (
    _geojson_step,
    _project_step,
    _maps_step,
    _resilience_step,
    _print_step,
)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap demo``."""
    result_path = args.out / "result.gpkg"
    request = sample_request(args.cell_size)
    result = compute_cmd.compute(request, result_path, quiet=args.quiet)
    written = [result_path]
    for step in EXPORT_STEPS:
        written += step(result, result_path, args.out, args.quiet)
    if not args.quiet:
        print(compute_cmd.summary_line(result, args.out / "result.gpkg"))
        for path in written:
            print(f"  {path}")
    return 0
