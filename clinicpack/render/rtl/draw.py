"""Where lines go and how glyphs reach the page: line spacing from real glyph boxes (no
line's ink touches another's), and glyph ids written as PDF text at absolute positions."""

from __future__ import annotations

import math
import operator
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from itertools import chain, groupby
from typing import Any

from clinicpack.render.colour import fill_operator

from ...codecache import dataclass
from ..tounicode import utf16_hex
from .fonts import FontInfo, font_info, glyph_code
from .lines import DrawnGlyph, LaidOutLine
from .shaping import RTLStyle

#: Clearance kept between the ink of one line and the ink of the next, in em.
INK_GAP_EM = 0.08


@dataclass(frozen=True)
class Metrics:
    """A right-to-left paragraph's vertical measures: ascent, the pitch between each pair of lines, descent."""
    ascent: float  # top of the box to the first baseline
    pitches: tuple[float, ...]  # baseline to baseline, one per pair of neighbouring lines
    descent: float  # last baseline to the bottom of the box

    def height(self) -> float:
        return self.ascent + sum(self.pitches) + self.descent if self.ascent or self.descent else 0.0

    def baselines(self) -> list[float]:
        """Distance from the top of the box to each line's baseline."""
        out = [self.ascent]
        for p in self.pitches:
            out.append(out[-1] + p)
        return out


def line_offset(line: LaidOutLine, width: float, alignment: str) -> float:
    if alignment == "right":
        return width - line.width
    if alignment == "center":
        return (width - line.width) / 2
    return 0.0


def line_metrics(lines: Sequence[LaidOutLine], style: RTLStyle, info: FontInfo, width: float) -> Metrics:
    """Box and baselines of a paragraph, in points: no glyph ever touches a glyph of another line.

    Nastaliq words climb well above the baseline and some letters hang below it, but rarely
    at the same place on two neighbouring lines. As in TeX (``\\baselineskip`` and
    ``\\lineskip``), lines are set ``style.line_height`` apart, and a pair of lines is moved
    further apart only as far as its real glyph boxes need (compared column by column, one
    point wide, with a small clearance all round). The box above the first baseline and below
    the last one holds every glyph, so paragraphs never touch each other either.
    """
    size = style.font_size
    floor = style.line_height
    ratio = info.ascent / (info.ascent + info.descent) if info.ascent + info.descent else 0.75
    gap = INK_GAP_EM * size
    n = len(lines)
    if n == 0:
        return Metrics(0.0, (), 0.0)
    cols = int(width) + 3
    tops: list[list[float]] = []
    bottoms: list[list[float]] = []
    if n > 1:
        for ln in lines:
            top, bottom = _ink_columns(ln, line_offset(ln, width, style.alignment) + 1, cols)  # column 0 is a margin
            tops.append(top)
            bottoms.append(bottom)

    def need(i: int, j: int) -> float:
        return max(map(operator.add, bottoms[i], tops[j])) + gap

    pitches: list[float] = []
    for k in range(1, n):
        p = max(floor, need(k - 1, k))
        if k >= 2:  # a tall word can reach past the line above to the one before it
            p = max(p, need(k - 2, k) - pitches[-1])
        pitches.append(p)
    ascent = floor * ratio
    descent = floor * (1 - ratio)
    offset = 0.0
    total = sum(pitches)
    for k, ln in enumerate(lines):
        ascent = max(ascent, ln.ink_top - offset + gap / 2)
        descent = max(descent, ln.ink_bottom - (total - offset) + gap / 2)
        if k < len(pitches):
            offset += pitches[k]
    return Metrics(ascent, tuple(pitches), descent)


