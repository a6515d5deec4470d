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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from riskmap.errors import ModelError
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
    classes: Mapping[str, float] = field(default_factory=dict)

    def label(self, lang: str = "zh") -> str:
        """Display name of the hazard."""
        return self.label_en if lang == "en" else self.label_zh

    def severity_of(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Severity of raster *values* by their class; NaN (no data) gives 0."""
        values = np.asarray(values, dtype="float64")
        classes = np.searchsorted(np.asarray(self.breaks), values, side="right")
        sev = np.asarray(self.severity)[classes]
        return np.where(np.isnan(values), 0.0, sev)

    def zone_severity(self, value: Any) -> float:
        """Severity of a zone class value; unknown values are an input error."""
        key = _class_key(value)
        if key not in self.classes:
            known = ", ".join(sorted(self.classes))
            raise ModelError(
                f"hazard {self.name!r}: zone class {value!r} is not in the risk model "
                f"(known classes: {known}); add it under [hazards.{self.name}] classes"
            )
        return self.classes[key]


@dataclass(frozen=True)
class PointRule:
    """Influence of one type of registered risk point."""

    radius: float
    default_level: int


LEVEL_RULES = ("max", "matrix")
CONSEQUENCE_RULES = ("min", "max", "mean")


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

    def level_of(self, likelihood: int, consequence: np.ndarray) -> np.ndarray:
        """Level 1-4 per cell from the matrix row of *likelihood*."""
        row = np.asarray(self.table[likelihood - 1], dtype="int8")
        return row[np.asarray(consequence, dtype=int) - 1]


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
    try:
        return _build_model(data, str(path))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"risk model {path}: {exc}") from exc


def _build_model(data: dict, source: str) -> RiskModel:
    """Turn parsed TOML into a RiskModel, checking every field."""
    levels = data.get("levels", {})
    thresholds = (
        float(levels.get("red", 0.75)),
        float(levels.get("orange", 0.5)),
        float(levels.get("yellow", 0.25)),
    )
    if not thresholds[0] > thresholds[1] > thresholds[2]:
        raise ModelError(f"{source}: [levels] must satisfy red > orange > yellow")
    score = data.get("score", {})
    hazards = {
        name: _hazard_rule(name, table, source)
        for name, table in data.get("hazards", {}).items()
    }
    points = data.get("points", {})
    return RiskModel(
        name=str(data.get("name", Path(source).stem)),
        thresholds=thresholds,
        hazard_combine=_choice(
            score, "hazard_combine", ("max", "weighted_mean"), source
        ),
        combine=_choice(score, "combine", ("max", "weighted_sum"), source),
        hazard_weight=float(score.get("hazard_weight", 0.7)),
        points_weight=float(score.get("points_weight", 0.3)),
        hazards=hazards,
        point_types={
            str(name): _point_rule(table, points)
            for name, table in points.get("types", {}).items()
        },
        default_point=_point_rule({}, points),
        level_base=_level_base(points.get("level_base", {}), source),
        decay=_choice(points, "decay", ("linear", "step"), source),
        source=source,
        level_rule=_choice(
            data.get("scenarios", {}), "level_rule", LEVEL_RULES, source
        ),
        affected_level=_affected_level(data.get("scenarios", {}), source),
        matrix=_matrix_rule(data.get("matrix", {}), source),
    )


def _affected_level(table: dict, source: str) -> int:
    """[scenarios] affected_level: 1-4 (default 2, 较大 or worse)."""
    value = table.get("affected_level", 2)
    if value not in (1, 2, 3, 4):
        raise ModelError(
            f"{source}: [scenarios] affected_level must be 1-4, got {value!r}"
        )
    return int(value)


def _matrix_rule(table: dict, source: str) -> MatrixRule:
    """Validate the ``[matrix]`` table (defaults for what it leaves out)."""
    base = MatrixRule()
    rule = MatrixRule(
        likelihood_years=_increasing(table, "likelihood_years", base, source),
        default_likelihood=int(
            table.get("default_likelihood", base.default_likelihood)
        ),
        severity_breaks=_increasing(table, "severity_breaks", base, source),
        people_breaks=_increasing(table, "people_breaks", base, source),
        consequence=_choice(table, "consequence", CONSEQUENCE_RULES, source),
        table=tuple(
            tuple(int(v) for v in row) for row in table.get("table", base.table)
        ),
        name=str(table.get("name", base.name)),
    )
    if rule.default_likelihood not in range(1, 6):
        raise ModelError(f"{source}: [matrix] default_likelihood must be 1-5")
    shape_ok = len(rule.table) == 5 and all(len(row) == 5 for row in rule.table)
    if not shape_ok or any(v not in (1, 2, 3, 4) for row in rule.table for v in row):
        raise ModelError(
            f"{source}: [matrix] table must be 5 rows (likelihood 1-5) of 5 levels "
            "(consequence 1-5), each level 1-4"
        )
    return rule


def _increasing(table: dict, key: str, base: MatrixRule, source: str):
    """Four increasing numbers (class breaks of a 5-class scale)."""
    values = tuple(float(v) for v in table.get(key, getattr(base, key)))
    if len(values) != 4 or list(values) != sorted(set(values)):
        raise ModelError(
            f"{source}: [matrix] {key} must be 4 increasing numbers, got {list(values)}"
        )
    return values


def _choice(table: dict, key: str, allowed: tuple[str, ...], source: str) -> str:
    """Read an enumerated option, defaulting to the first allowed value."""
    value = str(table.get(key, allowed[0]))
    if value not in allowed:
        raise ModelError(
            f"{source}: {key} = {value!r}; use one of {', '.join(allowed)}"
        )
    return value


def _hazard_rule(name: str, table: dict, source: str) -> HazardRule:
    """Validate one ``[hazards.NAME]`` table."""
    kind = _choice(table, "kind", ("raster", "zones"), source)
    rule = HazardRule(
        name=name,
        kind=kind,
        label_zh=str(table.get("label_zh", name)),
        label_en=str(table.get("label_en", name)),
        unit=str(table.get("unit", "")),
        statistic=_choice(table, "statistic", ("max", "mean"), source),
        breaks=tuple(float(b) for b in table.get("breaks", ())),
        severity=tuple(float(s) for s in table.get("severity", ())),
        threshold=float(table.get("threshold", 0.0)),
        weight=float(table.get("weight", 1.0)),
        resampling=_choice(table, "resampling", RESAMPLINGS, source),
        ramp=tuple(str(c) for c in table.get("ramp", ())),
        class_names=tuple(str(c) for c in table.get("class_names", ())),
        classes={_class_key(k): float(v) for k, v in table.get("classes", {}).items()},
    )
    _check_hazard_rule(rule, source)
    return rule


def _check_hazard_rule(rule: HazardRule, source: str) -> None:
    """Raise ModelError when a hazard rule is inconsistent."""
    where = f"{source}: [hazards.{rule.name}]"
    if rule.kind == "raster":
        if list(rule.breaks) != sorted(rule.breaks):
            raise ModelError(f"{where} breaks must increase")
        if len(rule.severity) != len(rule.breaks) + 1:
            raise ModelError(f"{where} needs one severity per class (len(breaks) + 1)")
    elif not rule.classes:
        raise ModelError(f"{where} kind = 'zones' needs a classes table")
    sev = list(rule.severity) + list(rule.classes.values())
    if any(not 0.0 <= s <= 1.0 for s in sev):
        raise ModelError(f"{where} severities must lie in [0, 1]")


def _point_rule(table: dict, points: dict) -> PointRule:
    """A point-type rule, falling back to the ``[points]`` defaults."""
    radius = float(table.get("radius", points.get("default_radius", 200)))
    level = int(table.get("default_level", points.get("default_level", 3)))
    if radius <= 0 or level not in (1, 2, 3, 4):
        raise ModelError(f"point rule needs radius > 0 and level 1-4, got {table}")
    return PointRule(radius=radius, default_level=level)


def _level_base(table: dict, source: str) -> dict[int, float]:
    """Influence at distance 0 for a point of each level."""
    base = {1: 1.0, 2: 0.7, 3: 0.45, 4: 0.2}
    base.update({int(k): float(v) for k, v in table.items()})
    if set(base) != {1, 2, 3, 4}:
        raise ModelError(f"{source}: [points] level_base keys must be 1-4")
    return base


def _class_key(value: Any) -> str:
    """Normalise a zone class value so 3, 3.0 and "3" match."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
