"""Every glyph a PDF page draws: its text, font, position and ink box, read from the PDF itself.

Used by the right-to-left tests, which must judge the real file rather than the typesetter's
own idea of what it drew. Content-stream operators are followed with pypdf (text matrix and
CTM), the Tj codes are mapped back to text with each font's ToUnicode CMap, and ink boxes come
from the embedded font program (fontTools), so two lines "collide" only if their real glyph
outlines' boxes overlap on the page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdf
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class Glyph:
    block: int  # index of the BT..ET block: one line of RTL text is one block
    font: str  # BaseFont name, e.g. "/AAAAAA+F1234567890"
    code: int
    text: str  # ToUnicode text ("" for the 2nd, 3rd... glyph of a cluster)
    x: float
    y: float
    size: float
    ink: tuple[float, float, float, float] | None  # x0, y0, x1, y1 on the page; None: blank glyph
    advance: float


def _to_unicode(font: pypdf.generic.DictionaryObject) -> dict[int, str]:
    out: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return out
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be") if dst else ""
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.DOTALL):
        for a, b, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(dst, 16)
            for k, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(base + k)
    return out


class _FontProgram:
    """Bounds and advances of an embedded TrueType font, by character code.

    Simple fonts (ReportLab's subsets) use one-byte codes; Type0 fonts with Identity-H (the
    consent pack's stamped patient text) use two-byte codes that are glyph ids.
    """

    def __init__(self, font: pypdf.generic.DictionaryObject) -> None:
        self.bounds: dict[int, tuple[float, float, float, float] | None] = {}
        self.widths: dict[int, float] = {}
        self.two_byte = font.get("/Subtype") == "/Type0"
        if self.two_byte:
            cid = font["/DescendantFonts"][0].get_object()
            self.default_width = float(cid.get("/DW", 1000)) / 1000
            w = list(cid.get("/W", []))
            i = 0
            while i < len(w):
                start, widths = int(w[i]), w[i + 1]
                for k, v in enumerate(widths):
                    self.widths[start + k] = float(v) / 1000
                i += 2
            desc = cid.get("/FontDescriptor")
        else:
            self.default_width = 0.0
            first = int(font.get("/FirstChar", 0))
            for k, w in enumerate(font.get("/Widths", [])):
                self.widths[first + k] = float(w) / 1000
            desc = font.get("/FontDescriptor")
        if desc is None or "/FontFile2" not in desc.get_object():
            return
        tt = TTFont(io.BytesIO(desc.get_object()["/FontFile2"].get_object().get_data()))
        if self.two_byte:  # CIDToGIDMap /Identity: the code is the glyph id
            self._glyph_order = tt.getGlyphOrder()
            self._glyphs = tt.getGlyphSet()
            self._upem = tt["head"].unitsPerEm
            return
        upem = tt["head"].unitsPerEm
        cmap = {}
        for table in tt["cmap"].tables:
            cmap.update(table.cmap)
        glyphs = tt.getGlyphSet()
        order = tt.getGlyphOrder()
        for code in range(256):
            name = cmap.get(code) or cmap.get(0xF000 + code)
            if name is None and code < len(order):
                name = order[code]
            if name is None:
                continue
            pen = BoundsPen(glyphs)
            glyphs[name].draw(pen)
            self.bounds[code] = None if pen.bounds is None else tuple(v / upem for v in pen.bounds)  # type: ignore[assignment]

    def bound(self, code: int) -> tuple[float, float, float, float] | None:
        if self.two_byte and code not in self.bounds and code < len(getattr(self, "_glyph_order", ())):
            pen = BoundsPen(self._glyphs)
            self._glyphs[self._glyph_order[code]].draw(pen)
            self.bounds[code] = None if pen.bounds is None else tuple(v / self._upem for v in pen.bounds)  # type: ignore[assignment]
        return self.bounds.get(code)

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


@lru_cache(maxsize=8)
def _reader(path: str, mtime: float) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


def page_glyphs(path: Path, index: int = 0) -> list[Glyph]:
    reader = _reader(str(path), path.stat().st_mtime)
    page = reader.pages[index]
    fonts = {name: f.get_object() for name, f in (page["/Resources"].get("/Font") or {}).items()}
    maps = {name: _to_unicode(f) for name, f in fonts.items()}
    programs: dict[str, _FontProgram] = {}
    out: list[Glyph] = []
    state = {"font": None, "size": 0.0, "block": -1}

    def visit(op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        if op == b"BT":
            state["block"] += 1
        elif op == b"Tf":
            state["font"], state["size"] = str(args[0]), float(args[1])
        elif op == b"Tj" and state["font"] in fonts:
            name = state["font"]
            raw = args[0]
            data = raw.original_bytes if hasattr(raw, "original_bytes") else bytes(raw)
            prog = programs.get(name) or programs.setdefault(name, _FontProgram(fonts[name]))
            size = state["size"]
            # device position of the text origin: tm then the CTM (both are translations here)
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            for code in prog.codes(data):
                b = prog.bound(code)
                ink = None if b is None else (x + b[0] * size, y + b[1] * size, x + b[2] * size, y + b[3] * size)
                adv = prog.widths.get(code, prog.default_width) * size
                out.append(Glyph(state["block"], str(fonts[name]["/BaseFont"]), code, maps[name].get(code, ""), x, y, size, ink, adv))
                x += adv

    page.extract_text(visitor_operand_before=visit)
    return out


def lines(glyphs: list[Glyph]) -> dict[int, list[Glyph]]:
    """Glyphs grouped by text block, each sorted left to right (visual order)."""
    out: dict[int, list[Glyph]] = {}
    for g in glyphs:
        out.setdefault(g.block, []).append(g)
    return {k: sorted(v, key=lambda g: g.x) for k, v in out.items()}


def block_text(glyphs: list[Glyph]) -> str:
    return "".join(g.text for g in glyphs)


def find_line(glyphs: list[Glyph], logical_text: str) -> list[Glyph]:
    """The one block whose glyphs stand for exactly the characters of ``logical_text``."""
    want = sorted("".join(logical_text.split()))
    found = [v for v in lines(glyphs).values() if sorted("".join(block_text(v).split())) == want]
    assert len(found) == 1, f"expected one line drawing {logical_text!r}, found {len(found)}"
    return found[0]
