"""``riskmap gui [PROJECT.gpkg | RESULT.gpkg]``: start the desktop app."""

from __future__ import annotations

import argparse
import importlib

from riskmap.errors import InputDataError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the gui sub-command."""
    p = sub.add_parser("gui", help="open the desktop app (桌面程序)")
    p.add_argument("path", nargs="?", help="a riskmap project or a RESULT.gpkg to open")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the Qt app; the CLI itself never imports Qt."""
    try:
        app = importlib.import_module("riskmap.gui.app")
    except ImportError as exc:
        raise InputDataError(
            f"the desktop app needs PyQt5 ({exc}); install it with "
            "pip install 'riskmap[gui]'"
        ) from exc
    return int(app.main([args.path] if args.path else []))
