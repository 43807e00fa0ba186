"""Right-to-left (Urdu, Nastaliq) typesetting for ReportLab.

Why this module exists
----------------------
ReportLab 5 can shape Arabic-script text with HarfBuzz, but its ``Paragraph`` only reorders
right-to-left text through the ``rlbidi`` module, which is not on PyPI. Without it an Urdu
sentence comes out with its words in the wrong order, and inline bold breaks letter joining
because every style change starts a fresh shaping run. This module is a small, self-contained
typesetter for one paragraph of :class:`clinicpack.runs.Run` objects that does the job in the
order Unicode prescribes:

1. **Resolve bidi levels for the whole paragraph** with a real implementation of UAX #9
   (``python-bidi`` 0.6, which wraps the Rust ``unicode-bidi`` crate). No bidi rule is
   re-implemented here except the two line-level steps the standard leaves to the layout
   engine: L1 (trailing whitespace back to the paragraph level) and L2 (reversal of runs
   from the highest level down), which need the line breaks that only the typesetter knows.
2. **Break lines in logical order** at word boundaries, measuring with shaped (HarfBuzz)
   advances, so a line is never wider than the frame. A word wider than a line is split at a
   character boundary instead of overflowing.
3. **Reorder each line visually** (L1 + L2) and **shape each level run in its own direction
   and script**. A level run that contains several styles (bold inside a word, a link) is
   shaped piece by piece, but every piece is handed the whole run as HarfBuzz context, so the
   joining forms at a style boundary are the ones the unstyled word would get.
4. **Draw glyph ids directly** through ReportLab's own TrueType subsetting. Each (glyph,
   source text) pair gets a private code point so the subset font maps it to the glyph and the
   ``ToUnicode`` CMap maps it back to the Urdu characters it came from; glyphs are emitted
   left to right with absolute positions, so the page shows the HarfBuzz positions exactly
   (Nastaliq relies on vertical offsets that a plain ``Tj`` string cannot express) and text
   extraction gets the Urdu characters back (their order is up to the extractor).

Nastaliq is tall: words cascade upwards from the baseline. Lines are therefore set a default
leading apart (1.8 x font size) and a pair of lines is moved further apart only where the real
boxes of their shaped glyphs would touch (TeX's baselineskip/lineskip idea), so neighbouring
lines never collide and nothing pokes out of the flowable's box.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import uharfbuzz as hb
from bidi.bidi import get_display_inner  # the Rust binding; get_display() hides the levels
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.flowables import Flowable

from clinicpack.errors import BuildError
from clinicpack.render.colour import fill_operator
from clinicpack.runs import Run

__all__ = [
    "DrawnGlyph",
    "LaidOutLine",
    "RTLParagraph",
    "RTLStyle",
    "draw_rtl_string",
    "layout_for_test",
    "register_urdu_fonts",
    "rtl_string_width",
    "shape_line",
    "shape_line_for_test",
    "visual_order",
]

FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "assets", "fonts")
URDU_REGULAR = "NotoNastaliqUrdu"
URDU_BOLD = "NotoNastaliqUrdu-Bold"
_LATIN_REGULAR = "ClinicpackRTLVera"
_LATIN_BOLD = "ClinicpackRTLVeraBd"

#: Usual line pitch as a multiple of the font size. Noto Nastaliq's own ascent+descent is
#: 2.5 em, but most pairs of lines need far less; a pair is moved apart only where a glyph of
#: one line would touch a glyph of the other (see ``_line_metrics``).
DEFAULT_LEADING_FACTOR = 1.8
#: Clearance kept between the ink of one line and the ink of the next, in em.
INK_GAP_EM = 0.08

#: Explicit bidi marks and isolates steer the ordering but are not text a reader copies.
_NO_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_LINE_SEPARATOR = "\u2028"  # a hard break inside a paragraph: bidi class WS, not a new paragraph
_URL_BREAKS = frozenset("/?&=-")  # where an over-long word (a web address) may break
_PARAGRAPH_BREAKS = re.compile("[\n\r\u0085\u2029\x1c\x1d\x1e]")


# --------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------


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


def _latin_fallbacks() -> tuple[str, str]:
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


class _FontInfo:
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


_FONT_CACHE: dict[str, _FontInfo] = {}


def _font_info(name: str) -> _FontInfo:
    info = _FONT_CACHE.get(name)
    if info is None or info.ttf is not pdfmetrics.getFont(name):
        info = _FONT_CACHE[name] = _FontInfo(name)
    return info


# --------------------------------------------------------------------------------------------
# Getting shaped glyph ids into the PDF with a truthful ToUnicode map
# --------------------------------------------------------------------------------------------
#
# ReportLab subsets a TTFont by *code points*: ``face.charToGlyph`` maps a code point to a
# glyph, ``splitString`` assigns each code point a one-byte code in a 256-entry subset, and the
# subset's ToUnicode CMap maps the code back to that code point. Nastaliq is drawn almost
# entirely with contextual glyphs that have no code point, so we mint one private code point
# (planes 15-16) per (glyph, source text) pair, point it at the glyph, and record the text it
# stands for. A thin wrapper around ``ttfonts.makeToUnicodeCMap`` then writes that text instead
# of the private code point. Planes 15-16 are used because ReportLab's own shaping hands out
# BMP private-use code points from U+E000 and we must never collide with it.

_PUA_FIRST, _PUA_LAST = 0xF0000, 0x10FFFD
_pua_next = _PUA_FIRST
_PUA_TEXT: dict[int, str] = {}
_GLYPH_CODES: weakref.WeakKeyDictionary[Any, dict[tuple[int, str, int], int]] = weakref.WeakKeyDictionary()


def _glyph_code(info: _FontInfo, gid: int, text: str, variant: int = 0) -> str:
    """A one-character string that ReportLab will encode as glyph ``gid`` of ``info``'s font.

    ``variant`` mints another code for the same glyph and text (see ``_emit_glyphs``).
    """
    global _pua_next
    codes = _GLYPH_CODES.setdefault(info.face, {})
    code = codes.get((gid, text, variant))
    if code is None:
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
        codes[(gid, text, variant)] = code
        _PUA_TEXT[code] = text
    return chr(code)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


_original_make_to_unicode = ttfonts.makeToUnicodeCMap


def _make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """ToUnicode CMap that maps our private codes to the Urdu text they were shaped from."""
    if not any(c in _PUA_TEXT for c in subset):
        return _original_make_to_unicode(fontname, subset)
    pairs = []
    for i, c in enumerate(subset):
        text = _PUA_TEXT.get(c, chr(c))
        # A glyph that is not the first of its cluster stands for no extra text; an empty
        # destination is legal and extractors then skip it.
        pairs.append(f"<{i:02X}> <{_utf16_hex(text)}>")
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    for k in range(0, len(pairs), 100):  # the CMap syntax allows at most 100 entries a block
        block = pairs[k : k + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(block)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


if not getattr(ttfonts.makeToUnicodeCMap, "_clinicpack_rtl", False):
    _make_to_unicode_cmap._clinicpack_rtl = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = _make_to_unicode_cmap


# --------------------------------------------------------------------------------------------
# Style
# --------------------------------------------------------------------------------------------


_LINK_BLUE = colors.HexColor("#1a4f9c")


@dataclass(frozen=True)
class RTLStyle:
    """Paragraph style for right-to-left text.

    ``leading`` of ``None`` means ``DEFAULT_LEADING_FACTOR * font_size``; two lines may be set
    further apart where their glyphs would otherwise touch.
    ``latin_font``/``latin_bold_font`` draw characters the Urdu font lacks (Latin letters);
    ``None`` uses ReportLab's bundled Vera.
    """

    font_name: str = URDU_REGULAR
    bold_font_name: str = URDU_BOLD
    font_size: float = 12.0
    leading: float | None = None
    text_color: Any = colors.black
    link_color: Any = _LINK_BLUE
    alignment: str = "right"  # "right" | "left" | "center"
    base_direction: str = "rtl"  # "rtl" | "auto" (first strong character decides)
    space_before: float = 0.0
    space_after: float = 0.0
    language: str = "ur"
    latin_font: str | None = None
    latin_bold_font: str | None = None
    underline_links: bool = False

    def __post_init__(self) -> None:
        if self.alignment not in ("right", "left", "center"):
            raise ValueError(f"alignment must be right, left or center, not {self.alignment!r}")
        if self.base_direction not in ("rtl", "auto"):
            raise ValueError(f"base_direction must be rtl or auto, not {self.base_direction!r}")

    @property
    def line_height(self) -> float:
        return self.leading if self.leading is not None else DEFAULT_LEADING_FACTOR * self.font_size


# --------------------------------------------------------------------------------------------
# Bidi
# --------------------------------------------------------------------------------------------

_LEVELS_RE = re.compile(r"levels:\s*\[(.*?)\]", re.DOTALL)
_LEVEL_RE = re.compile(r"Level\(\s*(\d+)")
_PARA_LEVEL_RE = re.compile(r"ParagraphInfo\s*\{.*?level:\s*Level\(\s*(\d+)", re.DOTALL)


def resolve_levels(text: str, base_direction: str = "rtl") -> tuple[int, list[int]]:
    """Paragraph embedding level and resolved level of every character (rules P2-I2).

    ``bidi.get_display`` only returns the reordered string, which cannot tell us which
    character went where. The same Rust call with ``debug=True`` returns the crate's
    ``BidiInfo``, whose ``levels`` are the resolved embedding levels, one per UTF-8 *byte*;
    we read the level of each character's first byte. The result is cross-checked against
    ``get_display`` in the tests.
    """
    if not text:
        return (1 if base_direction == "rtl" else 0), []
    if _PARAGRAPH_BREAKS.search(text):
        raise ValueError("one paragraph at a time: paragraph separators are not allowed")
    dump = get_display_inner(text, "R" if base_direction == "rtl" else None, True)
    match = _LEVELS_RE.search(dump)
    para = _PARA_LEVEL_RE.search(dump)
    if not match or not para:
        raise _bidi_changed()
    byte_levels = [int(v) for v in _LEVEL_RE.findall(match.group(1))]
    levels: list[int] = []
    pos = 0
    for ch in text:
        levels.append(byte_levels[pos])
        pos += len(ch.encode("utf-8"))
    if pos != len(byte_levels):
        raise _bidi_changed()
    return int(para.group(1)), levels


def _bidi_changed() -> BuildError:
    """The installed python-bidi prints its levels differently: refuse rather than guess."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("python-bidi")
    except PackageNotFoundError:
        installed = "unknown"
    return BuildError(
        f"python-bidi debug output changed; cannot read embedding levels (installed: python-bidi {installed}). "
        "Right-to-left text needs python-bidi 0.6: run  pip install 'python-bidi>=0.6,<0.7'"
    )


