"""Markdown elements -> ReportLab flowables: one small handler per element type.

Text reaches ReportLab's paragraph mini-markup only through ``runs_to_markup``, which escapes
every character of leaflet text and emits tags from a fixed allow-list. Nothing a leaflet says
can become a ReportLab tag (so no ``<img>`` reading local files, no font switching).
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Image,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..errors import BuildError
from ..layout import Layout
from ..leaflet import Leaflet, resolve_image
from ..runs import Run, keep_runs_together
from .styles import Styles
from .tagging import Node, logical_text, tag, tag_list_labels

NO_BREAK_SPACE_CODE = 0xA0

BULLETS = ("\u2022", "\u2013", "\u2022", "\u2013")  # both glyphs exist in the shipped fonts
NUMBERING = ("1", "a", "i", "1")
NUMBERING_NAMES = ("Decimal", "LowerAlpha", "LowerRoman", "Decimal")  # the same, as PDF ListNumbering names
BLOCK_TAGS = {"p", "ul", "ol", "table", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}


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
        return Paragraph(runs_to_markup(runs, self.layout.text.link_colour), style)

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
        for run in runs:
            if run.href:
                node.links[run.href] = node.links.get(run.href, "") + run.text
        if self.rtl:
            # glyphs are drawn in visual order (and PDFium repeats a long marked-content ActualText
            # glyph by glyph), so the element itself carries the words in reading order
            node.attrs["ActualText"] = logical_text([r.text if not r.line_break else " " for r in runs])
            if not any(has_rtl_letter(r.text) for r in runs):
                node.attrs.setdefault("Lang", "en")  # a Latin-only line (a web address) in a right-to-left leaflet
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


def table_style(ctx: Context, commands: list[tuple]) -> TableStyle:
    """A TableStyle whose default font is ours (ReportLab's default would add Helvetica)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), ctx.styles.body.fontName, ctx.styles.body.fontSize), *commands])


# ---------------------------------------------------------------- inline text


def inline_runs(el: ET.Element, bold: bool = False, italic: bool = False, code: bool = False, href: str | None = None) -> list[Run]:
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


def runs_to_markup(runs: list[Run], link_colour: str) -> str:
    parts = []
    for run in runs:
        if run.line_break:
            parts.append("<br/>")
            continue
        text = escape(run.text)
        if run.code:
            text = f"<font backColor=\"#eeeeee\">{text}</font>"
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


# ---------------------------------------------------------------- block handlers


def render_blocks(elements: list[ET.Element] | tuple[ET.Element, ...], ctx: Context) -> list[Flowable]:
    out: list[Flowable] = []
    for el in elements:
        handler = HANDLERS.get(el.tag, handle_unknown)
        out.extend(handler(el, ctx))
    return out


def handle_paragraph(el: ET.Element, ctx: Context) -> list[Flowable]:
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


def handle_heading(el: ET.Element, ctx: Context) -> list[Flowable]:
    level = min(int(el.tag[1]), 4)
    runs = inline_runs(el)
    return [room_for_heading(ctx, level), ctx.text(runs, ctx.styles.headings[level], ctx.heading_role(int(el.tag[1])))]


def handle_list(el: ET.Element, ctx: Context) -> list[Flowable]:
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


def list_item_flowables(li: ET.Element, ctx: Context) -> list[Flowable]:
    """A list item holds inline text (tight lists) and/or blocks (loose and nested lists)."""
    out: list[Flowable] = []
    inline = ET.Element("p")
    inline.text = li.text
    style = ParagraphStyle("li", parent=ctx.styles.body, spaceAfter=ctx.styles.body.fontSize * 0.25)
    for child in li:
        if child.tag in BLOCK_TAGS:
            if runs := inline_runs(inline):
                if any(r.text.strip() for r in runs):
                    out.append(ctx.text(runs, style, "P"))
            inline = ET.Element("p")
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


def handle_table(el: ET.Element, ctx: Context) -> list[Flowable]:
    rows: list[list[ET.Element]] = []
    header_rows = 0
    for section in el:
        for tr in section.findall("tr"):
            rows.append([c for c in tr if c.tag in ("th", "td")])
            if section.tag == "thead":
                header_rows += 1
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    if columns > MAX_TABLE_COLUMNS or ctx.layout.frame_width / columns < 12.0 + MIN_COLUMN_TEXT:
        fits = min(MAX_TABLE_COLUMNS, int(ctx.layout.frame_width // (12.0 + MIN_COLUMN_TEXT)))
        raise BuildError(f"this table has {columns} columns; at most {fits} fit across the page in this layout "
                         "(split it into smaller tables or make it a list)", ctx.leaflet.path, _table_line(ctx, rows))
    data = []
    table_node = ctx.node("Table")
    for i, row in enumerate(rows):
        style = ctx.styles.table_header if i < header_rows else ctx.styles.table_cell
        tr = table_node.add("TR") if table_node is not None else None
        cells = [ctx.text(inline_runs(c), style, cell_node(tr, i < header_rows, "Column")) for c in row]
        cells += [Spacer(1, 1)] * (columns - len(cells))
        data.append(cells[::-1] if ctx.rtl else cells)
    widths = _column_widths(rows, columns, ctx.layout.frame_width, lambda text: ctx.text_width(text, ctx.styles.table_header))
    if ctx.rtl:
        widths = widths[::-1]
    align_first_baselines(data, widths, 12.0)
    t = ctx.layout.table
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, HexColor(t.rule_colour)),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HexColor(t.header_background)))
    for r in range(header_rows + 1, len(data), 2):
        commands.append(("BACKGROUND", (0, r), (-1, r), HexColor(t.stripe)))
    table = Table(data, colWidths=widths, repeatRows=header_rows, style=table_style(ctx, commands), hAlign="RIGHT" if ctx.rtl else "LEFT", splitInRow=1)
    return [table, Spacer(1, ctx.styles.body.spaceAfter)]


