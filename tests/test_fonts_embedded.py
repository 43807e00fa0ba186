"""Every font a PDF names is embedded in it, for every kind of output the builder writes.

A print shop's preflight rejects a file that names a font it does not carry (the printer would
substitute one). pypdf lists the fonts of every page, including those inside Form XObjects
(the imposed pages and the crop-mark form of a booklet sheet).
"""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from helpers import ROOT, make_project, run

LAYOUTS = sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml"))
LEAFLETS = ("exosome-hair-loss", "exosome-hair-loss.ur")


def font_names(path: Path) -> tuple[set[str], set[str]]:
    """(embedded, not embedded) font names over all pages, as pypdf lists them."""
    embedded: set[str] = set()
    missing: set[str] = set()
    for page in pypdf.PdfReader(path).pages:
        e, m = page._get_fonts()
        embedded |= e
        missing |= m
    return embedded, missing


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> list[Path]:
    """One of every kind of output: each layout, print-ready, booklets, blank and stamped packs,
    English and Urdu (an English pack also stamped with an Urdu name)."""
    tmp = tmp_path_factory.mktemp("fonts")
    root = make_project(tmp, copy_shipped=True)
    for layout in LAYOUTS:
        assert run(root, *LEAFLETS, "--layout", layout, "-q")[0] == 0
        assert run(root, *LEAFLETS, "--layout", layout, "--print-ready", "-q")[0] == 0
    assert run(root, *LEAFLETS, "--pack", "consent", "-q")[0] == 0
    patients = tmp / "day.csv"
    patients.write_text("patient_ref,name,date_of_birth\nP1,Ayesha Khan,1985-03-14\nP2,عائشہ خان,1990-07-01\n", encoding="utf-8")
    for leaflet in LEAFLETS:
        assert run(root, leaflet, "--pack", "consent", "--patients", str(patients), "-q")[0] == 0
    return sorted((root / "output").rglob("*.pdf"))


def test_every_kind_of_output_was_built(outputs) -> None:
    names = [p.name for p in outputs]
    for layout in LAYOUTS:
        suffix = "" if layout == "default" else f".{layout}"
        assert f"exosome-hair-loss{suffix}.pdf" in names and f"exosome-hair-loss-ur{suffix}.print.pdf" in names
    assert "exosome-hair-loss-consent.pdf" in names and "exosome-hair-loss-ur-consent.pdf" in names
    assert sum(1 for p in outputs if p.parent.name.startswith("exosome-hair-loss")) == 4  # two patients, two languages


def test_every_font_is_embedded(outputs) -> None:
    unembedded = {}
    for path in outputs:
        embedded, missing = font_names(path)
        assert embedded, f"{path.name} lists no font at all"
        if missing:
            unembedded[path.name] = sorted(missing)
    assert unembedded == {}


def test_crop_mark_form_names_no_font(outputs) -> None:
    """The marks laid over a print-ready booklet sheet hold no text, so they select no font."""
    sheet = next(p for p in outputs if p.name == "exosome-hair-loss.a5-booklet.print.pdf")
    page = pypdf.PdfReader(sheet).pages[0]
    marks = page["/Resources"]["/XObject"]["/Marks"].get_object()
    fonts = (marks.get("/Resources") or {}).get("/Font")
    assert fonts is None or not fonts.get_object()
    assert b"Tf" not in marks.get_data()
