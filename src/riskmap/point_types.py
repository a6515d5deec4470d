"""Risk-point types (``styles/point_types.toml``): the one table that owns them.

Per type: category (人/地/事/物/情), default level, influence radius, GB/T 35649
symbol class and short labels. The risk model, the ledger, the map symbols, the
desktop app and the web legend all read this table; the LEC/LS level rules of the
ledger live in the same file. Validated like the risk model (strict types, no
unknown keys, errors that name the key's path).

Examples
--------
>>> table = load_point_types()
>>> table.get("滑坡").radius, table.symbol_of("滑坡"), table.symbol_of("新类型", "事")
(300.0, 'A', 'A')
>>> table.get("危化品").type, table.get("危化品").short("zh")
('危险化学品', '危化')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from riskmap.errors import ModelError
from riskmap.model_schema import Finite, Level, Radius, StrictTable, describe_errors
from riskmap.resources import style_file

CATEGORIES = ("人", "地", "事", "物", "情")
POINT_SYMBOLS = ("A", "B", "C")  # D (应急保障资源) is for resources only
Category = Literal["人", "地", "事", "物", "情"]
Symbol = Literal["A", "B", "C"]
Name = Annotated[str, Field(min_length=1)]
Positive = Annotated[Finite, Field(gt=0)]


@dataclass(frozen=True)
class PointType:
    """One risk-point type: what it is and how it is weighed and drawn."""

    type: str
    category: str
    default_level: int
    radius: float
    symbol: str
    name_en: str = ""
    short_zh: str = ""
    short_en: str = ""
    aliases: tuple[str, ...] = ()

    def name(self, lang: str = "zh") -> str:
        """Display name in *lang* (the Chinese type name when no English one)."""
        return self.name_en if lang == "en" and self.name_en else self.type

    def short(self, lang: str = "zh") -> str:
        """The label printed inside the symbol (2 Chinese or 4 Latin characters)."""
        text = self.short_en if lang == "en" else self.short_zh
        return text or short_text(self.name(lang))


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs for levels 1 (red), 2 (orange) and 3 (yellow)."""

    red: float
    orange: float
    yellow: float


@dataclass(frozen=True)
class PointTypes:
    """The whole table: listed types, how unlisted ones are treated, LEC/LS rules."""

    types: Mapping[str, PointType]
    unlisted_radius: float = 200.0
    unlisted_level: int = 3
    unlisted_symbol: str = "B"
    category_symbol: Mapping[str, str] = field(default_factory=dict)
    lec: Thresholds = Thresholds(320, 160, 70)
    ls: Thresholds = Thresholds(20, 15, 9)
    lec_values: tuple[tuple[float, ...], ...] = ((), (), ())
    source: str = ""

    def get(self, name: object) -> PointType | None:
        """The listed type called *name* (or one of its aliases), else None."""
        key = str(name or "").strip()
        return self.types.get(key) or self._aliases().get(key)

    def names(self) -> tuple[str, ...]:
        """Every accepted spelling: type names, then aliases."""
        return (*self.types, *self._aliases())

    def symbol_of(self, name: object, category: object = None) -> str:
        """GB/T 35649 class (A-C) of a point: its type's, else its category's."""
        known = self.get(name)
        if known is not None:
            return known.symbol
        cat = str(category or "").strip()
        return self.category_symbol.get(cat, self.unlisted_symbol)

    def short_label(self, name: object, lang: str = "zh") -> str:
        """The symbol label of a point of type *name* (unlisted: its first letters)."""
        known = self.get(name)
        return known.short(lang) if known else short_text(name)

    def _aliases(self) -> dict[str, PointType]:
        """Alias -> type."""
        return {a: t for t in self.types.values() for a in t.aliases}


def short_text(text: object, max_chars: int = 2) -> str:
    """*text* cut to fit a symbol: 2 Chinese or 4 Latin characters."""
    key = str(text or "").strip()
    return key[: max_chars * 2] if key.isascii() else key[:max_chars]


