"""Lines: greedy breaking in logical order with shaped widths, then each line reordered
visually (L1, L2) and shaped run by run, glyphs placed left to right from x = 0."""

from __future__ import annotations

import operator
import unicodedata
from dataclasses import field
from typing import NamedTuple

from clinicpack.runs import Run

from ...codecache import dataclass
from .bidi import LINE_SEPARATOR, NO_BIDI_CONTROLS, URL_BREAKS, line_levels, visual_order
from .fonts import FontInfo, font_info
from .shaping import Prepared, ShapedGlyph


class DrawnGlyph(NamedTuple):
    """A glyph as drawn: ``x``/``y`` are points from the line's left edge and baseline.

    A named tuple rather than a frozen dataclass: every line makes one per glyph, and the
    dataclass's ``__init__`` cost more than the shaping itself."""

    font: str
    gid: int
    x: float
    y: float
    advance: float
    cluster: int
    text: str  # the characters this glyph stands for in ToUnicode ("" for extra glyphs)
    run: Run


@dataclass
class LaidOutLine:
    """One line: its logical character range and its glyphs in visual order."""

    start: int
    end: int
    glyphs: list[DrawnGlyph] = field(default_factory=list)
    width: float = 0.0
    ink_top: float = 0.0  # points above the baseline
    ink_bottom: float = 0.0  # points below the baseline (positive)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # glyph ink: x0, x1, y0, y1
    # the ink's height per column at a given offset and width (``draw.line_metrics``)
    ink_columns: dict[tuple[float, int], tuple[list[float], list[float]]] = field(default_factory=dict, repr=False, compare=False)

    def glyph_positions(self) -> list[tuple[int, float]]:
        """(glyph id, x) pairs in visual order: what the tests compare."""
        return [(g.gid, g.x) for g in self.glyphs]


_new_tuple = tuple.__new__  # a named tuple built without its Python-level __new__


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


def break_lines(prep: Prepared, start: int, width: float, end: int | None = None) -> list[LaidOutLine]:
    """Greedy line breaking in logical order from ``start``, returning shaped lines.

    Candidate breaks are the spaces, measured with the advances of the whole paragraph's
    shaping; every chosen line is then shaped for real and, if it came out wider than
    ``width`` (kerning or contextual forms at its edges), it gives back words until it fits.
    A word wider than a line is cut at the last character that fits, never between a letter
    and its combining marks; the cut halves are shaped separately, which is the safe choice.
    """
    text = prep.text
    n = len(text) if end is None else end
    lines: list[LaidOutLine] = []
    i = _skip_spaces(text, start, n)
    while i < n:
        if text[i] == LINE_SEPARATOR:  # a hard break right after another: an empty line
            lines.append(shape_range(prep, i, i))
            i = _skip_spaces(text, i + 1, n)
            continue
        line = _longest_line(prep, i, _word_ends(prep, i, n, width), width) or _cut_long_word(prep, i, n, width)
        lines.append(line)
        i = _skip_spaces(text, line.end, n)
        if i < n and text[i] == LINE_SEPARATOR:
            i = _skip_spaces(text, i + 1, n)
    return lines


_EPS = 1e-6


def _skip_spaces(text: str, i: int, n: int) -> int:
    while i < n and text[i] == " ":
        i += 1
    return i


def _word_end(text: str, i: int, n: int) -> int:
    while i < n and text[i] not in (" ", LINE_SEPARATOR):
        i += 1
    return i


def _word_ends(prep: Prepared, i: int, n: int, width: float) -> list[int]:
    """Where the line starting at ``i`` may end (after each word), as far as the paragraph's
    measured advances say the words fit."""
    text, adv = prep.text, prep.advances
    ends: list[int] = []
    x = 0.0
    j = i
    while j < n and text[j] != LINE_SEPARATOR:
        k = _word_end(text, j, n)
        x += sum(adv[j:k])
        if x > width + _EPS:
            break
        ends.append(k)
        j = k
        while j < n and text[j] == " ":
            x += adv[j]
            j += 1
    return ends


def _longest_line(prep: Prepared, i: int, ends: list[int], width: float) -> LaidOutLine | None:
    """The longest candidate that really fits once shaped (kerning and contextual forms at its
    edges can make it wider than measured): it gives back words until it does."""
    for end in reversed(ends):
        candidate = shape_range(prep, i, end)
        if candidate.width <= width + _EPS:
            return candidate
    return None


def _cut_long_word(prep: Prepared, i: int, n: int, width: float) -> LaidOutLine:
    """The first word alone is too wide: cut it at the last character that fits (after / ? & =
    or - when one falls in the second half of the line), never before a combining mark."""
    text, adv = prep.text, prep.advances
    k = _word_end(text, i, n)
    cut, acc = i, 0.0
    while cut < k and acc + adv[cut] <= width + _EPS:
        acc += adv[cut]
        cut += 1
    cut = max(cut, i + 1)
    nice = max((c + 1 for c in range(i, cut - 1) if text[c] in URL_BREAKS), default=0)
    if nice and sum(adv[i:nice]) >= width / 2:
        cut = nice
    while cut < k and _is_mark(text[cut]):
        cut += 1
    line = shape_range(prep, i, cut)
    while line.width > width + _EPS and cut > i + 1:
        cut -= 1
        while cut > i + 1 and _is_mark(text[cut]):
            cut -= 1
        line = shape_range(prep, i, cut)
    return line


