"""Find a real CJK font for printed maps, so Chinese text never prints as empty boxes.

matplotlib's font manager is asked for the first installed family of a preference
list (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang,
...). Without one the caller gets an InputDataError naming how to install one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from riskmap.errors import InputDataError

# Simplified-Chinese faces first: a collection's SC face draws mainland glyph shapes.
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "SimSun",
    "AR PL UMing CN",
)

INSTALL_HINT = (
    "install one: Debian/Ubuntu `apt-get install fonts-noto-cjk`, Fedora "
    "`dnf install google-noto-sans-cjk-fonts`, Windows/macOS already ship "
    "Microsoft YaHei / PingFang"
)


@dataclass(frozen=True)
class CjkFont:
    """The CJK font family used for printing and the file it comes from."""

    family: str
    path: str


@lru_cache(maxsize=1)
def find_cjk_font() -> CjkFont | None:
    """The first installed family of PREFERRED_FAMILIES, or None when none is."""
    from matplotlib import font_manager

    installed: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.weight in (400, "normal", "regular") or entry.name not in installed:
            installed[entry.name] = entry.fname
    for family in PREFERRED_FAMILIES:
        if family in installed:
            return CjkFont(family, installed[family])
    return None


def require_cjk_font() -> CjkFont:
    """The CJK font to print with; an InputDataError saying how to get one if none."""
    font = find_cjk_font()
    if font is None:
        raise InputDataError(
            "no CJK (Chinese) font found, so Chinese text would print as empty "
            f"boxes; {INSTALL_HINT}; then run the command again"
        )
    return font


def print_rc(font: CjkFont) -> dict[str, object]:
    """matplotlib rc settings: the CJK font, embedded as TrueType (selectable text)."""
    import matplotlib as mpl

    rc: dict[str, object] = {
        "font.family": [font.family, "DejaVu Sans"],
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "axes.unicode_minus": False,
        "hatch.linewidth": 0.5,
        "svg.fonttype": "none",
    }
    if "text.language" in mpl.rcParams:
        # one language for every text: otherwise the shaper picks alternate digit
        # glyphs in some strings, and each alternate set embeds the font once more
        rc["text.language"] = "zh-Hans"
    return rc
