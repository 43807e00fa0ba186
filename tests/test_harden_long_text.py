"""Any text a leaflet can hold either lays out inside the page (an unbroken word splits anywhere
as a last resort, in table cells too) or is refused with its limit; never a layout traceback."""

from __future__ import annotations

import shutil
from collections import Counter

import pdfplumber
import pytest
from helpers import ROOT, make_project, run
from test_errors import GOOD

# 162 letters and no break opportunity, of letters found nowhere else in the leaflet (so they can be counted)
LONG = "øéüåñç" * 27
URDU_LONG = "ب" + "ستلمنکہ" * 22  # 155 joined letters


def filler(text: str) -> str:
    """Many short sentences keep the readability grade low around the long words."""
    return text + "\n\n" + "We can help. It is ok. " * 120


def leaflet_with(markdown: str, title: str = "Good leaflet") -> str:
    text = GOOD.replace("title: Good leaflet", f"title: {title}", 1)
    return text.replace("Text.\n\n## Who", f"Text.\n\n{filler(markdown)}\n\n## Who", 1)


EVERYWHERE = (
    f"| Step | What | Note |\n|---|---|---|\n| {LONG} | {LONG[::-1]} | ok |\n| a | {LONG.upper()} | b |\n\n"
    f"A word: {LONG}{LONG}.\n\n### {LONG}\n\n- {LONG}\n\n> {LONG}\n\n    {LONG}{LONG}\n"
)


def chars_outside(pdf_path) -> list[str]:
    """Characters drawn off the page or into its outer 10 pt (where nothing of ours belongs)."""
    bad = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for ch in page.chars:
                if ch["x0"] < 10 or ch["x1"] > page.width - 10 or ch["top"] < 0 or ch["bottom"] > page.height:
                    bad.append(f"page {page.page_number}: {ch['text']!r} at {ch['x0']:.0f}..{ch['x1']:.0f}")
    return bad


def drawn_letters(pdf_path) -> Counter:
    """How often each character is drawn (split words in table cells interleave with their
    neighbours when text is extracted line by line, so count letters instead)."""
    with pdfplumber.open(pdf_path) as pdf:
        return Counter(ch["text"] for page in pdf.pages for ch in page.chars)


def all_drawn(pdf_path, *words: str) -> bool:
    """Each letter of ``words`` is drawn exactly as often as written: none lost, none doubled."""
    wanted = Counter("".join(words))
    drawn = drawn_letters(pdf_path)
    return all(drawn[letter] == n for letter, n in wanted.items())


@pytest.mark.parametrize("layout", ["default", "large-print", "letter"])
def test_long_words_split_inside_the_page_and_cells(tmp_path, capsys, layout):
    root = make_project(tmp_path, {"good.md": leaflet_with(EVERYWHERE)})
    code, _, err = run(root, "--out", str(tmp_path / "out"), "--layout", layout, capsys=capsys)
    assert code == 0, err
    pdf = next((tmp_path / "out").glob("*.pdf"))
    assert chars_outside(pdf) == []
    # every letter of every long word is printed: in the cell, text, heading, list, quote and code
    assert all_drawn(pdf, LONG, LONG[::-1], LONG.upper(), *[LONG] * 2, LONG, LONG, LONG, *[LONG] * 2)


def test_long_title_of_one_word_lays_out_everywhere(tmp_path, capsys):
    title = ("ÅÉÑØÜ" * 30)[:150]
    root = make_project(tmp_path, {"good.md": leaflet_with("Text.", title=title)})
    for args in (["--layout", "a5-booklet"], ["--layout", "large-print"], ["--pack", "consent"]):
        code, _, err = run(root, "--out", str(tmp_path / "out"), *args, capsys=capsys)
        if "--pack" in args:  # a consent pack needs more sections; the title must not be what stops it
            assert "benefits" in err and "Traceback" not in err
            continue
        assert code == 0, err
    for pdf in (tmp_path / "out").glob("*.pdf"):
        assert chars_outside(pdf) == [], pdf.name
        assert all_drawn(pdf, title)


@pytest.mark.parametrize("length", [151, 1_000])
def test_too_long_title_is_refused_with_the_limit(tmp_path, capsys, length):
    title = ("Long title words " * 100)[:length].strip()
    root = make_project(tmp_path, {"good.md": leaflet_with("Text.", title=f'"{title}"')})
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert f"good.md:3: error: title is {len(title):,} characters long; the limit is 150 (put the detail in summary or the text)" in err
    assert len(err.splitlines()) == 2


def test_too_many_table_columns_is_refused_on_the_table_line(tmp_path, capsys):
    table = "|" + "|".join(f"c{i}" for i in range(20)) + "|\n|" + "---|" * 20 + "\n|" + "x|" * 20
    root = make_project(tmp_path, {"good.md": leaflet_with(table)})
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert "good.md:16: error: this table has 20 columns; at most 12 fit across the page in this layout" in err


def test_long_urdu_words_in_cells_and_text(tmp_path, capsys):
    root = make_project(tmp_path)
    source = (ROOT / "leaflets" / "exosome-hair-loss.ur.md").read_text(encoding="utf-8")
    shutil.copy(ROOT / "leaflets" / "exosome-hair-loss.md", root / "leaflets")
    marker = "## یہ کس کے لیے موزوں ہو سکتا ہے"
    assert marker in source
    insert = f"| ایک | دو |\n|---|---|\n| {URDU_LONG} | ٹھیک |\n\n{URDU_LONG}\n\n"
    (root / "leaflets" / "long.ur.md").write_text(source.replace(marker, insert + marker, 1), encoding="utf-8")
    code, _, err = run(root, "--out", str(tmp_path / "out"), "exosome-hair-loss-ur", capsys=capsys)
    assert code == 0, err
    assert chars_outside(tmp_path / "out" / "exosome-hair-loss-ur.pdf") == []


def test_a_block_taller_than_any_page_is_one_line_not_a_layout_traceback(tmp_path):
    """The safety net under every known limit: whatever ReportLab cannot place becomes a BuildError."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    from clinicpack.errors import BuildError
    from clinicpack.render.safety import laid_out

    tall = Table([[Paragraph("Tall cell " + "<br/>" * 400, getSampleStyleSheet()["Normal"])]])
    with pytest.raises(BuildError) as caught, laid_out(tmp_path / "x.md"):
        SimpleDocTemplate(str(tmp_path / "x.pdf")).build([tall])
    assert caught.value.report("error").endswith(
        'x.md: error: a block is too big to fit on any page (the block starting "Tall cell..."); shorten it or split it into parts')


@pytest.mark.parametrize("leaflet_id", ["con", "nul", "com1", "lpt9", "aux", "prn"])
def test_leaflet_ids_windows_cannot_save_are_refused(tmp_path, capsys, leaflet_id):
    root = make_project(tmp_path, {"good.md": leaflet_with("Text.").replace("id: good-leaflet", f"id: {leaflet_id}")})
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert f'good.md:2: error: id "{leaflet_id}" is a name Windows reserves for devices (CON, NUL, COM1 ...)' in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_clinic_details_longer_than_their_limit_are_refused(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": leaflet_with("Text.")})
    brand = root / "assets" / "brand.yaml"
    lines = brand.read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(lines, 1) if s.strip().startswith("name: Example Hair"))
    lines[line - 1] = "  name: " + "Very long clinic name " * 40
    brand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert f"brand.yaml:{line}: error: clinic.name is 879 characters long; the limit is 80" in err
