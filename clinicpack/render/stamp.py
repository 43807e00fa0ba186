"""Personalise a laid-out pack by writing PDF bytes directly: no layout per patient.

Why: laying out a 15-page pack costs hundreds of milliseconds, and only a few words and two
QR codes differ between patients. So the pack is laid out once (``render.pack``), its objects
are kept as pre-serialised bytes, and for each patient we add one small content stream per
page that carries patient details, point those pages at it, and write a new cross-reference
table. Per patient that is a few string joins and one zlib call.

Patient text is drawn in the layout's own TrueType fonts, embedded once in full with Identity-H
encoding (glyph ids as character codes) plus a ToUnicode map, so any character the font has
prints correctly and can be copied or searched. On a right-to-left pack, a value with
right-to-left letters (an Urdu name or date) is shaped and bidi-ordered by the RTL engine
(``rtl.py``) and drawn glyph by glyph, with its text as ActualText; Latin values use the
Latin body font as they are. Output is deterministic: the file ID is a hash
of the content, so the same patient and template always give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.pdfbase.ttfonts import TTFontFile

from ..qr import QrMatrix
from .colour import hex_operands
from .forms import SlotPosition

FONT_RESOURCE = b"FPatient"
MIN_SIZE = 7.0  # patient text shrinks to fit its line, but never below this (or the layout's text.min_size)
MIN_CONDENSE = 0.6  # ... and is then set narrower, down to 60% of its width (Tz), before it is refused
BREAK_AFTER = "/?&"  # where a long link may break onto its second line


class SlotOverflow(ValueError):
    """A value too long for its line even at the smallest size, condensed; ``key`` names the slot."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key


class TemplateError(Exception):
    """The template PDF is not in the shape this stamper writes (a programming error)."""


@dataclass(frozen=True)
class _Font:
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


def _load_font(path: str, first: int, every_glyph: bool = False, only: str | None = None) -> _Font:
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
    to_unicode = _to_unicode(gid, glyphs if every_glyph else ())
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
        _stream(fontfile, f"/Filter /FlateDecode /Length1 {len(data)}"),
        _stream(zlib.compress(to_unicode), "/Filter /FlateDecode"),
    )
    return _Font(gid, width, objects)


def _to_unicode(gid: dict[int, int], silent: Iterable[int] = ()) -> bytes:
    first: dict[int, int | None] = {}
    for cp in sorted(gid):
        first.setdefault(gid[cp], cp)
    for g in silent:
        first.setdefault(g, None)
    entries = sorted(first.items())
    out = [(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange"
    )]
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        out.append(f"{len(chunk)} beginbfchar")
        out += [f"<{g:04X}> <{_utf16(cp) if cp is not None else ''}>" for g, cp in chunk]
        out.append("endbfchar")
    out.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(out).encode()


def _utf16(cp: int) -> str:
    return chr(cp).encode("utf-16-be", "surrogatepass").hex().upper()


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra} >>\nstream\n".encode() + data + b"\nendstream"


class _RTLShaper:
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


