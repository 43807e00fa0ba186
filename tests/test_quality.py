"""The quality gate: for every check, an input that passes and one that fails, with the exact
message and line the user sees (``file:line: error|warning: message``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pypdf
import pytest
from helpers import ROOT, files_under, make_project, pdf_text, run

from clinicpack.brand import load_brand
from clinicpack.layout import MM, load_layout
from clinicpack.leaflet import load_leaflet
from clinicpack.quality import ERROR, NOTE, WARNING, Finding, Options, check_leaflet
from clinicpack.quality.claims import load_claims
from clinicpack.quality.colour import contrast_ratio
from clinicpack.quality.prose import sentences
from clinicpack.quality.readability import syllables
from clinicpack.render import font_facts

TODAY = dt.date(2026, 12, 1)
TODAY_ARG = ("--today", TODAY.isoformat())

PLAIN = """---
id: plain-leaflet
title: Plain leaflet
language: en
version: "1.0"
published: 2026-01-01
review_due: 2030-01-01
authors:
  - A Writer
---

## What the treatment is

This is a short test. It uses small words. You can read it fast.

## Who it suits

It suits most adults. Ask us if you are not sure.

## Sessions and timeline

You come in once a month. Each visit takes an hour.

## Cost

Ask us for a price. We will write it down for you.

## Safety

We use clean tools. A nurse is with you all the time.

## Contraindications

- You are pregnant
- You have an infection

## Aftercare

