"""Who and what is at risk: people, buildings and households per cell (承灾体).

* A population raster (people per pixel, e.g. WorldPop-style) is summed per cell
  by exact coverage with the zonal engine: a cell covering 30 % of a pixel gets
  30 % of its people. Counts are never resampled: a raster in another CRS is read
  on its own grid with the cells taken into its CRS.
* A table of people per community is spread over the community's cells by area,
  or by a weight raster (dasymetric) when one is given.
* Buildings are points (one each) or footprints (shared by the area share of the
  footprint in each cell), optionally with a households field.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from riskmap.core import zonal
from riskmap.core.coverage import read_population_table
from riskmap.domain import GridSpec, HazardInfo
from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.io.rasters import (
    RASTER_SUFFIXES,
    HazardRaster,
    describe_raster,
    open_in_crs,
)
from riskmap.io.request import ExposureSources
from riskmap.io.vectors import find_column, read_vector

EXPOSURE_KINDS = ("population", "buildings")
HOUSEHOLD_ALIASES = ("households", "household", "hh", "户数", "住户", "户")
EXPOSURE_FIELDS = ("people", "buildings", "households")


@dataclass(frozen=True)
class Exposure:
    """Loaded exposure layers: population (raster or per-community table),
    an optional weight raster for a table, buildings with a households column."""

    population: HazardRaster | pd.Series | None = None
    weight: HazardRaster | None = None
    buildings: gpd.GeoDataFrame | None = None
    source: dict | None = None  # kind -> path, for run_info

    @property
    def empty(self) -> bool:
        """True when no exposure layer was given."""
        return self.population is None and self.buildings is None


def load_exposure(
    sources: ExposureSources | None,
    communities: gpd.GeoDataFrame,
    assume_crs: str | None = None,
) -> Exposure:
    """Read and check the exposure layers named by *sources*."""
    sources = sources or ExposureSources()
    if sources.weight is not None and sources.population is None:
        raise InputDataError(
            "--exposure weight=PATH spreads a population table; "
            "give --exposure population=TABLE too"
        )
    population = weight = buildings = None
    if sources.population is not None:
        population = _load_population(sources.population, communities, assume_crs)
    if sources.weight is not None:
        if not isinstance(population, pd.Series):
            raise InputDataError(
                "--exposure weight=PATH only spreads a population table; "
                "a population raster is used as it is"
            )
        weight = describe_raster(sources.weight, assume_crs=assume_crs)
    if sources.buildings is not None:
        buildings = load_buildings(
            sources.buildings, sources.households_field, assume_crs=assume_crs
        )
    source = {k: str(p) for k, p in sources.kinds.items()}
    return Exposure(population, weight, buildings, source or None)


def _load_population(path: Path, communities, assume_crs) -> HazardRaster | pd.Series:
    """A population raster, or a checked table of people per community id."""
    if path.suffix.lower() in RASTER_SUFFIXES:
        return describe_raster(path, assume_crs=assume_crs)
    if not path.exists():
        raise InputDataError(f"--exposure population: {path}: file not found")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_population_table(path, communities)
    if table.empty:
        raise InputDataError(
            f"{path}: no row matches a community id or name "
            f"(communities: {', '.join(communities['community_id'].astype(str)[:5])}"
            "…); use the communities' ids in the table's community_id column"
        )
    negative = table[table < 0]
    if len(negative):
        raise InputDataError(
            f"{path}: community {negative.index[0]} has a negative population "
            f"({negative.iloc[0]:g}); people counts must be >= 0"
        )
    if table.index.duplicated().any():
        dup = table.index[table.index.duplicated()][0]
        raise InputDataError(
            f"{path}: community {dup} appears twice; give one row per community"
        )
    for warning in caught:  # rows matching no community, once the table is usable
        warnings.warn(warning.message, warning.category, stacklevel=3)
    missing = set(communities["community_id"].astype(str)) - set(table.index)
    if missing:
        warnings.warn(
            f"{path}: no population for {len(missing)} communit(y/ies) "
            f"({', '.join(sorted(missing)[:5])}); their cells get 0 people",
            RiskmapWarning,
            stacklevel=3,
        )
    return table.fillna(0.0)


def load_buildings(
    path: Path, households_field: str | None = None, assume_crs: str | None = None
) -> gpd.GeoDataFrame:
    """Building points or footprints with a ``households`` column (NaN when unknown)."""
    gdf = read_vector(path, assume_crs=assume_crs)
    kinds = set(gdf.geometry.geom_type.dropna())
    allowed = {"Point", "MultiPoint", "Polygon", "MultiPolygon"}
    if not kinds <= allowed:
        raise InputDataError(
            f"{path}: buildings must be points or footprint polygons; found "
            f"{', '.join(sorted(kinds - allowed))}"
        )
    field = households_field or find_column(gdf.columns, HOUSEHOLD_ALIASES)
    if households_field and households_field not in gdf.columns:
        raise InputDataError(
            f"{path}: no households field {households_field!r}; fields are: "
            f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}"
        )
    out = gpd.GeoDataFrame(geometry=gdf.geometry.values, crs=gdf.crs)
    out["households"] = np.nan
    if field is not None:
        values = pd.to_numeric(gdf[field], errors="coerce")
        if (values < 0).any():
            row = int(np.flatnonzero((values < 0).to_numpy())[0])
            raise InputDataError(
                f"{path}: feature {row}, field {field!r}: households must be >= 0"
            )
        out["households"] = values.to_numpy(dtype=float)
    return out[~out.geometry.is_empty & out.geometry.notna()].reset_index(drop=True)


def add_exposure(
    cells: gpd.GeoDataFrame,
    exposure: Exposure,
    crs: CRS,
    grid: GridSpec,
    budget_mb: float = 256.0,
) -> None:
    """Add ``people``, ``buildings`` and ``households`` per cell (when given)."""
    if isinstance(exposure.population, HazardRaster):
        cells["people"] = raster_people(
            cells, exposure.population, crs, grid, budget_mb
        )
    elif isinstance(exposure.population, pd.Series):
        cells["people"] = table_people(
            cells, exposure.population, exposure.weight, crs, grid, budget_mb
        )
    if exposure.buildings is not None:
        count, households = building_counts(cells, exposure.buildings.to_crs(crs))
        cells["buildings"] = count
        if exposure.buildings["households"].notna().any():
            cells["households"] = households


def raster_sums(
    cells: gpd.GeoDataFrame,
    raster: HazardRaster,
    crs: CRS,
    grid: GridSpec,
    budget_mb: float = 256.0,
) -> np.ndarray:
    """Coverage-weighted sum of a count raster per cell (0 where no data), exact.

    In the working CRS both zonal paths run as for hazards; a raster in another
    CRS is read on its own grid with the cells reprojected into its CRS (edges
    densified), so pixel values are never interpolated.
    """
    same = CRS.from_user_input(raster.crs) == crs and not raster.assumed_crs
    cache_mb = max(int(budget_mb // 4), 8)
    if same:
        with open_in_crs(raster, crs, "nearest", cache_mb) as reader:
            stats = zonal.cell_stats(reader, cells, grid, np.inf, budget_mb)
    else:
        densified = shapely.segmentize(
            cells.geometry.values, _densify_step(cells, grid)
        )
        geoms = gpd.GeoSeries(densified, crs=crs).to_crs(raster.crs).values
        cache = cache_mb * 2**20  # bytes: rasterio calls GDALSetCacheMax
        with rasterio.Env(GDAL_CACHEMAX=cache), rasterio.open(raster.path) as src:
            stats = zonal.polygon_stats(src, np.asarray(geoms), np.inf, budget_mb)
    return np.nan_to_num(stats.sum, nan=0.0)


def _densify_step(cells: gpd.GeoDataFrame, grid: GridSpec) -> float:
    """Vertex spacing for reprojecting cell edges: a quarter cell, at least 1 m."""
    if grid.size:
        return max(grid.size / 4, 1.0)
    typical = float(np.sqrt(np.median(cells["area_m2"]))) if len(cells) else 4.0
    return max(typical / 4, 1.0)


def raster_people(cells, raster: HazardRaster, crs, grid, budget_mb) -> np.ndarray:
    """People per cell from a people-per-pixel raster; negative pixels are refused."""
    people = raster_sums(cells, raster, crs, grid, budget_mb)
    if (people < -1e-9).any():
        raise InputDataError(
            f"{raster.path}: the population raster holds negative people counts; "
            "set its nodata value (e.g. gdal_edit.py -a_nodata -99999)"
        )
    return people


def table_people(
    cells, table: pd.Series, weight: HazardRaster | None, crs, grid, budget_mb
) -> np.ndarray:
    """Spread each community's people over its cells by area or by a weight raster."""
    ids = cells["community_id"].astype(str)
    share = cells["area_m2"].to_numpy(dtype=float)
    if weight is not None:
        w = raster_sums(cells, weight, crs, grid, budget_mb)
        if (w < -1e-9).any():
            raise InputDataError(f"{weight.path}: weights must be >= 0")
        has_weight = (
            pd.Series(w).groupby(ids.to_numpy()).transform("sum").to_numpy() > 0
        )
        by_area = sorted(set(ids[~has_weight]))
        if by_area:
            warnings.warn(
                f"weight raster {weight.path} is 0 or missing over "
                f"{len(by_area)} communit(y/ies) ({', '.join(by_area[:5])}); "
                "their people are spread by area",
                RiskmapWarning,
                stacklevel=3,
            )
        share = np.where(has_weight, w, share)
    total = pd.Series(share).groupby(ids.to_numpy()).transform("sum").to_numpy()
    people = ids.map(table).fillna(0.0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, people * share / total, 0.0)


