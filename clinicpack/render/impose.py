"""Booklet imposition: finished pages placed two to a sheet in saddle-stitch order.

The leaflet is first rendered page by page at its own size (A5), with its own "Page N of M";
only then are the pages placed on sheets. So page numbers count the leaflet's pages, never
the blank pages added to make a multiple of four, and the text is never scaled.

pypdf does the placing (each page becomes a Form XObject drawn on the sheet, moved and
clipped to the page's own area): ReportLab cannot read a PDF back, and PDFium renders but does
not write. The sheet's own furniture (crop and fold marks) is drawn by ``page.marks_pdf``.
"""

from __future__ import annotations

import io
from dataclasses import field

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    RectangleObject,
)

from ..codecache import dataclass
from ..layout import MM, Layout
from .page import marks_pdf


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
    placed: dict[int, tuple[IndirectObject, IndirectObject, tuple[float, float]]] = {}  # page index -> (sheet, form, offset): for the structure tree
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
            form = _form(writer, reader.pages[number - 1], clip)
            forms[NameObject(name)] = form
            offset = (round(sx + slot * w - b, 4), round(sy - b, 4))
            placed[number - 1] = (sheet.indirect_reference, form, offset)
            ops.append(f"q 1 0 0 1 {offset[0]:.4f} {offset[1]:.4f} cm {name} Do Q")
        if marks_form is not None:
            forms[NameObject("/Marks")] = marks_form
            ops.append("/Artifact BMC q /Marks Do Q EMC")  # the sheet's crop and fold marks
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): forms})
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode("ascii"))
        sheet[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        if boxes:
            sheet.trimbox = RectangleObject((sx, sy, sx + 2 * w, sy + h))
            sheet.bleedbox = RectangleObject((sx - b, sy - b, sx + 2 * w + b, sy + h + b))
    _copy_metadata(reader, writer)
    copy_structure(reader, writer, placed)
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
    if "/StructParents" in page:  # its marked content keeps its structure parents (see copy_structure)
        form[NameObject("/StructParents")] = page["/StructParents"]
    return writer._add_object(form)


def _copy_metadata(reader: PdfReader, writer: PdfWriter) -> None:
    info = reader.metadata or {}
    writer.add_metadata({k: str(v) for k, v in info.items()})
    root = reader.trailer["/Root"]
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):  # a tagged leaflet's catalog entries
        if key in root:
            writer.root_object[NameObject(key)] = root.raw_get(key).clone(writer)


