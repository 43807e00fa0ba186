"""The form widget kit the consent pack's parts are built from.

``Form`` carries what every part shares (the form context, labels, slot recorder, colours) and
makes its small pieces: form wording, headings, labelled write-on lines, bullet lists and the
patient strip. Beside it: the booking panel in its two shapes (wide, beside the heading; and
stacked, for the card's narrow column), and the measuring that keeps a part on one page.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepInFrame, KeepTogether, ListFlowable, ListItem, Spacer, Table

from ..brand import Brand
from ..codecache import dataclass
from ..labels import Labels
from ..layout import Layout
from ..markdown_tree import Element
from ..qr import quiet_zone
from .blocks import Outlined
from .context import Context, inline_runs, plain_runs, table_style
from .elements import rtl_list
from .forms import QrSlot, SlotRecorder, SlotStyle, WriteLine
from .tagging import Node, tag_list_labels

PADDINGS = ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")  # a table cell's four sides, in that order


@dataclass
class Form:
    """What the form builders share: the leaflet context, labels, slot recorder and colours."""

    ctx: Context
    labels: Labels
    brand: Brand
    rec: SlotRecorder
    line_colour: str
    label_style: ParagraphStyle
    note_style: ParagraphStyle
    booking_url: str = ""  # the general link; a patient's adds "&ref=" and up to 16 characters

    @property
    def width(self) -> float:
        return self.ctx.layout.frame_width

    @property
    def link_style(self) -> SlotStyle:
        """The booking link as the leaflet prints its link: the body font's bold face, the link
        colour, underlined, and a link annotation so it can be tapped."""
        faces = self.brand.fonts[self.ctx.layout.text.font].faces
        return SlotStyle(str(faces.get("bold") or faces["regular"]), self.ctx.layout.text.link_colour, underline=True, link=True,
                         description=self.labels["pack_booking_heading"])

    def link_node(self) -> Node | None:
        """The booking link's element: a ``Link`` in its own paragraph (``/Lang`` of the Latin
        address in a right-to-left pack); the stamper adds the annotation's ``/OBJR`` per patient."""
        paragraph = self.ctx.node("P", Lang="en" if self.ctx.rtl else None)
        return paragraph.add("Link") if paragraph is not None else None

    def link_width(self, text: str, size: float) -> float:
        from pathlib import Path

        from .fonts import register_font_file

        return stringWidth(text, register_font_file(Path(self.link_style.font_file)), size)

    def para(self, text: str, style: ParagraphStyle | None = None, node: Node | str | None = "P") -> Flowable:
        """A paragraph of form wording; tagged as ``node`` (a new ``P`` unless told otherwise)."""
        return self.ctx.text(plain_runs(text), style or self.ctx.styles.body, node)

    def heading(self, text: str, level: int = 3, key: str | None = None) -> Flowable:
        p = self.para(text, self.ctx.styles.headings[level], self.ctx.heading_role(level))
        return Outlined(p, key, text, 1) if key else p

    def text_width(self, text: str, style: ParagraphStyle) -> float:
        """Width of a one-line label; right-to-left text is measured shaped (joined letters)."""
        return self.ctx.text_width(text, style)

    def fields(self, pairs: list[tuple[str, str | None]], width: float | None = None) -> Table:
        """One row of labelled write-on lines ("Name ______"); a pair's key makes the line a slot.

        Each label takes its own width (long labels wrap at half the column), so lines start
        right after their words, as on a printed form.
        """
        align = "right" if self.ctx.rtl else "left"
        col = (width or self.width) / len(pairs)
        style = self.label_style
        cells: list[Flowable] = []
        widths: list[float] = []
        for label, key in pairs:
            lw = min(self.text_width(label, style) + 12, col * 0.5)
            gap = 14 if len(pairs) > 1 else 0
            field = self.ctx.node("P")  # read as "Name: <the stamped name>"; the line itself is an artifact
            cells += [self.para(label, style, field), WriteLine(col - lw - gap, self.line_colour, self.rec, key, align=align,
                                                                text_size=self.ctx.layout.forms.field_size, node=field)]
            widths += [lw, col - lw]
        if self.ctx.rtl:
            cells, widths = cells[::-1], widths[::-1]
        return Table([cells], colWidths=widths, hAlign="RIGHT" if self.ctx.rtl else "LEFT", style=table_style(self.ctx, [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            # right-to-left: each line hugs its label on the right, the gap goes to its left
            ("ALIGN", (0, 0), (-1, -1), "RIGHT" if self.ctx.rtl else "LEFT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), self.ctx.layout.forms.field_gap),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))

    def bullets(self, items: tuple[Element, ...] | list[str], style: ParagraphStyle | None = None) -> Flowable:
        style = style or ParagraphStyle("item", parent=self.ctx.styles.body, spaceAfter=3)
        list_node = self.ctx.node("L", A={"O": "List", "ListNumbering": "Disc"})
        flow, marks = [], []
        for i in items:
            item = list_node.add("LI") if list_node is not None else None
            marks.append(item.add("Lbl") if item is not None else None)
            body = item.add("LBody").add("P") if item is not None else None
            flow.append(ListItem([self.ctx.text(plain_runs(i) if isinstance(i, str) else inline_runs(i), style, body)]))
        indent = self.ctx.layout.lists.indent
        options = {"bulletType": "bullet", "start": "\u2022", "bulletFontName": style.fontName, "bulletFontSize": style.fontSize,
                   "leftIndent": indent, "bulletDedent": indent * 0.85, "bulletDir": "rtl" if self.ctx.rtl else "ltr"}
        if self.ctx.rtl:  # markers on the right, on the text's baseline
            return tag_list_labels(rtl_list(flow, options, self.ctx), marks)
        return tag_list_labels(ListFlowable(flow, **options), marks)

    def patient_strip(self) -> list[Flowable]:
        lab = self.labels
        return [
            self.fields([(lab["field_name"], "name")]),
            self.fields([(lab["field_date_of_birth"], "date_of_birth"), (lab["field_mrn"], "mrn")]),
            Spacer(1, 4),
        ]

    def registration_label(self) -> str:
        body = self.brand.registration_body
        return self.labels.fmt("field_registration", body=body) if body else self.labels["field_registration_plain"]


def booking_box(form: Form, heading: str, text_width: float | None = None) -> list[Flowable]:
    """The personalised booking panel: QR slot beside the heading, the link slot and the phone."""
    ctx, lab = form.ctx, form.labels
    q = ctx.layout.qr
    code = QrSlot(q.size, quiet_zone(q.size), form.rec)  # the patient's link is not known yet
    width = text_width or form.width
    pad = ctx.layout.forms.panel_padding
    inner = width - code.width - 10 - 2 * pad
    url_style = ParagraphStyle("url_label", parent=ctx.styles.panel_text)
    url_size = ctx.styles.panel_text.fontSize  # the size of the leaflet's own link
    longest = form.booking_url + "&ref=" + "N" * 16
    lines = 1 if form.link_width(longest, url_size) <= inner * 0.95 else 2  # large print: two lines
    with ctx.within(ctx.node("Div")):
        text = [
            form.para(heading, ctx.styles.panel_heading),
            form.para(lab["pack_booking_text"], url_style),
            WriteLine(inner, ctx.layout.qr.panel_colour, form.rec, "booking_url", text_size=url_size,
                      height=ctx.styles.panel_text.fontSize * 1.6, align="right" if ctx.rtl else "left", lines=lines,
                      style=form.link_style, inset=0, node=form.link_node()),
            form.para(lab.fmt("booking_phone", phone=form.brand.phone), ctx.styles.panel_text),
        ]
    cells, widths = [code, text], [code.width + 10, inner + 2 * pad]
    if ctx.rtl:
        cells, widths = cells[::-1], widths[::-1]
    panel = Table([cells], colWidths=widths, hAlign="RIGHT" if ctx.rtl else "CENTER", style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(q.panel_colour)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *[(side, (0, 0), (-1, -1), pad) for side in PADDINGS],
    ]))
    return [Spacer(1, 12), panel]


def booking_stack(form: Form, width: float) -> Flowable:
    """The booking panel for a narrow column: the code above its link (the card's right column)."""
    ctx = form.ctx
    q = ctx.layout.qr
    code = QrSlot(q.size, quiet_zone(q.size), form.rec)
    code.hAlign = "RIGHT" if ctx.rtl else "LEFT"
    url_size = ctx.styles.panel_text.fontSize  # the size of the leaflet's own link
    pad = ctx.layout.forms.panel_padding
    inner = width - 2 * pad
    longest = form.booking_url + "&ref=" + "N" * 16
    lines = 1
    while form.link_width(longest, url_size) > lines * inner * 0.95 and lines < 4:
        lines += 1
    cell = [
        code,
        Spacer(1, 4),
        WriteLine(inner, q.panel_colour, form.rec, "booking_url", text_size=url_size, height=url_size * 1.6,
                  align="right" if ctx.rtl else "left", lines=lines, style=form.link_style, inset=0, node=form.link_node()),
    ]
    return Table([[cell]], colWidths=[width], style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(q.panel_colour)),
        *[(side, (0, 0), (-1, -1), pad) for side in PADDINGS],
    ]), hAlign="RIGHT" if ctx.rtl else "LEFT")


