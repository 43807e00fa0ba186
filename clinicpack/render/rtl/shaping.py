"""A paragraph's style, and everything about it that does not depend on the line width:
the font of every character, its bidi level and its shaped advance (``Prepared``), shared
between paragraphs of the same text so a running process shapes unchanged text once."""

from __future__ import annotations

import operator
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import uharfbuzz as hb
from reportlab.lib import colors

from clinicpack.runs import Run

from ...codecache import dataclass
from .bidi import LINE_SEPARATOR, PARAGRAPH_BREAKS, resolve_levels
from .fonts import URDU_BOLD, URDU_REGULAR, FontInfo, font_info, latin_fallbacks

if TYPE_CHECKING:
    from .lines import LaidOutLine

#: Usual line pitch as a multiple of the font size. Noto Nastaliq's own ascent+descent is
#: 2.5 em, but most pairs of lines need far less; a pair is moved apart only where a glyph of
#: one line would touch a glyph of the other (see ``line_metrics``).
DEFAULT_LEADING_FACTOR = 1.8

_LINK_BLUE = colors.HexColor("#1a4f9c")


@dataclass(frozen=True)
class RTLStyle:
    """Paragraph style for right-to-left text.

    ``leading`` of ``None`` means ``DEFAULT_LEADING_FACTOR * font_size``; two lines may be set
    further apart where their glyphs would otherwise touch.
    ``latin_font``/``latin_bold_font`` draw characters the Urdu font lacks (Latin letters);
    ``None`` uses ReportLab's bundled Vera.
    """

    font_name: str = URDU_REGULAR
    bold_font_name: str = URDU_BOLD
    font_size: float = 12.0
    leading: float | None = None
    text_color: Any = colors.black
    link_color: Any = _LINK_BLUE
    alignment: str = "right"  # "right" | "left" | "center"
    base_direction: str = "rtl"  # "rtl" | "auto" (first strong character decides)
    space_before: float = 0.0
    space_after: float = 0.0
    language: str = "ur"
    latin_font: str | None = None
    latin_bold_font: str | None = None
    underline_links: bool = False

    def __post_init__(self) -> None:
        if self.alignment not in ("right", "left", "center"):
            raise ValueError(f"alignment must be right, left or center, not {self.alignment!r}")
        if self.base_direction not in ("rtl", "auto"):
            raise ValueError(f"base_direction must be rtl or auto, not {self.base_direction!r}")

    @property
    def line_height(self) -> float:
        return self.leading if self.leading is not None else DEFAULT_LEADING_FACTOR * self.font_size


class ShapedGlyph(NamedTuple):
    """One glyph from HarfBuzz, in font units, in visual (left-to-right) order of its piece.

    A named tuple, in the field order of HarfBuzz's ``GlyphPosition.position`` (offsets, then
    advances), because a paragraph's shaping makes tens of thousands of them: built straight
    from that tuple they cost a third of a frozen dataclass."""

    gid: int
    cluster: int  # index into the paragraph text of the first character of its cluster
    x_offset: int
    y_offset: int
    x_advance: int
    y_advance: int


def script_of(text: str) -> tuple[str | None, str]:
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    return buf.script, buf.direction


def shape_piece(
    info: FontInfo,
    codepoints: list[int],
    context_start: int,
    start: int,
    end: int,
    rtl: bool,
    script: str | None,
    language: str | None,
) -> tuple[list[ShapedGlyph], list[Any]]:
    """Shape ``codepoints[start:end]`` (indices relative to the context ``codepoints``, its level
    run's characters) with the rest as context.

    Clusters are returned relative to the paragraph (``context_start`` is added), so every
    glyph can be traced back to the characters it draws. HarfBuzz's glyph records come back
    beside the glyphs: their flags say where the text may be cut without shaping it again
    (see ``Prepared.reused_run``)."""
    buf = hb.Buffer()
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_codepoints(codepoints, start, end - start)
    buf.direction = "rtl" if rtl else "ltr"
    if script:
        buf.script = script
    if language:
        buf.language = language
    hb.shape(info.hb_font, buf, {"kern": True, "liga": True})
    infos = buf.glyph_infos
    glyphs = [
        _new_tuple(ShapedGlyph, (gi.codepoint, gi.cluster + context_start, *gp.position))  # position: x/y offset, x/y advance
        for gi, gp in zip(infos, buf.glyph_positions)
    ]
    return glyphs, infos