def _is_l1_whitespace(ch: str) -> bool:
    # L1: whitespace (WS), isolate formatting characters, and characters removed by X9 that
    # sit next to them count as trailing whitespace.
    return unicodedata.bidirectional(ch) in ("WS", "FSI", "LRI", "RLI", "PDI", "BN", "LRE", "RLE", "LRO", "RLO", "PDF")


def line_levels(text: str, levels: Sequence[int], start: int, end: int, para_level: int) -> list[int]:
    """Levels of ``text[start:end]`` after rule L1 (per line)."""
    out = list(levels[start:end])
    n = end - start
    i = n
    while i > 0 and _is_l1_whitespace(text[start + i - 1]):
        i -= 1
    for k in range(i, n):
        out[k] = para_level
    # segment separators (tab) and whitespace before them
    for k in range(n):
        if unicodedata.bidirectional(text[start + k]) in ("S", "B"):
            out[k] = para_level
            j = k
            while j > 0 and _is_l1_whitespace(text[start + j - 1]):
                j -= 1
                out[j] = para_level
    return out


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: indices (into ``levels``) in visual order, left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        n = len(order)
        while i < n:
            if levels[order[i]] >= level:
                j = i
                while j < n and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


# --------------------------------------------------------------------------------------------
# Shaping
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShapedGlyph:
    """One glyph from HarfBuzz, in font units, in visual (left-to-right) order of its piece."""

    gid: int
    cluster: int  # index into the paragraph text of the first character of its cluster
    x_advance: int
    y_advance: int
    x_offset: int
    y_offset: int


