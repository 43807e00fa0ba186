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
   packet with the title through ReportLab's own pdfdoc objects, in one pass (``struct_tree``):
   no re-reading of the finished bytes (cheap, and the bytes stay reproducible because every
   name is a counter).

Links: every link annotation made while a node is open becomes a ``Link`` element (one per
address) holding an ``/OBJR`` to the annotation, which gets ``/StructParent`` and a
``/Contents`` description, and the marked content of the link's printed text (ReportLab's
paragraph reports where a link starts and ends; the right-to-left engine calls ``tag_run``).
The stamper adds the booking link of each consent pack in the same way (``stamp_links``).
Right-to-left paragraphs: a run in another script (Latin letters in Urdu) is a ``Span`` with
its own ``/Lang``, and the paragraph's kids are put back in reading order. A ``Figure`` gets
its box on the page (``/A << /O /Layout /BBox [...] >>``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFPage, PDFString

from .struct_tree import StructWriter

PAGE_KEYS = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]


class Node:
    """One structure element. ``kids`` holds nodes and marked-content references in order."""

    __slots__ = ("role", "parent", "kids", "attrs", "links", "keep", "_ref")

    def __init__(self, role: str, parent: Node | None = None, **attrs: Any) -> None:
        self.role = role
        self.parent = parent
        self.kids: list[Any] = []  # Node | ("mc", page, mcid) | ("objr", page, annotation)
        self.attrs = {k: v for k, v in attrs.items() if v not in (None, "")}
        self.links: dict[str, list[str]] = {}  # address -> the words of each link to it, in order (for /Contents)
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
        if self._tag_node.role == "Figure":
            size = (self.width, self.height) if self.width and self.height else self.wrap(*canv._pagesize)  # (a flowable that only wraps)
            figure_box(canv, self._tag_node, self._hAlignAdjust(x, _sW), y, *size)
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


