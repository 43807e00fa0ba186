"""The PDF object reader and writer the stamper works on: split a ReportLab PDF into its
object bodies, find its pages and shared font dictionary, and write objects back with a new
cross-reference table.

Why not pypdf: stamping runs once per patient and must cost milliseconds; a pack's objects are
kept as pre-serialised bytes, and only the few that change per patient are framed again. This
reader accepts only what ReportLab writes (a classic cross-reference table, one object after
another) and says so with ``TemplateError`` otherwise.
"""

from __future__ import annotations

import itertools
import re


class TemplateError(Exception):
    """The template PDF is not in the shape this stamper writes (a programming error)."""


def stream(data: bytes, extra: str = "") -> bytes:
    """A stream object's body: its dictionary (with ``extra`` entries) and ``data``."""
    return f"<< /Length {len(data)} {extra} >>\nstream\n".encode() + data + b"\nendstream"


def frame(number: int, body: bytes) -> bytes:
    """Object ``number`` as it stands in the file."""
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


_OBJECT_HEAD = re.compile(rb"(\d+) 0 obj\n?")


def parse_pdf(pdf: bytes) -> tuple[bytes, list[bytes], int, int, bytes]:
    """Split a ReportLab PDF into its header and object bodies (index = object number)."""
    xref_at = int(re.search(rb"startxref\s+(\d+)", pdf[-200:]).group(1))
    m = re.match(rb"xref\s+0 (\d+)\s+", pdf[xref_at:])
    if not m:
        raise TemplateError("no classic cross-reference table")
    count = int(m.group(1))
    table = pdf[xref_at + m.end() : xref_at + m.end() + 20 * count]
    offsets = [int(table[i * 20 : i * 20 + 10]) for i in range(count)]
    order = sorted(range(1, count), key=lambda n: offsets[n])
    bodies: list[bytes] = [b""] * count
    for i, number in enumerate(order):
        start = offsets[number]
        end = offsets[order[i + 1]] if i + 1 < len(order) else xref_at
        chunk = pdf[start:end]
        head = _OBJECT_HEAD.match(chunk)
        if not head or int(head.group(1)) != number:
            raise TemplateError(f"object {number} is not where the cross-reference table says")
        body = chunk[head.end() :].rstrip()
        if not body.endswith(b"endobj"):
            raise TemplateError(f"object {number} does not end with endobj")
        bodies[number] = body[: -len(b"endobj")].rstrip(b"\r\n")
    trailer = pdf[xref_at + m.end() + 20 * count :]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    id_match = re.search(rb"/ID\s*\[\s*<([0-9a-fA-F]+)>", trailer)
    header = pdf[: offsets[order[0]]]
    return header, bodies, root, info, id_match.group(1) if id_match else b""


def page_objects(bodies: list[bytes], root: int) -> list[int]:
    """The page objects' numbers in reading order (the page tree walked depth first)."""
    pages_ref = int(re.search(rb"/Pages (\d+) 0 R", bodies[root]).group(1))
    out: list[int] = []

    def walk(number: int) -> None:
        body = bodies[number]
        kids = re.search(rb"/Kids \[([^\]]*)\]", body)
        if kids and b"/Pages" in body:
            for ref in re.findall(rb"(\d+) 0 R", kids.group(1)):
                walk(int(ref))
        else:
            out.append(number)

    walk(pages_ref)
    return out


def font_resource_object(bodies: list[bytes], page: int) -> int:
    """The font dictionary ``page`` shares with every page (ReportLab writes one); the stamper adds its fonts there."""
    m = re.search(rb"/Font (\d+) 0 R", bodies[page])
    if not m:
        raise TemplateError("the first page has no shared font dictionary")
    return int(m.group(1))


def link_annotation(url: str, rect: tuple[float, float, float, float], contents: str = "", struct_parent: int | None = None) -> bytes:
    """A link annotation that opens ``url`` when its area is tapped, with no border drawn;
    ``contents`` describes it (a screen reader reads it), ``struct_parent`` is its key in the
    structure tree's parent tree (a tagged pack)."""
    escaped = url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    x0, y0, x1, y1 = rect
    extra = f" /Contents {text_string(contents)}" if contents else ""
    if struct_parent is not None:
        extra += f" /StructParent {struct_parent}"
    return (f"<< /Type /Annot /Subtype /Link /Rect [ {x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f} ] /Border [ 0 0 0 ] "
            f"/A << /S /URI /Type /Action /URI ({escaped}) >>{extra} >>").encode("latin-1")


def text_string(text: str) -> str:
    """A PDF text string: literal if plain printable ASCII, else UTF-16BE with its byte order mark."""
    if text.isascii() and text.isprintable():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def with_annotations(page: bytes, numbers: list[int]) -> bytes:
    """The page dictionary with the annotation objects ``numbers`` added to its /Annots."""
    if not numbers:
        return page
    refs = " ".join(f"{n} 0 R" for n in numbers).encode()
    if re.search(rb"/Annots \[", page):
        return re.sub(rb"/Annots \[", b"/Annots [ " + refs, page, count=1)
    if re.search(rb"/Annots \d+ 0 R", page):
        raise TemplateError("a page's annotations are in a separate object")
    return page.replace(b"<<", b"<< /Annots [ " + refs + b" ]", 1)


def write_pdf(header: bytes, chunks: list[bytes], root: int, info: int, file_id: str) -> bytes:
    """The file from ``header`` and framed objects ``chunks`` (numbered from 1), with its
    cross-reference table and trailer.

    Whole-list operations (offsets by accumulate, the xref table in one formatting call): a
    tagged pack has a couple of thousand objects, and this runs once per patient.
    """
    offsets = list(itertools.accumulate(map(len, chunks), initial=len(header)))
    pos = offsets.pop()
    size = len(offsets) + 1
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % size + (b"%010d 00000 n \n" * len(offsets)) % tuple(offsets)
    trailer = (
        f"trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R /ID [<{file_id}><{file_id}>] >>\n"
        f"startxref\n{pos}\n%%EOF\n"
    ).encode()
    return b"".join([header, *chunks, xref, trailer])
