"""What an analysis is asked to use, as typed values: ``AnalysisRequest``.

The CLI (``commands.request.request_from_args``), the demo, the desktop app and a
project all describe a run with one of these; ``commands.request.load_inputs``
reads and checks what it names. Plain data, cheap to import: no GIS library here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from riskmap.errors import InputDataError

if TYPE_CHECKING:
    from pyproj import CRS


@dataclass(frozen=True)
class HazardSpec:
    """A hazard to load: its model name, a raster or zone layer (with the zone class
    field), and the return period when it is one scenario of a hazard."""

    name: str
    path: Path
    field: str | None = None
    return_period: float | None = None  # years, for a return-period scenario

    @property
    def key(self) -> str:
        """``flood`` or ``flood@100``: the hazard as the user names it (unique)."""
        if self.return_period is None:
            return self.name
        return f"{self.name}@{self.return_period:g}"

    @property
    def source(self) -> str:
        """``PATH`` or ``PATH:FIELD``, for showing where the hazard comes from."""
        return f"{self.path}:{self.field}" if self.field else str(self.path)

    @classmethod
    def from_key(cls, key: str, path: Path, field: str | None = None) -> HazardSpec:
        """The hazard named *key* (``NAME`` or ``NAME@YEARS``) read from *path*."""
        name, at, years = (part.strip() for part in key.partition("@"))
        period = parse_return_period(years, f"hazard {key!r}") if at else None
        return cls(name, Path(path), field or None, period)


def parse_return_period(years: str, label: str) -> float:
    """A return period in years >= 1 (p = 1/T must be a probability); *label*
    names the hazard in the error."""
    try:
        value = float(years)
    except ValueError:
        value = float("nan")
    if not (1 <= value < float("inf")):
        raise InputDataError(
            f"{label}: return period {years!r} must be a number of years "
            ">= 1, e.g. flood@100=d100.tif for the 100-year flood"
        )
    return value


@dataclass(frozen=True)
class ExposureSources:
    """Where the exposure comes from: a population raster or per-community table,
    a weight raster that spreads such a table, buildings with a households field."""

    population: Path | None = None
    weight: Path | None = None
    buildings: Path | None = None
    households_field: str | None = None

    @property
    def kinds(self) -> dict[str, Path]:
        """The given sources by kind (population, weight, buildings)."""
        paths = {"population": self.population, "weight": self.weight,
                 "buildings": self.buildings}  # fmt: skip
        return {kind: path for kind, path in paths.items() if path is not None}


@dataclass(frozen=True)
class AnalysisRequest:
    """Every input and setting of one analysis. Values are already parsed (paths,
    HazardSpecs, numbers, a pyproj CRS); nothing is read until ``load_inputs``.

    With *project*, the project gives the communities, hazards, model, resources
    and points that the request leaves empty.
    """

    communities: Path | None = None
    id_field: str | None = None  # community id field (default: community_id/id/…)
    name_field: str | None = None  # community name field (default: name/名称)
    hazards: tuple[HazardSpec, ...] = ()
    points: Path | None = None
    # coordinates of point/resource tables: wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:X
    points_coords: str | None = None
    resources: Path | None = None
    service_radius: Mapping[str, float] = field(default_factory=dict)  # type -> m
    population: Path | None = None  # people per community (table) or raster
    exposure: ExposureSources = ExposureSources()
    grid: Path | None = None  # management-grid polygons used as cells
    grid_id_field: str | None = None
    cell_size: float = 100.0  # fishnet cell size in metres
    model: Path | None = None  # None: the bundled risk model
    crs: CRS | None = None  # working CRS; None: chosen from the communities
    assume_crs: str | None = None  # for layers without one (see parse_assume_crs)
    memory_mb: float = 1024.0  # peak memory budget
    workers: int | None = None  # local processes; None: by the run's size
    scheduler: str | None = None  # a Dask scheduler address, e.g. tcp://host:8786
    project: Path | str | None = None  # a GeoPackage path or a postgresql:// URL
