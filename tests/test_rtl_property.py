"""Random mixes of Urdu, Latin, digits, punctuation, bold and links through the RTL engine.

Whatever the mix and the width, every line fits (or is one unbreakable character), every
character is laid out exactly once in reading order, and each drawn glyph stands for
characters of its own line.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.render.rtl import RTLParagraph, RTLStyle, register_urdu_fonts
from clinicpack.runs import Run

PIECES = st.sampled_from([
    "علاج", "کے", "بعد", "گھنٹے", "پلیٹ", "لیٹ", "ایکسوسوم", "۔", "،", "؟", "PRP", "ml", "24-48", "3", "2.5",
    "0300 1234567", "(", ")", "https://clinic.example/a?b=c", " ", " ", " ", ":", "\u200c", "ﷲ",
])
RUNS = st.lists(
    st.tuples(st.lists(PIECES, min_size=1, max_size=6), st.booleans(), st.booleans()),
    min_size=1, max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(RUNS, st.integers(min_value=40, max_value=400), st.sampled_from(["rtl", "auto"]))
def test_any_mix_lays_out_every_character_once(spec, width: int, direction: str) -> None:
    register_urdu_fonts()
    runs = [Run("".join(p), bold=bold, href="https://clinic.example/x" if link else None) for p, bold, link in spec]
    para = RTLParagraph(runs, RTLStyle(font_size=14, base_direction=direction))
    para.wrap(width, 10_000)
    text = para.prepared.text
    covered = []
    for ln in para.lines:
        content = text[ln.start : ln.end]
        if len(content.strip()) > 1:
            assert ln.width <= width + 0.5, content
        drawn = "".join(g.text for g in sorted(ln.glyphs, key=lambda g: g.cluster))
        assert drawn.replace(" ", "") == content.replace(" ", "")
        covered.append(content.strip())
    assert "".join(covered).replace(" ", "") == text.replace(" ", "")
    assert (para.height > 0) == bool(text.strip(" "))