- Rest for a day.
- Keep the area clean.
"""

# Long sentences and long words: well above grade 12.
HARD = (
    "Notwithstanding considerable methodological heterogeneity, contemporary investigations\n"
    "consistently demonstrate statistically significant improvements in follicular density "
    "following administration of regenerative biological preparations.\n"
    "Comprehensive evaluation of individual contraindications, concomitant medications and "
    "dermatological comorbidities remains indispensable before initiating therapeutic intervention."
)

# Longer sentences with some longer words: between grade 8 and grade 12.
MEDIUM = (
    "Most people who choose this treatment have noticed that their hair has become thinner over several years. "
    "The doctor will examine your scalp carefully and talk about the different options that are available to you. "
    "Some people decide that they would prefer to wait and see whether the thinning continues before they start."
)


def leaflet_text(**replace: str) -> str:
    text = PLAIN
    for old, new in replace.items():
        old = old.replace("_", " ") if old != "review_due" else old
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def project(tmp_path: Path, leaflets: dict[str, str]) -> Path:
    return make_project(tmp_path, leaflets)


def check(root: Path, *args: str, capsys, notes: bool = False) -> tuple[int, list[str], str]:
    """Run ``--check``; the error and warning lines (notes too if asked), paths relative to the project."""
    code, out, err = run(root, "--check", *TODAY_ARG, *args, capsys=capsys)
    prefix = str(root) + "/"
    lines = [line.replace(prefix, "") for line in err.splitlines()]
    return code, [line for line in lines if notes or ": note: " not in line], out


def line_with(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def loaded(root: Path, name: str, layout: str = "default"):
    brand = load_brand(root / "assets" / "brand.yaml")
    return load_leaflet(root / "leaflets" / name, root / "assets"), brand, load_layout(layout, root / "layouts", brand)


def only(findings: list[Finding], check_name: str, severity: str | None = None) -> list[Finding]:
    return [f for f in findings if f.check == check_name and (severity is None or f.severity == severity)]


# ---------------------------------------------------------------- readability


def test_syllables_are_counted_like_a_dictionary_on_common_words() -> None:
    counts = {"water": 2, "about": 2, "area": 3, "idea": 3, "injection": 3, "people": 2, "treatment": 2,
              "scalp": 1, "immune": 2, "possible": 3, "hospital": 3, "make-up": 2, "24": 1}
    assert {w: syllables(w) for w in counts} == counts


def test_list_items_and_table_cells_are_sentences_of_their_own(tmp_path: Path) -> None:
    items = "\n".join(f"- item number {i} without a full stop" for i in range(12))
    table = "| Risk | How often |\n|---|---|\n| Redness of the skin | Common |\n| Infection | Rare |\n"
    root = project(tmp_path, {"a.md": leaflet_text(**{"- You are pregnant\n- You have an infection": items + "\n\n" + table})})
    leaflet, _, _ = loaded(root, "a.md")
    own = [s for s in sentences(leaflet) if s.section == "contraindications"]
    assert [len(s.words) for s in own] == [7] * 12 + [4, 1, 1, 1]  # header cells are not prose
    assert own[0].line == leaflet.lines.index("- item number 0 without a full stop") + 1
    assert own[-2].text == "Infection" and own[-2].line == leaflet.lines.index("| Infection | Rare |") + 1


def test_plain_leaflet_passes_readability(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    code, err, out = check(root, "--strict", capsys=capsys)
    assert code == 0
    assert not [e for e in err if ": warning: " in e or ": error: " in e]
    assert out.strip() == "checked 1 leaflet(s): 0 errors, 0 warnings"


def test_hard_text_is_an_error_with_its_longest_sentences_and_hardest_words(tmp_path: Path, capsys) -> None:
    text = leaflet_text(**{"This is a short test. It uses small words. You can read it fast.": HARD})
    root = project(tmp_path, {"hard.md": text})
    code, err, out = check(root, capsys=capsys, notes=True)
    assert code == 1
    line = line_with(text, "Notwithstanding")
    assert err == [
        "leaflets/hard.md: note: reads at grade 12.7 (Flesch-Kincaid), Flesch Reading Ease 17 (14 sentences, 97 words)",
        ("leaflets/hard.md:3: error: the leaflet reads at grade 12.7 (Flesch-Kincaid; Flesch Reading Ease 17), above the limit "
        "of grade 12: use shorter sentences and everyday words (aim for grade 8 or below)"),
        f'leaflets/hard.md:{line}: note: long sentence (20 words): "Notwithstanding considerable methodological heterogeneity, …"',
        f'leaflets/hard.md:{line + 2}: note: long sentence (16 words): "Comprehensive evaluation of individual contraindications, …"',
        f'leaflets/hard.md:{line}: note: hard word "methodological" (6 syllables)',
        f'leaflets/hard.md:{line + 2}: note: hard word "dermatological" (6 syllables)',
        f'leaflets/hard.md:{line}: note: hard word "heterogeneity" (6 syllables)',
        f'leaflets/hard.md:{line + 2}: note: hard word "contraindications" (5 syllables)',  # each word on its own line
        f'leaflets/hard.md:{line}: note: hard word "investigations" (5 syllables)',
        ('leaflets/hard.md:12: error: section "What the treatment is" reads at grade 38.0 (Flesch-Kincaid; Flesch Reading Ease -145), '
        "above the limit of grade 12: use shorter sentences and everyday words (aim for grade 8 or below)"),
    ]
    assert out.strip() == "checked 1 leaflet(s): 2 errors, 0 warnings"


def test_grade_between_the_thresholds_is_a_warning(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"medium.md": leaflet_text(**{"This is a short test. It uses small words. You can read it fast.": MEDIUM})})
    code, err, out = check(root, capsys=capsys)
    assert code == 0
    assert [e for e in err if ": warning: " in e] == [
        ('leaflets/medium.md:12: warning: section "What the treatment is" reads at grade 9.6 (Flesch-Kincaid; Flesch Reading Ease 58), '
        "above grade 8: use shorter sentences and everyday words")
    ]
    code, err, out = check(root, "--strict", capsys=capsys)
    assert code == 1
    assert err[0].startswith('leaflets/medium.md:12: error: section "What the treatment is" reads at grade 9.6')
    assert out.strip() == "checked 1 leaflet(s): 1 error, 0 warnings"


def test_thresholds_are_set_per_leaflet_and_per_brand(tmp_path: Path, capsys) -> None:
    medium = leaflet_text(**{"This is a short test. It uses small words. You can read it fast.": MEDIUM})
    relaxed = medium.replace("authors:", "quality:\n  grade_warning: 10\nauthors:")
    root = project(tmp_path, {"medium.md": relaxed})
    assert check(root, "--strict", capsys=capsys)[0] == 0
    strict_leaflet = medium.replace("authors:", "quality:\n  grade_warning: 5\n  grade_error: 9\nauthors:")
    root = project(tmp_path / "strict", {"medium.md": strict_leaflet})
    _code, err, _ = check(root, capsys=capsys)
    assert err[0].startswith('leaflets/medium.md:15: error: section "What the treatment is" reads at grade 9.6') and "limit of grade 9" in err[0]
    root = project(tmp_path / "brand", {"medium.md": medium})
    brand = root / "assets" / "brand.yaml"
    brand.write_text(brand.read_text() + "\nquality:\n  grade_warning: 10\n")
    assert check(root, "--strict", capsys=capsys)[0] == 0


def test_quality_settings_are_validated_with_file_and_line(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"a.md": PLAIN.replace("authors:", "quality:\n  grade_warnign: 9\nauthors:")})
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    assert err[0] == ('leaflets/a.md:9: error: unknown key "grade_warnign" in the leaflet\'s quality section '
                      '(did you mean "grade_warning"?); allowed keys: grade_error, grade_warning, review_warning_days')
    root = project(tmp_path / "b", {"a.md": PLAIN})
    brand = root / "assets" / "brand.yaml"
    lines = len(brand.read_text().splitlines())
    brand.write_text(brand.read_text() + "\nquality:\n  grade_warning: 10\n  grade_error: 9\n")
    code, err, _ = check(root, capsys=capsys)
    assert err[0] == f"assets/brand.yaml:{lines + 3}: error: quality.grade_warning (10) must not be above quality.grade_error (9)"


def test_readability_is_for_english_only(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": leaflet_text(**{"language: en": "language: de", "This is a short test. It uses small words. You can read it fast.": HARD})})
    leaflet, brand, layout = loaded(root, "a.md")
    findings = check_leaflet(leaflet, brand, layout, Options(TODAY), only=("readability",))
    assert [(f.severity, f.message) for f in findings] == [(NOTE, 'readability is measured for English only (this leaflet is "de")')]


# ---------------------------------------------------------------- clear print


def write_layout(root: Path, name: str, text: str) -> None:
    (root / "layouts" / f"{name}.yaml").write_text(text)


def test_shipped_layouts_pass_clear_print(tmp_path: Path) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    for name in ("default", "letter", "large-print", "a5-booklet"):
        leaflet, brand, layout = loaded(root, "plain.md", name)
        metrics: dict = {}
        facts = font_facts(leaflet, brand, layout)  # the real font, measured by the renderer
        found = check_leaflet(leaflet, brand, layout, Options(TODAY), fonts=facts, metrics=metrics,
                              only=("print-size", "alignment", "line-length", "contrast", "qr", "glyphs"))
        assert found == [], name
        assert 60 <= metrics["characters_per_line"] <= 75, name


def test_small_body_text_is_an_error_at_the_layout_key(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    write_layout(root, "small", "extends: default\npage:\n  margin_left: 35mm\n  margin_right: 35mm\ntext:\n  size: 11pt\n")
    code, err, _ = check(root, "--layout", "small", capsys=capsys)
    assert code == 1
    assert "layouts/small.yaml:6: error: body text is 11pt (text.size); clear print needs at least 12pt (RNIB): set text.size: 12pt or more" in err


def test_large_print_layout_needs_16pt(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    write_layout(root, "big", "extends: default\ntext:\n  large_print: true\n  size: 14pt\n")
    code, err, _ = check(root, "--layout", "big", capsys=capsys)
    assert code == 1
    assert ("layouts/big.yaml:4: error: body text is 14pt (text.size); clear print needs at least 16pt in a large-print "
            "layout (RNIB): set text.size: 16pt or more") in err


def test_justified_body_text_is_an_error(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    write_layout(root, "justified", "extends: default\ntext:\n  align: justify\n")
    code, err, _ = check(root, "--layout", "justified", capsys=capsys)
    assert code == 1
    assert err[0] == ("layouts/justified.yaml:3: error: body text is justified (text.align: justify); justified text leaves "
                      "uneven gaps between words that break up reading (RNIB clear print): set text.align: left")


def test_long_lines_are_a_warning_measured_with_the_real_font(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    write_layout(root, "wide", "extends: default\npage:\n  margin_left: 15mm\n  margin_right: 15mm\ntext:\n  size: 12pt\n")
    code, err, _ = check(root, "--layout", "wide", capsys=capsys)
    assert code == 0
    assert [e for e in err if "warning" in e] == [
        ("layouts/wide.yaml:6: warning: body text lines hold about 97 characters (180mm column, 12pt Atkinson Hyperlegible); "
        "clear print reads best at about 50 to 75: make the margins wider (page.margin_left, page.margin_right) or the text larger (text.size)")
    ]


# ---------------------------------------------------------------- contrast


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    assert contrast_ratio("#ffffff", "#17476b") == contrast_ratio("#17476b", "#ffffff")


def test_pale_brand_colour_is_an_error_naming_keys_colour_and_ratio(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    brand = root / "assets" / "brand.yaml"
    text = brand.read_text()
    line = next(i for i, text_line in enumerate(text.splitlines(), 1) if text_line.strip().startswith("muted:"))
    brand.write_text(text.replace('muted: "#4d4d4d"', 'muted: "#999999"'))
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    assert err[0] == (f'assets/brand.yaml:{line}: error: the footer: footer.colour "muted" (#999999) on page.background '
                      '"background" (#ffffff) has a contrast of 2.84:1; WCAG 2 AA needs at least 4.5:1: make one of the two colours darker or lighter')


def test_layout_colour_is_reported_at_the_layout_line(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    write_layout(root, "pale", "extends: default\ntable:\n  header_colour: \"#4a7090\"\n")
    code, err, _ = check(root, "--layout", "pale", capsys=capsys)
    assert code == 1
    assert err == [('layouts/pale.yaml:3: error: table header text: table.header_colour #4a7090 on table.header_background '
                   '"primary" (#17476b) has a contrast of 1.86:1; WCAG 2 AA needs at least 4.5:1: make one of the two colours darker or lighter')]


# ---------------------------------------------------------------- glyphs


def test_every_missing_character_is_an_error_with_its_code_point_and_line(tmp_path: Path, capsys) -> None:
    text = leaflet_text(**{"Ask us for a price.": "Ask us for a price \u2192 today.", "Rest for a day.": "Rest for a day \u2713"})
    root = project(tmp_path, {"a.md": text})
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    lines = text.split("\n")
    arrow = next(i for i, text_line in enumerate(lines, 1) if "\u2192" in text_line)
    tick = next(i for i, text_line in enumerate(lines, 1) if "\u2713" in text_line)
    assert err[:2] == [
        (f'leaflets/a.md:{arrow}: error: the font "Atkinson Hyperlegible" cannot draw the character "\u2192" (U+2192 RIGHTWARDS ARROW); '
        "replace it (e.g. with a plain equivalent) or choose a font that has it"),
        (f'leaflets/a.md:{tick}: error: the font "Atkinson Hyperlegible" cannot draw the character "\u2713" (U+2713 CHECK MARK); '
        "replace it (e.g. with a plain equivalent) or choose a font that has it"),
    ]


# ---------------------------------------------------------------- QR code


def test_qr_code_too_small_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    leaflet, brand, layout = loaded(root, "plain.md")
    assert check_leaflet(leaflet, brand, layout, Options(TODAY), only=("qr",)) == []
    small = dataclasses.replace(layout, qr=dataclasses.replace(layout.qr, size=15 * MM))  # the schema refuses this in YAML
    found = check_leaflet(leaflet, brand, small, Options(TODAY), only=("qr",))
    assert [(f.severity, f.file, f.line, f.message) for f in found] == [(
        ERROR, root / "layouts" / "default.yaml", line_with((root / "layouts" / "default.yaml").read_text(), "size: 30mm"),
        ("the QR code is printed 15.0mm wide (qr.size); phones need at least 20mm plus "
        "4 modules of white around it to scan it from paper: set qr.size: 20mm or more"),
    )]


def test_long_booking_link_is_an_error_at_the_leaflet_id(tmp_path: Path, capsys) -> None:
    long_id = "a-very-long-leaflet-identifier-that-nobody-should-ever-need-for-a-patient-leaflet-about-anything"
    root = project(tmp_path, {"a.md": PLAIN.replace("id: plain-leaflet", f"id: {long_id}")})
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    url = f"https://clinic.example/book?t={long_id}"
    assert err[0] == (f"leaflets/a.md:2: error: the booking link for this leaflet is {len(url)} characters ({url}); keep it at most 120 "
                      "so the QR code stays coarse enough to scan: shorten the leaflet id or booking.link in the brand file")


# ---------------------------------------------------------------- document control


@pytest.mark.parametrize("today, severity, message", [
    ("2029-12-31", WARNING, "review_due 2030-01-01 is in 1 day(s): plan the review now (warning from 60 days before)"),
    ("2030-01-02", ERROR, ("review_due 2030-01-01 passed 1 day(s) ago: have the leaflet reviewed, then set a new review_due and "
                          "version (or build with --allow-overdue to print it marked as overdue)")),
])
def test_review_date(tmp_path: Path, capsys, today: str, severity: str, message: str) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    code, _out, err = run(root, "--check", "--today", today, capsys=capsys)
    assert f"{root}/leaflets/plain.md:7: {severity}: {message}" in err.splitlines()
    assert code == (1 if severity == ERROR else 0)
    assert run(root, "--check", "--strict", "--today", "2029-11-01", capsys=capsys)[0] == 0  # 61 days ahead: fine


def test_overdue_leaflet_is_refused_unless_allowed_and_then_says_so_on_every_page(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    code, _, err = run(root, "--today", "2030-02-01", capsys=capsys)
    assert code == 1 and files_under(root / "output") == []
    assert err.splitlines()[-1] == "quality errors (see above); nothing was written"
    code, _out, err = run(root, "--today", "2030-02-01", "--allow-overdue", capsys=capsys)
    assert code == 0
    assert f"{root}/leaflets/plain.md:7: warning: review_due 2030-01-01 passed 31 day(s) ago; printing anyway (--allow-overdue): " \
        "every page says the review is overdue" in err.splitlines()
    text = pdf_text(root / "output" / "plain-leaflet.pdf")
    pages = pypdf.PdfReader(root / "output" / "plain-leaflet.pdf").pages
    assert all("REVIEW OVERDUE since 1 January 2030" in (p.extract_text() or "") for p in pages)
    assert "Review due 1 January 2030" not in text


# ---------------------------------------------------------------- claims


def test_overclaims_are_errors_with_their_lines(tmp_path: Path, capsys) -> None:
    text = leaflet_text(**{
        "It suits most adults.": "Results are Guaranteed for most adults.",
        "We use clean tools.": "We use clean tools, so there are no side\neffects.",
    })
    root = project(tmp_path, {"a.md": text})
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    assert [e for e in err if ": error: " in e] == [
        (f'leaflets/a.md:{line_with(text, "Guaranteed")}: error: "Guaranteed" is a claim patient material must not make: no treatment result can be '
        'guaranteed (say what may happen and how often, e.g. "some people see thicker hair")'),
        (f'leaflets/a.md:{line_with(text, "no side")}: error: "no side effects" is a claim patient material must not make: every treatment can have '
        "side effects (list the known side effects and how often they happen)"),
    ]


def test_honest_uses_and_references_are_not_claims(tmp_path: Path, capsys) -> None:
    text = leaflet_text(**{
        "It suits most adults.": "There is no cure for pattern hair loss. Securely stored.",
        "authors:": 'references:\n  - "Smith A. A cure for baldness? Journal. 2020."\nauthors:',
    })
    root = project(tmp_path, {"a.md": text})
    code, err, _ = check(root, "--strict", capsys=capsys)
    assert code == 0, err


def test_the_claims_list_is_data_the_clinic_edits(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"plain.md": PLAIN})
    claims = root / "assets" / "claims.yaml"
    claims.write_text("claims:\n  - phrase: small words\n    reason: we say so\n")
    code, err, _ = check(root, capsys=capsys)
    assert err[0] == f'leaflets/plain.md:{line_with(PLAIN, "small words")}: error: "small words" is a claim patient material must not make: we say so'
    claims.write_text("claims:\n  - phrase: cure\n    exept: [no cure]\n")
    code, err, _ = check(root, capsys=capsys)
    assert code == 1
    assert err[0] == ('assets/claims.yaml:3: error: unknown key "exept" in claim 1 (did you mean "except"?); '
                      "allowed keys: except, language, phrase, reason, suggestion")
    claims.unlink()
    code, err, _ = check(root, capsys=capsys)
    assert code == 0
    assert ("warning: no claims list at assets/claims.yaml, so no leaflet was checked for overclaims: restore it "
            "(an empty list, claims: [], turns the check off)") in err[0]


def test_shipped_claims_list_loads() -> None:
    claims = load_claims(ROOT / "assets" / "claims.yaml")
    phrases = {c.phrase for c in claims}
    assert {"guaranteed", "100% safe", "no side effects", "cure", "permanent results"} <= phrases


# ---------------------------------------------------------------- command line


def test_json_report_goes_to_stdout(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"medium.md": leaflet_text(**{"This is a short test. It uses small words. You can read it fast.": MEDIUM})})
    code, out, err = run(root, "--check", *TODAY_ARG, "--report", "json", capsys=capsys)
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == {"leaflets": 1, "errors": 0, "warnings": 1}
    assert data["today"] == "2026-12-01"
    warning = next(f for f in data["findings"] if f["severity"] == "warning")
    assert warning["check"] == "readability" and warning["line"] == 12 and warning["file"].endswith("leaflets/medium.md")
    assert data["leaflets"][0]["readability"]["sections"]["what-the-treatment-is"]["grade"] == 9.6
    assert "checked 1 leaflet(s): 0 errors, 1 warning" in err


def test_build_with_warnings_writes_and_says_so(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"medium.md": leaflet_text(**{"This is a short test. It uses small words. You can read it fast.": MEDIUM})})
    code, out, err = run(root, *TODAY_ARG, capsys=capsys)
    assert code == 0
    assert files_under(root / "output")[-1] == "plain-leaflet.pdf"
    assert "1 quality warning (--check lists them with notes; --strict makes them errors)" in out
    assert "note:" not in err  # notes only with --check
    code, out, err = run(root, *TODAY_ARG, "--strict", "--force", capsys=capsys)
    assert code == 1


def test_shipped_leaflets_pass_check_strict(capsys) -> None:
    code, out, err = run(ROOT, "--check", "--strict", "--today", "2026-12-01", capsys=capsys)
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "checked 3 leaflet(s): 0 errors, 0 warnings"


# ---------------------------------------------------------------- consent packs


def test_consent_packs_pass_the_same_quality_gate(tmp_path: Path, capsys) -> None:
    prp = (ROOT / "leaflets" / "prp-hair-loss.md").read_text(encoding="utf-8")
    sentence = "Nothing from another person is added."
    assert sentence in prp
    bad = prp.replace(sentence, "Results are guaranteed.")
    root = project(tmp_path, {"prp-hair-loss.md": bad})
    code, out, err = run(root, "--pack", "consent", *TODAY_ARG, capsys=capsys)
    assert code == 1 and files_under(root / "output") == []
    line = line_with(bad, "Results are guaranteed.")
    assert err.splitlines()[0] == (f'{root}/leaflets/prp-hair-loss.md:{line}: error: "guaranteed" is a claim patient material must not make: '
                                   'no treatment result can be guaranteed (say what may happen and how often, e.g. "some people see thicker hair")')
    good = project(tmp_path / "good", {"prp-hair-loss.md": prp})
    code, _, err = run(good, "--pack", "consent", "--today", "2028-01-01", capsys=capsys)
    assert code == 1 and files_under(good / "output") == []
    assert err.splitlines()[0] == (f"{good}/leaflets/prp-hair-loss.md:7: error: review_due 2027-11-01 passed 61 day(s) ago: "
                                   "have the leaflet reviewed, then set a new review_due and version")
    with pytest.raises(SystemExit) as exit_:
        run(good, "--pack", "consent", "--allow-overdue", capsys=capsys)
    assert exit_.value.code == 2
    assert "--allow-overdue cannot be used with --pack consent" in capsys.readouterr().err
    assert run(good, "--pack", "consent", *TODAY_ARG, capsys=capsys)[0] == 0
    assert files_under(good / "output") == ["prp-hair-loss-consent.pdf"]
