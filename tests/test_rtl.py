"""Tests for the right-to-left (Urdu Nastaliq) typesetter.

The glyphs the flowable draws are compared with an independent computation: python-bidi's
``get_display`` on the whole line gives the visual order, and uharfbuzz shapes the same text
directly from the font file. Rendered pages are also checked as images (PDFium), because a
glyph list can be right while the PDF draws something else.
"""

from __future__ import annotations

import io
import os
import unicodedata

import pypdf
import pypdfium2 as pdfium
import pytest
import uharfbuzz as hb
from bidi import get_display
from PIL import Image, ImageChops
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame

from clinicpack.render import rtl
from clinicpack.render.rtl import (
    RTLParagraph,
    RTLStyle,
    draw_rtl_string,
    register_urdu_fonts,
    resolve_levels,
    rtl_string_width,
    visual_order,
)
from clinicpack.runs import Run
from tests.rtl_layout import layout_for_test, shape_line_for_test

FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "fonts")
REGULAR_TTF = os.path.join(FONTS, "NotoNastaliqUrdu-Regular.ttf")
BOLD_TTF = os.path.join(FONTS, "NotoNastaliqUrdu-Bold.ttf")

SENTENCE = "علاج کے بعد 24-48 گھنٹے تک متاثرہ جگہ کو نہ دھوئیں۔"


@pytest.fixture(scope="session")
def fonts() -> tuple[str, str]:
    return register_urdu_fonts()


@pytest.fixture(scope="session")
def hb_fonts() -> dict[str, hb.Font]:
    return {path: hb.Font(hb.Face(hb.Blob(open(path, "rb").read()))) for path in (REGULAR_TTF, BOLD_TTF)}


# ----------------------------------------------------------------------------------------
# Independent reference: get_display + uharfbuzz straight from the font file
# ----------------------------------------------------------------------------------------


def _ltr_mask(visual: str) -> list[bool]:
    """Which characters of a visual string belong to left-to-right stretches (numbers, Latin)."""
    strong = [unicodedata.bidirectional(c) in ("L", "EN", "AN") for c in visual]
    mask = list(strong)
    # separators between two LTR characters (the '-' of 24-48) read with them
    for i, c in enumerate(visual):
        if not strong[i] and unicodedata.bidirectional(c) in ("ES", "CS", "ET"):
            left = i > 0 and strong[i - 1]
            right = i + 1 < len(visual) and strong[i + 1]
            mask[i] = left and right
    return mask


def reference_layout(text: str, font: hb.Font, size: float) -> list[tuple[int, float, float]]:
    """(glyph id, x, y) in visual order for one line of ``text``, computed without clinicpack."""
    visual = get_display(text, base_dir="R")
    mask = _ltr_mask(visual)
    out: list[tuple[int, float, float]] = []
    x = 0.0
    scale = size / font.face.upem
    i = 0
    while i < len(visual):
        j = i
        while j < len(visual) and mask[j] == mask[i]:
            j += 1
        chunk = visual[i:j]
        buf = hb.Buffer()
        if mask[i]:
            buf.add_str(chunk)
            buf.direction = "ltr"
        else:
            buf.add_str(chunk[::-1])  # back to logical order; HarfBuzz returns it visually
            buf.direction = "rtl"
            buf.script = "Arab"
            buf.language = "ur"
        buf.guess_segment_properties()
        hb.shape(font, buf, {"kern": True, "liga": True})
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            out.append((info.codepoint, x + pos.x_offset * scale, pos.y_offset * scale))
            x += pos.x_advance * scale
        i = j
    return out


def reference_glyphs(text: str, font: hb.Font, size: float) -> list[tuple[int, float]]:
    return [(g, x) for g, x, _ in reference_layout(text, font, size)]


