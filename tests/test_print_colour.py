"""Print colour (layout key ``print.colour: cmyk``), read from the content streams of real PDFs:
CMYK colours converted from the brand palette, black text as black ink only, crop marks in
registration colour, and nothing left in RGB. The default stays RGB."""

from __future__ import annotations

import os
from pathlib import Path

import pypdf
import pytest
from helpers import make_project, run
from pypdf.generic import ContentStream

from clinicpack.render.colour import CMYK_PROFILE, rgb_to_cmyk

if not CMYK_PROFILE.is_file():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CMYK_PROFILE} is missing: .ci/run installs libgs-common")
    pytest.skip("the CMYK profile (Debian's libgs-common) is not installed here", allow_module_level=True)

COLOUR_OPS = {b"rg", b"RG", b"k", b"K", b"g", b"G", b"sc", b"scn", b"SC", b"SCN", b"cs", b"CS"}


def colour_ops(path: Path) -> list[tuple[bytes, tuple]]:
    """Every colour operator of every page and Form XObject, with its operands."""
    reader = pypdf.PdfReader(path)
    found: list[tuple[bytes, tuple]] = []

    def walk(stream, resources) -> None:
        for operands, op in ContentStream(stream, reader).operations:
            if op in COLOUR_OPS:
                found.append((op, tuple(float(v) if isinstance(v, (int, float)) or hasattr(v, "as_numeric") else str(v) for v in operands)))
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject, xobject.get("/Resources"))

    for page in reader.pages:
        walk(page.get_contents(), page.get("/Resources"))
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cmyk")
    root = make_project(tmp, copy_shipped=True)
    (root / "layouts" / "press.yaml").write_text("extends: default\nprint:\n  colour: cmyk\n  ready: true\n", encoding="utf-8")
    (root / "layouts" / "press-booklet.yaml").write_text("extends: a5-booklet\nprint:\n  colour: cmyk\n  ready: true\n", encoding="utf-8")
    for layout in ("press", "press-booklet"):
        code = run(root, "exosome-hair-loss", "exosome-hair-loss.ur", "--layout", layout, "-q")[0]
        assert code == 0
    day = tmp / "day.csv"
    day.write_text("patient_ref,name\nP1,Ayesha Khan\n", encoding="utf-8")
    assert run(root, "exosome-hair-loss", "--pack", "consent", "--layout", "press", "--patients", str(day), "-q")[0] == 0
    assert run(root, "exosome-hair-loss", "-q")[0] == 0
    out = root / "output"
    return {
        "leaflet": out / "exosome-hair-loss.press.print.pdf",
        "urdu": out / "exosome-hair-loss-ur.press.print.pdf",
        "booklet": out / "exosome-hair-loss.press-booklet.print.pdf",
        "pack": out / "exosome-hair-loss" / "P1.pdf",
        "rgb": out / "exosome-hair-loss.pdf",
    }


@pytest.mark.parametrize("kind", ["leaflet", "urdu", "booklet", "pack"])
def test_no_rgb_colour_is_left(built, kind) -> None:
    ops = colour_ops(built[kind])
    assert any(op == b"k" for op, _ in ops), "some CMYK fill is set"
    assert [op for op, _ in ops if op in (b"rg", b"RG", b"g", b"G")] == []


def test_body_text_is_black_ink_only(built) -> None:
    """#1a1a1a (the body text colour) prints as K only, never as four-colour black."""
    fills = {operands for op, operands in colour_ops(built["leaflet"]) if op == b"k"}
    assert any(f[:3] == (0.0, 0.0, 0.0) and abs(f[3] - (1 - 0x1A / 255)) < 0.002 for f in fills)
    assert not any(c > 0 and m > 0 and y > 0 and k > 0.8 for c, m, y, k in fills), "rich black text"


def test_brand_colours_are_converted_by_the_profile(built) -> None:
    """The brand's primary blue #17476b comes out as LittleCMS converts it with the profile, not
    as the naive 1 - RGB formula would give (which has no black)."""
    fills = {operands for op, operands in colour_ops(built["leaflet"]) if op in (b"k", b"K")}
    blue = rgb_to_cmyk(0x17, 0x47, 0x6B)
    assert blue in fills
    assert blue[3] > 0.05 and blue != (0.0, round(1 - 0x47 / 0x17, 3), 0.0, 0.0)


@pytest.mark.parametrize("kind", ["leaflet", "booklet"])
def test_crop_marks_are_in_registration_colour(built, kind) -> None:
    reader = pypdf.PdfReader(built[kind])
    spaces = []

    def collect(resources) -> None:
        for cs in ((resources or {}).get("/ColorSpace") or {}).values():
            spaces.append(cs.get_object())
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                collect(xobject.get("/Resources"))

    collect(reader.pages[0].get("/Resources"))
    assert any(list(cs)[:2] == ["/Separation", "/All"] for cs in spaces), spaces
    assert any(op == b"CS" for op, _ in colour_ops(built[kind]))


def test_default_layout_stays_rgb(built) -> None:
    ops = colour_ops(built["rgb"])
    assert any(op == b"rg" for op, _ in ops)
    assert [op for op, _ in ops if op in (b"k", b"K")] == []


def test_missing_profile_is_a_one_line_error(tmp_path, capsys, monkeypatch) -> None:
    from clinicpack.render import colour

    monkeypatch.setattr(colour, "CMYK_PROFILE", tmp_path / "absent.icc")
    root = make_project(tmp_path, copy_shipped=True)
    (root / "layouts" / "press.yaml").write_text("extends: default\nprint:\n  colour: cmyk\n", encoding="utf-8")
    code, _, err = run(root, "exosome-hair-loss", "--layout", "press", capsys=capsys)
    assert code == 1
    lines = [ln for ln in err.splitlines() if "error" in ln]
    assert lines[0].startswith("press.yaml:3: error: print.colour is cmyk but the CMYK profile")
    assert "apt-get install libgs-common" in lines[0] and "Traceback" not in err
    assert not list((root / "output").glob("*.pdf"))