class Stamper:
    """Holds one template's objects; ``stamp`` returns a personalised copy as PDF bytes."""

    def __init__(self, pdf: bytes, slots: Iterable[SlotPosition], font_file: str | tuple[str, ...], text_colour: str = "#1a1a1a",
                 qr_colour: str = "#000000", min_size: float = MIN_SIZE, shaping: bool = False, colour: str = "rgb",
                 latin_first: bool = False):
        self.min_size = max(MIN_SIZE, min_size)
        self.latin_first = latin_first  # unshaped values try the last (the layout's Latin) font first
        self.header, bodies, self.root, self.info, self.template_id = _parse(pdf)
        self.pages = _page_objects(bodies, self.root)
        self.slots: dict[int, list[SlotPosition]] = {}
        for slot in slots:
            self.slots.setdefault(slot.page, []).append(slot)
        # fonts in order of preference: a value is set in the first one that has all its characters
        # (e.g. the Urdu font, then the Latin body font for a name written in Latin letters)
        files = (font_file,) if isinstance(font_file, str) else tuple(dict.fromkeys(font_file))
        count = len(bodies)  # bodies[0] is the free entry
        extra: list[bytes] = []
        self.fonts: list[_Font] = []
        entries = []
        for i, file in enumerate(files):
            first = count + len(extra)
            font = _load_font(file, first, every_glyph=shaping)
            self.fonts.append(font)
            extra += list(font.objects)
            entries.append(b"/" + FONT_RESOURCE + str(i).encode() + f" {first} 0 R".encode())
        # fonts a slot's own style asks for (the booking link's bold face), unless already loaded
        self.style_fonts: dict[str, tuple[str, _Font]] = {}
        for file in sorted({slot.style.font_file for slot in slots if slot.style is not None}):
            if file in files:
                self.style_fonts[file] = (f"{FONT_RESOURCE.decode()}{files.index(file)}", self.fonts[files.index(file)])
                continue
            first = count + len(extra)
            font = _load_font(file, first, only=URL_CHARACTERS)
            resource = f"{FONT_RESOURCE.decode()}S{len(self.style_fonts)}"
            self.style_fonts[file] = (resource, font)
            extra += list(font.objects)
            entries.append(f"/{resource} {first} 0 R".encode())
        q_obj, big_q_obj = count + len(extra), count + len(extra) + 1
        extra += [_stream(b"q"), _stream(b"Q")]
        font_dict = _font_resource_object(bodies, self.pages[0])
        bodies[font_dict] = bodies[font_dict].replace(b"<<", b"<<\n" + b" ".join(entries), 1)
        self.bodies: list[bytes] = bodies + extra
        self.first_free = len(self.bodies)
        self.chunks = [b""] + [_frame(n, body) for n, body in enumerate(self.bodies) if n]  # framed once, reused per pack
        # per stamped page: the page dictionary split around its /Contents reference
        self.page_parts: dict[int, tuple[int, bytes, bytes, int]] = {}
        for page in self.slots:
            number = self.pages[page - 1]
            body = self.bodies[number]
            m = re.search(rb"/Contents (\d+) 0 R", body)
            if not m:
                raise TemplateError(f"page {page} has no single content stream")
            self.page_parts[page] = (number, body[: m.start()], body[m.end() :], int(m.group(1)))
        self.q_refs = (q_obj, big_q_obj)
        # right-to-left packs: every value is shaped and bidi-ordered by the RTL engine, in the
        # first font (the script's) with the last one (the layout's body font) for Latin letters
        self.shaper = _RTLShaper(files[0], files[-1]) if shaping else None
        # print.colour: cmyk writes CMYK ("k"), converted as the renderer converts the template's colours
        self.cmyk = colour == "cmyk"
        self.fill = b" k" if self.cmyk else b" rg"
        self.text_rgb = hex_operands(text_colour, self.cmyk)
        self.qr_rgb = hex_operands(qr_colour, self.cmyk)

    # -------------------------------------------------------------- text

    def _font_for(self, text: str) -> int | None:
        order = list(range(len(self.fonts)))
        if self.latin_first:  # a Devanagari font also has Latin letters, but the form's dates and codes keep the layout's
            order = [order[-1], *order[:-1]]
        return next((i for i in order if all(ord(ch) in self.fonts[i].gid for ch in text)), None)

    def needs_shaping(self, text: str) -> bool:
        """Right-to-left letters (Urdu, Arabic) join and reorder: only a shaping stamper sets them."""
        return self.shaper is None and shaped_script(text)

    def missing(self, text: str) -> str | None:
        """The first character no stamping font can print, or None."""
        if self.shaper is not None and shaped_script(text):
            # shaped text mixes fonts character by character
            return next((ch for ch in text if unicodedata.category(ch) not in ("Zs", "Cf")
                         and not any(ord(ch) in f.gid for f in self.fonts)), None)
        if self._font_for(text) is not None:
            return None
        return next((ch for ch in text if not any(ord(ch) in f.gid for f in self.fonts)), text[0] if text else None)

    def _text_ops(self, slot: SlotPosition, text: str) -> tuple[bytes, list[tuple[float, float, float, float]]]:
        """Set ``text`` in its slot: at the slot's size if it fits; else broken after / ? & (a
        link, where the slot has two lines); else smaller, down to the layout's smallest size;
        else condensed, down to 60% width. A value that still does not fit is refused: a name is
        never cut short on a consent form."""
        if self.shaper is not None and shaped_script(text):
            return self._shaped_text_ops(slot, text, self.shaper), []
        resource, font = self._plain_font(slot, text)
        gids = [font.gid.get(ord(ch), 0) for ch in text]
        widths = [font.width.get(g, 500.0) / 1000.0 for g in gids]
        size, condense = slot.size, 1.0
        smallest = min(slot.size, slot.min_size or self.min_size)
        while True:
            lines = _fit(text, widths, size, slot.width, slot.lines)
            if lines is not None:
                break
            if size > smallest:
                size = max(smallest, size * 0.92)
                continue
            condense = slot.width / (sum(widths) * size)
            if condense < MIN_CONDENSE:
                what = "the booking link" if slot.key == "booking_url" else slot.key
                raise SlotOverflow(f"{what} is too long for its line on the forms, even at {smallest:g}pt; shorten it", slot.key)
            lines = [(0, len(text))]
            break
        style = slot.style
        rects: list[tuple[float, float, float, float]] = []
        ink = hex_operands(style.colour, self.cmyk).decode() if style else ""
        out = [f"q {ink} {'k' if self.cmyk else 'rg'} {ink} {'K' if self.cmyk else 'RG'} 1 w\n"] if style else []
        scale = f"{condense * 100:.1f} Tz " if condense < 1.0 else ""
        for number, (start, end) in enumerate(lines):
            advance = sum(widths[start:end]) * size * condense
            x = slot.x - advance if slot.align == "right" else slot.x
            y = slot.y - number * slot.leading
            hexed = "".join(f"{g:04X}" for g in gids[start:end])
            out.append(f"BT /{resource} {size:.2f} Tf {scale}{x:.2f} {y:.2f} Td <{hexed}> Tj ET\n")
            if style and style.underline:  # where and how thick ReportLab underlines the leaflet's link
                out.append(f"{x:.2f} {y - 0.125 * size:.2f} m {x + advance:.2f} {y - 0.125 * size:.2f} l S\n")
            if style and style.link:
                rects.append((x, y - 0.25 * size, x + advance, y + size))
        if scale:
            out.append("BT 100 Tz ET\n")
        if style:
            out.append("Q\n")
        return "".join(out).encode(), rects

    def _plain_font(self, slot: SlotPosition, text: str) -> tuple[str, _Font]:
        """(resource name, font) for an unshaped value: the slot's own font when it has every
        character, else the first stamping font that has them all."""
        if slot.style is not None:
            found = self.style_fonts.get(slot.style.font_file)
            if found and all(ord(ch) in found[1].gid for ch in text):
                return found
        index = self._font_for(text) or 0
        return f"{FONT_RESOURCE.decode()}{index}", self.fonts[index]

    def _shaped_text_ops(self, slot: SlotPosition, text: str, shaper: _RTLShaper) -> bytes:
        """Right-to-left text, shaped and bidi-ordered: each glyph at its own position.

        It fits its line like any value (smaller down to the smallest size, then condensed,
        else refused). The glyphs are contextual forms, so the font's ToUnicode cannot say
        which letters they are; a marked-content span carries the text as ActualText.
        """
        size = slot.size
        smallest = min(slot.size, slot.min_size or self.min_size)
        line = shaper.line(text, size)
        while line.width > slot.width and size > smallest:
            size = max(smallest, size * 0.92)
            line = shaper.line(text, size)
        condense = 1.0
        if line.width > slot.width:
            condense = slot.width / line.width
            if condense < MIN_CONDENSE:
                what = "the booking link" if slot.key == "booking_url" else slot.key
                raise SlotOverflow(f"{what} is too long for its line on the forms, even at {smallest:g}pt; shorten it", slot.key)
        x0 = slot.x - line.width * condense if slot.align == "right" else slot.x
        actual = ("\ufeff" + text).encode("utf-16-be").hex().upper()
        ops = [f"/Span << /ActualText <{actual}> >> BDC BT 0 Tc 0 Tw 100 Tz 0 Ts 0 Tr"]
        current = None
        for g in line.glyphs:
            resource = f"{FONT_RESOURCE.decode()}{0 if g.font == shaper.script else len(self.fonts) - 1}"
            if resource != current:
                ops.append(f"/{resource} {size:.2f} Tf")
                current = resource
            ops.append(f"{condense:.4g} 0 0 1 {x0 + g.x * condense:.2f} {slot.y + g.y:.2f} Tm <{g.gid:04X}> Tj")
        ops.append("ET EMC\n")
        return "\n".join(ops).encode()

    # -------------------------------------------------------------- pages

    def stamp(self, values: dict[str, str], qr: QrMatrix | None) -> bytes:
        """The pack with ``values`` (slot key -> text) and the QR code written into its slots."""
        qr_path = _qr_path(qr) if qr is not None else b""
        next_number = self.first_free
        replaced: dict[int, bytes] = {}
        added: list[bytes] = []
        digest = hashlib.md5(self.template_id)
        for page in sorted(self.slots):
            ops = [b"q ", self.text_rgb, self.fill, b"\n"]
            links: list[tuple[str, list[tuple[float, float, float, float]]]] = []
            for slot in self.slots[page]:
                if slot.key == "qr":
                    if qr_path:
                        m = slot.width / qr.size
                        ops += [b"/Artifact BMC q ", self.qr_rgb, self.fill, f" {m:.4f} 0 0 {m:.4f} {slot.x:.2f} {slot.y:.2f} cm\n".encode(),
                                qr_path, b"Q EMC\n"]
                elif values.get(slot.key):
                    text_ops, rects = self._text_ops(slot, values[slot.key])
                    # a tagged template reserved this value's marked-content id in its field's element
                    ops += [f"/Span <</MCID {slot.mcid}>> BDC\n".encode() if slot.mcid is not None else b"/Artifact BMC\n", text_ops, b"\nEMC\n"]
                    if rects:
                        links.append((values[slot.key], rects))
            ops.append(b"Q")
            content = b"".join(ops)
            digest.update(content)
            number, before, after, original = self.page_parts[page]
            q, big_q = self.q_refs
            body = before + f"/Contents [ {q} 0 R {original} 0 R {big_q} 0 R {next_number} 0 R ]".encode() + after
            added.append(_stream(zlib.compress(content, 6), "/Filter /FlateDecode"))
            next_number += 1
            annots = []
            for url, rects in links:
                for rect in rects:
                    added.append(_link_annotation(url, rect))
                    annots.append(next_number)
                    next_number += 1
            replaced[number] = _with_annotations(body, annots)
        return self._serialise(replaced, added, digest.hexdigest())

    def _serialise(self, replaced: dict[int, bytes], added: list[bytes], file_id: str) -> bytes:
        # whole-list operations (offsets by accumulate, the xref table in one formatting call):
        # a tagged pack has a couple of thousand objects, and this runs once per patient
        count = len(self.chunks)
        chunks = self.chunks[1:]
        for number, body in replaced.items():
            chunks[number - 1] = _frame(number, body)
        chunks += [_frame(count + i, body) for i, body in enumerate(added)]
        offsets = list(itertools.accumulate(map(len, chunks), initial=len(self.header)))
        pos = offsets.pop()
        size = len(offsets) + 1
        xref = b"xref\n0 %d\n0000000000 65535 f \n" % size + (b"%010d 00000 n \n" * len(offsets)) % tuple(offsets)
        trailer = (
            f"trailer\n<< /Size {size} /Root {self.root} 0 R /Info {self.info} 0 R /ID [<{file_id}><{file_id}>] >>\n"
            f"startxref\n{pos}\n%%EOF\n"
        ).encode()
        return b"".join([self.header, *chunks, xref, trailer])


