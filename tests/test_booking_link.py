"""The personalised booking link on the pack's cover and aftercare card: set like the leaflet's
own link (same font, size, colour, underline), lined up with the panel's text, and a real link
annotation a PDF viewer opens when it is tapped."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from helpers import FIXTURES, decode_qr, make_project, render_page, run

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
LINK = re.compile(r"https://clinic\.example/book\?t=[\w-]+(&ref=[\w-]+)?")


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("link")
    root = make_project(tmp, {"test-consent.md": LEAFLET}, copy_shipped=True)
    day = tmp / "day.csv"
    day.write_text("patient_ref,name\nP0042,Ayesha Khan\n", encoding="utf-8")
    for leaflet in ("test-consent", "exosome-hair-loss.ur"):
        assert run(root, leaflet, "--pack", "consent", "-q")[0] == 0
        assert run(root, leaflet, "--pack", "consent", "--patients", str(day), "-q")[0] == 0
    out = root / "output"
    return {
        "blank": out / "test-consent-consent.pdf",
        "patient": out / "test-consent" / "P0042.pdf",
        "urdu": out / "exosome-hair-loss-ur" / "P0042.pdf",
    }


def link_annotations(path: Path) -> dict[int, list[tuple[str, tuple[float, ...]]]]:
    """Page index -> (URI, rectangle) of every link annotation."""
    out: dict[int, list] = {}
    for index, page in enumerate(pypdf.PdfReader(path).pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            uri = (annot.get("/A") or {}).get("/URI")
            if annot.get("/Subtype") == "/Link" and uri:
                out.setdefault(index, []).append((str(uri), tuple(float(v) for v in annot["/Rect"])))
    return out


def link_chars(page, url: str) -> list[dict]:
    """The characters that print ``url`` on a page (it may break over lines), in reading order."""
    chars = [c for c in page.chars if c["text"].strip()]
    text = "".join(c["text"] for c in chars)
    start = text.find(url[:20])
    assert start >= 0, f"{url[:20]!r} not printed"
    found, i = [], start
    for ch in url:
        while chars[i]["text"] != ch:
            i += 1
        found.append(chars[i])
        i += 1
    return found


def stamped_pages(path: Path) -> list[int]:
    """Pages that print the pack's own booking link (the cover and the card, not the leaflet)."""
    url = expected_url(path)
    reader = pypdf.PdfReader(path)
    return [i for i, p in enumerate(reader.pages) if url in re.sub(r"\s+", "", p.extract_text())]


def expected_url(path: Path) -> str:
    return decode_qr(render_page(path, 0))[0]  # the cover's code


@pytest.mark.parametrize("kind", ["blank", "patient", "urdu"])
def test_stamped_link_has_a_uri_annotation_over_its_text(packs, kind) -> None:
    path = packs[kind]
    url = expected_url(path)
    assert kind == "blank" or url.endswith("ref=P0042")
    pages = stamped_pages(path)
    last = len(pypdf.PdfReader(path).pages) - 1
    assert pages[0] == 0 and pages[-1] == last, pages  # the cover and the aftercare card (a blank pack's leaflet has the same link)
    pages = [0, last]
    annots = link_annotations(path)
    with pdfplumber.open(path) as pdf:
        for index in pages:
            rects = [r for uri, r in annots.get(index, []) if uri == url]
            assert rects, f"page {index + 1}: no link annotation for {url}"
            page = pdf.pages[index]
            height = float(page.height)
            for c in link_chars(page, url):
                x, y = (c["x0"] + c["x1"]) / 2, height - (c["top"] + c["bottom"]) / 2
                assert any(r[0] <= x <= r[2] and r[1] <= y <= r[3] for r in rects), (index, c["text"])


def leaflet_link_chars(pdf, url_start: str) -> list[dict]:
    """The leaflet's own (general) booking link, on the leaflet pages of the pack."""
    for page in pdf.pages:
        text = "".join(c["text"] for c in page.chars)
        if url_start in text and "ref=" not in text:
            return link_chars(page, url_start)
    raise AssertionError("the leaflet's link was not found")


@pytest.mark.parametrize("kind", ["blank", "patient"])
def test_stamped_link_is_set_like_the_leaflet_link(packs, kind) -> None:
    path = packs[kind]
    url = expected_url(path)
    with pdfplumber.open(path) as pdf:
        own = leaflet_link_chars(pdf, "https://clinic.example/book?")
        for index in stamped_pages(path):
            page = pdf.pages[index]
            stamped = link_chars(page, url)[: len(own)]
            for a, b in zip(own, stamped):
                assert a["text"] == b["text"]
                assert b["size"] == pytest.approx(a["size"], abs=0.05)
                assert b["x1"] - b["x0"] == pytest.approx(a["x1"] - a["x0"], abs=0.05), "same font: same advances"
                assert tuple(b["non_stroking_color"]) == pytest.approx(tuple(a["non_stroking_color"]), abs=0.01)
            # underlined in the link colour, as the leaflet's link is
            first = stamped[0]
            middle = (first["top"] + first["bottom"]) / 2
            under = [ln for ln in page.lines if abs(ln["x0"] - first["x0"]) < 1 and middle < ln["top"] < first["bottom"] + 2]
            assert under and tuple(under[0]["stroking_color"]) == pytest.approx(tuple(first["non_stroking_color"]), abs=0.01)


@pytest.mark.parametrize("kind", ["blank", "patient", "urdu"])
def test_stamped_link_lines_up_with_the_panel_text(packs, kind) -> None:
    """The link starts where the panel's text above it starts (left to right), or ends where it
    ends (right to left): the same column, not a few points inside it. On the card the code's
    white box stands above the link."""
    path = packs[kind]
    url = expected_url(path)
    rtl = kind == "urdu"
    with pdfplumber.open(path) as pdf:
        for index in stamped_pages(path):
            page = pdf.pages[index]
            chars = link_chars(page, url)
            first_line = [c for c in chars if abs(c["top"] - chars[0]["top"]) < 1]
            edge = max(c["x1"] for c in first_line) if rtl else min(c["x0"] for c in first_line)
            # the text lines just above the link in the same panel: their start edge
            above = [c for c in page.chars if c["text"].strip() and 0 < chars[0]["top"] - c["bottom"] < 60 and c not in chars]
            lines: dict[int, list[dict]] = {}
            for c in above:
                lines.setdefault(round(c["top"]), []).append(c)
            edges = [max(c["x1"] for c in ln) if rtl else min(c["x0"] for c in ln) for ln in lines.values()]
            edges += [r["x1"] if rtl else r["x0"] for r in page.rects if 0 < chars[0]["top"] - r["bottom"] < 30]
            near = [e for e in edges if abs(e - edge) < 10]
            assert near, (index, edge, edges)
            assert min(abs(e - edge) for e in near) < 0.6, (index, edge, near)
