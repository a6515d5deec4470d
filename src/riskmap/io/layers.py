"""Load the analysis inputs named on the command line into validated layers."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.domain import level_of_word, level_words_hint
from riskmap.errors import (
    InputDataError,
    MissingFileError,
    RiskmapWarning,
    did_you_mean,
)
from riskmap.io.crs import points_system
from riskmap.io.pointrows import (
    Box,
    PointRows,
    locate,
    read_point_rows,
    require_located,
)
from riskmap.io.rasters import (
    RASTER_SUFFIXES,
    HazardRaster,
    describe_raster,
    source_exists,
)
from riskmap.io.request import HazardSpec
from riskmap.io.vectors import find_column, read_vector, require_counts
from riskmap.model import RiskModel

ID_ALIASES = ("community_id", "id", "code", "编码", "社区编码", "adcode")
NAME_ALIASES = ("community", "name", "名称", "社区", "社区名称")
# the ledger's headers (registry.fields) for the fields compute uses
POINT_ALIASES = {
    "point_id": ("point_id", "id", "编号", "隐患编号", "序号编号"),
    "name": ("name", "名称", "隐患名称", "隐患点名称"),
    "type": ("type", "类型", "隐患类型", "灾害类型"),
    "category": ("category", "类别", "分类", "要素类别"),
    "level": ("level", "风险等级", "等级", "风险级别"),
}


POINT_FIELDS = ("point_id", "name", "type", "category", "level", "likelihood")
POINT_ADDED = ("cell_id", "community_id", "community", "radius_m")
RESOURCE_FIELDS = ("resource_id", "name", "type", "capacity")
USER_PREFIX = "src_"


@dataclass(frozen=True)
class HazardInput:
    """A loaded hazard: a raster, or zone polygons with a class field."""

    name: str
    path: Path
    raster: HazardRaster | None = None
    zones: gpd.GeoDataFrame | None = None
    field: str | None = None
    return_period: float | None = None  # years; None: not a scenario
    rule_name: str | None = None  # the model's hazard when *name* is a scenario's

    @property
    def kind(self) -> str:
        """ "raster" or "zones"."""
        return "raster" if self.raster is not None else "zones"

    @property
    def rule(self) -> str:
        """The risk model's hazard this layer is graded by."""
        return self.rule_name or self.name


def scenario_name(name: str, return_period: float | None) -> str:
    """Column prefix of a hazard layer: ``flood`` or ``flood_rp100`` for a scenario."""
    return name if return_period is None else f"{name}_rp{return_period:g}"


def load_hazard(spec: HazardSpec, assume_crs: str | None = None) -> HazardInput:
    """Open a hazard raster, or read a zone layer and check its class field."""
    if not source_exists(spec.path):
        raise MissingFileError(f"hazard {spec.name!r}: {spec.path}: file not found")
    rule_name = spec.name if spec.return_period is not None else None
    name = scenario_name(spec.name, spec.return_period)
    if spec.path.suffix.lower() in RASTER_SUFFIXES and spec.field is None:
        return HazardInput(
            name,
            spec.path,
            raster=describe_raster(spec.path, assume_crs=assume_crs),
            return_period=spec.return_period,
            rule_name=rule_name,
        )
    zones = read_vector(spec.path, assume_crs=assume_crs)
    if spec.field is None:
        raise InputDataError(
            f"hazard {spec.name!r}: {spec.path} is a vector layer; name its class "
            f"field as {spec.name}=PATH:FIELD (fields: {', '.join(_fields(zones))})"
        )
    _require_field(zones, spec.field, spec.path)
    return HazardInput(
        name, spec.path, zones=zones, field=spec.field,
        return_period=spec.return_period, rule_name=rule_name,
    )  # fmt: skip


