"""Test hooks for the right-to-left engine: lay a paragraph out exactly as the flowable does,
and read back what it would draw (kept here, not in the package)."""

from __future__ import annotations

from clinicpack.render.rtl import LaidOutLine, RTLParagraph, RTLStyle
from clinicpack.runs import Run


def layout_for_test(runs: list[Run], style: RTLStyle, width: float) -> list[LaidOutLine]:
    """Lay out ``runs`` at ``width`` exactly as ``RTLParagraph`` would."""
    para = RTLParagraph(runs, style)
    para.wrap(width, 1e9)
    return para.lines


def shape_line_for_test(runs: list[Run], style: RTLStyle, width: float = 1e6) -> list[list[tuple[int, float]]]:
    """For each laid-out line, the drawn (glyph id, x) sequence in visual order."""
    return [ln.glyph_positions() for ln in layout_for_test(runs, style, width)]
