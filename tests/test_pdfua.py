"""What a PDF/UA rule checker no one here wrote says about our tagged PDFs.

``pdfua`` (PyPI, pikepdf-based, offline) implements 12 checks covering 16 of the 106
machine-checkable PDF/UA-1 rules: a triage gate, not a conformance verdict (veraPDF, the
checker of record, is neither on PyPI nor in Debian). Leaflets and consent packs, blank and
stamped, must pass every check it has; its one remaining note is that the files do not claim
PDF/UA (``pdfuaid:part``), which we do not write until the other rules are checked too.
"""

from __future__ import annotations

from pathlib import Path

import pdfua  # a test dependency (pyproject's test extra): missing, the tests fail, never skip
import pytest
from pdf_structure import read_tree
from test_tagging import EVERYTHING, URDU, build, packs  # noqa: F401 (packs: a fixture)

NO_CLAIM = "UA-28-004"  # "XMP metadata contains no PDF/UA identification": we make no claim


def findings(path: Path) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.severity.name, f.message) for f in pdfua.validate(str(path)).findings]


@pytest.mark.parametrize("layout", ["default", "large-print"])
def test_leaflets_pass_every_pdfua_check_but_the_claim(tmp_path: Path, layout: str) -> None:
    out = build(tmp_path, {"everything.md": EVERYTHING, "mixed.ur.md": URDU}, "--layout", layout)
    for path in sorted(out.glob("*.pdf")):
        assert [rule for rule, _, _ in findings(path)] == [NO_CLAIM], (path.name, findings(path))


def test_consent_packs_blank_and_stamped_pass_every_pdfua_check_but_the_claim(packs: Path) -> None:  # noqa: F811
    files = sorted(packs.rglob("*.pdf"))
    assert len(files) == 6
    for path in files:
        assert [rule for rule, _, _ in findings(path)] == [NO_CLAIM], (path.name, findings(path))


def test_booklets_differ_from_the_checker_only_on_the_sheets_drawing_of_their_pages(tmp_path: Path) -> None:
    """An imposed sheet draws each A5 page as a Form XObject whose content is tagged (its
    marked content is referenced with /Stm); pdfua does not look inside forms and reports each
    sheet's ``Do`` as untagged. Everything else passes, and our own walk into the forms finds
    every mark tagged or an artifact."""
    out = build(tmp_path, {"everything.md": EVERYTHING, "mixed.ur.md": URDU}, "--layout", "a5-booklet")
    for path in sorted(out.glob("*.pdf")):
        report = pdfua.validate(str(path)).findings
        other = [f for f in report if f.rule_id not in (NO_CLAIM, "UA-01-003")]
        assert other == [], path.name
        untagged = [f for f in report if f.rule_id == "UA-01-003"]
        assert untagged and all(f.evidence.get("unmarked_text_operators", 0) == 0 for f in untagged), path.name
        assert read_tree(path).loose_operators == {}
