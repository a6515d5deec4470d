"""Emergency-resource coverage: distance to the nearest shelter, depot, medical point.

Per cell: metres from the cell centre to the nearest resource of each type and
whether it lies within that type's service radius. Per community: shelter
capacity against population, uncovered cells and area, and the share of red and
orange cells that no shelter covers. The ``coverage`` layer holds the covered and
uncovered part of every community per resource type (docs/RESULT_SCHEMA.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.mask
import shapely
from scipy.spatial import cKDTree

from riskmap.errors import InputDataError, RiskmapWarning
from riskmap.io.rasters import RASTER_SUFFIXES, HazardRaster, describe_raster
from riskmap.io.vectors import find_column, read_table, require_counts

DEFAULT_RADIUS_M = 500.0


@dataclass(frozen=True)
class ResourceType:
    """One kind of emergency resource: key, labels and the names data may use."""

    key: str
    label: str
    label_en: str
    short_zh: str
    short_en: str
    names: tuple[str, ...]

    def name(self, lang: str = "zh") -> str:
        """The resource type's name in *lang*."""
        return self.label_en if lang == "en" else self.label

    def short(self, lang: str = "zh") -> str:
        """The label inside its map symbol."""
        return self.short_en if lang == "en" else self.short_zh


# The one list of resource types: coverage, notices, field pages and map symbols
# all match a resource's type text against these names (case-insensitive).
RESOURCE_TYPES = (
    ResourceType(
        "shelter", "避难场所", "shelter", "避难", "Shel",
        ("避难场所", "应急避难场所", "避难所", "shelter", "shelters"),
    ),
    ResourceType(
        "depot", "物资储备点", "depot", "物资", "Dep",
        ("物资储备点", "物资储备库", "储备点", "depot", "depots", "supply depot"),
    ),
    ResourceType(
        "medical", "医疗点", "medical", "医疗", "Med",
        ("医疗点", "医疗救护点", "医院", "卫生院", "medical", "medical point"),
    ),
)  # fmt: skip
_BY_NAME = {name.lower(): t for t in RESOURCE_TYPES for name in t.names}
TYPE_KEYS = tuple(t.key for t in RESOURCE_TYPES)
POPULATION_ALIASES = ("population", "pop", "人口", "常住人口", "人口数")
Population: TypeAlias = pd.Series | HazardRaster | Path | str | None


def add_coverage(
    cells: gpd.GeoDataFrame,
    summary: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    resources: gpd.GeoDataFrame,
    radius: dict[str, float] | None = None,
    population: Population = None,
) -> gpd.GeoDataFrame:
    """Add the coverage fields to *cells* and *summary*; return the coverage layer.

    All layers must share one metric CRS. *communities* are the input boundaries
    (their ``population`` field is used when *population* is None).
    """
    radii = service_radii(radius)
    add_cell_coverage(cells, resources, radii)
    uncovered = ~cells["shelter_covered"].to_numpy(dtype=bool)
    red_orange = cells["level"].isin([1, 2]).to_numpy()
    coverage = coverage_polygons(summary, resources, radii)
    people = population_per_community(communities, population)
    totals = (
        pd.DataFrame(
            {
                "cells_uncovered": uncovered,
                "cells_red_orange": red_orange,
                "cells_red_orange_uncovered": uncovered & red_orange,
            },
            index=cells["community_id"].astype(str).to_numpy(),
        )
        .groupby(level=0)
        .sum()
    )
    summarise_coverage(summary, totals, resources, coverage, people)
    return coverage


def resource_type(text: object) -> ResourceType | None:
    """The resource type a type text names (any listed name, any case), else None."""
    return _BY_NAME.get(str(text if text is not None else "").strip().lower())


def type_keys(types: pd.Series) -> np.ndarray:
    """Map each resource's type text to shelter/depot/medical (None when unknown)."""
    keys = [getattr(resource_type(v), "key", None) for v in types.to_numpy()]
    return np.array(keys, dtype=object)


def service_radii(radius: dict[str, float] | None) -> dict[str, float]:
    """Service radius per type key: the defaults (500 m) overridden by *radius*."""
    out = dict.fromkeys(TYPE_KEYS, DEFAULT_RADIUS_M)
    for key, value in (radius or {}).items():
        if key not in out:
            raise InputDataError(
                f"service radius: unknown resource type {key!r}; "
                f"use one of {', '.join(TYPE_KEYS)} (e.g. shelter=800)"
            )
        if not np.isfinite(value) or value <= 0:
            raise InputDataError(
                f"service radius for {key}: {value} m must be a positive number"
            )
        out[key] = float(value)
    return out


