"""Python-Markdown's part of reading a leaflet body: imported only on a user-cache miss.

``markdown_tree.parse`` looks the body up in the user cache first (``clinicpack.parsecache``);
only for a text it does not hold is this module, and with it Python-Markdown (about 15 ms to
import), loaded. We run Python-Markdown's own preprocessors, block parser and tree processors
but never its serializer: the renderer walks the tree. Raw HTML processing is deregistered, so
``<b>`` or ``<img src=...>`` written in a leaflet stays literal text (it prints as typed and is
never interpreted), and ``&amp;`` prints as typed too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.preprocessors import Preprocessor

_HTML_PROCESSORS = (("preprocessors", "html_block"), ("inlinePatterns", "html"), ("inlinePatterns", "entity"))


_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_BULLET = re.compile(r"^ {0,3}[-*+][ \t]+\S")
_NUMBER = re.compile(r"^( {0,3})(\d{1,9})([.)])([ \t]+\S.*)$")


_QUOTE = re.compile(r"^ {0,3}>")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


class BlocksAsWritten(Preprocessor):
    """Lists, quotes and tables the way clinic staff type them (and CommonMark reads them).

    Python-Markdown needs a blank line before a list, a block quote or a table, and knows only
    ``1.`` numbering; people write "What happens:" straight above "- item" and number steps
    ``1)``. Without this, such a list prints as one run-on paragraph. Like CommonMark, a
    numbered list may interrupt a paragraph only when it starts at 1, so "2026. was ..." in
    running text stays text.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        previous = ""
        for i, line in enumerate(lines):
            if _FENCE.match(line):
                in_fence = not in_fence
            if not in_fence:
                number = _NUMBER.match(line)
                if number and number.group(3) == ")":
                    line = f"{number.group(1)}{number.group(2)}.{number.group(4)}"
                following = lines[i + 1] if i + 1 < len(lines) else ""
                starts_block = (
                    bool(_BULLET.match(line))
                    or bool(number and number.group(2) == "1")
                    or bool(_QUOTE.match(line))
                    or (line.lstrip().startswith("|") and bool(_TABLE_RULE.match(following)))
                )
                if starts_block and previous.strip() and not _is_block_line(previous):
                    out.append("")
            out.append(line)
            previous = line
        return out


def _is_block_line(line: str) -> bool:
    """Lines a block may follow directly: list items, their indented text, tables, quotes, headings."""
    return bool(
        _BULLET.match(line) or _NUMBER.match(line) or line[:1] in (" ", "\t") or line.lstrip().startswith(("|", ">", "#"))
    )


def new_markdown() -> markdown.Markdown:
    # extension objects, not names: a name makes Python-Markdown scan every installed package's
    # entry points (importlib.metadata) on each call, which cost more than parsing a leaflet
    md = markdown.Markdown(extensions=[TableExtension(), AttrListExtension(), SaneListExtension()])
    for registry, name in _HTML_PROCESSORS:
        getattr(md, registry).deregister(name, strict=False)
    md.preprocessors.register(BlocksAsWritten(md), "blocks_as_written", 25)
    # Python-Markdown 3.x treats <http://...> as an autolink and <me@x> as a mailto link;
    # keep both (they are Markdown, not HTML; see _decode_amp for the second).
    return md


def parse(source: str, md: markdown.Markdown | None = None) -> ET.Element:
    """``source`` through Python-Markdown, as a tree of plain elements with plain ``str`` text
    (Python-Markdown's ``AtomicString`` marks become ``str``: nothing here reads them, and a
    tree read back from the user cache must be the same without importing Python-Markdown)."""
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
    _decode_amp(root)
    _plain_strings(root)
    return root


def _plain_strings(root: ET.Element) -> None:
    for el in root.iter():
        if el.text is not None and type(el.text) is not str:
            el.text = str(el.text)
        if el.tail is not None and type(el.tail) is not str:
            el.tail = str(el.tail)
        for key, value in el.attrib.items():
            if type(value) is not str:
                el.set(key, str(value))


_AMP = re.compile("\x02amp\x03(?:#(\\d+);|#x([0-9a-fA-F]+);)?")


def _decode_amp(root: ET.Element) -> None:
    """Python-Markdown writes an email autolink (``<name@example.org>``) as character references
    behind a placeholder for "&" that only its HTML serializer turns back; we never serialize, so
    we decode them here: the link becomes ``mailto:name@example.org`` and prints as typed."""

    def decode(value: str) -> str:
        def one(m: re.Match) -> str:
            number = int(m.group(1)) if m.group(1) else int(m.group(2), 16) if m.group(2) else None
            return "&" if number is None else chr(number) if 0 < number < 0x110000 else "\ufffd"

        return _AMP.sub(one, value) if "\x02" in value else value

    for el in root.iter():
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if value:
                setattr(el, attr, decode(value))
        for key, value in el.attrib.items():
            el.set(key, decode(value))


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