def _script_of(text: str) -> tuple[str | None, str]:
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    return buf.script, buf.direction


def shape_piece(
    info: _FontInfo,
    context: str,
    context_start: int,
    start: int,
    end: int,
    rtl: bool,
    script: str | None,
    language: str | None,
) -> list[ShapedGlyph]:
    """Shape ``context[start:end]`` (indices relative to ``context``) with the rest as context.

    Clusters are returned relative to the paragraph (``context_start`` is added), so every
    glyph can be traced back to the characters it draws.
    """
    buf = hb.Buffer()
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_codepoints([ord(c) for c in context], start, end - start)
    buf.direction = "rtl" if rtl else "ltr"
    if script:
        buf.script = script
    if language:
        buf.language = language
    hb.shape(info.hb_font, buf, {"kern": True, "liga": True})
    return [
        ShapedGlyph(gi.codepoint, gi.cluster + context_start, gp.x_advance, gp.y_advance, gp.x_offset, gp.y_offset)
        for gi, gp in zip(buf.glyph_infos, buf.glyph_positions)
    ]


# --------------------------------------------------------------------------------------------
# Paragraph preparation (style per character, font per character, levels)
# --------------------------------------------------------------------------------------------


class _Prepared:
    """Everything about a paragraph that does not depend on the line width."""

    def __init__(self, runs: Sequence[Run], style: RTLStyle) -> None:
        self.style = style
        latin_r, latin_b = style.latin_font, style.latin_bold_font
        if latin_r is None or latin_b is None:
            default_r, default_b = _latin_fallbacks()
            latin_r, latin_b = latin_r or default_r, latin_b or default_b
        main = {False: _font_info(style.font_name), True: _font_info(style.bold_font_name)}
        latin = {False: _font_info(latin_r), True: _font_info(latin_b)}
        chars: list[str] = []
        char_runs: list[Run] = []
        for run in runs:
            if run.line_break:
                chars.append(_LINE_SEPARATOR)
                char_runs.append(run)
                continue
            text = _PARAGRAPH_BREAKS.sub(" ", run.text)
            chars.extend(text)
            char_runs.extend([run] * len(text))
        self.text = "".join(chars)
        self.runs = char_runs
        self.fonts: list[str] = []
        prev_font: str | None = None
        for ch, run in zip(self.text, char_runs):
            bold = bool(run.bold)
            cp = ord(ch)
            cat = unicodedata.category(ch)
            if prev_font is not None and (cat in ("Mn", "Me", "Mc") or cp in (0x200C, 0x200D)):
                font = prev_font  # marks and joiners stay with their base
            elif cp in main[bold].cmap or cp not in latin[bold].cmap:
                font = main[bold].name
            else:
                font = latin[bold].name
            self.fonts.append(font)
            prev_font = font
        self._latin_common(latin)
        self._format_chars_follow_text()
        self.para_level, self.levels = resolve_levels(self.text, style.base_direction)
        self.advances = self._measure()
        # lines already shaped, by (start, end): line breaking tries the same lines again when
        # a paragraph is wrapped at another width or split across frames (lines are only read)
        self.shaped_lines: dict[tuple[int, int], LaidOutLine] = {}

    def _latin_common(self, latin: dict[bool, _FontInfo]) -> None:
        """Spaces, digits and punctuation inside Latin text are drawn in the Latin font.

        Font itemisation, not bidi: a character shared by every script takes the font of the
        letters around it, as browsers do, so "Dr Ayesha Siddiqui" or "v1.0 (693bd414)" keep
        Latin spacing and digits. It goes Latin only when the nearest letter before it is
        Latin and the nearest letter after it is Latin too (or there is none), so the space
        between an Urdu word and "PRP" stays an Urdu space.
        """
        n = len(self.text)
        is_latin = {latin[False].name, latin[True].name}
        letter = [unicodedata.category(c).startswith("L") for c in self.text]
        before: list[bool | None] = [None] * n
        seen: bool | None = None
        for i in range(n):
            before[i] = seen
            if letter[i]:
                seen = self.fonts[i] in is_latin
        seen = None
        for i in range(n - 1, -1, -1):
            if not letter[i] and before[i] and seen is not False:
                bold = bool(self.runs[i].bold)
                cat = unicodedata.category(self.text[i])
                if cat[0] in "ZPSN" and ord(self.text[i]) in latin[bold].cmap:
                    self.fonts[i] = latin[bold].name
            if letter[i]:
                seen = self.fonts[i] in is_latin

    def _format_chars_follow_text(self) -> None:
        """Invisible format characters (bidi isolates and marks) take the font of the text they
        precede, so they never split a run of one font into pieces."""
        n = len(self.text)
        for i in range(n - 1, -1, -1):
            if unicodedata.category(self.text[i]) == "Cf" and self.text[i] not in "\u200c\u200d":
                if i + 1 < n:
                    self.fonts[i] = self.fonts[i + 1]
                elif i > 0:
                    self.fonts[i] = self.fonts[i - 1]

    def level_runs(self, start: int, end: int, levels: Sequence[int]) -> list[tuple[int, int, int]]:
        """Maximal (start, end, level) stretches of equal level in logical order."""
        out = []
        i = start
        while i < end:
            j = i
            while j < end and levels[j - start] == levels[i - start]:
                j += 1
            out.append((i, j, levels[i - start]))
            i = j
        return out

    def pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """Stretches of one font and one Run (style/link) in logical order."""
        out = []
        i = start
        while i < end:
            j = i
            while j < end and self.fonts[j] == self.fonts[i] and self.runs[j] is self.runs[i]:
                j += 1
            out.append((i, j))
            i = j
        return out

    def shape_level_run(self, start: int, end: int, level: int) -> list[tuple[int, int, list[ShapedGlyph]]]:
        """Shape one level run piece by piece, each with the whole run as context.

        Returns (piece start, piece end, glyphs) in *visual* order, left to right.
        """
        context = self.text[start:end]
        rtl = level % 2 == 1
        script, _ = _script_of(context)
        language = self.style.language if script == "Arab" else None
        shaped = []
        for a, b in self.pieces(start, end):
            glyphs = shape_piece(_font_info(self.fonts[a]), context, start, a - start, b - start, rtl, script, language)
            shaped.append((a, b, glyphs))
        if rtl:
            shaped.reverse()
        return shaped

    def _measure(self) -> list[float]:
        """Shaped advance of every character (points), for line breaking in logical order.

        Breaks only fall at spaces (or inside over-long words), and Arabic joining never
        crosses a space, so advances from shaping whole level runs are the line's widths.
        """
        n = len(self.text)
        adv = [0.0] * n
        size = self.style.font_size
        for a, b, level in self.level_runs(0, n, self.levels):
            for pa, pb, glyphs in self.shape_level_run(a, b, level):
                info = _font_info(self.fonts[pa])
                scale = size / info.upem
                for g in glyphs:
                    adv[min(max(g.cluster, pa), pb - 1)] += g.x_advance * scale
        return adv


