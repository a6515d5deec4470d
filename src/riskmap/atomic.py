"""Write outputs through a temporary sibling path that is renamed into place.

A run that fails half-way therefore never leaves a half-written file behind, and
an earlier good output stays untouched until the new one is complete.

Temporary names carry the writer's process id (``.RESULT.rmtmp1234-x8a.gpkg``,
and SQLite/GDAL side files after it), so the next writer in the same folder can
remove what a killed run left behind: only temporaries of processes that are no
longer alive are touched. An interrupted run (Ctrl-C) removes its own.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from riskmap.errors import ExportError


def _prepare_parent(path: Path) -> None:
    """Create the output folder, with a clear error when that is impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create folder {path.parent}: {exc}") from exc


TEMP_TAG = "rmtmp"
_TEMP_NAME = re.compile(rf"^\..+\.{TEMP_TAG}(\d+)-")


def temp_prefix(name: str) -> str:
    """Prefix of this process's temporary siblings of the output *name*."""
    return f".{name}.{TEMP_TAG}{os.getpid()}-"


def _alive(pid: int) -> bool:
    """True when process *pid* exists (it may be someone else's: then keep)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporaries that dead riskmap runs left in *folder*; return them."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue  # another cleaner was faster, or no right to delete
        removed.append(entry)
    return removed


def _remove_siblings(tmp: Path) -> None:
    """The temporary file and every side file named after it (-journal, -wal,
    -shm, GDAL's .tmp_rtree_*.db)."""
    for leftover in tmp.parent.glob(f"{glob_escape(tmp.name)}*"):
        try:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        except OSError:
            continue


def is_temporary(path: Path) -> bool:
    """True for a riskmap temporary (of any run, finished or not)."""
    return _TEMP_NAME.match(path.name) is not None


def glob_escape(text: str) -> str:
    """*text* with glob wildcards escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _fsync(path: Path) -> None:
    """Flush a finished file to disk before it replaces the old one."""
    if path.is_file():
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())


def _temp_sibling(path: Path) -> Path:
    """A free temporary name next to *path* (not created: GDAL wants to create it)."""
    _prepare_parent(path)
    remove_stale_temporaries(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=temp_prefix(path.stem), suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise ExportError(f"cannot write in {path.parent}: {exc}") from exc
    os.close(fd)
    os.unlink(tmp)
    return Path(tmp)


def _rename(tmp: Path, path: Path) -> None:
    """Rename a finished temporary file onto *path*."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary file path next to *path*; rename it onto *path* on success."""
    path = Path(path)
    tmp_path = _temp_sibling(path)
    try:
        yield tmp_path
        _fsync(tmp_path)
        _rename(tmp_path, path)
    finally:
        _remove_siblings(tmp_path)


@contextmanager
def atomic_paths(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Temporary siblings of several outputs that appear together or not at all.

    Every file is written and flushed first; only then are they all renamed into
    place, so a failure (a full disk) leaves every earlier output as it was.
    A temporary file left unwritten leaves its output alone.
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        temps.extend(_temp_sibling(p) for p in targets)
        yield temps
        written = [(t, p) for t, p in zip(temps, targets, strict=True) if t.exists()]
        for tmp, _ in written:
            _fsync(tmp)
        for tmp, path in written:
            _rename(tmp, path)
    finally:
        for tmp in temps:
            _remove_siblings(tmp)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder next to *path*; it replaces *path* on success."""
    path = Path(path)
    _prepare_parent(path)
    remove_stale_temporaries(path.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(path.name), dir=path.parent))
    except OSError as exc:
        raise ExportError(f"cannot write in {path.parent}: {exc}") from exc
    try:
        yield tmp
        if path.exists():
            _swap(tmp, path)  # tmp now holds the old folder, removed below
        else:
            tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap(new: Path, old: Path) -> None:
    """Put folder *new* at *old*'s place and *old* at *new*'s, in one step on Linux
    (renameat2 RENAME_EXCHANGE), else by two renames."""
    if _exchange(new, old):
        return
    aside = new.with_name(f"{new.name}.old")
    old.rename(aside)
    new.rename(old)
    aside.rename(new)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p] * 2 + [ctypes.c_uint]
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b),
                     rename_exchange)  # fmt: skip
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise ExportError(f"cannot replace {b}: {os.strerror(err)}")
