"""The front desk's side of document control (clinicpack.archive): every pack it prints and
every leaflet it sends is recorded, and the History page lists records and reprints them, with
the same functions as ``build_pack.py history`` and ``build_pack.py reprint``.

A PDF printed here is sent to the browser, not saved, so its record names the file the
browser received and "front desk" as the folder; ``built_by`` is "front desk". Recording
never stops a pack from printing: a database that cannot be written is logged (without
patient details) and the pack is still sent.
"""

from __future__ import annotations

import logging
import threading
import weakref
from pathlib import Path
from typing import Any

import clinicpack as cp

from .. import archive
from ..archive import Query, Recorder, open_store, resolve_pending
from ..archive.reprint import rebuild, targets
from ..archive.store import ArchiveError
from ..project import Project

log = logging.getLogger("clinicpack.web")
DESK_FOLDER = "front desk"  # output_dir of a record whose PDF went to the browser
BUILT_BY = "front desk"
PAGE_SIZE = 200


class DeskArchive:
    """One recorder for the whole server; a lock keeps its single connection to one
    transaction at a time (page handlers run in a thread pool)."""

    def __init__(self, db: Path):
        self.db = Path(db)
        self._lock = threading.Lock()
        self.recorder = Recorder(self.db, built_by=BUILT_BY, warn=lambda text: log.warning("archive: %s", text))
        # the archived inputs of each warm template or loaded project, stored once: either is made
        # again (a new object) whenever one of its files changes, so its snapshot stays true while
        # it lives (keyed by identity: a loaded project is not hashable; dropped when it goes)
        self._snapshots: dict[int, dict[tuple[str, str], Any]] = {}

    @classmethod
    def for_project(cls, root: Path, db: Path | None = None) -> DeskArchive:
        try:
            brand = cp.load(root, check=False).brand
        except (cp.UserError, cp.UserErrors):
            brand = None  # the pages show what is wrong with the project
        return cls(archive.database_path(Project(Path(root)), brand, db))

    def record(self, template: Any, layout: str, packs: list[tuple[cp.Stamped, str | None]]) -> None:
        """Record packs stamped from one template as printed: (pack, patient reference or None)."""
        with self._lock:
            snapshot = self._snapshot(template, template.loaded, template.leaflet, layout)
            for pack, ref in packs:
                self.recorder.confirm(self.recorder.begin(snapshot, "pack", ref, DESK_FOLDER, pack.file_name, pack.pdf))

    def record_leaflet(self, loaded: cp.Loaded, leaflet: Any, layout: str, file_name: str, pdf: bytes) -> None:
        """Record a leaflet the Leaflets page sent to a browser, as the command line records one
        it writes: its inputs archived, a print record with no patient and the options that
        made the PDF, so ``reprint`` makes it again."""
        from ..build import record_options

        with self._lock:
            snapshot = self._snapshot(loaded, loaded, leaflet, layout)
            pending = self.recorder.begin(snapshot, "leaflet", None, DESK_FOLDER, file_name, pdf, record_options(loaded, leaflet))
            self.recorder.confirm(pending)

    def _snapshot(self, owner: Any, loaded: cp.Loaded, leaflet: Any, layout: str) -> Any:
        """The archived inputs of ``leaflet`` as ``owner`` (a warm template or loaded project)
        was made from them, stored once while ``owner`` lives."""
        known = self._snapshots.get(id(owner))
        if known is None:
            known = self._snapshots[id(owner)] = {}
            weakref.finalize(owner, self._snapshots.pop, id(owner), None)
        snapshot = known.get((leaflet.id, layout))
        if snapshot is None:
            snapshot = self.recorder.snapshot(loaded.project, loaded.brand, loaded.layout, leaflet, layout)
            if snapshot is not None:
                known[(leaflet.id, layout)] = snapshot
        return snapshot

    def source_of(self, leaflet_id: str, version: str) -> str | None:
        """An archived leaflet text, for the quality gate's stale-translation check (``cp.load``)."""
        with self._lock:
            return self.recorder.source_of(leaflet_id, version)

    def records(self, patient: str, leaflet: str) -> list[Any]:
        if not self.db.exists():
            return []
        store = open_store(self.db)
        try:
            resolve_pending(store)
            return store.prints(Query(patient or None, leaflet or None, limit=PAGE_SIZE))
        finally:
            store.close()

    def record_by_id(self, number: int) -> Any:
        store = open_store(self.db)
        try:
            found = store.print_record(number)
            if found is None or found.state != "written":
                raise ArchiveError(f"There is no print record {number}.")
            return found
        finally:
            store.close()

    def reprint(self, number: int, patient: Any) -> cp.Stamped:
        """The record's PDF rebuilt from the archive, marked as a reprint, and recorded."""
        store = open_store(self.db)
        try:
            target = targets(store, str(number), [patient] if patient is not None else [])[0]
            rebuilt = rebuild(store, target, None, marked=True)
        finally:
            store.close()
        name = Path(target.original.file_name).name if target.original else f"{target.snapshot.leaflet_id}.pdf"
        with self._lock:
            ref = target.patient.ref if target.patient else None
            pending = self.recorder.begin(target.snapshot, target.kind, ref, DESK_FOLDER, f"reprint-{name}", rebuilt.pdf,
                                          target.original.options if target.original else {}, number)
            self.recorder.confirm(pending)
        return cp.Stamped(rebuilt.pdf, f"reprint-{name}", "")


