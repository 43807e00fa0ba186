"""Consent packs, top to bottom: load and check everything -> lay out the shared pages once per
leaflet -> stamp each patient's details -> write each PDF atomically.

A blank pack (no patient) is the same template with only the clinic's general booking link
stamped in, and empty lines for handwriting. With a patient list, a bad row is reported with
its CSV line number and skipped; the good rows are still built, and the run fails at the end.
With ``jobs > 1`` patients are stamped in worker processes: each worker gets the finished
template bytes (never lays anything out) and writes its own files.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from .codecache import dataclass
from .consent import ConsentContent, consent_content
from .errors import BuildError, BuildErrors, display_path
from .leaflet import Leaflet
from .loading import Loaded, load, raise_for_quality
from .patients import Clinician, Patient, PatientList, field_message, read_patients
from .produce import Order, PackTemplate, Stamping, StampJob, check_layout
from .progress import Progress
from .project import Project
from .quality import Report
from .writer import OutputFolder, WriteFault, remove_stale_partials

if TYPE_CHECKING:
    from .archive import Recorder, Snapshot


@dataclass(frozen=True)
class PackRequest:
    """One consent-pack run as the command line asks for it: for whom, in which layout, where to."""
    project: Project
    targets: tuple[str, ...] = ()
    layout: str = "default"
    out: Path | None = None
    check_only: bool = False
    patients_file: Path | None = None
    patient: Patient | None = None  # one patient from the command line
    clinician: Clinician = field(default_factory=Clinician)
    jobs: int = 1
    progress: bool = False
    strict: bool = False  # quality warnings count as errors
    today: dt.date | None = None  # for the review-date check; a consent pack never allows an overdue leaflet
    recorder: Recorder | None = None  # the archive: inputs and a print record for every pack written (clinicpack.archive)


@dataclass
class PackResult:
    """What a pack run did: files written or unchanged, and the patient rows it refused."""
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    row_errors: list[BuildError] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class Outcome:
    """What comes back from stamping one order (in a worker too): never the patient's details."""

    line: int | None
    path: Path | None = None
    unchanged: bool = False
    error: BuildError | None = None
    fault: WriteFault | None = None  # the output folder failed (full disk, read-only): the batch stops


@dataclass(frozen=True)
class Batch:
    """One leaflet's orders and where they go."""

    job: StampJob
    orders: list[Order]
    out_dir: Path
    folder: str  # sub-folder of the output folder ("" for a blank pack)
    sync_each: bool = True  # each pack fsynced (file and folder) as it is written: a power cut loses at most the pack in progress
    recorder: Recorder | None = None  # print records, written by whichever process writes the file
    snapshot: Snapshot | None = None  # the archived inputs those records point at


def build_packs(
    request: PackRequest,
    report: Callable[[str], None] = lambda s: None,
    on_quality: Callable[[Report], None] = lambda r: None,
) -> PackResult:
    loaded = load(request.project, request.layout, targets=request.targets, today=request.today, strict=request.strict, consent=True,
                  archived_source=request.recorder.source_of if request.recorder else None)
    on_quality(loaded.quality)
    raise_for_quality(loaded)
    contents = _consent_contents(loaded, request.check_only)
    patient_list = read_patients(request.patients_file) if request.patients_file else None
    result = PackResult(row_errors=list(patient_list.errors) if patient_list else [], rows=patient_list.rows if patient_list else 0)
    if request.check_only:
        return result
    out_root = (request.out or request.project.output).resolve()
    personal = bool(request.patient or patient_list)
    for leaflet, content in contents:
        template = PackTemplate(loaded, leaflet, content)  # the shared pages, laid out once per leaflet
        orders = [template.order(p, request.clinician) for p in _patients(request, patient_list)]
        recorder = request.recorder
        snapshot = recorder.snapshot(loaded.project, loaded.brand, loaded.layout, leaflet, request.layout) if recorder else None
        batch = Batch(template.job, orders, out_root, leaflet.id if personal else "", recorder=recorder, snapshot=snapshot)
        _run(batch, request, result, report, leaflet)
    # a row that fails for several leaflets is reported once
    unique = {(str(e.file), e.line, e.message): e for e in result.row_errors}
    result.row_errors = sorted(unique.values(), key=lambda e: (str(e.file), e.line or 0))
    return result


def _consent_contents(loaded: Loaded, check_only: bool) -> list[tuple[Leaflet, ConsentContent]]:
    """Every leaflet's consent sections are checked before any pack is laid out; with
    ``--check`` the leaflets are laid out but no pack is built."""
    errors, contents = [], []
    for leaflet in loaded.leaflets:
        try:
            contents.append((leaflet, consent_content(leaflet, loaded.labels(leaflet.language))))
        except BuildError as exc:
            errors.append(exc)
    if errors:
        raise BuildErrors(errors)
    if check_only:
        for leaflet, _ in contents:
            check_layout(loaded, leaflet)
        return []
    return contents


