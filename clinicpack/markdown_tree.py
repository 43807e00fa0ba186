"""Markdown source -> ElementTree, with raw HTML switched off.

We run Python-Markdown's own preprocessors, block parser and tree processors but never its
serializer: the renderer walks the tree. Raw HTML processing is deregistered, so ``<b>`` or
``<img src=...>`` written in a leaflet stays literal text (it prints as typed and is never
interpreted), and ``&amp;`` prints as typed too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import markdown

_HTML_PROCESSORS = (("preprocessors", "html_block"), ("inlinePatterns", "html"), ("inlinePatterns", "entity"))


def new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "attr_list", "sane_lists"])
    for registry, name in _HTML_PROCESSORS:
        getattr(md, registry).deregister(name, strict=False)
    # Python-Markdown 3.x treats <http://...> as an autolink and <me@x> as a mailto link;
    # keep both (they are Markdown, not HTML).
    return md


def parse(source: str, md: markdown.Markdown | None = None) -> ET.Element:
    md = md or new_markdown()
    md.reset()
    lines = source.split("\n")
    for prep in md.preprocessors:
        lines = prep.run(lines)
    root = md.parser.parseDocument(lines).getroot()
    for treeprocessor in md.treeprocessors:
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    _unstash(md, root)
    return root


def _unstash(md: markdown.Markdown, root: ET.Element) -> None:
    """Put back any text Python-Markdown stashed as placeholders (it is printed as text)."""
    stash = md.htmlStash
    if not stash.html_counter:
        return
    for el in root.iter():
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if value and "\x02" in value:
                for i in range(stash.html_counter):
                    value = value.replace(stash.get_placeholder(i), str(stash.rawHtmlBlocks[i]))
                setattr(el, attr, value)


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())
