"""The core builder, checked on the real PDF a user gets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from helpers import FIXTURES, ROOT, decode_qr, fonts_in, make_project, pdf_text, render_page, run

from clinicpack.leaflet import load_leaflet

SECTIONS = ("What the treatment is", "Who it suits", "Sessions and timeline", "Cost", "Safety", "Contraindications", "After your treatment")


@pytest.fixture(scope="module")
def everything(tmp_path_factory) -> Path:
    """The fixture that uses every Markdown feature, built once for this module."""
    root = make_project(tmp_path_factory.mktemp("everything"), {"everything.md": (FIXTURES / "everything.md").read_text()})
    assert run(root, "-q") [0] == 0
    return root / "output" / "test-everything.pdf"


def test_every_section_and_feature_is_in_the_text(everything: Path) -> None:
    text = pdf_text(everything)
    for title in SECTIONS:
        assert title in text
    assert "Level four" in text and "Second, part b" in text  # nested lists
    assert "First visit and a long description" in text  # table cell text
    assert "Ask for a written quote before you start." in text  # call-out
    assert "Example reference with a link" in text  # references from front matter


def test_text_is_text_and_raw_html_prints_literally(everything: Path) -> None:
    text = pdf_text(everything)
    assert "& ampersands < and > signs" in text
    assert "<b>not bold</b>" in text
    assert '<img src="/etc/passwd">' in text
    assert "&amp; too" in text


def test_booking_qr_decodes_to_the_leaflets_link(everything: Path) -> None:
    image = render_page(everything, 0, scale=2.0)
    assert decode_qr(image) == ["https://clinic.example/book?t=test-everything"]
    assert "https://clinic.example/book?t=test-everything" in pdf_text(everything)


def test_qr_is_vector_and_at_least_20mm(everything: Path) -> None:
    page = pypdf.PdfReader(everything).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"], "the QR code is a bitmap"
    image = render_page(everything, 0, scale=4).convert("L")
    import zxingcpp

    result = next(r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode)
    xs = [p.x for p in (result.position.top_left, result.position.top_right)]
    width_mm = (max(xs) - min(xs)) / 4 / 72 * 25.4
    assert width_mm >= 20
    assert result.ec_level in ("M", "Q", "H")


def test_fonts_are_embedded_truetype_and_no_base14(everything: Path) -> None:
    fonts = fonts_in(everything)
    assert fonts, "no fonts found"
    for name, font in fonts.items():
        assert font["/Subtype"] == "/TrueType", name
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
        assert "Atkinson" in name


def test_metadata_outline_and_language(everything: Path) -> None:
    reader = pypdf.PdfReader(everything)
    meta = reader.metadata
    assert meta.title == "A test leaflet that uses every Markdown feature"
    assert meta.author == "Example Hair & Skin Clinic"
    assert meta.subject == "Shows headings, lists, tables, quotes, images & links."
    assert reader.trailer["/Root"]["/Lang"] == "en"
    titles = [o.title for o in reader.outline]
    for title in SECTIONS:
        assert title in titles
    pages = {o.title: reader.get_destination_page_number(o) for o in reader.outline}
    assert pages["What the treatment is"] == 0 and pages["About this leaflet"] == len(reader.pages) - 1


def test_header_footer_and_page_numbers(everything: Path) -> None:
    reader = pypdf.PdfReader(everything)
    total = len(reader.pages)
    for i, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {i} of {total}" in text
        assert "test-everything" in text and "Version 2.1" in text and "Review due 15 January 2036" in text
        assert "Example Hair & Skin Clinic" in text


def test_links_are_clickable(everything: Path) -> None:
    uris = []
    for page in pypdf.PdfReader(everything).pages:
        for annot in page.get("/Annots", []) or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(action["/URI"])
    assert "https://clinic.example/info" in uris
    assert "https://example.org/reference/path" in uris


def test_body_text_is_12pt_or_more_and_left_aligned(everything: Path) -> None:
    import pdfplumber

    with pdfplumber.open(everything) as pdf:
        page = pdf.pages[0]
        body = [c for c in page.chars if c["text"].strip() and 100 < c["top"] < page.height - 85]
        sizes = {round(c["size"], 1) for c in body}
        lines: dict[float, float] = {}
        for c in body:
            if abs(c["size"] - 14) < 0.1:  # layouts/default.yaml: text.size 14pt
                top = round(c["top"])
                lines[top] = min(lines.get(top, 1e9), c["x0"])
    assert min(sizes) >= 12
    # left-aligned: every body line starts at the same left edge (the margin, or a list indent)
    starts = sorted({round(x) for x in lines.values()})
    assert starts[0] == round(28 * 72 / 25.4)  # layouts/default.yaml: page.margin_left 28mm


def test_long_words_wrap_inside_the_page(everything: Path) -> None:
    import pdfplumber

    with pdfplumber.open(everything) as pdf:
        for page in pdf.pages:
            assert all(c["x1"] <= page.width - 20 * 72 / 25.4 + 1 for c in page.chars if c["text"].strip())


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    source = {"everything.md": (FIXTURES / "everything.md").read_text()}
    a = make_project(tmp_path / "a", source)
    b = make_project(tmp_path / "b", source)
    assert run(a, "-q")[0] == 0 and run(b, "-q")[0] == 0
    assert (a / "output/test-everything.pdf").read_bytes() == (b / "output/test-everything.pdf").read_bytes()


def test_headings_never_end_a_page(tmp_path: Path) -> None:
    """Many short sections: whichever falls at a page foot must move with its text."""
    filler = ["Some words to fill the page. " * (i % 4 + 1) for i in range(4)]
    lists = ["- a list item\n- another item\n    - nested", "1. first\n2. second", "| a | b |\n|---|---|\n| 1 | 2 |", "> a call-out"]
    body = "".join(f"## Part {i}\n\n{(filler + lists)[i % 8]}\n\n" + (f"### Sub {i}\n\n{lists[i % 4]}\n\n" if i % 3 == 0 else "") for i in range(70))
    text = (FIXTURES / "everything.md").read_text().replace("## Who it suits", body + "## Who it suits")
    root = make_project(tmp_path, {"x.md": text})
    assert run(root, "-q")[0] == 0
    import pdfplumber

    with pdfplumber.open(root / "output/test-everything.pdf") as pdf:
        for page in pdf.pages:
            words = [w for w in page.extract_words(extra_attrs=["size"]) if 70 < w["top"] < page.height - 70]
            last_line_top = max(w["top"] for w in words)
            last_line = [w for w in words if abs(w["top"] - last_line_top) < 2]
            assert not all(w["size"] >= 16 for w in last_line), f"a heading ends page {page.page_number}: {last_line}"


def test_shipped_leaflets_build(tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    english = [p for p in (root / "leaflets").glob("*.md") if "language: en" in p.read_text()]
    assert len(english) >= 2
    assert run(root, *[str(p) for p in english], "-q")[0] == 0
    for path in english:
        leaflet = load_leaflet(path, root / "assets")
        pdf = root / "output" / f"{leaflet.id}.pdf"
        text = " ".join(pdf_text(pdf).split())
        for section in leaflet.sections:
            assert section.title in text
        assert decode_qr(render_page(pdf, 0)) == [f"https://clinic.example/book?t={leaflet.id}"]


def test_command_line_help_and_exit_codes(tmp_path: Path) -> None:
    script = str(ROOT / "build_pack.py")
    help_text = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert help_text.returncode == 0
    for option in ("--out", "--layout", "--check"):
        assert option in help_text.stdout
    root = make_project(tmp_path, {"bad.md": "no front matter\n"})
    bad = subprocess.run([sys.executable, script, "--project", str(root)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0].endswith('bad.md:1: error: no front matter: the file must start with a line "---", then id, title, language, version, published, review_due and authors, then another "---"')


def test_long_table_repeats_its_header_row_on_every_page(tmp_path: Path) -> None:
    rows = "".join(f"| Visit {i} | Week {i * 2} | A check of the scalp and a photo, then the injections if all is well |\n" for i in range(70))
    table = "| Visit | When | What happens at this visit |\n|---|---|---|\n" + rows
    text = (FIXTURES / "everything.md").read_text().replace("## Cost\n", "## Cost\n\n" + table + "\n", 1)
    root = make_project(tmp_path, {"x.md": text})
    assert run(root, "-q")[0] == 0
    pages = pypdf.PdfReader(root / "output/test-everything.pdf").pages
    spanned = [t for t in (p.extract_text() for p in pages) if re.search(r"Visit \d+\n", t)]
    assert len(spanned) >= 3, "the table should cross pages"
    for page_text in spanned:
        assert "What happens at this visit" in page_text
        assert not re.search(r"Week\n\d", page_text), "a short cell wrapped between its words"
