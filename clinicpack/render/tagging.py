"""Tagged PDF: a structure tree, marked content and artifacts, for screen readers and reflow.

ReportLab writes no structure of its own, so this module adds it in three small seams:

1. While the story is built, each handler makes structure nodes (``Node``) in the leaflet's
   logical order and ``tag()`` ties a leaf flowable (a paragraph, a picture, a QR code) to its
   node. Order in the tree is the order of the Markdown, whatever order or direction the
   glyphs are drawn in (right-to-left tables are drawn mirrored, read in order).
2. The page canvas (``TaggingCanvas``, mixed into the page canvas in ``page.py``) brackets
   each tagged flowable's drawing in ``/P <</MCID n>> BDC ... EMC`` and wraps *everything
   else* it drew (backgrounds, rules, bands, bullets of untagged lists, the header and footer
   drawn at save time, crop marks) in ``/Artifact``. Artifact is the default, so nothing can
   be left untagged by accident; a flowable drawn a second time (a table's header row repeated
   on a later page) is drawn as an artifact and read once.
3. At save, the canvas writes the StructTreeRoot, ParentTree, ``/MarkInfo``, the pages'
   ``/StructParents`` and ``/Tabs /S``, ``/ViewerPreferences /DisplayDocTitle`` and an XMP
   packet with the title through ReportLab's own pdfdoc objects, in one pass: no re-reading of
   the finished bytes (cheap, and the bytes stay reproducible because every name is a counter).

Links: every link annotation made while a node is open becomes a ``Link`` element (one per
address) holding an ``/OBJR`` to the annotation, which gets ``/StructParent`` and a
``/Contents`` description.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFPage,
    PDFString,
)

from .escaping import escape

PAGE_KEYS = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]


class Node:
    """One structure element. ``kids`` holds nodes and marked-content references in order."""

    __slots__ = ("role", "parent", "kids", "attrs", "links", "keep", "_ref")

    def __init__(self, role: str, parent: Node | None = None, **attrs: Any) -> None:
        self.role = role
        self.parent = parent
        self.kids: list[Any] = []  # Node | ("mc", page, mcid) | ("objr", page, annotation)
        self.attrs = {k: v for k, v in attrs.items() if v not in (None, "")}
        self.links: dict[str, str] = {}  # address -> the text that carries it (for /Contents)
        self.keep = False  # kept even without content (a slot filled in later by the stamper)
        if parent is not None:
            parent.kids.append(self)

    def add(self, role: str, **attrs: Any) -> Node:
        return Node(role, self, **attrs)

    def iter(self) -> Iterator[Node]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.iter()

    def has_content(self) -> bool:
        return self.keep or any(not isinstance(k, Node) or k.has_content() for k in self.kids)

    def iter_content(self) -> Iterator[Node]:
        """The elements with content (or kept), parents before children: one pass, bottom-up."""
        found: list[Node] = []

        def visit(node: Node) -> bool:
            index = len(found)
            found.append(node)
            has = node.keep
            for kid in node.kids:
                has = (visit(kid) if isinstance(kid, Node) else True) or has
            if not has:
                del found[index:]
            return has

        visit(self)
        return iter(found)


def document(language: str) -> Node:
    """The root ``Document`` element of a new structure tree."""
    return Node("Document", Lang=language)


# ------------------------------------------------------------------ flowables


_TAGGED_CLASSES: dict[type, type] = {}


def _tagged_class(cls: type) -> type:
    """A subclass of ``cls`` whose drawing is marked content of its node, and whose split
    parts (a paragraph running onto the next page) belong to the same node."""
    if cls in _TAGGED_CLASSES:
        return _TAGGED_CLASSES[cls]

    def drawOn(self, canv, x, y, _sW=0):  # noqa: N802 (ReportLab's name)
        begin = getattr(canv, "tag_begin", None)
        if begin is None or self.__dict__.get("_tag_drawn"):
            return cls.drawOn(self, canv, x, y, _sW)  # a repeated header row: an artifact
        self.__dict__["_tag_drawn"] = True
        begin(self._tag_node)
        try:
            return cls.drawOn(self, canv, x, y, _sW)
        finally:
            canv.tag_end()

    def split(self, aw, ah):
        parts = cls.split(self, aw, ah)
        for part in parts:
            if part is not self and "_tag_node" not in part.__dict__:
                tag(part, self._tag_node)
        return parts

    sub = type("Tagged" + cls.__name__, (cls,), {"drawOn": drawOn, "split": split})
    _TAGGED_CLASSES[cls] = sub
    return sub


_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def logical_text(texts: list[str]) -> str:
    """Text as read (what ``/ActualText`` gives a screen reader): bidi controls out, white space single."""
    return " ".join("".join(texts).translate(_BIDI_CONTROLS).replace("\u2028", " ").split())


def tag(flowable: Any, node: Node | None) -> Any:
    """Make ``flowable``'s drawing the content of ``node`` (no-op without a node)."""
    if node is None or getattr(flowable, "drawOn", None) is None:
        return flowable
    # object.__setattr__: ReportLab drawings check attribute names in their own __setattr__
    object.__setattr__(flowable, "__class__", _tagged_class(type(flowable)))
    flowable.__dict__["_tag_node"] = node
    return flowable


class _TaggedBullet:
    """A list marker drawn as the content of its item's ``Lbl`` element."""

    def __init__(self, inner: Any, node: Node) -> None:
        self.__dict__.update(_inner=inner, _node=node)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def drawOn(self, indenter, canv, x, y, _sW=0):  # noqa: N802
        begin = getattr(canv, "tag_begin", None)
        if begin is None:
            return self._inner.drawOn(indenter, canv, x, y, _sW)
        begin(self._node)
        try:
            return self._inner.drawOn(indenter, canv, x, y, _sW)
        finally:
            canv.tag_end()


