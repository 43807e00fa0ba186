"""Markdown source -> a tree of elements, read back from the user cache when parsed before.

``parse`` gives the tree Python-Markdown makes of a leaflet body (``clinicpack.markdown_parser``:
raw HTML switched off, lists and tables as clinic staff type them). A body parsed before comes
from the user cache (``clinicpack.parsecache``) as nested tuples and is built into the same
tree, without importing Python-Markdown. The tree never names its file, and every check that
can fail on a leaflet runs on the tree afterwards (``clinicpack.leaflet``), so errors and their
lines are the same whichever way the tree was made.

The tree is made of ``Element``: the part of ElementTree's element the builder uses, so that a
build from the cache does not import ``xml.etree`` either. Python-Markdown's own tree is copied
into it, so the tree has one type however it was made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import parsecache

MAX_CACHED_DEPTH = 100  # deeper trees (nothing a leaflet needs) are parsed every time, never pickled

Node = tuple  # (tag, attributes or None, text, tail, children): a tree element as plain data


class Element:
    """An element as ``xml.etree.ElementTree.Element`` behaves for what the builder reads and
    makes: ``tag``, ``attrib``, ``text``, ``tail``, its children as a sequence, ``get``/``set``,
    ``iter``, ``itertext`` (in document order, like ElementTree's) and ``find``/``findall``
    with a tag or a ``tag/tag`` path of children (nothing else of ElementPath is used)."""

    __slots__ = ("tag", "attrib", "text", "tail", "_children")

    def __init__(self, tag: str, attrib: dict[str, str] | None = None) -> None:
        self.tag = tag
        self.attrib: dict[str, str] = dict(attrib) if attrib else {}
        self.text: str | None = None
        self.tail: str | None = None
        self._children: list[Element] = []

    def __repr__(self) -> str:
        return f"<Element {self.tag!r} at {id(self):#x}>"

    def __len__(self) -> int:
        return len(self._children)

    def __iter__(self) -> Iterator[Element]:
        return iter(self._children)

    def __getitem__(self, index: int) -> Element:
        return self._children[index]

    def append(self, child: Element) -> None:
        self._children.append(child)

    def extend(self, children: Iterable[Element]) -> None:
        self._children.extend(children)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrib.get(key, default)

    def set(self, key: str, value: str) -> None:
        self.attrib[key] = value

    def keys(self) -> list[str]:
        return list(self.attrib)

    def items(self) -> list[tuple[str, str]]:
        return list(self.attrib.items())

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """This element and all below it, in document order (``tag``: only those; "*": all)."""
        every = tag is None or tag == "*"
        stack = [self]
        while stack:
            el = stack.pop()
            if every or el.tag == tag:
                yield el
            stack.extend(reversed(el._children))

    def itertext(self) -> Iterator[str]:
        """The text inside this element, in document order (its own tail not included), as
        ElementTree's C implementation gives it (every element's text, whatever its tag); without
        recursion, so any depth the parser made is fine."""
        if self.text:
            yield self.text
        stack: list[tuple[Iterator[Element], str | None]] = [(iter(self._children), None)]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                tail = stack.pop()[1]
                if tail:
                    yield tail
            else:
                if child.text:
                    yield child.text
                stack.append((iter(child._children), child.tail))

    def find(self, path: str) -> Element | None:
        return next(iter(self.findall(path)), None)

    def findall(self, path: str) -> list[Element]:
        """Children matching ``path``: a tag, "*", or tags joined by "/" (one level each); or
        ``.//tag``, every element below this one with that tag."""
        below = path.startswith(".//")
        steps = [path[3:]] if below else path.split("/")
        for step in steps:
            if not step or not (step == "*" or step.replace("-", "").replace("_", "").isalnum()):
                raise ValueError(f"unsupported path {path!r}: give tags joined by /, or .//tag")
        if below:
            return [el for el in self.iter(steps[0]) if el is not self]
        found = [self]
        for step in steps:
            found = [child for el in found for child in el._children if step == "*" or child.tag == step]
        return found


def parse(source: str) -> Element:
    """The element tree of a leaflet body (its root is a ``div``)."""
    entry = parsecache.entry("markdown", source)
    cached = parsecache.read(entry, _is_node)
    if cached is not None:
        try:
            return _build(cached)
        except Exception:  # noqa: BLE001 - a damaged entry that still unpickled: parse afresh
            pass
    from .markdown_parser import parse as parse_markdown

    root = _copied(parse_markdown(source))
    node = _as_node(root, 0)
    if node is not None:
        parsecache.write(entry, node)
    return root


def _copied(root: Any) -> Element:
    """Python-Markdown's ElementTree tree as ``Element``s (no recursion: depth is the input's)."""
    top = Element(root.tag, root.attrib)
    top.text, top.tail = root.text, root.tail
    stack = [(root, top)]
    while stack:
        source, copy = stack.pop()
        for child in source:
            el = Element(child.tag, child.attrib)
            el.text, el.tail = child.text, child.tail
            copy.append(el)
            stack.append((child, el))
    return top


def _is_node(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 5 and isinstance(value[0], str)


def _as_node(el: Element, depth: int) -> Node | None:
    """``el`` as nested tuples, or None when it cannot be kept (too deep, or not a plain element)."""
    if depth > MAX_CACHED_DEPTH or not isinstance(el.tag, str):
        return None
    children = []
    for child in el:
        node = _as_node(child, depth + 1)
        if node is None:
            return None
        children.append(node)
    return (el.tag, dict(el.attrib) or None, el.text, el.tail, tuple(children))


def _build(node: Node) -> Element:
    tag, attrib, text, tail, children = node
    if not isinstance(tag, str) or not isinstance(children, tuple):
        raise ValueError("not a cached element")
    el = Element(tag, attrib)
    el.text, el.tail = text, tail
    el._children = [_build(child) for child in children]
    return el


def text_of(el: Element) -> str:
    return "".join(el.itertext())
