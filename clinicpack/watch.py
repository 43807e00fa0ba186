"""Watch mode: rebuild (and re-preview) whenever a leaflet, layout, brand file or asset changes.

The file system tells us about a save (``watchdog``: inotify on Linux, FSEvents on macOS,
ReadDirectoryChangesW on Windows), so a rebuild starts within milliseconds instead of up to
a poll interval later. What changed is still decided by a scan of file times and sizes (a
project's few dozen files take well under a millisecond), and the scan also runs four times a
second without any event, so a folder that sends no events (some network shares) or a system
where watchdog cannot start is still watched, by polling. With incremental builds only the
changed outputs are re-rendered. Errors are printed and the watch goes on: the designer fixes
the file and saves again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import BuildError, BuildErrors
from .project import Project

Snapshot = dict[str, tuple[int, int]]
POLL_SECONDS = 0.25
SETTLE_SECONDS = 0.01  # an editor's save can be several writes and a rename: wait for a quiet moment
SETTLE_LIMIT = 0.2  # ...but never longer than this after the first event
IGNORED_EVENTS = frozenset({"opened", "closed_no_write"})  # reads (the build's own) change nothing


def watched_files(project: Project, extra: Iterable[Path] = ()) -> list[Path]:
    """Every input a build can read: leaflets, layouts, and everything under assets/."""
    files: list[Path] = []
    for folder, pattern in ((project.leaflets, "*.md"), (project.layouts, "*.y*ml"), (project.assets, "**/*")):
        if folder.is_dir():
            files.extend(p for p in folder.glob(pattern) if p.is_file())
    files.extend(p for p in extra if p.is_file())
    return sorted(set(files))


def watched_folders(project: Project, extra: Iterable[Path] = ()) -> list[tuple[Path, bool]]:
    """(folder, recursive) pairs to ask the file system about: the same files ``watched_files``
    lists (files named outside the project are watched through their folder)."""
    folders = [(project.leaflets, False), (project.layouts, False), (project.assets, True)]
    folders += [(p.resolve().parent, False) for p in extra if p.is_file()]
    seen: set[Path] = set()
    out = []
    for folder, recursive in folders:
        if folder.is_dir() and folder.resolve() not in seen:
            seen.add(folder.resolve())
            out.append((folder, recursive))
    return out


class Notifier:
    """Wakes the watch loop as soon as a watched folder reports a change.

    ``wait`` is the loop's ``sleep``: it returns after ``seconds`` like ``time.sleep``, or as
    soon as the file system reports a write, a new, deleted or renamed file (True then).
    Without watchdog, or when it cannot start (e.g. the inotify watch limit), it just sleeps.
    """

    def __init__(self, folders: Iterable[tuple[Path, bool]]):
        self.event = threading.Event()
        self.observer: Any = None
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - watchdog is a dependency; polling still works
            return
        event = self.event

        class Handler(FileSystemEventHandler):
            def on_any_event(self, e: Any) -> None:
                if e.event_type not in IGNORED_EVENTS:
                    event.set()

        try:
            observer = Observer()
            for folder, recursive in folders:
                observer.schedule(Handler(), str(folder), recursive=recursive)
            observer.daemon = True
            observer.start()
        except OSError:  # no more inotify watches, an unsupported file system...: poll
            return
        self.observer = observer

    @property
    def active(self) -> bool:
        return self.observer is not None

    def wait(self, seconds: float) -> bool:
        if not self.event.wait(seconds):
            return False
        deadline = time.monotonic() + SETTLE_LIMIT
        self.event.clear()
        while time.monotonic() < deadline and self.event.wait(SETTLE_SECONDS):
            self.event.clear()
        return True

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(1)
            self.observer = None


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
    """Build, then wait for a change and rebuild, until interrupted (Ctrl-C) or ``steps``
    waits have passed (for tests). ``sleep`` is ``time.sleep`` (polling) or ``Notifier.wait``."""
    watcher = Watcher(scan, rebuild, report)
    watcher.run_build()
    report("watching for changes (Ctrl-C to stop)")
    done = 0
    while steps is None or done < steps:
        sleep(interval)
        watcher.step()
        done += 1
