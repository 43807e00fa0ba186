"""The ink of a line per one-point column (what line spacing compares) is the highest ink above
and the lowest below the baseline over each column, exactly as comparing box by box gives it:
random boxes, overlapping, tied, touching, outside the line, and boxes that are not numbers."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.render.rtl.draw import _ink_columns
from clinicpack.render.rtl.lines import LaidOutLine


def box_by_box(boxes: list[tuple[float, float, float, float]], off: float, cols: int) -> tuple[list[float], list[float]]:
    top = [-1e9] * cols
    bottom = [-1e9] * cols
    for x0, x1, y0, y1 in boxes:
        lo, hi = max(0, int(x0 + off) - 1), min(cols, int(x1 + off) + 2)
        for c in range(lo, hi):
            top[c] = y1 if y1 > top[c] else top[c]
            bottom[c] = -y0 if -y0 > bottom[c] else bottom[c]
    return top, bottom


def same(a: list[float], b: list[float]) -> bool:
    return all((x == y and math.copysign(1, x) == math.copysign(1, y)) or (x != x and y != y) for x, y in zip(a, b)) and len(a) == len(b)


HEIGHT = st.sampled_from([0.0, -0.0, 2.5, 2.5, -1.75, 13.0, 30.25, -1e9, -2e9])
BOX = st.tuples(st.floats(-20, 120, allow_nan=False), st.floats(0, 30, allow_nan=False), HEIGHT, HEIGHT).map(
    lambda t: (t[0], t[0] + t[1], min(t[2], t[3]), max(t[2], t[3]))
)


@settings(max_examples=200, deadline=None)
@given(st.lists(BOX, max_size=40), st.floats(-10, 40, allow_nan=False), st.integers(1, 130))
def test_columns_match_box_by_box(boxes, off: float, cols: int) -> None:
    line = LaidOutLine(0, 0, boxes=list(boxes))
    top, bottom = _ink_columns(line, off, cols)
    want_top, want_bottom = box_by_box(boxes, off, cols)
    assert same(top, want_top) and same(bottom, want_bottom)


def test_boxes_that_are_not_numbers_are_compared_column_by_column() -> None:
    boxes = [(1.0, 5.0, -2.0, 7.0), (2.0, 3.0, float("nan"), float("nan")), (3.0, 9.0, -1.0, float("inf"))]
    line = LaidOutLine(0, 0, boxes=boxes)
    top, bottom = _ink_columns(line, 0.5, 14)
    want_top, want_bottom = box_by_box(boxes, 0.5, 14)
    assert same(top, want_top) and same(bottom, want_bottom)
