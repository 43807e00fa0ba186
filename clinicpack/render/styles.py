"""Paragraph styles, made from the resolved layout (the only place sizes become styles)."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from ..codecache import dataclass
from ..layout import Layout
from .fonts import Faces

ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}


@dataclass(frozen=True)
class Styles:
    """The paragraph styles one leaflet is drawn with, made once from its layout and brand."""
    body: ParagraphStyle
    headings: dict[int, ParagraphStyle]
    table_cell: ParagraphStyle
    table_header: ParagraphStyle
    title: ParagraphStyle
    summary: ParagraphStyle
    panel_heading: ParagraphStyle
    panel_text: ParagraphStyle
    small: ParagraphStyle


def make_styles(layout: Layout, body: Faces, headings: Faces, rtl: bool = False) -> Styles:
    t, h = layout.text, layout.headings
    align = ALIGN[t.align]
    if rtl and t.align == "left":
        align = TA_RIGHT  # "left" means "start of line" for designers; RTL lines start on the right
    base = ParagraphStyle(
        "body",
        fontName=body.regular,
        fontSize=t.size,
        leading=t.size * t.leading,
        textColor=HexColor(t.colour),
        alignment=align,
        spaceAfter=t.space_after,
        splitLongWords=1,
        allowWidows=0,
        allowOrphans=0,
        bulletFontName=body.regular,
    )
    sizes = {1: h.h1_size, 2: h.h2_size, 3: h.h3_size, 4: h.h4_size}
    heading_styles = {
        level: ParagraphStyle(
            f"h{level}",
            parent=base,
            fontName=headings.bold,
            fontSize=size,
            leading=size * 1.25,
            textColor=HexColor(h.colour),
            spaceBefore=h.space_before if level <= 2 else h.space_before * 0.6,
            spaceAfter=h.space_after,
            keepWithNext=1,
            alignment=TA_RIGHT if rtl else TA_LEFT,
        )
        for level, size in sizes.items()
    }
    cell = ParagraphStyle("cell", parent=base, spaceAfter=0, leading=t.size * min(t.leading, 1.3))
    return Styles(
        body=base,
        headings=heading_styles,
        table_cell=cell,
        table_header=ParagraphStyle("th", parent=cell, fontName=body.bold, textColor=HexColor(layout.table.header_colour)),
        title=ParagraphStyle(
            "title", parent=base, fontName=headings.bold, fontSize=layout.title.size,
            leading=layout.title.size * 1.2, textColor=HexColor(layout.title.colour), spaceAfter=0,
        ),
        summary=ParagraphStyle(
            "summary", parent=base, fontSize=layout.title.summary_size, leading=layout.title.summary_size * 1.35,
            textColor=HexColor(layout.title.colour), spaceBefore=4, spaceAfter=0,
        ),
        panel_heading=ParagraphStyle(
            "panel_heading", parent=base, fontName=headings.bold, fontSize=layout.qr.text_size * 1.25,
            leading=layout.qr.text_size * 1.6, textColor=HexColor(h.colour), spaceAfter=3,
        ),
        panel_text=ParagraphStyle(
            "panel_text", parent=base, fontSize=layout.qr.text_size, leading=layout.qr.text_size * 1.35, spaceAfter=3,
        ),
        small=ParagraphStyle("small", parent=base, spaceAfter=2),
    )
