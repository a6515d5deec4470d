"""``riskmap points list | head``: a reader that goes away is no error."""

from __future__ import annotations

import subprocess
import sys

from riskmap.cli import main


def test_closed_pipe_exits_quietly(tmp_path):
    """The output's reader closed early: no message, the shell's SIGPIPE status."""
    project = tmp_path / "p.gpkg"
    assert main(["-q", "project", "new", str(project), "--sample"]) == 0
    run = subprocess.Popen(
        [sys.executable, "-m", "riskmap", "points", "list", "--project", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    run.stdout.close()  # like `head` that has read enough
    err = run.stderr.read()
    assert run.wait(timeout=120) == 141
    assert err == b""