_PREPARED: OrderedDict[tuple, _Prepared] = OrderedDict()
_PREPARED_LOCK = threading.Lock()
_PREPARED_KEEP = 2048  # paragraphs: a few leaflets' worth


def _prepared_for(runs: Sequence[Run], style: RTLStyle) -> _Prepared:
    """The paragraph's ``_Prepared``, shared with every earlier paragraph of the same runs in the
    same fonts, size, direction and language (colours, alignment and spacing do not change the
    shaping). A running process (watch mode, the front desk) re-renders mostly unchanged
    paragraphs: their bidi levels, shaped advances and shaped lines are reused, not redone.
    The key holds the registered fonts themselves, so a font registered again is shaped again."""
    latin_r, latin_b = style.latin_font, style.latin_bold_font
    if latin_r is None or latin_b is None:
        default_r, default_b = _latin_fallbacks()
        latin_r, latin_b = latin_r or default_r, latin_b or default_b
    fonts = tuple(_font_info(name) for name in (style.font_name, style.bold_font_name, latin_r, latin_b))
    key = (tuple(runs), style.font_size, style.base_direction, style.language, fonts)
    with _PREPARED_LOCK:
        prep = _PREPARED.get(key)
        if prep is not None:
            _PREPARED.move_to_end(key)
            return prep
    prep = _Prepared(runs, style)
    with _PREPARED_LOCK:
        _PREPARED[key] = prep
        while len(_PREPARED) > _PREPARED_KEEP:
            _PREPARED.popitem(last=False)
    return prep


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnGlyph:
    """A glyph as drawn: ``x``/``y`` are points from the line's left edge and baseline."""

    font: str
    gid: int
    x: float
    y: float
    advance: float
    cluster: int
    text: str  # the characters this glyph stands for in ToUnicode ("" for extra glyphs)
    run: Run


@dataclass
class LaidOutLine:
    """One line: its logical character range and its glyphs in visual order."""

    start: int
    end: int
    glyphs: list[DrawnGlyph] = field(default_factory=list)
    width: float = 0.0
    ink_top: float = 0.0  # points above the baseline
    ink_bottom: float = 0.0  # points below the baseline (positive)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # glyph ink: x0, x1, y0, y1

    def glyph_positions(self) -> list[tuple[int, float]]:
        """(glyph id, x) pairs in visual order: what the tests compare."""
        return [(g.gid, g.x) for g in self.glyphs]


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _break_lines(prep: _Prepared, start: int, width: float, end: int | None = None) -> list[LaidOutLine]:
    """Greedy line breaking in logical order from ``start``, returning shaped lines.

    Candidate breaks are the spaces, measured with the advances of the whole paragraph's
    shaping; every chosen line is then shaped for real and, if it came out wider than
    ``width`` (kerning or contextual forms at its edges), it gives back words until it fits.
    A word wider than a line is cut at the last character that fits, never between a letter
    and its combining marks; the cut halves are shaped separately, which is the safe choice.
    """
    text, adv = prep.text, prep.advances
    n = len(text) if end is None else end
    eps = 1e-6
    lines: list[LaidOutLine] = []
    i = start
    while i < n:
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            break
        if text[i] == _LINE_SEPARATOR:  # a hard break right after another: an empty line
            lines.append(_shape_line(prep, i, i))
            i += 1
            continue
        ends: list[int] = []
        x = 0.0
        j = i
        while j < n and text[j] != _LINE_SEPARATOR:
            k = j
            while k < n and text[k] not in (" ", _LINE_SEPARATOR):
                k += 1
            word_w = sum(adv[j:k])
            if x + word_w > width + eps:
                break
            ends.append(k)
            x += word_w
            j = k
            while j < n and text[j] == " ":
                x += adv[j]
                j += 1
        line: LaidOutLine | None = None
        while ends:
            candidate = _shape_line(prep, i, ends[-1])
            if candidate.width <= width + eps:
                line = candidate
                break
            ends.pop()
        if line is None:  # the first word alone is too wide: cut it
            k = i
            while k < n and text[k] not in (" ", _LINE_SEPARATOR):
                k += 1
            cut, acc = i, 0.0
            while cut < k and acc + adv[cut] <= width + eps:
                acc += adv[cut]
                cut += 1
            cut = max(cut, i + 1)
            # a web address breaks after / ? & = or - when one falls in the second half of the line
            nice = max((c + 1 for c in range(i, cut - 1) if text[c] in _URL_BREAKS), default=0)
            if nice and sum(adv[i:nice]) >= width / 2:
                cut = nice
            while cut < k and _is_mark(text[cut]):
                cut += 1
            line = _shape_line(prep, i, cut)
            while line.width > width + eps and cut > i + 1:
                cut -= 1
                while cut > i + 1 and _is_mark(text[cut]):
                    cut -= 1
                line = _shape_line(prep, i, cut)
        lines.append(line)
        i = line.end
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == _LINE_SEPARATOR:
            i += 1
    return lines


