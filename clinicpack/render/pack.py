"""The consent pack's pages, laid out once per batch with every patient field left as a slot.

Parts, in order: cover and booking page, the leaflet itself, the health check (from the
leaflet's contraindications), the consent form twice (clinic copy, patient copy) and the
aftercare card. Every word of form wording comes from the labels file; every medical word
comes from the leaflet. The result is a template: PDF bytes plus where each slot landed.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Spacer,
    Table,
)

from ..brand import Brand
from ..consent import ConsentContent
from ..labels import Labels
from ..layout import Layout
from ..leaflet import Leaflet, Section
from ..markdown_tree import text_of
from ..qr import quiet_zone
from . import leaflet_story, page_info, prepare
from .blocks import Outlined
from .elements import Context, cell_node, inline_runs, plain_runs, render_blocks, rtl_list, table_style
from .forms import CutFrame, PartStart, QrSlot, SlotPosition, SlotRecorder, SlotStyle, TickBox, WriteLine
from .page import Decorator, PageInfo, PdfMeta, PrintGeometry, build_pdf
from .safety import laid_out
from .tagging import Node, document, tag_list_labels

PARTS = ("cover", "leaflet", "checklist", "consent_clinic", "consent_patient", "card")
# The name in the page header identifies a loose page, like a hospital label; a long name may
# go smaller there (the full-size name is on the form itself), even in a large-print layout.
HEADER_MIN_SIZE = 7.0
CUT_PADDING = 8  # space inside the aftercare card's dashed cut line
FORM_PARTS = ("checklist", "consent_clinic", "consent_patient")  # the clinic's paperwork: patient named on every page


@dataclass(frozen=True)
class PackTemplate:
    """The shared pages of one leaflet's consent pack and the slots each patient fills."""

    pdf: bytes
    slots: tuple[SlotPosition, ...]
    part_pages: tuple[tuple[str, int, int], ...]  # (part, first page, last page), 1-based
    font_file: tuple[str, ...]  # TrueType files the slots are written in, preferred first
    shaping: bool = False  # right-to-left packs: values are shaped and bidi-ordered when stamped


@dataclass
class _Form:
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
        return SlotStyle(str(faces.get("bold") or faces["regular"]), self.ctx.layout.text.link_colour, underline=True, link=True)

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
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))

    def bullets(self, items: tuple[ET.Element, ...] | list[str], style: ParagraphStyle | None = None) -> Flowable:
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


