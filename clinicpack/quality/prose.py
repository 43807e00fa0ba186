"""The prose a patient reads, as sentences with file line numbers.

Readability formulas count words per sentence, so what counts as a "sentence" matters: a
bulleted list written without full stops would otherwise read as one endless sentence. Here a
paragraph is split into sentences, and every list item and table cell is its own unit (split
further if it holds several sentences). Headings, table header cells, code and references
are not prose and are left out.

Line numbers come from matching each sentence back into the Markdown source, with the
Markdown syntax (emphasis, link targets, list and quote markers) taken out of both sides.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from ..leaflet import Leaflet
from ..markdown_tree import Element, text_of

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>]+)>")
_LINE_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(?:#{1,6}\s+)?")
_ATTR_LIST = re.compile(r"\{[:#.][^}]*\}\s*$")
_DROP = str.maketrans("", "", "*_`\\")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)\]]*\s+(?=[\"'\u2018\u201c(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "No.", "e.g.", "i.e.", "etc.", "approx.", "vs.", "Fig.")
WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+")  # addresses are not read as words
_INITIAL = re.compile(r"\b[A-Z]\.$")  # "J." in "J. Smith" ends no sentence


def normalise(text: str) -> str:
    """Text with Markdown syntax and repeated spaces removed (applied to source and tree alike)."""
    text = _AUTOLINK.sub(r"\1", _LINK.sub(r"\1", text))
    return _SPACES.sub(" ", text.translate(_DROP)).strip()


class Word(NamedTuple):
    """A word and its file line (a named tuple: a leaflet has thousands, made in a few ms)."""

    text: str
    line: int


class Sentence(NamedTuple):
    text: str
    line: int
    section: str | None  # the section key, or None for the intro and the summary
    words: tuple[Word, ...]


class SourceMap:
    """The leaflet body as one normalised string, with the file line of every character."""

    def __init__(self, leaflet: Leaflet):
        parts: list[str] = []
        self.starts: list[int] = []
        self.lines: list[int] = []
        offset = 0
        for number, raw in enumerate(leaflet.lines[leaflet.body_start - 1 :], start=leaflet.body_start):
            line = normalise(_ATTR_LIST.sub("", _LINE_MARKERS.sub("", raw)))
            if not line:
                continue
            self.starts.append(offset)
            self.lines.append(number)
            parts.append(line)
            offset += len(line) + 1
        self.text = " ".join(parts)
        self.cursor = 0
        self.fallback = leaflet.body_start

    def line_at(self, offset: int) -> int:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.lines[max(i, 0)] if self.lines else self.fallback

    def find(self, text: str) -> int | None:
        """Offset of ``text`` at or after the previous match (so repeated words map in order)."""
        for probe in (text, text[:40]):
            for start in (self.cursor, 0):
                at = self.text.find(probe, start)
                if at >= 0:
                    self.cursor = at + len(probe)
                    return at
        return None


def sentences(leaflet: Leaflet, skip_sections: tuple[str, ...] = ("references",)) -> list[Sentence]:
    source = SourceMap(leaflet)
    out: list[Sentence] = []
    if leaflet.summary:
        line = leaflet.front.line("summary") if leaflet.front is not None else 1
        out += _split(leaflet.summary, None, line, None)
    for unit in _units(leaflet.intro):
        out += _split(unit, None, leaflet.body_start, source)
    for section in leaflet.sections:
        if section.key in skip_sections:
            continue
        for unit in _units(section.body):
            out += _split(unit, section.key, section.line, source)
    return out


def _units(elements: tuple[Element, ...] | list[Element]) -> Iterator[str]:
    for el in elements:
        if el.tag == "p":
            yield text_of(el)
        elif el.tag in ("ul", "ol"):
            for li in el.findall("li"):
                yield from _list_item(li)
        elif el.tag == "table":
            for cell in el.iter("td"):
                yield text_of(cell)
        elif el.tag == "blockquote":
            yield from _units(list(el))


def _list_item(li: Element) -> Iterator[str]:
    """A list item's own words are one unit; paragraphs and lists nested in it are their own."""
    own = [li.text or ""]
    nested: list[Element] = []
    for child in li:
        if child.tag in ("p", "ul", "ol", "table", "blockquote", "pre"):
            nested.append(child)
        else:
            own.append(text_of(child))
        own.append(child.tail or "")
    yield "".join(own)
    yield from _units(nested)


def _split(unit: str, section: str | None, default_line: int, source: SourceMap | None) -> list[Sentence]:
    text = normalise(unit)
    if not text:
        return []
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if pieces and (pieces[-1].endswith(_ABBREVIATIONS) or _INITIAL.search(pieces[-1])):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    out = []
    for piece in pieces:
        skip = [m.span() for m in _NOT_PROSE.finditer(piece)]
        found = list(WORD.finditer(piece))
        if skip:
            found = [m for m in found if not any(a <= m.start() < b for a, b in skip)]
        at = source.find(piece) if source is not None else None
        if at is None:
            line = source.line_at(source.cursor) if source is not None and source.cursor else default_line
            words = tuple(Word(m.group(0), line) for m in found)
        else:
            line = source.line_at(at)
            words = tuple(Word(m.group(0), source.line_at(at + m.start())) for m in found)
        if words:
            out.append(Sentence(piece, line, section, words))
    return out
