"""TrueType fonts: registration with ReportLab and glyph coverage checks.

Fonts are registered under names derived from their file, so two brands in one process never
clash and the same inputs always give the same PDF. Every character a leaflet uses is checked
against the fonts that will draw it: a missing glyph would print as an empty box.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..brand import Brand
from ..errors import BuildError
from ..leaflet import Leaflet


@dataclass(frozen=True)
class Faces:
    """Registered ReportLab font names for one brand font."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    family: str  # ReportLab family name, so <b> and <i> pick the right face


@cache
def _register_file(path: Path) -> str:
    name = "F" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except Exception as exc:  # ReportLab raises TTFError and plain errors for bad files
        raise BuildError(f"cannot use font file {path.name}: {exc} (is it a TrueType .ttf font?)", path) from None
    return name


def register_font_file(path: Path) -> str:
    """The ReportLab name of a TrueType file, registering it on first use (see ``faces``)."""
    return _register_file(path)


def faces(brand: Brand, font: str) -> Faces:
    family = brand.fonts[font]
    try:
        regular = _register_file(family.faces["regular"])
    except BuildError as exc:
        raise BuildError(exc.message, brand.path, brand.doc.line("fonts", font, "regular")) from None
    named = {face: _register_file(family.faces[face]) if face in family.faces else None for face in ("bold", "italic", "bold_italic")}
    bold = named["bold"] or regular
    italic = named["italic"] or regular
    bold_italic = named["bold_italic"] or bold
    fam = regular + "-family"
    for b, i, n in ((0, 0, regular), (1, 0, bold), (0, 1, italic), (1, 1, bold_italic)):
        addMapping(fam, b, i, n)
    return Faces(regular, bold, italic, bold_italic, fam)


@cache
def _cmap(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)


def missing_glyphs(text: str, chains: tuple[tuple[str, ...], ...]) -> list[str]:
    """Characters of ``text`` that some chain cannot draw (spaces and control characters aside).

    A chain is a font and its fallbacks (e.g. Urdu Nastaliq, then the Latin body font for
    "PRP" and digits); each chain stands for one style (regular, bold, headings) that may
    draw the character.
    """
    maps = [[_cmap(n) for n in chain] for chain in chains]
    out = []
    seen: set[str] = set()
    for ch in text:
        if ch in seen or unicodedata.category(ch)[0] in ("C", "Z"):
            continue
        seen.add(ch)
        if any(all(ord(ch) not in m for m in chain) for chain in maps):
            out.append(ch)
    return out


def describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "unnamed character")
    return f'"{ch}" (U+{ord(ch):04X} {name})'


def glyph_errors(leaflet: Leaflet, chains: tuple[tuple[str, ...], ...], font_label: str) -> list[BuildError]:
    """One error per character the fonts cannot draw, at the first line that uses it."""
    return [
        BuildError(
            f"the font {font_label} cannot draw the character {describe_char(ch)}; "
            "replace it (e.g. with a plain equivalent) or choose a font that has it",
            leaflet.path,
            leaflet.first_line_with(ch),
        )
        for ch in missing_glyphs(leaflet.printed_text(), chains)
    ]


def check_leaflet_glyphs(leaflet: Leaflet, chains: tuple[tuple[str, ...], ...], font_label: str) -> None:
    """Refuse a character the fonts cannot draw: it would print as an empty box."""
    errors = glyph_errors(leaflet, chains, font_label)
    if errors:
        raise errors[0]