def load_grid(path: str | Path, assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """Read management-grid polygons (网格) to use as the cells."""
    grid = read_vector(path, assume_crs=assume_crs)
    _require_polygons(grid, path, "grid cells")
    return grid


def _require_polygons(gdf: gpd.GeoDataFrame, path, what: str) -> None:
    """Refuse a layer that holds anything but polygons."""
    polygonal = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.all():
        raise InputDataError(
            f"{path}: {what} must be polygons; found "
            f"{', '.join(sorted(set(gdf.geometry.geom_type[~polygonal])))}"
        )


def load_communities(
    path: str | Path,
    id_field: str | None = None,
    name_field: str | None = None,
    assume_crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read community polygons; add ``community_id`` and ``community`` columns."""
    gdf = read_vector(path, assume_crs=assume_crs)
    _require_polygons(gdf, path, "communities")
    id_col = _pick(gdf, id_field, ID_ALIASES, path, "--id-field")
    name_col = _pick(gdf, name_field, NAME_ALIASES, path, "--name-field")
    ids = (
        gdf[id_col].astype(str)
        if id_col
        else pd.Series([f"C{i + 1:03d}" for i in range(len(gdf))], index=gdf.index)
    )
    if ids.duplicated().any():
        dup = ", ".join(ids[ids.duplicated()].unique()[:5])
        raise InputDataError(
            f"{path}: community ids are not unique ({dup}); choose another --id-field"
        )
    out = gdf.drop(columns=[c for c in ("community_id", "community") if c in gdf])
    out.insert(0, "community_id", ids.values)
    out.insert(
        1, "community", gdf[name_col].astype(str).values if name_col else ids.values
    )
    return out.reset_index(drop=True)


def load_points(
    path: str | Path,
    model: RiskModel,
    coords: str | None = None,
    *,
    assume: str | None = None,
    box: Box | None = None,
) -> gpd.GeoDataFrame:
    """Read registered risk points with columns point_id, name, type, category, level.

    The ledger's reader (see read_point_rows; *coords* as ``--points-coords``,
    *assume* for files that do not say). A record with no level takes its type's
    default level from the risk model.
    """
    out, cols, rows = _read_points(path, POINT_ALIASES, coords, assume, box)
    n = len(out)
    out["point_id"] = _text(out, cols["point_id"], [f"P{i + 1:05d}" for i in range(n)])
    out["name"] = _text(out, cols["name"], out["point_id"].tolist())
    out["type"] = _text(out, cols["type"], [UNCLASSIFIED] * n)
    out["category"] = _text(out, cols["category"], [""] * n)
    out["level"] = _levels(out, cols["level"], model, rows)
    out["likelihood"] = _likelihoods(out, model.matrix.point_likelihood_field, rows)
    _warn_unknown_types(out["type"], model, path)
    return out.reset_index(drop=True)


UNCLASSIFIED = "未分类"


def _warn_unknown_types(types: pd.Series, model: RiskModel, path) -> None:
    """Say which point types the model does not list, what they get instead and
    which listed type was probably meant (内涝 -> 内涝点)."""
    counts = types[~types.isin([*model.point_types, UNCLASSIFIED])].value_counts()
    default = model.default_point
    for name, n in counts.items():
        guess = did_you_mean(str(name), model.point_types)
        hint = (
            f"; did you mean {guess} ({model.point_types[guess].radius:g} m)?"
            if guess
            else ""
        )
        warnings.warn(
            f"{path}: {n} point(s) of unknown type {name!r}: not in the risk model, "
            f"so they get the default radius {default.radius:g} m and level "
            f"{default.default_level}{hint}",
            RiskmapWarning,
            stacklevel=3,
        )


MAX_CAPACITY = 10_000_000  # people one resource can take: beyond is a mistake
RESOURCE_ALIASES = {
    "resource_id": ("resource_id", "id", "编号"),
    "name": ("name", "名称"),
    "type": ("type", "类型"),
    "capacity": ("capacity", "容量", "容纳人数"),
}


def load_resources(
    path: str | Path,
    coords: str | None = None,
    *,
    assume: str | None = None,
    box: Box | None = None,
) -> gpd.GeoDataFrame:
    """Read emergency resources (shelters, depots, medical points) as points.

    Standard columns: resource_id, name, type (避难场所/物资储备点/医疗点), capacity.
    """
    out, cols, rows = _read_points(path, RESOURCE_ALIASES, coords, assume, box)
    n = len(out)
    out["resource_id"] = _text(
        out, cols["resource_id"], [f"R{i + 1:04d}" for i in range(n)]
    )
    out["name"] = _text(out, cols["name"], out["resource_id"].tolist())
    out["type"] = _text(out, cols["type"], ["避难场所"] * n)
    capacity = (
        out[cols["capacity"]] if cols["capacity"] else pd.Series(0, index=out.index)
    )
    numbers = pd.to_numeric(capacity, errors="coerce")
    where = [rows.where(i) for i in range(n)]
    require_counts(numbers, capacity, rows.path, where, MAX_CAPACITY, "capacity")
    out["capacity"] = numbers.fillna(0).astype(int)
    return out.reset_index(drop=True)


def keep_user_fields(
    frame: gpd.GeoDataFrame, ours: tuple[str, ...] | list[str]
) -> gpd.GeoDataFrame:
    """Rename the user's fields that would clash with riskmap's in a GeoPackage.

    GeoPackage (SQLite) field names ignore case, so a shapefile's ``NAME`` and the
    ``name`` riskmap adds cannot both be written. Rule: riskmap's fields keep their
    names; a user field equal to one of them or to an earlier field, ignoring case,
    becomes ``src_<field>`` (then ``src_<field>_2`` ...). Values are never changed.
    """
    taken = {str(c).casefold() for c in ours}
    renames: dict[str, str] = {}
    for col in frame.columns:
        if col in ours or col == frame.geometry.name:
            continue
        new, k = str(col), 1
        while new.casefold() in taken:
            k += 1
            new = f"{USER_PREFIX}{col}" if k == 2 else f"{USER_PREFIX}{col}_{k - 1}"
        taken.add(new.casefold())
        if new != col:
            renames[col] = new
    return frame.rename(columns=renames) if renames else frame


def _read_points(path, aliases: dict, coords, assume, box):
    """Read points in WGS84 (polygons give an inner point), refusing any record
    without usable coordinates, and find the columns matching *aliases*."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    rows = read_point_rows(
        path, coords or (points_system(assume) if assume else None),
        option="--points-coords", assume_only=coords is None,
    )  # fmt: skip
    lon, lat, problems = locate(rows, box)
    require_located(rows, problems, "--points-coords")
    if len(rows.rows) == 0:
        raise InputDataError(f"{path}: the layer is empty (no features)")
    gdf = gpd.GeoDataFrame(
        rows.frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    cols = {k: find_column(gdf.columns, v) for k, v in aliases.items()}
    return gdf, cols, rows


def _levels(
    gdf: gpd.GeoDataFrame, col: str | None, model: RiskModel, rows: PointRows
) -> np.ndarray:
    """Point levels 1-4, from the level column or the type's default."""
    default = np.array([model.point_rule(t).default_level for t in gdf["type"]])
    if col is None:
        return default
    raw = gdf[col].map(_parse_level)
    bad = raw.isna() & gdf[col].notna() & (gdf[col].astype(str).str.strip() != "")
    _refuse_bad(gdf[col], bad, rows, "a level", level_words_hint())
    return np.where(raw.isna(), default, raw.fillna(0)).astype(int)


def _refuse_bad(
    column: pd.Series, bad: pd.Series, rows: PointRows, what: str, accepted: str
) -> None:
    """Exit-2 error naming the first bad value's row, the count and what to use."""
    if not bad.any():
        return
    first = np.flatnonzero(bad.to_numpy())[0]
    value = column.iloc[first]
    shown = repr(value if isinstance(value, str) else str(value))
    raise InputDataError(
        f"{rows.path}: {rows.where(first)}: {column.name} {shown} is not {what} "
        f"({int(bad.sum())} bad value(s)); use {accepted}"
    )


LIKELIHOOD_ALIASES = ("likelihood", "可能性", "ls_l", "LS-L 可能性")


def ledger_likelihoods(points: pd.DataFrame, model: RiskModel) -> np.ndarray:
    """Likelihood classes of ledger points for the risk matrix (0: none given);
    the ledger accepted only 1-5 when each point was entered."""
    col = find_column(
        points.columns, (model.matrix.point_likelihood_field, *LIKELIHOOD_ALIASES)
    )
    if col is None:
        return np.zeros(len(points), dtype="int8")
    values = pd.to_numeric(points[col], errors="coerce")
    return np.where(values.isin([1, 2, 3, 4, 5]), values, 0).astype("int8")


def _likelihoods(gdf: gpd.GeoDataFrame, field: str, rows: PointRows) -> np.ndarray:
    """Each point's likelihood class 1-5 for the risk matrix (0: none given), from
    the model's ``point_likelihood_field`` (the ledger's LS-L by default)."""
    col = find_column(gdf.columns, (field, *LIKELIHOOD_ALIASES))
    if col is None:
        return np.zeros(len(gdf), dtype="int8")
    text = gdf[col].astype(str).str.strip()
    given = gdf[col].notna() & (text != "") & (text.str.lower() != "nan")
    values = pd.to_numeric(gdf[col], errors="coerce")
    bad = given & ~values.isin([1, 2, 3, 4, 5])
    _refuse_bad(gdf[col], bad, rows, "a likelihood class", "1-5 or leave it empty")
    return np.where(given, values.fillna(0), 0).astype("int8")


def _parse_level(value) -> float:
    """A level 1-4 from a number or a level word of levels.toml; NaN if not one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    word = level_of_word(value)
    if word is not None:
        return float(word)
    try:
        level = float(str(value).strip())
    except ValueError:
        return np.nan
    return level if level in (1, 2, 3, 4) else np.nan


def _text(gdf: gpd.GeoDataFrame, col: str | None, default: list[str]) -> list[str]:
    """Column *col* as text with blanks filled from *default*."""
    if col is None:
        return list(default)
    values = gdf[col].astype(object).where(gdf[col].notna(), None)
    return [
        str(v) if v is not None and str(v).strip() else d
        for v, d in zip(values, default, strict=True)
    ]


def _pick(gdf, field: str | None, aliases, path, option: str) -> str | None:
    """The user's field (checked) or the first alias present."""
    if field:
        _require_field(gdf, field, path, option)
        return field
    return find_column(gdf.columns, aliases)


def _require_field(gdf, field: str, path, option: str = "field") -> None:
    """Raise a clear error when *field* is not in the layer."""
    if field not in gdf.columns:
        raise InputDataError(
            f"{path}: no field {field!r} ({option}); "
            f"fields are: {', '.join(_fields(gdf))}"
        )


def _fields(gdf) -> list[str]:
    """Attribute field names (without geometry)."""
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]
