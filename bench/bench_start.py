#!/usr/bin/env python3
"""Benchmark: how fast single builds start, as ratios to ``python -c "import reportlab.platypus"``.

The floor (importing ReportLab's layout engine) is timed in the same rounds as every command,
so the ratios hold on a busy or a quiet machine alike. CPU time (user + system) is shown too:
on a machine shared with other work it is the steadier of the two (the watch figures are
latencies and have wall time only). Each round runs every command once, in
turn; the table shows medians. Run it from the project folder:

    .venv/bin/python bench/bench_start.py            # 7 rounds
    .venv/bin/python bench/bench_start.py --runs 11 --skip-watch

It works on a copy of leaflets/, layouts/ and assets/ in a temporary folder (the edits the watch
figures make never touch the project). Figures (the bar from issue 11 in brackets):

- up to date: a build with nothing to render (<= 0.8x)
- --check (<= 1.5x); English leaflet, --force, cold (<= 2.2x); Urdu leaflet, --force, cold (<= 3.5x)
- in-process re-render (the API the front desk uses, ``render_leaflet`` on a loaded project):
  English (<= 0.4x), Urdu (<= 1.5x); and, without a bar, a whole rebuild as watch mode runs it
- watch: an English leaflet saved -> new PDF on disk (<= 0.8x); brand colour changed -> all
  three shipped leaflets rewritten (<= 3x)
"""

from __future__ import annotations

import argparse
import resource
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
BARS: dict[str, float | None] = {
    "up to date (nothing to render)": 0.8, "--check": 1.5, "English leaflet, cold --force": 2.2,
    "Urdu leaflet, cold --force": 3.5, "in-process re-render, English": 0.4, "in-process re-render, Urdu": 1.5,
    "watch: English leaflet saved -> new PDF": 0.8, "watch: brand change -> 3 leaflets": 3.0,
    "in-process rebuild (load, check, render, write), English": None, "in-process rebuild (load, check, render, write), Urdu": None,
}


def copy_project(where: Path) -> Path:
    for name in ("leaflets", "layouts", "assets"):
        shutil.copytree(ROOT / name, where / name)
    (where / "output").mkdir()
    return where


def cli(project: Path, *args: str) -> list[str]:
    return [PY, str(ROOT / "build_pack.py"), "--project", str(project), "--out", str(project / "output"), "-q", *args]


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system) of each run, beside the wall times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], name: str = "") -> float:
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    CPU.setdefault(name, []).append(_children_cpu() - c0)
    return wall


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
            times[name].append(timed(command, name))
    return times


def in_process(project: Path, runs: int) -> dict[str, list[float]]:
    """In a process that has rendered before (the front desk, watch mode): the API's
    ``render_leaflet`` on a loaded project (bytes, nothing written), and a whole rebuild
    (load, quality checks, render, write) as watch mode runs it."""
    import clinicpack as cp
    from clinicpack.build import BuildRequest, build
    from clinicpack.project import Project

    loaded = cp.load(project)
    times: dict[str, list[float]] = {}

    def measure(label: str, work: Callable[[], object]) -> None:
        work()
        times[label] = []
        for _ in range(runs):
            c0, t0 = time.process_time(), time.perf_counter()
            work()
            times[label].append(time.perf_counter() - t0)
            CPU.setdefault(label, []).append(time.process_time() - c0)

    for language, leaflet_id, target in (("English", "prp-hair-loss", ENGLISH), ("Urdu", "exosome-hair-loss-ur", URDU)):
        measure(f"in-process re-render, {language}", lambda i=leaflet_id: cp.render_leaflet(loaded, i))
    for language, target in (("English", ENGLISH), ("Urdu", URDU)):
        request = BuildRequest(project=Project(project), targets=(target,), out=project / "output", force=True)
        measure(f"in-process rebuild (load, check, render, write), {language}", lambda r=request: build(r))
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
    leaflet, brand = project / "leaflets" / f"{ENGLISH}.md", project / "assets" / "brand.yaml"
    return {
        "watch: English leaflet saved -> new PDF": saves(
            WatchProcess(project, ENGLISH), leaflet, ("tiny parts of your blood", "tiny bits of your blood"), 1, runs),
        "watch: brand change -> 3 leaflets": saves(
            WatchProcess(project), brand, ('primary: "#17476b"', 'primary: "#17476c"'), 3, runs),
    }


def saves(w: WatchProcess, path: Path, pair: tuple[str, str], outputs: int, runs: int) -> list[float]:
    """Save ``path`` ``runs`` times, swapping the two texts of ``pair`` each time; the seconds
    until the watcher wrote ``outputs`` PDFs after each save."""
    try:
        return [w.edit(path, *(pair if i % 2 == 0 else pair[::-1]), outputs) for i in range(runs)]
    finally:
        w.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=7, help="rounds (default 7; the bar asks for at least 5)")
    p.add_argument("--skip-watch", action="store_true", help="leave out the two watch-mode figures")
    p.add_argument("--only-watch", action="store_true", help="only the floor and the two watch-mode figures")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="clinicpack-bench-") as tmp:
        project = copy_project(Path(tmp))
        times = command_rounds(project, 0 if args.only_watch else args.runs)
        floors = times.pop("floor") or [timed([PY, "-c", "import reportlab.platypus"], "floor") for _ in range(args.runs)]
        floor = statistics.median(floors)
        if not args.only_watch:
            times.update(in_process(project, args.runs))
        else:
            times = {}
        if not args.skip_watch:
            times.update(watch_rounds(project, args.runs))
    cpu_floor = statistics.median(CPU["floor"])
    print(f"floor: python -c 'import reportlab.platypus' median {floor * 1000:.0f} ms wall, {cpu_floor * 1000:.0f} ms CPU "
          f"({args.runs} rounds)")
    print("| figure | wall | x floor | CPU | x floor (CPU) | bar |\n|---|---|---|---|---|---|")
    for name, values in times.items():
        m = statistics.median(values)
        cpu = f"{statistics.median(CPU[name]) * 1000:.0f} ms | {statistics.median(CPU[name]) / cpu_floor:.2f}x" if name in CPU else "- | -"
        bar = BARS[name]
        verdict = "-" if bar is None else f"<= {bar}x ({'ok' if m / floor <= bar else 'over'})"
        print(f"| {name} | {m * 1000:.0f} ms | {m / floor:.2f}x | {cpu} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