def tag_list_labels(list_flowable: Any, labels: list[Node | None]) -> Any:
    """Tie each item's marker (bullet or number) of a ReportLab list to its ``Lbl`` node."""
    bullets = [f for f in list_flowable._content if getattr(f, "_bullet", None) is not None]
    for indenter, label in zip(bullets, labels):
        if label is not None:
            indenter._bullet = _TaggedBullet(indenter._bullet, label)
    return list_flowable


# ------------------------------------------------------------------ the canvas


class TaggingCanvas:
    """Mixed into the page canvas: marked content, artifacts, links and the structure tree.

    Per page, ``_tag_mark`` is the position in the page's code up to which everything is
    already inside a marked-content sequence; whatever follows it when a tagged flowable
    starts (or the page ends) is wrapped as an artifact.
    """

    tag_root: Node | None = None
    tag_meta: dict[str, str] = {}

    def tag_setup(self, root: Node | None, title: str) -> None:
        self.tag_root = root
        self.tag_meta = {"title": title}
        self._tag_stack: list[Node] = []
        self._tag_mcids: dict[int, list[Node]] = {}  # page -> node of each MCID
        self._tag_annots: list[tuple[PDFDictionary, Node]] = []
        self._tag_mark = 0

    # ---- marked content

    def _tag_artifact(self, kind: str = "") -> None:
        """Wrap what was drawn since the last marked sequence as an artifact (if anything)."""
        code = self._code
        if len(code) > self._tag_mark:
            code.insert(self._tag_mark, f"/Artifact <</Type /{kind}>> BDC" if kind else "/Artifact BMC")
            code.append("EMC")
        self._tag_mark = len(code)

    def _tag_open(self, node: Node) -> None:
        page = self._pageNumber
        mcids = self._tag_mcids.setdefault(page, [])
        props = f"/MCID {len(mcids)}"
        self._code.append(f"/{node.role} <<{props}>> BDC")
        node.kids.append(("mc", page, len(mcids)))
        mcids.append(node)

    def tag_begin(self, node: Node) -> None:
        if self.tag_root is None:
            return
        if self._tag_stack:  # nested: the outer sequence ends here and resumes afterwards
            self._code.append("EMC")
        else:
            self._tag_artifact()
        self._tag_stack.append(node)
        self._tag_open(node)

    def tag_end(self) -> None:
        if self.tag_root is None:
            return
        self._code.append("EMC")
        self._tag_stack.pop()
        if self._tag_stack:
            self._tag_open(self._tag_stack[-1])
        self._tag_mark = len(self._code)

    def tag_reserve(self, node: Node) -> int:
        """An MCID on the current page for content written later (the stamper's patient text)."""
        page = self._pageNumber
        mcids = self._tag_mcids.setdefault(page, [])
        node.kids.append(("mc", page, len(mcids)))
        node.keep = True
        mcids.append(node)
        return len(mcids) - 1

    @contextmanager
    def tag_pagination(self) -> Iterator[None]:
        """Header, footer, page numbers and crop marks: a pagination artifact."""
        if self.tag_root is None:
            yield
            return
        self._tag_artifact()
        yield
        self._tag_artifact("Pagination")

    def tag_page_end(self) -> None:
        """Call before a page's code is put aside; ``_startPage`` gives the next page fresh code."""
        if self.tag_root is not None:
            self._tag_artifact()

    # ---- links

    def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None, kind="URI", **kw):  # noqa: N802
        self._tag_url = url
        return super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)  # type: ignore[misc]

    def _addAnnotation(self, annotation, name=None, addtopage=1):  # noqa: N802
        if self.tag_root is not None and addtopage:
            url = getattr(self, "_tag_url", "") or ""
            self._tag_url = ""
            owner = self._tag_stack[-1] if self._tag_stack else self.tag_root
            link = next((k for k in owner.kids if isinstance(k, Node) and k.role == "Link" and k.attrs.get("_url") == url), None)
            if link is None:
                link = owner.add("Link", _url=url)
            text = owner.links.get(url, "")
            contents = f"{text} ({url})" if text and text.strip() != url else f"Link: {url}"
            link.attrs.setdefault("Alt", contents)
            annotation["Contents"] = PDFString(contents)
            super()._addAnnotation(annotation, name, addtopage)  # type: ignore[misc]
            link.kids.append(("objr", self._pageNumber, self._annotationrefs[-1].name))
            self._tag_annots.append((annotation, link))
            return
        super()._addAnnotation(annotation, name, addtopage)  # type: ignore[misc]

    def _setAnnotations(self, page):  # noqa: N802
        super()._setAnnotations(page)  # type: ignore[misc]
        if self.tag_root is not None:
            page.__NoDefault__ = PAGE_KEYS
            page.StructParents = self._pageNumber - 1
            page.Tabs = PDFName("S")

    # ---- the tree, written once at save

    def tag_write(self) -> None:
        if self.tag_root is None:
            return
        _StructWriter(self._doc, self._tag_mcids, self._tag_annots).write(self.tag_root, self.tag_meta["title"])


class _StructWriter:
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
    first_page = next((k[1] for k in node.kids if not isinstance(k, Node)), None)
    kids = []
    for kid in node.kids:
        if isinstance(kid, Node):
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
        out.append("/A<<" + "".join(f"/{k}/{v}" for k, v in node.attrs["A"].items()) + ">>")
    return "".join(out) + ">>"


def pdf_text(text: str) -> str:
    """A PDF text string: literal if plain ASCII, else UTF-16BE with its byte order mark."""
    if text.isascii() and text.isprintable():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


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


