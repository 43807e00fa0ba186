"""The bidi short cut for right-to-left-only text (every character at level 1, no call to
python-bidi) must give exactly python-bidi's levels, on random text of the classes it accepts
and on text just outside them (a digit, a Latin letter, an isolate), which must take the full
algorithm."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.render.rtl import bidi
from clinicpack.render.rtl.bidi import resolve_levels

#: Characters of every class the short cut accepts: Arabic and Hebrew letters (AL, R), marks
#: (NSM), spaces (WS), neutrals (ON), separators and terminators (CS, ES, ET), invisible
#: joiners and soft hyphens (BN).
ACCEPTED = "بتثکگیےھںۓ۔؟אבג" + "\u064b\u0650\u0670" + " \u00a0\u2009" + "!()\"'*:;<>«»" + ",.\u060c/:" + "+-" + "%#$\u066a" + "\u200c\u200d\u00ad\u200b"
#: One character of a class that changes levels: digits (EN, AN), Latin (L), isolates, marks.
OTHERS = "3\u0663AbZ\u2066\u2067\u2068\u2069\u200e\u202a\u202c"


def reference(text: str, base: str) -> tuple[int, list[int]]:
    """python-bidi's answer, whatever the text (the short cut switched off)."""
    saved = bidi._ALL_AT_LEVEL_ONE
    bidi._ALL_AT_LEVEL_ONE = frozenset()
    try:
        return resolve_levels(text, base)
    finally:
        bidi._ALL_AT_LEVEL_ONE = saved


def test_the_pools_cover_the_classes() -> None:
    assert {unicodedata.bidirectional(c) for c in ACCEPTED} == set(bidi._ALL_AT_LEVEL_ONE)
    assert not {unicodedata.bidirectional(c) for c in OTHERS} & bidi._ALL_AT_LEVEL_ONE


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ACCEPTED, min_size=1, max_size=40), st.sampled_from(["rtl", "auto"]))
def test_short_cut_matches_python_bidi(text: str, base: str) -> None:
    assert resolve_levels(text, base) == reference(text, base)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ACCEPTED, max_size=20), st.sampled_from(OTHERS), st.text(alphabet=ACCEPTED, max_size=20),
       st.sampled_from(["rtl", "auto"]))
def test_text_with_another_class_takes_the_full_algorithm(before: str, other: str, after: str, base: str) -> None:
    text = before + other + after
    assert resolve_levels(text, base) == reference(text, base)


@pytest.mark.parametrize("text", ["   ", "!?", "\u200c", "%+"])
def test_auto_direction_without_a_right_to_left_letter_is_not_taken_for_rtl(text: str) -> None:
    assert resolve_levels(text, "auto") == reference(text, "auto")
    assert resolve_levels(text, "auto")[0] == 0


def test_the_separator_pattern_holds_every_character_of_bidi_class_s_or_b() -> None:
    """``line_levels`` looks for L1's segment and paragraph separators with one pattern."""
    every = {c for c in range(sys.maxunicode + 1) if unicodedata.bidirectional(chr(c)) in ("S", "B")}
    assert every == {c for c in range(sys.maxunicode + 1) if bidi.SEPARATORS.fullmatch(chr(c))}
