"""Tagged PDFs (issue 14): structure that mirrors the Markdown, every mark on the page either
tagged content or an artifact, read back with Poppler and pikepdf."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import pikepdf
import pytest
import yaml
from bidi import get_display
from helpers import FIXTURES, ROOT, make_project, pdf_text, run
from pdf_structure import read_tree, roles, struct_text

LAYOUTS = sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml"))
EVERYTHING = (FIXTURES / "everything.md").read_text(encoding="utf-8")
URDU = (FIXTURES / "rtl-mixed.ur.md").read_text(encoding="utf-8")


def build(tmp: Path, leaflets: dict[str, str], *args: str) -> Path:
    root = make_project(tmp, leaflets)
    out = root / "out"
    code, _, _ = run(root, "--out", str(out), *args)
    assert code == 0
    return out


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def markdown_blocks(source: str) -> dict[str, list[str]]:
    """Headings, list items (their own text, nested lists left out) and table cells, in order,
    as Python-Markdown reads the leaflet's body."""
    body = source.split("---", 2)[2]
    reader = markdown.Markdown(extensions=["tables", "attr_list"])
    reader.preprocessors.deregister("html_block")  # raw HTML is text in a leaflet
    reader.inlinePatterns.deregister("html")
    html = reader.convert(body)

    tree = ET.fromstring(f"<div>{html}</div>")
    own = lambda el: "".join([el.text or ""] + ["".join(c.itertext()) + (c.tail or "") for c in el if c.tag not in ("ul", "ol")])  # noqa: E731
    return {
        "headings": ["".join(h.itertext()) for h in tree.iter() if re.fullmatch(r"h[2-6]", h.tag)],
        "items": [own(li) for li in tree.iter("li")],
        "cells": ["".join(c.itertext()) for c in tree.iter() if c.tag in ("th", "td")],
    }


def read_tree_of_untagged(path: Path) -> list[str]:
    """Painting operators outside marked content in an untagged PDF (it has no tree to read)."""
    from pdf_structure import _marked_content

    loose: list[str] = []
    for i, page in enumerate(pikepdf.open(path).pages):
        _marked_content(page.obj, page.obj.get("/Resources"), i, [], {}, loose)
    return loose


def front(source: str) -> dict:
    return yaml.safe_load(source.split("---", 2)[1])


# ------------------------------------------------------------------ every mark is tagged or an artifact


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_mark_on_every_page_is_tagged_content_or_an_artifact(tmp_path: Path, layout: str) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING, "mixed.ur.md": URDU}, "--layout", layout)
    for pdf in (next(out.glob("test-everything*.pdf")), next(out.glob("rtl-mixed*.pdf"))):
        tree = read_tree(pdf)
        assert tree.loose_operators == {}, f"{pdf}: painting outside marked content on pages {tree.loose_operators}"
        # every marked sequence belongs to exactly one structure element, and every reference has content
        assert sorted(tree.tree_mcids) == sorted(tree.content_mcids), pdf
        assert len(set(tree.tree_mcids)) == len(tree.tree_mcids), pdf


def test_document_level_entries(tmp_path: Path) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING, "mixed.ur.md": URDU})
    for name, language, title in (("test-everything.pdf", "en", front(EVERYTHING)["title"]), ("rtl-mixed.pdf", "ur", front(URDU)["title"])):
        pdf = pikepdf.open(out / name)
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == language
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert root.StructTreeRoot.K.S == "/Document"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == title
        parent_tree = dict(pikepdf.NumberTree(root.StructTreeRoot.ParentTree).items())
        for page in pdf.pages:
            assert page.obj.Tabs == "/S"
            assert int(page.obj.StructParents) in parent_tree
            for annot in page.obj.get("/Annots", []):
                assert_link_is_tagged(annot, parent_tree)


