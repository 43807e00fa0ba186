"""Constraints between layout keys: margins that leave no page, a column too narrow to read,
text below the layout's smallest size. Each check raises at the file and line of the key the
designer most recently set, so an ``extends`` chain points at the child file."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import BuildError
from .layout import MM, SECTIONS, Layout


def check_whole(layout: Layout, merged: dict) -> None:
    """Constraints between keys: margins that leave no page, a column too narrow to read.
    Each check raises at the file and line of the key the designer most recently set."""
    where = _where(layout, merged)
    for check in (_check_column, _check_body, _check_text_sizes, _check_header, _check_sheet, _check_qr):
        check(layout, where)


def _where(layout: Layout, merged: dict) -> Any:
    order = {p: i for i, p in enumerate(layout.files)}

    def where(*keys: str) -> tuple[Path | None, int | None]:
        """The file and line of the most recently set of these ``section.key``s: in a chain,
        the child file is where the designer just made the clash."""
        best = None
        for dotted in keys:
            section, key = dotted.split(".")
            entry = merged.get(section, {}).get(key)
            if entry and entry[1] is not None:
                rank = (order.get(entry[1].path, -1), entry[1].line(section, key))
                if best is None or rank > best[0]:
                    best = (rank, entry[1].path, entry[1].line(section, key))
        return (best[1], best[2]) if best else (layout.files[-1], None)

    return where


def _check_column(layout: Layout, where: Any) -> None:
    avg_char = layout.text.size * 0.5
    if layout.frame_width < layout.text.min_column_chars * avg_char:
        file, line = where("page.margin_left", "page.margin_right", "page.size", "page.orientation", "text.size", "text.min_column_chars")
        raise BuildError(
            f"the text column is {layout.frame_width / MM:.0f}mm wide, too narrow to read at "
            f"{layout.text.size:g}pt (about {layout.frame_width / avg_char:.0f} characters a line, at least "
            f"{layout.text.min_column_chars} needed); reduce page.margin_left/margin_right or text.size",
            file, line,
        )


def _check_body(layout: Layout, where: Any) -> None:
    p = layout.page
    body = layout.page_size[1] - p.margin_top - p.margin_bottom - layout.header.height - layout.footer.height
    if body < 80 * MM:
        file, line = where(
            "page.margin_top", "page.margin_bottom", "header.height", "footer.height", "page.size", "page.orientation"
        )
        raise BuildError(
            f"only {body / MM:.0f}mm of the page height is left for text (at least 80mm needed); "
            "reduce the top/bottom margins or the header/footer heights",
            file, line,
        )


def _check_text_sizes(layout: Layout, where: Any) -> None:
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            size = getattr(getattr(layout, section), f.name)
            if f.metadata.get("text") and size < layout.text.min_size - 0.001:
                file, line = where(f"{section}.{f.name}", "text.min_size")
                raise BuildError(
                    f"{section}.{f.name} is {size:.3g}pt, smaller than text.min_size {layout.text.min_size:.3g}pt "
                    f"(this layout allows no smaller text); set {section}.{f.name} to {layout.text.min_size:.3g}pt or more",
                    file, line,
                )


def _check_header(layout: Layout, where: Any) -> None:
    h = layout.header
    if h.height > 0 and h.height < max(h.logo_height, h.clinic_name_size * 1.2) + 3 * MM:
        file, line = where("header.height", "header.logo_height", "header.clinic_name_size")
        raise BuildError(
            f"header.height {h.height / MM:.0f}mm is too low for the logo and clinic name; "
            f"make it at least {(max(h.logo_height, h.clinic_name_size * 1.2) + 3 * MM) / MM:.0f}mm",
            file, line,
        )


def _check_sheet(layout: Layout, where: Any) -> None:
    if layout.print.imposition != "booklet":
        return
    width, height = layout.page_size
    sw, sh = layout.sheet_size
    if 2 * width > sw + MM or height > sh + MM:
        file, line = where("print.sheet", "print.imposition", "page.size", "page.orientation")
        raise BuildError(
            f"two {width / MM:.0f}x{height / MM:.0f}mm pages do not fit side by side on a "
            f"{sw / MM:.0f}x{sh / MM:.0f}mm sheet; use a larger print.sheet or a smaller page.size (A5 on A4)",
            file, line,
        )


def _check_qr(layout: Layout, where: Any) -> None:
    from .qr import quiet_zone  # imported here: qrcode is not needed to read a layout

    if layout.qr.size + 2 * quiet_zone(layout.qr.size) > layout.frame_width / 2:
        file, line = where("qr.size", "page.margin_left", "page.margin_right", "page.size")
        raise BuildError(f"qr.size {layout.qr.size / MM:.0f}mm leaves no room for the link beside it; make it smaller", file, line)
