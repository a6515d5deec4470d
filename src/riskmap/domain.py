"""Domain vocabulary: the four risk levels and their styles (docs/DOMAIN.md §1)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from riskmap.errors import ModelError
from riskmap.resources import style_file

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


@dataclass
class RiskResult:
    """An analysis result: cells, community summary, enriched points, run metadata."""

    cells: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    info: dict[str, Any]
    resources: gpd.GeoDataFrame | None = None
    coverage: gpd.GeoDataFrame | None = None
    # people/buildings/households per community, hazard and hazard class
    exposure_classes: pd.DataFrame | None = None
    # ledger photo thumbnails of the points (point_id, name, media_type, jpeg_base64)
    photos: pd.DataFrame | None = None