@dataclass
class _TreeCopy:
    """Copies one leaflet's structure tree onto the imposed sheets (see ``copy_structure``)."""

    writer: PdfWriter
    placed: dict[int, tuple[IndirectObject, IndirectObject, tuple[float, float]]]  # page index -> (sheet, form, where the form is drawn)
    page_of: dict[int, int]  # the A5 page's object number -> its index
    copied: dict[int, IndirectObject] = field(default_factory=dict)  # old element's object number -> its copy

    def marked(self, kid: object, page: object) -> DictionaryObject | None:
        """A marked-content reference (an MCID, or an MCR dictionary) as a reference into the form
        that now draws ``page``; None for an /OBJR (its annotation is not on the sheet)."""
        if isinstance(kid, DictionaryObject):
            if kid.get("/Type") != "/MCR":
                return None
            page, kid = kid.raw_get("/Pg"), kid["/MCID"]
        sheet, form, _ = self.placed[self.page_of[page.idnum]]
        return DictionaryObject({NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): sheet,
                                 NameObject("/Stm"): form, NameObject("/MCID"): kid})

    def element(self, ref: IndirectObject, parent: IndirectObject) -> IndirectObject | None:
        """A copy of the element ``ref`` and its kids under ``parent``; None for a Link with only
        its annotation (which is not on the sheet)."""
        elem = ref.get_object()
        kids = _kids(elem)
        if kids and all(isinstance(k, DictionaryObject) and k.get("/Type") == "/OBJR" for k in kids):
            return None
        new = DictionaryObject({NameObject(k): v.clone(self.writer) if hasattr(v, "clone") else v for k, v in elem.items()
                                if k in _KEPT_KEYS})
        if elem.get("/S") == "/Link":
            new[NameObject("/S")] = NameObject("/Span")  # its text stays, but on paper it is no longer a link
        new_ref = self.writer._add_object(new)
        new[NameObject("/P")] = parent
        out = self.kids(kids, elem, new_ref)
        new[NameObject("/K")] = out
        first = next((k.raw_get("/Pg") for k in out if isinstance(k, DictionaryObject)), None)  # the sheet, by reference
        if first is not None:
            new[NameObject("/Pg")] = first
        if "/A" in new and "/BBox" in new["/A"] and "/Pg" in elem:  # a figure's box: on the sheet, where its page now is
            dx, dy = self.placed[self.page_of[elem.raw_get("/Pg").idnum]][2]
            box = new["/A"]["/BBox"]
            new["/A"][NameObject("/BBox")] = ArrayObject(FloatObject(round(float(v) + (dx, dy)[i % 2], 2)) for i, v in enumerate(box))
        self.copied[ref.idnum] = new_ref
        return new_ref

    def kids(self, kids: ArrayObject, elem: DictionaryObject, new_ref: IndirectObject) -> ArrayObject:
        """The copied kids of ``elem``: child elements and marked-content references, in order."""
        out = ArrayObject()
        page = elem.raw_get("/Pg") if "/Pg" in elem else None
        for kid in kids:
            copy = self.element(kid, new_ref) if isinstance(kid, IndirectObject) else self.marked(kid.get_object(), page)
            if copy is not None:
                out.append(copy)
        return out

    def parent_tree(self, tree: DictionaryObject) -> DictionaryObject:
        """The parent tree with the copied elements: a page's MCIDs kept; an annotation's single Link dropped."""
        nums = tree["/ParentTree"].get_object()["/Nums"]
        entries = ArrayObject()
        for key, value in zip(nums[::2], nums[1::2]):
            value = value.get_object()
            if isinstance(value, ArrayObject):
                entries += [key, ArrayObject(self.copied.get(v.idnum, NullObject()) for v in value)]
        return DictionaryObject({NameObject("/Nums"): entries})


_KEPT_KEYS = ("/Type", "/S", "/Alt", "/ActualText", "/Lang", "/T", "/E", "/A")  # what an element keeps (its /P, /K, /Pg are new)


def _kids(elem: DictionaryObject) -> ArrayObject:
    kids = elem.raw_get("/K") if "/K" in elem else ArrayObject()
    return kids if isinstance(kids, ArrayObject) else ArrayObject([kids])


def copy_structure(reader: PdfReader, writer: PdfWriter, placed: dict[int, tuple[IndirectObject, IndirectObject, tuple[float, float]]]) -> None:
    """The leaflet's structure tree on the imposed sheets, in the A5 pages' reading order.

    Each page's content now lives in a Form XObject on some sheet, so every marked-content
    reference becomes ``<< /Type /MCR /Pg sheet /Stm form /MCID n >>``; the form keeps the page's
    ``/StructParents`` key and the parent tree keeps its page entries. Link annotations are not
    imposed (a printed sheet has none), so their ``/OBJR`` entries and empty ``Link`` elements go;
    a ``Link`` with text becomes a ``Span`` holding that text.
    """
    tree = reader.trailer["/Root"].get("/StructTreeRoot")
    if tree is None:
        return
    tree = tree.get_object()
    copier = _TreeCopy(writer, placed, {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)})
    new_root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(new_root)
    top = tree.raw_get("/K")
    new_root[NameObject("/K")] = copier.element(top if isinstance(top, IndirectObject) else top[0], root_ref)
    new_root[NameObject("/ParentTree")] = copier.parent_tree(tree)
    new_root[NameObject("/ParentTreeNextKey")] = NumberObject(len(reader.pages))
    writer.root_object[NameObject("/StructTreeRoot")] = root_ref


def booklet(pdf: bytes, layout: Layout, rtl: bool = False) -> bytes:
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
        marks = marks_pdf(media, (o, o), (2 * w, h), b, (w,), layout.print.colour) if layout.print.crop_marks else None
        return impose_booklet(pdf, (w, h), b, media, (o, o), marks, boxes=True, rtl=rtl)
    sw, sh = layout.sheet_size
    return impose_booklet(pdf, (w, h), 0.0, (sw, sh), ((sw - 2 * w) / 2, (sh - h) / 2), rtl=rtl)
