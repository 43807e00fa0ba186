"""A ReportLab paragraph that remembers its last line breaking.

Platypus often wraps the same paragraph at the same width more than once before drawing it:
a heading's keep-with-next group measures what follows, a list or table measures its items,
and the frame then wraps each again to place it. Breaking lines is most of a paragraph's cost
(201 of an English leaflet's 362 wraps were such repeats). Line breaking depends only on the
paragraph's text, its style and the width, so a repeat at the same width returns the lines the
first wrap made. Anything that may change the paragraph (``split``, drawing it) forgets them,
so after either the paragraph is broken again exactly as before.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph

# what Paragraph.wrap and breakLines set on the paragraph
_STATE = ("width", "height", "blPara", "_wrapWidths", "_width_max", "_splitLongWordCount", "_hyphenations")


class MeasuredParagraph(Paragraph):
    _wrapped: tuple[float, tuple[float, float], dict[str, Any]] | None = None  # (width asked, answer, state)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (ReportLab's names)
        last = self._wrapped
        if last is not None and last[0] == availWidth:
            self.__dict__.update(last[2])
            return last[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size, {k: self.__dict__[k] for k in _STATE if k in self.__dict__})
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        self._wrapped = None
        return super().split(availWidth, availHeight)

    def draw(self) -> None:
        self._wrapped = None
        super().draw()
