"""Bidi levels for a paragraph (UAX #9) from python-bidi's Rust implementation, and the two
line-level rules the standard leaves to the typesetter: L1 (trailing whitespace back to the
paragraph level) and L2 (reversal of runs from the highest level down)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bidi.bidi import get_display_inner  # the Rust binding; get_display() hides the levels

from clinicpack.errors import BuildError

#: Explicit bidi marks and isolates steer the ordering but are not text a reader copies.
NO_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
LINE_SEPARATOR = "\u2028"  # a hard break inside a paragraph: bidi class WS, not a new paragraph
URL_BREAKS = frozenset("/?&=-")  # where an over-long word (a web address) may break
PARAGRAPH_BREAKS = re.compile("[\n\r\u0085\u2029\x1c\x1d\x1e]")
#: Every character of bidi class S (segment separator) or B (paragraph separator), where rule L1
#: resets a line's levels; a test compares it with the Unicode data Python has
SEPARATORS = re.compile("[\t\n\x0b\r\x1c-\x1f\u0085\u2029]")

#: Bidi classes that resolve to level 1 throughout a right-to-left paragraph (UAX #9): with no
#: left-to-right letter, number or explicit embedding, AL becomes R (W3), separators and
#: terminators with no number beside them become neutral (W6), a mark takes its base's class
#: (W1), every neutral between right-to-left letters or the paragraph's ends is right-to-left
#: (N1), and R at level 1 stays there (I2); removed characters (BN) take their neighbour's level.
#: Most Urdu paragraphs are such text, and skip python-bidi's debug dump (a test compares this
#: short cut with python-bidi on random text of these classes).
_ALL_AT_LEVEL_ONE = frozenset({"R", "AL", "NSM", "WS", "ON", "CS", "ES", "ET", "BN"})
_PARA_LEVEL_RE = re.compile(r"ParagraphInfo\s*\{.*?level:\s*Level\(\s*(\d+)", re.DOTALL)
#: Keeps the digits of an ASCII text and blanks everything else: the levels list of the debug
#: text ("Level(\n 1,\n )," once per byte, ~40 characters each) becomes "1 1 2 ...", which
#: str.split and int read far faster than a regular expression scanning the same text
_DIGITS_ONLY = str.maketrans({chr(i): chr(i) if "0" <= chr(i) <= "9" else " " for i in range(128)})


def resolve_levels(text: str, base_direction: str = "rtl") -> tuple[int, list[int]]:
    """Paragraph embedding level and resolved level of every character (rules P2-I2).

    ``bidi.get_display`` only returns the reordered string, which cannot tell us which
    character went where. The same Rust call with ``debug=True`` returns the crate's
    ``BidiInfo``, whose ``levels`` are the resolved embedding levels, one per UTF-8 *byte*;
    we read the level of each character's first byte. The result is cross-checked against
    ``get_display`` in the tests.
    """
    if not text:
        return (1 if base_direction == "rtl" else 0), []
    if PARAGRAPH_BREAKS.search(text):
        raise ValueError("one paragraph at a time: paragraph separators are not allowed")
    classes = set(map(unicodedata.bidirectional, text))
    if classes <= _ALL_AT_LEVEL_ONE and (base_direction == "rtl" or not classes.isdisjoint(("R", "AL"))):
        return 1, [1] * len(text)
    dump = get_display_inner(text, "R" if base_direction == "rtl" else None, True)
    start = dump.find("levels: [")
    end = dump.find("]", start)
    para = _PARA_LEVEL_RE.search(dump, end)
    if start < 0 or end < 0 or not para:
        raise _bidi_changed()
    try:
        byte_levels = [int(v) for v in dump[start + len("levels: [") : end].translate(_DIGITS_ONLY).split()]
    except ValueError:  # digits from outside ASCII
        raise _bidi_changed() from None
    data = text.encode("utf-8")
    if len(data) != len(byte_levels):
        raise _bidi_changed()
    # a character's level is its first byte's: the bytes that are not UTF-8 continuation bytes
    return int(para.group(1)), [lv for byte, lv in zip(data, byte_levels) if byte & 0xC0 != 0x80]


def _bidi_changed() -> BuildError:
    """The installed python-bidi prints its levels differently: refuse rather than guess."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("python-bidi")
    except PackageNotFoundError:
        installed = "unknown"
    return BuildError(
        f"python-bidi debug output changed; cannot read embedding levels (installed: python-bidi {installed}). "
        "Right-to-left text needs python-bidi 0.6: run  pip install 'python-bidi>=0.6,<0.7'"
    )


def _is_l1_whitespace(ch: str) -> bool:
    # L1: whitespace (WS), isolate formatting characters, and characters removed by X9 that
    # sit next to them count as trailing whitespace.
    return unicodedata.bidirectional(ch) in ("WS", "FSI", "LRI", "RLI", "PDI", "BN", "LRE", "RLE", "LRO", "RLO", "PDF")


def line_levels(text: str, levels: Sequence[int], start: int, end: int, para_level: int) -> list[int]:
    """Levels of ``text[start:end]`` after rule L1 (per line)."""
    out = list(levels[start:end])
    n = end - start
    i = n
    while i > 0 and _is_l1_whitespace(text[start + i - 1]):
        i -= 1
    for k in range(i, n):
        out[k] = para_level
    # segment separators (tab) and whitespace before them
    for k in (m.start() - start for m in SEPARATORS.finditer(text, start, end)):
        if unicodedata.bidirectional(text[start + k]) in ("S", "B"):
            out[k] = para_level
            j = k
            while j > 0 and _is_l1_whitespace(text[start + j - 1]):
                j -= 1
                out[j] = para_level
    return out


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: indices (into ``levels``) in visual order, left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        n = len(order)
        while i < n:
            if levels[order[i]] >= level:
                j = i
                while j < n and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order