def first_baseline(cell: Flowable, width: float) -> float | None:
    """Distance from the top of ``cell`` (laid out ``width`` wide) to its first baseline, if known.

    A right-to-left paragraph knows it (Nastaliq lines sit lower under tall words); a Latin
    paragraph's first baseline is its font size below its top, as ReportLab draws it.
    """
    if hasattr(cell, "first_baseline"):
        cell.wrap(width, 1e9)
        return cell.first_baseline()
    if isinstance(cell, Paragraph):
        return cell.style.fontSize
    return None


def align_first_baselines(data: list[list[Flowable]], widths: list[float], padding: float) -> None:
    """Set each table row's cells on one first baseline (in place): a cell whose first line
    would sit higher than its neighbours' gets that much room above it. With top alignment
    alone a short Nastaliq cell sat up to 10pt higher than the cell beside it."""
    for row in data:
        tops = [first_baseline(cell, w - padding) for cell, w in zip(row, widths)]
        known = [t for t in tops if t is not None]
        if len(known) < 2:
            continue
        low = max(known)
        for c, top in enumerate(tops):
            if top is not None and low - top > 0.01:
                row[c] = [Spacer(1, low - top), row[c]]


MIN_COLUMN_TEXT = 24.0  # points of text width a table column never goes below (a long word splits)
MAX_TABLE_COLUMNS = 12  # more than this cannot be read on a leaflet page, however short the cells


def cell_node(row: Node | None, header: bool, scope: str) -> Node | None:
    """A ``TH`` (with its scope: the column or row it heads) or ``TD`` in ``row``."""
    if row is None:
        return None
    return row.add("TH", A={"O": "Table", "Scope": scope}) if header else row.add("TD")