def render_pack_template(
    leaflet: Leaflet, content: ConsentContent, brand: Brand, layout: Layout, labels: Labels,
    assets_dir, generic_booking_url: str, footer_note: str = "",
) -> PackTemplate:
    """``footer_note`` goes into every page's footer (a reprint says which version it reprints)."""
    ctx = prepare(leaflet, brand, layout)
    ctx.assets_dir = assets_dir
    # the forms use the layout's forms.text_size: denser than the leaflet, still clear print
    form_layout = dataclasses.replace(layout, text=dataclasses.replace(layout.text, size=layout.forms.text_size))
    form_ctx = prepare(leaflet, brand, form_layout)
    form_ctx.assets_dir = assets_dir
    styles = form_ctx.styles
    form = _Form(
        ctx=form_ctx, labels=labels, brand=brand, rec=SlotRecorder(),
        line_colour=layout.forms.line_colour,
        label_style=ParagraphStyle("form_label", parent=styles.table_cell, fontName=styles.table_header.fontName, textColor=HexColor(layout.text.colour)),
        booking_url=generic_booking_url,
        note_style=ParagraphStyle("form_note", parent=styles.body, fontSize=max(11, styles.body.fontSize - 1), leading=max(11, styles.body.fontSize - 1) * 1.35, textColor=HexColor(layout.footer.colour)),
    )
    starts: dict[int, int] = {}
    builders = {
        "cover": lambda: cover(form, leaflet),
        "leaflet": lambda: leaflet_story(ctx, brand, labels, generic_booking_url),
        "checklist": lambda: checklist(form, content),
        "consent_clinic": lambda: consent_form(form, leaflet, content, "clinic"),
        "consent_patient": lambda: consent_form(form, leaflet, content, "patient"),
        "card": lambda: card(form, leaflet, content),
    }
    story: list[Flowable] = []
    root = document(leaflet.language)  # a tagged PDF: one section per part, in the pack's order
    for index, part in enumerate(PARTS):
        if index:
            story.append(PageBreak())
        outline = None if part == "leaflet" else (f"pack-{part}", labels[f"part_{part}"], 0)
        story.append(PartStart(index, starts, outline))
        ctx.struct = form_ctx.struct = root.add("Sect", T=labels[f"part_{part}"])
        ctx.heading_level = form_ctx.heading_level = 1
        story += builders[part]()

    leaflet_info = page_info(ctx, brand, labels, footer_note=footer_note)
    code = f"{leaflet.id} v{leaflet.version} ({leaflet.fingerprint})" + (f"  \u00b7  {footer_note}" if footer_note else "")
    infos = [
        leaflet_info if part == "leaflet" else dataclasses.replace(
            leaflet_info,
            header_title="" if part in FORM_PARTS else labels[f"part_{part}"],
            footer_left=f"{labels[f'part_{part}']}  \u00b7  {code}",
        )
        for part in PARTS
    ]
    decorate = PartDecorator(Decorator(brand, layout, infos[0]), infos, starts, form.rec, labels["field_name"], layout.forms.line_colour)
    meta = PdfMeta(
        title=f"{labels['part_cover']}: {leaflet.treatment}",
        author=brand.name,
        subject=leaflet.summary or leaflet.title,
        language=leaflet.language,
        keywords=f"{leaflet.id} version {leaflet.version} fingerprint {leaflet.fingerprint}",
    )
    with laid_out(leaflet.path):
        pdf = build_pdf(story, brand, layout, leaflet_info, meta, decorate=decorate, structure=root)
    # the language's font first (its script), then the layout's body font (Latin names, digits)
    names = (brand.language(leaflet.language).font or layout.text.font, layout.text.font)
    font_files = tuple(dict.fromkeys(str(brand.fonts[n].faces["regular"]) for n in names))
    return PackTemplate(pdf=pdf, slots=tuple(form.rec.slots), part_pages=decorate.part_pages(), font_file=font_files,
                        shaping=ctx.rtl)


