"""Patients' names in the scripts clinics meet print on their consent packs, through the brand's
font fallback chain (``fallback_fonts``); a script no configured font has is a row error that
names the script and the fix, and never quotes the name."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from helpers import FIXTURES, fonts_in, make_project, run

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
NAMES = {
    "P01": "Nguyễn Thị Ánh",  # Vietnamese: two marks on one letter
    "P02": unicodedata.normalize("NFD", "Trần Văn Đức"),  # as macOS types it: letters + combining marks
    "P03": "Łucja Żółć-Wróblewska",  # Polish
    "P04": "Şükrü Gündoğdu İşçi",  # Turkish
    "P05": "Αλέξανδρος Παπαδόπουλος",  # Greek
    "P06": "Дмитрий Шостакович",  # Cyrillic
    "P07": "अनिता शर्मा",  # Devanagari: the i-sign is drawn before its consonant, र्म is a conjunct
    "P08": "عائشہ خان",  # Urdu (Arabic script)
    "P09": "Ayesha Khan",  # plain Latin: the pack stays small
}


def cover_text(pdf: Path) -> str:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0].get_textpage()
        return page.get_text_range()
    finally:
        doc.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("names")
    root = make_project(tmp, {"test-consent.md": LEAFLET})
    day = tmp / "day.csv"
    day.write_text("patient_ref,name\n" + "".join(f"{ref},{name}\n" for ref, name in NAMES.items()), encoding="utf-8")
    out = tmp / "out"
    code, _, err = run(root, "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), "-q")
    return {"root": root, "code": code, "folder": out / "test-consent", "tmp": tmp}


def test_every_name_prints(batch):
    assert batch["code"] == 0
    assert sorted(p.name for p in batch["folder"].iterdir()) == sorted(f"{ref}.pdf" for ref in NAMES)


@pytest.mark.parametrize("ref", sorted(NAMES))
def test_the_name_reads_back_from_the_cover(batch, ref):
    text = unicodedata.normalize("NFC", " ".join(cover_text(batch["folder"] / f"{ref}.pdf").split()))
    name = unicodedata.normalize("NFC", NAMES[ref])
    if ref == "P08":  # PDFium lists right-to-left words in visual order (logical order is the print helper's item)
        assert " ".join(name.split()[::-1]) in text or name in text
    else:
        assert name in text


def test_fallback_fonts_are_embedded_only_where_needed(batch):
    fonts = {ref: " ".join(fonts_in(batch["folder"] / f"{ref}.pdf")) for ref in NAMES}
    for ref in ("P01", "P02", "P05", "P06"):  # Polish and Turkish letters are in the layout's own font
        assert "NotoSans-Regular" in fonts[ref] and "Devanagari" not in fonts[ref], ref
    assert "NotoSansDevanagari" in fonts["P07"] and "NotoSans-Regular" not in fonts["P07"]
    assert "NotoSans" not in fonts["P09"]
    small = (batch["folder"] / "P09.pdf").stat().st_size
    assert (batch["folder"] / "P05.pdf").stat().st_size > small  # the fallback font travels only with its patients


SCRIPTS = {"Georgian": "ნინო ბერიძე", "Thai": "สมชาย ใจดี", "CJK": "王伟", "Hangul": "김민준"}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_script_no_font_has_is_a_row_error_naming_the_script_never_the_name(batch, capsys, script):
    day = batch["tmp"] / f"bad-{script}.csv"
    name = SCRIPTS[script]
    day.write_text(f"patient_ref,name\nX1,Plain Name\nX2,{name}\nX3,Other Name\n", encoding="utf-8")
    out = batch["tmp"] / f"out-{script}"
    code, _, err = run(batch["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f"{day}:3: error: name has {script} letters, which no font in the brand file can print; add a font that has "
        "them to fallback_fonts in the brand file (README: \"Names in other scripts\")")
    assert not set(name.replace(" ", "")) & set(err)
    assert sorted(p.name for p in (out / "test-consent").iterdir()) == ["X1.pdf", "X3.pdf"]


def test_fallback_fonts_must_name_brand_fonts(tmp_path, capsys):
    root = make_project(tmp_path, {"test-consent.md": LEAFLET})
    brand = root / "assets" / "brand.yaml"
    text = brand.read_text(encoding="utf-8")
    assert "fallback_fonts:" in text
    lines = text.splitlines()
    line = next(i for i, s in enumerate(lines, 1) if s.startswith("fallback_fonts:"))
    lines[line - 1] = "fallback_fonts: [devanagri, noto-sans]"
    brand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert f"brand.yaml:{line}: error: fallback_fonts: no font \"devanagri\" under fonts (did you mean \"devanagari\"?)" in err


def test_devanagari_is_shaped_like_harfbuzz_shapes_it(batch):
    """The i-sign before its consonant, the conjunct र्म: the glyphs drawn are those HarfBuzz
    chooses for the name with the same font, in the same order (not one glyph per letter)."""
    import uharfbuzz as hb
    from pdf_glyphs import page_glyphs

    from clinicpack.brand import load_brand

    brand = load_brand(batch["root"] / "assets" / "brand.yaml")
    font_file = brand.fonts["devanagari"].faces["regular"]
    buffer = hb.Buffer()
    buffer.add_str(NAMES["P07"])
    buffer.guess_segment_properties()
    hb.shape(hb.Font(hb.Face(hb.Blob.from_file_path(str(font_file)))), buffer, {})
    expected = [info.codepoint for info in buffer.glyph_infos if info.codepoint != 3]  # 3: the space
    drawn = sorted((g for g in page_glyphs(batch["folder"] / "P07.pdf", 0) if "Devanagari" in g.font), key=lambda g: g.x)
    assert [g.code for g in drawn if g.code != 3] == expected
    assert len(expected) < len(NAMES["P07"].replace(" ", ""))  # shaping really joined letters