def figure_box(canv: Any, node: Node, x: float, y: float, width: float, height: float) -> None:
    """The figure's layout attribute ``/A << /O /Layout /BBox [...] >>``: where it is on the
    page, in page coordinates (the canvas may be translated or scaled, as inside a table cell)."""
    corners = [canv.absolutePosition(cx, cy) for cx in (x, x + width) for cy in (y, y + height)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    node.attrs["A"] = {"O": "Layout", "BBox": [round(v, 2) for v in (min(xs), min(ys), max(xs), max(ys))]}


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


# ------------------------------------------------------------------ right-to-left runs

LATIN_LANGUAGE = "en"  # Latin letters in a right-to-left leaflet: the clinic's addresses and names, in English


def script_runs(texts: list[str]) -> list[bool]:
    """For each glyph cluster of a right-to-left line (visual order, its characters in
    ``texts``): is it part of a left-to-right run (Latin letters, and the digits and
    punctuation between them, as in a web address)? Decided by script, never by words: a
    cluster with a strong left-to-right letter is; neutral ones (spaces, digits, ``/.:``) are
    when the nearest letters on both sides are."""
    strong: list[bool | None] = []
    for text in texts:
        classes = {unicodedata.bidirectional(ch) for ch in text}
        strong.append(True if "L" in classes else False if classes & {"R", "AL"} else None)
    out = list(strong)
    before: bool | None = None
    for i, value in enumerate(strong):
        if value is None:
            after = next((v for v in strong[i + 1 :] if v is not None), None)
            out[i] = bool(before and after)
        else:
            before = value
    return [bool(v) for v in out]


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
        self._tag_link_seen = False  # a link of the paragraph being drawn has put its text in its element
        self._tag_run: tuple[str | None, str] = (None, "")  # right-to-left drawing: the current run's (link, language)
        self._tag_pos: dict[tuple[int, int], int] = {}  # (page, MCID) -> its place in its paragraph's text
        self._tag_reorder: dict[int, Node] = {}  # right-to-left elements whose kids are sorted at save

    # ---- marked content

    def _tag_artifact(self, kind: str = "") -> None:
        """Wrap what was drawn since the last marked sequence as an artifact (if anything)."""
        code = self._code
        if len(code) > self._tag_mark:
            code.insert(self._tag_mark, f"/Artifact <</Type /{kind}>> BDC" if kind else "/Artifact BMC")
            code.append("EMC")
        self._tag_mark = len(code)

    def _tag_open(self, node: Node, code: list[str] | None = None) -> None:
        """Start a marked-content sequence of ``node`` (in the page's code, or in ``code``)."""
        page = self._pageNumber
        mcids = self._tag_mcids.setdefault(page, [])
        (self._code if code is None else code).append(f"/{node.role} <</MCID {len(mcids)}>> BDC")
        node.kids.append(("mc", page, len(mcids)))
        mcids.append(node)

    def tag_switch(self, code: list[str], node: Node | None) -> None:
        """Inside a tagged flowable's drawing: end the current sequence and go on as the content
        of ``node`` (a ``Link`` or a ``Span`` within the flowable's element; None: the element
        itself again). ``code`` is where the drawing is being written (a text object's code:
        marked-content operators are allowed inside BT ... ET)."""
        if self.tag_root is None or not self._tag_stack:
            return
        code.append("EMC")
        self._tag_open(node or self._tag_stack[-1], code)

    def tag_link_node(self, url: str) -> Node | None:
        """The last ``Link`` element for ``url`` in the element being drawn (a new one if none)."""
        if self.tag_root is None or not self._tag_stack:
            return None
        owner = self._tag_stack[-1]
        link = next((k for k in reversed(owner.kids) if isinstance(k, Node) and k.role == "Link" and k.attrs.get("_url") == url), None)
        return link if link is not None else owner.add("Link", _url=url)

    def tag_run(self, code: list[str], href: str | None, lang: str, text: str, pos: int) -> None:
        """A run of glyphs of the right-to-left paragraph being drawn (visual order): a link's
        goes into its ``Link`` element, a run in another script (Latin letters in Urdu) into a
        ``Span`` with that ``lang`` and its text; ``pos`` (the run's place in the paragraph's
        text) puts the element's kids back in reading order when the tree is written."""
        if self.tag_root is None or not self._tag_stack:
            return
        owner = self._tag_stack[-1]
        if lang and lang == owner.attrs.get("Lang"):
            lang = ""  # the whole element is already in that language
        key = (href, lang)
        page = self._pageNumber
        mcid = len(self._tag_mcids[page]) - 1
        if key != self._tag_run or (page, mcid) in self._tag_pos:  # each line's runs: sequences of their own
            target = None
            if href:
                target = self.tag_link_node(href)
                self._tag_link_seen = True
                if lang and not target.attrs.get("_mixed"):
                    target.attrs["Lang"] = lang  # a link in Latin letters only
                elif not lang:
                    target.attrs.pop("Lang", None)  # words of the paragraph's own script too: its language
                    target.attrs["_mixed"] = True
            elif lang:
                target = owner.add("Span", Lang=lang, ActualText=text)
            self._tag_run = key
            self.tag_switch(code, target)
            self._tag_reorder[id(owner)] = owner
        self._tag_pos[(page, len(self._tag_mcids[page]) - 1)] = pos

    def tag_run_end(self, code: list[str]) -> None:
        """After a right-to-left line: back to the paragraph's own element."""
        if self.tag_root is not None and self._tag_stack and self._tag_run != (None, ""):
            self.tag_switch(code, None)
            self._tag_run = (None, "")

    def _tag_in_reading_order(self) -> None:
        """Kids of right-to-left paragraphs sorted by their place in the text (a kid whose
        content has no place keeps the one before it)."""
        pos = self._tag_pos

        def place(kid: Any) -> int | None:
            if isinstance(kid, Node):
                return min((p for k in kid.kids if not isinstance(k, Node) and (p := pos.get(k[1:])) is not None), default=None)
            return pos.get(kid[1:]) if kid[0] == "mc" else None

        for owner in self._tag_reorder.values():
            keyed, last = [], -1
            for kid in owner.kids:
                found = place(kid)
                last = found if found is not None else last
                keyed.append((last, len(keyed), kid))
            owner.kids = [kid for _, _, kid in sorted(keyed, key=lambda t: (t[0], t[1]))]

    def beginText(self, x=0, y=0, direction=None):  # noqa: N802 (ReportLab's name)
        """A text object that puts a paragraph's link text inside its ``Link`` element: ReportLab's
        paragraph calls ``_linkRecord`` after writing a link's first piece and before the text after it."""
        text = super().beginText(x, y, direction)  # type: ignore[misc]
        if self.tag_root is not None and self._tag_stack:
            text._linkRecord = lambda link, kind: self._tag_link_text(text._code, link[1], kind)
        return text

    def _tag_link_text(self, code: list[str], url: str, kind: str) -> None:
        """A link starts or ends in a paragraph's line: its words go into a ``Link`` of their own
        (the same one when the link goes on at the start of the next line, a new one when the
        address comes again later in the paragraph)."""
        self._tag_link_seen = True
        if kind == "end":
            self.tag_switch(code, None)
            self._tag_link_end = (url, code, len(code))
            return
        last = code.pop()  # the link's first piece, already written
        ended_url, ended_code, at = self._tag_link_end
        goes_on = ended_url == url and ended_code is code and not any("Tj" in op or "TJ" in op for op in code[at:])
        owner = self._tag_stack[-1]
        link = self.tag_link_node(url) if goes_on else owner.add("Link", _url=url)
        self._tag_pending.append((url, link))
        self.tag_switch(code, link)
        code.append(last)

    def tag_begin(self, node: Node) -> None:
        if self.tag_root is None:
            return
        if self._tag_stack:  # nested: the outer sequence ends here and resumes afterwards
            self._code.append("EMC")
        else:
            self._tag_artifact()
        self._tag_stack.append(node)
        self._tag_link_seen = False
        self._tag_pending: list[tuple[str, Node]] = []  # (address, Link) whose annotation is still to come
        self._tag_link_end: tuple[str, Any, int] = ("", None, 0)  # where the last link ended: address, code, position
        self._tag_run = (None, "")
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
            # the Links whose words this line drew, in order: ReportLab makes their annotations in that order
            pending = next((i for i, (u, _) in enumerate(self._tag_pending) if u == url), None)
            if pending is not None:
                link = self._tag_pending.pop(pending)[1]
            else:
                link = self.tag_link_node(url) if self._tag_stack else owner.add("Link", _url=url)
            if self._tag_stack and not self._tag_link_seen and not any(k[0] == "mc" for k in link.kids if not isinstance(k, Node)):
                self._tag_adopt(owner, link)  # a paragraph in one style that is all link: its text is the link's
            texts = owner.links.get(url, [])
            same = [k for k in owner.kids if isinstance(k, Node) and k.role == "Link" and k.attrs.get("_url") == url]
            index = same.index(link) if link in same and len(same) > 1 else -1  # the n-th link to this address
            text = texts[index] if 0 <= index < len(texts) else " ".join(texts)
            contents = f"{text} ({url})" if text and text.strip() != url else f"Link: {url}"
            link.attrs.setdefault("Alt", contents)
            annotation["Contents"] = PDFString(contents)
            super()._addAnnotation(annotation, name, addtopage)  # type: ignore[misc]
            link.kids.append(("objr", self._pageNumber, self._annotationrefs[-1].name))
            self._tag_annots.append((annotation, link))
            return
        super()._addAnnotation(annotation, name, addtopage)  # type: ignore[misc]

    def _tag_adopt(self, owner: Node, link: Node) -> None:
        """Make the sequence being drawn for ``owner`` the content of ``link`` instead."""
        kid = next((k for k in reversed(owner.kids) if not isinstance(k, Node) and k[0] == "mc"), None)
        if kid is None or kid[1] != self._pageNumber:
            return
        opened = f"/{owner.role} <</MCID {kid[2]}>> BDC"
        at = next((i for i in range(len(self._code) - 1, -1, -1) if self._code[i] == opened), None)
        if at is None:
            return
        self._code[at] = f"/Link <</MCID {kid[2]}>> BDC"
        owner.kids.remove(kid)
        link.kids.insert(0, kid)
        self._tag_mcids[kid[1]][kid[2]] = link

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
        self._tag_in_reading_order()
        StructWriter(self._doc, self._tag_mcids, self._tag_annots).write(self.tag_root, self.tag_meta["title"])
