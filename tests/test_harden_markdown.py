"""Markdown mistakes are reported on the line where the offending text is, as one line, with
control characters escaped; email autolinks are real mailto: links."""

from __future__ import annotations

import pypdf
import pytest
from helpers import make_project, pdf_text, run
from test_errors import GOOD

FIRST = 16  # the first line of the inserted text in with_text()


def with_text(markdown: str) -> str:
    return GOOD.replace("Text.\n\n## Who", f"Text.\n\n{markdown}\n\n## Who", 1)


def check(tmp_path, capsys, markdown: str) -> tuple[int, list[str]]:
    root = make_project(tmp_path, {"good.md": with_text(markdown)})
    code, _, err = run(root, "--check", "-q", capsys=capsys)
    return code, [line.split(str(root / "leaflets") + "/", 1)[-1] for line in err.splitlines()]


BAD = "must start with https://, http://, mailto: or tel: (or #section-id)"
CASES = {
    # the target spans two lines: one message line, at the line where it starts
    "target over two lines": ("See [the form](foo\nbar) today.", FIRST, 'link "foo\\nbar" ' + BAD),
    # a decoy line above has the same word as the bad target
    "decoy word above": ("Never type ftp anywhere.\n\nSee [files](ftp://files.example).", FIRST + 2, f'link "ftp://files.example" {BAD}'),
    # an empty target: the link text also appears earlier as an ordinary word
    "empty target": ("Press here.\n\nThen [here]() again.", FIRST + 2, f'link "" {BAD}'),
    "reference definition": ("See [a form][f].\n\nMore text.\n\n[f]: ftp://x.example", FIRST + 4, f'link "ftp://x.example" {BAD}'),
    "control characters": ("See [x](\x01\x07bad) now.", FIRST, f'link "\\x01\\x07bad" {BAD}'),
    "bidi override": ("See [x](ab\u202ecd) now.", FIRST, f'link "ab\\u202ecd" {BAD}'),
    "image below a decoy": ("A note about pic.png.\n\nMore.\n\n![A photo](pic.png)", FIRST + 4, 'image "pic.png" not found'),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_link_and_image_errors_are_one_line_on_the_right_line(tmp_path, capsys, case):
    markdown, line, message = CASES[case]
    code, lines = check(tmp_path, capsys, markdown)
    assert code == 1
    assert lines[0].startswith(f"good.md:{line}: error: {message}"), lines
    assert len(lines) == 2 and lines[1] == "1 error(s); nothing was written"
    assert all(ch.isprintable() for ch in "".join(lines))


def test_email_autolink_is_a_mailto_link(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": with_text("Write to <care.team@example.org> with questions.")})
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, err
    pdf = tmp_path / "out" / "good-leaflet.pdf"
    assert "Write to care.team@example.org with questions." in pdf_text(pdf).replace("\n", " ")
    uris = [a.get_object()["/A"].get("/URI") for page in pypdf.PdfReader(pdf).pages for a in page.get("/Annots") or []]
    assert "mailto:care.team@example.org" in uris