def _link_annotation(url: str, rect: tuple[float, float, float, float]) -> bytes:
    """A link annotation that opens ``url`` when its area is tapped, with no border drawn."""
    escaped = url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    x0, y0, x1, y1 = rect
    return (f"<< /Type /Annot /Subtype /Link /Rect [ {x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f} ] /Border [ 0 0 0 ] "
            f"/A << /S /URI /Type /Action /URI ({escaped}) >> >>").encode("latin-1")


def _with_annotations(page: bytes, numbers: list[int]) -> bytes:
    """The page dictionary with the annotation objects ``numbers`` added to its /Annots."""
    if not numbers:
        return page
    refs = " ".join(f"{n} 0 R" for n in numbers).encode()
    if re.search(rb"/Annots \[", page):
        return re.sub(rb"/Annots \[", b"/Annots [ " + refs, page, count=1)
    if re.search(rb"/Annots \d+ 0 R", page):
        raise TemplateError("a page's annotations are in a separate object")
    return page.replace(b"<<", b"<< /Annots [ " + refs + b" ]", 1)


def _fit(text: str, widths: list[float], size: float, room: float, max_lines: int) -> list[tuple[int, int]] | None:
    """(start, end) of each line if ``text`` fits ``room`` at ``size`` in ``max_lines`` lines."""
    if sum(widths) * size <= room:
        return [(0, len(text))]
    if max_lines < 2:
        return None
    lines, start = [], 0
    while start < len(text):
        if len(lines) == max_lines:
            return None
        end, used, best = start, 0.0, None
        while end < len(text) and used + widths[end] * size <= room:
            used += widths[end] * size
            end += 1
            if text[end - 1] in BREAK_AFTER:
                best = end
        if end == len(text):
            best = end
        if best is None or best == start:
            return None
        lines.append((start, best))
        start = best
    return lines


