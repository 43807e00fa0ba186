"""Writing a tagged PDF's structure tree at save (see ``tagging``): the elements, the parent
tree, the catalog entries and the XMP metadata, as raw PDF objects in ReportLab's own pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFObject, PDFObjectReference

from .escaping import escape
from .pdfobjects import text_string

if TYPE_CHECKING:
    from .tagging import Node

pdf_text = text_string  # a PDF text string (literal, or UTF-16BE with its byte order mark)


class StructWriter:
    """Writes the tree as raw PDF objects: ReportLab's generic dictionary objects cost more
    to format than the rest of tagging together (a leaflet has hundreds of elements)."""

    def __init__(self, doc: Any, mcids: dict[int, list[Node]], annots: list[tuple[PDFDictionary, Node]]) -> None:
        self.doc, self.mcids, self.annots = doc, mcids, annots

    def write(self, root: Node, title: str) -> None:
        doc = self.doc
        nodes = list(root.iter_content()) or [root]
        for node in nodes:
            node.keep = True  # has content: known now, so each element lists its kids in one pass
        for number, node in enumerate(nodes, 1):
            node._ref = f"SE{number}"
        pages = doc.pageCounter - 1  # page N's key is N - 1; the annotations' keys follow
        for i, (annotation, _) in enumerate(self.annots):
            annotation["StructParent"] = pages + i
        nums: list[tuple[int, list[str] | str]] = [(page - 1, [n._ref for n in self.mcids.get(page, [])]) for page in range(1, pages + 1)]
        nums += [(pages + i, link._ref) for i, (_, link) in enumerate(self.annots)]
        doc.Reference(_Raw(_tree_root, (root._ref, nums)), "StructTreeRoot")
        for node in nodes:
            doc.Reference(_Raw(_element, (node, "StructTreeRoot" if node is root else node.parent._ref)), node._ref)
        catalog = doc.Catalog
        catalog.StructTreeRoot = PDFObjectReference("StructTreeRoot")
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        catalog.ViewerPreferences = PDFDictionary({"DisplayDocTitle": "true"})
        catalog.Metadata = xmp_stream(title, root.attrs.get("Lang", ""))


class _Raw(PDFObject):
    """An object whose text is made at format time, when object numbers are known."""

    def __init__(self, maker: Any, data: Any) -> None:
        self.maker, self.data = maker, data

    def format(self, document: Any) -> bytes:
        ids = document.idToObjectNumberAndVersion
        return self.maker(self.data, lambda name: "{} {} R".format(*ids[name])).encode("latin-1")


def _tree_root(data: tuple[str, list[tuple[int, list[str] | str]]], ref: Any) -> str:
    """A page's key maps to the elements of its MCIDs (an array); an annotation's to its Link."""
    root, nums = data
    entries = " ".join(f"{key} {ref(v) if isinstance(v, str) else '[' + ' '.join(ref(n) for n in v) + ']'}" for key, v in nums)
    return f"<< /Type /StructTreeRoot /K {ref(root)} /ParentTree << /Nums [{entries}] >> /ParentTreeNextKey {len(nums)} >>"


def _element(data: tuple[Node, str], ref: Any) -> str:
    node, parent = data
    first_page = next((k[1] for k in node.kids if isinstance(k, tuple)), None)
    kids = []
    for kid in node.kids:
        if not isinstance(kid, tuple):  # a child element
            if kid.keep:
                kids.append(ref(kid._ref))
        elif kid[0] == "mc":
            _, page, mcid = kid
            kids.append(str(mcid) if page == first_page else f"<< /Type /MCR /Pg {ref(f'Page{page}')} /MCID {mcid} >>")
        else:
            _, page, annotation = kid
            kids.append(f"<< /Type /OBJR /Pg {ref(f'Page{page}')} /Obj {ref(annotation)} >>")
    # compact: a pack has about a thousand elements, and every byte is copied for every patient
    # (/Type /StructElem is optional and left out)
    out = [f"<</S/{node.role}/P {ref(parent)}/K{' ' + kids[0] if len(kids) == 1 and kids[0].isdigit() else '[' + ' '.join(kids) + ']'}"]
    if first_page is not None:
        out.append(f"/Pg {ref(f'Page{first_page}')}")
    for key in ("Alt", "ActualText", "Lang", "T", "E"):
        if key in node.attrs:
            out.append(f"/{key}{pdf_text(node.attrs[key])}")
    if "A" in node.attrs:
        out.append("/A<<" + "".join(f"/{k}{_attribute(v)}" for k, v in node.attrs["A"].items()) + ">>")
    return "".join(out) + ">>"


def _attribute(value: Any) -> str:
    """An attribute's value: a name, or an array of numbers (a bounding box)."""
    if isinstance(value, list):
        return "[" + " ".join(f"{v:g}" for v in value) + "]"
    return f"/{value}"


def xmp_stream(title: str, language: str) -> PDFObject:
    """The XMP packet: the document title (PDF/UA asks for dc:title), no dates (reproducible)."""
    lang = escape(language or "x-default", {'"': "&quot;"})
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return _XmpStream(xml.encode("utf-8"))


class _XmpStream(PDFObject):
    """The metadata stream, unfiltered as XMP readers expect (ReportLab would write an empty
    /Filter array for a stream without filters)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(self.data) + self.data + b"\nendstream"