def add_cell_coverage(
    cells: gpd.GeoDataFrame, resources: gpd.GeoDataFrame, radius: dict[str, float]
) -> None:
    """Add ``<type>_dist_m`` and ``<type>_covered`` to *cells* (same CRS, metres).

    Shelter columns are always added (NaN/False without shelters); depot and
    medical columns only when such resources exist.
    """
    keys = type_keys(resources["type"])
    centres = shapely.get_coordinates(shapely.centroid(cells.geometry.values))
    for key in TYPE_KEYS:
        mask = keys == key
        if key != "shelter" and not mask.any():
            continue
        dist = _nearest_distance(centres, resources.geometry.values[mask])
        cells[f"{key}_dist_m"] = dist
        cells[f"{key}_covered"] = dist <= radius[key]


def _nearest_distance(centres: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance from every centre to the nearest of *points* (NaN when none)."""
    if len(points) == 0:
        return np.full(len(centres), np.nan)
    tree = cKDTree(shapely.get_coordinates(points))
    dist, _ = tree.query(centres, k=1)
    return dist


def coverage_polygons(
    communities: gpd.GeoDataFrame,
    resources: gpd.GeoDataFrame,
    radius: dict[str, float],
) -> gpd.GeoDataFrame:
    """Covered and uncovered part of every community per resource type present."""
    keys = type_keys(resources["type"])
    frames = []
    geoms = communities.geometry.values
    for rtype in RESOURCE_TYPES:
        mask = keys == rtype.key
        if not mask.any():
            continue
        reach = shapely.union_all(
            shapely.buffer(resources.geometry.values[mask], radius[rtype.key])
        )
        for status, part in (
            ("covered", shapely.intersection(geoms, reach)),
            ("uncovered", shapely.difference(geoms, reach)),
        ):
            frame = pd.DataFrame(
                {
                    "community_id": communities["community_id"].to_numpy(),
                    "community": communities["community"].to_numpy(),
                    "resource_type": rtype.key,
                    "label": rtype.label,
                    "radius_m": radius[rtype.key],
                    "status": status,
                    "geometry": shapely.make_valid(part),
                }
            )
            frames.append(frame)
    if not frames:
        return _empty_coverage(communities.crs)
    out = pd.concat(frames, ignore_index=True)
    out["geometry"] = _polygonal(out["geometry"].to_numpy())
    out = out[~shapely.is_empty(out["geometry"].to_numpy())].reset_index(drop=True)
    out["area_m2"] = shapely.area(out["geometry"].to_numpy())
    return gpd.GeoDataFrame(out, geometry="geometry", crs=communities.crs)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygon parts of each geometry (drop slivers of lines/points)."""
    out = geoms.copy()
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):  # GeometryCollection
        parts = shapely.get_parts(geoms[i])
        polys = parts[shapely.get_type_id(parts) >= 3]
        polys = polys[shapely.get_type_id(polys) <= 6]
        out[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def _empty_coverage(crs) -> gpd.GeoDataFrame:
    """A coverage layer with its columns and no rows."""
    columns = ["community_id", "community", "resource_type", "label"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame["radius_m"] = pd.Series(dtype=float)
    frame["status"] = pd.Series(dtype=object)
    frame["area_m2"] = pd.Series(dtype=float)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def summarise_coverage(
    summary: gpd.GeoDataFrame,
    totals: pd.DataFrame,
    resources: gpd.GeoDataFrame,
    coverage: gpd.GeoDataFrame,
    population: pd.Series,
) -> None:
    """Add population, shelter capacity, uncovered cells/area and red/orange share.

    *totals* holds per community id (as text) the counts ``cells_uncovered``,
    ``cells_red_orange`` and ``cells_red_orange_uncovered``.
    """
    ids = summary["community_id"].astype(str)
    summary["population"] = ids.map(population).astype(float).to_numpy()
    capacity = _shelter_capacity(summary, resources)
    summary["shelter_capacity"] = capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = capacity / summary["population"].to_numpy()
    summary["capacity_ratio"] = np.where(summary["population"] > 0, ratio, np.nan)
    summary["cells_uncovered"] = (
        ids.map(totals["cells_uncovered"]).fillna(0).astype(int).to_numpy()
    )
    summary["area_uncovered_m2"] = _uncovered_area(ids, summary, coverage)
    red_orange = ids.map(totals["cells_red_orange"]).fillna(0)
    both = ids.map(totals["cells_red_orange_uncovered"]).fillna(0)
    share = both / red_orange
    summary["red_orange_uncovered_share"] = share.where(red_orange > 0).to_numpy()


def _shelter_capacity(summary: gpd.GeoDataFrame, resources) -> np.ndarray:
    """Total capacity of the shelters lying inside each community."""
    shelters = resources[type_keys(resources["type"]) == "shelter"]
    out = np.zeros(len(summary))
    if len(shelters) == 0:
        return out
    shelter, part = shapely.STRtree(summary.geometry.values).query(
        shelters.geometry.values, predicate="intersects"
    )
    cap = pd.to_numeric(shelters["capacity"], errors="coerce").fillna(0).to_numpy()
    # a shelter on a shared border counts once, for the first community found
    _, first = np.unique(shelter, return_index=True)
    np.add.at(out, part[first], cap[shelter[first]])
    return out


def _uncovered_area(ids: pd.Series, summary, coverage: gpd.GeoDataFrame) -> np.ndarray:
    """Area of each community outside every shelter's service radius (m²)."""
    rows = coverage[
        (coverage["resource_type"] == "shelter") & (coverage["status"] == "uncovered")
    ]
    if not len(coverage[coverage["resource_type"] == "shelter"]):
        return shapely.area(summary.geometry.values)
    area = rows.groupby(rows["community_id"].astype(str))["area_m2"].sum()
    return ids.map(area).fillna(0.0).to_numpy()


def population_per_community(
    communities: gpd.GeoDataFrame, population: Population
) -> pd.Series:
    """Population by community id: a series, a table or raster file, or a field."""
    ids = communities["community_id"].astype(str)
    if isinstance(population, str | Path):
        path = Path(population)
        if path.suffix.lower() in RASTER_SUFFIXES:
            population = describe_raster(path)
        else:
            return read_population_table(path, communities)
    if isinstance(population, HazardRaster):
        return _raster_population(communities, population)
    if population is not None:
        series = pd.Series(population)
        series.index = series.index.astype(str)
        return series.astype(float)
    for col in communities.columns:
        if str(col).strip().lower() in POPULATION_ALIASES:
            values = pd.to_numeric(communities[col], errors="coerce").to_numpy()
            return pd.Series(values, index=ids.to_numpy(), dtype=float)
    return pd.Series(np.nan, index=ids.to_numpy(), dtype=float)


def _raster_population(communities, raster: HazardRaster) -> pd.Series:
    """Sum of the population-count pixels whose centres lie in each community."""
    geoms = communities.to_crs(raster.crs).geometry.values
    totals = []
    with rasterio.open(raster.path) as src:
        for geom in geoms:
            try:
                data, _ = rasterio.mask.mask(src, [geom], crop=True, filled=False)
            except ValueError:  # the community lies outside the raster
                totals.append(np.nan)
                continue
            totals.append(float(np.ma.sum(data[0].astype("float64"))))
    ids = communities["community_id"].astype(str).to_numpy()
    return pd.Series(totals, index=ids, dtype=float)


MAX_POPULATION = 1e9  # more people than any community (or country) holds


def read_population_table(path: Path, communities: gpd.GeoDataFrame) -> pd.Series:
    """Population per community id from a table with an id/name and a count column."""
    table = read_table(Path(path))
    key = find_column(table.columns, ("community_id", "id", "code", "编码"))
    name = find_column(table.columns, ("community", "name", "社区", "名称"))
    count = find_column(table.columns, POPULATION_ALIASES)
    if count is None or (key is None and name is None):
        raise InputDataError(
            f"{path}: a population table needs a community_id (or community/name) "
            f"column and a population (人口) column; found {', '.join(table.columns)}"
        )
    values = pd.to_numeric(table[count], errors="coerce")
    bad = values.isna() & table[count].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputDataError(
            f"{path}: row {row}, column {count!r}: {table[count].iloc[row - 2]!r} "
            "is not a number; write the head-count as digits"
        )
    where = [f"row {i + 2}" for i in range(len(table))]
    require_counts(values, table[count], path, where, MAX_POPULATION, "population")
    return _population_by_id(table, key, name, values, communities)


def _population_by_id(table, key, name, values, communities) -> pd.Series:
    """Index population values by community id (matching ids or names)."""
    if key is not None:
        index = table[key].astype(str).str.strip()
    else:
        by_name = dict(
            zip(
                communities["community"].astype(str),
                communities["community_id"].astype(str),
                strict=True,
            )
        )
        index = table[name].astype(str).str.strip().map(by_name)
    out = pd.Series(values.to_numpy(dtype=float), index=index.to_numpy())
    known = set(communities["community_id"].astype(str))
    unknown = [str(k) for k in out.index if str(k) not in known]
    if unknown:
        warnings.warn(
            f"population table: {len(unknown)} row(s) match no community "
            f"({', '.join(unknown[:5])}); their population is ignored",
            RiskmapWarning,
            stacklevel=4,
        )
    return out[[str(k) in known for k in out.index]]
