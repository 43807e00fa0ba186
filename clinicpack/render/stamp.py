"""Personalise a laid-out pack by writing PDF bytes directly: no layout per patient.

Why: laying out a 15-page pack costs hundreds of milliseconds, and only a few words and two
QR codes differ between patients. So the pack is laid out once (``render.pack``), its objects
are kept as pre-serialised bytes, and for each patient we add one small content stream per
page that carries patient details, point those pages at it, and write a new cross-reference
table. Per patient that is a few string joins and one zlib call.

Patient text is drawn in the layout's own TrueType fonts, embedded once (``stamp_fonts``); the
template's objects are read and the result written by ``pdfobjects``. On a right-to-left pack, a value with
right-to-left letters (an Urdu name or date) is shaped and bidi-ordered by the RTL engine
(``rtl.py``) and drawn glyph by glyph, with its text as ActualText; Latin values use the
Latin body font as they are. Output is deterministic: the file ID is a hash
of the content, so the same patient and template always give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable

from ..qr import QrMatrix
from .colour import hex_operands
from .forms import SlotPosition
from .pdfobjects import (
    TemplateError,
    font_resource_object,
    frame,
    link_annotation,
    page_objects,
    parse_pdf,
    stream,
    with_annotations,
    write_pdf,
)
from .stamp_fonts import URL_CHARACTERS, EmbeddedFont, RTLShaper, font_characters, load_font, shaped_script
from .stamp_links import StampedLinks
from .tounicode import utf16_hex

FONT_RESOURCE = b"FPatient"
MIN_SIZE = 7.0  # patient text shrinks to fit its line, but never below this (or the layout's text.min_size)
MIN_CONDENSE = 0.6  # ... and is then set narrower, down to 60% of its width (Tz), before it is refused
BREAK_AFTER = "/?&"  # where a long link may break onto its second line


class SlotOverflow(ValueError):
    """A value too long for its line even at the smallest size, condensed; ``key`` names the slot."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key


