"""Typesetting rules that hold for any text: a number is never split from its digit groups,
its unit or the rest of its date, in the Latin paragraphs and in the right-to-left engine."""

from __future__ import annotations

import re

import pdfplumber
import pytest
from helpers import make_project, run

from clinicpack.render.rtl import RTLStyle, register_urdu_fonts
from clinicpack.runs import Run, keep_runs_together, keep_together
from tests.rtl_layout import layout_for_test

FRONT = """---
id: keep-together
title: Numbers that stay together
language: en
version: "1.0"
published: 2026-01-15
review_due: 2036-01-15
authors: [Test Author]
reviewed_by: [Test Reviewer]
summary: Phone numbers, dates and units at every place in a line.
---

"""
# each must stay on one line, wherever the line happens to end
TOGETHER = ("+44 20 7946 0000", "22 July 2020", "5 ml", "24 hours", "0300 1234567", "30 %")
SENTENCE = "Call us: +44 20 7946 0000. Or call 0300 1234567. Come on 22 July 2020. Take 5 ml. Wait 24 hours. It helps 30 % of us."
FILLER = ["a", "an", "few", "word", "short", "long", "big", "it"]


def test_keep_together_rule() -> None:
    assert keep_together("Call +44 20 7946 0000, now") == "Call +44\u00a020\u00a07946\u00a00000, now"
    assert keep_together("on 22 July 2020.") == "on 22\u00a0July\u00a02020."
    assert keep_together("take 5 ml in 24 hours") == "take 5\u00a0ml in 24\u00a0hours"
    assert keep_together("the 12345 people") == "the 12345\u00a0people"
    assert keep_together("no numbers here") == "no numbers here"
    assert keep_runs_together([Run("5 ml", code=True)]) == [Run("5 ml", code=True)]  # code is left as written


def lines_of(pdf_path) -> list[str]:
    with pdfplumber.open(pdf_path) as pdf:
        return [re.sub(r"\s+", " ", line) for page in pdf.pages for line in (page.extract_text() or "").splitlines()]


def test_latin_paragraphs_and_headings_never_split_a_number(tmp_path, capsys) -> None:
    """The same sentence, shifted word by word, in paragraphs and headings: every line break
    position is tried, and none falls inside a phone number, a date or a number and its unit."""
    body = []
    for n in range(24):
        prefix = " ".join(FILLER[(n + k) % len(FILLER)] for k in range(n % 12))
        body.append(f"{prefix} {SENTENCE}\n")
        if n % 4 == 0:
            body.append(f"## {prefix} Call: +44 20 7946 0000. Come: 22 July 2020 {{#call-{n}}}\n")
    required = "".join(f"\n## {h}\n\nSee above.\n" for h in ("Who it suits", "Sessions and timeline", "Cost", "Safety", "Contraindications",
                                                             "Aftercare"))
    root = make_project(tmp_path, {"keep-together.md": FRONT + "## What the treatment is\n\n" + "\n".join(body) + required})
    code, _, err = run(root, "keep-together", "-q", capsys=capsys)
    assert code == 0, err
    lines = lines_of(root / "output" / "keep-together.pdf")
    text = " ".join(lines)
    for phrase in TOGETHER:
        assert text.count(phrase) >= 24, phrase  # every occurrence came out whole
    for a, b in zip(lines, lines[1:]):
        joined = a + " " + b
        for phrase in TOGETHER:
            # a phrase that spans the end of one line and the start of the next was split there
            at = joined.find(phrase, max(0, len(a) - len(phrase)))
            assert not (0 <= at < len(a) < at + len(phrase)), (phrase, a, b)


@pytest.fixture(scope="module")
def urdu_fonts() -> tuple[str, str]:
    return register_urdu_fonts()


@pytest.mark.parametrize("width", [float(w) for w in range(150, 330, 7)])
def test_rtl_engine_never_splits_a_number(urdu_fonts, width) -> None:
    """Widths from about the widest group up: a group wider than the line is still split, as
    the last resort that keeps text inside the frame."""
    text = "کلینک کو +44 20 7946 0000 پر فون کریں، 22 جولائی 2020 کو 5 ملی لیٹر لیں اور 24 گھنٹے انتظار کریں۔"
    runs = keep_runs_together([Run(text)])
    joined = "".join(r.text for r in runs)
    protected = [(m.start(), m.end()) for m in re.finditer(r"\+44.20.7946.0000|22.جولائی.2020|5.ملی|24.گھنٹے", joined)]
    assert len(protected) == 4
    lines = layout_for_test(runs, RTLStyle(font_size=14), width)
    assert len(lines) > 1
    for line in lines[1:]:
        assert not any(a < line.start < b for a, b in protected), (width, joined[line.start - 8 : line.start + 8])
