"""``riskmap export``: turn RESULT.gpkg into GeoJSON (and maps, when available)."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmap.commands import export_field, export_maps, export_print


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` with its formats as sub-commands."""
    p = sub.add_parser("export", help="export a RESULT.gpkg (导出结果)")
    fmt = p.add_subparsers(dest="format", required=True, metavar="FORMAT")
    g = fmt.add_parser("geojson", help="RFC 7946 GeoJSON (EPSG:4326) for each layer")
    g.add_argument("result", type=Path, help="RESULT.gpkg from riskmap compute")
    g.add_argument("--out", required=True, type=Path, help="output folder")
    g.set_defaults(func=run_geojson)
    export_print.register(fmt)
    export_maps.register(fmt)
    export_field.register(fmt)


def run_geojson(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap export geojson``."""
    from riskmap.export.geojson import write_geojson
    from riskmap.io.result import read_result

    paths = write_geojson(read_result(args.result), args.out)
    if not args.quiet:
        for path in paths:
            print(path)
    return 0
