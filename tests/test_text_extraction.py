"""Copy, search and read-aloud of Urdu: every glyph drawn maps to text, read with PDFium.

Nastaliq draws one letter with several glyphs (a skeleton, its dots, joining strokes). The
extra glyphs stand for no text, and PDFium (Chrome's and Android's PDF engine) turns a glyph
with an empty ToUnicode entry into its raw character code: a control character in the copied
text. So every glyph must either map to the characters it stands for, or sit in a marked-content
span whose ActualText says what the whole cluster reads as.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from helpers import make_project, run
from pdf_glyphs import _to_unicode
from pypdf.generic import ContentStream, DictionaryObject

URDU_NAME = "عائشہ خان"


@pytest.fixture(scope="module")
def urdu(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("extract")
    root = make_project(tmp, copy_shipped=True)
    assert run(root, "exosome-hair-loss.ur", "-q")[0] == 0
    assert run(root, "exosome-hair-loss.ur", "--pack", "consent", "-q")[0] == 0
    patients = tmp / "day.csv"
    patients.write_text(f"patient_ref,name,date_of_birth\nP1,{URDU_NAME},1990-07-01\n", encoding="utf-8")
    assert run(root, "exosome-hair-loss.ur", "--pack", "consent", "--patients", str(patients), "-q")[0] == 0
    out = root / "output"
    return {"leaflet": out / "exosome-hair-loss-ur.pdf", "pack": out / "exosome-hair-loss-ur-consent.pdf",
            "stamped": out / "exosome-hair-loss-ur" / "P1.pdf"}


def pdfium_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def stray(text: str) -> collections.Counter:
    """Control, unassigned and private-use characters: never part of a leaflet's words."""
    return collections.Counter(ch for ch in text if unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs") and ch not in "\r\n\t")


def silent_glyphs(path: Path) -> list[tuple[int, str]]:
    """(page, font) of every glyph drawn with no ToUnicode text and outside any ActualText span."""
    reader = pypdf.PdfReader(path)
    found = []
    for number, page in enumerate(reader.pages):
        fonts = {name: f.get_object() for name, f in (page["/Resources"].get("/Font") or {}).items()}
        maps = {name: _to_unicode(f) for name, f in fonts.items()}
        two_byte = {name: f.get("/Subtype") == "/Type0" for name, f in fonts.items()}
        spans: list[bool] = []  # one entry per open marked-content sequence: does it carry ActualText?
        font = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op in (b"BDC", b"BMC"):
                props = operands[1] if op == b"BDC" and len(operands) > 1 else None
                spans.append(isinstance(props, DictionaryObject) and "/ActualText" in props)
            elif op == b"EMC":
                spans.pop()
            elif op == b"Tf":
                font = str(operands[0])
            elif op == b"Tj" and font in maps and not any(spans):
                data = operands[0].original_bytes
                codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)] if two_byte[font] else list(data)
                found += [(number + 1, font) for code in codes if not maps[font].get(code)]
    return found


def test_every_glyph_maps_to_text_or_sits_in_an_actualtext_span(urdu) -> None:
    for kind, path in urdu.items():
        assert silent_glyphs(path) == [], kind


def test_pdfium_reads_no_control_characters(urdu) -> None:
    for kind, path in urdu.items():
        text = pdfium_text(path)
        assert len(text) > 1000, kind
        assert stray(text) == collections.Counter(), kind


def test_pdfium_loses_no_letter(urdu) -> None:
    """Every Arabic-script letter pypdf reads from the glyphs' own ToUnicode (one per drawn
    character, by construction) PDFium reads too: the spans lose nothing."""
    for kind in ("leaflet", "pack"):
        path = urdu[kind]
        letters = lambda text: collections.Counter(ch for ch in text if "\u0600" <= ch <= "\u06ff" and unicodedata.category(ch) == "Lo")
        by_glyphs = letters("".join(p.extract_text() for p in pypdf.PdfReader(path).pages))
        assert sum(by_glyphs.values()) > 1000
        assert by_glyphs - letters(pdfium_text(path)) == collections.Counter(), kind


def test_pdfium_finds_source_words(urdu) -> None:
    """PDFium's line finding splits Nastaliq words that climb far above the baseline, but the
    words it keeps together are real words of the leaflet, not letters and stray codes."""
    source = Path(__file__).resolve().parent.parent / "leaflets" / "exosome-hair-loss.ur.md"
    words = set(re.findall(r"[\u0600-\u06ff]{3,}", source.read_text(encoding="utf-8")))
    text = re.sub(r"\s+", " ", pdfium_text(urdu["leaflet"]))
    found = {w for w in words if w in text}
    assert len(found) * 3 >= len(words), f"PDFium found {len(found)} of {len(words)} words"
