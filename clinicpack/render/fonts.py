"""TrueType fonts: registration with ReportLab and glyph coverage checks.

Fonts are registered under names derived from their file, so two brands in one process never
clash and the same inputs always give the same PDF. Every character a leaflet uses is checked
against the fonts that will draw it: a missing glyph would print as an empty box.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..brand import Brand
from ..codecache import dataclass
from ..digests import file_digest
from ..errors import BuildError
from ..leaflet import Leaflet
from ..quality.fontfacts import FileFacts
from ..quality.fontfacts import glyph_errors as _glyph_errors


@dataclass(frozen=True)
class Faces:
    """Registered ReportLab font names for one brand font."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    family: str  # ReportLab family name, so <b> and <i> pick the right face


# registered name -> (SHA-256 of the file, what ReportLab read from it), taken at registration:
# the right-to-left engine later adds private-use code points to a registered font's maps
_READ: dict[str, tuple[str | None, FileFacts]] = {}


@cache
def _register_file(path: Path) -> str:
    name = "F" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    try:
        digest = file_digest(path)  # before reading: a later edit must not be taken for what was read
    except OSError:
        digest = None  # ReportLab says what is wrong with the path, just below
    try:
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
    except Exception as exc:  # ReportLab raises TTFError and plain errors for bad files
        raise BuildError(f"cannot use font file {path.name}: {exc} (is it a TrueType .ttf font?)", path) from None
    _READ[name] = digest, FileFacts(frozenset(font.face.charToGlyph), dict(font.face.charWidths), font.face.defaultWidth)
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


def _cmap(name: str) -> frozenset[int]:
    return _READ[name][1].codepoints


def file_facts(path: Path) -> tuple[str | None, FileFacts]:
    """What ReportLab read from a font file when it registered it, with the digest of the file
    it read: the quality gate keeps these in its cache (quality/fontfacts.py)."""
    return _READ[_register_file(path)]


def glyph_errors(leaflet: Leaflet, chains: tuple[tuple[str, ...], ...], font_label: str) -> list[BuildError]:
    """One error per character the fonts cannot draw, at the first line that uses it."""
    return _glyph_errors(leaflet, [[_cmap(n) for n in chain] for chain in chains], font_label)


def check_leaflet_glyphs(leaflet: Leaflet, chains: tuple[tuple[str, ...], ...], font_label: str) -> None:
    """Refuse a character the fonts cannot draw: it would print as an empty box."""
    errors = glyph_errors(leaflet, chains, font_label)
    if errors:
        raise errors[0]
