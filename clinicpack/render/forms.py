"""Printed-form furniture: write-on lines, vector tick boxes, signature lines and "slots".

A slot is a place on a page that a patient's details fill later (name on a line, the booking
QR code in a box). While the shared pages are laid out once per batch, each slot records where
it landed (page, x, y, width); the stamper then writes each patient's text there without laying
anything out again. On a blank pack the slot simply stays an empty line for handwriting.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor, white
from reportlab.platypus import Flowable

from ..codecache import dataclass


@dataclass(frozen=True)
class SlotStyle:
    """How a slot's value is set when it differs from the form's plain text: the booking link
    is stamped as the leaflet prints its link (bold, link colour, underlined) and can be tapped."""

    font_file: str  # the TrueType file the value is set in
    colour: str  # #rrggbb
    underline: bool = False
    link: bool = False  # the value is a web address: stamped with a URI link annotation too
    description: str = ""  # a link's purpose, for its annotation's /Contents ("Book your follow-up (address)")


@dataclass(frozen=True)
class SlotPosition:
    """Where a patient's detail goes on the laid-out pack, recorded as the template is drawn."""
    key: str  # "name", "date_of_birth", ..., "booking_url", or "qr"
    page: int  # 1-based page of the template document
    x: float
    y: float  # baseline for text; bottom edge for the QR code
    width: float
    size: float  # font size for text; side length for the QR code
    align: str = "left"  # "left" or "right" (right-to-left forms)
    lines: int = 1  # a long value may break onto this many lines (the booking link), each ``leading`` lower
    leading: float = 0.0
    min_size: float = 0.0  # smallest size for this slot; 0 = the layout's text.min_size
    style: SlotStyle | None = None  # None: the form's text font and colour
    mcid: int | None = None  # tagged PDF: the marked-content id the stamped value takes (None: an artifact)


class SlotRecorder:
    """Collects slot positions while the document is drawn (order: as drawn)."""

    def __init__(self) -> None:
        self.slots: list[SlotPosition] = []

    def record(self, canv, key: str, x: float, y: float, width: float, size: float, align: str, lines: int = 1,
               leading: float = 0.0, style: SlotStyle | None = None, node=None) -> None:
        """``node``: the structure element the stamped value belongs to (an MCID is reserved for it)."""
        ax, ay = canv.absolutePosition(x, y)
        reserve = getattr(canv, "tag_reserve", None)
        mcid = reserve(node) if reserve is not None and node is not None and canv.tag_root is not None else None
        scale = canv._currentMatrix[0]  # inside a shrink-to-fit frame everything is scaled
        page = canv._doctemplate.page  # the doc template's page number (the canvas defers its pages)
        self.slots.append(SlotPosition(key, page, round(ax, 2), round(ay, 2), round(width * scale, 2), round(size * scale, 2), align,
                                       lines, round(leading * scale, 2), style=style, mcid=mcid))


    def record_at(self, key: str, page: int, x: float, y: float, width: float, size: float, align: str, min_size: float = 0.0) -> None:
        """A slot drawn outside the flow (the page header), at absolute page coordinates."""
        self.slots.append(SlotPosition(key, page, round(x, 2), round(y, 2), round(width, 2), size, align, min_size=min_size))


class WriteLine(Flowable):
    """A line to write on. With a ``key`` it is also a slot that a patient's detail can fill."""

    def __init__(self, width: float, colour: str, recorder: SlotRecorder | None = None, key: str | None = None,
                 text_size: float = 12, height: float = 26, align: str = "left", lines: int = 1,
                 style: SlotStyle | None = None, inset: float = 3, node=None):
        super().__init__()
        self.node = node  # tagged PDF: the element (a form field's paragraph) the written value joins
        self.style, self.inset = style, inset  # inset 0: the value lines up with the paragraphs above it
        self.leading = text_size * 1.25
        self.width, self.height = width, height + (lines - 1) * self.leading
        self.colour, self.recorder, self.key = colour, recorder, key
        self.text_size, self.align, self.lines = text_size, align, lines

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        if self.width <= 0:
            self.width = aw
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(HexColor(self.colour))
        c.setLineWidth(0.7)
        c.line(0, 3, self.width, 3)
        c.restoreState()
        if self.recorder is not None and self.key:
            inset = self.inset
            x = self.width - inset if self.align == "right" else inset
            top = 6 + (self.lines - 1) * self.leading  # the first line's baseline; further lines go down
            self.recorder.record(self.canv, self.key, x, top, self.width - 2 * inset, self.text_size, self.align, self.lines, self.leading,
                                 self.style, self.node)


class TickBox(Flowable):
    """An empty square to tick, drawn as a vector (fonts lack a reliable box glyph)."""

    def __init__(self, size: float, colour: str):
        super().__init__()
        self.size, self.colour = size, colour
        self.width = self.height = size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(HexColor(self.colour))
        c.setFillColor(white)
        c.setLineWidth(1.2)
        c.rect(0, 0, self.size, self.size, stroke=1, fill=1)
        c.restoreState()


class QrSlot(Flowable):
    """The square where each patient's booking QR code is stamped, with its quiet zone kept white."""

    def __init__(self, symbol_width: float, quiet: float, recorder: SlotRecorder):
        super().__init__()
        self.symbol_width, self.quiet, self.recorder = symbol_width, quiet, recorder
        self.width = self.height = symbol_width + 2 * quiet

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(white)
        c.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        c.restoreState()
        self.recorder.record(c, "qr", self.quiet, self.quiet, self.symbol_width, self.symbol_width, "left")


class PartStart(Flowable):
    """Zero-size marker at the top of each part of the pack: records the page the part starts on."""

    def __init__(self, index: int, starts: dict[int, int], outline: tuple[str, str, int] | None = None):
        super().__init__()
        self.index, self.starts = index, starts
        self.width = self.height = 0
        if outline:
            self.outline = outline

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.starts.setdefault(self.index, self.canv._doctemplate.page)


class CutFrame(Flowable):
    """A dashed cut line around an inner flowable (the aftercare card)."""

    def __init__(self, inner: Flowable, colour: str, padding: float = 10):
        super().__init__()
        self.inner, self.colour, self.padding = inner, colour, padding

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        _, h = self.inner.wrapOn(self.canv, aw - 2 * self.padding, ah - 2 * self.padding)
        self.width, self.height = aw, h + 2 * self.padding
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(HexColor(self.colour))
        c.setDash(6, 4)
        c.setLineWidth(0.8)
        c.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        c.restoreState()
        self.inner.drawOn(c, self.padding, self.padding)
