"""Document control: what each patient was given, kept so it can be shown and reprinted years later.

Every leaflet build stores its inputs by content (``inputs.store_snapshot``) and every PDF
built gets a print record (``Recorder``). The storage sits behind ``store.Store``; the shipped
backend is one SQLite file (``sqlite.SqliteStore``). ``open_store`` is the one place that picks
the backend, so pointing a clinic group at PostgreSQL is a new ``Store`` class plus a branch here.

Recording never stops a clinic from printing: when the database cannot be written the build
goes on and says so, unless the caller asked for ``required`` records (``--require-record``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from ..brand import Brand
from ..codecache import dataclass
from ..layout import Layout
from ..leaflet import Leaflet
from ..project import Project
from .inputs import materialise, store_snapshot
from .store import PENDING, WRITTEN, ArchiveError, PrintRecord, Query, Snapshot, Store

__all__ = [
    "DEFAULT_DB", "PENDING", "WRITTEN", "ArchiveError", "PrintRecord", "Query", "Recorder", "Snapshot", "Store",
    "database_path", "materialise", "open_store", "os_user", "resolve_pending", "store_snapshot",
]

DEFAULT_DB = "records/archive.sqlite3"  # inside the project folder; `make clean` leaves it alone
SETTING_KEYS = {"database"}
PENDING_GRACE = dt.timedelta(hours=1)  # a pending record this old, with no file, was a killed build


def open_store(path: Path) -> Store:
    """The storage backend. Today one SQLite file; a ``postgresql://`` URL would choose a
    PostgreSQL backend here (README, "Document control")."""
    if str(path).startswith(("postgres:", "postgresql:")):  # Path() folds the // of a URL
        raise ArchiveError("PostgreSQL archives are not built in yet (README, \"Document control\"); give a file path")
    from .sqlite import SqliteStore

    return SqliteStore(Path(path))


def database_path(project: Project, brand: Brand | None = None, override: Path | None = None) -> Path:
    """``--db PATH``, else the brand file's ``archive: database:``, else ``records/archive.sqlite3``
    in the project folder. A relative path in the brand file is relative to the project folder."""
    if override is not None:
        return Path(override)
    section = (brand.extra.get("archive") if brand is not None else None) or {}
    if brand is not None and section:
        from ..yamlfile import as_text, check_keys

        section = check_keys(brand.doc, section, ("archive",), SETTING_KEYS, set(), '"archive"')
        if "database" in section:
            value = Path(as_text(brand.doc, ("archive", "database"), section["database"], "archive.database")).expanduser()
            return value if value.is_absolute() else project.root / value
    return project.root / DEFAULT_DB


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Recorder:
    """Print records for one build, in one process (a worker opens its own connection).

    ``begin`` saves a record as pending before the PDF is renamed into place and ``confirm``
    marks it written right after, so a build killed at any instant leaves records that match
    the files: a pending record whose file exists with the recorded SHA-256 is resolved as
    written by the next ``history``; one without its file is not shown, and is removed later.
    """

    db: Path
    required: bool = False
    built_by: str = field(default_factory=os_user)
    warn: Callable[[str], None] = lambda text: None
    _store: Store | None = field(default=None, repr=False)
    _pid: int = field(default=0, repr=False)
    failed: str = ""

    def __getstate__(self) -> dict:  # sent to worker processes without the connection
        return {**self.__dict__, "_store": None, "_pid": 0}

    def store(self) -> Store | None:
        if self.failed:
            return None
        if self._store is None or self._pid != os.getpid():
            try:
                self._store, self._pid = open_store(self.db), os.getpid()
            except ArchiveError as exc:
                self._fail(exc)
                return None
        return self._store

    def _fail(self, exc: ArchiveError) -> None:
        if self.required:
            raise exc
        if not self.failed:
            self.failed = exc.report("warning")
            self.warn(f"{self.failed}; the PDFs are built, but the print record could not be written "
                      "(--require-record makes this an error)")

    def snapshot(self, project: Project, brand: Brand, layout: Layout, leaflet: Leaflet, layout_name: str) -> Snapshot | None:
        store = self.store()
        if store is None:
            return None
        try:
            return store_snapshot(store, project, brand, layout, leaflet, layout_name)
        except ArchiveError as exc:
            self._fail(exc)
            return None

    def begin(self, snapshot: Snapshot | None, kind: str, patient_ref: str | None, output_dir: Path | str, file_name: str,
              pdf: bytes, options: dict | None = None, reprint_of: int | None = None) -> tuple[int, PrintRecord] | None:
        store = self.store()
        if store is None or snapshot is None:
            return None
        record = PrintRecord(
            printed_at=now(), kind=kind, patient_ref=patient_ref, leaflet_id=snapshot.leaflet_id, language=snapshot.language,
            version=snapshot.version, fingerprint=snapshot.fingerprint, layout=snapshot.layout, snapshot_id=snapshot.id,
            output_dir=str(output_dir.resolve()) if isinstance(output_dir, Path) else output_dir, file_name=file_name, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            built_by=self.built_by, options=dict(options or {}), reprint_of=reprint_of,
        )
        try:
            return store.begin_print(record), record
        except ArchiveError as exc:
            self._fail(exc)
            return None

    def confirm(self, pending: tuple[int, PrintRecord] | None) -> int | None:
        store = self.store()
        if pending is None or store is None:
            return None
        try:
            store.confirm_print(*pending)
            return pending[0]
        except ArchiveError as exc:
            self._fail(exc)
            return None

    def source_of(self, leaflet_id: str, version: str) -> str | None:
        """The newest archived Markdown of that leaflet version (None when not archived).
        Reading never creates the database."""
        if not Path(self.db).exists() or self.store() is None:
            return None
        try:
            found = [s for s in self._store.snapshots(leaflet_id=leaflet_id) if s.version == version]
            data = self._store.blob(found[-1].source_sha256) if found else None
        except ArchiveError as exc:
            self._fail(exc)
            return None
        return data.decode("utf-8", "replace") if data is not None else None

    def close(self) -> None:
        if self._store is not None and self._pid == os.getpid():
            self._store.close()
        self._store = None


def resolve_pending(store: Store, clock: dt.datetime | None = None) -> None:
    """Settle records left pending by a build that was killed: written if the file is there
    with the recorded bytes, removed when the file never appeared (after ``PENDING_GRACE``,
    since another build may be writing it right now)."""
    clock = clock or dt.datetime.now(dt.UTC)
    for record in store.prints(Query(), state=PENDING):
        path = Path(record.output_dir) / record.file_name
        try:
            same = path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == record.pdf_sha256
        except OSError:
            same = False
        if same:
            store.set_state(record.id, WRITTEN)
        elif clock - _parse_time(record.printed_at) > PENDING_GRACE:
            store.set_state(record.id, None)


def _parse_time(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