def _patients(request: PackRequest, patient_list: PatientList | None) -> list[Patient | None]:
    if request.patient is not None:
        return [request.patient]
    if patient_list is not None:
        return list(patient_list.patients)
    return [None]


# ---------------------------------------------------------------- stamping (also in workers)

_worker: tuple[Stamping, Batch] | None = None


def _write(stamping: Stamping, batch: Batch, order: Order) -> Outcome:
    """Stamp and write one pack atomically. Only this small result travels back from a worker."""
    try:
        data = stamping.pdf(order)
    except BuildError as exc:
        return Outcome(order.line, error=exc)
    out = OutputFolder(batch.out_dir)
    name = f"{batch.folder}/{order.name}" if batch.folder else order.name
    recorder = batch.recorder
    # the print record is saved as pending before the rename and confirmed after it (clinicpack.archive)
    pending = recorder.begin(batch.snapshot, "pack", order.ref, batch.out_dir, name, data) if recorder else None
    if out.unchanged(name, data):
        outcome = Outcome(order.line, out.path_for(name), unchanged=True)
    else:
        try:
            outcome = Outcome(order.line, out.write(name, data, sync=batch.sync_each))
        except WriteFault as exc:
            return Outcome(order.line, fault=exc)  # the record stays pending: the file never arrived
    if recorder is not None:
        recorder.confirm(pending)
    return outcome


def _init_worker(batch: Batch) -> None:
    global _worker
    _worker = (Stamping(batch.job), batch)


def _work(order: Order) -> Outcome:
    """One pack in a worker. Only plain, picklable results and errors go back: an exception the
    parent cannot unpickle would stop multiprocessing's result thread and hang the batch."""
    assert _worker is not None
    try:
        return _write(_worker[0], _worker[1], order)
    except BuildError:
        raise  # pickles whole (errors.BuildError.__reduce__)
    except Exception as exc:  # a bug: say which, without the details (they may hold patient data)
        raise BuildError(f"a worker process stopped with {type(exc).__name__}; run the batch again with --jobs 1 "
                         "to see where, and report it") from None


def _outcomes(batch: Batch, jobs: int) -> Iterator[Outcome]:
    orders = batch.orders
    if jobs <= 1 or len(orders) < 2:
        stamping = Stamping(batch.job)
        for order in orders:
            yield _write(stamping, batch, order)
        return
    import multiprocessing  # here: a single build or one pack never starts workers

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(min(jobs, len(orders)), initializer=_init_worker, initargs=(batch,)) as pool:
        chunk = max(1, min(16, len(orders) // (jobs * 4)))
        yield from pool.imap(_work, orders, chunksize=chunk)


def _run(batch: Batch, request: PackRequest, result: PackResult, report: Callable[[str], None], leaflet: Leaflet) -> None:
    folder = batch.out_dir / batch.folder if batch.folder else batch.out_dir
    remove_stale_partials(folder)
    progress = Progress(len(batch.orders), f"{leaflet.id}", enabled=request.progress and len(batch.orders) > 1)
    source = request.patients_file
    written_before, unchanged_before = len(result.written), len(result.unchanged)
    stopped: WriteFault | None = None
    try:
        for outcome in _outcomes(batch, request.jobs):
            progress.advance()
            if outcome.fault is not None:
                stopped = outcome.fault
                break  # leaving the loop stops the workers; every pack already written is complete
            if outcome.error is not None:
                error = outcome.error
                if source and outcome.line:
                    result.row_errors.append(error.located(source, outcome.line))
                else:  # one patient from the command line: name the option
                    result.row_errors.append(BuildError(field_message(error, "option"), key=error.key))
            elif outcome.unchanged:
                result.unchanged.append(outcome.path)
            else:
                result.written.append(outcome.path)
    finally:
        progress.close()
    written = result.written[written_before:]
    if stopped is not None:
        remove_stale_partials(folder)  # what stopped workers were writing
        total = len(result.written)
        raise WriteFault(stopped.message, stopped.file, after=(
            f"{total} complete pack(s) were written before the fault and kept ({len(written)} for {leaflet.id}); "
            "no partial file was left; run the batch again once the folder can take files"))
    unchanged = result.unchanged[unchanged_before:]
    if len(batch.orders) == 1 and (written or unchanged):
        report(f"{'wrote' if written else 'unchanged'} {display_path((written or unchanged)[-1])}")
    elif len(batch.orders) > 1:
        report(f"{leaflet.id}: {len(written)} pack(s) written, {len(unchanged)} unchanged, in {display_path(folder)}/")


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
