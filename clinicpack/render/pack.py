"""The consent pack's pages, laid out once per batch with every patient field left as a slot.

Parts, in order: cover and booking page, the leaflet itself, the health check (from the
leaflet's contraindications), the consent form twice (clinic copy, patient copy) and the
aftercare card. Every word of form wording comes from the labels file; every medical word
comes from the leaflet. The result is a template: PDF bytes plus where each slot landed.
The parts are built in ``pack_parts`` from the widgets of ``form_kit``; here they are put in
order, given their page furniture (``PartDecorator``) and laid out.
"""

from __future__ import annotations

import dataclasses

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak

from ..brand import Brand
from ..codecache import dataclass
from ..consent import ConsentContent
from ..labels import Labels
from ..layout import Layout
from ..leaflet import Leaflet
from . import leaflet_story, page_info, prepare
from .form_kit import Form
from .forms import PartStart, SlotPosition, SlotRecorder
from .pack_parts import card, checklist, consent_form, cover
from .page import Decorator, PageInfo, PdfMeta, PrintGeometry, build_pdf
from .safety import laid_out
from .tagging import document

PARTS = ("cover", "leaflet", "checklist", "consent_clinic", "consent_patient", "card")
# The name in the page header identifies a loose page, like a hospital label; a long name may
# go smaller there (the full-size name is on the form itself), even in a large-print layout.
HEADER_MIN_SIZE = 7.0
FORM_PARTS = ("checklist", "consent_clinic", "consent_patient")  # the clinic's paperwork: patient named on every page


@dataclass(frozen=True)
class PackTemplate:
    """The shared pages of one leaflet's consent pack and the slots each patient fills."""

    pdf: bytes
    slots: tuple[SlotPosition, ...]
    part_pages: tuple[tuple[str, int, int], ...]  # (part, first page, last page), 1-based
    font_file: tuple[str, ...]  # TrueType files the slots are written in, preferred first
    shaping: bool = False  # right-to-left packs: values are shaped and bidi-ordered when stamped


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
    form = Form(
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
            d.draw_text(canv, left + line + label_width, y, label, info.bold_font, size, "right")
            self.recorder.record_at("name", page, left + line - 2, y, line - 4, size + 1, "right", HEADER_MIN_SIZE)
        else:
            canv.line(right - line, y - 3, right, y - 3)
            d.draw_text(canv, right - line - label_width, y, label, info.bold_font, size, "left")
            self.recorder.record_at("name", page, right - line + 2, y, line - 4, size + 1, "left", HEADER_MIN_SIZE)
        canv.restoreState()

    def part_pages(self) -> tuple[tuple[str, int, int], ...]:
        return tuple((PARTS[i], *self.part_of(self.starts[i])[1:]) for i in sorted(self.starts))