class PartDecorator:
    """Header and footer per part: each part is numbered on its own ("Page 1 of 2" on a form).

    On the clinic's forms (health check, consent copies) the header's end side carries a
    "Name ____" slot on every page, so a page that comes loose still names its patient.
    """

    def __init__(self, decorator: Decorator, infos: list[PageInfo], starts: dict[int, int], recorder: SlotRecorder,
                 name_label: str, line_colour: str):
        self.decorator, self.infos, self.starts = decorator, infos, starts
        self.recorder, self.name_label, self.line_colour = recorder, name_label, line_colour
        self.pages = 0

    def part_of(self, page: int) -> tuple[int, int, int]:
        index = max(i for i, start in self.starts.items() if start <= page)
        first = self.starts[index]
        later = [s for i, s in self.starts.items() if i > index]
        last = (min(later) - 1) if later else self.pages
        return index, first, last

    def __call__(self, canv, page: int, pages: int) -> None:
        self.pages = pages
        index, first, last = self.part_of(page)
        self.decorator.info = self.infos[index]
        self.decorator(canv, page - first + 1, last - first + 1)
        if PARTS[index] in FORM_PARTS:
            self.name_strip(canv, page)

    def name_strip(self, canv, page: int) -> None:
        d = self.decorator
        L, info = d.layout, d.info
        if L.header.height <= 0:
            return
        w, _ = L.page_size
        offset = PrintGeometry.of(L).offset
        left, right = L.page.margin_left + offset, w - L.page.margin_right + offset
        base = L.page_size[1] - L.page.margin_top - L.header.height + 3 * 72 / 25.4 + offset
        y = base + (d.logo.height - L.header.clinic_name_size) / 2 + 2 if d.logo.width else base
        size = L.footer.size
        line = min(200.0, (right - left) * 0.38)
        label = self.name_label
        label_width = d.width_of(label, info.bold_font, size) + 6
        canv.saveState()
        canv.setStrokeColor(HexColor(self.line_colour))
        canv.setLineWidth(0.7)
        canv.setFillColor(HexColor(L.footer.colour))
        if info.rtl:  # the end side is the left
            canv.line(left, y - 3, left + line, y - 3)
            d._text(canv, left + line + label_width, y, label, info.bold_font, size, "right")
            self.recorder.record_at("name", page, left + line - 2, y, line - 4, size + 1, "right", HEADER_MIN_SIZE)
        else:
            canv.line(right - line, y - 3, right, y - 3)
            d._text(canv, right - line - label_width, y, label, info.bold_font, size, "left")
            self.recorder.record_at("name", page, right - line + 2, y, line - 4, size + 1, "left", HEADER_MIN_SIZE)
        canv.restoreState()

    def part_pages(self) -> tuple[tuple[str, int, int], ...]:
        return tuple((PARTS[i], *self.part_of(self.starts[i])[1:]) for i in sorted(self.starts))


# ---------------------------------------------------------------- the parts


def cover(form: _Form, leaflet: Leaflet) -> list[Flowable]:
    ctx, lab, styles = form.ctx, form.labels, form.ctx.styles
    t = ctx.layout.title
    band = Table(
        [[form.para(lab["pack_kicker"], styles.summary)], [form.para(leaflet.treatment, styles.title, "H1")]],
        colWidths=[form.width],
        style=table_style(form.ctx, [
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(t.band_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), t.band_padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), t.band_padding),
            ("TOPPADDING", (0, 0), (-1, 0), t.band_padding * 0.7),
            ("BOTTOMPADDING", (0, -1), (-1, -1), t.band_padding),
        ]),
    )
    details = [
        form.heading(lab["pack_patient_details"]),
        form.fields([(lab["field_name"], "name")]),
        form.fields([(lab["field_date_of_birth"], "date_of_birth"), (lab["field_mrn"], "mrn")]),
        form.fields([(lab["field_ref"], "ref"), (lab["field_appointment"], "appointment_date")]),
        form.fields([(lab["field_clinician"], "clinician")]),
    ]
    items = [
        lab.fmt("pack_contents_leaflet", title=leaflet.title, version=leaflet.version),
        lab["pack_contents_checklist"],
        lab["pack_contents_consent"],
        lab["pack_contents_card"],
    ]
    booking = lambda: KeepTogether(booking_box(form, lab["pack_booking_heading"]))  # noqa: E731
    # the cover is one page: the contents as a list, else as one paragraph, else left out (each
    # part names itself in its heading and in the bookmarks); each shrunk only as far as clear
    # print allows; a cover that fits no way (never with the shipped layouts) flows on
    return one_page(form, [
        [band, Spacer(1, 10), *details, Spacer(1, 6), form.heading(lab["pack_contents"]), form.bullets(items), booking()],
        [band, Spacer(1, 10), *details, Spacer(1, 6), form.heading(lab["pack_contents"]), form.para("  \u00b7  ".join(items)), booking()],
        [band, *details, form.heading(lab["pack_contents"]), form.para("  \u00b7  ".join(items)), booking()],
        [band, Spacer(1, 10), *details, booking()],
    ])


def frame_height(layout: Layout) -> float:
    """The height of the page's text frame, as ``build_pdf`` makes it (less its top padding)."""
    L = layout
    return L.page_size[1] - L.page.margin_top - L.page.margin_bottom - L.header.height - L.footer.height - 4 - 6


