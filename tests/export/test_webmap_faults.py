"""Web maps: a killed or failed export leaves the old page set, and no worker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.browser.sample_result import exported_sample

from riskmap.errors import InputDataError
from riskmap.export.webmap import write_web_maps

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs Linux /proc"
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of *folder* by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _children(pid: int) -> list[int]:
    """Ids of the live child processes of *pid*."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    """True while *pid* runs (a zombie waiting to be reaped counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(stream, text: bytes, timeout: float) -> bytes:
    """Read *stream* until *text* shows (or fail after *timeout* seconds)."""
    seen, deadline = b"", time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        chunk = os.read(stream.fileno(), 4096)
        assert chunk, seen.decode(errors="replace")
        seen += chunk
    return seen


@pytest.mark.slow
def test_killed_export_leaves_old_pages_and_no_worker(tmp_path):
    """SIGKILL of export maps --jobs 2 after its first page: both workers are gone
    2 s later, the folder holds exactly the old set, and the next export cleans up."""
    _, gpkg, paths = exported_sample()
    out = tmp_path / "maps"
    shutil.copytree(paths[0].parent, out)
    before = _snapshot(out)
    command = [sys.executable, "-m", "riskmap", "export", "maps", str(gpkg),
               "--out", str(out), "--jobs", "2", "--lang", "en"]  # fmt: skip
    run = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(run.stderr, b"[1/", timeout=240)
        workers = _children(run.pid)
        assert len(workers) == 2
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        run.kill()
    time.sleep(2)
    assert [w for w in workers if _alive(w)] == []
    assert _snapshot(out) == before
    leftovers = [p for p in tmp_path.iterdir() if p.name != "maps"]
    assert leftovers  # the killed run's temporary folder ...
    write_web_maps(exported_sample()[0], out, jobs=1, lang="en")
    assert [p.name for p in tmp_path.iterdir()] == ["maps"]  # ... removed next time
    assert set(_snapshot(out)) == set(before)
    assert _snapshot(out) != before


def test_cancelled_export_keeps_old_pages(tmp_path):
    """An export stopped half-way (the desktop app's Cancel raises from the progress
    callback) leaves the old set and no temporary folder."""
    result, _, paths = exported_sample()
    out = tmp_path / "maps"
    shutil.copytree(paths[0].parent, out)
    before = _snapshot(out)

    def cancel_after_two(done: int, total: int, message: str) -> None:
        if done == 2:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        write_web_maps(result, out, jobs=1, lang="en", progress=cancel_after_two)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["maps"]


def test_folder_with_other_files_is_refused(tmp_path):
    """The maps replace their folder, so one holding other files is refused."""
    result, _, _ = exported_sample()
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputDataError, match="holds other files"):
        write_web_maps(result, tmp_path, jobs=1)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
