"""Shaping reused across builds in one process (watch mode, the front desk) never shows: a
rebuild after a change is byte for byte what a fresh process builds from the same files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT, make_project, run


def fresh_build(project: Path, out: Path) -> bytes:
    subprocess.run([sys.executable, str(ROOT / "build_pack.py"), "--project", str(project), "--out", str(out), "-q",
                    "exosome-hair-loss-ur"], check=True)
    return (out / "exosome-hair-loss-ur.pdf").read_bytes()


def test_a_rebuild_after_a_colour_and_text_change_matches_a_fresh_process(tmp_path: Path) -> None:
    project = make_project(tmp_path, copy_shipped=True)
    assert run(project, "-q", "--out", str(tmp_path / "warm"), "exosome-hair-loss-ur")[0] == 0  # fills the caches
    brand = project / "assets/brand.yaml"
    brand.write_text(brand.read_text().replace('primary: "#17476b"', 'primary: "#6b1747"'))  # links and headings change colour
    leaflet = project / "leaflets/exosome-hair-loss.ur.md"
    text = leaflet.read_text(encoding="utf-8")
    first_line = next(line for line in text.split("---", 2)[2].splitlines() if line and not line.startswith("#"))
    leaflet.write_text(text.replace(first_line, first_line + " PRP 0300 1234567", 1), encoding="utf-8")  # one paragraph changes
    assert run(project, "-q", "--out", str(tmp_path / "warm"), "exosome-hair-loss-ur")[0] == 0
    warm = (tmp_path / "warm" / "exosome-hair-loss-ur.pdf").read_bytes()
    assert warm == fresh_build(project, tmp_path / "fresh")
