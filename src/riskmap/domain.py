"""Domain vocabulary: the four risk levels and their styles (docs/DOMAIN.md §1)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.errors import ModelError
from riskmap.resources import style_file

if TYPE_CHECKING:
    from riskmap.model import HazardRule, RiskModel

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class RiskLevel(IntEnum):
    """安全风险等级: 1 is the highest (重大/red), 4 the lowest (低/blue)."""

    MAJOR = 1
    CONSIDERABLE = 2
    GENERAL = 3
    LOW = 4


@dataclass(frozen=True)
class LevelStyle:
    """How one risk level is named and drawn."""

    level: RiskLevel
    name_zh: str
    name_en: str
    colour_zh: str
    colour_en: str
    color: str
    text: str
    hatch: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str = "zh") -> str:
        """The level's name in *lang* ("zh" or "en")."""
        return self.name_en if lang == "en" else self.name_zh

    def colour(self, lang: str = "zh") -> str:
        """The colour word in *lang* (红, red)."""
        return self.colour_en if lang == "en" else self.colour_zh

    def words(self) -> tuple[str, ...]:
        """Every word that names this level in data: names, colour words, aliases."""
        return (
            self.name_zh,
            self.name_en,
            self.colour_zh,
            self.colour_en,
            *self.aliases,
        )


def load_level_styles(path: Path | None = None) -> dict[RiskLevel, LevelStyle]:
    """Read the four level styles from *path* (default ``styles/levels.toml``, or the
    one in the ``RISKMAP_STYLES`` folder)."""
    path = path or style_file("levels.toml")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read level styles {path}: {exc}") from exc
    styles = {}
    for entry in data.get("level", []):
        style = _level_style(entry, path)
        styles[style.level] = style
    if set(styles) != set(RiskLevel):
        raise ModelError(f"{path}: must define exactly the levels 1, 2, 3 and 4")
    return styles


def _level_style(entry: dict, path: Path) -> LevelStyle:
    """Validate one ``[[level]]`` table."""
    try:
        style = LevelStyle(
            level=RiskLevel(int(entry["level"])),
            name_zh=str(entry["name_zh"]),
            name_en=str(entry["name_en"]),
            colour_zh=str(entry.get("colour_zh", "")),
            colour_en=str(entry.get("colour_en", "")),
            color=str(entry["color"]),
            text=str(entry.get("text", "#000000")),
            hatch=str(entry.get("hatch", "")),
            aliases=tuple(str(a) for a in entry.get("aliases", ())),
        )
    except (KeyError, ValueError) as exc:
        raise ModelError(f"{path}: bad [[level]] entry {entry!r}: {exc}") from exc
    for colour in (style.color, style.text):
        if not _HEX.match(colour):
            raise ModelError(f"{path}: colour {colour!r} is not of the form #RRGGBB")
    return style


def level_of_word(text: object) -> int | None:
    """The level 1-4 a data text names: a digit or any word of ``levels.toml``
    (名称, colour, alias; any case, a trailing 级 ignored), else None."""
    word = str(text if text is not None else "").strip().casefold().removesuffix("级")
    if word in ("1", "2", "3", "4"):
        return int(word)
    return _level_words(str(style_file("levels.toml"))).get(word)


def level_words_hint() -> str:
    """How a level may be written, for error messages: 1-4, 红/橙/黄/蓝 or …"""
    styles = load_level_styles()
    colours = "/".join(s.colour_zh for s in styles.values() if s.colour_zh)
    names = "/".join((s.aliases or (s.name_zh,))[0] for s in styles.values())
    return f"1-4, {colours} or {names}"


@lru_cache(maxsize=4)
def _level_words(path: str) -> dict[str, int]:
    """Casefolded level word -> level, from one levels file (cached per path)."""
    return {
        word.strip().casefold(): int(level)
        for level, style in load_level_styles(Path(path)).items()
        for word in style.words()
        if word.strip()
    }


FISHNET_X0, FISHNET_Y0 = 0.0, 1.0e7  # y0 north of any projected northing: rows >= 0
# hazard colours when a result carries no ramp (light to dark blue)
DEFAULT_RAMP = ("#DEEBF7", "#9ECAE1", "#4292C6", "#08519C", "#08306B")


