"""Markdown elements -> ReportLab flowables: one small handler per element type.

The text they share is in ``context`` (the ``Context`` and inline runs); tables and images have
their own modules (``tables``, ``images``). Here: paragraphs, headings, lists, call-outs, rules,
code blocks, and the ``HANDLERS`` registry ``render_blocks`` walks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, ListFlowable, ListItem, Spacer, Table

from ..markdown_tree import Element
from ..runs import Run
from .context import Context, inline_runs, padding, plain_runs, table_style
from .escaping import escape
from .images import handle_image
from .measured import MeasuredParagraph
from .tables import handle_table
from .tagging import Node, tag, tag_list_labels

BULLETS = ("\u2022", "\u2013", "\u2022", "\u2013")  # both glyphs exist in the shipped fonts
NUMBERING = ("1", "a", "i", "1")
NUMBERING_NAMES = ("Decimal", "LowerAlpha", "LowerRoman", "Decimal")  # the same, as PDF ListNumbering names
BLOCK_TAGS = {"p", "ul", "ol", "table", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}


def render_blocks(elements: list[Element] | tuple[Element, ...], ctx: Context) -> list[Flowable]:
    out: list[Flowable] = []
    for el in elements:
        handler = HANDLERS.get(el.tag, handle_unknown)
        out.extend(handler(el, ctx))
    return out


def handle_paragraph(el: Element, ctx: Context) -> list[Flowable]:
    out: list[Flowable] = []
    runs = inline_runs(el)
    if any(r.text.strip() for r in runs):
        out.append(ctx.text(runs, ctx.styles.body, "P"))
    for img in el.iter("img"):
        out.extend(handle_image(img, ctx))
    return out


def room_for_heading(ctx: Context, level: int) -> Flowable:
    """A page break unless a heading and three lines of what follows fit on this page.

    ``keepWithNext`` alone is not enough: ReportLab never keeps a heading with a list (lists are
    containers, left out of its keep-together grouping), so a heading could end a page.
    """
    style = ctx.styles.headings[level]
    body = ctx.styles.body
    line = body.fontSize * 2.0 if ctx.rtl else body.leading  # Nastaliq lines are about twice as tall
    return CondPageBreak(style.spaceBefore + style.leading * (2.0 if ctx.rtl else 1.2) + body.spaceAfter + 3 * line)


def handle_heading(el: Element, ctx: Context) -> list[Flowable]:
    level = min(int(el.tag[1]), 4)
    runs = inline_runs(el)
    return [room_for_heading(ctx, level), ctx.text(runs, ctx.styles.headings[level], ctx.heading_role(int(el.tag[1])))]


def handle_list(el: Element, ctx: Context) -> list[Flowable]:
    ordered = el.tag == "ol"
    level = ctx.depth
    items = []
    numbering = ("Decimal" if ctx.rtl else NUMBERING_NAMES[level % 4]) if ordered else ("Disc" if level % 2 == 0 else "Square")
    list_node = ctx.node("L", A={"O": "List", "ListNumbering": numbering})
    labels: list[Node | None] = []
    for li in el.findall("li"):
        item = list_node.add("LI") if list_node is not None else None
        labels.append(item.add("Lbl") if item is not None else None)
        ctx.depth += 1
        with ctx.within(item.add("LBody") if item is not None else None):
            content = list_item_flowables(li, ctx)
        ctx.depth -= 1
        items.append(ListItem(content or [Spacer(1, 1)]))
    style = ctx.styles.body
    indent = ctx.layout.lists.indent + (style.fontSize * 0.6 if ordered else 0)
    options: dict[str, Any] = dict(
        bulletFontName=style.fontName,
        bulletFontSize=style.fontSize,
        bulletColor=style.textColor,
        leftIndent=indent,
        bulletDedent=indent * 0.85 if not ordered else "auto",
        spaceAfter=style.spaceAfter if level == 0 else 0,
        bulletDir="rtl" if ctx.rtl else "ltr",
    )
    if ordered:
        # Latin letters and roman numerals mean nothing in an RTL script: digits at every level
        options.update(bulletType="1" if ctx.rtl else NUMBERING[level % 4], bulletFormat="%s.")
        start = el.get("start")
        if start and start.isdigit():
            options["start"] = int(start)
    else:
        options.update(bulletType="bullet", start=BULLETS[level % 4])
    if ctx.rtl:
        return [tag_list_labels(rtl_list(items, options, ctx), labels)]
    return [tag_list_labels(ListFlowable(items, **options), labels)]


def rtl_list(items: list[ListItem], options: dict[str, Any], ctx: Context) -> Flowable:
    """The mirror image of a list: indent and markers on the right, markers shaped and bidi-ordered."""
    from .rtl_flow import RTLListFlowable

    indent = options.pop("leftIndent")
    options["rightIndent"] = indent
    if options["bulletDedent"] == "auto":  # numbers end a little inside the right edge
        options["bulletDedent"] = indent - 0.25 * options["bulletFontSize"]
    return RTLListFlowable(items, ctx.extra["rtl_fonts"], **options)


def list_item_flowables(li: Element, ctx: Context) -> list[Flowable]:
    """A list item holds inline text (tight lists) and/or blocks (loose and nested lists)."""
    out: list[Flowable] = []
    inline = Element("p")
    inline.text = li.text
    style = ParagraphStyle("li", parent=ctx.styles.body, spaceAfter=ctx.styles.body.fontSize * 0.25)
    for child in li:
        if child.tag in BLOCK_TAGS:
            if runs := inline_runs(inline):
                if any(r.text.strip() for r in runs):
                    out.append(ctx.text(runs, style, "P"))
            inline = Element("p")
            if child.tag == "p":
                out.append(ctx.text(inline_runs(child), style, "P"))
                out.extend(f for img in child.iter("img") for f in handle_image(img, ctx))
            else:
                out.extend(HANDLERS[child.tag](child, ctx))
            inline.text = child.tail
        else:
            inline.append(child)
    runs = inline_runs(inline)
    if any(r.text.strip() for r in runs):
        out.append(ctx.text(runs, style, "P"))
    out.extend(f for img in inline.iter("img") for f in handle_image(img, ctx))
    return out


class CalloutBox(Table):
    """A call-out may run over a page break, but never leaves a sliver of empty box behind:
    with room for less than two lines of text it moves to the next page whole."""

    min_split_height = 0.0

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if avail_height < self.min_split_height:
            return []
        return super().split(avail_width, avail_height)


def handle_blockquote(el: Element, ctx: Context) -> list[Flowable]:
    with ctx.within(ctx.node("BlockQuote")):
        inner = render_blocks(list(el), ctx) or [Spacer(1, 1)]
    c = ctx.layout.callout
    edge = "LINEAFTER" if ctx.rtl else "LINEBEFORE"
    box = CalloutBox(
        [[inner]],
        colWidths=[ctx.layout.frame_width],
        style=table_style(ctx, [
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(c.background)),
            (edge, (0, 0), (0, -1), c.border_width, HexColor(c.border)),
            *padding(c.padding),
        ]),
        splitInRow=1,
    )
    top, _, bottom, _ = c.padding
    box.min_split_height = top + bottom + 2 * ctx.styles.body.leading  # paddings and two lines
    return [box, Spacer(1, ctx.styles.body.spaceAfter)]


def handle_rule(el: Element, ctx: Context) -> list[Flowable]:
    r = ctx.layout.rule
    return [HRFlowable(width="100%", thickness=r.thickness, color=HexColor(r.colour), spaceBefore=r.space_before, spaceAfter=r.space_after)]


def handle_code_block(el: Element, ctx: Context) -> list[Flowable]:
    text = "".join(el.itertext()).rstrip("\n")
    markup = "<br/>".join(escape(line) for line in text.split("\n"))
    code = ctx.layout.code
    style = ParagraphStyle("pre", parent=ctx.styles.body, backColor=HexColor(code.background), borderPadding=code.padding)
    if ctx.rtl:
        return [rtl_code_block(text, style, ctx)]
    return [tag(MeasuredParagraph(markup, style), ctx.node("P"))]


def rtl_code_block(text: str, style: ParagraphStyle, ctx: Context) -> Flowable:
    """A code block in a right-to-left leaflet: set by the RTL engine (so Latin code gets the
    Latin font, never the Nastaliq font's missing glyphs), line for line, in a grey box.
    Code with no right-to-left letter reads and aligns left to right."""
    code = ctx.layout.code
    from .rtl_flow import has_rtl

    runs: list[Run] = []
    for n, line in enumerate(text.split("\n")):
        if n:
            runs.append(Run("", line_break=True))
        runs.append(Run(line, code=True))
    inner = ParagraphStyle("pre_text", parent=style, backColor=None, alignment=TA_RIGHT if has_rtl(text) else TA_LEFT)
    return Table(
        [[ctx.text(runs, inner, "P")]],
        colWidths=[ctx.layout.frame_width],
        style=table_style(ctx, [("BACKGROUND", (0, 0), (-1, -1), HexColor(code.background)), *[(p, (0, 0), (-1, -1), code.padding) for p in (
            "LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")]]),
        spaceAfter=style.spaceAfter,
    )


def handle_unknown(el: Element, ctx: Context) -> list[Flowable]:
    """Anything else Markdown produced is printed as its text, never dropped silently."""
    text = "".join(el.itertext()).strip()
    return [ctx.text(plain_runs(text), ctx.styles.body, "P")] if text else []


HANDLERS: dict[str, Callable[[Element, Context], list[Flowable]]] = {
    "p": handle_paragraph,
    "h1": handle_heading,
    "h2": handle_heading,
    "h3": handle_heading,
    "h4": handle_heading,
    "h5": handle_heading,
    "h6": handle_heading,
    "ul": handle_list,
    "ol": handle_list,
    "table": handle_table,
    "blockquote": handle_blockquote,
    "hr": handle_rule,
    "pre": handle_code_block,
    "img": handle_image,
}