class _CanvasPen:
    """fontTools-style pen that draws glyph outlines as ReportLab paths (quadratics -> cubics)."""

    def __init__(self, path, x0: float, y0: float, scale: float) -> None:  # type: ignore[no-untyped-def]
        self.path, self.x0, self.y0, self.s = path, x0, y0, scale
        self.cur = (0.0, 0.0)

    def _p(self, pt):  # type: ignore[no-untyped-def]
        return self.x0 + pt[0] * self.s, self.y0 + pt[1] * self.s

    def moveTo(self, pt):  # type: ignore[no-untyped-def]
        self.path.moveTo(*self._p(pt))
        self.cur = pt

    def lineTo(self, pt):  # type: ignore[no-untyped-def]
        self.path.lineTo(*self._p(pt))
        self.cur = pt

    def curveTo(self, *pts):  # type: ignore[no-untyped-def]
        (a, b, c) = pts
        self.path.curveTo(*self._p(a), *self._p(b), *self._p(c))
        self.cur = c

    def qCurveTo(self, *pts):  # type: ignore[no-untyped-def]
        # HarfBuzz hands over one quadratic segment per call: (control, end)
        q, e = pts[-2], pts[-1]
        p0 = self.cur
        c1 = (p0[0] + 2 / 3 * (q[0] - p0[0]), p0[1] + 2 / 3 * (q[1] - p0[1]))
        c2 = (e[0] + 2 / 3 * (q[0] - e[0]), e[1] + 2 / 3 * (q[1] - e[1]))
        self.curveTo(c1, c2, e)

    def closePath(self) -> None:
        self.path.close()

    def endPath(self) -> None:
        pass


def draw_reference(c: Canvas, x_right: float, y: float, text: str, font: hb.Font, size: float) -> None:
    """Draw get_display + HarfBuzz positions as vector outlines: no PDF text, no clinicpack."""
    glyphs = reference_layout(text, font, size)
    scale = size / font.face.upem
    width = 0.0
    buf_width = sum(
        pos.x_advance for pos in _shape_all(text, font)
    ) * scale
    width = buf_width
    path = c.beginPath()
    for gid, gx, gy in glyphs:
        font.draw_glyph_with_pen(gid, _CanvasPen(path, x_right - width + gx, y + gy, scale))
    c.drawPath(path, stroke=0, fill=1, fillMode=1)


def _shape_all(text: str, font: hb.Font):  # type: ignore[no-untyped-def]
    visual = get_display(text, base_dir="R")
    mask = _ltr_mask(visual)
    out = []
    i = 0
    while i < len(visual):
        j = i
        while j < len(visual) and mask[j] == mask[i]:
            j += 1
        buf = hb.Buffer()
        buf.add_str(visual[i:j] if mask[i] else visual[i:j][::-1])
        buf.direction = "ltr" if mask[i] else "rtl"
        buf.guess_segment_properties()
        if not mask[i]:
            buf.language = "ur"
        hb.shape(font, buf, {"kern": True, "liga": True})
        out.extend(buf.glyph_positions)
        i = j
    return out


def drawn(runs: list[Run], size: float = 20.0, width: float = 2000.0) -> list[tuple[int, float]]:
    lines = shape_line_for_test(runs, RTLStyle(font_size=size), width)
    assert len(lines) == 1
    return lines[0]


def assert_same_glyphs(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [g for g, _ in got] == [g for g, _ in want]
    for (g, x1), (_, x2) in zip(got, want):
        assert x1 == pytest.approx(x2, abs=0.05), f"glyph {g} at {x1}, expected {x2}"


# ----------------------------------------------------------------------------------------
# Bidi
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        SENTENCE,
        "یہ PRP علاج ہے، کیا آپ تیار ہیں؟",
        "خوراک: 2.5 ملی لیٹر (دن میں 3 بار)",
        "ویب سائٹ example.org/urdu پر دیکھیں۔",
    ],
)
def test_levels_reproduce_get_display(text: str) -> None:
    """Our levels + L2 reorder a whole line exactly as python-bidi's own get_display."""
    para, levels = resolve_levels(text, "rtl")
    assert para == 1
    order = visual_order(rtl.line_levels(text, levels, 0, len(text), para))
    # python-bidi's Rust backend does not mirror brackets (HarfBuzz does, when shaping RTL)
    assert "".join(text[i] for i in order) == get_display(text, base_dir="R")


def test_auto_direction_follows_first_strong_character() -> None:
    assert resolve_levels("PRP علاج", "auto")[0] == 0
    assert resolve_levels("علاج PRP", "auto")[0] == 1


# ----------------------------------------------------------------------------------------
# Glyphs against the independent reference
# ----------------------------------------------------------------------------------------