class _Placed:
    """Mutable glyph record while a level run is being positioned (points, run-relative)."""

    __slots__ = ("advance", "cluster", "gid", "info", "piece", "text", "x", "y")

    def __init__(self, info: _FontInfo, gid: int, x: float, y: float, advance: float, cluster: int, text: str, piece: int) -> None:
        self.info, self.gid, self.x, self.y, self.advance = info, gid, x, y, advance
        self.cluster, self.text, self.piece = cluster, text, piece


def _place_level_run(prep: _Prepared, a: int, b: int, level: int) -> tuple[list[_Placed], float]:
    """Shape one level run and position its glyphs from x=0; returns (glyphs, width).

    Glyphs come back in visual order, each knowing the characters it stands for: the first
    glyph of a cluster in logical order carries the cluster's text, the rest carry "".
    """
    size = prep.style.font_size
    placed: list[_Placed] = []
    x = 0.0
    shaped = prep.shape_level_run(a, b, level)
    for piece_no, (pa, pb, glyphs) in enumerate(shaped):
        info = _font_info(prep.fonts[pa])
        scale = size / info.upem
        starts = sorted({min(max(g.cluster, pa), pb - 1) for g in glyphs})
        ends = {c: (starts[k + 1] if k + 1 < len(starts) else pb) for k, c in enumerate(starts)}
        logical = glyphs[::-1] if level % 2 else glyphs
        seen: set[int] = set()
        carrier: set[int] = set()
        for g in logical:
            c = min(max(g.cluster, pa), pb - 1)
            if c not in seen:
                seen.add(c)
                carrier.add(id(g))
        for g in glyphs:
            c = min(max(g.cluster, pa), pb - 1)
            text = prep.text[c : ends[c]].translate(_NO_BIDI_CONTROLS) if id(g) in carrier else ""
            placed.append(_Placed(info, g.gid, x + g.x_offset * scale, g.y_offset * scale, g.x_advance * scale, c, text, piece_no))
            x += g.x_advance * scale
    if level % 2 and len(shaped) > 1:
        x += _join_across_pieces(placed, size)
    return placed, x


def _join_across_pieces(placed: list[_Placed], size: float) -> float:
    """Reconnect the Nastaliq cascade where a word changes font (e.g. bold inside a word).

    Each piece of a run is shaped with the whole run as context, so its joining *forms* are
    right, but HarfBuzz positions every piece's cursive chain on its own: the part before the
    boundary lands on the baseline instead of climbing to meet the part after it. OpenType
    cursive attachment says the exit anchor of a glyph meets the entry anchor of the next one
    (logical order), so we move the chain before the boundary until they meet. Boundaries are
    handled from the end of the word backwards, so each fix builds on the previous one.
    Returns the change of the run's width. ``placed`` is in visual order of an RTL run, so
    logical order is right to left.
    """
    logical = placed[::-1]
    delta_width = 0.0
    pieces = sorted({p.piece for p in placed})  # visual piece numbers; higher = logically earlier
    # boundaries in logical order from last to first: visual piece k (later) and k+1 (earlier)
    for k in pieces[:-1]:
        later = [p for p in logical if p.piece == k]
        earlier = [p for p in logical if p.piece == k + 1]
        first_later = next((p for p in later if p.info.cursive(p.gid)[0] is not None), None)
        last_earlier = next((p for p in reversed(earlier) if p.info.cursive(p.gid)[1] is not None), None)
        if first_later is None or last_earlier is None:
            continue
        # both must be the glyphs at the boundary, not further inside the pieces
        if first_later.cluster != min(p.cluster for p in later) or last_earlier.cluster != max(p.cluster for p in earlier):
            continue
        entry = first_later.info.cursive(first_later.gid)[0]
        exit_ = last_earlier.info.cursive(last_earlier.gid)[1]
        s_l = size / first_later.info.upem
        s_e = size / last_earlier.info.upem
        dx = (first_later.x + entry[0] * s_l) - (last_earlier.x + exit_[0] * s_e)
        dy = (first_later.y + entry[1] * s_l) - (last_earlier.y + exit_[1] * s_e)
        # the cursive chain that ends at the boundary: clusters walked back while connected
        chain = {last_earlier.cluster}
        bases = [p for p in earlier if p.info.cursive(p.gid) != (None, None)]
        idx = bases.index(last_earlier)
        while idx > 0:
            prev, cur = bases[idx - 1], bases[idx]
            if prev.info.cursive(prev.gid)[1] is None or cur.info.cursive(cur.gid)[0] is None:
                break
            chain.add(prev.cluster)
            idx -= 1
        for p in placed:
            if p.piece > k:  # everything visually right of the boundary moves sideways
                p.x += dx
                if p.piece == k + 1 and p.cluster in chain:
                    p.y += dy
        delta_width += dx
    return delta_width