_UNSAFE_TO_BREAK = 1  # hb_glyph_flags_t: HB_GLYPH_FLAG_UNSAFE_TO_BREAK


def _cut(glyphs: list[ShapedGlyph], infos: list[Any], lo: int | None, hi: int | None, rtl: bool) -> list[ShapedGlyph] | None:
    """The glyphs of a shaped piece whose clusters lie from ``lo`` (None: the piece's start) up
    to ``hi`` (None: its end), or None when a cut falls inside a cluster or where HarfBuzz
    flags it unsafe to break. Clusters are monotone (``MONOTONE_CHARACTERS``): rising in a
    left-to-right piece, falling in a right-to-left one (visual order), so a cluster's glyphs
    are found by bisection."""
    key = _falling if rtl else _rising  # the clusters, rising in the list's order
    n = len(glyphs)
    bounds = []
    for cut, default in ((lo, n if rtl else 0), (hi, 0 if rtl else n)):
        if cut is None:
            bounds.append(default)
            continue
        at = -cut if rtl else cut
        i, j = bisect_left(glyphs, at, key=key), bisect_right(glyphs, at, key=key)  # the cut's cluster
        if i == j or any(infos[k].flags & _UNSAFE_TO_BREAK for k in range(i, j)):
            return None
        bounds.append(j if rtl else i)  # where the glyphs of clusters >= cut begin (rtl: end)
    first, last = (bounds[1], bounds[0]) if rtl else (bounds[0], bounds[1])
    return glyphs[first:last]


_rising = operator.itemgetter(1)  # ShapedGlyph.cluster


def _falling(glyph: ShapedGlyph) -> int:
    return -glyph[1]


#: Characters of joining type U (they join nothing) at which a line may start or end: text
#: beyond them changes nothing HarfBuzz shapes on this side (see ``Prepared.reused_run``).
_NON_JOINING_BREAKS = frozenset((" ", LINE_SEPARATOR))


_new_tuple = tuple.__new__


