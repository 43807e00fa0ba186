"""What the quality gate needs from the fonts, read without ReportLab when it can be.

Two checks need the fonts: which characters each font can draw (a missing glyph prints as an
empty box) and how wide text is in the body font (characters per line). Asking ReportLab means
importing it and parsing every font file, the larger part of ``--check``, which lays nothing
out. So the facts ReportLab reads from a font file (the code points its cmap maps, each one's
advance width and the default width) are kept in the user's cache (``clinicpack.usercache``), one
small entry per font file, keyed by the file's SHA-256 (the build hashes its inputs anyway,
and a copied project finds its fonts' entries), the installed ReportLab, Python and ``FORMAT``.

Only facts ReportLab itself read are stored, and only for a file it could use: a font that is
new, changed or broken is read through ReportLab exactly as before (``render.font_facts``),
so its error message, or its facts, are ReportLab's; the entry is written afterwards. Which
fonts a leaflet uses (body, bold, italic, headings, a language's own font with the layout's
Latin font as its fallback) is decided by ``plan``, the same rule ``render._leaflet_fonts``
follows; tests compare the two ways for every shipped font, layout and leaflet.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .. import usercache
from ..digests import file_digest
from ..errors import BuildError
from .context import FontFacts

if TYPE_CHECKING:
    from ..brand import Brand
    from ..layout import Layout
    from ..leaflet import Leaflet

FORMAT = 1


class FileFacts(NamedTuple):
    """What ReportLab reads from one TrueType file: the code points its cmap maps, and the
    advance widths (in thousandths of the size) it measures text with."""

    codepoints: frozenset[int]
    widths: dict[int, float]
    default_width: float

    def width(self, text: str, size: float) -> float:
        """Text width in points, summed as ReportLab's ``stringWidth`` sums it (same floats)."""
        get, default = self.widths.get, self.default_width
        return 0.001 * size * sum(get(ord(u), default) for u in text)


class FontPlan(NamedTuple):
    """The font files a leaflet is printed with, as the renderer picks them."""

    files: tuple[Path, ...]  # every file the renderer registers for it (each must be usable)
    chains: tuple[tuple[Path, ...], ...]  # a style's font and its fallbacks: one must draw each character
    body: Path  # the body font's regular face: text widths
    label: str  # for messages: '"Noto Nastaliq Urdu" (with "Atkinson Hyperlegible" for Latin text)'
    family: str  # the body font's family name


def _faces(brand: Brand, font: str) -> dict[str, Path]:
    """The four faces of a brand font; a missing face falls back as ``render.fonts.faces`` does."""
    given = brand.fonts[font].faces
    regular = given["regular"]
    bold = given.get("bold", regular)
    return {"regular": regular, "bold": bold, "italic": given.get("italic", regular), "bold_italic": given.get("bold_italic", bold)}


def plan(leaflet: Leaflet, brand: Brand, layout: Layout) -> FontPlan:
    """Body and heading fonts, and the chains that must draw every printed character: the
    language's own font with the layout's Latin font as fallback, or the layout's fonts."""
    language = brand.language(leaflet.language)
    body_font = language.font or layout.text.font
    heading_font = language.font or layout.headings.font
    body, headings = _faces(brand, body_font), _faces(brand, heading_font)
    label = f'"{brand.fonts[body_font].family}"'
    used = [body_font, heading_font]
    if language.font:
        latin = _faces(brand, layout.text.font)
        chains = ((body["regular"], latin["regular"]), (body["bold"], latin["bold"]))
        label += f' (with "{brand.fonts[layout.text.font].family}" for Latin text)'
        used.append(layout.text.font)
    else:
        chains = ((body["regular"],), (body["bold"],), (body["italic"],), (headings["bold"],))
    files = dict.fromkeys(path for font in used for path in brand.fonts[font].faces.values())
    return FontPlan(tuple(files), chains, body["regular"], label, brand.fonts[body_font].family)


