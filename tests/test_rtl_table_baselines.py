"""Table rows share their first baseline in both directions: a short Nastaliq cell beside a
cell of tall, cascading words sits on the same baseline (read from the glyphs in the PDF)."""

from __future__ import annotations

import unicodedata

import pdfplumber
import pypdf
import pytest
from helpers import FIXTURES, make_project, run
from pdf_glyphs import find_line, page_glyphs

ROWS = [("کم", "پیچیدگیاں بہت نایاب ہیں"), ("ہاں", "تشخیص کے لیے"), ("نہیں", "ٹیکہ لگانے کے بعد")]


def baseline(glyphs) -> float:
    """The lowest origin of a glyph that draws a letter: a Nastaliq word's last letter sits on
    the baseline and the letters before it climb above it (dots and marks may hang lower)."""
    return min(g.y for g in glyphs if g.text and not all(unicodedata.category(ch).startswith("M") for ch in g.text))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    text = (FIXTURES / "rtl-mixed.ur.md").read_text(encoding="utf-8")
    table = "| سوال | جواب |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in ROWS)
    text = text.replace("| سوال | جواب |\n|---|---|\n| درد | کم |\n", table)
    root = make_project(tmp_path_factory.mktemp("tables"), {"rtl-mixed.ur.md": text})
    assert run(root, "rtl-mixed.ur", "-q")[0] == 0
    return root / "output" / "rtl-mixed.pdf"


def test_rtl_row_cells_share_their_first_baseline(built) -> None:
    pdf = built
    page = next(i for i, p in enumerate(pypdf.PdfReader(pdf).pages) if ROWS[1][1] in p.extract_text())
    glyphs = page_glyphs(pdf, page)
    for short, tall in ROWS:
        a, b = baseline(find_line(glyphs, short)), baseline(find_line(glyphs, tall))
        assert abs(a - b) < 0.5, (short, tall, a, b)


def test_ltr_row_cells_share_their_first_baseline(tmp_path) -> None:
    text = (FIXTURES / "everything.md").read_text(encoding="utf-8")
    root = make_project(tmp_path, {"everything.md": text})
    assert run(root, "test-everything", "-q")[0] == 0
    with pdfplumber.open(root / "output" / "test-everything.pdf") as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                for row in table.rows:
                    tops = []
                    for cell in row.cells:
                        if cell is None:
                            continue
                        chars = [c for c in page.within_bbox(cell).chars if c["text"].strip()]
                        if chars:
                            first = min(c["top"] for c in chars)
                            tops.append(max(c["bottom"] - c["size"] * 0.2 for c in chars if c["top"] - first < 1))
                    assert not tops or max(tops) - min(tops) < 0.6, tops
