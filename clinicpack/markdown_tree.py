"""Markdown source -> ElementTree, read back from the user cache when parsed before.

``parse`` gives the tree Python-Markdown makes of a leaflet body (``clinicpack.markdown_parser``:
raw HTML switched off, lists and tables as clinic staff type them). A body parsed before comes
from the user cache (``clinicpack.parsecache``) as nested tuples and is built into the same
tree, without importing Python-Markdown. The tree never names its file, and every check that
can fail on a leaflet runs on the tree afterwards (``clinicpack.leaflet``), so errors and their
lines are the same whichever way the tree was made.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from . import parsecache

MAX_CACHED_DEPTH = 100  # deeper trees (nothing a leaflet needs) are parsed every time, never pickled

Node = tuple  # (tag, attributes or None, text, tail, children): a tree element as plain data


def parse(source: str) -> ET.Element:
    """The element tree of a leaflet body (its root is a ``div``)."""
    entry = parsecache.entry("markdown", source)
    cached = parsecache.read(entry, _is_node)
    if cached is not None:
        try:
            return _build(cached)
        except Exception:  # noqa: BLE001 - a damaged entry that still unpickled: parse afresh
            pass
    from .markdown_parser import parse as parse_markdown

    root = parse_markdown(source)
    node = _as_node(root, 0)
    if node is not None:
        parsecache.write(entry, node)
    return root


def _is_node(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 5 and isinstance(value[0], str)


def _as_node(el: ET.Element, depth: int) -> Node | None:
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


def _build(node: Node) -> ET.Element:
    tag, attrib, text, tail, children = node
    el = ET.Element(tag, attrib) if attrib else ET.Element(tag)
    el.text, el.tail = text, tail
    el.extend([_build(child) for child in children])
    return el


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())
