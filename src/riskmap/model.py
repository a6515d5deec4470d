"""The risk model: hazard classes, point influence and score-to-level thresholds (TOML).

Examples
--------
>>> model = load_model()
>>> model.hazards["flood"].breaks
(0.5, 1.0, 2.0, 3.0)
>>> model.levels_of([0.8, 0.5, 0.3, 0.0]).tolist()
[1, 2, 3, 4]
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from riskmap.errors import ModelError
from riskmap.model_schema import ModelSchema, describe_errors
from riskmap.point_types import PointTypes, load_point_types
from riskmap.resources import styles_dir

RESAMPLINGS = ("bilinear", "nearest", "cubic", "average", "mode")


@dataclass(frozen=True)
class HazardRule:
    """How one hazard layer turns into a severity in [0, 1]."""

    name: str
    kind: str  # "raster" or "zones"
    label_zh: str
    label_en: str
    unit: str = ""
    statistic: str = "max"
    breaks: tuple[float, ...] = ()
    severity: tuple[float, ...] = ()
    threshold: float = 0.0
    weight: float = 1.0
    resampling: str = "bilinear"
    ramp: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    classes: Mapping[str, float] = field(default_factory=dict)  # class_key -> sev
    class_labels: Mapping[str, str] = field(default_factory=dict)  # key -> as written
    likelihood_field: str | None = None  # zones: likelihood class 1-5 per zone

    def label(self, lang: str = "zh") -> str:
        """Display name of the hazard."""
        return self.label_en if lang == "en" else self.label_zh

    def class_index(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Class 0..len(breaks) of raster *values*; a value on a break goes up."""
        return np.searchsorted(np.asarray(self.breaks), values, side="right")

    def severity_of(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Severity of raster *values* by their class; NaN (no data) gives 0."""
        values = np.asarray(values, dtype="float64")
        sev = np.asarray(self.severity)[self.class_index(values)]
        return np.where(np.isnan(values), 0.0, sev)

    def zone_severity(self, value: Any) -> float:
        """Severity of a zone class value; unknown values are an input error."""
        return self.classes[self._known_key(value)]

    def zone_label(self, value: Any) -> str:
        """The class as the model writes it (data ``yes`` -> model ``YES``)."""
        return self.class_labels[self._known_key(value)]

    def _known_key(self, value: Any) -> str:
        """class_key of *value*, or a ModelError listing the model's classes."""
        key = class_key(value)
        if key not in self.classes:
            known = ", ".join(sorted(self.class_labels.values()))
            raise ModelError(
                f"hazard {self.name!r}: zone class {value!r} is not in the risk model "
                f"(known classes: {known}); add it under [hazards.{self.name}] classes"
            )
        return key


@dataclass(frozen=True)
class PointRule:
    """Influence of one type of registered risk point."""

    radius: float
    default_level: int


@dataclass(frozen=True)
class MatrixRule:
    """A likelihood × consequence matrix (GB/T 42768 style; every number configurable).

    Likelihood 5 (almost certain) … 1 (rare) comes from a scenario's return period,
    consequence 1 … 5 from hazard severity and the people in the cell; ``table``
    [likelihood - 1][consequence - 1] is the level 1 (红) … 4 (蓝).
    """

    likelihood_years: tuple[float, ...] = (10.0, 20.0, 50.0, 100.0)
    default_likelihood: int = 3
    severity_breaks: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    people_breaks: tuple[float, ...] = (1.0, 10.0, 50.0, 200.0)
    consequence: str = "min"
    table: tuple[tuple[int, ...], ...] = (
        (4, 4, 4, 4, 4),
        (4, 4, 4, 4, 3),
        (4, 4, 3, 3, 2),
        (4, 4, 3, 2, 1),
        (4, 3, 2, 1, 1),
    )
    name: str = "GB/T 42768 式 5×5 矩阵（可配置）"
    # risk points: the ledger field with their likelihood class 1-5 (LS method's L)
    point_likelihood_field: str = "ls_l"

    def likelihood_of(self, return_period: float | None) -> int:
        """Likelihood class 1-5 of a return period in years (None: the default)."""
        if return_period is None:
            return self.default_likelihood
        above = int(np.searchsorted(self.likelihood_years, return_period, side="left"))
        return 5 - above

    def consequence_of(
        self, severity: np.ndarray, people: np.ndarray | None
    ) -> np.ndarray:
        """Consequence class 1-5 per cell from severity and (when known) people."""
        sev = 1 + np.searchsorted(self.severity_breaks, severity, side="right")
        if people is None:
            return sev.astype("int8")
        ppl = 1 + np.searchsorted(self.people_breaks, people, side="right")
        if self.consequence == "max":
            both = np.maximum(sev, ppl)
        elif self.consequence == "mean":
            both = np.ceil((sev + ppl) / 2)
        else:
            both = np.minimum(sev, ppl)
        return both.astype("int8")

    def level_of(
        self, likelihood: int | np.ndarray, consequence: np.ndarray
    ) -> np.ndarray:
        """Level 1-4 per cell from the matrix (one likelihood, or one per cell)."""
        table = np.asarray(self.table, dtype="int8")
        return table[
            np.asarray(likelihood, dtype=int) - 1,
            np.asarray(consequence, dtype=int) - 1,
        ]


@dataclass(frozen=True)
class RiskModel:
    """A complete, validated risk model."""

    name: str
    thresholds: tuple[float, float, float]  # red, orange, yellow lower bounds
    hazard_combine: str
    combine: str
    hazard_weight: float
    points_weight: float
    hazards: Mapping[str, HazardRule]
    point_types: Mapping[str, PointRule]
    default_point: PointRule
    level_base: Mapping[int, float]
    decay: str
    source: str = ""
    # headline level over return-period scenarios: "max" (most severe) or "matrix"
    level_rule: str = "max"
    # a cell's people count as affected in a scenario at this level or worse
    affected_level: int = 2
    matrix: MatrixRule = field(default_factory=MatrixRule)

    def levels_of(self, scores: Sequence[float] | np.ndarray) -> np.ndarray:
        """Risk level 1-4 for each score (a score equal to a threshold goes up)."""
        red, orange, yellow = self.thresholds
        scores = np.asarray(scores, dtype="float64")
        return np.select(
            [scores >= red, scores >= orange, scores >= yellow], [1, 2, 3], 4
        ).astype("int8")

    def point_rule(self, point_type: str) -> PointRule:
        """The influence rule for *point_type* (the default for unlisted types)."""
        return self.point_types.get(str(point_type), self.default_point)

    def summary(self, lang: str = "zh") -> str:
        """One line that explains the model, for legends and map footers."""
        red, orange, yellow = self.thresholds
        if lang == "en":
            return (
                f"score = {self.combine}(hazard, points); level 1 red >= {red:g}, "
                f"2 orange >= {orange:g}, 3 yellow >= {yellow:g}, else 4 blue"
            )
        return (
            f"得分 = {self.combine}(灾害分, 隐患点分)；≥{red:g} 重大(红)，"
            f"≥{orange:g} 较大(橙)，≥{yellow:g} 一般(黄)，其余 低(蓝)"
        )

    def rule_summary(self, lang: str = "zh") -> str:
        """One line naming the headline-level rule, for legends and notices."""
        if self.level_rule == "matrix":
            if lang == "en":
                return (
                    "level by likelihood × consequence matrix "
                    f"({self.matrix.name}; configurable)"
                )
            return f"等级按可能性×后果矩阵（{self.matrix.name}）"
        if lang == "en":
            return "level = most severe over the return-period scenarios"
        return "等级取各重现期情景中最不利者"


def default_model_path() -> Path:
    """Path of the risk model that ships with riskmap."""
    return styles_dir() / "model.toml"


def load_model(path: str | Path | None = None) -> RiskModel:
    """Read and validate a risk model TOML file (default: the bundled model)."""
    path = Path(path) if path else default_model_path()
    if not path.is_file():
        raise ModelError(f"risk model file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read risk model {path}: {exc}") from exc
    return model_from_dict(data, str(path))


def model_from_dict(data: dict[str, Any], source: str) -> RiskModel:
    """Validate parsed TOML against the schema and build the RiskModel.

    Every error names the key's path, e.g. ``hazards.flood.breaks.2``.
    """
    try:
        schema = ModelSchema.model_validate(data)
    except ValidationError as exc:
        raise ModelError(f"risk model {source}: {describe_errors(exc)}") from None
    points = schema.points
    default, point_types = _point_rules(points, load_point_types())
    return RiskModel(
        name=schema.name if schema.name is not None else Path(source).stem,
        thresholds=(schema.levels.red, schema.levels.orange, schema.levels.yellow),
        hazard_combine=schema.score.hazard_combine,
        combine=schema.score.combine,
        hazard_weight=schema.score.hazard_weight,
        points_weight=schema.score.points_weight,
        hazards={
            name: _hazard_rule(name, table) for name, table in schema.hazards.items()
        },
        point_types=point_types,
        default_point=default,
        level_base={1: 1.0, 2: 0.7, 3: 0.45, 4: 0.2}
        | {int(k): v for k, v in points.level_base.items()},
        decay=points.decay,
        source=source,
        level_rule=schema.scenarios.level_rule,
        affected_level=schema.scenarios.affected_level,
        matrix=_matrix_rule(schema.matrix),
    )


def _point_rules(points, table: PointTypes) -> tuple[PointRule, dict[str, PointRule]]:
    """The unlisted-type rule and one rule per type name (and alias): radius and
    default level from the point-type table, where the model sets none of its own."""
    default = PointRule(
        _first(points.default_radius, table.unlisted_radius),
        _first(points.default_level, table.unlisted_level),
    )
    rules = {
        name: PointRule(t.radius, t.default_level)
        for t in table.types.values()
        for name in (t.type, *t.aliases)
    }
    for name, own in points.types.items():
        base = table.get(name)
        rules[name] = PointRule(
            _first(own.radius, base.radius if base else default.radius),
            _first(own.default_level, base.default_level if base else None)
            or default.default_level,
        )
    return default, rules


def _first(*values):
    """The first value that is not None."""
    return next((v for v in values if v is not None), None)


def _matrix_rule(table) -> MatrixRule:
    """The validated ``[matrix]`` table as a MatrixRule (defaults for the rest)."""
    base = MatrixRule()
    return MatrixRule(
        likelihood_years=tuple(table.likelihood_years or base.likelihood_years),
        default_likelihood=table.default_likelihood,
        severity_breaks=tuple(table.severity_breaks or base.severity_breaks),
        people_breaks=tuple(table.people_breaks or base.people_breaks),
        consequence=table.consequence,
        table=tuple(tuple(row) for row in table.table) if table.table else base.table,
        name=table.name if table.name is not None else base.name,
        point_likelihood_field=table.point_likelihood_field
        or base.point_likelihood_field,
    )


def _hazard_rule(name: str, table) -> HazardRule:
    """One validated ``[hazards.NAME]`` table as a HazardRule."""
    return HazardRule(
        name=name,
        kind=table.kind,
        label_zh=table.label_zh if table.label_zh is not None else name,
        label_en=table.label_en if table.label_en is not None else name,
        unit=table.unit,
        statistic=table.statistic,
        breaks=tuple(table.breaks),
        severity=tuple(table.severity),
        threshold=table.threshold,
        weight=table.weight,
        resampling=table.resampling,
        ramp=tuple(table.ramp),
        class_names=tuple(table.class_names),
        classes={class_key(k): v for k, v in table.classes.items()},
        class_labels={class_key(k): str(k).strip() for k in table.classes},
        likelihood_field=table.likelihood_field,
    )


def class_key(value: Any) -> str:
    """A zone class value as compared: 3, 3.0 and "3" match, and so do "YES",
    " yes " and the full-width "ＹＥＳ" (NFKC, trimmed, case-folded)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()
