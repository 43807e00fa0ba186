"""Inline text as a list of styled runs.

The Markdown tree of a paragraph is flattened into runs before any typesetting. Left-to-right
text turns runs into ReportLab paragraph markup (escaped, from an allow-list of tags);
right-to-left text hands the same runs to the bidi/shaping engine. Keeping one neutral
representation means both directions see exactly the same words, styles and links.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style. ``href`` is set for link text."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None
    line_break: bool = False  # a hard line break; ``text`` is empty
