"""Safe, readable file names made from data-derived text such as community names.

Letters and digits of any script are kept (Chinese names stay readable); every
other character, path separators and dots included, becomes ``_``. The result can
never name a parent folder, a hidden file or a Windows device.

Examples
--------
>>> safe_stem("示例社区一（江口上游·虚构）")
'示例社区一_江口上游_虚构'
>>> safe_stem("../../etc/passwd")
'etc_passwd'
>>> safe_stem("CON")
'_CON'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from riskmap.errors import ExportError

_WINDOWS_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
_RUNS = re.compile(r"_+")


def _keep(char: str) -> bool:
    """True for letters, digits, marks and ``-``; everything else is replaced."""
    return char == "-" or unicodedata.category(char)[0] in "LNM"


def safe_stem(text: object, fallback: str = "map", max_chars: int = 60) -> str:
    """A file-name stem made from *text*: readable, short, and safe on any OS."""
    normal = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    stem = "".join(c if _keep(c) else "_" for c in normal)
    stem = _RUNS.sub("_", stem).strip("_-")[:max_chars].strip("_-")
    if not stem:
        stem = fallback
    if stem.upper() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    return stem


def unique_stems(
    names: Sequence[object],
    fallbacks: Sequence[object],
    reserved: Iterable[str] = ("index",),
) -> list[str]:
    """One safe stem per name; a clash (any case) gets the fallback or a number."""
    taken = {r.casefold() for r in reserved}
    out = []
    for name, fallback in zip(names, fallbacks, strict=True):
        stem = safe_stem(name, fallback=safe_stem(fallback, "map"))
        if stem.casefold() in taken:
            stem = f"{stem}_{safe_stem(fallback, 'map')}"
        base, k = stem, 2
        while stem.casefold() in taken:
            stem, k = f"{base}_{k}", k + 1
        taken.add(stem.casefold())
        out.append(stem)
    return out


def path_inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would leave *folder*."""
    folder = Path(folder)
    path = folder / name
    if Path(name).name != name or path.resolve().parent != folder.resolve():
        raise ExportError(f"refusing to write {name!r} outside {folder}")
    return path