@dataclass(frozen=True)
class GridSpec:
    """The analysis grid: the fishnet lattice in the working CRS, or a user grid.

    Fishnet cell (row, col) spans x from ``x0 + col·size`` and y down from
    ``y0 − row·size``; rows count southward. ``window`` (rows r0..r1, columns
    c0..c1, half-open) is the part of the lattice the run covers, when known.
    """

    size: float  # cell size in CRS units (metres); 0 for a user grid
    x0: float = FISHNET_X0
    y0: float = FISHNET_Y0
    crs: str | None = None  # WKT of the working CRS
    kind: str = "fishnet"  # "fishnet", or "user" (a polygon layer is the grid)
    window: tuple[int, int, int, int] | None = None

    @property
    def is_lattice(self) -> bool:
        """True for a fishnet with a positive cell size (cells follow from row/col)."""
        return self.kind == "fishnet" and self.size > 0

    def col_of(self, x: np.ndarray | float) -> np.ndarray:
        """Column index of x."""
        return np.floor((np.asarray(x) - self.x0) / self.size).astype(np.int64)

    def row_of(self, y: np.ndarray | float) -> np.ndarray:
        """Row index of y (row 0 lies just south of y0)."""
        return np.floor((self.y0 - np.asarray(y)) / self.size).astype(np.int64)

    def left(self, cols: np.ndarray | float) -> np.ndarray:
        """x of the west edge of columns *cols*."""
        return self.x0 + np.asarray(cols) * self.size

    def top(self, rows: np.ndarray | float) -> np.ndarray:
        """y of the north edge of rows *rows*."""
        return self.y0 - np.asarray(rows) * self.size

    def boxes(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Square polygons of cells (rows, cols)."""
        left, top = self.left(cols), self.top(rows)
        return shapely.box(left, top - self.size, left + self.size, top)

    def to_items(self) -> dict[str, Any]:
        """The run_info entries that describe the grid."""
        return {
            "grid": self.kind,
            "cell_size_m": self.size if self.kind == "fishnet" else None,
            "fishnet_origin": [self.x0, self.y0] if self.kind == "fishnet" else None,
            "grid_window": list(self.window) if self.window is not None else None,
        }

    @classmethod
    def from_items(cls, items: Mapping[str, Any]) -> GridSpec:
        """The grid of a run_info; files without an origin used the default one."""
        origin = items.get("fishnet_origin") or (FISHNET_X0, FISHNET_Y0)
        window = items.get("grid_window")
        size = items.get("cell_size_m")
        return cls(
            float(size) if size else 0.0,
            float(origin[0]),
            float(origin[1]),
            items.get("crs"),
            str(items.get("grid") or "fishnet"),
            tuple(int(v) for v in window) if window else None,
        )


def ramp_colours(ramp: tuple[str, ...], n: int) -> list[str]:
    """*n* colours from *ramp* (the default blue ramp if empty), interpolated when
    the ramp has another length."""
    ramp = tuple(ramp) or DEFAULT_RAMP
    if len(ramp) == n:
        return list(ramp)
    rgb = np.array([hex_rgb(c) for c in ramp], dtype=float)
    pos = np.linspace(0, len(ramp) - 1, n)
    mixed = [[np.interp(p, range(len(ramp)), rgb[:, k]) for k in range(3)] for p in pos]
    return ["#{:02X}{:02X}{:02X}".format(*(round(v) for v in c)) for c in mixed]


def hex_rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' -> (r, g, b)."""
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


# run_info keys of a hazard's grading (absent in results of older riskmap versions)
_GRADING_KEYS = ("statistic", "breaks", "severity", "threshold", "ramp")
# HazardRule fields a HazardInfo copies as they are
_RULE_FIELDS = (
    "statistic", "breaks", "severity", "threshold", "weight", "ramp", "class_names",
    "likelihood_field",
)  # fmt: skip


@dataclass(frozen=True)
class HazardInfo:
    """One hazard of a run: where compute read it, its names, and the model's
    classes, severities and colour ramp it was graded with (so maps need no model).
    """

    name: str
    kind: str  # "raster" or "zones"
    path: str
    field: str | None = None  # zones: the class field
    rule: str | None = None  # the model hazard (``flood`` for ``flood@100``)
    return_period: float | None = None
    label_zh: str = ""
    label_en: str = ""
    unit: str = ""
    resampling: str = "bilinear"
    crs: str | None = None  # WKT compute read the raster in (None for zones)
    graded: bool = False  # False: an older result that does not carry the grading
    statistic: str = "max"
    breaks: tuple[float, ...] = ()
    severity: tuple[float, ...] = ()
    threshold: float = 0.0
    weight: float = 1.0
    ramp: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    zone_classes: tuple[tuple[str, float], ...] = ()  # (class as written, severity)
    likelihood_field: str | None = None

    def label(self, lang: str = "zh") -> str:
        """Display name (with the return period of a scenario)."""
        return (self.label_en if lang == "en" else self.label_zh) or self.name

    @property
    def model_rule(self) -> HazardRule | None:
        """The model's rule as the run used it; None for an older, ungraded result."""
        from riskmap.model import HazardRule, class_key

        if not self.graded:
            return None
        return HazardRule(
            name=self.rule or self.name,
            kind=self.kind,
            label_zh=self.label_zh,
            label_en=self.label_en,
            unit=self.unit,
            resampling=self.resampling,
            classes={class_key(k): v for k, v in self.zone_classes},
            class_labels={class_key(k): k for k, _ in self.zone_classes},
            **{name: getattr(self, name) for name in _RULE_FIELDS},
        )

    def graded_by(self, rule: HazardRule) -> HazardInfo:
        """This hazard carrying the grading of the model's *rule*."""
        zones = tuple((rule.class_labels[k], v) for k, v in rule.classes.items())
        grading = {name: getattr(rule, name) for name in _RULE_FIELDS}
        return replace(self, graded=True, zone_classes=zones, **grading)

    def class_colours(self) -> list[str]:
        """One colour per raster class (len(breaks) + 1) along the model's ramp."""
        return ramp_colours(self.ramp, len(self.breaks) + 1)

    def paint_index(self, values: np.ndarray) -> np.ndarray:
        """What a map paints at each raster value: 0 nothing (no data, or not above
        zero), else 1 + the value's class (a value on a break goes up)."""
        values = np.asarray(values, dtype="float64")
        with np.errstate(invalid="ignore"):
            shown = np.isfinite(values) & (values > 0)
        classes = np.searchsorted(np.asarray(self.breaks, dtype=float), values, "right")
        return np.where(shown, classes + 1, 0)

    def to_item(self) -> dict[str, Any]:
        """The hazard as stored in run_info (JSON)."""
        item = {
            "name": self.name,
            "kind": self.kind,
            "path": self.path,
            "field": self.field,
            "rule": self.rule,
            "return_period": self.return_period,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "resampling": self.resampling,
            "crs": self.crs,
        }
        if self.graded:
            item.update(
                statistic=self.statistic,
                breaks=list(self.breaks),
                severity=list(self.severity),
                threshold=self.threshold,
                weight=self.weight,
                ramp=list(self.ramp),
                class_names=list(self.class_names),
                zone_classes=[[k, v] for k, v in self.zone_classes],
                likelihood_field=self.likelihood_field,
            )
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> HazardInfo:
        """A run_info hazard entry (of any riskmap version) as a HazardInfo."""
        graded = all(key in item for key in _GRADING_KEYS)
        period = item.get("return_period")
        grading: dict[str, Any] = {}
        if graded:
            grading = {
                "statistic": str(item["statistic"]),
                "breaks": tuple(float(v) for v in item["breaks"]),
                "severity": tuple(float(v) for v in item["severity"]),
                "threshold": float(item["threshold"]),
                "weight": float(item.get("weight", 1.0)),
                "ramp": tuple(str(v) for v in item["ramp"]),
                "class_names": tuple(str(v) for v in item.get("class_names") or ()),
                "zone_classes": tuple(
                    (str(k), float(v)) for k, v in item.get("zone_classes") or ()
                ),
                "likelihood_field": item.get("likelihood_field"),
            }
        return cls(
            name=str(item["name"]),
            kind=str(item.get("kind") or "raster"),
            path=str(item.get("path") or ""),
            field=item.get("field"),
            rule=item.get("rule"),
            return_period=float(period) if period is not None else None,
            label_zh=str(item.get("label_zh") or ""),
            label_en=str(item.get("label_en") or ""),
            unit=str(item.get("unit") or ""),
            resampling=str(item.get("resampling") or "bilinear"),
            crs=item.get("crs"),
            graded=graded,
            **grading,
        )


@dataclass(frozen=True)
class ModelInfo:
    """The risk model a run used, as maps and notices describe it."""

    name: str = ""
    source: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    level_rule: str = "max"
    level_rule_zh: str = ""
    level_rule_en: str = ""
    affected_level: int = 2

    def summary(self, lang: str = "zh") -> str:
        """The model's one-line summary in *lang*."""
        return self.summary_en if lang == "en" else self.summary_zh

    def rule_text(self, lang: str = "zh") -> str:
        """The headline-level rule as a sentence in *lang*."""
        return self.level_rule_en if lang == "en" else self.level_rule_zh

    @classmethod
    def of(cls, model: RiskModel) -> ModelInfo:
        """What a run records of *model*."""
        return cls(
            name=model.name,
            source=model.source,
            summary_zh=f"{model.summary('zh')}；{model.rule_summary('zh')}",
            summary_en=f"{model.summary('en')}; {model.rule_summary('en')}",
            level_rule=model.level_rule,
            level_rule_zh=model.rule_summary("zh"),
            level_rule_en=model.rule_summary("en"),
            affected_level=model.affected_level,
        )


# run_info keys held by ModelInfo (file key -> field)
_MODEL_KEYS = {
    "model_name": "name",
    "model_source": "source",
    "model_summary_zh": "summary_zh",
    "model_summary_en": "summary_en",
    "level_rule": "level_rule",
    "level_rule_zh": "level_rule_zh",
    "level_rule_en": "level_rule_en",
    "affected_level": "affected_level",
}
_GRID_KEYS = ("grid", "cell_size_m", "fishnet_origin", "grid_window")


@dataclass(frozen=True)
class RunInfo:
    """What a result says about its run: CRS, grid, model, hazards, date.

    Stored in RESULT.gpkg's ``run_info`` table (key, JSON value; see
    docs/RESULT_SCHEMA.md). Keys this version does not know stay in ``extra``.
    """

    crs: str  # WKT of the working CRS
    grid: GridSpec
    model: ModelInfo = field(default_factory=ModelInfo)
    hazards: tuple[HazardInfo, ...] = ()
    riskmap_version: str = ""
    created_at: str = ""  # ISO UTC
    crs_name: str = ""
    cells_n: int = 0
    return_periods: tuple[float, ...] = ()
    exposure: tuple[str, ...] = ()
    exposure_sources: Mapping[str, str] | None = None
    service_radius_m: Mapping[str, float] | None = None
    cells_mode: str | None = None
    level_raster: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def data_date(self) -> str:
        """The date (YYYY-MM-DD) the result was computed, as maps print it."""
        return self.created_at[:10]

    def hazard(self, name: str) -> HazardInfo | None:
        """The hazard called *name*, if the run had one."""
        return next((h for h in self.hazards if h.name == name), None)

    def updated(self, **changes: Any) -> RunInfo:
        """A copy with *changes* (RunInfo is immutable)."""
        return replace(self, **changes)

    def to_items(self) -> dict[str, Any]:
        """Every run_info entry (key -> JSON-able value), as written to the file."""
        items: dict[str, Any] = {
            "riskmap_version": self.riskmap_version,
            "created_at": self.created_at,
            "crs": self.crs,
            "crs_name": self.crs_name,
            **self.grid.to_items(),
            "cells_n": self.cells_n,
            **{key: getattr(self.model, name) for key, name in _MODEL_KEYS.items()},
            "return_periods": list(self.return_periods),
            "exposure": list(self.exposure),
            "exposure_sources": self.exposure_sources,
            "hazards": [h.to_item() for h in self.hazards],
            "service_radius_m": self.service_radius_m,
            "cells_mode": self.cells_mode,
            "level_raster": self.level_raster,
        }
        return {**self.extra, **items}

    @classmethod
    def from_items(cls, items: Mapping[str, Any]) -> RunInfo:
        """A run_info table read back (older files lack some entries: defaults)."""
        model = ModelInfo(
            **{name: items[key] for key, name in _MODEL_KEYS.items() if key in items}
        )
        if items.get("affected_level") is not None:
            model = replace(model, affected_level=int(items["affected_level"]))
        own = {f.name for f in fields(cls)} - {"grid", "model", "hazards", "extra"}
        known = own | set(_MODEL_KEYS) | set(_GRID_KEYS) | {"hazards"}
        values = {k: items[k] for k in own if items.get(k) is not None}
        return cls(
            **values
            | {
                "crs": str(items["crs"]),
                "grid": GridSpec.from_items(items),
                "model": model,
                "hazards": tuple(HazardInfo.from_item(h) for h in items["hazards"]),
                "return_periods": tuple(
                    float(t) for t in items.get("return_periods") or ()
                ),
                "exposure": tuple(str(f) for f in items.get("exposure") or ()),
                "cells_n": int(items.get("cells_n") or 0),
                "extra": {k: v for k, v in items.items() if k not in known},
            }
        )


@dataclass
class RiskResult:
    """An analysis result: cells, community summary, enriched points, and the run
    that made them (grid, model, hazards: everything a map needs to draw them)."""

    cells: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    run_info: RunInfo
    resources: gpd.GeoDataFrame | None = None
    coverage: gpd.GeoDataFrame | None = None
    # people/buildings/households per community, hazard and hazard class
    exposure_classes: pd.DataFrame | None = None
    # ledger photo thumbnails of the points (point_id, name, media_type, jpeg_base64)
    photos: pd.DataFrame | None = None

    @property
    def grid(self) -> GridSpec:
        """The grid the cells lie on."""
        return self.run_info.grid
