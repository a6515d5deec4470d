"""The schema a risk model TOML must follow (pydantic), with errors that name the key.

Strict types (``levels = "x"`` or ``breaks = "1"`` are refused, not coerced),
finite numbers only (TOML allows ``nan`` and ``inf``), unknown keys refused (a
typo such as ``breakz`` would otherwise be ignored silently).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

RESAMPLINGS = ("bilinear", "nearest", "cubic", "average", "mode")
MAX_RADIUS_M = 100_000.0  # a point's influence beyond 100 km is a unit mistake

Finite = Annotated[float, AllowInfNan(False)]
Share = Annotated[float, AllowInfNan(False), Field(ge=0.0, le=1.0)]
Weight = Annotated[float, AllowInfNan(False), Field(ge=0.0)]
Radius = Annotated[float, AllowInfNan(False), Field(gt=0.0, le=MAX_RADIUS_M)]
Level = Literal[1, 2, 3, 4]


class StrictTable(BaseModel):
    """A TOML table: strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LevelsSchema(StrictTable):
    """``[levels]``: lower score bounds of red, orange and yellow."""

    red: Share = 0.75
    orange: Share = 0.5
    yellow: Share = 0.25

    @model_validator(mode="after")
    def _ordered(self) -> LevelsSchema:
        if not self.red > self.orange > self.yellow:
            raise ValueError("must satisfy red > orange > yellow")
        return self


class ScoreSchema(StrictTable):
    """``[score]``: how the hazard and point parts combine."""

    hazard_combine: Literal["max", "weighted_mean"] = "max"
    combine: Literal["max", "weighted_sum"] = "max"
    hazard_weight: Weight = 0.7
    points_weight: Weight = 0.3


class HazardSchema(StrictTable):
    """``[hazards.NAME]``: a raster with breaks and severities, or zone classes."""

    kind: Literal["raster", "zones"] = "raster"
    label_zh: str | None = None
    label_en: str | None = None
    unit: str = ""
    statistic: Literal["max", "mean"] = "max"
    breaks: list[Finite] = Field(default_factory=list)
    severity: list[Share] = Field(default_factory=list)
    threshold: Finite = 0.0
    weight: Weight = 1.0
    resampling: Literal[RESAMPLINGS] = "bilinear"  # type: ignore[valid-type]
    ramp: list[str] = Field(default_factory=list)
    class_names: list[str] = Field(default_factory=list)
    classes: dict[str, Share] = Field(default_factory=dict)
    # zones only: a field giving each zone's likelihood class 1-5 (risk matrix)
    likelihood_field: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HazardSchema:
        if self.likelihood_field is not None and self.kind != "zones":
            raise ValueError("likelihood_field is for zone layers (kind = 'zones')")
        if self.kind == "raster":
            if list(self.breaks) != sorted(set(self.breaks)):
                raise ValueError("breaks must increase")
            if len(self.severity) != len(self.breaks) + 1:
                raise ValueError("needs one severity per class (len(breaks) + 1)")
        elif not self.classes:
            raise ValueError("kind = 'zones' needs a classes table")
        _no_case_twins(self.classes)
        return self


def _no_case_twins(classes: dict[str, float]) -> None:
    """Classes that differ only in case, spaces or width are one class: refuse twins."""
    seen: dict[str, str] = {}
    for name in classes:
        key = unicodedata.normalize("NFKC", name).strip().casefold()
        if key in seen:
            raise ValueError(
                f"classes {seen[key]!r} and {name!r} are the same class (classes "
                "match ignoring case, spaces and full-width forms); keep one"
            )
        seen[key] = name


class PointTypeSchema(StrictTable):
    """``[points.types.TYPE]``: this model's own radius or default level for one
    type, over the point-type table (``styles/point_types.toml``)."""

    radius: Radius | None = None
    default_level: Level | None = None


class PointsSchema(StrictTable):
    """``[points]``: decay and level bases; the types come from the point-type table.

    ``default_radius``/``default_level`` (unlisted types) and ``types`` are
    overrides of that table, as older model files carry them.
    """

    decay: Literal["linear", "step"] = "linear"
    default_radius: Radius | None = None
    default_level: Level | None = None
    level_base: dict[Literal["1", "2", "3", "4"], Share] = Field(default_factory=dict)
    types: dict[str, PointTypeSchema] = Field(default_factory=dict)


class ScenariosSchema(StrictTable):
    """``[scenarios]``: the headline level over return-period scenarios."""

    level_rule: Literal["max", "matrix"] = "max"
    affected_level: Level = 2


def _four_increasing(values: list[float] | None, key: str) -> None:
    """Class breaks of a 5-class scale: four increasing numbers."""
    if values is not None and (len(values) != 4 or values != sorted(set(values))):
        raise ValueError(f"{key} must be 4 increasing numbers, got {values}")


class MatrixSchema(StrictTable):
    """``[matrix]``: the likelihood × consequence matrix (None: the default)."""

    name: str | None = None
    likelihood_years: list[Annotated[Finite, Field(gt=0)]] | None = None
    default_likelihood: Literal[1, 2, 3, 4, 5] = 3
    severity_breaks: list[Finite] | None = None
    people_breaks: list[Annotated[Finite, Field(ge=0)]] | None = None
    consequence: Literal["min", "max", "mean"] = "min"
    table: list[list[Level]] | None = None
    point_likelihood_field: str | None = None

    @model_validator(mode="after")
    def _shapes(self) -> MatrixSchema:
        for key in ("likelihood_years", "severity_breaks", "people_breaks"):
            _four_increasing(getattr(self, key), key)
        if self.table is not None and (
            len(self.table) != 5 or any(len(row) != 5 for row in self.table)
        ):
            raise ValueError(
                "table must be 5 rows (likelihood 1-5) of 5 levels (consequence 1-5)"
            )
        return self


class ModelSchema(StrictTable):
    """A whole risk model file."""

    name: str | None = None
    version: int | None = None
    levels: LevelsSchema = LevelsSchema()
    score: ScoreSchema = ScoreSchema()
    hazards: dict[str, HazardSchema] = Field(default_factory=dict)
    points: PointsSchema = PointsSchema()
    scenarios: ScenariosSchema = ScenariosSchema()
    matrix: MatrixSchema = MatrixSchema()

    @model_validator(mode="after")
    def _hazard_names(self) -> ModelSchema:
        seen: dict[str, str] = {}
        for name in self.hazards:
            if name.casefold() in seen:
                raise ValueError(
                    f"hazards {seen[name.casefold()]!r} and {name!r} differ only in "
                    "case; their result columns would clash, rename one"
                )
            seen[name.casefold()] = name
        return self


def describe_errors(exc: ValidationError, limit: int = 3) -> str:
    """The first errors as ``key.path: message (got VALUE)``, on one line."""
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(_key(p) for p in err["loc"]) or "(top level)"
        got = err.get("input")
        shown = "" if isinstance(got, dict) else f" (got {_short(got)})"
        parts.append(f"{where}: {_message(err)}{shown}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _key(part: object) -> str:
    """A key of the error's path as written, or quoted when it holds line breaks or
    other unprintable characters (the message must stay one line)."""
    text = str(part)
    return text if text.isprintable() else repr(text)


def _message(err: dict) -> str:
    """pydantic's message without its "Value error, " prefix, on one line."""
    text = str(err["msg"]).removeprefix("Value error, ")
    return " ".join(re.sub(r" or instance of \w+", "", text).split())


def _short(value: object) -> str:
    """repr cut to 40 characters, on one line."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."
