"""Command-line options shared by several commands."""

from __future__ import annotations

import argparse

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
