"""The front desk's warm state: the loaded project per layout, one laid-out pack template per
(leaflet, layout) and the leaflet PDFs, kept until a file the build reads changes on disk.

Why: laying out a consent pack takes about a second, stamping a patient onto the finished
template a few milliseconds. Keeping templates warm makes a personalised pack cost only the
stamp. Staleness is checked on every request by listing the modification times of the
project's inputs (leaflets, layouts, brand, labels, fonts: a few dozen files, well under a
millisecond), so there is no watcher thread to start or stop, and an edited leaflet is what
the very next pack is printed from.

Thread safety: uvicorn runs the page handlers in a thread pool, so several staff may ask
for the same cold template at once. One lock per cache key makes the first request build it
and the others wait for that result instead of laying it out again; ``template.stamp`` is
thread-safe (public API contract).

Requests name leaflets and layouts by id; those ids are only ever looked up in what the
project has (``Unknown`` otherwise), never joined into a path.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clinicpack as cp

Snapshot = tuple[tuple[str, int, int], ...]
# what the build reads: leaflets/*.md, layouts/*.yaml, everything under assets/
WATCHED = (("leaflets", (".md",)), ("layouts", (".yaml", ".yml")), ("assets", None))


class Unknown(LookupError):
    """A leaflet id or layout name the project does not have (the page answers 404)."""

    def __init__(self, what: str, value: str):
        super().__init__(f"{what} not found")
        self.what = what
        self.value = value


def snapshot(root: Path) -> Snapshot:
    """(path, mtime_ns, size) of every input, sorted: equal snapshots mean nothing changed."""
    out: list[tuple[str, int, int]] = []
    for folder, suffixes in WATCHED:
        stack = [os.path.join(root, folder)]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                continue  # a missing folder is reported by cp.load, not here
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and suffixes is None:
                    stack.append(entry.path)
                elif entry.is_file() and (suffixes is None or entry.name.endswith(suffixes)):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    out.append((entry.path, st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


class Desk:
    """Warm, thread-safe access to one project folder for every request."""

    def __init__(self, root: Path, today: dt.date | None = None):
        self.root = Path(root).resolve()
        self.today = today
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._cache: dict[Any, Any] = {}
        self._key_locks: dict[Any, threading.Lock] = {}
        self.builds = 0  # how many times something was laid out or loaded (tests, benchmark)
        self.archive: Any = None  # clinicpack.web.history.DeskArchive: records every pack and leaflet sent (set by create_app)

    # ------------------------------------------------------------ freshness
    def _generation(self) -> tuple[dict, dict]:
        """The current cache (emptied when any input changed) and its key locks."""
        snap = snapshot(self.root)
        with self._lock:
            if snap != self._snap:
                self._snap, self._cache, self._key_locks = snap, {}, {}
            return self._cache, self._key_locks

    def _cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()`` once per key and input snapshot; errors are cached too (a broken
        leaflet stays broken until its file changes, and is not re-read on every request)."""
        cache, locks = self._generation()
        with self._lock:
            if key in cache:
                return _unwrap(cache[key])
            lock = locks.setdefault(key, threading.Lock())
        with lock:
            if key not in cache:
                try:
                    cache[key] = (True, make())
                except cp.UserError as exc:
                    cache[key] = (False, exc)
                except cp.UserErrors as exc:
                    cache[key] = (False, exc)
                self.builds += 1
            return _unwrap(cache[key])

    # ------------------------------------------------------------ what the pages use
    def loaded(self, layout: str = "default", consent: bool = False) -> cp.Loaded:
        """The project loaded with a layout it has (``cp.UserErrors`` for a broken project,
        ``Unknown`` for a layout name it does not have). ``consent``: checked as for a
        consent pack, where an overdue leaflet is an error, never a warning."""
        if layout != "default" and layout not in self.layouts():
            raise Unknown("layout", layout)
        source = self.archive.source_of if self.archive is not None else None  # names a stale translation's changes
        return self._cached(("loaded", layout, consent),
                            lambda: cp.load(self.root, layout, today=self.today, consent=consent, archived_source=source))

    def layouts(self) -> list[str]:
        """Layout names the project offers, "default" first."""
        names = self._cached(("layouts",), lambda: tuple(cp.layout_names(self.loaded("default").project)))
        return ["default", *[n for n in names if n != "default"]] if "default" in names else list(names)

    def leaflet(self, leaflet_id: str, layout: str = "default", consent: bool = False) -> Any:
        loaded = self.loaded(layout, consent)
        for leaflet in loaded.leaflets:
            if leaflet.id == leaflet_id:
                return leaflet
        raise Unknown("leaflet", leaflet_id)

    def template(self, leaflet_id: str, layout: str) -> Any:
        """The warm pack template (laid out on first use after any input changed). A leaflet
        with quality errors (its own, or the brand's or layout's) prints no pack."""
        leaflet = self.leaflet(leaflet_id, layout, consent=True)  # Unknown before anything is built

        def make() -> Any:
            loaded = self.loaded(layout, consent=True)
            _refuse_blocked(loaded, leaflet)
            return cp.pack_template(loaded, leaflet)

        return self._cached(("pack", leaflet_id, layout), make)

    def leaflet_pdf(self, leaflet_id: str, layout: str, file_name: str) -> bytes:
        """The leaflet's PDF for a browser (warm until an input changes), recorded in the
        archive, when there is one, with the very project it was made from."""
        leaflet = self.leaflet(leaflet_id, layout)

        def make() -> tuple[cp.Loaded, bytes]:
            loaded = self.loaded(layout)
            _refuse_blocked(loaded, leaflet)
            return loaded, cp.render_leaflet(loaded, leaflet)

        loaded, pdf = self._cached(("leaflet", leaflet_id, layout), make)
        if self.archive is not None:
            self.archive.record_leaflet(loaded, leaflet, layout, file_name, pdf)
        return pdf

    def font_file(self, language: str, face: str) -> Path:
        """The brand's font file for a language (e.g. the Urdu Nastaliq), so titles show in
        the clinic's own typeface on a PC that lacks it. Looked up, never built from the URL."""
        brand = self.loaded().brand
        lang = brand.languages.get(language)
        family = brand.fonts.get(lang.font) if lang is not None and lang.font else None
        if family is None or face not in family.faces:
            raise Unknown("font", language)
        return family.faces[face]

    def warm(self, layout: str = "default") -> None:
        """Lay out every leaflet's pack in advance (run in a background thread at start-up),
        so the first patient of the day does not wait. Errors are left for the pages to show."""
        try:
            for leaflet in self.loaded(layout).leaflets:
                try:
                    self.template(leaflet.id, layout)
                except (cp.UserError, cp.UserErrors):
                    pass
        except (cp.UserError, cp.UserErrors):
            pass


def _refuse_blocked(loaded: cp.Loaded, leaflet: Any) -> None:
    """The command line refuses to print past quality errors; so does the front desk."""
    errors = loaded.blocking_errors(leaflet)
    if errors:
        first = next(f for f in loaded.quality.findings if f.severity == "error"
                     and str(f.file) not in {str(o.path) for o in loaded.leaflets if o.path != leaflet.path})
        raise cp.UserError(f"{errors} quality error(s) stop this leaflet from printing; the first: {first.report()}")


def _unwrap(entry: tuple[bool, Any]) -> Any:
    ok, value = entry
    if ok:
        return value
    raise value.with_traceback(None)  # the same instance is raised again later: keep no stale frames
