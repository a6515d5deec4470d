"""Command-line options shared by several commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from riskmap.choices import CONTACT_MODES


def add_contacts_option(parser: argparse.ArgumentParser) -> None:
    """The ``--contacts masked|full`` option of the exports that show contacts."""
    parser.add_argument(
        "--contacts",
        choices=CONTACT_MODES,
        default="masked",
        help="names and phones of responsible persons: masked (138****0001, 张*; "
        "default) or full",
    )


def add_hillshade_option(parser: argparse.ArgumentParser) -> None:
    """``--hillshade-dem PATH`` (also ``--dem``): the DEM of the shaded relief."""
    parser.add_argument(
        "--hillshade-dem", "--dem", dest="hillshade_dem", type=Path, metavar="PATH",
        help="DEM GeoTIFF for the hillshade base layer (none without it; "
        "communities it does not cover get none, with a warning)",
    )  # fmt: skip


def add_inset_option(parser: argparse.ArgumentParser) -> None:
    """``--inset-layer PATH``: the areas the inset locates a community in."""
    parser.add_argument(
        "--inset-layer", type=Path, metavar="PATH",
        help="polygons the inset locates each community in, e.g. county "
        "boundaries (without it: among the result's communities)",
    )  # fmt: skip


def note(args: argparse.Namespace, text: str) -> None:
    """A one-line note on stderr about what an export leaves out (not with -q)."""
    if not getattr(args, "quiet", False):
        sys.stderr.write(f"riskmap: note: {text}\n")
