"""Call-out boxes never leave an empty sliver at the bottom of a page."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from clinicpack.render.elements import CalloutBox


def test_callout_moves_whole_when_less_than_two_lines_fit() -> None:
    style = ParagraphStyle("b", fontSize=14, leading=20)
    box = CalloutBox([[[Paragraph("word " * 200, style)]]], colWidths=[400], splitInRow=1)
    box.min_split_height = 9 + 3 + 2 * 20
    box.wrap(400, 10_000)
    assert box.split(400, 30) == []  # too little room: the next page gets all of it
    parts = box.split(400, 200)
    assert len(parts) == 2  # enough room: it still runs over the break
