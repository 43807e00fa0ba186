"""Markdown images -> flowables: PNG and JPEG at their natural size (96 dpi) shrunk to fit, SVG
as vector shapes; tagged as a Figure with its alt text (none: an artifact)."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, Image, Spacer

from ..errors import BuildError
from ..leaflet import resolve_image
from ..markdown_tree import Element
from .context import Context
from .tagging import tag


def handle_image(el: Element, ctx: Context) -> list[Flowable]:
    path = resolve_image(ctx.leaflet, el.get("src") or "", ctx.assets_dir)
    max_w = ctx.layout.frame_width
    max_h = ctx.layout.page_size[1] * 0.4
    line = ctx.leaflet.target_line(el.get("src") or "", el.get("alt") or "")
    if path.suffix.lower() == ".svg":
        flowable = svg_flowable(path, max_w, max_h, ctx.leaflet.path, line, ctx.styles.body.fontName)
    else:
        try:
            from reportlab.lib.utils import ImageReader

            w, h = ImageReader(str(path)).getSize()
        except Exception:
            raise BuildError(f'image "{path.name}" cannot be read (is it a real PNG or JPEG file?)', ctx.leaflet.path, line) from None
        scale = min(max_w / w, max_h / h, 72 / 96)  # natural size at 96 dpi, shrunk to fit
        flowable = Image(str(path), width=w * scale, height=h * scale)
    flowable.hAlign = "RIGHT" if ctx.rtl else "LEFT"
    # no alt text reads as decorative (as in HTML): an artifact; the quality check warns about it
    alt = " ".join((el.get("alt") or "").split())
    return [tag(flowable, ctx.node("Figure", Alt=alt) if alt else None), Spacer(1, ctx.styles.body.spaceAfter)]


def svg_flowable(path: Path, max_w: float, max_h: float, source: Path, line: int | None, font: str) -> Flowable:
    """An SVG as vector shapes. ``font`` replaces ReportLab's Helvetica default, which would
    otherwise be written into the PDF as an unembedded base-14 font."""
    from .svg import load_drawing

    drawing = load_drawing(path, source, line)
    scale = min(max_w / drawing.width, max_h / drawing.height, 1.0 if drawing.width > 50 else max_w / drawing.width)
    drawing.initialFontName = font
    drawing.scale(scale, scale)
    drawing.width *= scale
    drawing.height *= scale
    return drawing
