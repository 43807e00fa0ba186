"""Reprints: a leaflet or consent pack rebuilt from its archived inputs, years later.

There is no second pipeline. The archived files are written into a private temporary project
folder and built through the public API (``clinicpack.load`` -> ``render_leaflet`` or
``pack_template(...).stamp``), exactly as the clinic's own folder is built; the only
difference is the footer note "Reprint of version X, first printed DATE" on every page.
``verify`` rebuilds without the note and compares the bytes' SHA-256 with the print record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from pathlib import Path

from .. import __version__
from ..codecache import dataclass
from ..manifest import builder_digest
from ..patients import Clinician, Patient
from .inputs import materialise, package_differences
from .lookup import first_printed, parse_reference, record, snapshots_for
from .store import ArchiveError, PrintRecord, Query, Snapshot, Store

DEFAULT_NOTE = "Reprint of version {version}, first printed {date}"  # when archived labels predate the "reprint_of" label


@dataclass(frozen=True)
class Target:
    """One PDF to rebuild: its inputs, the record it reprints (if any) and for which patient."""

    snapshot: Snapshot
    original: PrintRecord | None
    kind: str  # "leaflet" or "pack"
    patient: Patient | None = None


@dataclass(frozen=True)
class Rebuilt:
    """A PDF rebuilt from archived inputs, and why its bytes may differ from the first print."""
    target: Target
    pdf: bytes
    first_printed: dt.date
    notes: tuple[str, ...]  # why bytes may differ (another builder, changed font packages)


def targets(store: Store, reference: str, patients: list[Patient]) -> list[Target]:
    """What ``reprint REF`` rebuilds: the record's PDF, or for a fingerprint the leaflet (no
    patients) or one pack per patient, each from the snapshot it was first printed from."""
    kind, value = parse_reference(reference)
    if kind == "record":
        original = record(store, value)
        snapshot = _snapshot(store, original.snapshot_id)
        if original.kind == "leaflet" or original.patient_ref is None:
            return [Target(snapshot, original, original.kind)]
        chosen = [p for p in patients if p.ref == original.patient_ref]
        if not chosen:
            given = f" (given: {', '.join(sorted({p.ref for p in patients}))})" if patients else ""
            raise ArchiveError(
                f"record {original.id} is a consent pack for patient {original.patient_ref}{given}: give their details again "
                f"(--patient-ref {original.patient_ref} --patient-name ..., or --patients FILE.csv with that row); "
                "the archive keeps only the reference"
            )
        return [Target(snapshot, original, "pack", chosen[0])]
    snapshots = snapshots_for(store, value)
    fingerprint = snapshots[0].fingerprint
    records = [r for r in store.prints(Query()) if r.fingerprint == fingerprint]
    if not patients:
        return [_from_fingerprint(store, snapshots, [r for r in records if r.kind == "leaflet"], "leaflet", None)]
    packs = [r for r in records if r.kind == "pack"]
    return [_from_fingerprint(store, snapshots, [r for r in packs if r.patient_ref == p.ref] or packs, "pack", p) for p in patients]


def _from_fingerprint(store: Store, snapshots: list[Snapshot], records: list[PrintRecord], kind: str, patient: Patient | None) -> Target:
    originals = [r for r in records if r.reprint_of is None]
    if originals:
        original = originals[-1]  # records come newest first: the first print
        return Target(_snapshot(store, original.snapshot_id), original, kind, patient)
    return Target(snapshots[-1], None, kind, patient)


def _snapshot(store: Store, snapshot_id: str) -> Snapshot:
    found = store.snapshot(snapshot_id)
    if found is None:
        raise ArchiveError(f"the archive has lost the inputs of this record (snapshot {snapshot_id[:12]}); it cannot be rebuilt")
    return found


def rebuild(store: Store, target: Target, clinician: Clinician | None, *, marked: bool) -> Rebuilt:
    """Build the target's PDF from its archived inputs in a private temporary project folder."""
    import clinicpack as cp

    snapshot, original = target.snapshot, target.original
    first = dt.date.fromisoformat(original.printed_at[:10]) if original else first_printed(store, snapshot.fingerprint, snapshot)
    options = original.options if original else {}
    with tempfile.TemporaryDirectory(prefix="clinicpack-reprint-") as tmp:
        root = materialise(store, snapshot, Path(tmp))
        layout = str(root / snapshot.layout) if snapshot.layout.endswith((".yaml", ".yml")) else snapshot.layout
        loaded = cp.load(
            root, layout, targets=(str(root / snapshot.leaflet_path),), today=first,
            print_ready=bool(options.get("print_ready")), allow_overdue=bool(options.get("review_overdue")),
            consent=target.kind == "pack", check=False,
        )
        leaflet = loaded.leaflet(snapshot.leaflet_id)
        note = _note(loaded.labels(leaflet.language), snapshot.version, first) if marked else ""
        if target.kind == "pack":
            pdf = cp.pack_template(loaded, leaflet, footer_note=note).stamp(target.patient, clinician).pdf
        else:
            pdf = cp.render_leaflet(loaded, leaflet, footer_note=note)
        notes = list(package_differences(snapshot, loaded.brand))
    if snapshot.builder_digest != builder_digest():
        notes.insert(0, f"it was built by clinicpack {snapshot.builder_version} (builder {snapshot.builder_digest[:8]}); "
                        f"this is clinicpack {__version__} (builder {builder_digest()[:8]}), which may draw differently")
    return Rebuilt(target, pdf, first, tuple(notes))


def _note(labels, version: str, first: dt.date) -> str:  # noqa: ANN001 (clinicpack.labels.Labels)
    if "reprint_of" in labels.text:
        return labels.fmt("reprint_of", version=version, date=labels.date(first))
    return DEFAULT_NOTE.format(version=version, date=labels.date(first))


def verify(rebuilt: Rebuilt) -> tuple[bool, str]:
    """(same, message): the unmarked rebuild against the recorded SHA-256."""
    original = rebuilt.target.original
    if original is None:
        raise ArchiveError("there is no print record of this leaflet text to verify against "
                           "(verify a record number from build_pack.py history)")
    digest = hashlib.sha256(rebuilt.pdf).hexdigest()
    what = f"record {original.id} ({original.file_name}, {original.leaflet_id} version {original.version})"
    if digest == original.pdf_sha256:
        return True, f"verified: {what} rebuilt from the archive matches its recorded SHA-256 {digest[:16]}"
    why = "; ".join(rebuilt.notes) if rebuilt.notes else (
        "the same builder made it, so an input was not archived or the patient details differ from the original's")
    return False, f"{what} rebuilt from the archive does not match: recorded {original.pdf_sha256[:16]}, rebuilt {digest[:16]} ({why})"


def output_name(rebuilt: Rebuilt) -> str:
    """``reprints/<original name>.v<version>.pdf`` inside the output folder."""
    target = rebuilt.target
    if target.original is not None:
        base = target.original.file_name.removesuffix(".pdf")
    elif target.kind == "pack" and target.patient is not None:
        base = f"{target.snapshot.leaflet_id}/{target.patient.ref}"
    else:
        base = target.snapshot.leaflet_id
    version = re.sub(r"[^A-Za-z0-9._-]+", "-", target.snapshot.version)
    return f"reprints/{base}.v{version}.pdf"