class _Placed:
    """Mutable glyph record while a level run is being positioned (points, run-relative)."""

    __slots__ = ("advance", "cluster", "gid", "info", "piece", "text", "x", "y")

    def __init__(self, info: FontInfo, gid: int, x: float, y: float, advance: float, cluster: int, text: str, piece: int) -> None:
        self.info, self.gid, self.x, self.y, self.advance = info, gid, x, y, advance
        self.cluster, self.text, self.piece = cluster, text, piece


def _cluster_texts(text: str, pa: int, pb: int, glyphs: list[ShapedGlyph], rtl: bool) -> tuple[list[int], list[str]]:
    """Each glyph's cluster (clamped to the piece: a glyph may report its context's cluster) and
    the characters it stands for: the first glyph of a cluster in logical order carries the
    cluster's text, the rest carry ""."""
    n = len(glyphs)
    clusters = list(map(_cluster_of, glyphs))
    last = pb - 1
    if clusters and (min(clusters) < pa or max(clusters) > last):
        clusters = [pa if c < pa else last if c > last else c for c in clusters]
    starts = sorted(set(clusters))
    ends = dict(zip(starts, [*starts[1:], pb]))
    # the carrier is the glyph met first in logical order: the last of its cluster in visual
    # order when right to left, else the first (a later entry of the dict wins)
    carrier = dict(zip(clusters, range(n))) if rtl else dict(zip(reversed(clusters), range(n - 1, -1, -1)))
    piece = text[pa:pb]
    if piece.translate(NO_BIDI_CONTROLS) == piece:  # no bidi control to leave out (nearly every piece)
        return clusters, [text[c : ends[c]] if carrier[c] == k else "" for k, c in enumerate(clusters)]
    return clusters, [text[c : ends[c]].translate(NO_BIDI_CONTROLS) if carrier[c] == k else "" for k, c in enumerate(clusters)]


_cluster_of = operator.itemgetter(1)  # ShapedGlyph.cluster


def _place_joined_run(prep: Prepared, shaped: list[tuple[int, int, list[ShapedGlyph]]]) -> tuple[list[_Placed], float]:
    """Position the glyphs of a right-to-left level run shaped in several pieces (a word that
    changes font) from x=0, reconnecting the cursive chain at each change; returns (glyphs, width)."""
    size = prep.style.font_size
    placed: list[_Placed] = []
    x = 0.0
    for piece_no, (pa, pb, glyphs) in enumerate(shaped):
        info = font_info(prep.fonts[pa])
        scale = size / info.upem
        clusters, chars = _cluster_texts(prep.text, pa, pb, glyphs, True)
        for g, c, t in zip(glyphs, clusters, chars):
            placed.append(_Placed(info, g.gid, x + g.x_offset * scale, g.y_offset * scale, g.x_advance * scale, c, t, piece_no))
            x += g.x_advance * scale
    return placed, x + _join_across_pieces(placed, size)


def _join_across_pieces(placed: list[_Placed], size: float) -> float:
    """Reconnect the Nastaliq cascade where a word changes font (e.g. bold inside a word).

    Each piece of a run is shaped with the whole run as context, so its joining *forms* are
    right, but HarfBuzz positions every piece's cursive chain on its own: the part before the
    boundary lands on the baseline instead of climbing to meet the part after it. OpenType
    cursive attachment says the exit anchor of a glyph meets the entry anchor of the next one
    (logical order), so we move the chain before the boundary until they meet. Boundaries are
    handled from the end of the word backwards, so each fix builds on the previous one.
    Returns the change of the run's width. ``placed`` is in visual order of an RTL run, so
    logical order is right to left.
    """
    logical = placed[::-1]
    delta_width = 0.0
    pieces = sorted({p.piece for p in placed})  # visual piece numbers; higher = logically earlier
    # boundaries in logical order from last to first: visual piece k (later) and k+1 (earlier)
    for k in pieces[:-1]:
        later = [p for p in logical if p.piece == k]
        earlier = [p for p in logical if p.piece == k + 1]
        first_later = next((p for p in later if p.info.cursive(p.gid)[0] is not None), None)
        last_earlier = next((p for p in reversed(earlier) if p.info.cursive(p.gid)[1] is not None), None)
        if first_later is None or last_earlier is None:
            continue
        # both must be the glyphs at the boundary, not further inside the pieces
        if first_later.cluster != min(p.cluster for p in later) or last_earlier.cluster != max(p.cluster for p in earlier):
            continue
        entry = first_later.info.cursive(first_later.gid)[0]
        exit_ = last_earlier.info.cursive(last_earlier.gid)[1]
        s_l = size / first_later.info.upem
        s_e = size / last_earlier.info.upem
        dx = (first_later.x + entry[0] * s_l) - (last_earlier.x + exit_[0] * s_e)
        dy = (first_later.y + entry[1] * s_l) - (last_earlier.y + exit_[1] * s_e)
        # the cursive chain that ends at the boundary: clusters walked back while connected
        chain = {last_earlier.cluster}
        bases = [p for p in earlier if p.info.cursive(p.gid) != (None, None)]
        idx = bases.index(last_earlier)
        while idx > 0:
            prev, cur = bases[idx - 1], bases[idx]
            if prev.info.cursive(prev.gid)[1] is None or cur.info.cursive(cur.gid)[0] is None:
                break
            chain.add(prev.cluster)
            idx -= 1
        for p in placed:
            if p.piece > k:  # everything visually right of the boundary moves sideways
                p.x += dx
                if p.piece == k + 1 and p.cluster in chain:
                    p.y += dy
        delta_width += dx
    return delta_width