def assert_link_is_tagged(annot: pikepdf.Dictionary, parent_tree: dict) -> None:
    """A link annotation belongs to a ``Link`` element (its ``/StructParent`` key in the parent
    tree), which holds an ``/OBJR`` to it and the marked content of the link's printed text."""
    assert annot.Subtype == "/Link"
    assert str(annot.Contents).strip(), "a link annotation without a /Contents description"
    owner = parent_tree[int(annot.StructParent)]
    assert owner.S == "/Link"
    kids = list(owner.K) if isinstance(owner.K, pikepdf.Array) else [owner.K]
    assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR" and k.Obj.objgen == annot.objgen for k in kids)
    assert any(isinstance(k, int) or (isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR") for k in kids), \
        "the link's text is not inside its Link element"


# ------------------------------------------------------------------ the tree mirrors the Markdown


def test_struct_text_follows_the_markdown_in_english(tmp_path: Path) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING})
    elements = struct_text(out / "test-everything.pdf")
    md = markdown_blocks(EVERYTHING)
    meta = front(EVERYTHING)

    headings = [e for e in elements if re.fullmatch(r"H[1-6]", e.role)]
    assert headings[0].role == "H1" and headings[0].squeezed == squeeze(meta["title"])
    assert [e.squeezed for e in headings[1:]] == [squeeze(h) for h in md["headings"]] + [squeeze("References"), squeeze("About this leaflet")]
    assert {e.role for e in headings[1:-1]} <= {"H2", "H3"}
    assert headings[-1].role == "H3"  # "About this leaflet" sits under the references' H2

    # list items: Lbl then LBody; the body's first paragraph is the item's own text
    items = []
    for i, e in enumerate(elements):
        if e.role == "LI":
            assert elements[i + 1].role == "Lbl" and elements[i + 1].text.strip(), "a list item without its marker"
            assert elements[i + 2].role == "LBody"
            items.append(elements[i + 3].squeezed_full)  # a link's text is in its Link element, inside the paragraph
    references = [squeeze(r) for r in meta["references"]]
    assert items == [squeeze(t) for t in md["items"]] + references

    cells = [e.squeezed_full for e in roles(elements, "TH", "TD")]
    about = cells[len(md["cells"]):]
    assert cells[: len(md["cells"])] == [squeeze(c) for c in md["cells"]]
    assert about[0] == squeeze("Leaflet code") and len(about) % 2 == 0
    header = [e for e in roles(elements, "TH")][:3]
    assert all("/Scope /Column" in e.attrs for e in header)

    # the header, footer and page numbers are artifacts: never read out
    everything = " ".join(e.text for e in elements)
    assert "Page 1 of" not in everything and "Review due" not in everything
    brand = yaml.safe_load((ROOT / "assets" / "brand.yaml").read_text(encoding="utf-8"))
    assert brand["clinic"]["name"] not in everything


def test_nested_lists_nest_in_the_tree(tmp_path: Path) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING})
    elements = struct_text(out / "test-everything.pdf")
    level_four = next(i for i, e in enumerate(elements) if e.text == "Level four")
    chain = []
    depth = elements[level_four].depth
    for e in reversed(elements[:level_four]):
        if e.depth < depth:
            chain.append(e.role)
            depth = e.depth
    assert chain[:12] == ["LBody", "LI", "L"] * 4


def test_pictures_and_the_qr_code_are_figures_with_alt_text(tmp_path: Path) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING})
    tree = read_tree(out / "test-everything.pdf")
    figures = [e for e in tree.elements if e.S == "/Figure"]
    alts = [str(e.Alt) for e in figures]
    assert any("https://clinic.example/book?t=test-everything" in a and "QR code" in a for a in alts), alts
    assert "Clinic logo" in alts  # ![Clinic logo](logo.svg)


def test_urdu_reads_in_logical_order(tmp_path: Path) -> None:
    """Glyphs are drawn in visual order; the tree's order is the Markdown's and each element's
    ActualText gives its words in reading order. Poppler (which ignores ActualText) sees each
    heading's characters as drawn, right to left."""
    out = build(tmp_path, {"mixed.ur.md": URDU})
    meta, md = front(URDU), markdown_blocks(URDU)
    tree = read_tree(out / "rtl-mixed.pdf")
    actual = lambda e: str(e.ActualText)  # noqa: E731

    headings = [actual(e) for e in tree.elements if re.fullmatch(r"/H[1-6]", str(e.S))]
    about = yaml.safe_load((ROOT / "assets" / "labels" / "ur.yaml").read_text(encoding="utf-8"))["about"]
    assert [squeeze(h) for h in headings] == [squeeze(t) for t in [meta["title"], *md["headings"], about]]
    cells = [actual(e) for e in tree.elements if str(e.S) in ("/TH", "/TD")]
    assert [squeeze(c) for c in cells[: len(md["cells"])]] == [squeeze(c) for c in md["cells"]]
    items = [actual(e.K[0]) for e in tree.elements if str(e.S) == "/LBody"]
    assert [squeeze(i) for i in items] == [squeeze(i) for i in md["items"]]

    # Poppler: the same headings in the same order, each with (part of) its own text as drawn.
    # Poppler 22.12 ends an MCID sequence at the first nested EMC, and Nastaliq letters drawn as
    # several glyphs sit in nested ActualText spans, so it reads only up to the first such letter.
    shown = [e for e in struct_text(out / "rtl-mixed.pdf") if re.fullmatch(r"H[1-6]", e.role)]
    assert [e.role for e in shown] == ["H1"] + ["H2"] * len(md["headings"]) + ["H3"]
    for element, source in zip(shown[1:-1], md["headings"], strict=True):
        assert element.squeezed and element.squeezed in squeeze(get_display(source)), (element.text, source)


