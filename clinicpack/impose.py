"""Booklet imposition: finished pages placed two to a sheet in saddle-stitch order.

The leaflet is first rendered page by page at its own size (A5), with its own "Page N of M";
only then are the pages placed on sheets. So page numbers count the leaflet's pages, never
the blank pages added to make a multiple of four, and the text is never scaled.

pypdf does the placing (each page becomes a Form XObject drawn on the sheet, moved and
clipped to the page's own area): ReportLab cannot read a PDF back, and PDFium renders but does
not write. The sheet's own furniture (crop and fold marks) is drawn by the renderer.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    RectangleObject,
)

from .layout import MM, Layout


def padded_count(pages: int) -> int:
    """Pages in a saddle-stitched booklet: a multiple of four (one sheet folded = four pages)."""
    return max(4, (pages + 3) // 4 * 4)


def saddle_stitch_order(pages: int, rtl: bool = False) -> list[tuple[int, int]]:
    """(left, right) page numbers for each sheet side, in print order: sheet 1 front, sheet 1
    back, sheet 2 front... Numbers above ``pages`` are blank. For 8 pages:
    [(8, 1), (2, 7), (6, 3), (4, 5)].

    A right-to-left booklet (Urdu) is bound on the right: it opens the other way, so every
    side is mirrored and the first page is the left half of the first sheet.
    """
    total = padded_count(pages)
    sides = []
    for sheet in range(total // 4):
        sides.append((total - 2 * sheet, 2 * sheet + 1))  # front: last | first
        sides.append((2 * sheet + 2, total - 2 * sheet - 1))  # back: second | last but one
    return [(right, left) for left, right in sides] if rtl else sides


def impose_booklet(
    pdf: bytes,
    page_trim: tuple[float, float],
    page_bleed: float,
    sheet_media: tuple[float, float],
    spread_origin: tuple[float, float],
    marks: bytes | None = None,
    boxes: bool = False,
    rtl: bool = False,
) -> bytes:
    """Place the pages of ``pdf`` (each ``page_trim`` plus ``page_bleed`` on every side) two up.

    ``spread_origin`` is where the bottom-left corner of the two-page spread's trim goes on
    the ``sheet_media``-sized sheet. Each page keeps its bleed on the outer edges (left page:
    left, top, bottom; right page: right, top, bottom) and is cut at the fold, so neither
    page's colour runs onto its neighbour. ``marks``: a one-page PDF of crop/fold marks laid
    over every sheet. ``boxes``: write TrimBox/BleedBox for the spread (print-ready files).

    Each page becomes a Form XObject (its drawing commands untouched, clipped by its /BBox)
    that the sheet draws at an offset: no content is parsed or rewritten, so imposing a
    page of shaped Nastaliq costs no more than a page of Latin text.
    """
    reader = PdfReader(io.BytesIO(pdf))
    count = len(reader.pages)
    w, h = page_trim
    b = page_bleed
    sx, sy = spread_origin
    writer = PdfWriter()
    marks_form = _form(writer, PdfReader(io.BytesIO(marks)).pages[0], (0.0, 0.0, *sheet_media)) if marks else None
    for left, right in saddle_stitch_order(count, rtl):
        sheet = writer.add_blank_page(*sheet_media)
        forms = DictionaryObject()
        ops = []
        for slot, number in enumerate((left, right)):
            if number > count:
                continue  # a blank page
            # clip in the page's own coordinates, where its trim starts at (b, b)
            clip = (0.0, 0.0, b + w, 2 * b + h) if slot == 0 else (b, 0.0, 2 * b + w, 2 * b + h)
            name = f"/Page{number}"
            forms[NameObject(name)] = _form(writer, reader.pages[number - 1], clip)
            ops.append(f"q 1 0 0 1 {sx + slot * w - b:.4f} {sy - b:.4f} cm {name} Do Q")
        if marks_form is not None:
            forms[NameObject("/Marks")] = marks_form
            ops.append("q /Marks Do Q")
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): forms})
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode("ascii"))
        sheet[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        if boxes:
            sheet.trimbox = RectangleObject((sx, sy, sx + 2 * w, sy + h))
            sheet.bleedbox = RectangleObject((sx - b, sy - b, sx + 2 * w + b, sy + h + b))
    _copy_metadata(reader, writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _form(writer: PdfWriter, page: PageObject, bbox: tuple[float, float, float, float]) -> IndirectObject:
    """``page`` as a Form XObject in ``writer``, showing only ``bbox`` (in the page's coordinates)."""
    contents = page.get("/Contents")
    streams = contents.get_object() if contents is not None else ArrayObject()
    streams = list(streams) if isinstance(streams, ArrayObject) else [contents]
    form = DecodedStreamObject()
    form.set_data(b"\n".join(s.get_object().get_data() for s in streams))
    form = form.flate_encode()
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in bbox),
        NameObject("/Resources"): page["/Resources"].get_object().clone(writer),
    })
    return writer._add_object(form)


def _copy_metadata(reader: PdfReader, writer: PdfWriter) -> None:
    info = reader.metadata or {}
    writer.add_metadata({k: str(v) for k, v in info.items()})
    lang = reader.trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = lang


MarksMaker = Callable[[tuple[float, float], tuple[float, float], tuple[float, float], float, tuple[float, ...], str], bytes]


def booklet(pdf: bytes, layout: Layout, marks_maker: MarksMaker, rtl: bool = False) -> bytes:
    """Impose a rendered leaflet as the layout says.

    Office printing (not print-ready): the spread is centred on the layout's sheet (A4
    landscape for A5 pages). Print-ready: the sheet is the spread plus bleed plus room for crop
    and fold marks, with TrimBox and BleedBox, as a print shop expects.
    """
    w, h = layout.page_size
    if layout.print.ready:
        b = layout.print.bleed
        o = max(b, 3 * MM) + 7 * MM if layout.print.crop_marks else b
        media = (2 * w + 2 * o, h + 2 * o)
        marks = marks_maker(media, (o, o), (2 * w, h), b, (w,), layout.print.colour) if layout.print.crop_marks else None
        return impose_booklet(pdf, (w, h), b, media, (o, o), marks, boxes=True, rtl=rtl)
    sw, sh = layout.sheet_size
    return impose_booklet(pdf, (w, h), 0.0, (sw, sh), ((sw - 2 * w) / 2, (sh - h) / 2), rtl=rtl)