def leaflet_facts(leaflet: Leaflet, brand: Brand, layout: Layout) -> FontFacts:
    """The ``FontFacts`` the checks use: from the cache when every font file the leaflet uses
    is there and unchanged, else through ReportLab (which also fills the cache)."""
    p = plan(leaflet, brand, layout)
    known = {path: cached(path) for path in p.files}
    if any(facts is None for facts in known.values()):
        return _through_reportlab(leaflet, brand, layout, [path for path, facts in known.items() if facts is None])
    chains = tuple(tuple(known[path].codepoints for path in chain) for chain in p.chains)  # type: ignore[union-attr]
    body, size = known[p.body], layout.text.size
    return FontFacts(
        family=p.family,
        glyph_errors=tuple(glyph_errors(leaflet, chains, p.label)),
        width=lambda text: body.width(text, size),  # type: ignore[union-attr]
    )


def check_fonts(leaflet: Leaflet, brand: Brand, layout: Layout) -> None:
    """Refuse what preparing the leaflet for print refuses: a font file ReportLab cannot use,
    a character the fonts cannot draw (the first one)."""
    errors = leaflet_facts(leaflet, brand, layout).glyph_errors
    if errors:
        raise errors[0]


def _through_reportlab(leaflet: Leaflet, brand: Brand, layout: Layout, missing: list[Path]) -> FontFacts:
    from ..render import font_facts
    from ..render.fonts import file_facts

    facts = font_facts(leaflet, brand, layout)  # raises ReportLab's own error for a file it cannot use
    for path in missing:
        digest, read = file_facts(path)
        if digest is not None:
            store(digest, read)
    return facts


# ---------------------------------------------------------------- the cache


def _reportlab_stamp() -> str:
    """The installed ReportLab, without importing it: another version may read a font otherwise."""
    return usercache.installed("reportlab") or "no-reportlab"


@lru_cache(maxsize=1)
def _versions() -> str:
    return f"fontfacts-{FORMAT}-{usercache.PYTHON}-{hashlib.sha256(_reportlab_stamp().encode()).hexdigest()[:16]}"


def _name(digest: str) -> str:
    return f"{_versions()}-{digest}.pickle"


def cached(path: Path) -> FileFacts | None:
    """The facts of a font file from the cache, or None when they are not there or stale."""
    try:
        st = path.stat()
    except OSError:
        return None  # ReportLab reports what is wrong with the path
    return _load(_digest(path, st.st_size, st.st_mtime_ns))


@lru_cache(maxsize=256)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    """The file's SHA-256, asked of ``digests`` once per path, size and time (it resolves the path)."""
    return file_digest(path)


def _valid(value: object, digest: str) -> bool:
    """An entry names its file's digest inside too: one copied under another name is refused."""
    return (
        isinstance(value, tuple) and len(value) == 4 and value[0] == digest and isinstance(value[1], tuple)
        and isinstance(value[2], dict) and isinstance(value[3], (int, float))
    )


@lru_cache(maxsize=64)
def _load(digest: str) -> FileFacts | None:
    value = usercache.read(_name(digest), lambda v: _valid(v, digest))
    return None if value is None else FileFacts(frozenset(value[1]), value[2], value[3])


def store(digest: str, facts: FileFacts) -> None:
    """Keep ReportLab's facts of the font file whose content has this SHA-256."""
    usercache.write(_name(digest), (digest, tuple(sorted(facts.codepoints)), facts.widths, facts.default_width))
    _load.cache_clear()


# ---------------------------------------------------------------- glyph coverage


def missing_glyphs(text: str, chains: Iterable[Iterable[frozenset[int]]]) -> list[str]:
    """Characters of ``text`` that some chain cannot draw (spaces and control characters aside).

    A chain is a font and its fallbacks (e.g. Urdu Nastaliq, then the Latin body font for
    "PRP" and digits), as the sets of code points each draws; each chain stands for one style
    (regular, bold, headings) that may draw the character.
    """
    used = set(map(ord, set(text)))
    lacking: set[int] = set()
    for chain in chains:
        rest = used
        for drawn in chain:
            rest = rest - drawn
        lacking |= rest
    found = [chr(code) for code in lacking if unicodedata.category(chr(code))[0] not in ("C", "Z")]
    return sorted(found, key=text.index)  # in order of first use


def describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "unnamed character")
    return f'"{ch}" (U+{ord(ch):04X} {name})'


def glyph_errors(leaflet: Leaflet, chains: Iterable[Iterable[frozenset[int]]], font_label: str) -> list[BuildError]:
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

