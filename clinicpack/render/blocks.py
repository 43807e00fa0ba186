"""The leaflet's own furniture: title band, booking panel with its vector QR code, section
headings with bookmarks, references and the "about this leaflet" box."""

from __future__ import annotations

from reportlab.lib.colors import HexColor, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, ListFlowable, ListItem, Spacer, Table

from ..brand import Brand
from ..labels import Labels
from ..leaflet import Leaflet, Section
from ..qr import QrMatrix, quiet_zone
from ..runs import Run
from .context import Context, inline_runs, plain_runs, table_style
from .elements import room_for_heading, rtl_list
from .tables import cell_node
from .tagging import Node, tag, tag_list_labels


class QrCode(Flowable):
    """A QR code drawn as vector rectangles from its matrix, with a white quiet zone.

    ``symbol_width`` is the width of the code itself; the flowable is wider by four modules of
    quiet zone on each side. Vector shapes stay sharp at any print resolution.
    """

    def __init__(self, matrix: QrMatrix, symbol_width: float, colour: str = "#000000"):
        super().__init__()
        self.matrix = matrix
        self.module = symbol_width / matrix.size
        self.quiet = quiet_zone(symbol_width, matrix.size)
        self.total = symbol_width + 2 * self.quiet
        self.colour = colour

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.total, self.total

    def draw(self) -> None:
        c, m = self.canv, self.module
        c.saveState()
        c.setFillColor(white)
        c.rect(0, 0, self.total, self.total, stroke=0, fill=1)
        c.setFillColor(HexColor(self.colour))
        path = c.beginPath()
        for x, y, length in self.matrix.rectangles():
            path.rect(self.quiet + x * m, self.quiet + y * m, length * m, m)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


class Outlined(Flowable):
    """Wraps a flowable so the document adds a bookmark for it (see page._Doc)."""

    def __init__(self, inner: Flowable, key: str, title: str, level: int = 0):
        super().__init__()
        self.inner, self.outline = inner, (key, title, level)
        self.keepWithNext = inner.getKeepWithNext()

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(aw, ah)
        return self.width, self.height

    def getSpaceBefore(self) -> float:
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.inner.getSpaceAfter()

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)


class EdgeToEdge(Flowable):
    """A flowable whose background colour runs past the text column to the page edges, and
    into the bleed of a print-ready page. The content stays where it was; only the colour
    reaches further."""

    def __init__(self, inner: Flowable, colour: str, reach_left: float, reach_right: float):
        super().__init__()
        self.inner, self.colour = inner, colour
        self.reach_left, self.reach_right = reach_left, reach_right
        self.outline = getattr(inner, "outline", None)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(aw, ah)
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        return []  # a title band is never split across pages

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(HexColor(self.colour))
        c.rect(-self.reach_left, 0, self.width + self.reach_left + self.reach_right, self.height, stroke=0, fill=1)
        c.restoreState()
        self.inner.drawOn(c, 0, 0)


def title_band(ctx: Context, leaflet: Leaflet) -> Flowable:
    t = ctx.layout.title
    rows = [[ctx.text(plain_runs(leaflet.title), ctx.styles.title, "H1")]]
    if leaflet.summary:
        rows.append([ctx.text(plain_runs(leaflet.summary), ctx.styles.summary, "P")])
    band = Table(
        rows,
        colWidths=[ctx.layout.frame_width],
        style=table_style(ctx, [
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(t.band_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), t.band_padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), t.band_padding),
            ("TOPPADDING", (0, 0), (-1, 0), t.band_padding),
            ("BOTTOMPADDING", (0, -1), (-1, -1), t.band_padding),
            ("TOPPADDING", (0, 1), (-1, -1), 2),
        ]),
    )
    band.outline = ("title", leaflet.title, 0)  # type: ignore[attr-defined]
    if t.band_width == "page":
        layout = ctx.layout
        bleed = layout.print.bleed if layout.print.ready else 0.0
        return EdgeToEdge(band, t.band_colour, layout.page.margin_left + bleed, layout.page.margin_right + bleed)
    return band


def booking_panel(ctx: Context, brand: Brand, labels: Labels, matrix: QrMatrix) -> Flowable:
    q = ctx.layout.qr
    code = QrCode(matrix, q.size)
    url_style = ParagraphStyle("url", parent=ctx.styles.panel_text, fontName=ctx.styles.table_header.fontName, textColor=HexColor(ctx.layout.text.link_colour))
    panel_node = ctx.node("Div")
    with ctx.within(panel_node):
        text = [
            ctx.text(plain_runs(labels["booking_heading"]), ctx.styles.panel_heading, "P"),
            ctx.text(plain_runs(labels["booking_text"]), ctx.styles.panel_text, "P"),
        ]
        gap = 10
        text_width = ctx.layout.frame_width - code.total - gap - 2 * 8
        text += [
            ctx.text(url_runs(matrix.url, url_style.fontName, url_style.fontSize, text_width), url_style, "P"),
            ctx.text(plain_runs(labels.fmt("booking_phone", phone=brand.phone)), ctx.styles.panel_text, "P"),
        ]
        tag(code, qr_figure(ctx, labels, matrix.url))
    cells = [code, text] if not ctx.rtl else [text, code]
    widths = [code.total + gap, text_width + 16] if not ctx.rtl else [text_width + 16, code.total + gap]
    panel = Table(
        [cells],
        colWidths=widths,
        style=table_style(ctx, [
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(ctx.layout.qr.panel_colour)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]),
    )
    return KeepTogether([Spacer(1, 10), panel, Spacer(1, 6)])


