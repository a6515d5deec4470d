"""The riskmap exception family: one root, user-fixable input errors apart from bugs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RiskmapError(Exception):
    """Root of every error riskmap raises on purpose."""


class InputDataError(RiskmapError, ValueError):
    """The user's input is wrong and the user can fix it (bad file, field, value)."""


class StaleVersionError(InputDataError):
    """An edit made on an older version of a point than the ledger now holds."""


class MissingFileError(InputDataError, FileNotFoundError):
    """An input path does not exist."""


class CRSError(InputDataError):
    """A layer has no coordinate reference system, or an unusable one."""


class EmptyOverlapError(InputDataError):
    """Layers do not overlap where they must (e.g. a raster beside the communities)."""


class ModelError(InputDataError):
    """The risk model file is invalid."""


class RasterReadError(RiskmapError, OSError):
    """A raster could not be opened or read."""


class ExportError(RiskmapError, OSError):
    """An output could not be written."""


class RiskmapWarning(UserWarning):
    """A soft problem that riskmap repaired or worked around (e.g. invalid geometry)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice *word* most likely meant: one that contains it or it contains
    (内涝 -> 内涝点), else the closest spelling; None when nothing is close."""
    options = [str(c) for c in choices]
    text = str(word).strip()
    if not text:
        return None
    near = [c for c in options if text in c or c in text]
    if near:
        return min(near, key=lambda c: abs(len(c) - len(text)))
    close = difflib.get_close_matches(text, options, n=1, cutoff=0.6)
    return close[0] if close else None