def test_latin_address_in_an_urdu_leaflet_is_marked_english(tmp_path: Path) -> None:
    out = build(tmp_path, {"mixed.ur.md": URDU})
    tree = read_tree(out / "rtl-mixed.pdf")
    english = [e for e in tree.elements if str(e.get("/Lang", "")) == "en"]
    assert english, "no element marked /Lang (en)"
    page_streams = struct_text(out / "rtl-mixed.pdf")
    assert any("https://clinic.example/book" in e.full for e in page_streams)


def test_a_picture_without_alt_text_is_a_warning_at_its_line_and_an_artifact(tmp_path: Path, capsys) -> None:
    from test_quality import check, leaflet_text, line_with

    body = "This is a short test. It uses small words. You can read it fast."
    text = leaflet_text(**{body: body + "\n\n![](logo.svg)\n\n![ A  drawing of the\nclinic logo ](logo.svg)"})
    root = make_project(tmp_path, {"pics.md": text})
    code, lines, _ = check(root, capsys=capsys)
    warnings = [line for line in lines if "alt text" in line]
    assert warnings == [
        f'leaflets/pics.md:{line_with(text, "![](logo.svg)")}: warning: the picture "logo.svg" has no alt text, so screen readers '
        "skip it: describe what it shows for someone who cannot see it, ![like this](logo.svg) (leave it empty only for pure decoration)"
    ]
    out = root / "out"
    assert run(root, "--out", str(out))[0] == 0
    tree = read_tree(next(out.glob("*.pdf")))
    assert tree.loose_operators == {}
    assert [str(e.Alt) for e in tree.elements if e.S == "/Figure" and "QR" not in str(e.Alt)] == ["A drawing of the clinic logo"]


@pytest.mark.parametrize("name", ["everything.md", "mixed.ur.md"])
def test_tagging_changes_nothing_on_the_page(tmp_path: Path, name: str) -> None:
    """Marked content only labels what is drawn: every page renders to the same pixels untagged."""
    import pypdfium2 as pdfium
    from test_quality import loaded

    from clinicpack.labels import load_labels
    from clinicpack.render import RenderOptions, render_leaflet

    root = make_project(tmp_path, {name: EVERYTHING if name == "everything.md" else URDU})
    leaflet, brand, layout = loaded(root, name)
    labels = load_labels(root / "assets" / "labels", leaflet.language)
    pdfs = []
    for tagged in (True, False):
        options = RenderOptions(assets_dir=root / "assets", booking_url="https://clinic.example/book?t=x", tagged=tagged)
        pdfs.append(render_leaflet(leaflet, brand, layout, labels, options))
    assert b"/StructTreeRoot" in pdfs[0] and b"/StructTreeRoot" not in pdfs[1]
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdfs[1])
    assert read_tree_of_untagged(plain), "the content walk finds nothing wrong in an untagged PDF: it cannot fail"
    docs = [pdfium.PdfDocument(pdf) for pdf in pdfs]
    assert len(docs[0]) == len(docs[1])
    for i in range(len(docs[0])):
        tagged_png, plain_png = (d[i].render(scale=1.5).to_pil().tobytes() for d in docs)
        assert tagged_png == plain_png, f"page {i + 1} looks different when tagged"


# ------------------------------------------------------------------ consent packs


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("packs")
    root = make_project(tmp, copy_shipped=True)
    day = tmp / "day.csv"
    day.write_text("patient_ref,name,date_of_birth\nP1,Ayesha Khan,1990-07-01\nP2,عائشہ خان,1990-07-01\n", encoding="utf-8")
    for leaflet in ("exosome-hair-loss", "exosome-hair-loss.ur"):
        assert run(root, leaflet, "--pack", "consent", "-q")[0] == 0
        assert run(root, leaflet, "--pack", "consent", "--patients", str(day), "-q")[0] == 0
    return root / "output"


