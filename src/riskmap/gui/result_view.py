"""Load a RESULT.gpkg for display: layers plus ready-built painters (worker-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from riskmap.domain import RiskResult
from riskmap.gui.layers import MapLayer, result_layers
from riskmap.gui.render import LayerPainter
from riskmap.progress import ProgressCallback


@dataclass
class ResultView:
    """What the main window needs to show a result."""

    path: Path
    layers: list[MapLayer]
    crs: CRS
    result: RiskResult
    painters: list[LayerPainter]


def load_result_view(
    path: Path, progress: ProgressCallback | None = None
) -> ResultView:
    """Read *path* and build every layer's drawing (the slow part for an older
    result read whole; one with a level raster reads its cells per view)."""
    report = progress or (lambda *_: None)
    report(0, 2, f"reading {path.name}")
    layers, crs, result = result_layers(path)
    cells = next(layer for layer in layers if layer.kind == "cells")
    report(1, 2, f"drawing {cells.count:,} cells")
    painters = [LayerPainter(layer).prepare() for layer in layers]
    report(2, 2, path.name)
    return ResultView(path, layers, crs, result, painters)