def _column_widths(rows: list[list[ET.Element]], columns: int, width: float, measure: Callable[[str], float]) -> list[float]:
    """Column widths for readable tables: short columns ("Week 12", "Common") get their whole
    text on one line; the long columns share the rest, each with room for its longest word,
    and more in proportion to how much more text it holds (as browsers do for the rest)."""
    padding = 12.0 + 2.0  # cell padding, and a little slack so a measured fit never wraps
    shortest = [padding] * columns  # longest single word
    longest = [padding] * columns  # whole cell text on one line
    for row in rows:
        for i, cell in enumerate(row):
            text = " ".join("".join(cell.itertext()).split())
            words = text.split(" ") if text else [""]
            shortest[i] = max(shortest[i], max(measure(w) for w in words) + padding)
            longest[i] = max(longest[i], measure(text) + padding)
    if sum(shortest) >= width:  # even single words do not fit: share by need (long words split)
        floor = min(padding + MIN_COLUMN_TEXT, width / columns)  # every column keeps room for a few letters
        need = [max(0.0, w - floor) for w in shortest]
        spare = width - floor * columns
        return [floor + (spare * n / sum(need) if sum(need) else spare / columns) for n in need]
    if sum(longest) <= width:  # everything fits on one line: spread the spare room evenly
        spare = (width - sum(longest)) / columns
        return [w + spare for w in longest]
    widths: list[float | None] = [None] * columns
    remaining = width
    for i in sorted(range(columns), key=lambda c: longest[c]):
        others = sum(shortest[j] for j in range(columns) if widths[j] is None and j != i)
        if longest[i] <= width * 0.35 and longest[i] + others <= remaining:
            widths[i] = longest[i]
            remaining -= longest[i]
    flexible = [i for i in range(columns) if widths[i] is None]
    extra = {i: longest[i] - shortest[i] for i in flexible}
    room = remaining - sum(shortest[i] for i in flexible)
    for i in flexible:
        widths[i] = shortest[i] + (room * extra[i] / sum(extra.values()) if sum(extra.values()) else room / len(flexible))
    return [w for w in widths if w is not None]


def _table_line(ctx: Context, rows: list[list[ET.Element]]) -> int:
    """The line of the table's first row (its first cell's text)."""
    words = "".join(rows[0][0].itertext()).split() if rows and rows[0] else []
    leaflet = ctx.leaflet
    for number, line in enumerate(leaflet.lines[leaflet.body_start - 1 :], start=leaflet.body_start):
        if "|" in line and (not words or words[0] in line):
            return number
    return leaflet.body_start


class CalloutBox(Table):
    """A call-out may run over a page break, but never leaves a sliver of empty box behind:
    with room for less than two lines of text it moves to the next page whole."""

    min_split_height = 0.0

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if avail_height < self.min_split_height:
            return []
        return super().split(avail_width, avail_height)


def handle_blockquote(el: ET.Element, ctx: Context) -> list[Flowable]:
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
            ("LEFTPADDING", (0, 0), (-1, -1), 12),
            ("RIGHTPADDING", (0, 0), (-1, -1), 12),
            ("TOPPADDING", (0, 0), (-1, -1), 9),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]),
        splitInRow=1,
    )
    box.min_split_height = 9 + 3 + 2 * ctx.styles.body.leading  # paddings and two lines
    return [box, Spacer(1, ctx.styles.body.spaceAfter)]


def handle_rule(el: ET.Element, ctx: Context) -> list[Flowable]:
    return [HRFlowable(width="100%", thickness=0.8, color=HexColor(ctx.layout.table.rule_colour), spaceBefore=6, spaceAfter=10)]


def handle_code_block(el: ET.Element, ctx: Context) -> list[Flowable]:
    text = "".join(el.itertext()).rstrip("\n")
    markup = "<br/>".join(escape(line) for line in text.split("\n"))
    style = ParagraphStyle("pre", parent=ctx.styles.body, backColor=HexColor("#f2f2f2"), borderPadding=4)
    if ctx.rtl:
        return [rtl_code_block(text, style, ctx)]
    return [tag(Paragraph(markup, style), ctx.node("P"))]


def rtl_code_block(text: str, style: ParagraphStyle, ctx: Context) -> Flowable:
    """A code block in a right-to-left leaflet: set by the RTL engine (so Latin code gets the
    Latin font, never the Nastaliq font's missing glyphs), line for line, in a grey box.
    Code with no right-to-left letter reads and aligns left to right."""
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
        style=table_style(ctx, [("BACKGROUND", (0, 0), (-1, -1), HexColor("#f2f2f2")), *[(p, (0, 0), (-1, -1), 4) for p in (
            "LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")]]),
        spaceAfter=style.spaceAfter,
    )


def handle_image(el: ET.Element, ctx: Context) -> list[Flowable]:
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


def handle_unknown(el: ET.Element, ctx: Context) -> list[Flowable]:
    """Anything else Markdown produced is printed as its text, never dropped silently."""
    text = "".join(el.itertext()).strip()
    return [ctx.text(plain_runs(text), ctx.styles.body, "P")] if text else []


HANDLERS: dict[str, Callable[[ET.Element, Context], list[Flowable]]] = {
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
