"""Urdu leaflets built through the real command line, judged from the real PDF.

The typesetter's own glyph lists are not trusted here: glyph positions, text and ink boxes are
read back from the PDF's content stream and embedded fonts (``pdf_glyphs``), and whole lines are
compared as pixels with an independent rendering: python-bidi's ``get_display`` for the order,
uharfbuzz straight from the font files for the shapes, drawn as outlines. The same comparison
is run against deliberately wrong references (words reversed, a number reversed, letters
unjoined) to show that it would catch each of those faults.
"""

from __future__ import annotations

import io
import statistics
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import uharfbuzz as hb
import yaml
from bidi import get_display
from helpers import FIXTURES, ROOT, decode_qr, fonts_in, make_project, pdf_text, render_page, run
from pdf_glyphs import Glyph, block_text, find_line, lines, page_glyphs
from PIL import Image, ImageChops, ImageFilter
from reportlab.pdfgen.canvas import Canvas
from test_rtl import _CanvasPen, _ltr_mask

from clinicpack.brand import load_brand

LINE_A = "علاج کے بعد 24-48 گھنٹے تک PRP والی جگہ نہ دھوئیں۔"
LINE_B = "فوراً کلینک سے رابطہ کریں یا ہماری ویب سائٹ دیکھیں۔"
LINE_B_BOLD = ("فوراً", "کلینک")
DPI = 150