class Prepared:
    """Everything about a paragraph that does not depend on the line width."""

    def __init__(self, runs: Sequence[Run], style: RTLStyle) -> None:
        self.style = style
        latin_r, latin_b = style.latin_font, style.latin_bold_font
        if latin_r is None or latin_b is None:
            default_r, default_b = latin_fallbacks()
            latin_r, latin_b = latin_r or default_r, latin_b or default_b
        main = {False: font_info(style.font_name), True: font_info(style.bold_font_name)}
        latin = {False: font_info(latin_r), True: font_info(latin_b)}
        texts = [LINE_SEPARATOR if run.line_break else PARAGRAPH_BREAKS.sub(" ", run.text) for run in runs]
        self.text = "".join(texts)
        self.runs: list[Run] = []
        for run, text in zip(runs, texts):
            self.runs.extend([run] * len(text))
        categories = list(map(unicodedata.category, self.text))
        self.fonts: list[str] = []
        prev_font: str | None = None
        at = 0
        for run, text in zip(runs, texts):  # the fonts of one run's style, then char by char
            bold = bool(run.bold)
            main_cmap, main_name, latin_cmap, latin_name = main[bold].cmap, main[bold].name, latin[bold].cmap, latin[bold].name
            for ch, cat in zip(text, categories[at : at + len(text)]):
                if prev_font is not None and (cat in ("Mn", "Me", "Mc") or ch in "\u200c\u200d"):
                    font = prev_font  # marks and joiners stay with their base
                elif (cp := ord(ch)) in main_cmap or cp not in latin_cmap:
                    font = main_name
                else:
                    font = latin_name
                self.fonts.append(font)
                prev_font = font
            at += len(text)
        self._latin_common(latin, categories)
        self._format_chars_follow_text(categories)
        self.para_level, self.levels = resolve_levels(self.text, style.base_direction)
        # level runs already shaped, by (start, end, level): a line that holds a whole level run
        # of the paragraph (a one-line paragraph, a Latin term or a number inside a line) is
        # shaped exactly as the measuring pass shaped it, so it takes that result
        self._shaped_runs: dict[tuple[int, int, int], list[tuple[int, int, list[ShapedGlyph]]]] = {}
        # the paragraph's own level runs by start: (end, level, script, HarfBuzz's glyph records
        # of each piece), from which its lines are cut (``reused_run``)
        self._whole_runs: dict[int, tuple[int, int, str | None, list[list[Any]]]] = {}
        self._run_starts: list[int] = []
        self.advances = self._measure()
        # lines already shaped, by (start, end): line breaking tries the same lines again when
        # a paragraph is wrapped at another width or split across frames (lines are only read)
        self.shaped_lines: dict[tuple[int, int], LaidOutLine] = {}

    def _latin_common(self, latin: dict[bool, FontInfo], categories: Sequence[str]) -> None:
        """Spaces, digits and punctuation inside Latin text are drawn in the Latin font.

        Font itemisation, not bidi: a character shared by every script takes the font of the
        letters around it, as browsers do, so "Dr Ayesha Siddiqui" or "v1.0 (693bd414)" keep
        Latin spacing and digits. It goes Latin only when the nearest letter before it is
        Latin and the nearest letter after it is Latin too (or there is none), so the space
        between an Urdu word and "PRP" stays an Urdu space.
        """
        n = len(self.text)
        is_latin = {latin[False].name, latin[True].name}
        if is_latin.isdisjoint(self.fonts):  # no Latin letter to follow (most Urdu paragraphs)
            return
        letter = [cat[0] == "L" for cat in categories]
        before: list[bool | None] = [None] * n
        seen: bool | None = None
        for i in range(n):
            before[i] = seen
            if letter[i]:
                seen = self.fonts[i] in is_latin
        seen = None
        for i in range(n - 1, -1, -1):
            if not letter[i] and before[i] and seen is not False:
                bold = bool(self.runs[i].bold)
                if categories[i][0] in "ZPSN" and ord(self.text[i]) in latin[bold].cmap:
                    self.fonts[i] = latin[bold].name
            if letter[i]:
                seen = self.fonts[i] in is_latin

    def _format_chars_follow_text(self, categories: Sequence[str]) -> None:
        """Invisible format characters (bidi isolates and marks) take the font of the text they
        precede, so they never split a run of one font into pieces."""
        n = len(self.text)
        if "Cf" not in categories:
            return
        for i in range(n - 1, -1, -1):
            if categories[i] == "Cf" and self.text[i] not in "\u200c\u200d":
                if i + 1 < n:
                    self.fonts[i] = self.fonts[i + 1]
                elif i > 0:
                    self.fonts[i] = self.fonts[i - 1]

    def level_runs(self, start: int, end: int, levels: Sequence[int]) -> list[tuple[int, int, int]]:
        """Maximal (start, end, level) stretches of equal level in logical order."""
        out = []
        i = start
        while i < end:
            j = i
            while j < end and levels[j - start] == levels[i - start]:
                j += 1
            out.append((i, j, levels[i - start]))
            i = j
        return out

    def pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """Stretches of one font and one Run (style/link) in logical order."""
        out = []
        i = start
        while i < end:
            j = i
            while j < end and self.fonts[j] == self.fonts[i] and self.runs[j] is self.runs[i]:
                j += 1
            out.append((i, j))
            i = j
        return out

    def shape_level_run(self, start: int, end: int, level: int) -> list[tuple[int, int, list[ShapedGlyph]]]:
        """Shape one level run piece by piece, each with the whole run as context.

        Returns (piece start, piece end, glyphs) in *visual* order, left to right; the lists are
        shared between callers, who only read them.
        """
        key = (start, end, level)
        known = self._shaped_runs.get(key)
        if known is None:
            known = self._shaped_runs[key] = self.reused_run(start, end, level) or self._shape_run(start, end, level)
        return known

    def _shape_run(self, start: int, end: int, level: int, whole: bool = False) -> list[tuple[int, int, list[ShapedGlyph]]]:
        context = self.text[start:end]
        codepoints = list(map(ord, context))
        rtl = level % 2 == 1
        script, _ = script_of(context)
        language = self.style.language if script == "Arab" else None
        shaped = []
        records = []
        for a, b in self.pieces(start, end):
            glyphs, infos = shape_piece(font_info(self.fonts[a]), codepoints, start, a - start, b - start, rtl, script, language)
            shaped.append((a, b, glyphs))
            records.append(infos)
        if rtl:
            shaped.reverse()
            records.reverse()
        if whole:  # one of the paragraph's own level runs: its lines may be cut out of it
            self._whole_runs[start] = (end, level, script, records)
        return shaped

    def reused_run(self, start: int, end: int, level: int) -> list[tuple[int, int, list[ShapedGlyph]]] | None:
        """A line's level run cut out of the paragraph's shaping, when that is exactly what
        shaping it afresh gives (else None): the line is then not shaped a second time.

        HarfBuzz flags a glyph *unsafe to break* where cutting the text at its cluster could
        change the shaping of either side; cut anywhere else, each side shapes as it did in
        the whole, given the text beyond the cut as context. A line is shaped without that
        context, so a cut is taken only next to a space or a line separator: HarfBuzz reads
        context only for Arabic joining (the nearest character that is not a mark), and a
        space joins nothing, exactly as no context does. The run must also lie in one of the
        paragraph's level runs, at its level and in its script (so the same pieces, direction,
        script and language). ``tests/test_rtl_reuse.py`` compares this with shaping afresh.
        """
        if not self._run_starts:
            return None
        run_start = self._run_starts[bisect_right(self._run_starts, start) - 1]
        run_end, run_level, script, records = self._whole_runs[run_start]
        text = self.text
        if run_level != level or end > run_end or (start, end) == (run_start, run_end):
            return None
        if start > run_start and text[start - 1] not in _NON_JOINING_BREAKS:
            return None
        if end < run_end and text[end] not in _NON_JOINING_BREAKS:
            return None
        if script_of(text[start:end])[0] != script:
            return None
        out = []
        for (a, b, glyphs), infos in zip(self._shaped_runs[(run_start, run_end, level)], records):
            if b <= start or a >= end:
                continue
            if a >= start and b <= end:
                out.append((a, b, glyphs))
                continue
            lo, hi = max(a, start), min(b, end)
            part = _cut(glyphs, infos, lo if lo > a else None, hi if hi < b else None, level % 2 == 1)
            if part is None:
                return None
            out.append((lo, hi, part))
        return out

    def _measure(self) -> list[float]:
        """Shaped advance of every character (points), for line breaking in logical order.

        Breaks only fall at spaces (or inside over-long words), and Arabic joining never
        crosses a space, so advances from shaping whole level runs are the line's widths.
        """
        n = len(self.text)
        adv = [0.0] * n
        size = self.style.font_size
        runs = self.level_runs(0, n, self.levels)
        self._run_starts = [a for a, _, _ in runs]
        for a, b, level in runs:
            shaped = self._shaped_runs[(a, b, level)] = self._shape_run(a, b, level, whole=True)
            for pa, pb, glyphs in shaped:
                info = font_info(self.fonts[pa])
                scale = size / info.upem
                last = pb - 1
                for _, c, _, _, x_advance, _ in glyphs:
                    adv[pa if c < pa else last if c > last else c] += x_advance * scale
        return adv


