"""Read a RESULT.gpkg written by ``riskmap compute`` back into a RiskResult."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio

from riskmap.domain import RiskResult
from riskmap.errors import InputDataError, MissingFileError


def read_result(path: str | Path) -> RiskResult:
    """Read cells, communities, points (if any) and run_info from RESULT.gpkg."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(
            f"{path}: file not found; create it with riskmap compute"
        )
    try:
        names = {name for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as exc:
        raise InputDataError(f"{path}: not a GeoPackage ({exc})") from exc
    missing = {"cells", "communities", "run_info"} - names
    if missing:
        raise InputDataError(
            f"{path}: not a riskmap result (missing layer(s) "
            f"{', '.join(sorted(missing))}); "
            "create one with riskmap compute --out RESULT.gpkg"
        )
    layers = {
        name: pyogrio.read_dataframe(path, layer=name, use_arrow=True)
        for name in ("cells", "communities", "points", "resources", "coverage")
        if name in names
    }
    table = pyogrio.read_dataframe(path, layer="run_info")
    info = {k: json.loads(v) for k, v in zip(table["key"], table["value"], strict=True)}
    classes = (
        pyogrio.read_dataframe(path, layer="exposure_classes")
        if "exposure_classes" in names
        else None
    )
    return RiskResult(
        layers["cells"],
        layers["communities"],
        layers.get("points"),
        info,
        layers.get("resources"),
        layers.get("coverage"),
        classes,
    )