def _ink_columns(line: LaidOutLine, off: float, cols: int) -> tuple[list[float], list[float]]:
    """Highest ink above and lowest ink below the baseline in each one-point column of the
    line set ``off`` points from the left; kept on the line, as a paragraph is measured again
    when it is split across frames or rendered again in the same process (only the last
    placement is kept: a line cached for a running process holds one pair of lists, not one
    per width it was ever measured at)."""
    key = (off, cols)
    got = line.ink_columns.get(key)
    if got is not None:
        return got
    top = [_NO_INK] * cols
    bottom = [_NO_INK] * cols
    if all(map(math.isfinite, chain.from_iterable(line.boxes))):
        # each column takes the highest ink over it: the boxes are written lowest first, so
        # the highest one over a column is written last (no comparison per column); of equal
        # heights the first box's is kept, as comparing would keep it (0.0 and -0.0 are equal)
        spans = []
        for x0, x1, y0, y1 in line.boxes:
            # one column of clearance on each side: glyphs that nearly touch count as touching
            lo, hi = max(0, int(x0 + off) - 1), min(cols, int(x1 + off) + 2)
            if lo < hi:
                spans.append((lo, hi, y1, -y0))
        spans.reverse()
        for lo, hi, high, _ in sorted(spans, key=_third):
            if high > _NO_INK:
                top[lo:hi] = [high] * (hi - lo)
        for lo, hi, _, below in sorted(spans, key=_fourth):
            if below > _NO_INK:
                bottom[lo:hi] = [below] * (hi - lo)
    else:  # a box that is not a number (a size that is not one): compared column by column
        for x0, x1, y0, y1 in line.boxes:
            lo, hi = max(0, int(x0 + off) - 1), min(cols, int(x1 + off) + 2)
            if lo < hi:
                top[lo:hi] = [y1 if y1 > t else t for t in top[lo:hi]]
                below = -y0
                bottom[lo:hi] = [below if below > b else b for b in bottom[lo:hi]]
    line.ink_columns.clear()
    got = line.ink_columns[key] = (top, bottom)
    return got


_NO_INK = -1e9  # a column without ink
_third, _fourth = operator.itemgetter(2), operator.itemgetter(3)


def _fmt(v: float) -> str:
    """A coordinate with at most three decimals and no trailing zeros ("12.5", "0", "-3.25").
    printf-style formatting: the same digits as ``f"{v:.3f}"`` at less than half its cost, which
    counts at two coordinates per glyph."""
    s = ("%.3f" % v).rstrip("0").rstrip(".")  # noqa: UP031 (printf-style on purpose: see above)
    return s if s not in ("-0", "") else "0"


def _has_ink(g: DrawnGlyph, boxes: dict[str, Any] | None = None) -> bool:
    """Whether the glyph leaves ink; ``boxes`` keeps each font's ``box`` for the next glyph."""
    box = boxes.get(g.font) if boxes is not None else None
    if box is None:
        box = font_info(g.font).box
        if boxes is not None:
            boxes[g.font] = box
    top, bottom, _, _ = box(g.gid)
    return top != bottom


def _drawn(cluster: list[DrawnGlyph], boxes: dict[str, Any] | None = None) -> list[DrawnGlyph]:
    """The glyphs of a cluster that change the page or carry text (most clusters are one glyph
    that carries its letter, kept as it is)."""
    if len(cluster) == 1 and cluster[0].text:
        return cluster
    return [g for g in cluster if g.text or _has_ink(g, boxes)]


_cluster_key = operator.attrgetter("font", "cluster")


def glyph_clusters(glyphs: Sequence[DrawnGlyph]) -> list[list[DrawnGlyph]]:
    """Runs of neighbouring glyphs drawn for the same characters (one cluster, one font)."""
    return [list(cluster) for _, cluster in groupby(glyphs, _cluster_key)]


_Key = tuple  # (font, gid, text) for a glyph's first code, (font, gid, text, variant) for the others
_Code = tuple[tuple[str, int], str, str, int]  # (font, subset), the subset's PDF font name, "<code>", serial number
_DOC_CODES: weakref.WeakKeyDictionary[Any, dict[_Key, _Code]] = weakref.WeakKeyDictionary()
_DOC_CODES_LOCK = threading.Lock()
_glyph_key = operator.attrgetter("font", "gid", "text")
_text_of = operator.attrgetter("text")


def _codes_for(doc: Any) -> dict[_Key, _Code]:
    """The glyph codes already given out in ``doc``: (font, gid, text[, variant]) -> its code.

    ReportLab gives a character a code in a subset the first time ``splitString`` sees it in a
    document and the same one ever after, so asking again per glyph (about 15,000 times for the
    Urdu leaflet) only repeats the first answer; the answers are kept per document. Each has a
    serial number of its own in the document, which ``emit_glyphs`` compares instead of keys."""
    with _DOC_CODES_LOCK:
        codes = _DOC_CODES.get(doc)
        if codes is None:
            codes = _DOC_CODES[doc] = {}
    return codes


