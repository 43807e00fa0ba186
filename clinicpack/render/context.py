"""What every element handler shares: the ``Context`` of one leaflet being laid out, and its
inline text as runs.

Text reaches ReportLab's paragraph mini-markup only through ``runs_to_markup``, which escapes
every character of leaflet text and emits tags from a fixed allow-list. Nothing a leaflet says
can become a ReportLab tag (so no ``<img>`` reading local files, no font switching).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, TableStyle

from ..codecache import dataclass
from ..layout import Layout
from ..leaflet import Leaflet
from ..markdown_tree import Element
from ..runs import Run, keep_runs_together
from .escaping import escape, quoteattr
from .measured import MeasuredParagraph
from .styles import Styles
from .tagging import Node, logical_text, tag

NO_BREAK_SPACE_CODE = 0xA0


@dataclass
class Context:
    """What every handler may need while turning one leaflet into flowables."""

    leaflet: Leaflet
    layout: Layout
    styles: Styles
    assets_dir: Path
    rtl: bool = False
    paragraph_factory: Callable[[list[Run], ParagraphStyle], Flowable] | None = None
    depth: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    struct: Node | None = None  # the structure element new blocks belong to (None: untagged PDF)
    heading_level: int = 1  # the last heading's level in the structure (levels are never skipped)

    def paragraph(self, runs: list[Run], style: ParagraphStyle) -> Flowable:
        if self.paragraph_factory is not None:
            return self.paragraph_factory(keep_runs_together(runs), style)
        if NO_BREAK_SPACE_CODE in pdfmetrics.getFont(style.fontName).face.charToGlyph:  # a font without it would draw a box
            runs = keep_runs_together(runs)
        return MeasuredParagraph(runs_to_markup(runs, self.layout.text.link_colour, self.layout.code.inline_background), style)

    def node(self, role: str, **attrs: Any) -> Node | None:
        """A new structure element at the end of the current one (None when not tagging)."""
        return self.struct.add(role, **attrs) if self.struct is not None else None

    @contextmanager
    def within(self, node: Node | None) -> Iterator[None]:
        """Blocks made inside this block belong to ``node``."""
        outer = self.struct
        self.struct = node if node is not None else outer
        try:
            yield
        finally:
            self.struct = outer

    def text(self, runs: list[Run], style: ParagraphStyle, node: Node | str | None) -> Flowable:
        """A paragraph of ``runs`` that is the content of ``node`` (or of a new element of that role)."""
        if isinstance(node, str):
            node = self.node(node)
        flowable = self.paragraph(runs, style)
        if node is None:
            return flowable
        previous = None
        for run in runs:  # each link's words, occurrence by occurrence (an address may come twice)
            if run.href:
                texts = node.links.setdefault(run.href, [])
                if run.href == previous:
                    texts[-1] += run.text
                else:
                    texts.append(run.text)
            previous = run.href
        if self.rtl:
            # glyphs are drawn in visual order (and PDFium repeats a long marked-content ActualText
            # glyph by glyph), so the element itself carries the words in reading order
            node.attrs["ActualText"] = logical_text([r.text if not r.line_break else " " for r in runs])
            if not any(has_rtl_letter(r.text) for r in runs):
                node.attrs.setdefault("Lang", "en")  # a Latin-only line (a web address) in a right-to-left leaflet
            elif any(r.href or has_ltr_letter(r.text) for r in runs):
                node.attrs["_runs"] = True  # links and Latin words get elements of their own as drawn (tagging.tag_run)
        return tag(flowable, node)

    def heading_role(self, level: int) -> str:
        """``H<level>``, but never more than one level below the previous heading."""
        self.heading_level = max(2, min(level, self.heading_level + 1))
        return f"H{self.heading_level}"

    def text_width(self, text: str, style: ParagraphStyle) -> float:
        """Width of ``text`` on one line in ``style``; right-to-left text is measured shaped."""
        if self.rtl:
            return self.extra["rtl_fonts"].width(text, style.fontName, style.fontSize)
        return stringWidth(text, style.fontName, style.fontSize)


def has_rtl_letter(text: str) -> bool:
    """True if ``text`` has a letter of a right-to-left script (Arabic, Hebrew, Syriac, Thaana...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def has_ltr_letter(text: str) -> bool:
    """True if ``text`` has a letter of a left-to-right script (Latin, Greek, Cyrillic...)."""
    return any(unicodedata.bidirectional(ch) == "L" for ch in text)


def padding(sides: tuple[float, float, float, float]) -> list[tuple]:
    """Table style commands for a layout padding (top, right, bottom, left), on every cell."""
    top, right, bottom, left = sides
    return [("LEFTPADDING", (0, 0), (-1, -1), left), ("RIGHTPADDING", (0, 0), (-1, -1), right),
            ("TOPPADDING", (0, 0), (-1, -1), top), ("BOTTOMPADDING", (0, 0), (-1, -1), bottom)]


def table_style(ctx: Context, commands: list[tuple]) -> TableStyle:
    """A TableStyle whose default font is ours (ReportLab's default would add Helvetica)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), ctx.styles.body.fontName, ctx.styles.body.fontSize), *commands])


def inline_runs(el: Element, bold: bool = False, italic: bool = False, code: bool = False, href: str | None = None) -> list[Run]:
    """Flatten an element's inline content (text, strong, em, code, a, br) into runs."""
    runs: list[Run] = []
    if el.text:
        runs.append(Run(el.text, bold, italic, code, href))
    for child in el:
        tag = child.tag
        if tag in ("strong", "b"):
            runs += inline_runs(child, True, italic, code, href)
        elif tag in ("em", "i"):
            runs += inline_runs(child, bold, True, code, href)
        elif tag == "code":
            runs += inline_runs(child, bold, italic, True, href)
        elif tag == "a":
            runs += inline_runs(child, bold, italic, code, (child.get("href") or "").strip() or None)
        elif tag == "br":
            runs.append(Run("", line_break=True))
        elif tag == "img":
            pass  # images become block flowables after the paragraph (see images_in)
        else:
            runs += inline_runs(child, bold, italic, code, href)
        if child.tail:
            runs.append(Run(child.tail, bold, italic, code, href))
    return runs


def runs_to_markup(runs: list[Run], link_colour: str, code_background: str) -> str:
    parts = []
    for run in runs:
        if run.line_break:
            parts.append("<br/>")
            continue
        text = escape(run.text)
        if run.code:
            text = f"<font backColor={quoteattr(code_background)}>{text}</font>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.bold:
            text = f"<b>{text}</b>"
        if run.href:
            text = f"<a href={quoteattr(run.href)} color={quoteattr(link_colour)}><u>{text}</u></a>"
        parts.append(text)
    return "".join(parts).strip()


def plain_runs(text: str) -> list[Run]:
    return [Run(text)]
