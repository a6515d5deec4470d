"""Locate the bundled styles and sample layers (source checkout or installed wheel)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

STYLES_ENV = "RISKMAP_STYLES"


def _bundled(name: str) -> Path:
    """Return the bundled folder *name*: the wheel copy, else the source-tree copy."""
    installed = Path(str(resources.files("riskmap"))) / "_bundled" / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / name


def styles_dir() -> Path:
    """Folder of the style and model files (levels, risk model, point types)."""
    return _bundled("styles")


def style_file(name: str) -> Path:
    """The style file *name*: from the folder in ``RISKMAP_STYLES`` when it holds
    one (a unit's own level names, colours or point types), else the bundled one."""
    own = os.environ.get(STYLES_ENV, "").strip()
    if own and (Path(own) / name).is_file():
        return Path(own) / name
    return styles_dir() / name


def sample_dir() -> Path:
    """Folder of the bundled Bazhong sample data."""
    return _bundled("layers")