def _code(doc: Any, codes: dict[_Key, _Code], key: _Key) -> _Code:
    font, gid, text = key[:3]
    variant = key[3] if len(key) > 3 else 0
    info = font_info(font)
    ((subset, code),) = info.ttf.splitString(glyph_code(info, gid, text, variant), doc)
    got = codes[key] = ((font, subset), info.ttf.getSubsetInternalName(subset, doc), f"<{code.hex().upper()}>", len(codes))
    return got


def _fresh_code(doc: Any, codes: dict[_Key, _Code], key: _Key, recent: deque[int]) -> _Code:
    """The glyph's code with the lowest variant not among the ``recent`` ones: PDFium drops a
    text object that repeats one of the last five objects' codes close by (its test for fake
    bold); stacked Nastaliq letters can do that, so a glyph repeated within the last five gets
    a code of its own."""
    variant = 1
    while True:
        full = (*key, variant)
        got = codes.get(full) or _code(doc, codes, full)
        if got[3] not in recent:
            return got
        variant += 1


def _tag_runs(canvas: Any, clusters: list[list[DrawnGlyph]]) -> dict[int, tuple[str | None, str, str, int]]:
    """Where each run of a line starts (cluster index) -> (link, language, the run's text in
    reading order, its place in the paragraph), when a tagging canvas draws a paragraph with
    links or Latin words; else {} (nothing to do: the common case costs one look-up)."""
    stack = getattr(canvas, "_tag_stack", None)
    if not stack or not stack[-1].attrs.get("_runs"):
        return {}
    from ..tagging import LATIN_LANGUAGE, script_runs

    latin = script_runs(["".join(g.text for g in c) for c in clusters])
    out: dict[int, tuple[str | None, str, str, int]] = {}
    start = 0
    for i in range(len(clusters) + 1):  # runs of the same (link, language), each with its own text
        if i == len(clusters) or (i > start and (clusters[i][0].run.href, latin[i]) != (clusters[start][0].run.href, latin[start])):
            run = sorted((g for c in clusters[start:i] for g in c if g.text), key=lambda g: g.cluster)
            pos = min((g.cluster for g in run), default=0)
            out[start] = (clusters[start][0].run.href, LATIN_LANGUAGE if latin[start] else "", "".join(g.text for g in run), pos)
            start = i
    return out


def emit_glyphs(canvas: Any, glyphs: Sequence[DrawnGlyph], x0: float, y0: float, size: float, style: RTLStyle) -> None:
    """Write glyphs as PDF text, left to right (visual order), each at its absolute position.

    Absolute positions keep HarfBuzz's x/y offsets exact. Each cluster's first glyph maps to
    the cluster's characters in ToUnicode, so extractors that order text right to left get
    the Urdu back; extractors that group lines by exact y can scramble Nastaliq words, whose
    glyphs climb above the baseline (emitting logical order made pypdf worse, not better).
    """
    if not glyphs:
        return
    doc = canvas._doc
    codes = _codes_for(doc)
    # text-state parameters survive BT/ET inside the graphics state: reset the ones that would
    # distort glyphs placed by absolute Tm (spacing, scaling, rise, render mode)
    ops: list[str] = ["BT 0 Tc 0 Tw 100 Tz 0 Ts 0 Tr"]
    cur_font: tuple[str, int] | None = None
    cur_colour: Any = None
    cur_run: Any = None
    cmyk = getattr(canvas, "_enforceColorSpace", None) is not None  # print.colour: cmyk
    recent: deque[int] = deque(maxlen=5)  # serial numbers of the last five codes written
    font_size = _fmt(size)
    link_colour, text_colour = style.link_color, style.text_color
    ys: dict[float, str] = {}  # a line's glyphs share a few heights: each is written out once
    clusters = _written(glyphs)
    runs = _tag_runs(canvas, clusters)
    for i, cluster in enumerate(clusters):
        if i in runs:  # tagged PDF: links and Latin words as elements of their own (see tagging.tag_run)
            canvas.tag_run(ops, *runs[i])
        texts = len(cluster) > 1 and list(map(_text_of, cluster))
        span = texts and "".join(texts)
        if span:
            # one letter drawn as several glyphs (Nastaliq: skeleton, dots, joins): the extra
            # glyphs stand for no text. ActualText says what the whole cluster reads as, so an
            # extractor that follows it (PDFium, Acrobat) never turns them into stray codes;
            # the carrier goes first, as PDFium reads the span's text at its first glyph.
            ops.append(_span_open(span))
            if not texts[0] or any(texts[1:]):  # (a lone carrier in front is in place already)
                cluster = sorted(cluster, key=_no_text)
        for g in cluster:
            if g.run is not cur_run:  # the colour follows the run (link or not)
                cur_run = g.run
                cur_colour = _colour(ops, link_colour if cur_run.href else text_colour, cur_colour, cmyk)
            key = _glyph_key(g)
            got = codes.get(key) or _code(doc, codes, key)
            if got[3] in recent:
                got = _fresh_code(doc, codes, key, recent)
            recent.append(got[3])
            font_key, font_name, code, _ = got
            if font_key != cur_font:
                ops.append(f"{font_name} {font_size} Tf")
                cur_font = font_key
            # _fmt inline for x (two coordinates per glyph), remembered for y
            x = ("%.3f" % (x0 + g.x)).rstrip("0").rstrip(".")  # noqa: UP031
            y = ys.get(g.y) or _height(ys, y0, g.y)
            ops.append(f"1 0 0 1 {x if x != '-0' else '0'} {y} Tm {code} Tj")
        if span:
            ops.append("EMC")
    if runs:
        canvas.tag_run_end(ops)
    ops.append("ET")
    canvas._code.append("\n".join(ops))


