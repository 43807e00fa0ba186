"""Inline text as a list of styled runs.

The Markdown tree of a paragraph is flattened into runs before any typesetting. Left-to-right
text turns runs into ReportLab paragraph markup (escaped, from an allow-list of tags);
right-to-left text hands the same runs to the bidi/shaping engine. Keeping one neutral
representation means both directions see exactly the same words, styles and links.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .codecache import dataclass


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style. ``href`` is set for link text."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None
    line_break: bool = False  # a hard line break; ``text`` is empty


# Where a line must not break, by a rule rather than by hand: between the digit groups of a
# number ("+44 20 7946 0000"), between a number and the word it counts or measures ("22 July",
# "5 ml", "24 hours"), and between a word and a year ("July 2020"). A no-break space keeps
# them together in both the Latin paragraphs and the right-to-left engine.
_KEEP_TOGETHER = re.compile(r"(?<=\d) (?=\d)|(?<=\d) (?=[^\W\d_]|%)|(?<=[^\W\d_]) (?=\d{4}(?!\d))")
NO_BREAK_SPACE = "\u00a0"


def keep_together(text: str) -> str:
    """``text`` with no-break spaces where a line break would split a number from its group,
    unit or date (see ``_KEEP_TOGETHER``)."""
    return _KEEP_TOGETHER.sub(NO_BREAK_SPACE, text)


def keep_runs_together(runs: list[Run]) -> list[Run]:
    """The same runs, each kept together by ``keep_together`` (code is left exactly as written)."""
    return [r if r.code or not r.text else replace(r, text=keep_together(r.text)) for r in runs]
