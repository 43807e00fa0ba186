"""A leaflet that lacks what the consent form quotes is refused with its file and line; the
plain leaflet build does not need those parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES, make_project, run

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def consent_error(tmp_path: Path, capsys, text: str) -> str:
    root = make_project(tmp_path, {"test-consent.md": text})
    code, _, err = run(root, "test-consent", "--pack", "consent", capsys=capsys)
    assert code == 1
    assert not (root / "output" / "test-consent-consent.pdf").exists()
    return err.splitlines()[0].split("leaflets/", 1)[1]


def test_missing_benefits_section(tmp_path: Path, capsys) -> None:
    start = LEAFLET.index("## Possible benefits")
    text = LEAFLET[:start] + LEAFLET[LEAFLET.index("## Sessions and timeline") :]
    last = len(text.split("\n"))
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{last}: error: the "benefits" section is missing (needed for the consent form): '
        'add "## Possible benefits {#benefits}" with a bullet list of possible benefits'
    )


def test_risks_table_needs_the_two_columns(tmp_path: Path, capsys) -> None:
    text = LEAFLET.replace("| Risk | How often |", "| Risk | Chance |")
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{line_of(text, "| Risk | Chance |")}: error: the "risks" section needs a table with columns '
        '"Risk" and "How often" (needed for the consent form)'
    )


def test_risks_without_a_table(tmp_path: Path, capsys) -> None:
    start, end = LEAFLET.index("| Risk | How often |"), LEAFLET.index("## Who should not have it")
    text = LEAFLET[:start] + "Some risks are listed in the text only.\n\n" + LEAFLET[end:]
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{line_of(text, "## Risks")}: error: the "risks" section needs a table with columns '
        '"Risk" and "How often" (needed for the consent form)'
    )


def test_a_risk_without_a_frequency(tmp_path: Path, capsys) -> None:
    text = LEAFLET.replace("| Infection of the scalp | Rare |", "| Infection of the scalp | |")
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{line_of(text, "Infection of the scalp")}: error: the risk "Infection of the scalp" has no frequency; '
        'write how often it happens (e.g. "About 1 in 10", "Common", "Rare" or "Not known")'
    )


def test_alternatives_must_include_no_treatment(tmp_path: Path, capsys) -> None:
    text = LEAFLET.replace("- No treatment. You can wait, or decide not to treat it.\n", "")
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{line_of(text, "## Other choices")}: error: the "alternatives" section needs an item that starts '
        '"No treatment" (not having the treatment is always a choice) (needed for the consent form)'
    )


def test_warning_signs_need_a_list(tmp_path: Path, capsys) -> None:
    text = LEAFLET.replace("- Fever or chills\n- Redness that spreads\n", "Fever, chills or redness that spreads.\n")
    assert consent_error(tmp_path, capsys, text) == (
        f'test-consent.md:{line_of(text, "## Warning signs")}: error: the "warning-signs" section needs a bullet list of '
        "signs that need an urgent call (needed for the consent form)"
    )


def test_plain_leaflet_build_does_not_need_the_consent_parts(tmp_path: Path, capsys) -> None:
    start = LEAFLET.index("## Possible benefits")
    text = LEAFLET[:start] + LEAFLET[LEAFLET.index("## Sessions and timeline") :]
    root = make_project(tmp_path, {"test-consent.md": text})
    code, _, err = run(root, "test-consent", capsys=capsys)
    assert code == 0, err


@pytest.mark.parametrize("leaflet", ["exosome-hair-loss", "prp-hair-loss"])
def test_shipped_leaflets_have_every_consent_part(tmp_path: Path, capsys, leaflet: str) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    code, _, err = run(root, leaflet, "--pack", "consent", "--check", capsys=capsys)
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patients", "x.csv"], "--patients needs --pack consent"),
        (["--pack", "consent", "--patient-ref", "P1"], "one patient needs both --patient-ref and --patient-name"),
        (["--pack", "consent", "--patients", "x.csv", "--patient-ref", "P1", "--patient-name", "A"],
         "give either --patients FILE.csv or one patient's options (--patient-ref ...), not both"),
    ],
)
def test_option_mistakes_exit_2(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    root = make_project(tmp_path, {"test-consent.md": LEAFLET})
    with pytest.raises(SystemExit) as exit_:
        run(root, "test-consent", *args)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"error: {message}")
