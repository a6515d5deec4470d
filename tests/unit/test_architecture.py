"""Architecture and style rules hold: import contracts and ruff."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    """Path of a console script installed beside this Python."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_import_contracts():
    """Only riskmap.gui imports PyQt5, and data flows io -> core -> export."""
    proc = subprocess.run(
        [_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_core_imports_without_qt():
    """The core, I/O and exporters import without pulling in Qt."""
    code = (
        "import sys, riskmap.cli, riskmap.core.pipeline, riskmap.export.gpkg; "
        "assert not any(m.startswith('PyQt5') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_mypy_core_and_io():
    """riskmap.core and riskmap.io type-check (mypy, config in pyproject.toml)."""
    proc = subprocess.run(
        [_tool("mypy"), "-p", "riskmap.core", "-p", "riskmap.io"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_clean():
    """The code base is ruff clean."""
    proc = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "bench", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def _cycles(graph) -> list[list[str]]:
    """Groups of riskmap modules that import each other round a loop (Tarjan's
    strongly connected components of the import graph, size > 1)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """No riskmap module imports itself round a loop (a function-level import
    counts too): each module has one place in the layering."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("riskmap", cache_dir=None)
    assert _cycles(graph) == []
