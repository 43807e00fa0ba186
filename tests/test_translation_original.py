"""A translation built on its own finds its original beside it. The original's front matter is
read first: when it shows the version the translation was made from, nothing is reported and the
whole file is not parsed; otherwise it is loaded as before, so an original that does not load
still reports nothing, and a newer one gives the same warning as when both are built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import make_project

from clinicpack.leaflet import load_leaflet
from clinicpack.quality import Options
from clinicpack.quality import translations as tr

TODAY = Options(dt.date(2026, 12, 1))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path, copy_shipped=True)


def findings(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple], int]:
    """Findings for the Urdu translation alone, and how many times a whole leaflet was loaded."""
    calls = []

    def counting(path: Path, assets: Path):  # noqa: ANN202
        calls.append(path)
        return load_leaflet(path, assets)

    monkeypatch.setattr(tr, "load_leaflet", counting)
    urdu = load_leaflet(root / "leaflets" / "exosome-hair-loss.ur.md", root / "assets")
    found = tr.stale_translations([urdu], TODAY, root / "assets")
    return [(f.file, f.line, f.severity, f.message) for f in found], len(calls)


def both_built(root: Path) -> list[tuple]:
    """What the check says when the original is built too (no search, no shortcut)."""
    urdu = load_leaflet(root / "leaflets" / "exosome-hair-loss.ur.md", root / "assets")
    original = load_leaflet(root / "leaflets" / "exosome-hair-loss.md", root / "assets")
    return [(f.file, f.line, f.severity, f.message) for f in tr.stale_translations([urdu, original], TODAY, root / "assets")]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_original_at_the_translated_version_is_not_parsed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert findings(root, monkeypatch) == ([], 0)
    assert both_built(root) == []


def test_a_newer_original_is_loaded_and_named(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(root / "leaflets" / "exosome-hair-loss.md", 'version: "1.0"', 'version: "1.1"')
    found, loads = findings(root, monkeypatch)
    assert loads == 1 and len(found) == 1 and "which is now version 1.1" in found[0][3]
    assert found == both_built(root)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_original_that_does_not_load_reports_nothing(root: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    original = root / "leaflets" / "exosome-hair-loss.md"
    edit(original, 'version: "1.0"', f'version: "{version}"')
    original.write_text(original.read_text(encoding="utf-8") + "\n![a picture](no-such-picture.png)\n", encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - the original really is refused by the loader
        load_leaflet(original, root / "assets")
    assert findings(root, monkeypatch) == ([], 0 if version == "1.0" else 1)


@pytest.mark.parametrize("front", ["version: 1.0\n", "version:\n", "version: [1, 0]\n", "versions: \"1.0\"\n"])
def test_versions_written_otherwise_are_read_as_the_loader_reads_them(root: Path, monkeypatch: pytest.MonkeyPatch, front: str) -> None:
    edit(root / "leaflets" / "exosome-hair-loss.md", 'version: "1.0"\n', front)
    found, _ = findings(root, monkeypatch)
    try:
        expected = both_built(root)
    except Exception:  # noqa: BLE001 - an original that does not load: nothing to compare with
        expected = []
    assert found == expected
