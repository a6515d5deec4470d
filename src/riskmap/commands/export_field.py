"""``riskmap export field``: offline phone pages for grid workers (外业采集包)."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmap.choices import ACCURACY_LIMIT_M
from riskmap.commands.options import add_hillshade_option, note
from riskmap.commands.project import LOCATION, location
from riskmap.progress import StderrProgress


def register(fmt: argparse._SubParsersAction) -> None:
    """Add the ``field`` format to ``riskmap export``."""
    p = fmt.add_parser(
        "field",
        help="offline phone page per community for field capture (外业采集)",
        description="One self-contained HTML per community: open it on a phone with "
        "no network, record points and re-inspections with photos, export a "
        "change-set and merge it with riskmap points merge.",
    )
    p.add_argument("project", type=location, help=LOCATION)
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument(
        "--community", action="append", metavar="ID",
        help="only this community (id or name); repeat (default: all)",
    )  # fmt: skip
    p.add_argument("--worker", default="", help="the grid worker's name (网格员)")
    p.add_argument(
        "--result", type=Path,
        help="RESULT.gpkg from riskmap compute --project: risk cells and shelters",
    )  # fmt: skip
    add_hillshade_option(p)
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="page language")
    p.add_argument(
        "--accuracy-limit", type=float, default=ACCURACY_LIMIT_M, metavar="M",
        help=f"warn about GPS fixes worse than M metres (default {ACCURACY_LIMIT_M:g})",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap export field``."""
    from riskmap.export.field import write_field_packages
    from riskmap.io.result import read_result
    from riskmap.registry import Project

    result = read_result(args.result) if args.result else None
    if args.hillshade_dem is None:
        note(args, "no --hillshade-dem: the field pages have no hillshade")
    with Project.open(args.project) as project, project.errors():
        paths = write_field_packages(
            project, args.out, communities=args.community, worker=args.worker,
            result=result, dem=args.hillshade_dem, lang=args.lang,
            accuracy_limit_m=args.accuracy_limit,
            progress=StderrProgress("export field", quiet=args.quiet),
        )  # fmt: skip
    if not args.quiet:
        for path in paths:
            print(path)
    return 0
