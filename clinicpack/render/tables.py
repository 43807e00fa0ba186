"""Markdown tables -> ReportLab tables: readable column widths, first baselines aligned across
a row, header rows repeated on every page, and tagged as a PDF table (TH with scope, TD)."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from ..errors import BuildError
from ..markdown_tree import Element
from .context import Context, inline_runs, padding, table_style
from .tagging import Node

MIN_COLUMN_TEXT = 24.0  # points of text width a table column never goes below (a long word splits)
MAX_TABLE_COLUMNS = 12  # more than this cannot be read on a leaflet page, however short the cells


def handle_table(el: Element, ctx: Context) -> list[Flowable]:
    rows: list[list[Element]] = []
    header_rows = 0
    for section in el:
        for tr in section.findall("tr"):
            rows.append([c for c in tr if c.tag in ("th", "td")])
            if section.tag == "thead":
                header_rows += 1
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    t = ctx.layout.table
    sides = t.cell_padding[1] + t.cell_padding[3]  # a cell's padding left and right
    if columns > MAX_TABLE_COLUMNS or ctx.layout.frame_width / columns < sides + MIN_COLUMN_TEXT:
        fits = min(MAX_TABLE_COLUMNS, int(ctx.layout.frame_width // (sides + MIN_COLUMN_TEXT)))
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
    widths = _column_widths(rows, columns, ctx.layout.frame_width, lambda text: ctx.text_width(text, ctx.styles.table_header), sides)
    if ctx.rtl:
        widths = widths[::-1]
    align_first_baselines(data, widths, sides)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *padding(t.cell_padding),
        ("LINEBELOW", (0, 0), (-1, -1), t.rule_width, HexColor(t.rule_colour)),
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


def cell_node(row: Node | None, header: bool, scope: str) -> Node | None:
    """A ``TH`` (with its scope: the column or row it heads) or ``TD`` in ``row``."""
    if row is None:
        return None
    return row.add("TH", A={"O": "Table", "Scope": scope}) if header else row.add("TD")


def _column_widths(rows: list[list[Element]], columns: int, width: float, measure: Callable[[str], float], sides: float) -> list[float]:
    """Column widths for readable tables: short columns ("Week 12", "Common") get their whole
    text on one line; the long columns share the rest, each with room for its longest word,
    and more in proportion to how much more text it holds (as browsers do for the rest).
    ``sides``: a cell's padding left and right."""
    padding = sides + 2.0  # and a little slack so a measured fit never wraps
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


def _table_line(ctx: Context, rows: list[list[Element]]) -> int:
    """The line of the table's first row (its first cell's text)."""
    words = "".join(rows[0][0].itertext()).split() if rows and rows[0] else []
    leaflet = ctx.leaflet
    for number, line in enumerate(leaflet.lines[leaflet.body_start - 1 :], start=leaflet.body_start):
        if "|" in line and (not words or words[0] in line):
            return number
    return leaflet.body_start
