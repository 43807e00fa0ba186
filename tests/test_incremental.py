"""Incremental builds and watch mode: only what changed is rebuilt, and nothing else is touched."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from helpers import ROOT, files_under, make_project, pdf_text, run

import clinicpack.build as build_module
from clinicpack.project import Project
from clinicpack.watch import Watcher, changed, snapshot, watch, watched_files

ENGLISH = ("exosome-hair-loss.md", "prp-hair-loss.md")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {n: (ROOT / "leaflets" / n).read_text(encoding="utf-8") for n in ENGLISH})


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file: any rewrite, even of identical bytes, changes one of them."""
    return {name: ((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns) for name in files_under(folder)}


class RenderCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.rendered: list[str] = []
        real = build_module.render_leaflet

        def counting(loaded, leaflet, *args, **kwargs):
            self.rendered.append(leaflet.id)
            return real(loaded, leaflet, *args, **kwargs)

        monkeypatch.setattr(build_module, "render_leaflet", counting)


def test_unchanged_second_build_renders_and_rewrites_nothing(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    assert run(project, "--preview")[0] == 0
    before = stats(project / "output")
    assert ".clinicpack-manifest.json" in before and "prp-hair-loss.pdf" in before
    counter = RenderCounter(monkeypatch)
    capsys.readouterr()
    time.sleep(0.01)  # so that a rewrite would get a new modification time
    code, out, _ = run(project, "--preview", capsys=capsys)
    assert code == 0
    assert counter.rendered == []
    assert stats(project / "output") == before
    lines = out.splitlines()
    assert len(lines) == 2 and all(line.startswith("up to date ") for line in lines)
    assert lines[0].endswith("output/exosome-hair-loss.pdf") and lines[1].endswith("output/prp-hair-loss.pdf")


def test_only_the_changed_leaflet_is_rebuilt(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "-q")[0] == 0
    untouched = (project / "output/exosome-hair-loss.pdf").stat().st_mtime_ns
    counter = RenderCounter(monkeypatch)
    leaflet = project / "leaflets/prp-hair-loss.md"
    leaflet.write_text(leaflet.read_text().replace("Platelets are tiny parts", "Platelets are very small parts"))
    assert run(project, "-q")[0] == 0
    assert counter.rendered == ["prp-hair-loss"]
    assert (project / "output/exosome-hair-loss.pdf").stat().st_mtime_ns == untouched


@pytest.mark.parametrize(
    "edit",
    [
        lambda root: (root / "layouts/default.yaml").write_text((root / "layouts/default.yaml").read_text() + "lists:\n  indent: 8mm\n"),
        lambda root: (root / "assets/brand.yaml").write_text((root / "assets/brand.yaml").read_text().replace("#17476b", "#17476c")),
        lambda root: (root / "assets/labels/en.yaml").write_text((root / "assets/labels/en.yaml").read_text() + "\n# touched\n"),
        lambda root: (root / "assets/logo.svg").write_text((root / "assets/logo.svg").read_text() + "\n"),
    ],
    ids=["layout", "brand", "labels", "logo"],
)
def test_a_shared_input_rebuilds_every_leaflet(project: Path, monkeypatch: pytest.MonkeyPatch, edit) -> None:
    assert run(project, "-q")[0] == 0
    counter = RenderCounter(monkeypatch)
    edit(project)
    assert run(project, "-q")[0] == 0
    assert sorted(counter.rendered) == ["exosome-hair-loss", "prp-hair-loss"]


def test_a_parent_layout_change_rebuilds_outputs_of_its_children(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "-q", "--layout", "large-print")[0] == 0
    counter = RenderCounter(monkeypatch)
    default = project / "layouts/default.yaml"
    default.write_text(default.read_text() + "callout:\n  border: accent\n")
    assert run(project, "-q", "--layout", "large-print")[0] == 0
    assert len(counter.rendered) == 2


def test_force_and_a_damaged_output_rebuild(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "-q")[0] == 0
    counter = RenderCounter(monkeypatch)
    assert run(project, "-q", "--force")[0] == 0
    assert len(counter.rendered) == 2
    (project / "output/prp-hair-loss.pdf").write_bytes(b"edited by hand")
    (project / "output/exosome-hair-loss.pdf").unlink()
    counter.rendered.clear()
    assert run(project, "-q")[0] == 0
    assert sorted(counter.rendered) == ["exosome-hair-loss", "prp-hair-loss"]
    assert (project / "output/prp-hair-loss.pdf").read_bytes().startswith(b"%PDF-")


def test_print_ready_is_a_separate_output(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "-q")[0] == 0
    counter = RenderCounter(monkeypatch)
    assert run(project, "-q", "--print-ready")[0] == 0
    assert len(counter.rendered) == 2
    assert {"exosome-hair-loss.pdf", "exosome-hair-loss.print.pdf"} <= set(files_under(project / "output"))


def test_a_damaged_manifest_only_costs_a_rebuild(project: Path) -> None:
    assert run(project, "-q")[0] == 0
    (project / "output/.clinicpack-manifest.json").write_text("{not json")
    assert run(project, "-q")[0] == 0
    assert (project / "output/.clinicpack-manifest.json").read_text().startswith("{\n")


@pytest.mark.slow
def test_unchanged_rebuild_is_well_under_a_second(project: Path) -> None:
    import subprocess
    import sys

    assert run(project, "-q")[0] == 0
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build_pack.py"), "--project", str(project), "-q"], check=True)
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------- watch


def test_watch_step_rebuilds_once_per_change_and_keeps_going_after_errors() -> None:
    state = {"a.md": (1, 10)}
    builds: list[int] = []
    said: list[str] = []
    fail = {"now": False}

    def rebuild() -> None:
        builds.append(len(builds))
        if fail["now"]:
            from clinicpack.errors import BuildError

            raise BuildError("broken", "leaflets/a.md", 3)

    watcher = Watcher(lambda: dict(state), rebuild, said.append)
    assert watcher.step() == [] and builds == []  # nothing changed, nothing built
    state["a.md"] = (2, 10)
    assert watcher.step() == ["a.md"] and len(builds) == 1
    assert watcher.step() == [] and len(builds) == 1
    fail["now"] = True
    state["b.yaml"] = (1, 1)
    assert watcher.step() == ["b.yaml"] and len(builds) == 2
    assert "leaflets/a.md:3: error: broken" in said
    fail["now"] = False
    del state["b.yaml"]
    assert watcher.step() == ["b.yaml"] and len(builds) == 3  # still watching after the error


def test_watch_rebuilds_the_real_project_on_the_next_poll(project: Path) -> None:
    """The whole loop with a fake clock: the first poll after a save rebuilds, so a change is
    visible within one poll interval (a quarter of a second)."""
    from clinicpack.build import BuildRequest, build

    request = BuildRequest(project=Project(project), preview=True)
    leaflet = project / "leaflets/prp-hair-loss.md"
    said: list[str] = []
    polls = {"n": 0}

    def sleep(seconds: float) -> None:
        assert seconds <= 0.25
        polls["n"] += 1
        if polls["n"] == 2:
            leaflet.write_text(leaflet.read_text().replace("PRP injections for hair loss", "PRP for hair loss"))
            os.utime(leaflet, ns=(time.time_ns(), time.time_ns() + 1_000_000))

    watch(lambda: snapshot(watched_files(Project(project))), lambda: build(request, report=said.append), said.append, sleep=sleep, steps=3)
    assert polls["n"] == 3
    after = said[said.index("changed: prp-hair-loss.md") + 1 :]  # the poll right after the save rebuilt
    assert [line.split(" ")[0] for line in after] == ["up", "wrote", "previewed"]
    assert after[0].startswith("up to date ") and after[0].endswith("exosome-hair-loss.pdf")
    assert after[1].endswith("output/prp-hair-loss.pdf")
    assert re.search(r"prp-hair-loss\.contact\.png \(\d+ page\(s\)\)$", after[2])
    assert "PRP for hair loss" in pdf_text(project / "output/prp-hair-loss.pdf")


def test_watched_files_cover_leaflets_layouts_and_assets(project: Path) -> None:
    names = {p.relative_to(project).as_posix() for p in watched_files(Project(project))}
    assert {"leaflets/prp-hair-loss.md", "layouts/default.yaml", "assets/brand.yaml", "assets/logo.svg", "assets/labels/en.yaml"} <= names
    assert not any(n.startswith("output/") for n in names)
    assert changed({"a": (1, 1)}, {"a": (1, 1), "b": (2, 2)}) == ["b"]


@pytest.mark.parametrize("option", ["--watch", "--preview", "--print-ready", "--force"])
def test_leaflet_only_options_are_refused_for_consent_packs(project: Path, option: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(project, "--pack", "consent", option, "prp-hair-loss")
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"build_pack.py: error: {option} works for leaflets, not yet with --pack consent"


def test_ctrl_c_stops_watching_cleanly(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import clinicpack.watch

    def interrupted(scan, rebuild, report, **kwargs):
        rebuild()
        raise KeyboardInterrupt

    monkeypatch.setattr(clinicpack.watch, "watch", interrupted)
    code, out, err = run(project, "--watch", capsys=capsys)
    assert code == 0 and err == ""
    assert out.splitlines()[-1] == "stopped watching"
    assert (project / "output/prp-hair-loss.pdf").exists()


@pytest.mark.slow
def test_watch_from_the_command_line_rebuilds_and_stops_on_ctrl_c(project: Path) -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "build_pack.py"), "--project", str(project), "--watch"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 (a shell may start us with SIGINT ignored)
    )
    pdf = project / "output/prp-hair-loss.pdf"
    deadline = time.time() + 20
    while not pdf.exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    before = pdf.stat().st_mtime_ns
    leaflet = project / "leaflets/prp-hair-loss.md"
    leaflet.write_text(leaflet.read_text().replace("Platelets are tiny", "Platelets are very small"))
    saved = time.time()
    while pdf.stat().st_mtime_ns == before and time.time() < saved + 5:
        time.sleep(0.02)
    latency = time.time() - saved
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, out
    assert out.splitlines()[-1] == "stopped watching"
    assert latency < 1.0, f"rebuilt {latency:.2f}s after the save"


# ---------------------------------------------------------------- file-system notifications


def test_the_notifier_wakes_on_a_save_and_not_on_a_read(project: Path) -> None:
    from clinicpack.watch import Notifier, watched_folders

    notifier = Notifier(watched_folders(Project(project)))
    try:
        assert notifier.active  # watchdog is a dependency: notifications, not polling, on this system
        leaflet = project / "leaflets/prp-hair-loss.md"
        leaflet.read_text()
        t0 = time.monotonic()
        assert notifier.wait(0.3) is False  # reading a watched file is not a change
        assert time.monotonic() - t0 >= 0.29

        import threading

        threading.Timer(0.05, lambda: leaflet.write_text(leaflet.read_text() + "\n")).start()
        t0 = time.monotonic()
        assert notifier.wait(10) is True
        assert time.monotonic() - t0 < 2  # woken by the save, long before the timeout
        brand = project / "assets/brand.yaml"
        threading.Timer(0.05, lambda: brand.write_text(brand.read_text() + "\n")).start()
        assert notifier.wait(10) is True  # assets/ is watched too
    finally:
        notifier.stop()


def test_watched_folders_include_files_named_outside_the_project(project: Path, tmp_path: Path) -> None:
    from clinicpack.watch import watched_folders

    outside = tmp_path / "elsewhere" / "mine.yaml"
    outside.parent.mkdir()
    outside.write_text("extends: default\n")
    folders = {p.resolve(): recursive for p, recursive in watched_folders(Project(project), [outside])}
    assert folders[(project / "assets").resolve()] is True
    assert folders[(project / "leaflets").resolve()] is False
    assert folders[outside.parent.resolve()] is False
