"""``riskmap export maps``: offline interactive HTML maps, one per community."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmap.choices import BASEMAPS
from riskmap.commands.options import add_contacts_option, add_hillshade_option, note
from riskmap.progress import StderrProgress


def register(fmt: argparse._SubParsersAction) -> None:
    """Add the ``maps`` format to ``riskmap export``."""
    p = fmt.add_parser(
        "maps",
        help="offline interactive HTML map per community (离线网页地图)",
        description="One self-contained HTML map per community plus index.html; "
        "they open with no network.",
    )
    p.add_argument("result", type=Path, help="RESULT.gpkg from riskmap compute")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument(
        "--basemap",
        choices=BASEMAPS,
        default="hillshade",
        help="hillshade from --hillshade-dem (offline, default), none, or the online "
        "osm / tianditu (CGCS2000, needs --tianditu-key)",
    )
    add_hillshade_option(p)
    p.add_argument("--tianditu-key", help="your Tianditu key (天地图 tk)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="map language")
    p.add_argument(
        "--community", action="append", metavar="ID",
        help="export only this community (name or id); repeat; default: all",
    )  # fmt: skip
    add_contacts_option(p)
    p.add_argument(
        "--jobs",
        type=int,
        help="worker processes (default: one per core, up to 2, from 20,000 cells)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap export maps``."""
    from riskmap.export.webmap import write_web_maps
    from riskmap.io.result import read_result

    if args.basemap == "hillshade" and args.hillshade_dem is None:
        note(args, "no --hillshade-dem: the maps have no hillshade base layer")
    paths = write_web_maps(
        read_result(args.result),
        args.out,
        basemap=args.basemap,
        dem=args.hillshade_dem,
        tianditu_key=args.tianditu_key,
        lang=args.lang,
        jobs=args.jobs,
        communities=args.community,
        contacts=args.contacts,
        progress=StderrProgress("export maps", quiet=args.quiet),
    )
    if not args.quiet:
        for path in paths:
            print(path)
    return 0
