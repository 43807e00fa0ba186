"""An SVG's elements, read for the reference check (``clinicpack.images``) with the standard
library's expat parser. The check used lxml, which cost every build ~4 ms to import; svglib,
which draws, brings lxml only when a drawing is not in the user cache.

The check must see every file reference svglib will follow, and svglib reads the file with
libxml2 (through lxml: entities not resolved, no DTD loaded, no network). So this reader
refuses what that parser refused and, where the two could read a file differently, refuses or
sees more, never less (tests/test_svg_reading.py compares them on generated files):

* an internal entity (``<!ENTITY ns_svg "http://www.w3.org/2000/svg">``, as older Illustrator
  files declare) is expanded: in attribute values, as libxml2 expands it, and in text and
  element content, where libxml2 leaves it unexpanded (markup in an entity is checked too).
  A default attribute the document declares (``<!ATTLIST image href CDATA "x.png">``) is read,
  as libxml2 answers it when svglib asks for the attribute;
* an external, unparsed or parameter entity is refused (nothing is ever fetched). After a
  parameter entity reference, expat skips the declarations that follow and libxml2 does not,
  so such a file is refused too. An undeclared entity is an error, except in a file that names
  an external DTD (never read): then it is left out, as libxml2 leaves it;
* expat stops runaway expansion ("billion laughs", quadratic blow-up) on its own;
* libxml2's limits without its "huge" option, which svglib's parser keeps too: elements nested
  at most 256 deep; a text node, attribute value or comment at most 10,000,000 bytes; a name
  at most 50,000 characters. Elements past the caller's limit are counted, not kept;
* a gzip-compressed file is refused (libxml2 would have unpacked it, however large), and so is
  a declared character encoding the two might decode differently (see ``_as_utf8``).

Line numbers are libxml2's: the line on which an element's start tag ends.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import NamedTuple
from xml.parsers import expat

MAX_DEPTH = 256
MAX_TEXT = 10_000_000
MAX_NAME = 50_000
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


class SvgSyntaxError(Exception):
    """What makes the file unreadable, and the line (None: the whole file)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class Element(NamedTuple):
    tag: str  # "{namespace}name", or "name" outside any namespace (lxml's spelling)
    attributes: dict[str, str]
    line: int


class _Reader:
    """One pass of expat over the file; ``count`` is every element, ``elements`` the first
    ``keep`` of them (the caller refuses a file with more, but must still say how many)."""

    def __init__(self, data: bytes, keep: int) -> None:
        self.data, self.keep = data, keep
        self.elements: list[Element] = []
        self.count = self.depth = self.text = 0
        p = self.parser = expat.ParserCreate("UTF-8", namespace_separator=" ")  # see _as_utf8
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.characters
        p.CommentHandler = self.comment
        p.EntityDeclHandler = self.entity
        p.SkippedEntityHandler = self.skipped
        p.ExternalEntityRefHandler = self.external
        p.DefaultHandlerExpand = self.other

    def fail(self, what: str) -> None:
        raise SvgSyntaxError(what, self.parser.CurrentLineNumber)

    def limit(self, what: str) -> None:
        self.fail(f"{what}: draw it more simply, or save it as a PNG")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        self.count += 1
        self.text = 0
        if self.depth > MAX_DEPTH:
            self.limit(f"its elements are nested more than {MAX_DEPTH} deep")
        for key, value in attributes.items():
            if _utf8_length(value) > MAX_TEXT:
                self.limit(f"an attribute is longer than {MAX_TEXT:,} bytes")
        if max(map(_local_length, (name, *attributes))) > MAX_NAME:
            self.limit(f"a name is longer than {MAX_NAME:,} characters")
        if self.count <= self.keep:
            self.elements.append(Element(_clark(name), {_clark(k): v for k, v in attributes.items()}, self.end_line()))

    def end(self, name: str) -> None:
        self.depth -= 1
        self.text = 0

    def characters(self, text: str) -> None:
        self.text += _utf8_length(text)  # a text node may come in several pieces
        if self.text > MAX_TEXT:
            self.limit(f"a text is longer than {MAX_TEXT:,} bytes")

    def comment(self, text: str) -> None:
        self.text = 0
        if _utf8_length(text) > MAX_TEXT:
            self.limit(f"a comment is longer than {MAX_TEXT:,} bytes")

    def entity(self, name: str, parameter: bool, value: str | None, *_: object) -> None:
        if parameter:
            self.fail(f'it declares the parameter entity "%{_shown(name)};": remove that <!ENTITY>')
        if value is None:
            self.fail(f'it declares the external entity "&{_shown(name)};", a link to another file: remove that <!ENTITY>')

    def skipped(self, name: str, parameter: bool) -> None:
        """An undeclared entity in text, in a file whose DTD is elsewhere (``<!DOCTYPE svg PUBLIC
        ...>``, never read): left out, as libxml2 leaves it unexpanded. It cannot hold markup."""
        if parameter:
            self.fail(f'it uses the parameter entity "%{_shown(name)};": remove it')

    def external(self, context: str | None, base: str | None, system: str | None, public: str | None) -> int:
        self.fail(f'it refers to the external entity "{_shown(system or "")}": remove it')
        return 0

    def other(self, text: str) -> None:
        """Markup no other handler takes; a parameter entity reference (``%name;`` between the
        DOCTYPE's declarations) stops expat, but not libxml2, reading the declarations after it."""
        if text.startswith("%"):
            self.fail(f'it uses the parameter entity "{_shown(text)}": remove it')

    def end_line(self) -> int:
        """The line on which the start tag being read ends (a tag may span lines)."""
        line, at = self.parser.CurrentLineNumber, self.parser.CurrentByteIndex
        tag = _START_TAG.match(self.data, at) if at >= 0 else None  # no match: from an entity, or not ASCII-based
        return line + self.data.count(b"\n", at, tag.end()) if tag else line