_PREPARED: OrderedDict[tuple, Prepared] = OrderedDict()
_PREPARED_LOCK = threading.Lock()
_PREPARED_KEEP = 2048  # paragraphs: a few leaflets' worth


def prepared_for(runs: Sequence[Run], style: RTLStyle) -> Prepared:
    """The paragraph's ``Prepared``, shared with every earlier paragraph of the same runs in the
    same fonts, size, direction and language (colours, alignment and spacing do not change the
    shaping). A running process (watch mode, the front desk) re-renders mostly unchanged
    paragraphs: their bidi levels, shaped advances and shaped lines are reused, not redone.
    The key holds the registered fonts themselves, so a font registered again is shaped again."""
    latin_r, latin_b = style.latin_font, style.latin_bold_font
    if latin_r is None or latin_b is None:
        default_r, default_b = latin_fallbacks()
        latin_r, latin_b = latin_r or default_r, latin_b or default_b
    fonts = tuple(font_info(name) for name in (style.font_name, style.bold_font_name, latin_r, latin_b))
    key = (tuple(runs), style.font_size, style.base_direction, style.language, fonts)
    with _PREPARED_LOCK:
        prep = _PREPARED.get(key)
        if prep is not None:
            _PREPARED.move_to_end(key)
            return prep
    prep = Prepared(runs, style)
    with _PREPARED_LOCK:
        _PREPARED[key] = prep
        while len(_PREPARED) > _PREPARED_KEEP:
            _PREPARED.popitem(last=False)
    return prep
