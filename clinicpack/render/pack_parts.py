"""The consent pack's parts, each a list of flowables: cover and booking page, health check,
consent form (one per copy) and aftercare card.

Every word of form wording comes from the labels file; every medical word comes from the
leaflet (``ConsentContent``); patient fields are slots the stamper fills. The widgets they are
made of are in ``form_kit``.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepInFrame, KeepTogether, Spacer, Table

from ..consent import ConsentContent
from ..leaflet import Leaflet, Section
from ..markdown_tree import Element, text_of
from .blocks import Outlined
from .context import inline_runs, padding, table_style
from .elements import render_blocks
from .form_kit import Form, booking_box, booking_stack, flow_height, frame_height, one_page, side_by_side
from .forms import CutFrame, TickBox, WriteLine
from .tables import cell_node


def cover(form: Form, leaflet: Leaflet) -> list[Flowable]:
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


def checklist(form: Form, content: ConsentContent) -> list[Flowable]:
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
        *padding(L.forms.checklist_padding),
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


def copy_band(form: Form, title: str, copy: str) -> Flowable:
    ctx, lab = form.ctx, form.labels
    L = ctx.layout
    size = ctx.styles.body.fontSize + 3
    mark_style = ParagraphStyle("copy_mark", parent=ctx.styles.title, fontSize=size, leading=size * 1.2, alignment=1)
    mark_width = max(stringWidth(lab[f"copy_{c}"], mark_style.fontName, size) for c in ("clinic", "patient")) + 24
    title_flow = [form.para(title, ctx.styles.headings[2], ctx.heading_role(2)), form.para(lab[f"copy_{copy}_note"], form.note_style)]
    mark = Table([[form.para(lab[f"copy_{copy}"], mark_style)]], colWidths=[mark_width], style=table_style(form.ctx, [
        ("BACKGROUND", (0, 0), (-1, -1), HexColor(L.title.band_colour)),
        *padding(L.forms.copy_mark_padding),
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


def _quote(form: Form, section: Section) -> list[Flowable]:
    """A leaflet section's own text (intro, list or table, notes), exactly as in the leaflet."""
    return render_blocks(section.body, form.ctx)


def consent_form(form: Form, leaflet: Leaflet, content: ConsentContent, copy: str) -> list[Flowable]:
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
        *padding(ctx.layout.forms.photo_padding),
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


def card(form: Form, leaflet: Leaflet, content: ConsentContent) -> list[Flowable]:
    """The aftercare card: on one page inside a dashed cut line when it fits (shrunk no further
    than clear print allows), otherwise (a long aftercare list, large print, A5) as plain pages
    in the same order."""
    ctx, lab, styles = form.ctx, form.labels, form.ctx.styles
    L = ctx.layout
    inner_width = form.width - 20
    cut_note = form.para(lab["card_cut"], form.note_style)
    frame = frame_height(L)
    cut_padding = L.forms.panel_padding  # inside the dashed cut line
    available = frame - flow_height([cut_note, Spacer(1, 4)], form.width, frame) - 2 * cut_padding - 2
    framed = _card_body(form, leaflet, content, inner_width, columns=True)
    # shrink only as far as clear print allows (12pt, or the layout's text.min_size)
    floor = max(12.0, L.text.min_size) / styles.body.fontSize
    if flow_height(framed, inner_width, available) * min(floor, 1.0) <= available:
        fitted = KeepInFrame(inner_width, available, framed, mode="shrink")
        return [cut_note, Spacer(1, 4), CutFrame(fitted, L.footer.colour, cut_padding)]
    return [Outlined(form.para(lab.fmt("card_title", treatment=leaflet.treatment), styles.headings[2]), "card-title",
                     lab["part_card"], 1)] + _card_body(form, leaflet, content, form.width, columns=False)[1:]


def _card_body(form: Form, leaflet: Leaflet, content: ConsentContent, width: float, columns: bool) -> list[Flowable]:
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
                *padding(L.forms.warning_padding),
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
    list_row = side_by_side(ctx, [[form.bullets(first, item)], [form.bullets(second, item)] if second else [Spacer(1, 1)]], [half + 12, half])
    side = width * 0.4  # the code and its link beside the warning signs
    bottom = side_by_side(ctx, [[warning_box(width - side - 12)], [call, booking_stack(form, side)]], [width - side, side])
    return [*head, list_row, Spacer(1, 6), bottom]


def _balanced(items: tuple[Element, ...]) -> tuple[tuple[Element, ...], tuple[Element, ...]]:
    """Split a list in two columns of about the same amount of text, keeping the order."""
    sizes = [len(text_of(li)) + 40 for li in items]  # 40: each item's own line and gap
    total, running = sum(sizes), 0
    for i, size in enumerate(sizes):
        running += size
        if running >= total / 2:
            return items[: i + 1], items[i + 1 :]
    return items, ()
