"""The archive in one SQLite file (the standard library's ``sqlite3``; no server to run).

Why these settings:
- write-ahead logging (``journal_mode=WAL``): the front desk and a command-line batch write at
  once, and readers never wait for writers;
- a 30-second busy timeout and ``BEGIN IMMEDIATE`` for every write: a second writer waits its
  turn instead of failing with "database is locked";
- ``synchronous=NORMAL``: a commit survives the process being killed (the test kills a batch
  with SIGKILL); like the batch's own PDFs, the last commits reach the disk at the batch's
  final ``os.sync``;
- the schema version lives in ``PRAGMA user_version`` and ``MIGRATIONS`` moves a file forward
  one step at a time, inside one transaction, so an old archive opens with a new builder.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .store import PENDING, WRITTEN, ArchivedFile, ArchiveError, PrintRecord, Query, Snapshot

# Each step moves the schema from version n to n + 1. Never edit a released step; add one.
MIGRATIONS: tuple[str, ...] = (
    # 1: content-addressed inputs, snapshots of what each leaflet was built from, print records
    """
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        leaflet_id TEXT NOT NULL,
        language TEXT NOT NULL,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        source_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        leaflet_path TEXT NOT NULL,
        layout TEXT NOT NULL,
        builder_version TEXT NOT NULL,
        builder_digest TEXT NOT NULL,
        files TEXT NOT NULL,
        first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE INDEX snapshots_fingerprint ON snapshots(fingerprint);
    CREATE INDEX snapshots_leaflet ON snapshots(leaflet_id, first_seen);
    CREATE TABLE prints (
        id INTEGER PRIMARY KEY,
        printed_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('leaflet', 'pack')),
        patient_ref TEXT,
        leaflet_id TEXT NOT NULL,
        language TEXT NOT NULL,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        layout TEXT NOT NULL,
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        output_dir TEXT NOT NULL,
        file_name TEXT NOT NULL,
        pdf_sha256 TEXT NOT NULL,
        built_by TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'written'))
    );
    CREATE INDEX prints_time ON prints(printed_at);
    """,
    # 2: reprints point at their original; build options that change the PDF; patient look-up
    """
    ALTER TABLE prints ADD COLUMN reprint_of INTEGER REFERENCES prints(id);
    ALTER TABLE prints ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    CREATE INDEX prints_patient ON prints(patient_ref, printed_at);
    CREATE INDEX prints_leaflet ON prints(leaflet_id, printed_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
BUSY_TIMEOUT_SECONDS = 30.0

_PRINT_COLUMNS = (
    "printed_at, kind, patient_ref, leaflet_id, language, version, fingerprint, layout, snapshot_id, "
    "output_dir, file_name, pdf_sha256, built_by, options, reprint_of, state"
)


def _fail(path: Path, exc: BaseException, doing: str) -> ArchiveError:
    """One clear line for every database problem, naming the file and what to do."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        hint = "the file is damaged: move it aside (keep it for recovery) and a new archive is started"
    elif "locked" in text or "busy" in text:
        hint = "another program held it for too long; try again"
    else:
        hint = "check that the folder exists and is writable, or choose another file with --db PATH"
    return ArchiveError(f"the archive database could not be {doing} ({text}): {hint}", path)


_T = TypeVar("_T")
RETRIES = 5


def _retrying(work: Callable[[], _T]) -> _T:
    """``work``, tried again a few times when SQLite says the file is locked. The busy timeout
    covers most waits, but some (switching a new file to WAL, a snapshot that went stale while a
    read turned into a write) fail at once rather than wait."""
    for attempt in range(RETRIES):
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if attempt == RETRIES - 1 or not ("locked" in str(exc) or "busy" in str(exc)):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


class SqliteStore:
    """``Store`` on one SQLite file. One connection per object: open one per process or thread."""

    def __init__(self, path: Path, migrate_to: int = SCHEMA_VERSION):
        self.path = Path(path)
        self.location = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise _fail(self.path, exc, "opened") from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            _retrying(lambda: self.db.execute("PRAGMA journal_mode = WAL"))
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            _retrying(lambda: self._migrate(migrate_to))
        except (OSError, sqlite3.Error) as exc:
            self.db.close()
            raise _fail(self.path, exc, "opened") from None

    # ------------------------------------------------------------------ schema

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, target: int) -> None:
        if self.schema_version() >= target:
            self._check_not_newer()
            return
        self.db.execute("BEGIN IMMEDIATE")  # one migrator at a time; the others wait, then see it done
        try:
            current = self.schema_version()
            for step in range(current, target):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {step + 1}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._check_not_newer()

    def _check_not_newer(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise ArchiveError(
                f"the archive database has schema version {version}, newer than this builder knows ({SCHEMA_VERSION}): "
                "update clinicpack (a newer version wrote to it)",
                self.path,
            )

    # ------------------------------------------------------------------ helpers

    def _transaction(self, work: Callable[[], _T]) -> _T:
        """``work`` in one write transaction (retried when the file is locked)."""

        def attempt() -> _T:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = work()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            return result

        try:
            return _retrying(attempt)
        except sqlite3.Error as exc:
            raise _fail(self.path, exc, "written") from None

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        return self._transaction(lambda: self.db.execute(sql, params))

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _fail(self.path, exc, "read") from None

    # ------------------------------------------------------------------ blobs and snapshots

    def has_blob(self, sha256: str) -> bool:
        return bool(self._read("SELECT 1 FROM blobs WHERE sha256 = ?", (sha256,)))

    def put_blob(self, sha256: str, data: bytes) -> None:
        self._write("INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)", (sha256, len(data), data))

    def blob(self, sha256: str) -> bytes | None:
        rows = self._read("SELECT data FROM blobs WHERE sha256 = ?", (sha256,))
        return bytes(rows[0][0]) if rows else None

    def put_snapshot(self, s: Snapshot) -> None:
        files = json.dumps([[f.path, f.sha256] for f in s.files])
        self._write(
            "INSERT OR IGNORE INTO snapshots (id, leaflet_id, language, version, fingerprint, source_sha256, leaflet_path, "
            "layout, builder_version, builder_digest, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (s.id, s.leaflet_id, s.language, s.version, s.fingerprint, s.source_sha256, s.leaflet_path, s.layout,
             s.builder_version, s.builder_digest, files),
        )

    _SNAPSHOT = ("SELECT id, leaflet_id, language, version, fingerprint, source_sha256, leaflet_path, layout, builder_version, "
                 "builder_digest, files, first_seen FROM snapshots")

    def snapshot(self, snapshot_id: str) -> Snapshot | None:
        rows = self._read(self._SNAPSHOT + " WHERE id = ?", (snapshot_id,))
        return _snapshot(rows[0]) if rows else None

    def snapshots(self, *, fingerprint: str | None = None, leaflet_id: str | None = None) -> list[Snapshot]:
        where, params = _where({"fingerprint = ?": fingerprint, "leaflet_id = ?": leaflet_id})
        return [_snapshot(r) for r in self._read(self._SNAPSHOT + where + " ORDER BY first_seen, rowid", params)]

    # ------------------------------------------------------------------ print records

    def begin_print(self, r: PrintRecord) -> int:
        cursor = self._write(f"INSERT INTO prints ({_PRINT_COLUMNS}) VALUES ({', '.join('?' * 16)})", _print_values(r, PENDING))
        return int(cursor.lastrowid)

    def confirm_print(self, record_id: int, r: PrintRecord) -> None:
        def confirm() -> None:
            done = self.db.execute("UPDATE prints SET state = ? WHERE id = ?", (WRITTEN, record_id)).rowcount
            if not done:  # a clean-up removed the pending row meanwhile: the file is there, so is the record
                self.db.execute(f"INSERT INTO prints ({_PRINT_COLUMNS}) VALUES ({', '.join('?' * 16)})", _print_values(r, WRITTEN))

        self._transaction(confirm)

    _PRINTS = f"SELECT id, {_PRINT_COLUMNS} FROM prints"

    def prints(self, query: Query, state: str = WRITTEN) -> list[PrintRecord]:
        where, params = _where({
            "state = ?": state, "patient_ref = ?": query.patient_ref, "leaflet_id = ?": query.leaflet_id,
            "printed_at >= ?": query.since,
        })
        limit = f" LIMIT {int(query.limit)}" if query.limit else ""
        return [_record(r) for r in self._read(self._PRINTS + where + " ORDER BY printed_at DESC, id DESC" + limit, params)]

    def print_record(self, record_id: int) -> PrintRecord | None:
        rows = self._read(self._PRINTS + " WHERE id = ?", (record_id,))
        return _record(rows[0]) if rows else None

    def set_state(self, record_id: int, state: str | None) -> None:
        if state is None:
            self._write("DELETE FROM prints WHERE id = ? AND state = ?", (record_id, PENDING))
        else:
            self._write("UPDATE prints SET state = ? WHERE id = ?", (state, record_id))

    def close(self) -> None:
        self.db.close()


def _where(conditions: dict[str, object]) -> tuple[str, tuple]:
    used = {k: v for k, v in conditions.items() if v is not None}
    return (" WHERE " + " AND ".join(used) if used else ""), tuple(used.values())


def _snapshot(row: tuple) -> Snapshot:
    files = tuple(ArchivedFile(path, sha) for path, sha in json.loads(row[10]))
    return Snapshot(*row[:10], files=files, first_seen=row[11])


def _print_values(r: PrintRecord, state: str) -> tuple:
    return (r.printed_at, r.kind, r.patient_ref, r.leaflet_id, r.language, r.version, r.fingerprint, r.layout, r.snapshot_id,
            r.output_dir, r.file_name, r.pdf_sha256, r.built_by, json.dumps(r.options, sort_keys=True), r.reprint_of, state)


def _record(row: tuple) -> PrintRecord:
    (rid, printed_at, kind, ref, leaflet_id, language, version, fp, layout, snapshot_id, out_dir, file_name, sha, by,
     options, reprint_of, state) = row
    return PrintRecord(printed_at, kind, ref, leaflet_id, language, version, fp, layout, snapshot_id, out_dir, file_name, sha, by,
                       json.loads(options or "{}"), reprint_of, rid, state)
