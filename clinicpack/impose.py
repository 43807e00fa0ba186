"""Booklet imposition: finished pages placed two to a sheet in saddle-stitch order.

The leaflet is first rendered page by page at its own size (A5), with its own "Page N of M";
only then are the pages placed on sheets. So page numbers count the leaflet's pages, never
the blank pages added to make a multiple of four, and the text is never scaled.

pypdf does the placing (it copies each page's drawing commands onto the sheet, moved, and
clipped to the page's own area): ReportLab cannot read a PDF back, and PDFium renders but does
not write. The sheet's own furniture (crop and fold marks) is drawn by the renderer.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, RectangleObject

from .layout import MM, Layout


def padded_count(pages: int) -> int:
    """Pages in a saddle-stitched booklet: a multiple of four (one sheet folded = four pages)."""
    return max(4, (pages + 3) // 4 * 4)


def saddle_stitch_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers for each sheet side, in print order: sheet 1 front, sheet 1
    back, sheet 2 front... Numbers above ``pages`` are blank. For 8 pages:
    [(8, 1), (2, 7), (6, 3), (4, 5)]."""
    total = padded_count(pages)
    sides = []
    for sheet in range(total // 4):
        sides.append((total - 2 * sheet, 2 * sheet + 1))  # front: last | first
        sides.append((2 * sheet + 2, total - 2 * sheet - 1))  # back: second | last but one
    return sides


def impose_booklet(
    pdf: bytes,
    page_trim: tuple[float, float],
    page_bleed: float,
    sheet_media: tuple[float, float],
    spread_origin: tuple[float, float],
    marks: bytes | None = None,
    boxes: bool = False,
) -> bytes:
    """Place the pages of ``pdf`` (each ``page_trim`` plus ``page_bleed`` on every side) two up.

    ``spread_origin`` is where the bottom-left corner of the two-page spread's trim goes on
    the ``sheet_media``-sized sheet. Each page keeps its bleed on the outer edges (left page:
    left, top, bottom; right page: right, top, bottom) and is cut at the fold, so neither
    page's colour runs onto its neighbour. ``marks``: a one-page PDF of crop/fold marks laid
    over every sheet. ``boxes``: write TrimBox/BleedBox for the spread (print-ready files).
    """
    reader = PdfReader(io.BytesIO(pdf))
    count = len(reader.pages)
    w, h = page_trim
    b = page_bleed
    sx, sy = spread_origin
    writer = PdfWriter()
    marks_page = PdfReader(io.BytesIO(marks)).pages[0] if marks else None
    for left, right in saddle_stitch_order(count):
        sheet = writer.add_blank_page(*sheet_media)
        for slot, number in enumerate((left, right)):
            if number > count:
                continue  # a blank page
            page = reader.pages[number - 1]
            # clip in the page's own coordinates: its trim starts at (b, b)
            x0 = 0.0 if slot == 0 else b
            x1 = b + w if slot == 0 else 2 * b + w
            page.cropbox = RectangleObject((x0, 0.0, x1, 2 * b + h))
            tx = sx + slot * w - b
            sheet.merge_transformed_page(page, Transformation().translate(tx, sy - b), over=True)
        if marks_page is not None:
            sheet.merge_page(marks_page)
        sheet.compress_content_streams()  # pypdf leaves merged drawing commands uncompressed
        if boxes:
            sheet.trimbox = RectangleObject((sx, sy, sx + 2 * w, sy + h))
            sheet.bleedbox = RectangleObject((sx - b, sy - b, sx + 2 * w + b, sy + h + b))
    _copy_metadata(reader, writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _copy_metadata(reader: PdfReader, writer: PdfWriter) -> None:
    info = reader.metadata or {}
    writer.add_metadata({k: str(v) for k, v in info.items()})
    lang = reader.trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = lang


MarksMaker = Callable[[tuple[float, float], tuple[float, float], tuple[float, float], float, tuple[float, ...]], bytes]


def booklet(pdf: bytes, layout: Layout, marks_maker: MarksMaker) -> bytes:
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
        marks = marks_maker(media, (o, o), (2 * w, h), b, (w,)) if layout.print.crop_marks else None
        return impose_booklet(pdf, (w, h), b, media, (o, o), marks, boxes=True)
    sw, sh = layout.sheet_size
    return impose_booklet(pdf, (w, h), 0.0, (sw, sh), ((sw - 2 * w) / 2, (sh - h) / 2))
