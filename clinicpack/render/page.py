"""The page around the text: background, branded header, footer with "Page N of M", and the
PDF's metadata. Headers and footers are drawn when the document is saved, once the number of
pages is known, so "Page N of M" needs only one layout pass.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from ..brand import Brand
from ..codecache import dataclass
from ..layout import Layout
from .images import svg_flowable
from .tagging import Node, TaggingCanvas


@dataclass
class PageInfo:
    """What the header and footer print; ``footer_left`` is e.g. id, version and review date."""

    header_title: str
    footer_left: str
    page_label: Callable[[int, int], str]
    font: str
    bold_font: str
    rtl: bool = False
    draw_text: Callable[..., float] | None = None  # RTL engines plug in their own string drawing
    measure_text: Callable[[str, str, float], float] | None = None  # ... and measuring (text, font, size)
    extra: dict = field(default_factory=dict)


# operators that name a page resource other than a font (graphics states, XObjects, shadings,
# patterns, colour spaces, inline images, marked content): a drawing using any is never replayed
_NAMES_A_RESOURCE = re.compile(r"\b(?:gs|Do|sh|scn|SCN|cs|CS|BI|BDC|BMC|Tj|TJ)\b")


class Logo:
    """The brand logo, loaded once, drawn at a fixed height.

    A vector logo is converted to PDF operators once per document: every later page repeats the
    operators the first drawing wrote (renderPDF walking the drawing cost ~0.3 ms a page), when
    it is drawn at the same place and the operators use no page resource but fonts (document-wide
    in ReportLab), so each page gets the bytes a fresh drawing would have written."""

    def __init__(self, path: Path | None, height: float, font: str):
        self.height = height
        self.width = 0.0
        self._drawing = None
        self._image = None
        self._written: tuple[object, float, float, list[str]] | None = None  # (canvas, x, y, operators)
        if path is None or height <= 0:
            return
        if path.suffix.lower() == ".svg":
            d = svg_flowable(path, 10_000, height, path, None, font)
            self._drawing, self.width = d, d.width * (height / d.height) if d.height else 0
            if d.height and abs(d.height - height) > 0.01:
                f = height / d.height
                d.scale(f, f)
                d.width, d.height = d.width * f, d.height * f
            self.width = d.width
        else:
            self._image = ImageReader(str(path))
            w, h = self._image.getSize()
            self.width = w * height / h

    def draw(self, canv: Canvas, x: float, y: float) -> None:
        if self._drawing is not None:
            if self._written is not None and self._written[:3] == (canv, x, y):
                canv._code.extend(self._written[3])
                return
            start = len(canv._code)
            renderPDF.draw(self._drawing, canv, x, y)
            written = canv._code[start:]
            if not _NAMES_A_RESOURCE.search("\n".join(written)):
                self._written = (canv, x, y, written)
        elif self._image is not None:
            canv.drawImage(self._image, x, y, self.width, self.height, mask="auto")


MM = 72 / 25.4
MARK_LENGTH = 5 * MM  # crop mark length
MARK_GAP = 2 * MM  # free paper beyond the marks


@dataclass(frozen=True)
class PrintGeometry:
    """Where the trimmed page sits on the PDF page.

    A print-ready page is the trimmed page enlarged on every side: first by the bleed (into
    which backgrounds and edge-to-edge bands run, so no white sliver shows if the guillotine
    cuts a little off), then by a slug that holds the crop marks. The content is moved, never
    scaled. ``offset`` is the distance from the PDF page's corner to the trim corner.
    """

    trim: tuple[float, float]
    bleed: float = 0.0
    offset: float = 0.0
    crop_marks: bool = False

    @staticmethod
    def of(layout: Layout) -> PrintGeometry:
        if not layout.print.ready:
            return PrintGeometry(layout.page_size)
        bleed = layout.print.bleed
        marks = layout.print.crop_marks and layout.print.imposition == "none"  # an imposed booklet marks its sheets
        offset = max(bleed, 3 * MM) + MARK_LENGTH + MARK_GAP if marks else bleed
        return PrintGeometry(layout.page_size, bleed, offset, marks)

    @property
    def media(self) -> tuple[float, float]:
        return (self.trim[0] + 2 * self.offset, self.trim[1] + 2 * self.offset)

    def box(self, grow: float) -> tuple[float, float, float, float]:
        """The trim box grown by ``grow`` on every side, in PDF page coordinates."""
        o = self.offset
        return (o - grow, o - grow, o + self.trim[0] + grow, o + self.trim[1] + grow)


def draw_crop_marks(canv: Canvas, width: float, height: float, offset: float, bleed: float, folds: tuple[float, ...] = (),
                    colour: str = "rgb") -> None:
    """Crop marks at the corners of a ``width`` x ``height`` trim placed ``offset`` from the page corner.

    Marks start outside the bleed, so none is printed on the finished piece. ``folds`` are x
    positions (from the trim's left edge) of fold lines, marked at the top and bottom. In a
    CMYK file they are in registration colour, so every plate carries them.
    """
    start = max(bleed, 3 * MM)
    canv.saveState()
    canv.setLineWidth(0.25)
    if colour == "cmyk":
        from .colour import REGISTRATION

        canv.setStrokeColor(REGISTRATION)
    else:
        canv.setStrokeColorRGB(0, 0, 0)
    x0, y0, x1, y1 = offset, offset, offset + width, offset + height
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            canv.line(x + sx * start, y, x + sx * (start + MARK_LENGTH), y)
            canv.line(x, y + sy * start, x, y + sy * (start + MARK_LENGTH))
    canv.setDash(2, 2)
    for fold in folds:
        for y, sy in ((y0, -1), (y1, 1)):
            canv.line(x0 + fold, y + sy * start, x0 + fold, y + sy * (start + MARK_LENGTH))
    canv.restoreState()


class _TextlessCanvas(Canvas):
    """A canvas for a page that holds no text (the crop marks laid over booklet sheets).

    ReportLab opens every page by selecting its default font, Helvetica, unless the canvas's
    initial font is a TrueType one; Helvetica is never embedded, so a print shop's preflight
    would flag a font the page does not even use. This page starts with no font at all.
    """

    def _make_preamble(self) -> None:
        self._preamble = "1 0 0 1 0 0 cm"


def marks_pdf(
    media: tuple[float, float], origin: tuple[float, float], trim: tuple[float, float], bleed: float, folds: tuple[float, ...] = (),
    colour: str = "rgb",
) -> bytes:
    """A one-page PDF holding only crop (and fold) marks, laid over imposed sheets."""
    buf = io.BytesIO()
    canv = _TextlessCanvas(buf, pagesize=media, invariant=1)
    assert abs(origin[0] - origin[1]) < 0.001, "marks assume the same offset on both axes"
    draw_crop_marks(canv, trim[0], trim[1], origin[0], bleed, folds, colour)
    canv.showPage()
    canv.save()
    return buf.getvalue()


def text_width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def make_canvas_class(decorate: Callable[[Canvas, int, int], None], structure: Node | None = None, title: str = "") -> type[Canvas]:
    """The page canvas: pages are kept until the end so "Page N of M" is known, then decorated.
    With a ``structure`` tree it writes a tagged PDF (see tagging.py); without, plain pages."""

    class NumberedCanvas(TaggingCanvas, Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self.outline_marks: dict[int, list[tuple[str, str, int, float]]] = {}
            self.tag_setup(structure, title)

        def showPage(self) -> None:
            self.tag_page_end()
            self._pages.append(dict(self.__dict__))
            self._startPage()
            self._tag_mark = 0

        def save(self) -> None:
            total = len(self._pages)
            marks = self.outline_marks
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                with self.tag_pagination():
                    decorate(self, number, total)
                # Bookmarks must be made while their page is the current one, i.e. now.
                for key, title, level, top in marks.get(number, []):
                    self.bookmarkPage(key, fit="XYZ", left=0, top=top)
                    self.addOutlineEntry(title, key, level=level, closed=False)
                Canvas.showPage(self)
            if marks:
                self.showOutline()
            self.tag_write()
            Canvas.save(self)

    return NumberedCanvas


class Decorator:
    """Draws the background (before the text) and the header and footer (after)."""

    def __init__(self, brand: Brand, layout: Layout, info: PageInfo):
        self.brand, self.layout, self.info = brand, layout, info
        self.logo = Logo(brand.logo, layout.header.logo_height, info.font)

    def background(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        """The page colour, run into the bleed of a print-ready page."""
        colour = self.layout.page.background
        if colour.lower() != "#ffffff":
            g = PrintGeometry.of(self.layout)
            x0, y0, x1, y1 = g.box(g.bleed)
            canv.saveState()
            canv.setFillColor(HexColor(colour))
            canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
            canv.restoreState()

    def width_of(self, text: str, font: str, size: float) -> float:
        if self.info.measure_text is not None:
            return self.info.measure_text(text, font, size)
        return stringWidth(text, font, size)

    def footer_lines(self, text: str, room: float, font: str, size: float) -> list[str]:
        """The footer text on as few lines as fit ``room``, broken at its " · " separators
        (large print reflows the footer instead of shrinking it)."""
        parts = text.split("  \u00b7  ")
        lines: list[str] = []
        for part in parts:
            if lines and self.width_of(lines[-1] + "  \u00b7  " + part, font, size) <= room:
                lines[-1] += "  \u00b7  " + part
            else:
                lines.append(part)
        return lines

    def draw_text(self, canv: Canvas, x: float, y: float, text: str, font: str, size: float, anchor: str) -> None:
        """One line of header or footer text anchored at its ``anchor`` side, through the RTL engine
        when the page has one; public because the consent pack's page furniture draws with it too."""
        if self.info.draw_text is not None:
            self.info.draw_text(canv, x, y, text, font, size, anchor)
            return
        canv.setFont(font, size)
        if anchor == "left":
            canv.drawString(x, y, text)
        else:
            canv.drawRightString(x, y, text)

    def __call__(self, canv: Canvas, page: int, pages: int) -> None:
        """Header and footer, drawn on the trimmed page (moved by the print offset, if any)."""
        g = PrintGeometry.of(self.layout)
        canv.saveState()
        canv.translate(g.offset, g.offset)
        self.decorate(canv, page, pages)
        canv.restoreState()
        if g.crop_marks:
            draw_crop_marks(canv, g.trim[0], g.trim[1], g.offset, g.bleed, colour=self.layout.print.colour)

    def decorate(self, canv: Canvas, page: int, pages: int) -> None:
        L, info = self.layout, self.info
        w, h = L.page_size
        left, right = L.page.margin_left, w - L.page.margin_right
        start, end = (right, left) if info.rtl else (left, right)
        start_anchor, end_anchor = ("right", "left") if info.rtl else ("left", "right")
        canv.saveState()
        # header: logo and clinic name at the start side, the leaflet title at the end side
        top = h - L.page.margin_top
        if L.header.height > 0:
            base = top - L.header.height + 3 * 72 / 25.4
            x = start
            if self.logo.width:
                lx = x - self.logo.width if info.rtl else x
                self.logo.draw(canv, lx, base)
                x = lx - 8 if info.rtl else x + self.logo.width + 8
            canv.setFillColor(HexColor(L.header.colour))
            name_y = base + (self.logo.height - L.header.clinic_name_size) / 2 + 2 if self.logo.width else base
            self.draw_text(canv, x, name_y, self.brand.name, info.bold_font, L.header.clinic_name_size, start_anchor)
            name_width = self.width_of(self.brand.name, info.bold_font, L.header.clinic_name_size)
            title_room = (right - left) - abs(x - start) - name_width - 12
            if page > 1 and self.width_of(info.header_title, info.font, L.footer.size) <= title_room:
                # the running title only where it fits beside the clinic name (never shrunk)
                canv.setFillColor(HexColor(L.footer.colour))
                self.draw_text(canv, end, name_y, info.header_title, info.font, L.footer.size, end_anchor)
            canv.setStrokeColor(HexColor(L.header.rule_colour))
            canv.setLineWidth(1.2)
            rule_y = top - L.header.height
            canv.line(left, rule_y, right, rule_y)
        # footer
        if L.footer.height > 0:
            fy = L.page.margin_bottom
            canv.setStrokeColor(HexColor(L.footer.colour))
            canv.setLineWidth(0.5)
            # the rule keeps clear of the last line's descenders: more room for larger body text
            rule_y = fy + L.footer.height - max(4.0, L.text.size * 0.45)
            canv.line(left, rule_y, right, rule_y)
            canv.setFillColor(HexColor(L.footer.colour))
            # Nastaliq climbs higher above its baseline than Latin: keep it clear of the rule
            ty = rule_y - L.footer.size * (1.8 if info.rtl else 1.5)
            label = info.page_label(page, pages)
            room = (right - left) - self.width_of(label, info.bold_font, L.footer.size) - 12
            for n, line in enumerate(self.footer_lines(info.footer_left, room, info.font, L.footer.size)):
                pitch = L.footer.size * (2.0 if info.rtl else 1.2)  # Nastaliq lines are taller
                self.draw_text(canv, start, ty - n * pitch, line, info.font, L.footer.size, start_anchor)
            self.draw_text(canv, end, ty, label, info.bold_font, L.footer.size, end_anchor)
        canv.restoreState()


@dataclass(frozen=True)
class PdfMeta:
    """The document information and XMP metadata of a PDF (title, author, language...)."""
    title: str
    author: str
    subject: str
    language: str
    keywords: str = ""


class _Doc(BaseDocTemplate):
    """Adds a PDF bookmark for every flowable that carries ``outline = (key, title, level)``."""

    def afterFlowable(self, flowable: Flowable) -> None:
        outline = getattr(flowable, "outline", None)
        if outline:
            key, title, level = outline
            top = self.frame._y + getattr(flowable, "height", 0) + 12
            self.canv.outline_marks.setdefault(self.canv.getPageNumber(), []).append((key, title, level, top))


def build_pdf(
    story: list[Flowable], brand: Brand, layout: Layout, info: PageInfo, meta: PdfMeta,
    decorate: Callable[[Canvas, int, int], None] | None = None, structure: Node | None = None,
) -> bytes:
    """Lay out ``story`` on branded pages and return the PDF bytes (identical for identical inputs).

    ``decorate`` replaces the header/footer painter (a consent pack numbers each part on its own).
    ``structure`` is the root of the story's structure tree: the PDF is then tagged.
    """
    buf = io.BytesIO()
    L = layout
    h = L.page_size[1]
    g = PrintGeometry.of(layout)
    frame = Frame(
        g.offset + L.page.margin_left,
        g.offset + L.page.margin_bottom + L.footer.height,
        L.frame_width,
        h - L.page.margin_top - L.page.margin_bottom - L.header.height - L.footer.height - 4,
        leftPadding=0, rightPadding=0, topPadding=6, bottomPadding=0, id="body",
    )
    decorate_pages = decorate
    decorate = Decorator(brand, layout, info)
    enforce = None
    if L.print.colour == "cmyk":
        from .colour import check_profile, to_cmyk

        check_profile(L.origin.get("print", {}).get("colour", ""))
        enforce = to_cmyk  # every colour the canvas sets, converted as it is set
    doc = _Doc(
        buf,
        pagesize=g.media,
        trimBox=g.box(0) if L.print.ready else None,
        bleedBox=g.box(g.bleed) if L.print.ready else None,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=meta.keywords,
        creator="clinicpack",
        producer="clinicpack (ReportLab)",
        lang=meta.language,
        invariant=1,
        initialFontName=info.font,
        initialFontSize=L.text.size,
        pageTemplates=[PageTemplate("page", [frame], onPage=decorate.background)],
        showBoundary=0,
        enforceColorSpace=enforce,
    )
    doc.build(story, canvasmaker=make_canvas_class(decorate_pages or decorate, structure, meta.title))
    return buf.getvalue()
