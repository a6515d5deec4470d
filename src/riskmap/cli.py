"""The ``riskmap`` command line: parse, run a sub-command, map errors to exit codes.

Exit status: 0 ok; 2 bad input (one line on stderr: what, where, how to fix);
1 internal error (a traceback, because that is a bug); 141 quietly when the
reader of the output went away (``riskmap points list | head``), as for SIGPIPE.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from collections.abc import Sequence

from riskmap import __version__
from riskmap.commands import compute, demo, export_cmd, gui, points, project, resilience
from riskmap.errors import RiskmapError, RiskmapWarning

COMMANDS = (project, points, compute, export_cmd, resilience, demo, gui)
EXIT_OK, EXIT_BUG, EXIT_INPUT = 0, 1, 2
EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a one-line message on bad usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"riskmap: error: {message} (see riskmap --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every sub-command."""
    parser = _Parser(
        prog="riskmap",
        description="Community public-safety risk mapping (社区公共安全风险四色图).",
    )
    parser.add_argument("--version", action="version", version=f"riskmap {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for command in COMMANDS:
        command.register(sub)
    _inherit_quiet(sub)
    return parser


def _inherit_quiet(sub: argparse._SubParsersAction) -> None:
    """Let ``--quiet`` also follow any sub-command (``riskmap export maps ... -q``)."""
    for parser in sub.choices.values():
        if not any("--quiet" in a.option_strings for a in parser._actions):
            parser.add_argument(
                "-q",
                "--quiet",
                action="store_true",
                default=argparse.SUPPRESS,
                help="no progress output",
            )
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _inherit_quiet(action)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print riskmap warnings as one readable line; libraries' own warnings
    (numpy, GDAL, pandas) mean nothing to a user and only show with
    RISKMAP_DEBUG=1."""
    if issubclass(category, RiskmapWarning):
        sys.stderr.write(f"riskmap: warning: {message}\n")
    elif os.environ.get("RISKMAP_DEBUG"):
        sys.stderr.write(f"warning: {category.__name__}: {message} ({filename})\n")


def _quiet_library_logs() -> None:
    """GDAL messages reach Python logging (rasterio, pyogrio, fiona); without a
    handler, Python prints them raw on stderr. Keep them for RISKMAP_DEBUG=1."""
    if os.environ.get("RISKMAP_DEBUG"):
        return
    for name in ("rasterio", "pyogrio", "fiona", "py.warnings"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False


def _terminate(signum, frame) -> None:
    """SIGTERM ends a run like Ctrl-C, so it removes its temporary files."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    _quiet_library_logs()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        status = int(args.func(args) or EXIT_OK)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    except RiskmapError as exc:
        sys.stderr.write(f"riskmap: error: {exc}\n")
        return EXIT_INPUT
    except OSError as exc:  # disk full, permission denied, a vanished file ...
        sys.stderr.write(f"riskmap: error: {exc} (check the path, space and rights)\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("riskmap: interrupted\n")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the exit flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stdout (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