class _LineBuilder:
    """Glyphs, ink boxes and ink extent of a line as its level runs are placed left to right."""

    def __init__(self, prep: Prepared, line: LaidOutLine) -> None:
        self.prep, self.size = prep, prep.style.font_size
        self.glyphs, self.boxes = line.glyphs, line.boxes
        self.top = self.bottom = 0.0

    def add(self, info: FontInfo, gid: int, gx: float, y: float, advance: float, cluster: int, chars: str) -> None:
        """One glyph at ``gx`` from the line's left edge, ``y`` above its baseline (points)."""
        scale = self.size / info.upem
        ink_t, ink_b, ink_l, ink_r = info.box(gid)
        if ink_t != ink_b:  # blank glyphs (spaces) have no ink
            high, low = y + ink_t * scale, y + ink_b * scale
            if high > self.top:
                self.top = high
            if -low > self.bottom:
                self.bottom = -low
            self.boxes.append((gx + ink_l * scale, gx + ink_r * scale, low, high))
        self.glyphs.append(_new_tuple(DrawnGlyph, (info.name, gid, gx, y, advance, cluster, chars, self.prep.runs[cluster])))

    def add_run(self, shaped: list[tuple[int, int, list[ShapedGlyph]]], x: float, rtl: bool) -> float:
        """A level run's pieces, glyph by glyph, the run starting ``x`` from the line's left edge;
        returns the run's width. Positions are summed from the run's own left edge and only then
        moved by ``x``, as for a run whose pieces are joined."""
        prep, boxes, out = self.prep, self.boxes, self.glyphs
        runs = prep.runs
        top, bottom = self.top, self.bottom
        run_x = 0.0
        for pa, pb, glyphs in shaped:
            info = font_info(prep.fonts[pa])
            name, box, extents, scale = info.name, info.box, info.extents, self.size / info.upem
            clusters, chars = _cluster_texts(prep.text, pa, pb, glyphs, rtl)
            # as add(), inline (a line has hundreds of glyphs): the same sums in the same order
            for (gid, _, x_offset, y_offset, x_advance, _), c, t in zip(glyphs, clusters, chars):
                advance = x_advance * scale
                gx, y = x + (run_x + x_offset * scale), y_offset * scale
                ink_t, ink_b, ink_l, ink_r = extents.get(gid) or box(gid)
                if ink_t != ink_b:
                    high, low = y + ink_t * scale, y + ink_b * scale
                    if high > top:
                        top = high
                    if -low > bottom:
                        bottom = -low
                    boxes.append((gx + ink_l * scale, gx + ink_r * scale, low, high))
                out.append(_new_tuple(DrawnGlyph, (name, gid, gx, y, advance, c, t, runs[c])))
                run_x += advance
        self.top, self.bottom = top, bottom
        return run_x


def shape_range(prep: Prepared, start: int, end: int) -> LaidOutLine:
    """Reorder one line visually (L1, L2) and shape each level run in its own direction."""
    known = prep.shaped_lines.get((start, end))
    if known is not None:
        return known
    line = prep.shaped_lines[(start, end)] = LaidOutLine(start, end)
    # trailing spaces are not drawn (after L1 they sit at the paragraph level anyway)
    while end > start and prep.text[end - 1] in (" ", LINE_SEPARATOR):
        end -= 1
    if end <= start:
        return line
    levels = line_levels(prep.text, prep.levels, start, end, prep.para_level)
    runs = prep.level_runs(start, end, levels)
    # L2 on level runs as units: a maximal run of one level stays contiguous in visual order
    # and reads in its own direction, so reversing runs is the same as reversing characters.
    order = visual_order([lv for _, _, lv in runs])
    x = 0.0
    out = _LineBuilder(prep, line)
    for r in order:
        a, b, level = runs[r]
        shaped = prep.shape_level_run(a, b, level)
        if level % 2 and len(shaped) > 1:
            placed, width = _place_joined_run(prep, shaped)
            for p in placed:
                out.add(p.info, p.gid, x + p.x, p.y, p.advance, p.cluster, p.text)
        else:
            width = out.add_run(shaped, x, level % 2 == 1)
        x += width
    line.width = x
    line.ink_top = out.top
    line.ink_bottom = out.bottom
    return line