# ---------------------------------------------------------------------------------- builds


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture leaflet (mixed runs) and the shipped Urdu leaflet, built once."""
    tmp = tmp_path_factory.mktemp("rtl")
    fixture = (FIXTURES / "rtl-mixed.ur.md").read_text(encoding="utf-8")
    shipped = (ROOT / "leaflets" / "exosome-hair-loss.ur.md").read_text(encoding="utf-8")
    root = make_project(tmp, {"rtl-mixed.ur.md": fixture, "exosome-hair-loss.ur.md": shipped})
    code, _, _ = run(root, "--out", str(tmp / "out"), "-q")
    assert code == 0
    return {"mixed": tmp / "out" / "rtl-mixed.pdf", "shipped": tmp / "out" / "exosome-hair-loss-ur.pdf", "root": root}


@pytest.fixture(scope="module")
def faces() -> dict[str, hb.Font]:
    brand = load_brand(ROOT / "assets" / "brand.yaml")

    def font(path: Path) -> hb.Font:
        return hb.Font(hb.Face(hb.Blob(path.read_bytes())))

    urdu, latin = brand.fonts["urdu"].faces, brand.fonts["body"].faces
    return {"urdu": font(urdu["regular"]), "urdu_bold": font(urdu["bold"]), "latin": font(latin["regular"])}


# ------------------------------------------------------------ independent reference line


def reference_line(text: str, faces: dict[str, hb.Font], size: float, bold_words: tuple[str, ...] = ()) -> tuple[list, float]:
    """[(font, glyph, x, y)] and width for one RTL line: get_display + HarfBuzz, no clinicpack.

    Visual stretches of numbers and Latin read left to right; within them a character the
    Nastaliq font lacks (Latin letters) is drawn by the Latin font. Right-to-left stretches are
    shaped word by word (joining never crosses a space), in bold for the words given.
    """
    rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)
    visual = get_display(text, base_dir="R" if rtl else "L")  # a line with no Urdu reads left to right
    mask = _ltr_mask(visual)
    for n, c in enumerate(visual):  # spaces between left-to-right characters read with them (N1)
        if c == " " and 0 < n < len(visual) - 1 and mask[n - 1] and mask[n + 1]:
            mask[n] = True
    urdu_cmap = set(faces["urdu"].face.unicodes)
    pieces: list[tuple[str, hb.Font, str]] = []  # (text in shaping order, font, direction), visual order
    i = 0
    while i < len(visual):
        j = i
        while j < len(visual) and mask[j] == mask[i]:
            j += 1
        chunk = visual[i:j]
        if mask[i]:
            # a letter the Nastaliq font lacks is Latin; spaces, digits and punctuation between
            # Latin letters (or after the last one) are set Latin too, as a browser would
            letters = [n for n, c in enumerate(chunk) if c.isalpha()]
            latin = []
            for n, c in enumerate(chunk):
                if c.isalpha():
                    latin.append(ord(c) not in urdu_cmap)
                    continue
                before = [m for m in letters if m < n]
                after = [m for m in letters if m > n]
                latin.append(bool(before) and latin[before[-1]] and (not after or ord(chunk[after[0]]) not in urdu_cmap))
            k = 0
            while k < len(chunk):
                m = k
                while m < len(chunk) and latin[m] == latin[k]:
                    m += 1
                pieces.append((chunk[k:m], faces["latin" if latin[k] else "urdu"], "ltr"))
                k = m
        else:
            words = chunk[::-1].split(" ")
            logical: list[str] = []
            for n, w in enumerate(words):
                if n:
                    logical.append(" ")
                if w:
                    logical.append(w)
            for w in reversed(logical):
                pieces.append((w, faces["urdu_bold" if w in bold_words else "urdu"], "rtl"))
        i = j
    out = []
    x = 0.0
    for chars, font, direction in pieces:
        buf = hb.Buffer()
        buf.add_str(chars)
        buf.direction = direction
        buf.guess_segment_properties()
        if direction == "rtl":
            buf.language = "ur"
        hb.shape(font, buf, {"kern": True, "liga": True})
        scale = size / font.face.upem
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            out.append((font, info.codepoint, x + pos.x_offset * scale, pos.y_offset * scale))
            x += pos.x_advance * scale
    return out, x


def _render_reference(page_size: tuple[float, float], x_right: float, baseline: float, text: str, faces, size, bold_words=()) -> Image.Image:
    glyphs, width = reference_line(text, faces, size, bold_words)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=page_size)
    path = c.beginPath()
    for font, gid, gx, gy in glyphs:
        font.draw_glyph_with_pen(gid, _CanvasPen(path, x_right - width + gx, baseline + gy, size / font.face.upem))
    c.drawPath(path, stroke=0, fill=1, fillMode=1)
    c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    return pdf[0].render(scale=DPI / 72).to_pil().convert("L")


def _dark(img: Image.Image) -> int:
    return sum(img.histogram()[:128])


def _ink_mask(img: Image.Image) -> Image.Image:
    """Ink as black and white: blue link text and black reference outlines are both ink."""
    return img.point(lambda v: 255 if v < 128 else 0)


def _mismatch(a: Image.Image, b: Image.Image) -> int:
    """Ink pixels of either image with no ink of the other within one pixel.

    The one-pixel tolerance absorbs the different anti-aliasing of PDF text and filled
    outlines; a wrong glyph, a swapped word or a missing join moves whole strokes.
    """
    ma, mb = _ink_mask(a), _ink_mask(b)
    grow_a, grow_b = ma.filter(ImageFilter.MaxFilter(3)), mb.filter(ImageFilter.MaxFilter(3))
    only_a = ImageChops.subtract(ma, grow_b)
    only_b = ImageChops.subtract(mb, grow_a)
    return sum(only_a.histogram()[128:]) + sum(only_b.histogram()[128:])


def _line_geometry(glyphs: list[Glyph]) -> tuple[float, float, float]:
    """(right edge, baseline, size) of a drawn line, from the PDF's own glyph records."""
    right = max(g.x + g.advance for g in glyphs)
    baseline = statistics.mode(round(g.y, 2) for g in glyphs)  # word ends sit on the baseline
    return right, baseline, glyphs[0].size