_DECLARED = re.compile(r"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_UTF16 = ("utf-16", "utf-16-le", "utf-16-be")
# what a multi-byte or shifting decoder reads differently from byte by byte: every byte in a row
# (lead and trail bytes pair up), ISO-2022, HZ and UTF-7 shifts
_PROBES = (bytes(range(256)), b"\x1b$B!!\x1b(B", b"\x1b$)C\x0e!!\x0f", b"~{!!~}", b"+AGE-")


def _as_utf8(data: bytes) -> bytes:
    """The file as UTF-8, for expat to read with no encoding of its own. Refused: a declared
    encoding that expat and libxml2 could decode differently. Only UTF-8, UTF-16 and stateless
    single-byte encodings that keep every ASCII byte as itself pass (Latin-1, Windows-1252,
    KOI8-R...): then a file name's "/" and "." read the same in both. Multi-byte and shifting
    encodings (libxml2 reads Shift_JIS's "~" as an overline; HZ and ISO-2022 switch to other
    characters mid-text) and EBCDIC are refused."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"<\x00?\x00", b"\x00<\x00?")
    codec = ("utf-16-le" if data[:1] in (b"\xff", b"<") else "utf-16-be") if utf16 else "latin-1"
    declared = _DECLARED.match(data[:1024].decode(codec, "replace").lstrip("\ufeff"))
    name = declared.group(1) if declared else ("UTF-16" if utf16 else "UTF-8")
    try:
        known = codecs.lookup(name).name
    except LookupError:
        known = ""
    if utf16 != (known in _UTF16) or not (known in _UTF16 or known == "utf-8" or _single_byte(known)):
        raise SvgSyntaxError(f'it is saved in the character encoding "{_shown(name)}", which cannot be read safely: save it as UTF-8', 1)
    if known == "utf-8":
        return data  # expat checks it is UTF-8
    try:
        return data.decode(codec if utf16 else known).lstrip("\ufeff").encode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise SvgSyntaxError(f'it is not {_shown(name)} text throughout: save it as UTF-8', None) from None


def _single_byte(codec: str) -> bool:
    """One character per byte, ASCII as itself, and no byte sequence that shifts to other characters."""
    try:
        chars = [bytes([b]).decode(codec, "replace") for b in range(256)]
        plain = all(probe.decode(codec, "replace") == "".join(chars[b] for b in probe) for probe in _PROBES)
    except (LookupError, ValueError):
        return False
    return plain and all(len(c) == 1 for c in chars) and "".join(chars[:128]) == bytes(range(128)).decode("ascii")


def _utf8_length(text: str) -> int:
    """Bytes of ``text`` in UTF-8, as libxml2 measures its limits."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _local_length(name: str) -> int:
    return len(name) - name.rfind(" ") - 1


def _shown(text: str) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:60])


def _clark(name: str) -> str:
    """expat's "namespace name" as lxml's "{namespace}name"."""
    uri, space, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if space else name


def read_elements(path: Path, keep: int) -> tuple[list[Element], int]:
    """The first ``keep`` elements of the SVG at ``path`` in document order, and how many it has."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SvgSyntaxError(exc.strerror or str(exc), None) from None
    if data[:2] == b"\x1f\x8b":
        raise SvgSyntaxError("it is gzip-compressed; save it as a plain SVG", None)
    data = _as_utf8(data)
    reader = _Reader(data, keep)
    try:
        reader.parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgSyntaxError(expat.ErrorString(exc.code), exc.lineno) from None
    return reader.elements, reader.count
