"""What the archive keeps, and the small interface every storage backend implements.

The archive code above this module (recording, history, reprint, diff, the quality gate's
stale-translation check) only ever calls the methods of ``Store``. The shipped backend is
``SqliteStore`` (one file, the standard library's ``sqlite3``); a clinic group that wants every
site on one PostgreSQL server writes a ``PostgresStore`` with these same methods and picks it in
``open_store`` (README, "Document control"). Nothing here knows SQL.

Privacy: a record carries the patient's opaque reference only. No method takes a name, a date
of birth or a record number, so no backend can store them.
"""

from __future__ import annotations

from dataclasses import field
from typing import Protocol

from ..codecache import dataclass
from ..errors import BuildError

PENDING, WRITTEN = "pending", "written"


class ArchiveError(BuildError):
    """The archive database cannot be read or written (missing folder, corrupt file, locked)."""


@dataclass(frozen=True)
class ArchivedFile:
    """One input of a build: where it sits in a project folder, and its content's SHA-256.

    ``path`` is relative to the project folder (``leaflets/x.md``, ``assets/logo.svg``), or
    ``package:<module>/<file>`` for a file that came from an installed package (fonts), which a
    reprint takes from the installed package again."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one leaflet was built from: its text, brand, layout, labels, images, fonts and
    the builder. Its id is the SHA-256 of all that, so the same inputs are stored once."""

    id: str
    leaflet_id: str
    language: str
    version: str
    fingerprint: str  # the leaflet's content fingerprint, as printed on the consent form
    source_sha256: str  # the leaflet file's bytes (in the blobs)
    leaflet_path: str  # which of ``files`` is the leaflet
    layout: str  # layout name as given to the build
    builder_version: str  # clinicpack version
    builder_digest: str  # hash of the builder's source and drawing libraries (manifest.builder_digest)
    files: tuple[ArchivedFile, ...]
    first_seen: str = ""  # ISO time, set by the store


@dataclass(frozen=True)
class PrintRecord:
    """One PDF built: a leaflet (``kind="leaflet"``) or a consent pack (``kind="pack"``)."""

    printed_at: str  # ISO 8601, UTC
    kind: str
    patient_ref: str | None  # opaque reference; None for a leaflet or a blank pack
    leaflet_id: str
    language: str
    version: str
    fingerprint: str
    layout: str
    snapshot_id: str
    output_dir: str
    file_name: str  # relative to output_dir
    pdf_sha256: str
    built_by: str  # front-desk user, or the operating-system user for the command line
    options: dict = field(default_factory=dict)  # build options that change the PDF (print_ready, ...)
    reprint_of: int | None = None  # the record this one reprints
    id: int | None = None
    state: str = WRITTEN


@dataclass(frozen=True)
class Query:
    """Which print records to list (the history command and the front desk's search)."""
    patient_ref: str | None = None
    leaflet_id: str | None = None
    since: str | None = None  # ISO date or time: records at or after it
    limit: int | None = None


class Store(Protocol):
    """The storage interface. Every method is one transaction; all raise ``ArchiveError``."""

    location: str

    def has_blob(self, sha256: str) -> bool: ...

    def put_blob(self, sha256: str, data: bytes) -> None:
        """Store content under its SHA-256 (no-op when it is already there)."""

    def blob(self, sha256: str) -> bytes | None: ...

    def put_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot (no-op when one with the same id exists)."""

    def snapshot(self, snapshot_id: str) -> Snapshot | None: ...

    def snapshots(self, *, fingerprint: str | None = None, leaflet_id: str | None = None) -> list[Snapshot]:
        """Oldest first."""

    def begin_print(self, record: PrintRecord) -> int:
        """Save a record as pending (before its file is renamed into place); returns its id."""

    def confirm_print(self, record_id: int, record: PrintRecord) -> None:
        """Mark a pending record written (re-inserting it if a clean-up removed it meanwhile)."""

    def prints(self, query: Query, state: str = WRITTEN) -> list[PrintRecord]:
        """Newest first."""

    def print_record(self, record_id: int) -> PrintRecord | None: ...

    def set_state(self, record_id: int, state: str | None) -> None:
        """Resolve a pending record: ``WRITTEN``, or ``None`` to delete it."""

    def close(self) -> None: ...
