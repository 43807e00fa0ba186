"""The up-to-date fast path: a build that has nothing to render says so without loading the
builder, reports exactly what the full build reported, and notices every change of any input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, make_project, pdf_text, run

ENGLISH = ("exosome-hair-loss.md", "prp-hair-loss.md")
NEAR_REVIEW = "2027-10-20"  # prp-hair-loss is due for review on 2027-11-01: a warning

PROBE = """
import sys
from clinicpack.cli import main
code = main(sys.argv[1:])
heavy = ("reportlab", "yaml", "markdown", "pyphen", "PIL", "clinicpack.build", "clinicpack.quality.checks")
print("LOADED", [m for m in heavy if m in sys.modules], file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {n: (ROOT / "leaflets" / n).read_text(encoding="utf-8") for n in ENGLISH})


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line in a fresh process, reporting which heavy modules it ended up importing."""
    return subprocess.run([sys.executable, "-c", PROBE, "--project", str(project), *args],
                          capture_output=True, text=True, cwd=project, check=False)


def loaded(result: subprocess.CompletedProcess) -> str:
    return next(line for line in result.stderr.splitlines() if line.startswith("LOADED"))


def test_nothing_changed_is_decided_without_loading_the_builder(project: Path) -> None:
    first = cli(project, "--today", NEAR_REVIEW, "--report", "json")
    assert first.returncode == 0, first.stderr
    assert "reportlab" in loaded(first)
    again = cli(project, "--today", NEAR_REVIEW, "--report", "json")
    assert again.returncode == 0, again.stderr
    assert loaded(again) == "LOADED []"
    # the same quality report, to the byte, and the same warnings and summary on standard error
    assert again.stdout == first.stdout
    assert json.loads(again.stdout)["summary"] == {"leaflets": 2, "errors": 0, "warnings": 2}
    messages = lambda r: [line for line in r.stderr.splitlines() if not line.startswith(("wrote ", "up to date ", "LOADED"))]
    assert messages(again) == messages(first) and any("warning: review_due 2027-11-01 is in 12 day(s)" in m for m in messages(first))
    assert [line for line in again.stderr.splitlines() if line.startswith("up to date ")] == [
        "up to date output/exosome-hair-loss.pdf", "up to date output/prp-hair-loss.pdf"]


def test_the_fast_path_prints_what_the_full_build_prints(project: Path, capsys) -> None:
    assert run(project, "--today", NEAR_REVIEW)[0] == 0
    capsys.readouterr()
    manifest = project / "output/.clinicpack-manifest.json"
    data = json.loads(manifest.read_text())
    del data["builds"]  # no record: the full build decides (and renders nothing)
    manifest.write_text(json.dumps(data))
    full = run(project, "--today", NEAR_REVIEW, capsys=capsys)
    fast = run(project, "--today", NEAR_REVIEW, capsys=capsys)
    assert full == fast
    assert "up to date" in fast[1] and "2 quality warnings" in fast[1]


def test_strict_and_other_options_have_their_own_record(project: Path, capsys) -> None:
    assert run(project, "--today", NEAR_REVIEW, "-q")[0] == 0
    code, _, err = run(project, "--today", NEAR_REVIEW, "--strict", capsys=capsys)
    assert code == 1 and "error: review_due 2027-11-01 is in 12 day(s)" in err  # the warning is an error under --strict


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES: dict[str, Callable[[Path], None]] = {
    "brand colour": lambda p: _edit(p / "assets/brand.yaml", 'primary: "#17476b"', 'primary: "#17476c"'),
    "layout key": lambda p: _edit(p / "layouts/default.yaml", "page:", "page:\n  # a comment changes the file\n"),
    "leaflet text": lambda p: _edit(p / "leaflets/prp-hair-loss.md", "tiny parts", "tiny bits"),
    "labels": lambda p: _edit(p / "assets/labels/en.yaml", "page_of:", "# edited\npage_of:"),
    "output deleted": lambda p: (p / "output/prp-hair-loss.pdf").unlink(),
    "output edited by hand": lambda p: (p / "output/prp-hair-loss.pdf").write_bytes(b"%PDF-1.4 not ours"),
    "manifest damaged": lambda p: (p / "output/.clinicpack-manifest.json").write_text("{"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_changed_input_or_output_means_a_real_build(project: Path, capsys, change: str) -> None:
    assert run(project, "-q")[0] == 0
    CHANGES[change](project)
    code, out, _ = run(project, capsys=capsys)
    assert code == 0
    assert not out.splitlines()[-1].startswith("up to date") or change == "manifest damaged"
    assert "prp-hair-loss.pdf" in out
    if change != "manifest damaged":
        assert any(line.startswith(("wrote", "unchanged")) for line in out.splitlines()), out
    code, out, _ = run(project, capsys=capsys)
    assert all(line.startswith("up to date") for line in out.splitlines()), out  # and then it is up to date again


def test_a_new_leaflet_is_built(project: Path, capsys) -> None:
    assert run(project, "-q")[0] == 0
    text = (ROOT / "leaflets/prp-hair-loss.md").read_text(encoding="utf-8").replace("id: prp-hair-loss", "id: prp-copy")
    (project / "leaflets/prp-copy.md").write_text(text, encoding="utf-8")
    code, out, _ = run(project, capsys=capsys)
    assert code == 0 and "wrote" in out and "prp-copy.pdf" in out


def test_a_new_claim_is_checked(project: Path, capsys) -> None:
    assert run(project, "-q")[0] == 0
    with (project / "assets/claims.yaml").open("a", encoding="utf-8") as f:
        f.write('  - phrase: "platelet-rich plasma"\n    reason: "test"\n    suggestion: "test"\n')
    code, _, err = run(project, capsys=capsys)
    assert code == 1 and "platelet-rich plasma" in err


def test_a_label_file_that_appears_is_used(project: Path, capsys) -> None:
    """A French leaflet falls back to the English labels; adding fr.yaml must change its PDF."""
    text = (ROOT / "leaflets/prp-hair-loss.md").read_text(encoding="utf-8").replace("language: en", "language: fr")
    (project / "leaflets/prp-hair-loss.md").write_text(text, encoding="utf-8")
    assert run(project, "-q")[0] == 0
    assert "Page 1 sur" not in pdf_text(project / "output/prp-hair-loss.pdf")
    (project / "assets/labels/fr.yaml").write_text('page_of: "Page {page} sur {pages}"\n', encoding="utf-8")
    code, out, _ = run(project, capsys=capsys)
    assert code == 0 and "wrote" in out
    assert "Page 1 sur" in pdf_text(project / "output/prp-hair-loss.pdf")


def test_the_date_is_part_of_the_record(project: Path, capsys) -> None:
    assert run(project, "--today", "2027-01-01", "-q")[0] == 0
    code, out, err = run(project, "--today", NEAR_REVIEW, capsys=capsys)
    assert code == 0 and "review_due 2027-11-01 is in 12 day(s)" in err


def test_findings_read_from_the_archive_are_not_replayed(tmp_path: Path) -> None:
    """A stale translation's warning names the changed sections from the archived original:
    the archive database is not a hashed file, so such a build is never replayed."""
    project = make_project(tmp_path, copy_shipped=True)
    original = project / "leaflets/exosome-hair-loss.md"
    assert cli(project, "-q").returncode == 0  # version 1.0 printed and archived
    original.write_text(original.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"'), encoding="utf-8")
    for _ in range(2):
        result = cli(project)
        assert result.returncode == 0, result.stderr
        assert "clinicpack.quality.checks" in loaded(result)  # runs fully (loads and checks) every time
        assert "translated from version 1.0" in result.stderr
    assert cli(project, "--require-record", "-q").returncode == 0
    assert "clinicpack.quality.checks" in loaded(cli(project, "-q", "--require-record"))  # archive options always run fully
