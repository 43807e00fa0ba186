"""A line cut out of its paragraph's shaping (``Prepared.reused_run``) is exactly the line shaped
afresh: same glyphs, positions, clusters, texts, ink boxes and width, for every paragraph of the
shipped Urdu leaflet at several widths and for random mixes of Urdu, Latin, digits, marks,
joiners, bold inside words, links and hard breaks."""

from __future__ import annotations

import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import clinicpack as cp
from clinicpack.render.rtl import RTLStyle, register_urdu_fonts
from clinicpack.render.rtl import paragraph as rtl_paragraph
from clinicpack.render.rtl.lines import break_lines
from clinicpack.render.rtl.shaping import Prepared
from clinicpack.runs import Run


def laid_out(runs: list[Run], style: RTLStyle, width: float, reuse: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list, int]:
    """Every line of the paragraph as drawn, and how many line runs were cut out of the paragraph's shaping."""
    cut = [0]
    original = Prepared.reused_run

    def counted(self: Prepared, start: int, end: int, level: int):  # type: ignore[no-untyped-def]
        got = original(self, start, end, level) if reuse else None
        cut[0] += got is not None
        return got

    with monkeypatch.context() as m:
        m.setattr(Prepared, "reused_run", counted)
        prep = Prepared(runs, style)
        lines = break_lines(prep, 0, width)
    return [(ln.start, ln.end, ln.width, ln.ink_top, ln.ink_bottom, ln.glyphs, ln.boxes) for ln in lines], cut[0]


def same_both_ways(runs: list[Run], style: RTLStyle, width: float, monkeypatch: pytest.MonkeyPatch) -> int:
    reused, cut = laid_out(runs, style, width, True, monkeypatch)
    fresh, _ = laid_out(runs, style, width, False, monkeypatch)
    assert reused == fresh
    return cut


@pytest.fixture(scope="module")
def leaflet_paragraphs() -> list[tuple[list[Run], RTLStyle]]:
    """The runs and style of every right-to-left paragraph the shipped Urdu leaflet lays out."""
    seen: list[tuple[list[Run], RTLStyle]] = []
    original = rtl_paragraph.RTLParagraph.__init__

    def remember(self, runs, style, **kw):  # type: ignore[no-untyped-def]
        original(self, runs, style, **kw)
        if not kw:
            seen.append((list(runs), style))

    mp = pytest.MonkeyPatch()
    mp.setattr(rtl_paragraph.RTLParagraph, "__init__", remember)
    try:
        loaded = cp.load(ROOT)
        cp.render_leaflet(loaded, "exosome-hair-loss-ur")
    finally:
        mp.undo()
    assert len(seen) > 50
    return seen


def test_every_leaflet_paragraph_at_several_widths(leaflet_paragraphs, monkeypatch: pytest.MonkeyPatch) -> None:
    cut = 0
    for runs, style in leaflet_paragraphs:
        for width in (90.0, 173.5, 260.0, 451.28):
            cut += same_both_ways(runs, style, width, monkeypatch)
    assert cut > 300  # most lines are cut out of their paragraph: the comparison is not empty


PIECES = st.sampled_from([
    "علاج", "کے", "بعد", "گھنٹے", "پلیٹ", "لیٹ", "ایکسوسوم", "۔", "،", "؟", "PRP", "ml", "24-48", "3", "2.5", "۲۴",
    "0300 1234567", "(", ")", "https://clinic.example/a?b=c", " ", " ", " ", "  ", ":", "\u200c", "\u200d", "ﷲ",
    "\u064b", "\u0670", "\u200f", "\u2067ab\u2069", "لا", "نستعلیق", "بِسْمِ", "Dr Ayesha", "v1.0", "ـ",
])
RUNS = st.lists(
    st.tuples(st.lists(PIECES, min_size=1, max_size=8), st.booleans(), st.booleans(), st.booleans()),
    min_size=1, max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(RUNS, st.floats(min_value=20, max_value=400), st.sampled_from(["rtl", "auto"]), st.sampled_from([9.0, 12.0, 14.5]))
def test_random_mixes_match_shaping_afresh(spec, width: float, direction: str, size: float) -> None:
    register_urdu_fonts()
    runs = []
    for pieces, bold, link, hard_break in spec:
        runs.append(Run("".join(pieces), bold=bold, href="https://clinic.example/x" if link else None))
        if hard_break:
            runs.append(Run("", line_break=True))
    with pytest.MonkeyPatch.context() as mp:
        same_both_ways(runs, RTLStyle(font_size=size, base_direction=direction), width, mp)
