"""Plugging the right-to-left typesetter (``rtl.py``) into the leaflet renderer.

The element handlers only ever call ``Context.paragraph(runs, ParagraphStyle)``; for a
right-to-left language that call is routed here and builds an :class:`RTLParagraph` instead
of a ReportLab ``Paragraph``. The ParagraphStyle stays the single source of sizes, colours,
spacing and alignment, so layouts work unchanged for both directions. The same font table
serves list markers and the page header and footer, so every piece of RTL text is drawn by
one engine with one Latin fallback (the layout's body font), which is also the font the glyph
check in ``prepare()`` verified.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from reportlab.lib.colors import HexColor, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable
from reportlab.platypus.flowables import BulletDrawer, ListFlowable, _bulletFormat

from ..codecache import dataclass
from ..runs import Run
from .fonts import Faces
from .rtl import RTLParagraph, RTLStyle, draw_rtl_string, rtl_string_width


@dataclass(frozen=True)
class RTLFonts:
    """Which faces draw RTL text: the script's font (regular/bold) and its Latin fallback.

    ``script`` is the language's font (e.g. Noto Nastaliq Urdu); ``latin`` the layout's body
    font, which draws Latin letters such as "PRP" and the booking address.
    """

    script: Faces
    latin: Faces
    language: str

    def lookup(self, font_name: str) -> tuple[str, str, str, str]:
        """(face, bold face, Latin face, Latin bold face) for a style's ``fontName``.

        A style whose font is already a bold face (headings, table headers) stays bold
        throughout; anything else is regular with bold available for ``**strong**`` runs.
        """
        if font_name in (self.script.bold, self.script.bold_italic, self.latin.bold, self.latin.bold_italic):
            return self.script.bold, self.script.bold, self.latin.bold, self.latin.bold
        return self.script.regular, self.script.bold, self.latin.regular, self.latin.bold

    def width(self, text: str, font_name: str, size: float) -> float:
        """Shaped width of one line, measured exactly as it will be drawn (isolates, direction)."""
        face, _, latin, _ = self.lookup(font_name)
        text = isolate_number_groups(text)
        return rtl_string_width(text, face, size, latin_font=latin, base_direction=base_direction(text))


_ALIGN = {TA_LEFT: "left", TA_CENTER: "center"}  # right and justify both become "right"


def rtl_style(fonts: RTLFonts, style: ParagraphStyle, link_colour: str) -> RTLStyle:
    """The RTL equivalent of a ReportLab ParagraphStyle.

    Leading is left to the engine (1.8 x the font size, more between two lines only where
    their glyphs would touch): Nastaliq words climb far above the baseline and the Latin
    leading would let lines collide.
    Justified text is set ragged-left instead, as RTL justification would need kashida.
    """
    face, bold, latin, latin_bold = fonts.lookup(style.fontName)
    return RTLStyle(
        font_name=face,
        bold_font_name=bold,
        font_size=style.fontSize,
        leading=None,
        text_color=style.textColor or black,
        link_color=HexColor(link_colour),
        alignment=_ALIGN.get(style.alignment, "right"),
        space_before=style.spaceBefore or 0.0,
        space_after=style.spaceAfter or 0.0,
        language=fonts.language,
        latin_font=latin,
        latin_bold_font=latin_bold,
        underline_links=True,
    )


LRI, PDI = "\u2066", "\u2069"  # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE (UAX #9)

#: Digit groups separated by spaces (phone numbers such as "+44 20 7946 0000", "0300 1234567").
#: Inside right-to-left text the bidi algorithm rightly treats the spaces between them as
#: right-to-left, so the groups would read in reverse order; an isolate keeps them together.
_NUMBER_GROUPS = re.compile(r"(?<![\w\u2066])\+?\d+(?:[ \u00a0]\d+)+(?![\w\u2069])")


def isolate_ltr(text: str) -> str:
    """Mark ``text`` as one left-to-right unit inside right-to-left text (a phone number, an id)."""
    return f"{LRI}{text}{PDI}" if text else text


def isolate_number_groups(text: str) -> str:
    """Wrap every space-separated run of digit groups in a left-to-right isolate.

    Its spaces become no-break spaces too: a phone number split over two lines would put
    its halves in the wrong order for a right-to-left reader.
    """
    return _NUMBER_GROUPS.sub(lambda m: isolate_ltr(m.group(0).replace(" ", "\u00a0")), text)


_RTL_CLASSES = frozenset(("R", "AL"))


def has_rtl(text: str) -> bool:
    """True if ``text`` has a right-to-left letter (bidi class R or AL)."""
    return not _RTL_CLASSES.isdisjoint(map(unicodedata.bidirectional, text))


def base_direction(text: str) -> str:
    """"rtl" for text with any right-to-left letter, else "auto" (first strong letter decides).

    An Urdu sentence that starts with "PRP" is still an Urdu sentence, so the first strong
    letter must not decide it; but a line with no Urdu at all (a Latin name, an English label
    missing from the translation, a web address) reads left to right, only placed on the right.
    """
    return "rtl" if has_rtl(text) else "auto"


def prepare_runs(runs: list[Run]) -> list[Run]:
    return [replace(r, text=isolate_number_groups(r.text)) if r.text else r for r in runs]


def paragraph_factory(fonts: RTLFonts, link_colour: str) -> Callable[[list[Run], ParagraphStyle], Flowable]:
    """``Context.paragraph_factory`` for a right-to-left leaflet."""

    # the RTL style of each ParagraphStyle, by the values it is made from: a leaflet has a
    # few styles and a hundred or more paragraphs. The text colour counts by identity (colours
    # of different kinds, RGB and CMYK, may compare equal); the RTL style keeps it alive.
    made: dict[tuple, RTLStyle] = {}

    def make(runs: list[Run], style: ParagraphStyle) -> Flowable:
        runs = prepare_runs(runs)
        rtl = has_rtl("".join(r.text for r in runs))
        key = (style.fontName, style.fontSize, id(style.textColor), style.alignment, style.spaceBefore, style.spaceAfter,
               rtl, None if rtl else style.leading)
        rs = made.get(key)
        if rs is None:
            rs = replace(rtl_style(fonts, style, link_colour), base_direction="rtl" if rtl else "auto")
            if not rtl:  # a Latin-only paragraph (a web address) keeps the layout's Latin leading
                rs = replace(rs, leading=style.leading)
            made[key] = rs
        para = RTLParagraph(runs, rs)
        para.keepWithNext = bool(getattr(style, "keepWithNext", 0))
        return para

    return make


def draw_text_hook(fonts: RTLFonts) -> Callable[..., float]:
    """``PageInfo.draw_text`` for headers and footers: one shaped, bidi-ordered line.

    ``anchor`` is the side of the text that sits at ``x``. The colour is the canvas's current
    fill colour, as set by the page decorator.
    """

    def draw(canv: Any, x: float, y: float, text: str, font: str, size: float, anchor: str) -> float:
        face, _, latin, _ = fonts.lookup(font)
        text = isolate_number_groups(text)
        direction = base_direction(text)
        width = rtl_string_width(text, face, size, latin_font=latin, base_direction=direction)
        right = x + width if anchor == "left" else x
        colour = getattr(canv, "_fillColorObj", None) or black
        draw_rtl_string(canv, right, y, text, face, size, colour, latin_font=latin, base_direction=direction)
        return width

    return draw


def measure_text_hook(fonts: RTLFonts) -> Callable[[str, str, float], float]:
    """``PageInfo.measure_text``: the shaped width of a header or footer line.

    ``stringWidth`` adds up the advances of unjoined letters, which for Nastaliq is far from
    the width of the joined word, so a header title that fits would be dropped. Measured
    exactly as ``draw_text_hook`` draws (isolates, paragraph direction).
    """

    return fonts.width


class RTLBulletDrawer(BulletDrawer):
    """A list marker on the right of the item, shaped and ordered like the text beside it.

    ReportLab's own drawer puts the marker's baseline one font size below the item's top and
    draws it with ``drawString`` (no bidi, no shaping). Nastaliq lines are much taller, so the
    marker would float above the first line, and "1." would read the wrong way round. This one
    sits on the baseline of the item's first line and its right edge mirrors the left edge a
    left-to-right marker would have.
    """

    def __init__(self, base: BulletDrawer, fonts: RTLFonts) -> None:
        self.__dict__.update(base.__dict__)
        self._fonts = fonts

    def drawOn(self, indenter: Any, canv: Any, x: float, y: float, _sW: float = 0) -> None:
        if not self.value:
            return
        text = _bulletFormat(self.value, self._bulletType, self._bulletFormat)
        first = indenter._flowable
        drop = first.first_baseline() if hasattr(first, "first_baseline") else self._bulletFontSize
        baseline = y + indenter.height - drop
        right = x + indenter.width - indenter._rightIndent + self._bulletDedent
        face, _, latin, _ = self._fonts.lookup(self._bulletFontName)
        draw_rtl_string(canv, right, baseline, text, face, self._bulletFontSize, self._bulletColor, latin_font=latin)


class RTLListFlowable(ListFlowable):
    """A ReportLab list whose markers are drawn by :class:`RTLBulletDrawer` on the right."""

    def __init__(self, items: list[Any], fonts: RTLFonts, **options: Any) -> None:
        self._rtl_fonts = fonts
        options["bulletDir"] = "rtl"
        super().__init__(items, **options)

    def _makeBullet(self, value: Any, params: Any = None) -> BulletDrawer:
        return RTLBulletDrawer(super()._makeBullet(value, params), self._rtl_fonts)
