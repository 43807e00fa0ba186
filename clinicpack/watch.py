"""Watch mode: rebuild (and re-preview) whenever a leaflet, layout, brand file or asset changes.

Polling file times needs no extra dependency and behaves the same on every system and on
network folders. A scan of a project's few dozen files takes well under a millisecond, so we
poll four times a second; with incremental builds only the changed outputs are re-rendered.
Errors are printed and the watch goes on: the designer fixes the file and saves again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import BuildError, BuildErrors
from .project import Project

Snapshot = dict[str, tuple[int, int]]
POLL_SECONDS = 0.25


def watched_files(project: Project, extra: Iterable[Path] = ()) -> list[Path]:
    """Every input a build can read: leaflets, layouts, and everything under assets/."""
    files: list[Path] = []
    for folder, pattern in ((project.leaflets, "*.md"), (project.layouts, "*.y*ml"), (project.assets, "**/*")):
        if folder.is_dir():
            files.extend(p for p in folder.glob(pattern) if p.is_file())
    files.extend(p for p in extra if p.is_file())
    return sorted(set(files))


def snapshot(files: Iterable[Path]) -> Snapshot:
    state: Snapshot = {}
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue  # deleted between listing and stat: the next scan sees it gone
        state[str(path)] = (st.st_mtime_ns, st.st_size)
    return state


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class Watcher:
    """One poll step at a time, so tests can drive it without sleeping."""

    def __init__(self, scan: Callable[[], Snapshot], rebuild: Callable[[], None], report: Callable[[str], None]):
        self.scan, self.rebuild, self.report = scan, rebuild, report
        self.state = scan()

    def run_build(self) -> bool:
        """Build once; print errors instead of stopping. Returns True when the build succeeded."""
        try:
            self.rebuild()
            return True
        except BuildErrors as exc:
            for error in exc.errors:
                self.report(error.report("error"))
            self.report(f"{len(exc.errors)} error(s); nothing was written. Fix and save; still watching.")
        except BuildError as exc:
            self.report(exc.report("error"))
            self.report("nothing was written. Fix and save; still watching.")
        return False

    def step(self) -> list[str]:
        """Scan once; if anything changed, rebuild. Returns the changed files."""
        new = self.scan()
        diff = changed(self.state, new)
        if diff:
            self.state = new
            names = ", ".join(Path(d).name for d in diff[:3]) + (f" and {len(diff) - 3} more" if len(diff) > 3 else "")
            self.report(f"changed: {names}")
            self.run_build()
        return diff


def watch(
    scan: Callable[[], Snapshot],
    rebuild: Callable[[], None],
    report: Callable[[str], None],
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    steps: int | None = None,
) -> None:
    """Build, then poll until interrupted (Ctrl-C) or ``steps`` polls have run (for tests)."""
    watcher = Watcher(scan, rebuild, report)
    watcher.run_build()
    report("watching for changes (Ctrl-C to stop)")
    done = 0
    while steps is None or done < steps:
        sleep(interval)
        watcher.step()
        done += 1
