"""Rendering: the only package that imports ReportLab.

``render_leaflet`` turns a validated leaflet into PDF bytes. Nothing here writes files.
"""

from __future__ import annotations

from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from ..brand import Brand
from ..codecache import dataclass
from ..labels import Labels
from ..layout import Layout
from ..leaflet import Leaflet
from ..qr import booking_matrix
from ..quality import FontFacts
from . import fonts
from .blocks import about_box, booking_panel, references_block, section_heading, title_band
from .context import Context
from .elements import render_blocks
from .page import PageInfo, PdfMeta, build_pdf
from .safety import laid_out
from .styles import make_styles
from .tagging import document

# Streams are Flate-compressed binary, not also ASCII85-armoured: ReportLab's pure-Python
# ASCII85 encoder was the single largest cost of a leaflet build, and files get ~20% smaller.
# (Read when a PDF is written, so setting it after the imports is enough.)
rl_config.useA85 = 0


@dataclass(frozen=True)
class RenderOptions:
    """What rendering needs besides the leaflet, brand and layout."""
    assets_dir: Path
    booking_url: str
    review_overdue: bool = False  # built with --allow-overdue past review_due: the footer says so
    footer_note: str = ""  # added to every footer, e.g. "Reprint of version 1.0, first printed 2 December 2026"
    tagged: bool = True  # a tagged PDF (structure tree, artifacts); off only to compare with the untagged page


def _leaflet_fonts(leaflet: Leaflet, brand: Brand, layout: Layout) -> tuple[fonts.Faces, fonts.Faces, tuple, str, str]:
    """Body and heading faces for this leaflet, the font chains that must draw every printed
    character, a label for messages and the body font's family name."""
    language = brand.language(leaflet.language)
    body_font = language.font or layout.text.font
    heading_font = language.font or layout.headings.font
    body = fonts.faces(brand, body_font)
    headings = fonts.faces(brand, heading_font)
    label = f'"{brand.fonts[body_font].family}"'
    if language.font:  # the language's own font first, the layout's Latin font as fallback
        latin = fonts.faces(brand, layout.text.font)
        chains = ((body.regular, latin.regular), (body.bold, latin.bold))
        label += f' (with "{brand.fonts[layout.text.font].family}" for Latin text)'
    else:
        chains = ((body.regular,), (body.bold,), (body.italic,), (headings.bold,))
    return body, headings, chains, label, brand.fonts[body_font].family


def font_facts(leaflet: Leaflet, brand: Brand, layout: Layout) -> FontFacts:
    """What the quality checks need from the fonts: every missing glyph, and text widths."""
    body, _, chains, label, family = _leaflet_fonts(leaflet, brand, layout)
    size = layout.text.size
    return FontFacts(
        family=family,
        glyph_errors=tuple(fonts.glyph_errors(leaflet, chains, label)),
        width=lambda text: stringWidth(text, body.regular, size),
    )


def prepare(leaflet: Leaflet, brand: Brand, layout: Layout) -> Context:
    """Register fonts, check that they can draw every character, and make the styles."""
    rtl = brand.language(leaflet.language).direction == "rtl"
    body, headings, chains, label, _ = _leaflet_fonts(leaflet, brand, layout)
    fonts.check_leaflet_glyphs(leaflet, chains, label)
    ctx = Context(leaflet=leaflet, layout=layout, styles=make_styles(layout, body, headings, rtl), assets_dir=Path(), rtl=rtl)
    if rtl:
        # imported here: HarfBuzz, bidi and the RTL engine load only for right-to-left leaflets
        from .rtl_flow import RTLFonts, paragraph_factory

        # every ctx.paragraph() becomes an RTLParagraph; Latin letters fall back to the
        # layout's body font, the same chain the glyph check above verified
        rtl_fonts = RTLFonts(script=body, latin=fonts.faces(brand, layout.text.font), language=leaflet.language.split("-")[0])
        ctx.paragraph_factory = paragraph_factory(rtl_fonts, layout.text.link_colour)
        ctx.extra["rtl_fonts"] = rtl_fonts
    return ctx


def leaflet_story(ctx: Context, brand: Brand, labels: Labels, booking_url: str, with_title: bool = True) -> list[Flowable]:
    leaflet = ctx.leaflet
    story: list[Flowable] = []
    if with_title:
        story.append(title_band(ctx, leaflet))
    # made where it is read: the order of making is the order of the structure tree
    panel = lambda: booking_panel(ctx, brand, labels, booking_matrix(booking_url))  # noqa: E731
    if ctx.layout.qr.placement == "start":
        story.append(panel())
    story += render_blocks(leaflet.intro, ctx)
    for section in leaflet.sections:
        story += section_heading(ctx, section)
        story += render_blocks(section.body, ctx)
    if leaflet.references:
        story += references_block(ctx, labels, leaflet.references)
    if ctx.layout.qr.placement == "end":
        story.append(panel())
    story += about_box(ctx, labels, leaflet)
    return story


def page_info(ctx: Context, brand: Brand, labels: Labels, review_overdue: bool = False, footer_note: str = "") -> PageInfo:
    leaflet = ctx.leaflet
    review = "review_overdue" if review_overdue else "review_due"
    draw_text = measure_text = None
    if ctx.rtl:
        from .rtl_flow import draw_text_hook, measure_text_hook

        draw_text, measure_text = draw_text_hook(ctx.extra["rtl_fonts"]), measure_text_hook(ctx.extra["rtl_fonts"])
    footer = "  \u00b7  ".join([
        leaflet.id,
        labels.fmt("version", version=leaflet.version),
        labels.fmt(review, date=labels.date(leaflet.review_due)),
        *([footer_note] if footer_note else []),
    ])
    return PageInfo(
        header_title=leaflet.title,
        footer_left=footer,
        page_label=lambda page, pages: labels.fmt("page_of", page=page, pages=pages),
        font=ctx.styles.body.fontName,
        bold_font=ctx.styles.table_header.fontName,
        rtl=ctx.rtl,
        draw_text=draw_text,
        measure_text=measure_text,
    )


def render_leaflet(leaflet: Leaflet, brand: Brand, layout: Layout, labels: Labels, options: RenderOptions) -> bytes:
    ctx = prepare(leaflet, brand, layout)
    ctx.assets_dir = options.assets_dir
    ctx.struct = root = document(leaflet.language) if options.tagged else None  # a tagged PDF: see tagging.py
    story = leaflet_story(ctx, brand, labels, options.booking_url)
    meta = PdfMeta(
        title=leaflet.title,
        author=brand.name,
        subject=leaflet.summary or leaflet.title,
        language=leaflet.language,
        keywords=f"{leaflet.id} version {leaflet.version}",
    )
    with laid_out(leaflet.path):
        return build_pdf(
            story, brand, layout, page_info(ctx, brand, labels, options.review_overdue, options.footer_note), meta, structure=root
        )
