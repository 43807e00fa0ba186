#!/usr/bin/env python3
"""Benchmark: how fast single builds start, as ratios to ``python -c "import reportlab.platypus"``.

The floor (importing ReportLab's layout engine) is timed in the same rounds as every command,
so the ratios hold on a busy or a quiet machine alike. Each round runs every command once, in
turn; the table shows medians. Run it from the project folder:

    .venv/bin/python bench/bench_start.py            # 7 rounds
    .venv/bin/python bench/bench_start.py --runs 11 --skip-watch

It works on a copy of leaflets/, layouts/ and assets/ in a temporary folder (the edits the watch
figures make never touch the project). Figures (the bar from issue 11 in brackets):

- up to date: a build with nothing to render (<= 0.8x)
- --check (<= 1.5x); English leaflet, --force, cold (<= 2.2x); Urdu leaflet, --force, cold (<= 3.5x)
- in-process re-render (the API watch mode and the front desk use): English (<= 0.4x), Urdu (<= 1.5x)
- watch: an English leaflet saved -> new PDF on disk (<= 0.8x); brand colour changed -> all
  three shipped leaflets rewritten (<= 3x)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
ENGLISH, URDU = "prp-hair-loss", "exosome-hair-loss.ur"
BARS = {
    "up to date (nothing to render)": 0.8, "--check": 1.5, "English leaflet, cold --force": 2.2,
    "Urdu leaflet, cold --force": 3.5, "in-process re-render, English": 0.4, "in-process re-render, Urdu": 1.5,
    "watch: English leaflet saved -> new PDF": 0.8, "watch: brand change -> 3 leaflets": 3.0,
}


def copy_project(where: Path) -> Path:
    for name in ("leaflets", "layouts", "assets"):
        shutil.copytree(ROOT / name, where / name)
    (where / "output").mkdir()
    return where


def cli(project: Path, *args: str) -> list[str]:
    return [PY, str(ROOT / "build_pack.py"), "--project", str(project), "--out", str(project / "output"), "-q", *args]


def timed(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def command_rounds(project: Path, runs: int) -> dict[str, list[float]]:
    subprocess.run(cli(project), check=True, stdout=subprocess.DEVNULL)  # so "up to date" has a manifest
    commands = {
        "floor": [PY, "-c", "import reportlab.platypus"],
        "up to date (nothing to render)": cli(project),
        "--check": cli(project, "--check"),
        "English leaflet, cold --force": cli(project, "--force", ENGLISH),
        "Urdu leaflet, cold --force": cli(project, "--force", URDU),
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command))
    return times


def in_process(project: Path, runs: int) -> dict[str, list[float]]:
    """Re-render in a process that has built before (as the front desk and watch mode do)."""
    from clinicpack.build import BuildRequest, build
    from clinicpack.project import Project

    times: dict[str, list[float]] = {}
    for label, target in (("in-process re-render, English", ENGLISH), ("in-process re-render, Urdu", URDU)):
        request = BuildRequest(project=Project(project), targets=(target,), out=project / "output", force=True)
        build(request)
        times[label] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            build(request)
            times[label].append(time.perf_counter() - t0)
    return times


class WatchProcess:
    """``build_pack.py --watch``, with each line of its output time-stamped as it arrives."""

    def __init__(self, project: Path, *targets: str):
        args = cli(project, "--watch", *targets)
        args.remove("-q")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(lambda line: line.startswith("watching"), 0, 1, timeout=60)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.perf_counter(), line.strip()))
                self.cond.notify_all()

    def wait_for(self, match: Callable[[str], bool], start: int, count: int, timeout: float = 30) -> float:
        """Time of the ``count``-th matching line after line ``start``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [t for t, line in self.lines[start:] if match(line)]
                if len(hits) >= count:
                    return hits[count - 1]
                if "error" in " ".join(line for _, line in self.lines[start:]):
                    raise RuntimeError("\n".join(line for _, line in self.lines[start:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("\n".join(line for _, line in self.lines[start:]))
                self.cond.wait(left)

    def edit(self, path: Path, old: str, new: str, outputs: int) -> float:
        """Save ``path`` with ``old`` replaced by ``new``; seconds until ``outputs`` PDFs were written."""
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        with self.cond:
            start = len(self.lines)
        t0 = time.perf_counter()
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        t1 = self.wait_for(lambda line: line.startswith("wrote "), start, outputs)
        time.sleep(0.3)  # let the watcher settle before the next save
        return t1 - t0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def watch_rounds(project: Path, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"watch: English leaflet saved -> new PDF": [], "watch: brand change -> 3 leaflets": []}
    leaflet = project / "leaflets" / f"{ENGLISH}.md"
    w = WatchProcess(project, ENGLISH)
    try:
        for i in range(runs):
            pair = ("tiny parts of your blood", "tiny bits of your blood")
            old, new = pair if i % 2 == 0 else pair[::-1]
            times["watch: English leaflet saved -> new PDF"].append(w.edit(leaflet, old, new, 1))
    finally:
        w.stop()
    brand = project / "assets" / "brand.yaml"
    w = WatchProcess(project)
    try:
        for i in range(runs):
            pair = ('primary: "#17476b"', 'primary: "#17476c"')
            old, new = pair if i % 2 == 0 else pair[::-1]
            times["watch: brand change -> 3 leaflets"].append(w.edit(brand, old, new, 3))
    finally:
        w.stop()
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=7, help="rounds (default 7; the bar asks for at least 5)")
    p.add_argument("--skip-watch", action="store_true", help="leave out the two watch-mode figures")
    p.add_argument("--only-watch", action="store_true", help="only the floor and the two watch-mode figures")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="clinicpack-bench-") as tmp:
        project = copy_project(Path(tmp))
        times = command_rounds(project, 0 if args.only_watch else args.runs)
        floors = times.pop("floor") or [timed([PY, "-c", "import reportlab.platypus"]) for _ in range(args.runs)]
        floor = statistics.median(floors)
        if not args.only_watch:
            times.update(in_process(project, args.runs))
        else:
            times = {}
        if not args.skip_watch:
            times.update(watch_rounds(project, args.runs))
    print(f"floor: python -c 'import reportlab.platypus' median {floor * 1000:.0f} ms ({args.runs} rounds)")
    print("| figure | median | x floor | bar | |\n|---|---|---|---|---|")
    for name, values in times.items():
        m = statistics.median(values)
        ratio = m / floor
        ok = "ok" if ratio <= BARS[name] else "OVER"
        print(f"| {name} | {m * 1000:.0f} ms | {ratio:.2f}x | <= {BARS[name]}x | {ok} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