def _compare(pdf: Path, text: str, faces, bold_words=(), wrong: dict[str, str] | None = None) -> dict[str, float]:
    """Mismatched ink (share of the line's ink) between the PDF line and references."""
    return compare_drawn(pdf, 0, find_line(page_glyphs(pdf, 0), text), text, faces, bold_words, wrong)


def compare_drawn(pdf: Path, index: int, drawn: list[Glyph], text: str, faces, bold_words=(),
                  wrong: dict[str, str] | None = None, below: float = 0.25) -> dict[str, float]:
    """The line ``drawn`` (glyph records of page ``index``) against references of ``text``.

    Only the band of the reference's ink is compared, down to ``below`` x size under the
    baseline (a link's underline or a form's write-on line lies lower).
    """
    right, baseline, size = _line_geometry(drawn)
    page = render_page(pdf, index, DPI / 72).convert("L")
    ref = _render_reference((page.width * 72 / DPI, page.height * 72 / DPI), right, baseline, text, faces, size, bold_words)
    box = ref.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert box is not None
    # the band of the line's own ink (lines never share ink rows: see the collision test), cut
    # above the link underline
    top = box[1] - 3
    bottom = min(box[3] + 3, round((page.height * 72 / DPI - baseline + below * size) * DPI / 72))
    band = (max(0, box[0] - 12), top, min(page.width, box[2] + 12), bottom)
    ours = page.crop(band)
    ink = _dark(ours)
    out = {"ink": ink, "reference": _mismatch(ours, ref.crop(band)) / ink}
    for name, variant in (wrong or {}).items():
        bad = _render_reference((page.width * 72 / DPI, page.height * 72 / DPI), right, baseline, variant, faces, size, bold_words)
        out[name] = _mismatch(ours, bad.crop(band)) / ink
    return out


def _unjoined(text: str) -> str:
    return "".join(c + "\u200c" if unicodedata.bidirectional(c) == "AL" else c for c in text)


def test_mixed_line_matches_independent_bidi_and_shaping(built, faces) -> None:
    """Urdu with a number range and a Latin word: order, digits and joining all as the reference."""
    result = _compare(
        built["mixed"], LINE_A, faces,
        wrong={
            "words reversed": " ".join(LINE_A.split(" ")[::-1]),
            "range reversed": LINE_A.replace("24-48", "48-24"),
            "digits reversed": LINE_A.replace("24-48", "42-84"),
            "letters unjoined": _unjoined(LINE_A),
        },
    )
    print(result)
    assert result["ink"] > 1000
    assert result["reference"] < 0.02
    for fault in ("words reversed", "range reversed", "digits reversed", "letters unjoined"):
        assert result[fault] > 0.05, f"{fault} would not be caught: {result}"


def test_bold_and_link_inside_urdu_keep_joining_and_order(built, faces) -> None:
    result = _compare(
        built["mixed"], LINE_B, faces, LINE_B_BOLD,
        wrong={"words reversed": " ".join(LINE_B.split(" ")[::-1]), "letters unjoined": _unjoined(LINE_B)},
    )
    print(result)
    assert result["reference"] < 0.02
    assert result["words reversed"] > 0.05 and result["letters unjoined"] > 0.05


def test_numbers_and_latin_read_left_to_right_inside_urdu(built) -> None:
    glyphs = page_glyphs(built["mixed"], 0)
    a = find_line(glyphs, LINE_A)
    visual = block_text(a)
    assert "PRP" in visual
    # After Urdu letters the bidi algorithm makes 24 and 48 Arabic numbers (rule W2): each
    # reads left to right, and the range reads right to left, 24 first. get_display agrees.
    expected = "".join(c for c in get_display(LINE_A, base_dir="R") if c in "0123456789-")
    assert "".join(c for c in visual if c in "0123456789-") == expected == "48-24"
    # reading order: "علاج کے بعد" (before PRP) right of it, the closing "۔" leftmost
    assert min(g.x for g in a if g.text == "ع") > max(g.x for g in a if g.text in ("P", "R"))
    assert next(g for g in a if g.text == "۔").x == min(g.x for g in a if g.text.strip())
    phone = find_line(page_glyphs(built["mixed"], 1), "فون: 0300 1234567")
    assert block_text(phone).replace("\u00a0", " ").startswith("0300 1234567")  # digit groups stay in order
    booking = next(v for v in lines(glyphs).values() if "7946" in block_text(v))
    assert block_text(booking).replace("\u00a0", " ").startswith("+44 20 7946 0000")