def _shape_line(prep: _Prepared, start: int, end: int) -> LaidOutLine:
    """Reorder one line visually (L1, L2) and shape each level run in its own direction."""
    known = prep.shaped_lines.get((start, end))
    if known is not None:
        return known
    line = prep.shaped_lines[(start, end)] = LaidOutLine(start, end)
    size = prep.style.font_size
    # trailing spaces are not drawn (after L1 they sit at the paragraph level anyway)
    while end > start and prep.text[end - 1] in (" ", _LINE_SEPARATOR):
        end -= 1
    if end <= start:
        return line
    levels = line_levels(prep.text, prep.levels, start, end, prep.para_level)
    runs = prep.level_runs(start, end, levels)
    # L2 on level runs as units: a maximal run of one level stays contiguous in visual order
    # and reads in its own direction, so reversing runs is the same as reversing characters.
    order = visual_order([lv for _, _, lv in runs])
    x = 0.0
    top = 0.0
    bottom = 0.0
    for r in order:
        a, b, level = runs[r]
        placed, width = _place_level_run(prep, a, b, level)
        for p in placed:
            scale = size / p.info.upem
            ink_t, ink_b, ink_l, ink_r = p.info.box(p.gid)
            if ink_t != ink_b:  # blank glyphs (spaces) have no ink
                top = max(top, p.y + ink_t * scale)
                bottom = max(bottom, -(p.y + ink_b * scale))
                gx = x + p.x
                line.boxes.append((gx + ink_l * scale, gx + ink_r * scale, p.y + ink_b * scale, p.y + ink_t * scale))
            line.glyphs.append(
                DrawnGlyph(p.info.name, p.gid, x + p.x, p.y, p.advance, p.cluster, p.text, prep.runs[p.cluster])
            )
        x += width
    line.width = x
    line.ink_top = top
    line.ink_bottom = bottom
    return line


@dataclass(frozen=True)
class _Metrics:
    ascent: float  # top of the box to the first baseline
    pitches: tuple[float, ...]  # baseline to baseline, one per pair of neighbouring lines
    descent: float  # last baseline to the bottom of the box

    def height(self) -> float:
        return self.ascent + sum(self.pitches) + self.descent if self.ascent or self.descent else 0.0

    def baselines(self) -> list[float]:
        """Distance from the top of the box to each line's baseline."""
        out = [self.ascent]
        for p in self.pitches:
            out.append(out[-1] + p)
        return out


def _line_offset(line: LaidOutLine, width: float, alignment: str) -> float:
    if alignment == "right":
        return width - line.width
    if alignment == "center":
        return (width - line.width) / 2
    return 0.0


def _line_metrics(lines: Sequence[LaidOutLine], style: RTLStyle, info: _FontInfo, width: float) -> _Metrics:
    """Box and baselines of a paragraph, in points: no glyph ever touches a glyph of another line.

    Nastaliq words climb well above the baseline and some letters hang below it, but rarely
    at the same place on two neighbouring lines. As in TeX (``\\baselineskip`` and
    ``\\lineskip``), lines are set ``style.line_height`` apart, and a pair of lines is moved
    further apart only as far as its real glyph boxes need (compared column by column, one
    point wide, with a small clearance all round). The box above the first baseline and below
    the last one holds every glyph, so paragraphs never touch each other either.
    """
    size = style.font_size
    floor = style.line_height
    ratio = info.ascent / (info.ascent + info.descent) if info.ascent + info.descent else 0.75
    gap = INK_GAP_EM * size
    n = len(lines)
    if n == 0:
        return _Metrics(0.0, (), 0.0)
    cols = int(width) + 3
    tops: list[list[float]] = []
    bottoms: list[list[float]] = []
    if n > 1:
        for ln in lines:
            off = _line_offset(ln, width, style.alignment) + 1  # column 0 is a margin
            top = [-1e9] * cols
            bottom = [-1e9] * cols
            for x0, x1, y0, y1 in ln.boxes:
                # one column of clearance on each side: glyphs that nearly touch count as touching
                for c in range(max(0, int(x0 + off) - 1), min(cols, int(x1 + off) + 2)):
                    top[c] = max(top[c], y1)
                    bottom[c] = max(bottom[c], -y0)
            tops.append(top)
            bottoms.append(bottom)

    def need(i: int, j: int) -> float:
        return max(b + t for b, t in zip(bottoms[i], tops[j])) + gap

    pitches: list[float] = []
    for k in range(1, n):
        p = max(floor, need(k - 1, k))
        if k >= 2:  # a tall word can reach past the line above to the one before it
            p = max(p, need(k - 2, k) - pitches[-1])
        pitches.append(p)
    ascent = floor * ratio
    descent = floor * (1 - ratio)
    offset = 0.0
    total = sum(pitches)
    for k, ln in enumerate(lines):
        ascent = max(ascent, ln.ink_top - offset + gap / 2)
        descent = max(descent, ln.ink_bottom - (total - offset) + gap / 2)
        if k < len(pitches):
            offset += pitches[k]
    return _Metrics(ascent, tuple(pitches), descent)


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"


def _has_ink(g: DrawnGlyph) -> bool:
    top, bottom, _, _ = _font_info(g.font).box(g.gid)
    return top != bottom


def glyph_clusters(glyphs: Sequence[DrawnGlyph]) -> list[list[DrawnGlyph]]:
    """Runs of neighbouring glyphs drawn for the same characters (one cluster, one font)."""
    out: list[list[DrawnGlyph]] = []
    for g in glyphs:
        if out and out[-1][0].cluster == g.cluster and out[-1][0].font == g.font:
            out[-1].append(g)
        else:
            out.append([g])
    return out


