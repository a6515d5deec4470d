"""Locate the bundled styles and sample layers (source checkout or installed wheel)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _bundled(name: str) -> Path:
    """Return the bundled folder *name*: the wheel copy, else the source-tree copy."""
    installed = Path(str(resources.files("riskmap"))) / "_bundled" / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / name


def styles_dir() -> Path:
    """Folder of the style and model files (levels, risk model, point types)."""
    return _bundled("styles")


def sample_dir() -> Path:
    """Folder of the bundled Bazhong sample data."""
    return _bundled("layers")
