"""Tagged PDFs (issue 14), second part: links (the leaflets' and the booking link stamped into
every consent pack) as Link elements holding their annotation and their printed text; Latin
runs inside right-to-left paragraphs as Span elements with their own /Lang, in reading order;
figures with their place on the page. Read back with Poppler, pikepdf, PDFium and a QR decoder."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pikepdf
import pytest
from helpers import decode_qr, make_project, render_page
from pdf_structure import read_tree, roles, struct_text
from test_tagging import EVERYTHING, URDU, assert_link_is_tagged, build, packs  # noqa: F401 (packs: a fixture)


def kids_of(element: pikepdf.Dictionary) -> list:
    kids = element.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else ([] if kids is None else [kids])


def annotations(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [a for page in pdf.pages for a in page.obj.get("/Annots", [])]


# ------------------------------------------------------------------ links


def test_a_leaflet_link_reads_its_own_text_inside_its_link_element(tmp_path: Path) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING})
    elements = struct_text(out / "test-everything.pdf")
    links = roles(elements, "Link")
    texts = [e.full for e in links]
    assert "link to the clinic" in texts  # [link to the clinic](https://clinic.example/info)
    assert "https://clinic.example/book?t=test-everything" in texts  # the booking address: the whole paragraph is the link
    paragraph = next(e for e in elements if "A paragraph with a" in e.text)
    assert "link to the clinic" not in paragraph.text and "link to the clinic" in paragraph.full  # read in its place, once


def test_every_link_in_every_pack_blank_and_stamped_is_tagged(packs: Path) -> None:  # noqa: F811
    files = sorted(packs.rglob("*.pdf"))
    assert len(files) == 6
    for path in files:
        pdf = pikepdf.open(path)
        tree = pdf.Root.StructTreeRoot
        parent_tree = dict(pikepdf.NumberTree(tree.ParentTree).items())
        assert int(tree.ParentTreeNextKey) == max(parent_tree) + 1 == len(parent_tree), path.name
        found = annotations(pdf)
        keys = [int(a.StructParent) for a in found]
        assert len(set(keys)) == len(keys), f"{path.name}: two annotations share a parent-tree key"
        stamped = [a for a in found if "&ref=" in str(a.A.URI) or str(a.Contents).startswith("Book") or "(" in str(a.Contents)]
        assert stamped, path.name
        for annot in found:
            assert_link_is_tagged(annot, parent_tree)


def test_a_stamped_booking_link_reads_the_patients_address_and_describes_it(packs: Path) -> None:  # noqa: F811
    path = packs / "exosome-hair-loss" / "P1.pdf"
    pdf = pikepdf.open(path)
    personal = [a for a in annotations(pdf) if str(a.A.URI).endswith("&ref=P1")]
    assert len(personal) >= 2  # the cover and the card (a long link has one annotation per line)
    assert all(str(a.Contents) == f"Book your follow-up ({a.A.URI})" for a in personal)
    links = [e for e in roles(struct_text(path), "Link") if "&ref=P1" in e.full]
    assert len(links) >= 2 and all(e.full == str(personal[0].A.URI) for e in links)  # the printed text, inside the Link
    # in the Urdu pack the Latin address sits in a paragraph marked English, the description is in Urdu
    urdu = next(p for p in packs.glob("*ur*") if p.is_dir()) / "P2.pdf"
    pdf = pikepdf.open(urdu)
    parent_tree = dict(pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree).items())
    for annot in annotations(pdf):
        if str(annot.A.URI).endswith("&ref=P2"):
            link = parent_tree[int(annot.StructParent)]
            assert str(link.P.get("/Lang")) == "en"
            assert str(annot.Contents).endswith(f"({annot.A.URI})") and not str(annot.Contents).startswith("Book")


def test_packs_have_every_reserved_sequence_and_nothing_else(packs: Path) -> None:  # noqa: F811
    """Every marked-content id the tree names is in the content (a line left blank is an empty
    sequence) and every one in the content is named by exactly one element."""
    for path in sorted(packs.rglob("*.pdf")):
        tree = read_tree(path)
        assert tree.loose_operators == {}, path.name
        assert sorted(tree.tree_mcids) == sorted(tree.content_mcids), path.name


# ------------------------------------------------------------------ Latin runs in right-to-left text


# long enough to run over three lines: each line is drawn right to left, its runs in visual order
MIXED = ("پہلے " * 12 + "PRP پھر " + "مزید " * 14 + "HbA1c اور [ہماری ویب سائٹ](https://clinic.example/x) پھر "
         "https://clinic.example/book آخر، [clinic.example](https://clinic.example/y) اور [PRP کی معلومات](https://clinic.example/z)۔")


def drawn_order(path: Path, paragraph: pikepdf.Dictionary) -> list[tuple[float, float]]:
    """(baseline, right edge) of each of the paragraph's kids that has characters pdfplumber
    (pdfminer) can place, in the tree's order."""
    import pdfplumber

    with pikepdf.open(path) as pdf, pdfplumber.open(path) as plumb:
        page_of = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        page = page_of[paragraph.Pg.objgen]
        chars = plumb.pages[page].chars
        out = []
        for kid in kids_of(paragraph):
            ids = [kid] if isinstance(kid, int) else [k for k in kids_of(kid) if isinstance(k, int)] if "/S" in kid else []
            found = [c for c in chars if c.get("mcid") in ids]
            if found:
                out.append((statistics.median(c["matrix"][5] for c in found), max(c["x1"] for c in found)))
        return out