class _LsSchema(StrictTable):
    """``[methods.ls]``: R = L × S cut-offs."""

    red: Finite
    orange: Finite
    yellow: Finite

    @model_validator(mode="after")
    def _falling(self):
        if not self.red > self.orange > self.yellow:
            raise ValueError("thresholds must fall: red > orange > yellow")
        return self


class _LecSchema(_LsSchema):
    """``[methods.lec]``: D = L × E × C cut-offs and the scores a form offers."""

    l_values: list[Positive]
    e_values: list[Positive]
    c_values: list[Positive]


class _MethodsSchema(StrictTable):
    lec: _LecSchema
    ls: _LsSchema


class _TypeSchema(StrictTable):
    """One ``[[type]]`` table."""

    type: Name
    category: Category
    default_level: Level
    radius: Radius | None = None
    symbol: Symbol | None = None
    name_en: str = ""
    short_zh: str = ""
    short_en: str = ""
    aliases: list[Name] = Field(default_factory=list)


class _UnlistedSchema(StrictTable):
    """``[unlisted]``: a type the table does not list (the ledger's list is open)."""

    radius: Radius = 200.0
    default_level: Level = 3
    symbol: Symbol = "B"


DEFAULT_CATEGORY_SYMBOL = {"人": "C", "地": "A", "事": "A", "物": "B", "情": "A"}


class PointTypesSchema(StrictTable):
    """The whole ``point_types.toml``."""

    methods: _MethodsSchema
    unlisted: _UnlistedSchema = _UnlistedSchema()
    category_symbol: dict[Category, Symbol] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_SYMBOL)
    )
    type: list[_TypeSchema] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> PointTypesSchema:
        seen: set[str] = set()
        for entry in self.type:
            for name in (entry.type, *entry.aliases):
                if name.strip() in seen:
                    raise ValueError(f"type name {name!r} is listed twice; keep one")
                seen.add(name.strip())
        missing = [c for c in CATEGORIES if c not in self.category_symbol]
        if missing:
            raise ValueError(
                f"category_symbol needs a class for every category; add {missing}"
            )
        return self


def point_types_path() -> Path:
    """The point-type table in use (``RISKMAP_STYLES`` folder, else bundled)."""
    return style_file("point_types.toml")


def load_point_types(path: str | Path | None = None) -> PointTypes:
    """Read and validate the point-type table (default: :func:`point_types_path`)."""
    return _load(str(path or point_types_path()))


@lru_cache(maxsize=8)
def _load(path: str) -> PointTypes:
    """Parse and validate one table file (cached per path)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read point types {path}: {exc}") from None
    try:
        schema = PointTypesSchema.model_validate(data)
    except ValidationError as exc:
        raise ModelError(f"point types {path}: {describe_errors(exc)}") from None
    return _table(schema, path)


def _table(schema: PointTypesSchema, source: str) -> PointTypes:
    """The validated schema as a PointTypes table."""
    unlisted, cats = schema.unlisted, dict(schema.category_symbol)
    types = {
        t.type.strip(): PointType(
            type=t.type.strip(),
            category=t.category,
            default_level=t.default_level,
            radius=float(t.radius if t.radius is not None else unlisted.radius),
            symbol=t.symbol or cats[t.category],
            name_en=t.name_en,
            short_zh=t.short_zh,
            short_en=t.short_en,
            aliases=tuple(a.strip() for a in t.aliases),
        )
        for t in schema.type
    }
    lec, ls = schema.methods.lec, schema.methods.ls
    return PointTypes(
        types=types,
        unlisted_radius=float(unlisted.radius),
        unlisted_level=unlisted.default_level,
        unlisted_symbol=unlisted.symbol,
        category_symbol=cats,
        lec=Thresholds(lec.red, lec.orange, lec.yellow),
        ls=Thresholds(ls.red, ls.orange, ls.yellow),
        lec_values=tuple(
            tuple(float(v) for v in values)
            for values in (lec.l_values, lec.e_values, lec.c_values)
        ),
        source=source,
    )
