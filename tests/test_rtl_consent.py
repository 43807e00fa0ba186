"""The Urdu consent pack, from the real PDFs: translated forms, mirrored fields, and the
patient's own name printed right whether it is written in Urdu or in Latin letters.

Names are stamped into the laid-out pack as shaped glyphs; they are compared, as pixels, with
an independent rendering (python-bidi + HarfBuzz from the font files, see test_rtl_leaflet),
and the same comparison shows that a reversed or unjoined name would be caught.
"""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from helpers import ROOT, decode_qr, make_project, render_page, run
from pdf_glyphs import Glyph, lines, page_glyphs
from test_rtl_leaflet import _unjoined, compare_drawn, faces  # noqa: F401 (faces is a fixture)

URDU_NAME = "محمد علی خان"
LATIN_NAME = "Muhammad Ali Khan"


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("rtl-consent")
    shipped = (ROOT / "leaflets" / "exosome-hair-loss.ur.md").read_text(encoding="utf-8")
    root = make_project(tmp, {"exosome-hair-loss.ur.md": shipped})
    csv = tmp / "day.csv"
    csv.write_text(
        "patient_ref,name,date_of_birth,mrn\n"
        f"P0001,{URDU_NAME},1980-03-05,MR 12 345\n"
        f"P0002,{LATIN_NAME},1975-11-20,MR 67 890\n",
        encoding="utf-8",
    )
    code, _, _ = run(root, "exosome-hair-loss-ur", "--pack", "consent", "--patients", str(csv), "-q")
    assert code == 0
    folder = root / "output" / "exosome-hair-loss-ur"
    return {"urdu": folder / "P0001.pdf", "latin": folder / "P0002.pdf"}


def _stamped(pdf: Path, index: int = 0) -> list[list[Glyph]]:
    """Lines written by the stamper (its fonts are embedded whole: no subset prefix)."""
    return [v for v in lines(page_glyphs(pdf, index)).values() if "+" not in v[0].font]


def _name_line(pdf: Path) -> list[Glyph]:
    # the first field of the cover is the name: the topmost stamped line
    return max(_stamped(pdf), key=lambda v: v[0].y)


@pytest.mark.parametrize("which,name", [("urdu", URDU_NAME), ("latin", LATIN_NAME)])
def test_patient_name_matches_independent_shaping(packs, faces, which: str, name: str) -> None:  # noqa: F811
    pdf = packs[which]
    wrong = {"words reversed": " ".join(name.split(" ")[::-1])}
    if which == "urdu":
        wrong["letters unjoined"] = _unjoined(name)
    result = compare_drawn(pdf, 0, _name_line(pdf), name, faces, wrong=wrong, below=0.1)
    assert result["ink"] > 150
    assert result["reference"] < 0.02
    for fault, share in result.items():
        if fault not in ("ink", "reference"):
            assert share > 0.05, f"{fault} would not be caught: {result}"


def test_name_sits_on_its_line_left_of_the_label(packs) -> None:
    """Right-to-left form: the label "نام" on the right, the name written to its left."""
    for pdf in packs.values():
        name = _name_line(pdf)
        label = [v for v in lines(page_glyphs(pdf, 0)).values()
                 if "+" in v[0].font and "".join(g.text for g in v).strip() == "مان"]  # "نام" drawn right to left
        assert label, "no name label"
        label_y = [v for v in label if abs(v[0].y - name[0].y) < 12]
        assert label_y and min(g.x for g in label_y[0]) > max(g.x + g.advance for g in name)


def test_urdu_date_of_birth_and_latin_record_number(packs, faces) -> None:  # noqa: F811
    stamped = _stamped(packs["urdu"])
    name_y = _name_line(packs["urdu"])[0].y
    dob_line = next(v for v in stamped if v[0].y < name_y - 5
                    and sum(g.font.endswith("NotoNastaliqUrdu-Regular") for g in v) > len(v) / 2)
    result = compare_drawn(packs["urdu"], 0, dob_line, "5 مارچ 1980", faces, below=0.1)
    assert result["reference"] < 0.02
    mrn = [v for v in stamped if all("Atkinson" in g.font for g in v) and abs(v[0].y - dob_line[0].y) < 1]
    assert mrn, "record number not stamped in the Latin font"
    assert [round(g.x, 1) for g in mrn[0]] == sorted(round(g.x, 1) for g in mrn[0])


def test_forms_are_in_urdu(packs) -> None:
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(packs["urdu"]).pages)
    # (pypdf scrambles some Nastaliq lines, so these are phrases it extracts reliably)
    for urdu in ("مریض کی معلومات", "رضامندی فارم", "علاج سے پہلے صحت کی جانچ", "بعد کی دیکھ بھال کا کارڈ", "تاریخ پیدائش"):
        assert urdu in text, urdu
    for english in ("Patient details", "CLINIC COPY", "PATIENT COPY", "Clinician's statement", "Signature"):
        assert english not in text, english


def test_qr_carries_the_reference(packs) -> None:
    pages = len(pypdf.PdfReader(packs["urdu"]).pages)  # the cover (one page) and the card
    codes = [c for i in (0, pages - 1) for c in decode_qr(render_page(packs["urdu"], i, 3))]
    assert codes == ["https://clinic.example/book?t=exosome-hair-loss&ref=P0001"] * 2  # cover and card


def test_urdu_name_on_an_english_pack(tmp_path: Path, faces) -> None:  # noqa: F811
    """A Pakistani clinic prints English packs too; a name written in Urdu script is shaped
    and ordered like on the Urdu pack, while Latin names keep the fast Latin-only path."""
    shipped = (ROOT / "leaflets" / "exosome-hair-loss.md").read_text(encoding="utf-8")
    root = make_project(tmp_path, {"exosome-hair-loss.md": shipped})
    csv = tmp_path / "day.csv"
    csv.write_text(f"patient_ref,name\nP0001,{URDU_NAME}\nP0002,{LATIN_NAME}\n", encoding="utf-8")
    code, _, _ = run(root, "exosome-hair-loss", "--pack", "consent", "--patients", str(csv), "-q")
    assert code == 0
    folder = root / "output" / "exosome-hair-loss"
    urdu, latin = folder / "P0001.pdf", folder / "P0002.pdf"
    wrong = {"words reversed": " ".join(URDU_NAME.split(" ")[::-1]), "letters unjoined": _unjoined(URDU_NAME)}
    result = compare_drawn(urdu, 0, _name_line(urdu), URDU_NAME, faces, wrong=wrong, below=0.1)
    assert result["reference"] < 0.02
    assert result["words reversed"] > 0.05 and result["letters unjoined"] > 0.05
    fonts = {str(f.get_object()["/BaseFont"]) for f in pypdf.PdfReader(latin).pages[0]["/Resources"]["/Font"].values()}
    assert not any("Nastaliq" in f for f in fonts), "a Latin name must not carry the Urdu font"
    assert decode_qr(render_page(urdu, 0)) == ["https://clinic.example/book?t=exosome-hair-loss&ref=P0001"]