def side_by_side(ctx: Context, cells: list, widths: list[float]) -> Table:
    if ctx.rtl:
        cells, widths = cells[::-1], widths[::-1]
    return Table([cells], colWidths=widths, hAlign="RIGHT" if ctx.rtl else "LEFT", style=table_style(ctx, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))


def frame_height(layout: Layout) -> float:
    """The height of the page's text frame, as ``build_pdf`` makes it (less its top padding)."""
    L = layout
    return L.page_size[1] - L.page.margin_top - L.page.margin_bottom - L.header.height - L.footer.height - 4 - 6


def one_page(form: Form, versions: list[list[Flowable]]) -> list[Flowable]:
    """The first of ``versions`` (fullest first) that fits one page, shrunk if need be, but never
    below clear print (12pt, or the layout's text.min_size); else the last, to flow on."""
    L = form.ctx.layout
    frame = frame_height(L) - 2
    floor = min(1.0, max(12.0, L.text.min_size) / form.ctx.styles.body.fontSize)
    for flowables in versions:
        height = flow_height(flowables, form.width, frame)
        if height <= frame:
            return flowables
        if height * floor <= frame:
            # one frame holds it all: a KeepTogether inside would have nothing to keep (and cannot draw there)
            flat = [part for f in flowables for part in (f._content if isinstance(f, KeepTogether) else [f])]
            return [KeepInFrame(form.width, frame, flat, mode="shrink")]
    return versions[-1]


def flow_height(flowables: list[Flowable], width: float, height: float) -> float:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    canv = Canvas(BytesIO())  # some flowables (lists) measure through a canvas; nothing is drawn on it
    total = 0.0
    for f in flowables:
        if isinstance(f, KeepTogether):  # it claims a huge height to make the frame split it: measure its parts
            total += flow_height(f._content, width, height)
            continue
        total += f.wrapOn(canv, width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total