def one_page(form: _Form, versions: list[list[Flowable]]) -> list[Flowable]:
    """The first of ``versions`` (fullest first) that fits one page, shrunk if need be, but never
    below clear print (12pt, or the layout's text.min_size); else the last, to flow on."""
    L = form.ctx.layout
    frame = frame_height(L) - 2
    floor = min(1.0, max(12.0, L.text.min_size) / form.ctx.styles.body.fontSize)
    for flowables in versions:
        height = _height(flowables, form.width, frame)
        if height <= frame:
            return flowables
        if height * floor <= frame:
            # one frame holds it all: a KeepTogether inside would have nothing to keep (and cannot draw there)
            flat = [part for f in flowables for part in (f._content if isinstance(f, KeepTogether) else [f])]
            return [KeepInFrame(form.width, frame, flat, mode="shrink")]
    return versions[-1]


def booking_box(form: _Form, heading: str, text_width: float | None = None) -> list[Flowable]:
    """The personalised booking panel: QR slot beside the heading, the link slot and the phone."""
    ctx, lab = form.ctx, form.labels
    q = ctx.layout.qr
    code = QrSlot(q.size, quiet_zone(q.size), form.rec)  # the patient's link is not known yet
    width = text_width or form.width
    inner = width - code.width - 10 - 16
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
                      style=form.link_style, inset=0, node=ctx.node("P", Lang="en" if ctx.rtl else None)),
            form.para(lab.fmt("booking_phone", phone=form.brand.phone), ctx.styles.panel_text),
        ]
    cells, widths = [code, text], [code.width + 10, inner + 16]
    if ctx.rtl:
        cells, widths = cells[::-1], widths[::-1]
    panel = Table([cells], colWidths=widths, hAlign="RIGHT" if ctx.rtl else "CENTER", style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(q.panel_colour)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    return [Spacer(1, 12), panel]


def checklist(form: _Form, content: ConsentContent) -> list[Flowable]:
    ctx, lab, styles = form.ctx, form.labels, form.ctx.styles
    L = ctx.layout
    box = styles.body.fontSize * 1.1
    col = max(box * 2.6, 44)
    heading = form.heading(lab["checklist_title"], 2)
    note = form.para(lab["clinic_keeps"], form.note_style)
    strip = form.patient_strip()
    intro = form.para(lab["checklist_intro"])
    grid = ctx.node("Table")  # question, then its Yes and No boxes (empty cells a reader announces under their headers)
    row = grid.add("TR") if grid is not None else None
    header = [form.para(lab[k], styles.table_header, cell_node(row, True, "Column")) for k in ("checklist_question", "answer_yes", "answer_no")]
    rows = [header]
    for li in content.contraindications:
        row = grid.add("TR") if grid is not None else None
        question = ctx.text(inline_runs(li), styles.table_cell, cell_node(row, False, ""))
        for _ in range(2):
            if row is not None:
                row.add("TD").keep = True
        rows.append([question, TickBox(box, form.line_colour), TickBox(box, form.line_colour)])
    widths = [form.width - 2 * col, col, col]
    if ctx.rtl:
        rows, widths = [r[::-1] for r in rows], widths[::-1]
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1) if not ctx.rtl else (1, -1), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(L.table.header_background)),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, HexColor(L.table.rule_colour)),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
    if ctx.rtl:
        commands[1] = ("ALIGN", (0, 0), (1, -1), "CENTER")
    table = Table(rows, colWidths=widths, repeatRows=1, style=table_style(ctx, commands), hAlign="RIGHT" if ctx.rtl else "LEFT")
    lines = lambda n: [WriteLine(form.width, form.line_colour, height=22) for _ in range(n)]
    return [
        heading,
        note,
        *strip,
        intro,
        table,
        Spacer(1, 8),
        KeepTogether([form.para(lab["checklist_medicines"], form.label_style), *lines(3)]),
        Spacer(1, 6),
        KeepTogether([form.para(lab["checklist_allergies"], form.label_style), *lines(2)]),
        Spacer(1, 8),
        KeepTogether([
            form.fields([(lab["checklist_checked_by"], None)]),
            form.fields([(lab["field_signature"], None), (lab["field_date"], None)]),
        ]),
    ]


