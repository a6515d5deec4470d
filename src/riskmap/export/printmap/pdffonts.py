"""Embedded PDF fonts that viewers read without complaint.

matplotlib embeds every font as a TrueType CID font (``FontFile2``). A CJK font
with CFF outlines (Noto Sans CJK, Source Han Sans: ``.otf``/``.ttc``) then arrives
as an OpenType-CFF program inside a TrueType slot, which poppler reports as
"Mismatch between font type and embedded font file" and strict viewers may refuse.
After writing, each such subset is converted to TrueType (quadratic ``glyf``)
outlines with fontTools; glyph ids stay the same, so text and widths do not move.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

MAX_ERR_EM = 1.0  # cubic-to-quadratic tolerance in font units (1/1000 em)


def truetype_font_files(pdf_path: Path) -> int:
    """Rewrite the CFF programs in ``FontFile2`` slots of *pdf_path* as TrueType;
    return how many were converted (the file is saved in place)."""
    converted = 0
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or "/FontFile2" not in obj:
                continue
            stream = obj.FontFile2
            data = stream.read_bytes()
            if data[:4] != b"OTTO":
                continue
            ttf = cff_to_truetype(data)
            stream.write(ttf)
            stream.Length1 = len(ttf)
            converted += 1
        if converted:
            pdf.save(pdf_path)
    return converted


def cff_to_truetype(data: bytes) -> bytes:
    """An OpenType-CFF font program as a TrueType one (same glyph order)."""
    font = TTFont(io.BytesIO(data))
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR_EM, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    _truetype_tables(font, glyf, order)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _truetype_tables(font: TTFont, glyf: object, order: list[str]) -> None:
    """maxp 1.0, post 3 and left side bearings as a glyf font needs them."""
    glyf.compile(font)  # type: ignore[attr-defined]
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():  # type: ignore[attr-defined]
        width, _ = hmtx[name]
        hmtx[name] = (width, getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0
    post.extraNames, post.mapping, post.glyphOrder = [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"
