"""The flowable (``RTLParagraph``) and one-line helpers for headers, footers, labels and the
stamper."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.platypus.flowables import Flowable

from clinicpack.runs import Run

from .draw import Metrics, draw_line, emit_glyphs, line_metrics, line_offset
from .fonts import font_info
from .lines import LaidOutLine, break_lines, shape_range
from .shaping import Prepared, RTLStyle, prepared_for


class RTLParagraph(Flowable):
    """A paragraph of right-to-left text (Urdu in Nastaliq) built from :class:`Run` objects.

    ``wrap`` breaks lines in logical order with shaped widths; ``draw`` reorders and shapes
    each line and draws glyph ids; ``split`` cuts between lines so long text flows over pages.
    """

    def __init__(
        self,
        runs: list[Run],
        style: RTLStyle,
        *,
        _prepared: Prepared | None = None,
        _start: int = 0,
        _end: int | None = None,
        _first: bool = True,
        _last: bool = True,
    ) -> None:
        super().__init__()
        self.runs = list(runs)
        self.style = style
        # split() pieces share the parent's prepared text and levels and own [_start, _end):
        # bidi levels belong to the whole paragraph, not to the piece
        self._prep = _prepared
        self._start = _start
        self._end = _end
        self._first = _first
        self._last = _last
        self._lines: list[LaidOutLine] = []
        self._metrics = Metrics(0.0, (), 0.0)
        self._wrapped_width: float | None = None
        self.width = 0.0
        self.height = 0.0

    # Flowable protocol -----------------------------------------------------------------

    def getSpaceBefore(self) -> float:
        return self.style.space_before if self._first else 0.0

    def getSpaceAfter(self) -> float:
        return self.style.space_after if self._last else 0.0

    @property
    def prepared(self) -> Prepared:
        if self._prep is None:
            self._prep = prepared_for(self.runs, self.style)
        return self._prep

    def _measure(self, lines: Sequence[LaidOutLine], width: float) -> Metrics:
        return line_metrics(lines, self.style, font_info(self.style.font_name), width)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped_width != availWidth:
            prep = self.prepared
            self._lines = break_lines(prep, self._start, availWidth, self._end)
            self._metrics = self._measure(self._lines, availWidth)
            self._wrapped_width = availWidth
        self.width = availWidth
        self.height = self._metrics.height()
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        if self.height <= availHeight + 1e-6:
            return [self]
        for fit in range(len(self._lines) - 1, 0, -1):
            metrics = self._measure(self._lines[:fit], availWidth)
            if metrics.height() <= availHeight + 1e-6:
                break
        else:
            return []
        cut = self._lines[fit].start
        prep = self.prepared
        first = RTLParagraph(self.runs, self.style, _prepared=prep, _start=self._start, _end=cut, _first=self._first, _last=False)
        rest = RTLParagraph(self.runs, self.style, _prepared=prep, _start=cut, _end=self._end, _first=False, _last=self._last)
        first._lines = self._lines[:fit]
        first._metrics = metrics
        first._wrapped_width = availWidth
        return [first, rest]

    def draw(self) -> None:
        canvas = self.canv
        m = self._metrics
        link_above = min(m.ascent, self.style.font_size * 1.2)
        link_below = min(m.descent, self.style.font_size * 0.6)
        for line, drop in zip(self._lines, m.baselines()):
            x0 = line_offset(line, self.width, self.style.alignment)
            draw_line(canvas, line, x0, self.height - drop, self.style, link_below, link_above)

    # Introspection for tests -------------------------------------------------------------

    @property
    def lines(self) -> list[LaidOutLine]:
        """Lines of the last ``wrap``, glyphs in visual order (x from each line's left edge)."""
        return self._lines

    @property
    def line_pitch(self) -> float:
        """The largest baseline-to-baseline distance (the usual one for a single line)."""
        return max(self._metrics.pitches, default=self.style.line_height)

    def baselines(self) -> list[float]:
        """Distance from the top of the box to each line's baseline (after ``wrap``)."""
        return self._metrics.baselines()

    def first_baseline(self) -> float:
        """Distance from the top of the box to the first line's baseline (after ``wrap``).

        List markers sit on this baseline; a fixed guess would miss tall Nastaliq lines.
        """
        return self._metrics.ascent


def single_line(
    text: str, font: str, size: float, bold_font: str | None = None, latin_font: str | None = None, base_direction: str = "rtl"
) -> LaidOutLine:
    style = RTLStyle(
        font_name=font, bold_font_name=bold_font or font, font_size=size, latin_font=latin_font, latin_bold_font=latin_font,
        base_direction=base_direction,
    )
    prep = Prepared([Run(text)], style)
    return shape_range(prep, 0, len(prep.text))


def shape_line(
    text: str, font: str, size: float, latin_font: str | None = None, base_direction: str = "rtl"
) -> LaidOutLine:
    """One line of text, bidi-ordered and shaped; glyphs in visual order from x = 0."""
    return single_line(text, font, size, latin_font=latin_font, base_direction=base_direction)


def _shared_line(text: str, font: str, size: float, latin_font: str | None, base_direction: str) -> LaidOutLine:
    """``_single_line``, remembered: headers, footers, page labels and list markers repeat on
    every page, and each is measured before it is drawn. The key holds the registered fonts
    themselves, so a font registered again under the same name is shaped again. The line is
    shared: callers only read it."""
    latin = font_info(latin_font) if latin_font else None
    return _single_line_memo(text, font, size, latin_font, base_direction, font_info(font), latin)


@lru_cache(maxsize=2048)
def _single_line_memo(text: str, font: str, size: float, latin_font: str | None, base_direction: str, *_fonts: object) -> LaidOutLine:
    return single_line(text, font, size, latin_font=latin_font, base_direction=base_direction)


def rtl_string_width(text: str, font: str, size: float, latin_font: str | None = None, base_direction: str = "rtl") -> float:
    """Shaped width in points of a single line of right-to-left text."""
    return _shared_line(text, font, size, latin_font, base_direction).width


def draw_rtl_string(
    canvas: Any,
    x_right: float,
    y: float,
    text: str,
    font: str,
    size: float,
    colour: Any = colors.black,
    latin_font: str | None = None,
    base_direction: str = "rtl",
) -> float:
    """Draw one line of RTL text ending at ``x_right`` (baseline ``y``); return its width.

    For page headers, footers, list markers and form labels, where a full flowable is too
    heavy. ``latin_font`` draws characters ``font`` lacks (default: ReportLab's Vera).
    """
    line = _shared_line(text, font, size, latin_font, base_direction)
    style = RTLStyle(font_name=font, bold_font_name=font, font_size=size, text_color=colour, latin_font=latin_font, latin_bold_font=latin_font)
    canvas.saveState()
    emit_glyphs(canvas, line.glyphs, x_right - line.width, y, size, style)
    canvas.restoreState()
    return line.width