def copy_band(form: _Form, title: str, copy: str) -> Flowable:
    ctx, lab = form.ctx, form.labels
    L = ctx.layout
    size = ctx.styles.body.fontSize + 3
    mark_style = ParagraphStyle("copy_mark", parent=ctx.styles.title, fontSize=size, leading=size * 1.2, alignment=1)
    mark_width = max(stringWidth(lab[f"copy_{c}"], mark_style.fontName, size) for c in ("clinic", "patient")) + 24
    title_flow = [form.para(title, ctx.styles.headings[2], ctx.heading_role(2)), form.para(lab[f"copy_{copy}_note"], form.note_style)]
    mark = Table([[form.para(lab[f"copy_{copy}"], mark_style)]], colWidths=[mark_width], style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(L.title.band_colour)),
        ("TOPPADDING", (0, 0), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    cells, widths = [title_flow, mark], [form.width - mark_width - 10, mark_width + 10]
    if ctx.rtl:
        cells, widths = cells[::-1], widths[::-1]
    return Table([cells], colWidths=widths, style=table_style(form.ctx, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("ALIGN", (-1, 0), (-1, 0), "RIGHT") if not ctx.rtl else ("ALIGN", (0, 0), (0, 0), "LEFT"),
    ]))


def _quote(form: _Form, section: Section) -> list[Flowable]:
    """A leaflet section's own text (intro, list or table, notes), exactly as in the leaflet."""
    return render_blocks(section.body, form.ctx)


def consent_form(form: _Form, leaflet: Leaflet, content: ConsentContent, copy: str) -> list[Flowable]:
    ctx, lab = form.ctx, form.labels
    s = content.sections
    leaflet_line = lab.fmt("consent_leaflet_line", title=leaflet.title, id=leaflet.id, version=leaflet.version, fingerprint=leaflet.fingerprint)
    statement = lambda text: form.para(text)
    box = ctx.styles.body.fontSize * 1.1
    band = copy_band(form, lab.fmt("consent_title", treatment=leaflet.treatment), copy)
    before = [*form.patient_strip(), form.heading(lab["consent_leaflet_given"]), form.para(leaflet_line),
              form.para(lab["consent_leaflet_note"], form.note_style)]
    quoted = []
    for key in ("benefits", "risks", "alternatives"):
        quoted += [form.heading(lab[f"consent_{key}"]), *_quote(form, s[key])]
    clinician = [form.heading(lab["consent_clinician_heading"]), statement(lab["consent_clinician_text"]),
                 form.fields([(lab["field_name"], "clinician"), (lab["field_role"], "clinician_role")]),
                 form.fields([(form.registration_label(), "clinician_registration")]),
                 form.fields([(lab["field_signature"], None), (lab["field_date"], None)])]
    interpreter = [form.heading(lab["consent_interpreter_heading"]), statement(lab["consent_interpreter_text"]),
                   form.fields([(lab["field_name"], None), (lab["field_language"], None)]),
                   form.fields([(lab["field_signature"], None), (lab["field_date"], None)])]
    patient = [form.heading(lab["consent_patient_heading"]), form.bullets(form.labels.lines("consent_patient_points")),
               form.fields([(lab["field_name"], "name")]), form.fields([(lab["field_signature"], None), (lab["field_date"], None)])]
    photos_heading, photos_text = form.heading(lab["consent_photos_heading"]), statement(lab["consent_photos_text"])
    grid = ctx.node("Table")  # each use, then "Yes" and its box, "No" and its box
    photos_rows = []
    for use in form.labels.lines("consent_photos_uses"):
        row = grid.add("TR") if grid is not None else None
        cells = [form.para(use, ctx.styles.table_cell, cell_node(row, True, "Row"))]  # the use heads its row
        for answer_key in ("answer_yes", "answer_no"):
            cells.append(form.para(lab[answer_key], form.label_style, cell_node(row, False, "")))
            if row is not None:
                row.add("TD").keep = True
            cells.append(TickBox(box, form.line_colour))
        photos_rows.append(cells)
    answer = max(stringWidth(lab[k], form.label_style.fontName, form.label_style.fontSize) for k in ("answer_yes", "answer_no")) + 10
    photo_widths = [form.width - 2 * (answer + box + 12), answer, box + 12, answer, box + 12]
    if ctx.rtl:
        photos_rows, photo_widths = [r[::-1] for r in photos_rows], photo_widths[::-1]
    photos_table = Table(photos_rows, colWidths=photo_widths, style=table_style(form.ctx, [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, HexColor(ctx.layout.table.rule_colour)),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ]))
    # made in reading order (the order of the structure tree), then set out as before
    return [
        band,
        Spacer(1, 8),
        *before,
        *quoted,
        KeepTogether(clinician),
        KeepTogether(interpreter),
        KeepTogether(patient),
        KeepTogether([
            photos_heading,
            photos_text,
            photos_table,
            Spacer(1, 4),
            form.fields([(lab["field_signature"], None), (lab["field_date"], None)]),
        ]),
    ]