def _emit_glyphs(canvas: Any, glyphs: Sequence[DrawnGlyph], x0: float, y0: float, size: float, style: RTLStyle) -> None:
    """Write glyphs as PDF text, left to right (visual order), each at its absolute position.

    Absolute positions keep HarfBuzz's x/y offsets exact. Each cluster's first glyph maps to
    the cluster's characters in ToUnicode, so extractors that order text right to left get
    the Urdu back; extractors that group lines by exact y can scramble Nastaliq words, whose
    glyphs climb above the baseline (emitting logical order made pypdf worse, not better).
    """
    if not glyphs:
        return
    doc = canvas._doc
    # text-state parameters survive BT/ET inside the graphics state: reset the ones that would
    # distort glyphs placed by absolute Tm (spacing, scaling, rise, render mode)
    ops: list[str] = ["BT 0 Tc 0 Tw 100 Tz 0 Ts 0 Tr"]
    cur_font: tuple[str, int] | None = None
    cur_colour: Any = None
    cmyk = getattr(canvas, "_enforceColorSpace", None) is not None  # print.colour: cmyk
    recent: list[tuple[str, int, str, int]] = []  # the last glyphs drawn: (font, gid, text, variant)
    for cluster in glyph_clusters(glyphs):
        # a glyph with neither ink nor text (a joining spacer, the blank shape of a bidi
        # control) changes nothing on the page: leaving it out leaves extractors nothing to misread
        cluster = [g for g in cluster if g.text or _has_ink(g)]
        if not cluster:
            continue
        text = "".join(g.text for g in cluster)
        span = len(cluster) > 1 and text
        if span:
            # one letter drawn as several glyphs (Nastaliq: skeleton, dots, joins): the extra
            # glyphs stand for no text. ActualText says what the whole cluster reads as, so an
            # extractor that follows it (PDFium, Acrobat) never turns them into stray codes;
            # the carrier goes first, as PDFium reads the span's text at its first glyph.
            ops.append(f"/Span << /ActualText <FEFF{_utf16_hex(text)}> >> BDC")
            cluster = sorted(cluster, key=lambda g: not g.text)
        for g in cluster:
            info = _font_info(g.font)
            colour = style.link_color if g.run.href else style.text_color
            if colour is not cur_colour:
                ops.append(fill_operator(colour, cmyk))
                cur_colour = colour
            # PDFium drops a text object that repeats one of the last five objects' codes close
            # by (its test for fake bold); stacked Nastaliq letters can do that, so a glyph
            # repeated within the last five gets a code of its own
            variant = 0
            while (g.font, g.gid, g.text, variant) in recent:
                variant += 1
            recent = [*recent[-4:], (g.font, g.gid, g.text, variant)]
            ((subset, code),) = info.ttf.splitString(_glyph_code(info, g.gid, g.text, variant), doc)
            if (g.font, subset) != cur_font:
                ops.append(f"{info.ttf.getSubsetInternalName(subset, doc)} {_fmt(size)} Tf")
                cur_font = (g.font, subset)
            ops.append(f"1 0 0 1 {_fmt(x0 + g.x)} {_fmt(y0 + g.y)} Tm <{code.hex().upper()}> Tj")
        if span:
            ops.append("EMC")
    ops.append("ET")
    canvas._code.append("\n".join(ops))


def _draw_line(canvas: Any, line: LaidOutLine, x0: float, baseline: float, style: RTLStyle, descent: float, ascent: float) -> None:
    canvas.saveState()
    _emit_glyphs(canvas, line.glyphs, x0, baseline, style.font_size, style)
    # links: one clickable box per contiguous stretch of glyphs with the same href
    stretch: list[DrawnGlyph] = []
    for g in line.glyphs + [None]:  # type: ignore[list-item]
        if g is not None and g.run.href and (not stretch or stretch[-1].run.href == g.run.href):
            stretch.append(g)
            continue
        if stretch:
            left = min(s.x for s in stretch)
            right = max(s.x + s.advance for s in stretch)
            rect = (x0 + left, baseline - descent, x0 + right, baseline + ascent)
            canvas.linkURL(stretch[0].run.href, rect, relative=1, thickness=0)
            if style.underline_links:
                canvas.setStrokeColor(style.link_color)
                canvas.setLineWidth(max(0.4, style.font_size / 24))
                uy = baseline - 0.35 * style.font_size
                canvas.line(x0 + left, uy, x0 + right, uy)
        stretch = [g] if g is not None and g.run.href else []
    canvas.restoreState()


# --------------------------------------------------------------------------------------------
# The flowable
# --------------------------------------------------------------------------------------------