def test_latin_runs_in_an_urdu_paragraph_are_english_spans_in_reading_order(tmp_path: Path) -> None:
    source = URDU.replace("## یہ علاج کیا ہے {#what-the-treatment-is}\n", "## یہ علاج کیا ہے {#what-the-treatment-is}\n\n" + MIXED + "\n", 1)
    out = build(tmp_path, {"mixed.ur.md": source})
    tree = read_tree(out / "rtl-mixed.pdf")
    paragraph = next(e for e in tree.elements if "PRP" in str(e.get("/ActualText", "")) and "HbA1c" in str(e.get("/ActualText", "")))
    kids = [k for k in kids_of(paragraph) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    # in the order of the text, whatever order the glyphs are drawn in (right to left)
    described = [(str(k.S), str(k.get("/Lang", "")), str(k.get("/ActualText", ""))) for k in kids]
    spans = [(lang, text) for role, lang, text in described if role == "/Span"]
    assert spans == [("en", "PRP"), ("en", "HbA1c"), ("en", "https://clinic.example/book")]
    order = [role for role, _, _ in described]
    assert order == ["/Span", "/Span", "/Link", "/Span", "/Link", "/Link"]
    languages = [str(k.get("/Lang", "")) for k in kids if k.S == "/Link"]
    assert languages == ["", "en", ""]  # Urdu words; Latin letters only; Latin and Urdu words (the paragraph's language)
    # the Urdu around them: the element's own text, first and last, by what Poppler reads
    shown = next(e for e in struct_text(out / "rtl-mixed.pdf") if e.role == "P" and "PRP" in e.full)
    assert shown.full.index("PRP") < shown.full.index("HbA1c") < shown.full.index("https://clinic.example/book")
    # read in order: line after line downwards, each line from right to left (what pdfminer can
    # place: the Nastaliq letters inside ActualText spans carry no MCID of their own for it)
    placed = drawn_order(out / "rtl-mixed.pdf", paragraph)
    assert len({round(y) for y, _ in placed}) >= 3, placed  # three lines at least
    for (y0, x0), (y1, x1) in zip(placed, placed[1:]):
        assert y1 < y0 - 5 or (abs(y1 - y0) <= 5 and x1 < x0), placed
    # Urdu words alone are never marked as another language: decided by script, not by words
    assert not any(str(e.get("/Lang", "")) == "en" and re.search("[\u0600-\u06ff]", str(e.get("/ActualText", ""))) for e in tree.elements)


def test_tagging_changes_nothing_on_a_mixed_urdu_page(tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    from test_quality import loaded

    from clinicpack.labels import load_labels
    from clinicpack.render import RenderOptions, render_leaflet

    source = URDU.replace("## یہ علاج کیا ہے {#what-the-treatment-is}\n", "## یہ علاج کیا ہے {#what-the-treatment-is}\n\n" + MIXED + "\n", 1)
    root = make_project(tmp_path, {"mixed.ur.md": source})
    leaflet, brand, layout = loaded(root, "mixed.ur.md")
    labels = load_labels(root / "assets" / "labels", leaflet.language)
    pdfs = [render_leaflet(leaflet, brand, layout, labels, RenderOptions(assets_dir=root / "assets", booking_url="https://clinic.example/b",
                                                                           tagged=tagged)) for tagged in (True, False)]
    docs = [pdfium.PdfDocument(pdf) for pdf in pdfs]
    for i in range(len(docs[0])):
        assert docs[0][i].render(scale=1.5).to_pil().tobytes() == docs[1][i].render(scale=1.5).to_pil().tobytes(), i


# ------------------------------------------------------------------ figures


def figures(path: Path) -> list[tuple[str, list[float], int]]:
    """(alt text, /BBox of its layout attribute, page index) of every Figure element."""
    tree = read_tree(path)
    index = {p.obj.objgen: i for i, p in enumerate(tree.pdf.pages)}
    out = []
    for e in tree.elements:
        if e.S == "/Figure":
            assert e.A.O == "/Layout"
            out.append((str(e.Alt), [float(v) for v in e.A.BBox], index[e.Pg.objgen]))
    return out


def crop(image, box: list[float], page_height: float, scale: float):
    x0, y0, x1, y1 = box
    return image.crop((round(x0 * scale), round((page_height - y1) * scale), round(x1 * scale), round((page_height - y0) * scale)))


@pytest.mark.parametrize("layout", ["default", "a5-booklet"])
def test_a_figures_box_is_where_it_is_drawn(tmp_path: Path, layout: str) -> None:
    """Cut the page's picture at each figure's /BBox: the QR code there decodes to its
    address, and the logo's box holds the logo's ink (on a booklet, on the imposed sheet)."""
    out = build(tmp_path, {"everything.md": EVERYTHING}, "--layout", layout)
    path = next(out.glob("*.pdf"))
    found = figures(path)
    assert len(found) == 2
    scale = 3.0
    with pikepdf.open(path) as pdf:
        heights = [float(p.mediabox[3]) for p in pdf.pages]
    for alt, box, page in found:
        image = render_page(path, page, scale)
        height = heights[page]
        inside = crop(image, box, float(height), scale)
        if "QR code" in alt:
            assert decode_qr(inside) == ["https://clinic.example/book?t=test-everything"]
            assert decode_qr(crop(image, [box[0], box[1], (box[0] + box[2]) / 2, box[3]], float(height), scale)) == []  # half a box: no code
        else:
            dark = sum(inside.convert("L").histogram()[:200])
            assert dark > 0.2 * inside.width * inside.height, (alt, box)  # the logo fills its box



LINKS_EVERYWHERE = '''## About [our clinic](https://clinic.example/about)

[At the start](https://clinic.example/a) of a paragraph, then **[bold link](https://clinic.example/b)**, then the
[same address](https://clinic.example/a) again, and a link whose words run over the end of the line onto the next
one: [this is a rather long link text that has to wrap because it is very long indeed](https://clinic.example/long)
and one at the very end: [the end](https://clinic.example/end)

- An item with [a link](https://clinic.example/item)
- [Only a link](https://clinic.example/only)

> A call-out with [a link](https://clinic.example/callout) inside.

| Step | Where |
|---|---|
| One | [The clinic](https://clinic.example/cell) |

'''


@pytest.mark.parametrize("layout", ["default", "a5-booklet"])
def test_links_in_every_kind_of_block_are_tagged_with_their_words(tmp_path: Path, layout: str) -> None:
    head, body = EVERYTHING.split("\n## ", 1)  # the fixture's front matter and required sections, these blocks first
    out = build(tmp_path, {"links.md": head + "\n" + LINKS_EVERYWHERE + "## " + body}, "--layout", layout)
    path = next(out.glob("*.pdf"))
    tree = read_tree(path)
    assert tree.loose_operators == {}
    assert sorted(tree.tree_mcids, key=str) == sorted(tree.content_mcids, key=str)
    pdf = tree.pdf
    parent_tree = dict(pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree).items())
    found = annotations(pdf)
    if layout == "a5-booklet":  # printed sheets: no annotations, each link's words a Span
        assert found == [] and "Link" not in [role for _, role in tree.roles]
        return
    assert {str(a.A.URI) for a in found} >= {f"https://clinic.example/{p}" for p in ("about", "a", "b", "long", "end", "item", "only",
                                                                                     "callout", "cell")}
    for annot in found:
        assert_link_is_tagged(annot, parent_tree)
    words = {e.full for e in roles(struct_text(path), "Link")}
    for text in ("our clinic", "bold link", "the end", "a link", "Only a link", "The clinic"):
        assert text in words, (text, words)
    # one Link over two lines (Poppler joins lines without the space the break stands for)
    assert any(w.replace(" ", "") == "thisisaratherlonglinktextthathastowrapbecauseitisverylongindeed" for w in words), words
    # the same address twice: two Links, each read in its place with its own words and description
    assert "At the start" in words and "same address" in words
    assert sorted(str(a.Contents) for a in found if str(a.A.URI) == "https://clinic.example/a") == [
        "At the start (https://clinic.example/a)", "same address (https://clinic.example/a)"]
