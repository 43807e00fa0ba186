"""Fonts for right-to-left text: the bundled Nastaliq faces, a Latin fallback, HarfBuzz
access per font, and the private code points that get shaped glyph ids into ReportLab's
subsets with a truthful ToUnicode map.

ReportLab subsets a TTFont by *code points*: ``face.charToGlyph`` maps a code point to a
glyph, ``splitString`` assigns each code point a one-byte code in a 256-entry subset, and the
subset's ToUnicode CMap maps the code back to that code point. Nastaliq is drawn almost
entirely with contextual glyphs that have no code point, so we mint one private code point
(planes 15-16) per (glyph, source text) pair, point it at the glyph, and record the text it
stands for; ``install_to_unicode`` then has ReportLab write that text instead of the private
code point. Planes 15-16 are used because ReportLab's own shaping hands out BMP private-use
code points from U+E000 and we must never collide with it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import uharfbuzz as hb
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from ..tounicode import to_unicode_cmap

FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "assets", "fonts")
URDU_REGULAR = "NotoNastaliqUrdu"
URDU_BOLD = "NotoNastaliqUrdu-Bold"
_LATIN_REGULAR = "ClinicpackRTLVera"
_LATIN_BOLD = "ClinicpackRTLVeraBd"


def register_urdu_fonts(
    regular_name: str = URDU_REGULAR,
    bold_name: str = URDU_BOLD,
    font_dir: str = FONT_DIR,
) -> tuple[str, str]:
    """Register the bundled Noto Nastaliq Urdu fonts (idempotent) and return their names.

    Kept here so the RTL engine is usable on its own; the wider renderer may register the same
    files itself under the same names.
    """
    for name, filename in ((regular_name, "NotoNastaliqUrdu-Regular.ttf"), (bold_name, "NotoNastaliqUrdu-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, os.path.join(font_dir, filename)))
    return regular_name, bold_name


def latin_fallbacks() -> tuple[str, str]:
    """Register ReportLab's bundled Vera as the fallback for Latin letters.

    Noto Nastaliq Urdu has digits and punctuation but no Latin letters, yet leaflets quote
    terms such as "PRP". Vera ships inside the reportlab package, so this needs no system font.
    """
    import reportlab

    rl_fonts = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, filename in ((_LATIN_REGULAR, "Vera.ttf"), (_LATIN_BOLD, "VeraBd.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, os.path.join(rl_fonts, filename)))
    return _LATIN_REGULAR, _LATIN_BOLD


class FontInfo:
    """HarfBuzz font, cmap and metrics for one registered ReportLab TTFont (cached)."""

    def __init__(self, name: str) -> None:
        font = pdfmetrics.getFont(name)
        if not isinstance(font, TTFont):
            raise TypeError(f"{name!r} is not a TrueType font; RTL text needs glyph-level access")
        self.name = name
        self.ttf = font
        self.face = font.face
        data = font.face._ttf_data  # the bytes ReportLab itself subsets: same glyph ids
        self.hb_face = hb.Face(hb.Blob(data))
        self.hb_font = hb.Font(self.hb_face)  # scale = units per em: positions in font units
        self.upem = self.hb_face.upem
        self.cmap = set(font.face.charToGlyph)
        self.ascent = float(font.face.ascent)  # 1000-unit scale, from hhea/OS/2
        self.descent = float(-font.face.descent)
        self._extents: dict[int, tuple[int, int, int, int]] = {}
        self._cursive: dict[int, tuple[tuple[int, int] | None, tuple[int, int] | None]] | None = None

    def cursive(self, gid: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(entry, exit) cursive anchors of a glyph in font units, read lazily from GPOS.

        HarfBuzz has no API for anchors; we need them only to reconnect a word whose letters
        change font mid-word (see ``_join_across_pieces``).
        """
        if self._cursive is None:
            self._cursive = _read_cursive_anchors(self.face._ttf_data)
        return self._cursive.get(gid, (None, None))

    def ink(self, gid: int) -> tuple[int, int]:
        """(top, bottom) of the glyph's real bounding box in font units, y up."""
        top, bottom, _, _ = self.box(gid)
        return top, bottom

    def box(self, gid: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of the glyph's bounding box in font units (y up, x from origin)."""
        got = self._extents.get(gid)
        if got is None:
            ext = self.hb_font.get_glyph_extents(gid)
            if ext is None:
                got = (0, 0, 0, 0)
            else:
                got = (ext.y_bearing, ext.y_bearing + ext.height, ext.x_bearing, ext.x_bearing + ext.width)
            self._extents[gid] = got
        return got


def _read_cursive_anchors(data: bytes) -> dict[int, tuple[tuple[int, int] | None, tuple[int, int] | None]]:
    import io

    from fontTools.ttLib import TTFont as FTFont

    font = FTFont(io.BytesIO(data), lazy=True)
    out: dict[int, tuple[tuple[int, int] | None, tuple[int, int] | None]] = {}
    if "GPOS" not in font:
        return out
    order = {name: i for i, name in enumerate(font.getGlyphOrder())}
    for lookup in font["GPOS"].table.LookupList.Lookup:
        for sub in lookup.SubTable:
            if lookup.LookupType == 9:
                if sub.ExtensionLookupType != 3:
                    continue
                sub = sub.ExtSubTable
            elif lookup.LookupType != 3:
                continue
            for name, rec in zip(sub.Coverage.glyphs, sub.EntryExitRecord):
                entry = (rec.EntryAnchor.XCoordinate, rec.EntryAnchor.YCoordinate) if rec.EntryAnchor else None
                exit_ = (rec.ExitAnchor.XCoordinate, rec.ExitAnchor.YCoordinate) if rec.ExitAnchor else None
                out.setdefault(order[name], (entry, exit_))
    return out


_FONT_CACHE: dict[str, FontInfo] = {}


def font_info(name: str) -> FontInfo:
    info = _FONT_CACHE.get(name)
    if info is None or info.ttf is not pdfmetrics.getFont(name):
        info = _FONT_CACHE[name] = FontInfo(name)
    return info


_PUA_FIRST, _PUA_LAST = 0xF0000, 0x10FFFD
_pua_next = _PUA_FIRST
_PUA_TEXT: dict[int, str] = {}
_CODES_LOCK = threading.Lock()
_GLYPH_CODES: weakref.WeakKeyDictionary[Any, dict[tuple[int, str, int], int]] = weakref.WeakKeyDictionary()


def glyph_code(info: FontInfo, gid: int, text: str, variant: int = 0) -> str:
    """A one-character string that ReportLab will encode as glyph ``gid`` of ``info``'s font.

    ``variant`` mints another code for the same glyph and text (see ``draw.emit_glyphs``).
    """
    global _pua_next
    install_to_unicode()
    code = _GLYPH_CODES.get(info.face, {}).get((gid, text, variant))
    if code is not None:
        return chr(code)
    with _CODES_LOCK:  # two threads rendering at once must never mint the same code
        codes = _GLYPH_CODES.setdefault(info.face, {})
        code = codes.get((gid, text, variant))
        if code is not None:
            return chr(code)
        if _pua_next > _PUA_LAST:
            raise RuntimeError("out of private code points for RTL glyphs")
        code = _pua_next
        _pua_next += 1
        if (code & 0xFFFF) >= 0xFFFE:  # U+xFFFE/U+xFFFF are non-characters
            code = _pua_next = (code | 0xFFFF) + 1
            _pua_next += 1
        face = info.face
        face.charToGlyph[code] = gid
        face.charWidths[code] = face._pdfScale(info.hb_font.get_glyph_h_advance(gid))
        _PUA_TEXT[code] = text
        codes[(gid, text, variant)] = code
    return chr(code)


_original_make_to_unicode = ttfonts.makeToUnicodeCMap


def _make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """ToUnicode CMap that maps our private codes to the Urdu text they were shaped from.
    A glyph that is not the first of its cluster stands for no extra text (an empty entry)."""
    if not any(c in _PUA_TEXT for c in subset):
        return _original_make_to_unicode(fontname, subset)
    entries = [(i, _PUA_TEXT.get(c, chr(c))) for i, c in enumerate(subset)]
    return to_unicode_cmap(entries, 1, len(subset) - 1, fontname, fontname, fontname)


def install_to_unicode() -> None:
    """Make ReportLab write our ToUnicode maps for subsets that hold private codes (others are
    left to ReportLab's own writer). ReportLab calls the module function
    ``ttfonts.makeToUnicodeCMap`` from ``TTFont.addObjects``, so it is wrapped there: once, and
    only when the first shaped glyph is given a private code, never at import."""
    if not getattr(ttfonts.makeToUnicodeCMap, "_clinicpack_rtl", False):
        _make_to_unicode_cmap._clinicpack_rtl = True  # type: ignore[attr-defined]
        ttfonts.makeToUnicodeCMap = _make_to_unicode_cmap