def test_consent_packs_blank_and_stamped_have_every_mark_tagged_or_an_artifact(packs: Path) -> None:
    files = sorted(packs.rglob("*.pdf"))
    assert len(files) == 6
    for path in files:
        tree = read_tree(path)
        assert tree.loose_operators == {}, f"{path.name}: painting outside marked content {tree.loose_operators}"
        assert tree.content_mcids <= set(tree.tree_mcids), path  # stamped text is in its field's element
        assert [role for depth, role in tree.roles if depth == 1] == ["Sect"] * 6  # cover, leaflet, check, 2 consents, card


def test_a_stamped_name_is_read_with_its_label_and_never_from_the_page_header(packs: Path) -> None:
    labels = yaml.safe_load((ROOT / "assets" / "labels" / "en.yaml").read_text(encoding="utf-8"))
    elements = struct_text(packs / "exosome-hair-loss" / "P1.pdf")
    named = [e for e in elements if "Ayesha Khan" in e.text]
    assert named and all(e.role == "P" and e.text == labels["field_name"] + "Ayesha Khan" for e in named)
    assert len(named) >= 5  # cover, health check, both consent copies (patient details and signature), card
    on_paper = pdf_text(packs / "exosome-hair-loss" / "P1.pdf").count("Ayesha Khan")
    assert on_paper > len(named)  # the rest are the name strips in the page headers: artifacts, not read out


# ------------------------------------------------------------------ booklets


@pytest.mark.parametrize("name", ["everything.md", "mixed.ur.md"])
@pytest.mark.parametrize("ready", [False, True])
def test_an_imposed_booklet_keeps_the_tree_in_the_reading_order_of_its_pages(tmp_path: Path, name: str, ready: bool) -> None:
    from test_quality import loaded

    from clinicpack.labels import load_labels
    from clinicpack.render import RenderOptions, render_leaflet

    source = EVERYTHING if name == "everything.md" else URDU
    out = build(tmp_path, {name: source}, "--layout", "a5-booklet", *(["--print-ready"] if ready else []))
    tree = read_tree(next(out.glob("*.pdf")))
    assert tree.loose_operators == {}  # sheets draw the pages (tagged inside) and the marks (an artifact)
    assert sorted(tree.tree_mcids, key=str) == sorted(tree.content_mcids, key=str)
    number = {x.objgen: int(k[5:]) for sheet in tree.pdf.pages for k, x in sheet.Resources.XObject.items() if k.startswith("/Page")}
    read = [number[where[1]] for where, _ in tree.tree_mcids]
    assert read == sorted(read) and set(read) == set(number.values())  # sheet order is 8,1 / 2,7 ...; reading order is 1, 2, 3 ...
    # the same elements as the A5 pages before imposition (less the links: a printed sheet has no link annotations)
    root = tmp_path / "project"
    leaflet, brand, layout = loaded(root, name, "a5-booklet")
    options = RenderOptions(assets_dir=root / "assets", booking_url=brand.booking_url(leaflet.id))
    a5 = tmp_path / "a5.pdf"
    a5.write_bytes(render_leaflet(leaflet, brand, layout, load_labels(root / "assets" / "labels", leaflet.language), options))
    assert tree.roles == [(depth, "Span" if role == "Link" else role) for depth, role in read_tree(a5).roles]  # text kept, not a link
    assert str(tree.pdf.Root.Lang) == front(source)["language"] and bool(tree.pdf.Root.MarkInfo.Marked)


def test_a_table_over_two_pages_reads_its_header_row_once(tmp_path: Path) -> None:
    rows = "\n".join(f"| Week {i} | Visit number {i} and what happens at it |" for i in range(1, 61))
    table = "| When | What happens |\n|---|---|\n" + rows
    text = EVERYTHING.replace("| Step | When | What happens |", table + "\n\n| Step | When | What happens |", 1)
    out = build(tmp_path, {"everything.md": text})
    path = out / "test-everything.pdf"
    tree = read_tree(path)
    assert tree.loose_operators == {}
    assert pdf_text(path).count("What happens") > 2  # the header row is printed again on the next page
    elements = struct_text(path)
    headers = [e.text for e in roles(elements, "TH")]
    assert headers.count("When") == 2 and headers.count("What happens") == 2  # once per table (this one and the Step table)
    cells = [e.squeezed for e in roles(elements, "TD")]
    assert [c for c in cells if c.startswith("Visitnumber")] == [f"Visitnumber{i}andwhathappensatit" for i in range(1, 61)]
