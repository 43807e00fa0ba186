"""A one-page PDF "What changed in this leaflet", for a medical writer to send for review.

It is drawn with the leaflet's own brand, layout and fonts (right-to-left leaflets through the
same RTL paragraphs), and always fits one page: long sections are cut to their first lines,
with a count of the rest, and the whole is shrunk to the page if it still does not fit.
"""

from __future__ import annotations

import re

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, Spacer

from ..brand import Brand
from ..layout import Layout
from ..leaflet import Leaflet
from ..runs import Run
from . import prepare
from .page import PageInfo, PdfMeta, build_pdf

TITLE = "What changed in this leaflet"
REMOVED_COLOUR, ADDED_COLOUR = "#9b1c1c", "#1b5e20"  # dark red and green: contrast above 7:1 on white
MAX_LINES = 6  # per side of a section; the rest is counted


def changes_pdf(leaflet: Leaflet, brand: Brand, layout: Layout, subtitle: str, changes: list) -> bytes:
    """``changes`` are ``clinicpack.archive.diff.Change`` values (newest version's order)."""
    ctx = prepare(leaflet, brand, layout)
    styles = ctx.styles
    removed = ParagraphStyle("removed", parent=styles.body, textColor=HexColor(REMOVED_COLOUR), spaceAfter=2)
    added = ParagraphStyle("added", parent=styles.body, textColor=HexColor(ADDED_COLOUR), spaceAfter=2)
    story = [ctx.paragraph([Run(TITLE)], styles.headings[1]), ctx.paragraph([Run(subtitle, bold=True)], styles.body)]
    if not changes:
        story.append(ctx.paragraph([Run("No printed text changed.")], styles.body))
    for change in changes:
        story.append(ctx.paragraph([Run(f"{change.title} "), Run(f"({change.status})", italic=not ctx.rtl)], styles.headings[2]))
        story += _lines(ctx, "Removed: ", change.removed, removed)
        story += _lines(ctx, "Added: ", change.added, added)
        story.append(Spacer(1, 4))
    frame_height = (layout.page_size[1] - layout.page.margin_top - layout.page.margin_bottom - layout.header.height
                    - layout.footer.height - 12)
    page = [KeepInFrame(layout.frame_width, frame_height, story, mode="shrink")]
    info = PageInfo(
        header_title=TITLE, footer_left=subtitle, page_label=lambda page, pages: "",
        font=styles.body.fontName, bold_font=styles.table_header.fontName, rtl=ctx.rtl,
    )
    if ctx.rtl:
        from .rtl_flow import draw_text_hook, measure_text_hook

        info.draw_text = draw_text_hook(ctx.extra["rtl_fonts"])
        info.measure_text = measure_text_hook(ctx.extra["rtl_fonts"])
    meta = PdfMeta(title=f"{TITLE}: {leaflet.title}", author=brand.name, subject=subtitle, language=leaflet.language,
                   keywords=f"{leaflet.id} changes")
    return build_pdf(page, brand, layout, info, meta)


def _lines(ctx, label: str, lines: tuple[str, ...], style: ParagraphStyle) -> list:  # noqa: ANN001 (render Context)
    out = [ctx.paragraph([Run(label, bold=True), Run(_plain(line))], style) for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        out.append(ctx.paragraph([Run(f"... and {len(lines) - MAX_LINES} more line(s) (build_pack.py diff lists them all)")], style))
    return out


def _plain(line: str) -> str:
    """Markdown source as a reader sees it: no emphasis marks, list bullets or heading hashes."""
    text = re.sub(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)", "", line)
    text = re.sub(r"\{#[^}]*\}\s*$", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|\*|`)", "", text).strip()