def card(form: _Form, leaflet: Leaflet, content: ConsentContent) -> list[Flowable]:
    """The aftercare card: on one page inside a dashed cut line when it fits (shrunk no further
    than clear print allows), otherwise (a long aftercare list, large print, A5) as plain pages
    in the same order."""
    ctx, lab, styles = form.ctx, form.labels, form.ctx.styles
    L = ctx.layout
    inner_width = form.width - 20
    cut_note = form.para(lab["card_cut"], form.note_style)
    frame = frame_height(L)
    available = frame - _height([cut_note, Spacer(1, 4)], form.width, frame) - 2 * CUT_PADDING - 2
    framed = _card_body(form, leaflet, content, inner_width, columns=True)
    # shrink only as far as clear print allows (12pt, or the layout's text.min_size)
    floor = max(12.0, L.text.min_size) / styles.body.fontSize
    if _height(framed, inner_width, available) * min(floor, 1.0) <= available:
        fitted = KeepInFrame(inner_width, available, framed, mode="shrink")
        return [cut_note, Spacer(1, 4), CutFrame(fitted, L.footer.colour, CUT_PADDING)]
    return [Outlined(form.para(lab.fmt("card_title", treatment=leaflet.treatment), styles.headings[2]), "card-title",
                     lab["part_card"], 1)] + _card_body(form, leaflet, content, form.width, columns=False)[1:]


