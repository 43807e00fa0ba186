"""The fonts the stamper writes patient text in, embedded as PDF objects.

Each font is embedded once per template, in full (or, for the booking link's face, cut down to
a web address's characters) with Identity-H encoding (glyph ids as character codes) plus a
ToUnicode map, so any character the font has prints correctly and can be copied or searched.
Right-to-left values are shaped by the RTL engine with the same registered fonts as the
template's own text.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Iterable

from reportlab.pdfbase.ttfonts import TTFontFile

from ..codecache import dataclass
from .pdfobjects import stream
from .tounicode import to_unicode_cmap


@dataclass(frozen=True)
class EmbeddedFont:
    """One font's PDF objects, with the character map and advances the stamper measures with."""

    gid: dict[int, int]  # code point -> glyph id
    width: dict[int, float]  # glyph id -> advance in 1/1000 em
    objects: tuple[bytes, ...]  # the object bodies, first is the Type0 font


URL_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F))  # all a web address holds (the rest is %-encoded)


def _subset(path: str, chars: str) -> bytes:
    """The font cut down to ``chars``, glyph ids kept (fontTools), reproducibly."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, recalcTimestamp=False)
    options = subset.Options()
    options.retain_gids = True
    options.layout_features = []
    options.hinting = False  # print and screen renderers hint for themselves
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def load_font(path: str, first: int, every_glyph: bool = False, only: str | None = None) -> EmbeddedFont:
    """Embed the whole TrueType file (objects numbered from ``first``).

    ``every_glyph`` lists the advance of every glyph, not only of those a character maps to:
    shaped text (Nastaliq) is drawn almost entirely in contextual forms without a code point.
    ``only``: embed just these characters' glyphs (the booking link's face needs no more than
    a web address's characters: a few KB instead of the whole font in every pack).
    """
    if only is None:
        with open(path, "rb") as handle:
            data = handle.read()
    else:
        data = _subset(path, only)
    ttf = TTFontFile(io.BytesIO(data))
    scale = 1000.0 / ttf.unitsPerEm
    gid = {cp: g for cp, g in ttf.charToGlyph.items() if cp >= 32 and g}
    glyphs = set(range(1, len(ttf.hmetrics))) if every_glyph else set(gid.values())
    width = {g: round(ttf.hmetrics[g][0] * scale, 1) if g < len(ttf.hmetrics) else float(ttf.defaultWidth) for g in glyphs}
    name = ttf.name.decode("latin-1") if isinstance(ttf.name, bytes) else str(ttf.name)
    name = re.sub(r"[^A-Za-z0-9+-]", "", name) or "PatientFont"
    if only is not None:  # a subset's name starts with a tag of six capitals (PDF 9.6.4)
        name = "".join(chr(65 + b % 26) for b in hashlib.md5(data).digest()[:6]) + "+" + name
    w_parts = []
    for g in sorted(width):
        w_parts.append(f"{g} [{width[g]:g}]")
    cid_widths = " ".join(w_parts)
    # shaped fonts: glyphs without a character (contextual forms) map to no text, so text
    # extraction never invents letters; the stamped span's ActualText carries the real text
    cmap = to_unicode(gid, glyphs if every_glyph else ())
    fontfile = zlib.compress(data, 9)
    cidfont, descriptor, file_obj, cmap_obj = first + 1, first + 2, first + 3, first + 4  # the Type0 font is ``first``
    bbox = " ".join(str(round(v * scale)) for v in ttf.bbox)
    objects = (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
        f"/DescendantFonts [ {cidfont} 0 R ] /ToUnicode {cmap_obj} 0 R >>".encode(),
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
        f"/Supplement 0 >> /FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW {ttf.defaultWidth} /W [ {cid_widths} ] >>".encode(),
        f"<< /Type /FontDescriptor /FontName /{name} /Flags {ttf.flags} /FontBBox [ {bbox} ] /ItalicAngle {ttf.italicAngle:g} "
        f"/Ascent {ttf.ascent} /Descent {ttf.descent} /CapHeight {ttf.capHeight} /StemV {ttf.stemV} /FontFile2 {file_obj} 0 R >>".encode(),
        stream(fontfile, f"/Filter /FlateDecode /Length1 {len(data)}"),
        stream(zlib.compress(cmap), "/Filter /FlateDecode"),
    )
    return EmbeddedFont(gid, width, objects)


def to_unicode(gid: dict[int, int], silent: Iterable[int] = ()) -> bytes:
    """The ToUnicode CMap: each glyph id to the first character that maps to it (``silent``
    glyphs, contextual forms, to no text at all)."""
    first: dict[int, str] = {}
    for cp in sorted(gid):
        first.setdefault(gid[cp], chr(cp))
    for g in silent:
        first.setdefault(g, "")
    return to_unicode_cmap(sorted(first.items()), 2, 0xFFFF, "Adobe", "UCS", "Adobe-Identity-UCS").encode()


class RTLShaper:
    """One line of patient text through the RTL engine, with the same fonts the stamper embeds."""

    def __init__(self, script_file: str, latin_file: str) -> None:
        from pathlib import Path

        from .fonts import register_font_file

        # the same registered names (and glyph ids) as the template's own fonts
        self.script = register_font_file(Path(script_file))
        self.latin = register_font_file(Path(latin_file))

    def line(self, text: str, size: float):  # type: ignore[no-untyped-def]
        from .rtl import shape_line
        from .rtl_flow import base_direction, isolate_number_groups

        text = isolate_number_groups(text)
        return shape_line(text, self.script, size, latin_font=self.latin, base_direction=base_direction(text))


# Indic scripts (Devanagari to Sinhala), Myanmar, Khmer: letters reorder and form conjuncts
_SHAPED_BLOCKS = ((0x0900, 0x0DFF), (0x1000, 0x109F), (0x1780, 0x17FF))


def shaped_script(text: str) -> bool:
    """Letters that join or reorder (Arabic script, Indic scripts ...): only a shaping stamper,
    which runs them through HarfBuzz, sets them right."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") or any(a <= ord(ch) <= b for a, b in _SHAPED_BLOCKS) for ch in text)


def font_characters(path: str) -> frozenset[int]:
    """The code points a TrueType file can draw (read once per process and file)."""
    if path not in _CHARACTERS:
        _CHARACTERS[path] = frozenset(cp for cp, g in TTFontFile(path).charToGlyph.items() if g)
    return _CHARACTERS[path]


_CHARACTERS: dict[str, frozenset[int]] = {}