def _frame(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


def _qr_path(qr: QrMatrix) -> bytes:
    """Dark modules as rectangles in module units (the caller scales and places them)."""
    return b" ".join(b"%d %d %d 1 re" % rect for rect in qr.rectangles()) + b" f\n"


_OBJ = re.compile(rb"(\d+) 0 obj\n?")


def _parse(pdf: bytes) -> tuple[bytes, list[bytes], int, int, bytes]:
    """Split a ReportLab PDF into its header and object bodies (index = object number)."""
    xref_at = int(re.search(rb"startxref\s+(\d+)", pdf[-200:]).group(1))
    m = re.match(rb"xref\s+0 (\d+)\s+", pdf[xref_at:])
    if not m:
        raise TemplateError("no classic cross-reference table")
    count = int(m.group(1))
    table = pdf[xref_at + m.end() : xref_at + m.end() + 20 * count]
    offsets = [int(table[i * 20 : i * 20 + 10]) for i in range(count)]
    order = sorted(range(1, count), key=lambda n: offsets[n])
    bodies: list[bytes] = [b""] * count
    for i, number in enumerate(order):
        start = offsets[number]
        end = offsets[order[i + 1]] if i + 1 < len(order) else xref_at
        chunk = pdf[start:end]
        head = _OBJ.match(chunk)
        if not head or int(head.group(1)) != number:
            raise TemplateError(f"object {number} is not where the cross-reference table says")
        body = chunk[head.end() :].rstrip()
        if not body.endswith(b"endobj"):
            raise TemplateError(f"object {number} does not end with endobj")
        bodies[number] = body[: -len(b"endobj")].rstrip(b"\r\n")
    trailer = pdf[xref_at + m.end() + 20 * count :]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    id_match = re.search(rb"/ID\s*\[\s*<([0-9a-fA-F]+)>", trailer)
    header = pdf[: offsets[order[0]]]
    return header, bodies, root, info, id_match.group(1) if id_match else b""


def _page_objects(bodies: list[bytes], root: int) -> list[int]:
    pages_ref = int(re.search(rb"/Pages (\d+) 0 R", bodies[root]).group(1))
    out: list[int] = []

    def walk(number: int) -> None:
        body = bodies[number]
        kids = re.search(rb"/Kids \[([^\]]*)\]", body)
        if kids and b"/Pages" in body:
            for ref in re.findall(rb"(\d+) 0 R", kids.group(1)):
                walk(int(ref))
        else:
            out.append(number)

    walk(pages_ref)
    return out


def _font_resource_object(bodies: list[bytes], page: int) -> int:
    m = re.search(rb"/Font (\d+) 0 R", bodies[page])
    if not m:
        raise TemplateError("the first page has no shared font dictionary")
    return int(m.group(1))
