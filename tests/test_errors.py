"""Every mistake a user can make: one line with file and line, non-zero exit, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import files_under, make_project, run

GOOD = """---
id: good-leaflet
title: Good leaflet
language: en
version: "1.0"
published: 2026-01-01
review_due: 2036-01-01
authors:
  - A Writer
---

## What the treatment is

Text.

## Who it suits

Text.

## Sessions and timeline

Text.

## Cost

Text.

## Safety

Text.

## Contraindications

- Pregnancy

## Aftercare

- Rest.
"""


def variant(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


CASES = {
    "no front matter": (GOOD.split("---\n", 2)[2], 1, 'no front matter: the file must start with a line "---", then id, title, language, version, published, review_due and authors, then another "---"'),
    "front matter never closed": (GOOD.replace("---\n\n## What", "\n## What", 1), 1, 'the front matter is never closed: add a line "---" after the last key'),
    "broken yaml": (variant("title: Good leaflet", "title: [Good leaflet"), 3, "broken YAML: while parsing a flow sequence, expected ',' or ']', but got ':' (check the indentation, colons and quotes on this line)"),
    "not a mapping": ("---\n- just\n- a list\n---\n\n## Cost\n\nText.\n", 2, "the front matter must be keys and values (id: ..., title: ...), not a list or plain text"),
    "missing key": (variant("version: \"1.0\"\n", ""), 2, 'the front matter is missing the required key "version"'),
    "unknown key": (variant("authors:", "reviewd_by: x\nauthors:"), 8, 'unknown key "reviewd_by" in the front matter (did you mean "reviewed_by"?); allowed keys: authors, id, language, published, quality, references, review_due, reviewed_by, summary, title, translation_of, translation_of_version, treatment, version'),
    "duplicate key": (variant("title: Good leaflet", "title: Good leaflet\ntitle: Again"), 4, 'key "title" is given twice (keep one of them)'),
    "bad id": (variant("id: good-leaflet", "id: ../Good Leaflet"), 2, 'id "../Good Leaflet" may use only lowercase letters, digits and single hyphens (e.g. exosome-hair-loss)'),
    "bad translation_of": (variant("authors:", "translation_of: exosome hair loss\nauthors:"), 8, 'translation_of "exosome hair loss" may use only lowercase letters, digits and single hyphens (e.g. exosome-hair-loss)'),
    "bad language": (variant("language: en", "language: English"), 4 + 0, 'language "English" is not a language code like en, ur or pt-BR'),
    "bad date": (variant("published: 2026-01-01", "published: 2026-02-30"), 6, 'published "2026-02-30" is not a real date; write it as YYYY-MM-DD, e.g. 2026-11-01'),
    "text date": (variant("published: 2026-01-01", "published: last week"), 6, 'published "last week" is not a real date; write it as YYYY-MM-DD, e.g. 2026-11-01'),
    "review before published": (variant("review_due: 2036-01-01", "review_due: 2025-01-01"), 7, "review_due 2025-01-01 must be after published 2026-01-01"),
    "authors not a list": (variant("authors:\n  - A Writer", "authors: {name: x}"), 8, 'authors must be a list, e.g. "- First Name"'),
    "missing section": (variant("## Aftercare\n\n- Rest.\n", ""), 36, 'required section "aftercare" is missing (add a "## Aftercare" heading, or put {#aftercare} after the heading that covers it)'),
    "misspelt section": (variant("## Aftercare", "## After-care"), 36, 'required section "aftercare" is missing; the heading "After-care" reads as "after-care": if it is this section, write "## After-care {#aftercare}"'),
    "duplicated section": (variant("## Cost\n", "## Cost\n\nText.\n\n## cost\n"), 28, 'section "cost" appears twice (first at line 24); merge them or give one another heading'),
    "empty section": (variant("## Safety\n\nText.\n", "## Safety\n\n"), 28, 'section "safety" is empty (write its text under the heading, or remove it)'),
    "bad section id": (variant("## Safety", "## Safety {#Safety_Info}"), 28, 'section id "{#Safety_Info}" may use only lowercase letters, digits and hyphens'),
    "missing image": (variant("Text.\n\n## Who", "![A photo](missing.png)\n\n## Who"), 14, 'image "missing.png" not found'),
    "image outside": (variant("Text.\n\n## Who", "![A photo](../../etc/passwd.png)\n\n## Who"), 14, 'image "../../etc/passwd.png" is outside the allowed folders; copy it into assets/ or the leaflet\'s folder'),
    "remote image": (variant("Text.\n\n## Who", "![A photo](https://example.org/a.png)\n\n## Who"), 14, 'image "https://example.org/a.png" is not a local file; save it in assets/ and use its file name'),
    "bad link": (variant("Text.\n\n## Who", "[see](javascript:alert(1))\n\n## Who"), 14, 'link "javascript:alert(1)" must start with https://, http://, mailto: or tel: (or #section-id)'),
    "glyph": (variant("- Rest.", "- Rest \u2192 then walk."), 38, 'the font "Atkinson Hyperlegible" cannot draw the character "\u2192" (U+2192 RIGHTWARDS ARROW); replace it (e.g. with a plain equivalent) or choose a font that has it'),
}


@pytest.mark.parametrize("name", list(CASES))
def test_leaflet_error(name: str, tmp_path: Path, capsys) -> None:
    text, line, message = CASES[name]
    root = make_project(tmp_path, {"bad.md": text, "fine.md": GOOD.replace("good-leaflet", "fine-leaflet")})
    code, _, err = run(root, capsys=capsys)
    assert code == 1
    first = err.splitlines()[0]
    expected = f"{root / 'leaflets' / 'bad.md'}:{line}: error: {message}"
    if name == "missing image":
        assert first.startswith(expected)
    else:
        assert first == expected
    assert "Traceback" not in err
    assert files_under(root / "output") == [], "a failed build must write nothing, not even the good leaflet"


def test_missing_image_line_and_folders(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, {"bad.md": CASES["missing image"][0]})
    _, _, err = run(root, capsys=capsys)
    assert f"(looked in {root / 'leaflets'} and {root / 'assets'})" in err


def test_file_errors(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path)
    leaflets = root / "leaflets"
    (leaflets / "latin1.md").write_bytes(GOOD.replace("Text.", "Caf\xe9").encode("latin-1"))
    (leaflets / "empty.md").write_text("  \n")
    (leaflets / "folder.md").mkdir()
    code, _, err = run(root, str(leaflets / "latin1.md"), str(leaflets / "empty.md"), str(leaflets / "folder.md"), str(leaflets / "nope.md"), capsys=capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"{leaflets / 'latin1.md'}:14: error: is not UTF-8 text (byte 0xe9); save the file as UTF-8"
    assert lines[1] == f"{leaflets / 'empty.md'}: error: the leaflet file is empty"
    assert lines[2] == f"{leaflets / 'folder.md'}: error: is a folder, not a leaflet file (give a .md/.yaml file inside it)"
    assert lines[3] == f"{leaflets / 'nope.md'}: error: leaflet file not found (check the name and folder)"
    assert lines[4] == "4 error(s); nothing was written"
    assert files_under(root / "output") == []


def test_unreadable_file(tmp_path: Path, capsys, monkeypatch) -> None:
    root = make_project(tmp_path, {"locked.md": GOOD})
    real = Path.read_bytes

    def locked(self: Path) -> bytes:
        if self.name == "locked.md":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    code, _, err = run(root, capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == f"{root / 'leaflets' / 'locked.md'}: error: cannot read the leaflet file: Permission denied (check its permissions)"


def test_duplicate_ids(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, {"a.md": GOOD, "b.md": GOOD})
    code, _, err = run(root, capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == f"{root / 'leaflets' / 'b.md'}:2: error: id \"good-leaflet\" is already used by {root / 'leaflets' / 'a.md'}; give each leaflet its own id"
    assert files_under(root / "output") == []


BRAND_CASES = {
    "http link": ('link: "https://clinic.example/book?t={id}"', 'link: "http://clinic.example/book?t={id}"', 'booking link "http://clinic.example/book?t={id}" must start with "https://" (plain http and other schemes are refused)'),
    "long link": ('link: "https://clinic.example/book?t={id}"', 'link: "https://clinic.example/' + "x" * 80 + '?t={id}"', "booking link is too long for a clean QR code (167 characters with a 40-character leaflet id and a patient reference; keep it under 120: shorten the address or drop tracking parameters)"),
    "placeholder": ('link: "https://clinic.example/book?t={id}"', 'link: "https://clinic.example/book?t={id}&n={name}"', "booking link has an unknown placeholder {name}; only {id} is filled in"),
    "bad colour": ('primary: "#17476b"', 'primary: "dark blue"', 'colour "dark blue" is not a #rrggbb colour (e.g. "#1d4e6b"; quote it in YAML)'),
    "unknown brand key": ("logo: logo.svg", "logos: logo.svg", 'unknown key "logos" in the brand file (did you mean "logo"?); allowed keys: archive, booking, clinic, colours, fallback_fonts, fonts, languages, logo, quality'),
}


@pytest.mark.parametrize("name", list(BRAND_CASES))
def test_brand_errors(name: str, tmp_path: Path, capsys) -> None:
    old, new, message = BRAND_CASES[name]
    root = make_project(tmp_path, {"good.md": GOOD})
    brand = root / "assets" / "brand.yaml"
    text = brand.read_text()
    assert old in text
    brand.write_text(text.replace(old, new))
    line = next(n for n, text_line in enumerate(brand.read_text().splitlines(), start=1) if new.split(":")[0].strip() in text_line and new.split(": ", 1)[1] in text_line)
    code, _, err = run(root, capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == f"{brand}:{line}: error: {message}"
    assert files_under(root / "output") == []


def test_never_writes_outside_output(tmp_path: Path, capsys) -> None:
    """Whatever the id says, the PDF lands inside the output folder (ids are validated, and
    the writer refuses any path that resolves outside it)."""
    from clinicpack.errors import BuildError
    from clinicpack.writer import OutputFolder

    out = OutputFolder(tmp_path / "out")
    with pytest.raises(BuildError, match="outside the output folder"):
        out.write("../escape.pdf", b"x")
    assert not (tmp_path / "escape.pdf").exists()


def test_edited_labels_give_clear_errors(tmp_path: Path, capsys) -> None:
    """Clinics edit the builder's words; a placeholder it does not fill is a line-numbered error."""
    root = make_project(tmp_path, {"good.md": GOOD})
    labels = root / "assets" / "labels" / "en.yaml"
    text = labels.read_text()
    assert 'page_of: "Page {page} of {pages}"' in text
    labels.write_text(text.replace('page_of: "Page {page} of {pages}"', 'page_of: "Page {page} of {total}"'))
    line = next(n for n, row in enumerate(labels.read_text().splitlines(), start=1) if row.startswith("page_of:"))
    code, _, err = run(root, capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f"{labels}:{line}: error: label \"page_of\" cannot be filled in (KeyError: 'total'); "
        "it may use {page}, {pages}, and a literal brace is written {{ or }}"
    )
    assert files_under(root / "output") == []
