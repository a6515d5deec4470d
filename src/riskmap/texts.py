"""Fixed texts in Simplified Chinese (default) and English, and the one lookup, ``tr``.

Each area keeps its table next to its code (the desktop app ``gui.i18n``, web maps
``export.webmap.text``, print maps ``export.printmap.text``, exposure words
``export.exposure_view``) and registers it here, so every text is found by one
function with one signature: ``tr(key, lang, **values)``. Keys are unique across
the tables (a clash is refused when a table registers). Level names and colours
are not texts: they come from ``styles/levels.toml`` (``riskmap.domain``).

Examples
--------
>>> _ = register("example", {"example.hello": ("你好，{name}", "Hello, {name}")})
>>> tr("example.hello", "en", name="Li"), tr("example.hello", "zh", name="李")
('Hello, Li', '你好，李')
"""

from __future__ import annotations

LANGS = ("zh", "en")
Texts = dict[str, tuple[str, str]]

_TABLES: dict[str, Texts] = {}
_state = {"lang": "zh"}


def register(area: str, table: Texts) -> Texts:
    """Make *table* (key -> (zh, en)) of *area* visible to :func:`tr`; returns it.

    The table is kept by reference, so keys added to it later are found too.
    """
    for other, texts in _TABLES.items():
        clash = sorted(set(texts) & set(table)) if other != area else []
        if clash:
            raise ValueError(
                f"text keys {clash} of {area} are already {other}'s; rename one"
            )
    _TABLES[area] = table
    return table


def tr(key: str, lang: str | None = None, **values: object) -> str:
    """The text *key* in *lang* ("zh" or "en"; None: the interface language of
    :func:`set_language`), with its ``{placeholders}`` filled from *values*."""
    zh, en = _lookup(key)
    text = en if (lang or _state["lang"]) == "en" else zh
    return text.format(**values) if values else text


def _lookup(key: str) -> tuple[str, str]:
    """The (zh, en) pair of *key* in whichever table holds it."""
    for table in _TABLES.values():
        if key in table:
            return table[key]
    raise KeyError(f"no text {key!r} in {', '.join(_TABLES)}")


def set_language(lang: str) -> None:
    """Switch the interface language ("zh" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    _state["lang"] = lang


def language() -> str:
    """The current interface language."""
    return _state["lang"]


def areas() -> dict[str, Texts]:
    """The registered tables by area (for checks and tests)."""
    return dict(_TABLES)