# ---------------------------------------------------------------- pages
def history_page(desk: Any, search: dict[str, str]) -> dict:
    """Records newest first, searched by patient reference or leaflet id."""
    errors: dict[str, str] = {}
    rows: list[dict] = []
    try:
        records = desk.archive.records(search["patient"].strip(), search["leaflet"].strip())
    except ArchiveError as exc:
        errors["archive"] = f"The print records cannot be read: {exc.message}"
        records = []
    for r in records:
        rows.append({
            "id": r.id, "when": r.printed_at[:16].replace("T", " "), "kind": "Reprint" if r.reprint_of else
            ("Consent pack" if r.kind == "pack" else "Leaflet"), "ref": r.patient_ref or "", "leaflet": r.leaflet_id,
            "language": r.language, "version": r.version, "fingerprint": r.fingerprint, "by": r.built_by,
            "needs_details": r.kind == "pack" and bool(r.patient_ref),
        })
    return {"search": search, "rows": rows, "errors": errors, "limit": PAGE_SIZE, "db": str(desk.archive.db)}


def reprint_page(desk: Any, number: str, values: dict[str, str], errors: dict[str, str]) -> dict | None:
    """The details form for reprinting a patient's pack (the record keeps only the reference)."""
    try:
        record = desk.archive.record_by_id(int(number)) if number.isdigit() else None
    except ArchiveError:
        record = None
    if record is None:
        return None
    fields = [{"key": f.key, "label": f.label, "value": values.get(f.key, ""), "required": f.key == "name"}
              for f in cp.FIELDS if f.key != "patient_ref"]
    return {"record": record, "fields": fields, "errors": errors, "first_error": next(iter(errors), None)}


def reprint(desk: Any, number: str, values: dict[str, str]) -> cp.Stamped | dict[str, str]:
    """The reprinted PDF, or errors for the form (messages never quote what was typed)."""
    from .views import validate

    if not number.isdigit():
        return {"record": "Choose a record from the History page."}
    try:
        record = desk.archive.record_by_id(int(number))
    except ArchiveError as exc:
        return {"record": exc.message}
    patient = None
    if record.kind == "pack" and record.patient_ref:
        patient, errors = validate({**values, "patient_ref": record.patient_ref}, desk.today)
        if errors:
            return errors
    try:
        return desk.archive.reprint(int(number), patient)
    except (ArchiveError, cp.UserError) as exc:
        return {"record": exc.message}
    except cp.UserErrors as exc:
        return {"record": "; ".join(e.message for e in exc.errors)}
