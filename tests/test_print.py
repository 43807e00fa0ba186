"""What print shops, clinics and low-vision readers get, checked from the real PDFs: booklet
sheets and page order, bleed and crop boxes, large-print type sizes, layout changes, previews."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from helpers import ROOT, files_under, make_project, render_page, run
from PIL import Image

from clinicpack.brand import load_brand
from clinicpack.layout import load_layout
from clinicpack.render.impose import padded_count, saddle_stitch_order

MM = 72 / 25.4
LEAFLET = "exosome-hair-loss"  # has a table, a call-out, lists, references: every kind of text


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (ROOT / "leaflets" / f"{LEAFLET}.md").read_text(encoding="utf-8")
    root = make_project(tmp_path_factory.mktemp("print"), {f"{LEAFLET}.md": text})
    (root / "layouts/edge.yaml").write_text(
        "# a designer's layout: coloured page, title band from edge to edge\n"
        "extends: default\npage:\n  background: panel\ntitle:\n  band_width: page\n"
    )
    for args in (
        [],
        ["--layout", "a5-booklet"],
        ["--layout", "a5-booklet", "--print-ready"],
        ["--layout", "large-print"],
        ["--layout", "edge"],
        ["--layout", "edge", "--print-ready"],
    ):
        code, _, _ = run(root, "-q", *args)
        assert code == 0, args
    return root


def out(project: Path, name: str) -> Path:
    return project / "output" / name


def page_label(text: str) -> tuple[int, int] | None:
    m = re.search(r"Page (\d+) of (\d+)", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def mm_box(box) -> list[float]:
    return [round(float(v) / MM, 1) for v in box]


# ---------------------------------------------------------------- A5 booklet


def test_saddle_stitch_order() -> None:
    assert padded_count(5) == 8 and padded_count(8) == 8 and padded_count(1) == 4
    assert saddle_stitch_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert saddle_stitch_order(6) == [(8, 1), (2, 7), (6, 3), (4, 5)]  # 7 and 8 are blank
    assert saddle_stitch_order(8, rtl=True) == [(1, 8), (7, 2), (3, 6), (5, 4)]  # bound on the right
    for pages in range(1, 30):
        sides = saddle_stitch_order(pages)
        numbers = sorted(n for side in sides for n in side)
        assert numbers == list(range(1, padded_count(pages) + 1))  # every page exactly once
        assert all(left + right == padded_count(pages) + 1 for left, right in sides)  # facing pages of a fold


def test_booklet_from_the_pdf(project: Path) -> None:
    booklet = out(project, f"{LEAFLET}.a5-booklet.pdf")
    with pdfplumber.open(booklet) as pdf:
        pages = pdf.pages
        for page in pages:  # every sheet side is A4 landscape
            assert (round(page.width / MM), round(page.height / MM)) == (297, 210)
        sides = []
        for page in pages:
            halves = (page.crop((0, 0, page.width / 2, page.height)), page.crop((page.width / 2, 0, page.width, page.height)))
            sides.append(tuple(page_label(half.extract_text()) for half in halves))
    labels = [label for side in sides for label in side if label]
    leaflet_pages = labels[0][1]
    assert all(total == leaflet_pages for _, total in labels), "Page N of M counts the leaflet's pages, not the blanks"
    padded = padded_count(leaflet_pages)
    assert padded > leaflet_pages or leaflet_pages % 4 == 0
    assert len(pages) == padded // 2  # two sides per sheet
    assert len(pages) // 2 == padded // 4  # sheets
    expected = []
    for sheet in range(padded // 4):
        expected += [(padded - 2 * sheet, 2 * sheet + 1), (2 * sheet + 2, padded - 2 * sheet - 1)]
    found = [tuple(label[0] if label else None for label in side) for side in sides]
    assert found == [tuple(n if n <= leaflet_pages else None for n in side) for side in expected]
    assert found[0] == (None, 1)  # sheet 1 front: the back cover (blank here) | the first page


def test_booklet_page_is_not_scaled(project: Path) -> None:
    """The A5 page's text keeps its size on the sheet: the body is the layout's 12pt."""
    with pdfplumber.open(out(project, f"{LEAFLET}.a5-booklet.pdf")) as pdf:
        sizes = Counter(round(c["size"], 1) for c in pdf.pages[1].chars)
    assert sizes.most_common(1)[0][0] == 12.0


def test_print_ready_booklet_has_bleed_marks_and_boxes(project: Path) -> None:
    reader = pypdf.PdfReader(out(project, f"{LEAFLET}.a5-booklet.print.pdf"))
    plain = pypdf.PdfReader(out(project, f"{LEAFLET}.a5-booklet.pdf"))
    assert len(reader.pages) == len(plain.pages)
    for page in reader.pages:
        assert mm_box(page.trimbox) == [10.0, 10.0, 306.0, 220.0]  # the 296 x 210mm spread of two A5 pages
        assert mm_box(page.bleedbox) == [7.0, 7.0, 309.0, 223.0]  # plus 3mm of bleed
        assert mm_box(page.mediabox) == [0.0, 0.0, 316.0, 230.0]  # plus room for crop marks


def test_booklets_are_reproducible(project: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert run(project, "-q", "--layout", "a5-booklet", "--out", str(again))[0] == 0
    assert (again / f"{LEAFLET}.a5-booklet.pdf").read_bytes() == out(project, f"{LEAFLET}.a5-booklet.pdf").read_bytes()


# ---------------------------------------------------------------- bleed and crop marks


def test_print_ready_boxes(project: Path) -> None:
    for page in pypdf.PdfReader(out(project, "exosome-hair-loss.edge.print.pdf")).pages:
        assert mm_box(page.trimbox) == [10.0, 10.0, 220.0, 307.0]  # A4, 10mm in from the sheet edge
        assert mm_box(page.bleedbox) == [7.0, 7.0, 223.0, 310.0]  # 3mm bleed on every side
        assert mm_box(page.mediabox) == [0.0, 0.0, 230.0, 317.0]
    plain = pypdf.PdfReader(out(project, "exosome-hair-loss.edge.pdf")).pages[0]
    assert mm_box(plain.mediabox) == [0.0, 0.0, 210.0, 297.0]
    assert "/TrimBox" not in plain


def test_bleed_moves_the_content_without_scaling_it(project: Path) -> None:
    def words(path: Path) -> list[tuple[str, float, float, float]]:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[0]
            return [(w["text"], w["x0"], page.height - w["bottom"], w["x1"] - w["x0"]) for w in page.extract_words()[:40]]

    plain, ready = words(out(project, "exosome-hair-loss.edge.pdf")), words(out(project, "exosome-hair-loss.edge.print.pdf"))
    assert [w[0] for w in plain] == [w[0] for w in ready]
    for a, b in zip(plain, ready):
        assert b[1] - a[1] == pytest.approx(10 * MM, abs=0.01)  # moved right by the 10mm offset
        assert b[2] - a[2] == pytest.approx(10 * MM, abs=0.01)  # and up
        assert b[3] == pytest.approx(a[3], abs=0.01)  # same width: not scaled


def test_colour_runs_into_the_bleed_and_crop_marks_sit_outside(project: Path) -> None:
    scale = 4.0
    image = render_page(out(project, "exosome-hair-loss.edge.print.pdf"), 0, scale).convert("RGB")
    px = scale * MM  # pixels per mm

    def at(x_mm: float, y_mm_from_top: float) -> tuple[int, int, int]:
        return image.getpixel((round(x_mm * px), round(y_mm_from_top * px)))

    panel, band, white = (0xEA, 0xF2, 0xF7), (0x17, 0x47, 0x6B), (255, 255, 255)
    close = lambda a, b: all(abs(x - y) <= 3 for x, y in zip(a, b))
    assert close(at(8.5, 150), panel)  # page colour 1.5mm into the left bleed
    assert close(at(5.5, 150), white)  # nothing beyond the bleed
    # the band's top edge, found beside the text column (between the right margin and the trim)
    band_y = next(y / px for y in range(image.height) if close(image.getpixel((round(215 * px), y)), band))
    assert close(at(7.5, band_y + 5), band)  # the title band runs 2.5mm into the left bleed
    assert close(at(222.5, band_y + 5), band)  # and into the right bleed
    # crop marks: dark strokes in the slug, on the trim lines, but not in the bleed
    dark = lambda p: sum(p) < 200
    assert any(dark(at(10, y)) for y in [v / 10 for v in range(40)])  # vertical mark above the top-left corner
    assert not any(dark(at(10, y)) for y in [v / 10 for v in range(71, 100)])  # none in the 3mm bleed


# ---------------------------------------------------------------- large print


def test_large_print_has_no_text_below_16pt(project: Path) -> None:
    sizes: Counter = Counter()
    with pdfplumber.open(out(project, f"{LEAFLET}.large-print.pdf")) as pdf:
        for page in pdf.pages:
            sizes.update(round(c["size"], 2) for c in page.chars if c["text"].strip())
    assert min(sizes) >= 16.0, sorted(sizes)
    assert sizes.most_common(1)[0][0] >= 18.0  # the body text
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(out(project, f"{LEAFLET}.large-print.pdf")).pages)
    assert "Review due" in text and "Page 1 of" in text  # the footer is reflowed, not dropped


def test_large_print_reflows_onto_more_pages(project: Path) -> None:
    normal = len(pypdf.PdfReader(out(project, f"{LEAFLET}.pdf")).pages)
    large = len(pypdf.PdfReader(out(project, f"{LEAFLET}.large-print.pdf")).pages)
    assert large > normal
    page = pypdf.PdfReader(out(project, f"{LEAFLET}.large-print.pdf")).pages[0]
    assert mm_box(page.mediabox) == [0.0, 0.0, 210.0, 297.0]  # same paper: reflowed, not scaled up


# ---------------------------------------------------------------- a designer's change


def test_colour_and_body_size_changes_show_in_the_pdf(tmp_path: Path) -> None:
    text = (ROOT / "leaflets/prp-hair-loss.md").read_text(encoding="utf-8")
    root = make_project(tmp_path, {"prp-hair-loss.md": text})

    def body_chars() -> tuple[float, tuple]:
        assert run(root, "-q", "--layout", "mine")[0] == 0
        with pdfplumber.open(root / "output/prp-hair-loss.mine.pdf") as pdf:
            chars = [c for c in pdf.pages[1].chars if c["text"].strip()]
        size = Counter(round(c["size"], 2) for c in chars).most_common(1)[0][0]
        colour = Counter(tuple(round(v, 3) for v in c["non_stroking_color"]) for c in chars if round(c["size"], 2) == size)
        return size, colour.most_common(1)[0][0]

    (root / "layouts/mine.yaml").write_text("extends: default\n")
    default_size = load_layout("default", root / "layouts", load_brand(root / "assets/brand.yaml")).text.size
    assert body_chars() == (default_size, (0.102, 0.102, 0.102))  # brand colour "text" #1a1a1a
    (root / "layouts/mine.yaml").write_text(f'extends: default\ntext:\n  size: {default_size + 2:g}pt\n  colour: "#8b0000"\n')
    assert body_chars() == (default_size + 2, (0.545, 0.0, 0.0))


# ---------------------------------------------------------------- preview


def test_preview_pngs_beside_the_pdf(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "previewed"
    assert run(project, "-q", "--preview", "--out", str(folder))[0] == 0
    pages = len(pypdf.PdfReader(folder / f"{LEAFLET}.pdf").pages)
    names = files_under(folder)
    assert [n for n in names if n.endswith(".png")] == sorted(
        [f"{LEAFLET}.contact.png"] + [f"{LEAFLET}.preview/page-{n:02d}.png" for n in range(1, pages + 1)]
    )
    first = Image.open(folder / f"{LEAFLET}.preview/page-01.png")
    assert first.format == "PNG" and abs(first.height / first.width - 297 / 210) < 0.01  # an A4 page
    # the preview shows the real page: the title band's blue is in it
    assert (0x17, 0x47, 0x6B) in {p for _, p in first.convert("RGB").getcolors(1 << 20)}
    contact = Image.open(folder / f"{LEAFLET}.contact.png")
    assert contact.width > first.width  # several pages side by side


def test_urdu_booklet_is_bound_on_the_right(tmp_path: Path) -> None:
    """Urdu reads right to left, so the booklet opens the other way: page 1 (the one with the
    title band) is the left half of the first sheet's front; the right half is the back cover
    (the last page, or blank when the page count is not a multiple of four)."""
    names = ("exosome-hair-loss.md", "exosome-hair-loss.ur.md")
    root = make_project(tmp_path, {n: (ROOT / "leaflets" / n).read_text(encoding="utf-8") for n in names})
    assert run(root, "-q", "--layout", "a5-booklet", "exosome-hair-loss-ur")[0] == 0
    sheet = render_page(root / "output/exosome-hair-loss-ur.a5-booklet.pdf", 0, 1.0).convert("RGB")
    half = sheet.width // 2

    def band_pixels(box: tuple[int, int, int, int]) -> int:  # the title band's dark blue
        return sum(1 for r, g, b in sheet.crop(box).getdata() if abs(r - 0x17) < 12 and abs(g - 0x47) < 12 and abs(b - 0x6B) < 12)

    left, right = band_pixels((0, 0, half, sheet.height)), band_pixels((half, 0, sheet.width, sheet.height))
    assert left > 20 * right and left > 5000


def test_print_ready_without_crop_marks_is_trim_plus_bleed(tmp_path: Path) -> None:
    text = (ROOT / "leaflets/prp-hair-loss.md").read_text(encoding="utf-8")
    root = make_project(tmp_path, {"prp-hair-loss.md": text})
    (root / "layouts/nomarks.yaml").write_text("extends: default\nprint:\n  ready: true\n  bleed: 5mm\n  crop_marks: false\n")
    assert run(root, "-q", "--layout", "nomarks")[0] == 0
    page = pypdf.PdfReader(root / "output/prp-hair-loss.nomarks.print.pdf").pages[0]
    assert mm_box(page.mediabox) == mm_box(page.bleedbox) == [0.0, 0.0, 220.0, 307.0]
    assert mm_box(page.trimbox) == [5.0, 5.0, 215.0, 302.0]


def test_previews_of_a_shorter_leaflet_leave_no_stale_pages(tmp_path: Path) -> None:
    text = (ROOT / "leaflets/prp-hair-loss.md").read_text(encoding="utf-8")
    root = make_project(tmp_path, {"prp-hair-loss.md": text})
    assert run(root, "-q", "--preview", "--layout", "large-print")[0] == 0
    long = len(list((root / "output/prp-hair-loss.large-print.preview").glob("page-*.png")))
    (root / "layouts/large-print.yaml").write_text((root / "layouts/large-print.yaml").read_text().replace("size: 18pt", "size: 16pt"))
    assert run(root, "-q", "--preview", "--layout", "large-print")[0] == 0
    pages = len(pypdf.PdfReader(root / "output/prp-hair-loss.large-print.pdf").pages)
    names = sorted(p.name for p in (root / "output/prp-hair-loss.large-print.preview").glob("page-*.png"))
    assert pages < long
    assert names == [f"page-{n:02d}.png" for n in range(1, pages + 1)]