def qr_figure(ctx: Context, labels: Labels, url: str) -> Node | None:
    """The QR code's ``Figure``: its alt text says what it is and gives the address (in English,
    marked so, where the leaflet's language has no "qr_alt" label yet)."""
    node = ctx.node("Figure", Alt=labels.fmt("qr_alt", url=url))
    source = labels.where.get("qr_alt")
    if node is not None and source is not None and source[0].stem != labels.language.split("-")[0]:
        node.attrs["Lang"] = source[0].stem
    return node


def url_runs(url: str, font: str, size: float, width: float) -> list[Run]:
    """A printed address that a patient may type: too long for one line, it breaks after a
    "/", "?" or "&" (never inside a word, which reads as two addresses); every part stays a link."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    runs: list[Run] = []
    rest = url
    while stringWidth(rest, font, size) > width:
        breaks = [i + 1 for i, ch in enumerate(rest[:-1]) if ch in "/?&" and i > 8 and stringWidth(rest[: i + 1], font, size) <= width]
        if not breaks:
            break
        runs += [Run(rest[: breaks[-1]], href=url), Run("", line_break=True)]
        rest = rest[breaks[-1] :]
    return runs + [Run(rest, href=url)]


def section_heading(ctx: Context, section: Section) -> list[Flowable]:
    heading = ctx.text(inline_runs(section.heading), ctx.styles.headings[2], ctx.heading_role(2))
    out: list[Flowable] = [room_for_heading(ctx, 2), Outlined(heading, section.key, section.title)]
    if ctx.layout.headings.rule:
        from reportlab.platypus import HRFlowable

        rule = HRFlowable(width="100%", thickness=1, color=HexColor(ctx.layout.headings.rule_colour), spaceBefore=0, spaceAfter=6)
        rule.keepWithNext = 1
        out.append(rule)
    return out


def references_block(ctx: Context, labels: Labels, references: tuple[str, ...]) -> list[Flowable]:
    heading = ctx.text(plain_runs(labels["references"]), ctx.styles.headings[2], ctx.heading_role(2))
    style = ParagraphStyle("ref", parent=ctx.styles.body, spaceAfter=4)
    list_node = ctx.node("L", A={"O": "List", "ListNumbering": "Decimal"})
    items, item_labels = [], []
    for ref in references:
        item = list_node.add("LI") if list_node is not None else None
        item_labels.append(item.add("Lbl") if item is not None else None)
        items.append(ListItem([ctx.text(_link_runs(ref), style, item.add("LBody").add("P") if item is not None else None)]))
    options = dict(
        bulletType="1", bulletFormat="%s.", bulletFontName=style.fontName, bulletFontSize=style.fontSize,
        leftIndent=ctx.layout.lists.indent + style.fontSize * 0.6, bulletDedent="auto",
    )
    numbered = tag_list_labels(rtl_list(items, options, ctx) if ctx.rtl else ListFlowable(items, **options), item_labels)
    return [room_for_heading(ctx, 2), Outlined(heading, "references", labels["references"]), numbered]


def _link_runs(text: str) -> list[Run]:
    """Plain reference text with any https:// address made clickable."""
    import re

    runs: list[Run] = []
    pos = 0
    for m in re.finditer(r"https?://\S+[^\s.,;)]", text):
        if m.start() > pos:
            runs.append(Run(text[pos : m.start()]))
        runs.append(Run(m.group(0), href=m.group(0)))
        pos = m.end()
    if pos < len(text):
        runs.append(Run(text[pos:]))
    return runs


def about_box(ctx: Context, labels: Labels, leaflet: Leaflet) -> list[Flowable]:
    rows = [
        (labels["about_code"], f"{leaflet.id} ({leaflet.fingerprint})"),
        (labels["about_version"], leaflet.version),
        (labels["about_published"], labels.date(leaflet.published)),
        (labels["about_review_due"], labels.date(leaflet.review_due)),
        (labels["about_authors"], "; ".join(leaflet.authors)),
    ]
    if leaflet.reviewed_by:
        rows.append((labels["about_reviewed_by"], "; ".join(leaflet.reviewed_by)))
    label_style = ctx.styles.table_cell
    bold = ParagraphStyle("about_label", parent=label_style, fontName=ctx.styles.table_header.fontName)
    heading = ctx.text(plain_runs(labels["about"]), ctx.styles.headings[3], ctx.heading_role(3))
    table_node = ctx.node("Table")
    data = []
    for k, v in rows:
        tr = table_node.add("TR") if table_node is not None else None
        data.append([ctx.text(plain_runs(k), bold, cell_node(tr, True, "Row")), ctx.text(plain_runs(v), label_style, cell_node(tr, False, ""))])
    if ctx.rtl:
        data = [r[::-1] for r in data]
    w = ctx.layout.frame_width
    widths = [w * 0.3, w * 0.7] if not ctx.rtl else [w * 0.7, w * 0.3]
    table = Table(
        data, colWidths=widths,
        style=table_style(ctx, [
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(ctx.layout.callout.background)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ]),
    )
    return [KeepTogether([Outlined(heading, "about", labels["about"]), table])]
