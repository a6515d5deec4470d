"""``riskmap export print``: printable four-colour maps (PDF/PNG) and notices."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from riskmap.commands.options import add_contacts_option, add_inset_option, note
from riskmap.fonts import require_cjk_font
from riskmap.progress import StderrProgress


def register(fmt: argparse._SubParsersAction) -> None:
    """Add the ``print`` format to ``riskmap export``."""
    p = fmt.add_parser(
        "print",
        help="printable four-colour map PDF/PNG (风险四色图打印) and risk notices",
        description="One map page per community: title, map at a round scale, "
        "legend, scale bar, north arrow, inset, summary table; PNG when --out ends "
        "in .png.",
    )
    p.add_argument("result", type=Path, help="RESULT.gpkg from riskmap compute")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--community", action="append", metavar="NAME", help="community name or id"
    )
    which.add_argument(
        "--all", action="store_true", help="every community, with a city cover page"
    )
    p.add_argument("--out", required=True, type=Path, help="FILE.pdf or FILE.png")
    p.add_argument("--paper", choices=("A4", "A3"), default="A4")
    p.add_argument(
        "--orientation", choices=("landscape", "portrait"), default="landscape"
    )
    p.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    p.add_argument("--title", help="page title (default <社区>公共安全风险四色图)")
    p.add_argument("--issuer", help="issuing unit printed on the page (发布单位)")
    p.add_argument(
        "--mono", action="store_true", help="hatched greys for black-and-white printers"
    )
    p.add_argument(
        "--notice",
        action="store_true",
        help="add a risk notice page (风险提示) and <community>_notice.md",
    )
    add_contacts_option(p)
    add_inset_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap export print``."""
    from riskmap.export.printmap import write_print_maps
    from riskmap.io.result import read_result

    quiet = getattr(args, "quiet", False)
    font = require_cjk_font()
    if not quiet:
        sys.stderr.write(f"riskmap print: CJK font {font.family} ({font.path})\n")
    if args.inset_layer is None:
        note(args, "no --inset-layer: the inset shows the result's communities only")
    paths = write_print_maps(
        read_result(args.result),
        args.out,
        communities=None if args.all else args.community,
        paper=args.paper,
        orientation=args.orientation,
        dpi=args.dpi,
        title=args.title,
        issuer=args.issuer,
        mono=args.mono,
        notice=args.notice,
        contacts=args.contacts,
        inset_layer=args.inset_layer,
        progress=StderrProgress("print", quiet=quiet),
    )
    if not quiet:
        for path in paths:
            print(path)
    return 0
