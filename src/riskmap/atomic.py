"""Write outputs through a temporary sibling path that is renamed into place.

A run that fails half-way therefore never leaves a half-written file behind, and
an earlier good output stays untouched until the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from riskmap.errors import ExportError


def _prepare_parent(path: Path) -> None:
    """Create the output folder, with a clear error when that is impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create folder {path.parent}: {exc}") from exc


def _fsync(path: Path) -> None:
    """Flush a finished file to disk before it replaces the old one."""
    if path.is_file():
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary file path next to *path*; rename it onto *path* on success."""
    path = Path(path)
    _prepare_parent(path)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise ExportError(f"cannot write in {path.parent}: {exc}") from exc
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _fsync(tmp_path)
        try:
            os.replace(tmp_path, path)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc}") from exc
    finally:
        for leftover in (tmp_path, Path(f"{tmp_path}-wal"), Path(f"{tmp_path}-shm")):
            leftover.unlink(missing_ok=True)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder next to *path*; it replaces *path* on success."""
    path = Path(path)
    _prepare_parent(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise ExportError(f"cannot write in {path.parent}: {exc}") from exc
    try:
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