class RTLParagraph(Flowable):
    """A paragraph of right-to-left text (Urdu in Nastaliq) built from :class:`Run` objects.

    ``wrap`` breaks lines in logical order with shaped widths; ``draw`` reorders and shapes
    each line and draws glyph ids; ``split`` cuts between lines so long text flows over pages.
    """

    def __init__(
        self,
        runs: list[Run],
        style: RTLStyle,
        *,
        _prepared: _Prepared | None = None,
        _start: int = 0,
        _end: int | None = None,
        _first: bool = True,
        _last: bool = True,
    ) -> None:
        super().__init__()
        self.runs = list(runs)
        self.style = style
        # split() pieces share the parent's prepared text and levels and own [_start, _end):
        # bidi levels belong to the whole paragraph, not to the piece
        self._prep = _prepared
        self._start = _start
        self._end = _end
        self._first = _first
        self._last = _last
        self._lines: list[LaidOutLine] = []
        self._metrics = _Metrics(0.0, (), 0.0)
        self._wrapped_width: float | None = None
        self.width = 0.0
        self.height = 0.0

    # Flowable protocol -----------------------------------------------------------------

    def getSpaceBefore(self) -> float:
        return self.style.space_before if self._first else 0.0

    def getSpaceAfter(self) -> float:
        return self.style.space_after if self._last else 0.0

    @property
    def prepared(self) -> _Prepared:
        if self._prep is None:
            self._prep = _prepared_for(self.runs, self.style)
        return self._prep

    def _measure(self, lines: Sequence[LaidOutLine], width: float) -> _Metrics:
        return _line_metrics(lines, self.style, _font_info(self.style.font_name), width)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped_width != availWidth:
            prep = self.prepared
            self._lines = _break_lines(prep, self._start, availWidth, self._end)
            self._metrics = self._measure(self._lines, availWidth)
            self._wrapped_width = availWidth
        self.width = availWidth
        self.height = self._metrics.height()
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        if self.height <= availHeight + 1e-6:
            return [self]
        for fit in range(len(self._lines) - 1, 0, -1):
            metrics = self._measure(self._lines[:fit], availWidth)
            if metrics.height() <= availHeight + 1e-6:
                break
        else:
            return []
        cut = self._lines[fit].start
        prep = self.prepared
        first = RTLParagraph(self.runs, self.style, _prepared=prep, _start=self._start, _end=cut, _first=self._first, _last=False)
        rest = RTLParagraph(self.runs, self.style, _prepared=prep, _start=cut, _end=self._end, _first=False, _last=self._last)
        first._lines = self._lines[:fit]
        first._metrics = metrics
        first._wrapped_width = availWidth
        return [first, rest]

    def draw(self) -> None:
        canvas = self.canv
        m = self._metrics
        link_above = min(m.ascent, self.style.font_size * 1.2)
        link_below = min(m.descent, self.style.font_size * 0.6)
        for line, drop in zip(self._lines, m.baselines()):
            x0 = _line_offset(line, self.width, self.style.alignment)
            _draw_line(canvas, line, x0, self.height - drop, self.style, link_below, link_above)

    # Introspection for tests -------------------------------------------------------------

    @property
    def lines(self) -> list[LaidOutLine]:
        """Lines of the last ``wrap``, glyphs in visual order (x from each line's left edge)."""
        return self._lines

    @property
    def line_pitch(self) -> float:
        """The largest baseline-to-baseline distance (the usual one for a single line)."""
        return max(self._metrics.pitches, default=self.style.line_height)

    def baselines(self) -> list[float]:
        """Distance from the top of the box to each line's baseline (after ``wrap``)."""
        return self._metrics.baselines()

    def first_baseline(self) -> float:
        """Distance from the top of the box to the first line's baseline (after ``wrap``).

        List markers sit on this baseline; a fixed guess would miss tall Nastaliq lines.
        """
        return self._metrics.ascent


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


def layout_for_test(runs: list[Run], style: RTLStyle, width: float) -> list[LaidOutLine]:
    """Lay out ``runs`` at ``width`` exactly as ``RTLParagraph`` would, for tests."""
    para = RTLParagraph(runs, style)
    para.wrap(width, 1e9)
    return para.lines


def shape_line_for_test(runs: list[Run], style: RTLStyle, width: float = 1e6) -> list[list[tuple[int, float]]]:
    """For each laid-out line, the drawn (glyph id, x) sequence in visual order."""
    return [ln.glyph_positions() for ln in layout_for_test(runs, style, width)]


def _single_line(
    text: str, font: str, size: float, bold_font: str | None = None, latin_font: str | None = None, base_direction: str = "rtl"
) -> LaidOutLine:
    style = RTLStyle(
        font_name=font, bold_font_name=bold_font or font, font_size=size, latin_font=latin_font, latin_bold_font=latin_font,
        base_direction=base_direction,
    )
    prep = _Prepared([Run(text)], style)
    return _shape_line(prep, 0, len(prep.text))


def shape_line(
    text: str, font: str, size: float, latin_font: str | None = None, base_direction: str = "rtl"
) -> LaidOutLine:
    """One line of text, bidi-ordered and shaped; glyphs in visual order from x = 0."""
    return _single_line(text, font, size, latin_font=latin_font, base_direction=base_direction)


def _shared_line(text: str, font: str, size: float, latin_font: str | None, base_direction: str) -> LaidOutLine:
    """``_single_line``, remembered: headers, footers, page labels and list markers repeat on
    every page, and each is measured before it is drawn. The key holds the registered fonts
    themselves, so a font registered again under the same name is shaped again. The line is
    shared: callers only read it."""
    latin = _font_info(latin_font) if latin_font else None
    return _single_line_memo(text, font, size, latin_font, base_direction, _font_info(font), latin)


@lru_cache(maxsize=2048)
def _single_line_memo(text: str, font: str, size: float, latin_font: str | None, base_direction: str, *_fonts: object) -> LaidOutLine:
    return _single_line(text, font, size, latin_font=latin_font, base_direction=base_direction)


def rtl_string_width(text: str, font: str, size: float, latin_font: str | None = None, base_direction: str = "rtl") -> float:
    """Shaped width in points of a single line of right-to-left text."""
    return _shared_line(text, font, size, latin_font, base_direction).width


def draw_rtl_string(
    canvas: Any,
    x_right: float,
    y: float,
    text: str,
    font: str,
    size: float,
    colour: Any = colors.black,
    latin_font: str | None = None,
    base_direction: str = "rtl",
) -> float:
    """Draw one line of RTL text ending at ``x_right`` (baseline ``y``); return its width.

    For page headers, footers, list markers and form labels, where a full flowable is too
    heavy. ``latin_font`` draws characters ``font`` lacks (default: ReportLab's Vera).
    """
    line = _shared_line(text, font, size, latin_font, base_direction)
    style = RTLStyle(font_name=font, bold_font_name=font, font_size=size, text_color=colour, latin_font=latin_font, latin_bold_font=latin_font)
    canvas.saveState()
    _emit_glyphs(canvas, line.glyphs, x_right - line.width, y, size, style)
    canvas.restoreState()
    return line.width