def test_code_block_in_urdu_leaflet_is_latin_left_to_right(built) -> None:
    """A code block is set by the RTL engine: Latin glyphs in the Latin font, read left to right."""
    pdf = built["mixed"]
    pages = range(len(pdfium.PdfDocument(str(pdf))))
    found = [find_line(page_glyphs(pdf, i), "dose: 2 ml") for i in pages if "dose" in "".join(g.text for g in page_glyphs(pdf, i))]
    assert len(found) == 1
    line = found[0]
    assert block_text(line).replace("\u00a0", " ") == "dose: 2 ml"  # left to right, in order
    assert all("Atkinson" in g.font for g in line if g.text.strip())


def test_link_inside_urdu_is_clickable_over_its_words(built) -> None:
    import pypdf

    page = pypdf.PdfReader(built["mixed"]).pages[0]
    links = [a.get_object() for a in page.get("/Annots", []) if a.get_object()["/A"].get("/URI") == "https://clinic.example/ur"]
    assert len(links) == 1
    x0, _, x1, _ = (float(v) for v in links[0]["/Rect"])
    line = find_line(page_glyphs(built["mixed"], 0), LINE_B)
    inside = {g.text for g in line if g.text and x0 - 0.5 <= g.x <= x1 + 0.5}
    assert set("ہماری ویب سائٹ".replace(" ", "")) <= inside
    assert not {"ف", "ک"} & {g.text for g in line if g.text and x0 + 1 < g.x < x1 - 1}


# ------------------------------------------------------------------------------ the page


def _blocks_with(glyphs: list[Glyph], needle: str) -> list[list[Glyph]]:
    return [v for v in lines(glyphs).values() if needle in block_text(v)]


def test_header_and_footer_are_mirrored(built) -> None:
    pdf = built["shipped"]
    width = 595.28
    margin = 28 * 72 / 25.4
    glyphs = page_glyphs(pdf, 1)  # page 2 also carries the leaflet title in the header
    (name,) = _blocks_with(glyphs, "Example Hair & Skin Clinic")
    assert min(g.x for g in name) > width / 2  # clinic name on the right...
    (page_label,) = [v for v in lines(glyphs).values() if "ہحفص" in block_text(v)]  # "صفحہ" drawn right to left
    assert max(g.x + g.advance for g in page_label) < width / 2  # ...page number on the left
    assert min(g.x for g in page_label) == pytest.approx(margin, abs=1.5)
    (footer,) = _blocks_with(glyphs, "exosome-hair-loss-ur")
    assert max(g.x + g.advance for g in footer) == pytest.approx(width - margin, abs=1.5)
    title = [v for v in lines(glyphs).values() if v[0].y > 750 and v[0].block != name[0].block]
    assert title and max(g.x + g.advance for g in title[0]) < width / 2
    # the logo is right of the clinic name: dark-blue pixels in the header band beyond the name
    img = render_page(pdf, 1, DPI / 72).convert("RGB")
    scale = DPI / 72
    name_right = max(g.x + g.advance for g in name) * scale
    band = img.crop((int(name_right) + 2, int(40 * scale), img.width, int(110 * scale)))
    assert band.convert("L").point(lambda v: 255 if v < 120 else 0).getbbox() is not None


