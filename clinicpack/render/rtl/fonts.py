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
import struct
import threading
import weakref
from collections.abc import Sequence
from functools import cache
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

Anchor = tuple[int, int]  # x, y in font units
CursiveAnchors = dict[int, tuple[Anchor | None, Anchor | None]]  # glyph id -> (entry, exit)


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
    Asked for by every paragraph: after the first, it only checks the two are still registered.
    """
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in ((_LATIN_REGULAR, "Vera.ttf"), (_LATIN_BOLD, "VeraBd.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, os.path.join(_reportlab_fonts(), filename)))
    return _LATIN_REGULAR, _LATIN_BOLD


@cache
def _reportlab_fonts() -> str:
    import reportlab

    return os.path.join(os.path.dirname(reportlab.__file__), "fonts")


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
        self.extents: dict[int, tuple[int, int, int, int]] = {}  # ``box`` of the glyphs asked for so far
        self._cursive: CursiveAnchors | None = None

    def cursive(self, gid: int) -> tuple[Anchor | None, Anchor | None]:
        """(entry, exit) cursive anchors of a glyph in font units, read lazily from GPOS.

        HarfBuzz has no API for anchors; we need them only to reconnect a word whose letters
        change font mid-word (see ``_join_across_pieces``).
        """
        if self._cursive is None:
            self._cursive = _read_cursive_anchors(self.hb_face.reference_table("GPOS").data)
        return self._cursive.get(gid, (None, None))

    def ink(self, gid: int) -> tuple[int, int]:
        """(top, bottom) of the glyph's real bounding box in font units, y up."""
        top, bottom, _, _ = self.box(gid)
        return top, bottom

    def box(self, gid: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of the glyph's bounding box in font units (y up, x from origin)."""
        got = self.extents.get(gid)
        if got is None:
            ext = self.hb_font.get_glyph_extents(gid)
            if ext is None:
                got = (0, 0, 0, 0)
            else:
                got = (ext.y_bearing, ext.y_bearing + ext.height, ext.x_bearing, ext.x_bearing + ext.width)
            self.extents[gid] = got
        return got


def _read_cursive_anchors(gpos: bytes) -> CursiveAnchors:
    """Entry and exit anchors of every glyph in the GPOS table's cursive attachment lookups
    (type 3, or type 9 extensions of it); the first lookup that lists a glyph wins.

    A direct read of the few OpenType structures involved (lookup list, extension, cursive
    subtable, coverage, anchor), because they are all we need: parsing GPOS with fontTools
    cost about 60 ms per build (import and table decompiling) for the same numbers, which
    ``tests/test_rtl_cursive.py`` compares with fontTools' reading. A table that is cut short
    or malformed gives no anchors (the words that change font mid-word are then not
    reconnected), never an error."""
    try:
        return _cursive_lookups(gpos)
    except (struct.error, IndexError, KeyError):
        return {}


def _cursive_lookups(gpos: bytes) -> CursiveAnchors:
    out: CursiveAnchors = {}
    if len(gpos) < 10:
        return out
    (lookup_list,) = _U16(gpos, 8)
    (count,) = _U16(gpos, lookup_list)
    for i in range(count):
        (lookup_offset,) = _U16(gpos, lookup_list + 2 + 2 * i)
        lookup = lookup_list + lookup_offset
        lookup_type, _flag, subtables = struct.unpack_from(">HHH", gpos, lookup)
        for s in range(subtables):
            (sub_offset,) = _U16(gpos, lookup + 6 + 2 * s)
            sub = lookup + sub_offset
            if lookup_type == 9:  # extension: the real subtable is further on (32-bit offset)
                _fmt, ext_type, ext_offset = struct.unpack_from(">HHI", gpos, sub)
                if ext_type != 3:
                    continue
                sub += ext_offset
            elif lookup_type != 3:
                continue
            fmt, coverage_offset, records = struct.unpack_from(">HHH", gpos, sub)
            if fmt != 1:
                continue
            for k, gid in enumerate(_coverage(gpos, sub + coverage_offset)[:records]):
                entry, exit_ = struct.unpack_from(">HH", gpos, sub + 6 + 4 * k)
                out.setdefault(gid, (_anchor(gpos, sub, entry), _anchor(gpos, sub, exit_)))
    return out


_U16 = struct.Struct(">H").unpack_from


def _anchor(gpos: bytes, base: int, offset: int) -> Anchor | None:
    """x, y of an anchor table (every format starts with them); offset 0 means no anchor."""
    if not offset:
        return None
    x, y = struct.unpack_from(">hh", gpos, base + offset + 2)
    return x, y


def _coverage(gpos: bytes, at: int) -> list[int]:
    """Glyph ids of a coverage table in coverage-index order."""
    fmt, n = struct.unpack_from(">HH", gpos, at)
    if fmt == 1:
        return list(struct.unpack_from(f">{n}H", gpos, at + 4))
    by_index: dict[int, int] = {}
    for k in range(n):
        first, last, index = struct.unpack_from(">HHH", gpos, at + 4 + 6 * k)
        for gid in range(first, last + 1):
            by_index[index + gid - first] = gid
    return [by_index[i] for i in sorted(by_index)]


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