def _colour(ops: list[str], colour: Any, current: Any, cmyk: bool) -> Any:
    """Set the fill colour if it changes; returns the colour now set."""
    if colour is not current:
        ops.append(fill_operator(colour, cmyk))
    return colour


def _height(ys: dict[float, str], y0: float, dy: float) -> str:
    """``_fmt(y0 + dy)``, kept in ``ys`` for the next glyph at the same height (never empty)."""
    got = ys[dy] = _fmt(y0 + dy)
    return got


def _written(glyphs: Sequence[DrawnGlyph]) -> list[list[DrawnGlyph]]:
    """The clusters as written: a glyph with neither ink nor text (a joining spacer, the blank
    shape of a bidi control) changes nothing on the page, and leaving it out leaves extractors
    nothing to misread."""
    boxes: dict[str, Any] = {}
    return [kept for cluster in glyph_clusters(glyphs) if (kept := _drawn(cluster, boxes))]


_SPANS: dict[str, str] = {}  # a cluster's text -> the operator opening its ActualText span


def _span_open(text: str) -> str:
    got = _SPANS.get(text)
    if got is None:
        if len(_SPANS) > 4096:  # a few letters and their marks: a running process keeps a few
            _SPANS.clear()
        got = _SPANS[text] = f"/Span << /ActualText <FEFF{utf16_hex(text)}> >> BDC"
    return got


def _no_text(g: DrawnGlyph) -> bool:
    return not g.text


def draw_line(canvas: Any, line: LaidOutLine, x0: float, baseline: float, style: RTLStyle, descent: float, ascent: float) -> None:
    canvas.saveState()
    emit_glyphs(canvas, line.glyphs, x0, baseline, style.font_size, style)
    # links: one clickable box per contiguous stretch of glyphs with the same href
    stretch: list[DrawnGlyph] = []
    for g in line.glyphs + [None]:  # type: ignore[list-item]
        if g is not None and g.run.href and (not stretch or stretch[-1].run.href == g.run.href):
            stretch.append(g)
            continue
        if stretch:
            left = min(s.x for s in stretch)
            right = max(s.x + s.advance for s in stretch)
            rect = (x0 + left, baseline - descent, x0 + right, baseline + ascent)
            canvas.linkURL(stretch[0].run.href, rect, relative=1, thickness=0)
            if style.underline_links:
                canvas.setStrokeColor(style.link_color)
                canvas.setLineWidth(max(0.4, style.font_size / 24))
                uy = baseline - 0.35 * style.font_size
                canvas.line(x0 + left, uy, x0 + right, uy)
        stretch = [g] if g is not None and g.run.href else []
    canvas.restoreState()