def _height(flowables: list[Flowable], width: float, height: float) -> float:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    canv = Canvas(BytesIO())  # some flowables (lists) measure through a canvas; nothing is drawn on it
    total = 0.0
    for f in flowables:
        if isinstance(f, KeepTogether):  # it claims a huge height to make the frame split it: measure its parts
            total += _height(f._content, width, height)
            continue
        total += f.wrapOn(canv, width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def _card_body(form: _Form, leaflet: Leaflet, content: ConsentContent, width: float, columns: bool) -> list[Flowable]:
    ctx, lab, styles = form.ctx, form.labels, form.ctx.styles
    L = ctx.layout
    item = ParagraphStyle("card_item", parent=styles.body, spaceAfter=2)
    warn_heading = ParagraphStyle("warn_h", parent=form.label_style, fontSize=form.label_style.fontSize + 1,
                                  leading=(form.label_style.fontSize + 1) * 1.3)
    notes = [ctx.text(inline_runs(p), item, "P") for p in content.sections["warning-signs"].body if p.tag == "p"][1:]

    def warning_box(box_width: float) -> Table:
        return Table(
            [[[form.para(lab["card_warning"], warn_heading), form.bullets(content.warning_signs, item), *notes]]],
            colWidths=[box_width],
            style=table_style(form.ctx, [
                ("BOX", (0, 0), (-1, -1), 1.5, HexColor(L.title.band_colour)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]),
            hAlign="RIGHT" if ctx.rtl else "LEFT",
        )

    call = form.para(lab.fmt("card_call", phone=form.brand.phone), ParagraphStyle("call", parent=styles.headings[3], spaceBefore=0, spaceAfter=4))
    head = [
        form.para(lab.fmt("card_title", treatment=leaflet.treatment), ParagraphStyle("card_title", parent=styles.headings[3], spaceBefore=0)),
        form.fields([(lab["field_name"], "name")], width=width),
        Spacer(1, 4),
        form.para(lab["card_aftercare"], form.label_style),
        Spacer(1, 3),
    ]
    if not columns:
        return [*head, form.bullets(content.aftercare, item), Spacer(1, 8), warning_box(width), call,
                *booking_box(form, lab["pack_booking_heading"], width)]
    # framed card: the aftercare list in two balanced columns, then the warning signs beside
    # the phone number and the booking code
    half = (width - 12) / 2
    first, second = _balanced(content.aftercare)
    list_row = _row(ctx, [[form.bullets(first, item)], [form.bullets(second, item)] if second else [Spacer(1, 1)]], [half + 12, half])
    side = width * 0.4  # the code and its link beside the warning signs
    bottom = _row(ctx, [[warning_box(width - side - 12)], [call, booking_stack(form, side)]], [width - side, side])
    return [*head, list_row, Spacer(1, 6), bottom]


def _balanced(items: tuple[ET.Element, ...]) -> tuple[tuple[ET.Element, ...], tuple[ET.Element, ...]]:
    """Split a list in two columns of about the same amount of text, keeping the order."""
    sizes = [len(text_of(li)) + 40 for li in items]  # 40: each item's own line and gap
    total, running = sum(sizes), 0
    for i, size in enumerate(sizes):
        running += size
        if running >= total / 2:
            return items[: i + 1], items[i + 1 :]
    return items, ()


def _row(ctx: Context, cells: list, widths: list[float]) -> Table:
    if ctx.rtl:
        cells, widths = cells[::-1], widths[::-1]
    return Table([cells], colWidths=widths, hAlign="RIGHT" if ctx.rtl else "LEFT", style=table_style(ctx, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))


def booking_stack(form: _Form, width: float) -> Flowable:
    """The booking panel for a narrow column: the code above its link (the card's right column)."""
    ctx = form.ctx
    q = ctx.layout.qr
    code = QrSlot(q.size, quiet_zone(q.size), form.rec)
    code.hAlign = "RIGHT" if ctx.rtl else "LEFT"
    url_size = ctx.styles.panel_text.fontSize  # the size of the leaflet's own link
    inner = width - 16
    longest = form.booking_url + "&ref=" + "N" * 16
    lines = 1
    while form.link_width(longest, url_size) > lines * inner * 0.95 and lines < 4:
        lines += 1
    cell = [
        code,
        Spacer(1, 4),
        WriteLine(inner, q.panel_colour, form.rec, "booking_url", text_size=url_size, height=url_size * 1.6,
                  align="right" if ctx.rtl else "left", lines=lines, style=form.link_style, inset=0,
                  node=ctx.node("P", Lang="en" if ctx.rtl else None)),
    ]
    return Table([[cell]], colWidths=[width], style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(q.panel_colour)),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]), hAlign="RIGHT" if ctx.rtl else "LEFT")
