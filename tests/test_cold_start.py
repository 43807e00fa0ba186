"""What makes a cold build start faster changes nothing a user gets.

SVG logos are converted once and read back from the user cache: the PDF is the same byte for
byte with or without the cache, a read-back drawing needs no svglib, and only self-contained
SVGs (no text, no reference to another file) are cached. The command line pauses the cycle
collector for one build and restores it."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, make_project, run
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from clinicpack.render import svg

# an unclosed filled path (svglib draws it with its own NoStrokePath) and a clipping path
SHAPES = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">
  <defs><clipPath id="c"><rect x="0" y="0" width="90" height="60"/></clipPath></defs>
  <g clip-path="url(#c)"><circle cx="30" cy="30" r="28" fill="#17476b"/></g>
  <path d="M60 10 L100 30 L60 50" fill="#2a8c82" stroke="#000000" stroke-width="3"/>
</svg>
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "clinicpack"


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("svg-*.pickle")) if cache.exists() else []


def drawn(drawing: Drawing) -> bytes:
    """The drawing as a one-page PDF (no dates, no random id), to compare how two drawings draw."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1, pageCompression=0)
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.save()
    return out.getvalue()


def test_a_cached_drawing_draws_exactly_as_svglib_draws_it(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shapes.svg"
    path.write_text(SHAPES)
    from svglib.svglib import svg2rlg

    original = drawn(svg2rlg(str(path)))  # svglib's own classes, untouched
    first = svg.load_drawing(path, path, None)  # converted, then written to the cache
    assert len(entries(cache)) == 1
    again = svg.load_drawing(path, path, None)  # read back
    assert again is not first
    assert drawn(first) == drawn(again) == original
    assert all(type(node).__module__.startswith("reportlab.") for node in _nodes(again))


def _nodes(group):  # noqa: ANN001, ANN202
    for node in group.contents:
        yield node
        if hasattr(node, "contents"):
            yield from _nodes(node)


def test_reading_a_cached_drawing_does_not_import_svglib(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "shapes.svg"
    path.write_text(SHAPES)
    svg.load_drawing(path, path, None)
    code = (
        "import sys; from pathlib import Path; from clinicpack.render import svg; "
        f"svg.load_drawing(Path({str(path)!r}), Path('x'), None); print('svglib' in sys.modules)"
    )
    env = {"XDG_CACHE_HOME": str(cache.parent), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("extra", [
    '<text x="5" y="20">Clinic</text>',
    '<image href="other.png" width="10" height="10"/>',
    '<style>circle { fill: red }</style>',
    '<rect width="10" height="10" fill="url(other.svg#g)"/>',
])
def test_an_svg_that_depends_on_more_than_its_own_bytes_is_not_cached(cache: Path, tmp_path: Path, extra: str) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(SHAPES.replace("</svg>", extra + "\n</svg>"))
    assert svg._cache_name(path.read_bytes()) is None
    assert svg._cache_name(SHAPES.encode()) is not None


def test_the_pdf_is_the_same_with_a_cold_a_warm_and_a_damaged_cache(cache: Path, tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    pdfs = []
    for step in ("cold", "warm", "damaged", "unwritable"):
        if step == "damaged":
            for entry in entries(cache):
                entry.write_bytes(b"not a pickle")
        if step == "unwritable":
            shutil.rmtree(cache)
            cache.write_text("a file where the folder should be")
        out = tmp_path / step
        assert run(root, "--out", str(out), "-q", "prp-hair-loss")[0] == 0
        pdfs.append((out / "prp-hair-loss.pdf").read_bytes())
        if step == "cold":
            assert len(entries(cache)) == 1  # the shipped logo is self-contained
    assert pdfs[0] == pdfs[1] == pdfs[2] == pdfs[3]


def test_a_one_shot_build_pauses_the_cycle_collector_and_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line pauses Python's cycle collector for one build (see cli.without_cycle_collector)
    and hands the process back as it found it, also when the build fails."""
    import gc

    import clinicpack.build as build

    root = make_project(tmp_path, copy_shipped=True)
    seen: list[bool] = []
    real = build.render_leaflet

    def render(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "render_leaflet", render)
    assert gc.isenabled()
    assert run(root, "--out", str(tmp_path / "out"), "-q", "--force", "prp-hair-loss")[0] == 0
    assert seen == [False] and gc.isenabled()
    assert run(root, "--out", str(tmp_path / "out"), "-q", "no-such-leaflet")[0] == 1
    assert gc.isenabled()


def test_a_process_about_to_exit_freezes_the_heap_for_the_last_collection() -> None:
    """restore=False (build_pack.py, which exits next): every object goes to the permanent
    generation, which the collection Python runs at exit skips."""
    import gc

    from clinicpack.cli import without_cycle_collector

    assert gc.isenabled()
    try:
        with without_cycle_collector(restore=False):
            assert not gc.isenabled()
        assert gc.get_freeze_count() > 1000 and not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_one_shot_command_closes_the_archive_before_the_process_exits(tmp_path: Path) -> None:
    """With the heap frozen at exit nothing is left to the garbage collector: the archive's
    database is closed by the command, so no write-ahead log is left beside it (leaflets and
    consent packs), and every record is in the database itself."""
    import sqlite3

    root = make_project(tmp_path, copy_shipped=True)
    (tmp_path / "day.csv").write_text("patient_ref,name\nP1,Ayesha Khan\n", encoding="utf-8")
    for args in (["prp-hair-loss"], ["--pack", "consent", "--patients", str(tmp_path / "day.csv"), "prp-hair-loss"]):
        done = subprocess.run([sys.executable, str(ROOT / "build_pack.py"), "--project", str(root), "--out", str(tmp_path / "out"),
                               "-q", *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in (root / "records").iterdir()) == ["archive.sqlite3"]
    with sqlite3.connect(root / "records" / "archive.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM prints").fetchone()[0] == 2


def _render_counting(root: Path, monkeypatch: pytest.MonkeyPatch, replay: bool) -> tuple[bytes, int]:
    import clinicpack as cp
    from clinicpack.render import page

    calls = []
    real = page.renderPDF.draw
    monkeypatch.setattr(page.renderPDF, "draw", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    if not replay:  # every operator "names a resource": the logo is drawn afresh on every page
        monkeypatch.setattr(page, "_NAMES_A_RESOURCE", __import__("re").compile(r""))
    pdf = cp.render_leaflet(cp.load(root), "prp-hair-loss")
    monkeypatch.undo()
    return pdf, len(calls)


def test_the_logo_written_once_per_document_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    root = make_project(tmp_path, copy_shipped=True)
    replayed, drawn_once = _render_counting(root, monkeypatch, replay=True)
    fresh, drawn_each = _render_counting(root, monkeypatch, replay=False)
    pages = len(pypdf.PdfReader(io.BytesIO(fresh)).pages)
    assert pages > 1 and drawn_once == 1 and drawn_each == pages
    assert replayed == fresh


def test_a_logo_with_text_is_drawn_afresh_on_every_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    root = make_project(tmp_path, copy_shipped=True)
    logo = root / "assets" / "logo.svg"
    logo.write_text(logo.read_text().replace("</svg>", '<text x="4" y="110" font-size="10">Clinic</text></svg>'))
    pdf, drawn = _render_counting(root, monkeypatch, replay=True)
    assert drawn == len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 1


LONG_TABLE = "\n".join(["| Week | What happens | Notes |", "|---|---|---|"] + [
    f"| {i} | Session {i}: the scalp is cleaned and the treatment given | Bring your questions; a very long note to make the cell wrap onto several lines {i} |"
    for i in range(1, 70)
])
LONG_PARAGRAPH = " ".join(["This paragraph is long enough to be split across a page boundary and hyphenated somewhere"] * 60)
SUPERCALIFRAGILISTIC = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4


@pytest.mark.parametrize("layout", ["default", "large-print", "a5-booklet"])
def test_remembered_line_breaks_give_the_same_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    """A paragraph wrapped again at the same width reuses its lines (render/measured.py); the
    PDF must be the one breaking them afresh every time gives: tables split over pages with
    their header rows repeated, paragraphs split over pages, unbreakable words, every block."""
    import clinicpack as cp
    from clinicpack.render import measured

    text = (ROOT / "tests" / "fixtures" / "everything.md").read_text()
    text = text.replace("## Who it suits", f"{LONG_TABLE}\n\n{LONG_PARAGRAPH}\n\n{SUPERCALIFRAGILISTIC}\n\n## Who it suits")
    root = make_project(tmp_path, {"everything.md": text})
    loaded = cp.load(root, layout)
    remembered = cp.render_leaflet(loaded, "test-everything")
    monkeypatch.setattr(measured.MeasuredParagraph, "wrap", measured.Paragraph.wrap)
    monkeypatch.setattr(measured.MeasuredParagraph, "split", measured.Paragraph.split)
    afresh = cp.render_leaflet(loaded, "test-everything")
    assert remembered == afresh


def test_a_remembered_wrap_answers_what_paragraph_wrap_answers() -> None:
    """Also for a width too narrow to hold anything, where ReportLab answers without breaking lines."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from clinicpack.render.measured import MeasuredParagraph

    style = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)
    text = "Some words that wrap onto more than one line at a narrow width, and more words."
    remembered, plain = MeasuredParagraph(text, style), Paragraph(text, style)
    for width in (200, 200, 0, 0, 60, 200, 60):
        assert remembered.wrap(width, 1000) == plain.wrap(width, 1000)
        assert (remembered.width, remembered.height) == (plain.width, plain.height)