def test_list_markers_sit_right_of_the_text_on_its_baseline(built) -> None:
    glyphs = page_glyphs(built["mixed"], 0)
    blocks = lines(glyphs)
    for item in ("پہلا نکتہ", "دوسرا نکتہ", "پہلا قدم", "دوسرا قدم"):
        text = find_line(glyphs, item)
        marker = [v for k, v in blocks.items() if k != text[0].block and abs(_line_geometry(v)[1] - _line_geometry(text)[1]) < 0.6]
        assert len(marker) == 1, item
        assert min(g.x for g in marker[0]) > max(g.x + g.advance for g in text)
    numbered = [v for v in blocks.values() if block_text(v) in (".1", ".2")]
    assert len(numbered) == 2  # "1." in right-to-left order: the full stop on the left


def test_table_columns_are_mirrored(built) -> None:
    glyphs = page_glyphs(built["mixed"], 1)
    first_col, second_col = find_line(glyphs, "سوال"), find_line(glyphs, "جواب")
    assert min(g.x for g in first_col) > max(g.x + g.advance for g in second_col)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float], tol: float = 0.05) -> bool:
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def test_lines_never_collide_on_any_page(built) -> None:
    """No glyph's ink box overlaps a glyph of another line, on every page of both leaflets."""
    for pdf in (built["shipped"], built["mixed"]):
        for index in range(len(pdfium.PdfDocument(str(pdf)))):
            blocks = [[g for g in v if g.ink] for v in lines(page_glyphs(pdf, index)).values()]
            boxes = [
                (min(g.ink[0] for g in b), min(g.ink[1] for g in b), max(g.ink[2] for g in b), max(g.ink[3] for g in b))
                for b in blocks if b
            ]
            blocks = [b for b in blocks if b]
            for i in range(len(blocks)):
                for j in range(i + 1, len(blocks)):
                    if not _overlap(boxes[i], boxes[j]):
                        continue
                    for g in blocks[i]:
                        for h in blocks[j]:
                            assert not _overlap(g.ink, h.ink), f"page {index + 1}: {g.text!r} touches {h.text!r}"


def test_fonts_embedded_qr_decodes_and_text_extracts(built) -> None:
    pdf = built["shipped"]
    fonts = fonts_in(pdf)
    assert any("NotoNastaliqUrdu" in name for name in fonts)
    assert not any("Vera" in name or "Helvetica" in name for name in fonts)
    for font in fonts.values():
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert decode_qr(render_page(pdf, 0, 3)) == ["https://clinic.example/book?t=exosome-hair-loss"]
    text = pdf_text(pdf)
    for word in ("ایکسوسوم", "علاج", "انجیکشن"):
        assert word in text


def test_urdu_labels_cover_every_english_key() -> None:
    """A missing key would silently print English inside an Urdu page."""
    en = yaml.safe_load((ROOT / "assets" / "labels" / "en.yaml").read_text(encoding="utf-8"))
    ur = yaml.safe_load((ROOT / "assets" / "labels" / "ur.yaml").read_text(encoding="utf-8"))
    assert set(ur) == set(en)
    import string

    def fields(v: object) -> set[str]:
        if isinstance(v, list):
            return set().union(*(fields(x) for x in v)) if v else set()
        return {f for _, f, _, _ in string.Formatter().parse(str(v)) if f}

    for key in en:
        assert fields(ur[key]) == fields(en[key]), key
        if isinstance(en[key], str):
            assert any(unicodedata.bidirectional(c) == "AL" for c in ur[key]), f"{key} is not translated"


def test_same_urdu_leaflet_gives_identical_bytes_whatever_was_built_before(built, tmp_path: Path) -> None:
    """Glyph codes are handed out per process; the PDF must not depend on what came before."""
    code, _, _ = run(built["root"], "--out", str(tmp_path), "-q", "exosome-hair-loss-ur")
    assert code == 0
    assert (tmp_path / "exosome-hair-loss-ur.pdf").read_bytes() == built["shipped"].read_bytes()
