"""``riskmap resilience``: community resilience index (社区韧性评价) from a table."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmap.errors import InputDataError
from riskmap.progress import StderrProgress


def register(sub: argparse._SubParsersAction) -> None:
    """Add the resilience sub-command."""
    p = sub.add_parser(
        "resilience",
        help="community resilience index: entropy/AHP weights, TOPSIS (社区韧性评价)",
        description=(
            "Weight the indicators (entropy, AHP over the dimensions, combined), "
            "score every community by TOPSIS closeness and write the tables, a "
            "GeoPackage layer, a map and a summary."
        ),
    )
    p.add_argument(
        "--indicators",
        required=True,
        type=Path,
        help="CSV/XLSX: one row per community (or survey responses) and indicators",
    )
    p.add_argument(
        "--sheet", type=Path, help="CSV/XLSX: indicator, dimension, direction (+/-)"
    )
    p.add_argument(
        "--ahp", type=Path, help="CSV/XLSX pairwise matrix over the dimensions"
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=0.5,
        help="share of the AHP weight in the combined weight (default 0.5)",
    )
    p.add_argument(
        "--result", type=Path, help="RESULT.gpkg: fills known indicators and shapes"
    )
    p.add_argument(
        "--breaks",
        help="closeness breaks for the levels, e.g. 0.3,0.5,0.7 (default quartiles)",
    )
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.set_defaults(func=run)


def parse_breaks(text: str | None) -> list[float] | None:
    """``0.3,0.5,0.7`` -> [0.3, 0.5, 0.7]."""
    if not text:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise InputDataError(
            f"--breaks {text!r}: give numbers separated by commas, e.g. 0.3,0.5,0.7"
        ) from exc


def run(args: argparse.Namespace) -> int:
    """Entry point of ``riskmap resilience``."""
    from riskmap.resilience import run_resilience, write_resilience

    res = run_resilience(
        args.indicators,
        sheet=args.sheet,
        ahp=args.ahp,
        alpha=args.alpha,
        result=args.result,
        breaks=parse_breaks(args.breaks),
        progress=StderrProgress("resilience", quiet=args.quiet),
    )
    written = write_resilience(res, args.out)
    if not args.quiet:
        for line in res.summary:
            print(line)
        for path in written:
            print(f"  {path}")
    return 0