def test_sentence_matches_reference(fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    """Word order, the number 24-48 and every joining form equal get_display + HarfBuzz."""
    assert_same_glyphs(drawn([Run(SENTENCE)]), reference_glyphs(SENTENCE, hb_fonts[REGULAR_TTF], 20.0))


def test_reversed_word_order_would_fail(fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    """The comparison is sensitive: words in logical order left to right do not match."""
    wrong = " ".join(SENTENCE.split(" ")[::-1])
    got = [g for g, _ in drawn([Run(SENTENCE)])]
    assert got != [g for g, _ in reference_glyphs(wrong, hb_fonts[REGULAR_TTF], 20.0)]


def test_number_reads_left_to_right(fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    text = "24-48 گھنٹے"
    got = drawn([Run(text)])
    font = hb_fonts[REGULAR_TTF]
    digit = {font.get_nominal_glyph(ord(c)): c for c in "248-"}
    digits_in_visual_order = "".join(digit[g] for g, _ in got if g in digit)
    assert digits_in_visual_order == "24-48"
    # and the number stands to the RIGHT of the Urdu word: it comes first in reading order
    urdu_x = [x for g, x in got if g not in digit]
    number_x = [x for g, x in got if g in digit]
    assert min(number_x) > max(urdu_x)
    assert_same_glyphs(got, reference_glyphs(text, font, 20.0))


def test_letters_are_joined(fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    """A joined word does not use the isolated glyph of any of its letters."""
    word = "گھنٹے"
    font = hb_fonts[REGULAR_TTF]
    got = {g for g, _ in drawn([Run(word)])}
    isolated = {font.get_nominal_glyph(ord(c)) for c in word}
    assert not got & isolated
    assert {font.glyph_to_string(g).split(".")[0] for g in got} >= {"GafIni", "HehDoMed", "YehBarreeFin_5"}


def _form_names(runs: list[Run], hb_fonts: dict[str, hb.Font]) -> list[str]:
    line = layout_for_test(runs, RTLStyle(font_size=20), 2000)[0]
    names = []
    for g in line.glyphs:
        font = hb_fonts[BOLD_TTF if g.run.bold else REGULAR_TTF]
        names.append(font.glyph_to_string(g.gid))
    return names


def _base_forms(names: list[str]) -> list[str]:
    # "BehxMed.inT2outT1" -> "BehxMed": the joining form; suffixes are cosmetic variants chosen
    # from glyph context that HarfBuzz cannot see across a font change
    skip = ("sp", "yb", "YBc")
    return [n.split(".")[0].split("_")[0] for n in names if not n.startswith(skip) and not n.endswith("NS")]


@pytest.mark.parametrize(
    "runs",
    [
        [Run("پلیٹ"), Run("لیٹ", bold=True)],  # bold inside a word
        [Run("گھ", bold=True), Run("نٹے")],
        [Run("علاج کے "), Run("بعد", bold=True), Run(" آرام کریں")],  # bold word in a sentence
    ],
)
def test_bold_keeps_joining_and_order(runs: list[Run], fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    text = "".join(r.text for r in runs)
    reference = [hb_fonts[REGULAR_TTF].glyph_to_string(g) for g, _ in reference_glyphs(text, hb_fonts[REGULAR_TTF], 20.0)]
    assert _base_forms(_form_names(runs, hb_fonts)) == _base_forms(reference)


def test_bold_inside_word_stays_connected(fonts: tuple[str, str]) -> None:
    """The cursive chain is continuous across the font change: exit anchor meets entry anchor."""
    line = layout_for_test([Run("پلیٹ"), Run("لیٹ", bold=True)], RTLStyle(font_size=100), 2000)[0]
    info_r, info_b = rtl.font_info("NotoNastaliqUrdu"), rtl.font_info("NotoNastaliqUrdu-Bold")
    last_regular = next(g for g in line.glyphs if g.cluster == 3 and info_r.cursive(g.gid)[1] is not None)
    first_bold = next(g for g in line.glyphs if g.cluster == 4 and info_b.cursive(g.gid)[0] is not None)
    exit_ = info_r.cursive(last_regular.gid)[1]
    entry = info_b.cursive(first_bold.gid)[0]
    s = 100 / 1000
    assert last_regular.x + exit_[0] * s == pytest.approx(first_bold.x + entry[0] * s, abs=0.01)
    assert last_regular.y + exit_[1] * s == pytest.approx(first_bold.y + entry[1] * s, abs=0.01)


def test_latin_word_uses_fallback_font_in_reading_order(fonts: tuple[str, str]) -> None:
    line = layout_for_test([Run("یہ PRP علاج ہے")], RTLStyle(font_size=20), 2000)[0]
    latin = [g for g in line.glyphs if g.font != "NotoNastaliqUrdu"]
    assert "".join(g.text for g in latin) == "PRP"
    assert [g.x for g in latin] == sorted(g.x for g in latin)  # P R P left to right
    first_word = [g.x for g in line.glyphs if g.cluster < 2]  # "یہ" is read first: rightmost
    assert min(first_word) > max(g.x for g in latin)


# ----------------------------------------------------------------------------------------
# Line breaking, heights, splitting
# ----------------------------------------------------------------------------------------

LONG = [
    Run("علاج کے بعد "),
    Run("24-48 گھنٹے", bold=True),
    Run(" تک متاثرہ جگہ کو نہ دھوئیں۔ PRP انجکشن کے بعد ہلکا درد، سوجن یا سرخی عام بات ہے۔ اگر بخار ہو تو کیا کریں؟ "),
    Run("ہماری ویب سائٹ", href="https://example.org/urdu"),
    Run(" دیکھیں۔"),
]


def test_lines_fit_and_break_at_words(fonts: tuple[str, str]) -> None:
    para = RTLParagraph(LONG, RTLStyle(font_size=14))
    width = 220.0
    para.wrap(width, 1000)
    text = para.prepared.text
    assert len(para.lines) >= 3
    for ln in para.lines:
        assert ln.width <= width + 0.5
        assert ln.start == 0 or text[ln.start - 1] == " "  # every line starts a word
    covered = " ".join(text[ln.start : ln.end].strip() for ln in para.lines)
    assert covered.split() == text.split()


def test_overlong_word_is_split_not_overflowing(fonts: tuple[str, str]) -> None:
    para = RTLParagraph([Run("مستحکممستحکممستحکممستحکم")], RTLStyle(font_size=20))
    para.wrap(80, 1000)
    assert len(para.lines) > 1
    assert all(ln.width <= 80 + 0.5 for ln in para.lines)


def test_line_pitch_clears_the_ink(fonts: tuple[str, str]) -> None:
    style = RTLStyle(font_size=14)
    para = RTLParagraph(LONG, style)
    width = 220
    _, height = para.wrap(width, 1000)
    assert para.line_pitch >= rtl.DEFAULT_LEADING_FACTOR * 14
    placed = []  # every glyph box on the page of the paragraph (y up from its bottom)
    for ln, drop in zip(para.lines, para.baselines()):
        baseline = height - drop
        x = width - ln.width
        placed.append([(x + x0, x + x1, baseline + y0, baseline + y1) for x0, x1, y0, y1 in ln.boxes])
    for k, boxes in enumerate(placed):
        for x0, x1, y0, y1 in boxes:
            assert 0 <= y0 and y1 <= height  # nothing pokes out of the paragraph's box
            for other in placed[k + 1 :]:
                for a0, a1, b0, b1 in other:
                    assert not (x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1), "glyphs of two lines touch"


def test_split_by_lines(fonts: tuple[str, str]) -> None:
    style = RTLStyle(font_size=14, space_before=6, space_after=6)
    para = RTLParagraph(LONG, style)
    _, h = para.wrap(220, 1000)
    n = len(para.lines)
    parts = para.split(220, h * 0.6)
    assert len(parts) == 2
    first, rest = parts
    first.wrap(220, 1000)
    rest.wrap(220, 1000)
    assert len(first.lines) + len(rest.lines) == n
    assert [ln.start for ln in first.lines + rest.lines] == [ln.start for ln in para.lines]
    assert first.getSpaceAfter() == 0 and rest.getSpaceBefore() == 0
    assert para.split(220, para.line_pitch * 0.5) == []


# ----------------------------------------------------------------------------------------
# The PDF: embedded subset, ToUnicode, links, rendering
# ----------------------------------------------------------------------------------------


def _pdf(draw) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _render(pdf: bytes, dpi: int = 150) -> Image.Image:
    page = pdfium.PdfDocument(pdf)[0]
    return page.render(scale=dpi / 72).to_pil().convert("L")


def test_pdf_embeds_font_extracts_urdu_and_links(fonts: tuple[str, str]) -> None:
    def draw(c: Canvas) -> None:
        Frame(50, 50, A4[0] - 100, A4[1] - 100, showBoundary=0).addFromList([RTLParagraph(LONG, RTLStyle(font_size=14))], c)

    pdf = _pdf(draw)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    text = page.extract_text()
    for word in ("علاج", "متاثرہ", "دھوئیں", "PRP", "ویب"):
        assert word in text
    fonts_seen = page["/Resources"]["/Font"]
    descs = [f.get_object()["/FontDescriptor"].get_object() for f in fonts_seen.values() if "/FontDescriptor" in f.get_object()]
    assert any("/FontFile2" in d for d in descs)  # TrueType subset embedded
    links = [a.get_object() for a in page.get("/Annots", [])]
    assert any(a["/A"]["/URI"] == "https://example.org/urdu" for a in links)


def _dark(img: Image.Image) -> int:
    return sum(img.convert("L").histogram()[:128])  # pixels darker than mid-grey


def _differ(p: Image.Image, q: Image.Image) -> int:
    return _dark(ImageChops.invert(ImageChops.difference(p, q)))


@pytest.mark.parametrize("text", ["گھنٹے", SENTENCE, "یہ (دن میں 3 بار) ہے؟"])
def test_rendering_matches_outline_reference(text: str, fonts: tuple[str, str], hb_fonts: dict[str, hb.Font]) -> None:
    """Pixels: our PDF text equals get_display + HarfBuzz drawn as outlines, not unjoined text."""
    x_right, y, size = 560, 600, 24

    def ours(c: Canvas) -> None:
        draw_rtl_string(c, x_right, y, text, "NotoNastaliqUrdu", size)

    def reference(c: Canvas) -> None:
        draw_reference(c, x_right, y, text, hb_fonts[REGULAR_TTF], size)

    def unjoined(c: Canvas) -> None:  # ZWNJ between letters forces isolated forms
        draw_rtl_string(c, x_right, y, "\u200c".join(text), "NotoNastaliqUrdu", size)

    def reversed_words(c: Canvas) -> None:
        draw_rtl_string(c, x_right, y, " ".join(text.split(" ")[::-1]), "NotoNastaliqUrdu", size)

    a, ref, u, rev = (_render(_pdf(f)) for f in (ours, reference, unjoined, reversed_words))
    ink = _dark(a)
    assert ink > 300
    assert _differ(a, ref) < 0.03 * ink
    assert _differ(a, u) > 0.2 * ink
    if " " in text:
        assert _differ(a, rev) > 0.2 * ink


def test_rendered_line_reads_right_to_left(fonts: tuple[str, str]) -> None:
    """Pixels: the first word in reading order is drawn at the right end of the line."""
    size = 36

    def line(c: Canvas) -> None:
        draw_rtl_string(c, 500, 600, "علاج کے بعد", "NotoNastaliqUrdu", size)

    def first_word(c: Canvas) -> None:
        draw_rtl_string(c, 500, 600, "علاج", "NotoNastaliqUrdu", size)

    full, first = _render(_pdf(line)), _render(_pdf(first_word))
    bbox_first = first.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert bbox_first is not None
    crop_full = full.crop(bbox_first)
    crop_first = first.crop(bbox_first)
    assert sum(ImageChops.difference(crop_full, crop_first).histogram()[65:]) < 50


def test_string_helpers_agree(fonts: tuple[str, str]) -> None:
    w = rtl_string_width("مریض کے لیے معلومات", "NotoNastaliqUrdu", 12)
    assert w > 0
    got: list[float] = []
    _pdf(lambda c: got.append(draw_rtl_string(c, 500, 700, "مریض کے لیے معلومات", "NotoNastaliqUrdu", 12)))
    assert got == [pytest.approx(w)]


def test_changed_python_bidi_output_stops_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The levels come from python-bidi's debug text; a new format must never print wrong text."""
    from clinicpack.errors import BuildError

    monkeypatch.setattr(rtl.bidi, "get_display_inner", lambda *args: "BidiInfo { something else }")
    with pytest.raises(BuildError) as caught:
        resolve_levels(SENTENCE)
    assert caught.value.message.startswith("python-bidi debug output changed; cannot read embedding levels (installed: python-bidi 0.6.")
    assert caught.value.message.endswith("run  pip install 'python-bidi>=0.6,<0.7'")


def test_overlong_web_address_breaks_after_its_punctuation(fonts: tuple[str, str]) -> None:
    url = "https://clinic.example/book?t=exosome-hair-loss&ref=P0001"
    para = RTLParagraph([Run(url, href=url)], RTLStyle(font_size=13))
    para.wrap(200, 1000)
    text = para.prepared.text
    assert len(para.lines) > 1
    for ln in para.lines[:-1]:
        assert text[ln.end - 1] in "/?&=-", text[ln.start : ln.end]
        assert ln.width <= 200 + 0.5
