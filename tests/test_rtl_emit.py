"""How glyphs are written: a glyph repeated within the last five gets a code of its own (PDFium
drops a text object that repeats one of the last five objects' codes close by), always the
lowest variant not among the last five, and the same glyph and variant always the same code;
every glyph at its own position, heights included."""

from __future__ import annotations

import io
import re
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfgen.canvas import Canvas

from clinicpack.render.rtl import URDU_BOLD, URDU_REGULAR, DrawnGlyph, RTLStyle, register_urdu_fonts
from clinicpack.render.rtl.draw import emit_glyphs
from clinicpack.runs import Run

RUN = Run("x")
OP = re.compile(r"(/\S+) [\d.]+ Tf|1 0 0 1 (\S+) (\S+) Tm <([0-9A-F]+)> Tj")


def written(glyphs: list[DrawnGlyph], x0: float, y0: float) -> list[tuple[str, str, str, str]]:
    """(subset font, x, y, code) of each glyph as written."""
    canvas = Canvas(io.BytesIO())
    emit_glyphs(canvas, glyphs, x0, y0, 12.0, RTLStyle())
    out, font = [], ""
    for m in OP.finditer("\n".join(canvas._code)):
        if m.group(1):
            font = m.group(1)
        else:
            out.append((font, m.group(2), m.group(3), m.group(4)))
    return out


def variants(keys: list[tuple]) -> list[tuple]:
    """The rule: each glyph takes the lowest variant that none of the last five written has."""
    recent: deque[tuple] = deque(maxlen=5)
    out = []
    for key in keys:
        v = 0
        while (*key, v) in recent:
            v += 1
        recent.append((*key, v))
        out.append((*key, v))
    return out


GLYPH = st.tuples(st.sampled_from([URDU_REGULAR, URDU_BOLD]), st.sampled_from([3, 3, 3, 5, 7, 140]), st.sampled_from(["", "ب", "بب"]))


@settings(max_examples=80, deadline=None)
@given(st.lists(GLYPH, min_size=1, max_size=40), st.lists(st.sampled_from([0.0, -0.0, 1.25, -3.0004, 7.5]), min_size=1, max_size=40))
def test_repeats_get_codes_of_their_own(keys: list[tuple], dys: list[float]) -> None:
    register_urdu_fonts()
    # one cluster per glyph (each its own cluster index), every glyph carrying text or ink
    glyphs = [
        DrawnGlyph(font, gid, 3.5 * k, dys[k % len(dys)], 3.0, k, text or "ا", RUN) for k, (font, gid, text) in enumerate(keys)
    ]
    out = written(glyphs, 100.0, 700.0)
    assert len(out) == len(glyphs)
    expected = variants([(g.font, g.gid, g.text) for g in glyphs])
    code_of: dict[tuple, tuple[str, str]] = {}
    for want, (font, x, y, code), g in zip(expected, out, glyphs):
        assert code_of.setdefault(want, (font, code)) == (font, code)  # the same glyph and variant: the same code
        assert float(x) == round(100.0 + g.x, 3) and float(y) == round(700.0 + g.y, 3)
        assert all(not (v.endswith("0") and "." in v) and not v.endswith(".") and v != "-0" for v in (x, y))
    assert len(set(code_of.values())) == len(code_of)  # a different glyph or variant: a different code
    for k in range(len(out)):
        assert (out[k][0], out[k][3]) not in {(f, c) for f, _, _, c in out[max(0, k - 5) : k]}