def building_counts(
    cells: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Buildings and households per cell: points count whole in the first cell
    that holds them; footprints by the share of their area in each cell."""
    n = len(cells)
    count, households = np.zeros(n), np.zeros(n)
    geoms = buildings.geometry.values
    hh = buildings["households"].fillna(0.0).to_numpy(dtype=float)
    area = shapely.area(geoms)
    tree = shapely.STRtree(cells.geometry.values)
    points = area <= 0
    if points.any():
        pts = shapely.point_on_surface(geoms[points])
        b, c = tree.query(pts, predicate="intersects")
        _, first = np.unique(b, return_index=True)
        np.add.at(count, c[first], 1.0)
        np.add.at(households, c[first], hh[points][b[first]])
    polys = np.flatnonzero(~points)
    if len(polys):
        b, c = tree.query(geoms[polys], predicate="intersects")
        inter = shapely.area(
            shapely.intersection(geoms[polys][b], cells.geometry.values[c])
        )
        share = inter / area[polys][b]
        np.add.at(count, c, share)
        np.add.at(households, c, share * hh[polys][b])
    return count, households


def exposure_fields(cells: pd.DataFrame) -> list[str]:
    """The exposure columns present on *cells*."""
    return [f for f in EXPOSURE_FIELDS if f in cells.columns]


def summarise_exposure(summary: gpd.GeoDataFrame, cells: pd.DataFrame) -> None:
    """Per community: people/buildings/households in all, per level, and in cells
    no shelter covers (when coverage was computed)."""
    fields = exposure_fields(cells)
    if not fields:
        return
    ids = summary["community_id"].astype(str)
    key = cells["community_id"].astype(str)
    uncovered = (
        ~cells["shelter_covered"].fillna(False).astype(bool)
        if "shelter_covered" in cells.columns
        else None
    )
    for name in fields:
        values = cells[name].astype(float)
        summary[name] = ids.map(values.groupby(key).sum()).fillna(0.0).to_numpy()
        by_level = values.groupby([key, cells["level"]]).sum()
        for lv in (1, 2, 3, 4):
            part = by_level.xs(lv, level=1) if lv in by_level.index.levels[1] else None
            summary[f"{name}_l{lv}"] = (
                ids.map(part).fillna(0.0).to_numpy() if part is not None else 0.0
            )
        if uncovered is not None:
            rows = values[uncovered.to_numpy()].groupby(key[uncovered.to_numpy()]).sum()
            summary[f"{name}_uncovered"] = ids.map(rows).fillna(0.0).to_numpy()


def exposure_by_class(cells: pd.DataFrame, hazards: list[HazardInfo]) -> pd.DataFrame:
    """InaSAFE-style table: per community, hazard layer and hazard class, the cells,
    people, buildings and households in cells of that class."""
    fields = exposure_fields(cells)
    if not fields or not hazards:
        return pd.DataFrame()
    frames = []
    for hazard in hazards:
        labels = hazard_classes(cells, hazard, hazard.model_rule)
        if labels is None:
            continue
        frame = cells[["community_id", "community", *fields]].copy()
        frame["class"] = labels
        table = frame.groupby(["community_id", "community", "class"], sort=True).agg(
            cells=("community", "size"), **{f: (f, "sum") for f in fields}
        )
        table = table.reset_index()
        table.insert(2, "hazard", hazard.name)
        table.insert(3, "hazard_label", hazard.label("zh"))
        table.insert(4, "return_period", hazard.return_period)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def hazard_classes(cells: pd.DataFrame, hazard: HazardInfo, rule) -> np.ndarray | None:
    """The hazard class label of each cell ("无数据" where the raster has none)."""
    name = hazard.name
    if hazard.kind == "zones":
        col = cells.get(f"{name}_class")
        if col is None:
            return None
        return np.array(["区外" if v is None or v != v else str(v) for v in col])
    stat = f"{name}_{rule.statistic if rule is not None else 'max'}"
    if rule is None or stat not in cells.columns:
        return None
    values = cells[stat].to_numpy(dtype=float)
    names = class_labels(rule)
    index = rule.class_index(values)
    return np.where(np.isnan(values), "无数据", np.asarray(names, dtype=object)[index])


def class_labels(rule) -> list[str]:
    """Names of a raster hazard's classes: its class_names, else value ranges."""
    if len(rule.class_names) == len(rule.breaks) + 1:
        return [f"{k + 1} {n}" for k, n in enumerate(rule.class_names)]
    edges = [f"{b:g}" for b in rule.breaks]
    unit = f" {rule.unit}" if rule.unit else ""
    lows = ["", *edges]
    highs = [*edges, ""]
    out = []
    for k, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
        text = f"< {hi}" if not lo else (f">= {lo}" if not hi else f"{lo}–{hi}")
        out.append(f"{k + 1} {text}{unit}")
    return out