class Stamper:
    """Holds one template's objects; ``stamp`` returns a personalised copy as PDF bytes."""

    def __init__(self, pdf: bytes, slots: Iterable[SlotPosition], font_file: str | tuple[str, ...], text_colour: str = "#1a1a1a",
                 qr_colour: str = "#000000", min_size: float = MIN_SIZE, shaping: bool = False, colour: str = "rgb",
                 latin_first: bool = False):
        self.min_size = max(MIN_SIZE, min_size)
        self.latin_first = latin_first  # unshaped values try the last (the layout's Latin) font first
        self.header, bodies, self.root, self.info, self.template_id = parse_pdf(pdf)
        self.pages = page_objects(bodies, self.root)
        self.slots: dict[int, list[SlotPosition]] = {}
        for slot in slots:
            self.slots.setdefault(slot.page, []).append(slot)
        # fonts in order of preference: a value is set in the first one that has all its characters
        # (e.g. the Urdu font, then the Latin body font for a name written in Latin letters)
        files = (font_file,) if isinstance(font_file, str) else tuple(dict.fromkeys(font_file))
        count = len(bodies)  # bodies[0] is the free entry
        extra: list[bytes] = []
        self.fonts: list[EmbeddedFont] = []
        entries = []
        for i, file in enumerate(files):
            first = count + len(extra)
            font = load_font(file, first, every_glyph=shaping)
            self.fonts.append(font)
            extra += list(font.objects)
            entries.append(b"/" + FONT_RESOURCE + str(i).encode() + f" {first} 0 R".encode())
        # fonts a slot's own style asks for (the booking link's bold face), unless already loaded
        self.style_fonts: dict[str, tuple[str, EmbeddedFont]] = {}
        for file in sorted({slot.style.font_file for slot in slots if slot.style is not None}):
            if file in files:
                self.style_fonts[file] = (f"{FONT_RESOURCE.decode()}{files.index(file)}", self.fonts[files.index(file)])
                continue
            first = count + len(extra)
            font = load_font(file, first, only=URL_CHARACTERS)
            resource = f"{FONT_RESOURCE.decode()}S{len(self.style_fonts)}"
            self.style_fonts[file] = (resource, font)
            extra += list(font.objects)
            entries.append(f"/{resource} {first} 0 R".encode())
        q_obj, big_q_obj = count + len(extra), count + len(extra) + 1
        extra += [stream(b"q"), stream(b"Q")]
        font_dict = font_resource_object(bodies, self.pages[0])
        bodies[font_dict] = bodies[font_dict].replace(b"<<", b"<<\n" + b" ".join(entries), 1)
        self.bodies: list[bytes] = bodies + extra
        self.first_free = len(self.bodies)
        self.chunks = [b""] + [frame(n, body) for n, body in enumerate(self.bodies) if n]  # framed once, reused per pack
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
        self.links = StampedLinks(self.bodies, self.root, self.pages, [s for s in slots if s.style is not None and s.style.link])
        # right-to-left packs: every value is shaped and bidi-ordered by the RTL engine, in the
        # first font (the script's) with the last one (the layout's body font) for Latin letters
        self.shaper = RTLShaper(files[0], files[-1]) if shaping else None
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

    def _plain_font(self, slot: SlotPosition, text: str) -> tuple[str, EmbeddedFont]:
        """(resource name, font) for an unshaped value: the slot's own font when it has every
        character, else the first stamping font that has them all."""
        if slot.style is not None:
            found = self.style_fonts.get(slot.style.font_file)
            if found and all(ord(ch) in found[1].gid for ch in text):
                return found
        index = self._font_for(text) or 0
        return f"{FONT_RESOURCE.decode()}{index}", self.fonts[index]

    def _shaped_text_ops(self, slot: SlotPosition, text: str, shaper: RTLShaper) -> bytes:
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
        actual = utf16_hex("\ufeff" + text)
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
        tagging = self.links.for_pack()
        for page in sorted(self.slots):
            ops = [b"q ", self.text_rgb, self.fill, b"\n"]
            links: list[tuple[SlotPosition, str, list[tuple[float, float, float, float]]]] = []
            for slot in self.slots[page]:
                if slot.key == "qr":
                    if qr_path:
                        m = slot.width / qr.size
                        ops += [b"/Artifact BMC q ", self.qr_rgb, self.fill, f" {m:.4f} 0 0 {m:.4f} {slot.x:.2f} {slot.y:.2f} cm\n".encode(),
                                qr_path, b"Q EMC\n"]
                elif values.get(slot.key):
                    text_ops, rects = self._text_ops(slot, values[slot.key])
                    # a tagged template reserved this value's marked-content id in its field's element
                    tag = "Link" if slot.style is not None and slot.style.link else "Span"
                    ops += [f"/{tag} <</MCID {slot.mcid}>> BDC\n".encode() if slot.mcid is not None else b"/Artifact BMC\n", text_ops, b"\nEMC\n"]
                    if rects:
                        links.append((slot, values[slot.key], rects))
                elif slot.mcid is not None:  # a line left blank: its reserved sequence is there, empty
                    ops.append(f"/Span <</MCID {slot.mcid}>> BDC EMC\n".encode())
            ops.append(b"Q")
            content = b"".join(ops)
            digest.update(content)
            number, before, after, original = self.page_parts[page]
            q, big_q = self.q_refs
            body = before + f"/Contents [ {q} 0 R {original} 0 R {big_q} 0 R {next_number} 0 R ]".encode() + after
            added.append(stream(zlib.compress(content, 6), "/Filter /FlateDecode"))
            next_number += 1
            annots = []
            for slot, url, rects in links:
                contents = f"{slot.style.description} ({url})" if slot.style.description else url
                for rect in rects:
                    added.append(link_annotation(url, rect, contents, tagging.annotation(slot, next_number)))
                    annots.append(next_number)
                    next_number += 1
            replaced[number] = with_annotations(body, annots)
        replaced.update(tagging.objects())
        return self._serialise(replaced, added, digest.hexdigest())

    def _serialise(self, replaced: dict[int, bytes], added: list[bytes], file_id: str) -> bytes:
        count = len(self.chunks)
        chunks = self.chunks[1:]
        for number, body in replaced.items():
            chunks[number - 1] = frame(number, body)
        chunks += [frame(count + i, body) for i, body in enumerate(added)]
        return write_pdf(self.header, chunks, self.root, self.info, file_id)


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


def _qr_path(qr: QrMatrix) -> bytes:
    """Dark modules as rectangles in module units (the caller scales and places them)."""
    return b" ".join(b"%d %d %d 1 re" % rect for rect in qr.rectangles()) + b" f\n"


__all__ = ["MIN_SIZE", "SlotOverflow", "Stamper", "TemplateError", "font_characters", "shaped_script"]
