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
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .brand import Brand, load_brand
from .build import find_leaflet_files, load_all, quality_gate
from .consent import consent_content
from .errors import BuildError, BuildErrors, display_path
from .labels import Labels, load_labels
from .layout import Layout, load_layout
from .leaflet import Leaflet
from .patients import Clinician, Patient, PatientList, read_patients
from .progress import Progress
from .project import Project
from .qr import qr_matrix
from .quality import Options, QualityFailed, Report
from .writer import OutputFolder

if TYPE_CHECKING:
    from .render.stamp import Stamper


@dataclass(frozen=True)
class PackRequest:
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


@dataclass
class PackResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    row_errors: list[BuildError] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    template_cpu_seconds: float = 0.0  # laying out the shared pages (once per leaflet), for the benchmark
    sync_seconds: float = 0.0  # waiting for the disk at the end of a batch (os.sync)


@dataclass(frozen=True)
class StampJob:
    """What a worker needs to stamp packs for one leaflet: plain data, cheap to send."""

    pdf: bytes
    slots: tuple
    font_file: tuple[str, ...]
    text_colour: str
    out_dir: Path
    folder: str  # sub-folder of the output folder ("" for a blank pack)
    sync_each: bool = True  # fsync every file; a batch instead syncs once at the end (fsync costs ~2 ms a file)
    min_size: float = 7.0  # smallest size patient text may shrink to (the layout's text.min_size)
    shaping: bool = False  # right-to-left packs: values are shaped and bidi-ordered (Latin in the last font)
    script_fonts: tuple[str, ...] = ()  # left-to-right packs: fonts for a name written in a right-to-left script


@dataclass(frozen=True)
class Order:
    """One pack to stamp: file name, slot values and the booking link (patient data stays in memory)."""

    name: str
    values: dict[str, str]
    url: str
    line: int | None


def build_packs(
    request: PackRequest,
    report: Callable[[str], None] = lambda s: None,
    on_quality: Callable[[Report], None] = lambda r: None,
) -> PackResult:
    project = request.project
    brand = load_brand(project.brand_file)
    layout = load_layout(request.layout, project.layouts, brand)
    leaflets = load_all(project, find_leaflet_files(project, request.targets))
    # the same quality gate as a leaflet build; a patient never consents on an overdue leaflet
    quality = quality_gate(project, brand, layout, leaflets, Options(request.today or dt.date.today(), overdue_option=False), request.strict)
    on_quality(quality)
    if quality.errors:
        raise QualityFailed(quality)
    checked = _check_leaflets(project, leaflets)
    patient_list = read_patients(request.patients_file) if request.patients_file else None
    if request.check_only:
        from .render import prepare

        for leaflet, _, _ in checked:
            prepare(leaflet, brand, layout)
        return PackResult(row_errors=list(patient_list.errors) if patient_list else [], rows=patient_list.rows if patient_list else 0)

    result = PackResult(row_errors=list(patient_list.errors) if patient_list else [], rows=patient_list.rows if patient_list else 0)
    start, cpu_start = time.perf_counter(), time.process_time()
    out_root = (request.out or project.output).resolve()
    for leaflet, labels, content in checked:
        template_start = time.process_time()
        job = _template_job(project, brand, layout, leaflet, labels, content, out_root, bool(request.patient or patient_list))
        result.template_cpu_seconds += time.process_time() - template_start
        orders = _orders(brand, leaflet, labels, request, patient_list)
        _run(job, orders, request, result, report, leaflet)
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    # a row that fails for several leaflets is reported once
    unique = {(str(e.file), e.line, e.message): e for e in result.row_errors}
    result.row_errors = sorted(unique.values(), key=lambda e: (str(e.file), e.line or 0))
    return result


def _check_leaflets(project: Project, leaflets: list[Leaflet]) -> list[tuple]:
    out, errors = [], []
    for leaflet in leaflets:
        labels = load_labels(project.labels, leaflet.language)
        try:
            out.append((leaflet, labels, consent_content(leaflet, labels)))
        except BuildError as exc:
            errors.append(exc)
    if errors:
        raise BuildErrors(errors)
    return out


def _template_job(project: Project, brand: Brand, layout: Layout, leaflet: Leaflet, labels: Labels, content, out_root: Path,
                  personal: bool) -> StampJob:
    from .render.pack import render_pack_template

    booking_id = leaflet.translation_of or leaflet.id
    template = render_pack_template(leaflet, content, brand, layout, labels, project.assets, brand.booking_url(booking_id))
    return StampJob(
        pdf=template.pdf, slots=template.slots, font_file=template.font_file, text_colour=layout.text.colour,
        out_dir=out_root, folder=leaflet.id if personal else "", sync_each=not personal, min_size=layout.text.min_size,
        shaping=template.shaping, script_fonts=_script_fonts(brand),
    )


def _script_fonts(brand: Brand) -> tuple[str, ...]:
    """The fonts of the brand's right-to-left languages: an English pack may still be for a
    patient whose name is written in Urdu script."""
    return tuple(dict.fromkeys(
        str(brand.fonts[lang.font].faces["regular"]) for lang in brand.languages.values() if lang.direction == "rtl" and lang.font
    ))


def _orders(brand: Brand, leaflet: Leaflet, labels: Labels, request: PackRequest, patient_list: PatientList | None) -> list[Order]:
    booking_id = leaflet.translation_of or leaflet.id
    if request.patient is None and patient_list is None:
        return [Order(f"{leaflet.id}-consent.pdf", {"booking_url": brand.booking_url(booking_id)}, brand.booking_url(booking_id), None)]
    patients = [request.patient] if request.patient else list(patient_list.patients)
    orders = []
    for p in patients:
        p = p.with_defaults(request.clinician)
        url = brand.booking_url(booking_id, ref=p.ref)
        values = {
            "name": p.name,
            "date_of_birth": labels.date(p.date_of_birth) if p.date_of_birth else "",
            "mrn": p.mrn,
            "ref": p.ref,
            "appointment_date": labels.date(p.appointment_date) if p.appointment_date else "",
            "clinician": p.clinician,
            "clinician_role": p.clinician_role,
            "clinician_registration": p.clinician_registration,
            "booking_url": url,
        }
        orders.append(Order(f"{p.ref}.pdf", values, url, p.line))
    return orders


# ---------------------------------------------------------------- stamping (also in workers)

_worker: _Stamping | None = None


class _Stamping:
    def __init__(self, job: StampJob):
        from .render.stamp import Stamper

        self.job = job
        self.stamper = Stamper(job.pdf, job.slots, job.font_file, job.text_colour, min_size=job.min_size, shaping=job.shaping)
        self._shaping_stamper: Stamper | None = None
        self.out = OutputFolder(job.out_dir)

    def _stamper_for(self, values: dict[str, str]) -> Stamper:
        """The batch's stamper, or, for a patient whose details are written in a right-to-left
        script on a left-to-right pack, one that shapes them (made once, only when needed: it
        embeds the script's whole font in that patient's pack)."""
        if not self.job.script_fonts or not any(self.stamper.needs_shaping(v) for v in values.values()):
            return self.stamper
        if self._shaping_stamper is None:
            from .render.stamp import Stamper

            fonts = (self.job.script_fonts[0], *self.job.font_file)
            self._shaping_stamper = Stamper(self.job.pdf, self.job.slots, fonts, self.job.text_colour, min_size=self.job.min_size, shaping=True)
        return self._shaping_stamper

    def pdf(self, order: Order) -> bytes:
        stamper = self._stamper_for(order.values)
        for key, value in order.values.items():
            if stamper.needs_shaping(value):
                if key in ("date_of_birth", "appointment_date"):
                    raise ValueError(
                        f"{key} would print with a month name in right-to-left letters, which the forms cannot print yet "
                        "(leave the date out to write it by hand, or build the pack from the English leaflet)"
                    )
                raise ValueError(f"{key} has right-to-left letters, which the forms cannot print yet; write it in Latin letters")
            bad = stamper.missing(value)
            if bad is not None:
                raise ValueError(
                    f"{key} has a character the font cannot print (U+{ord(bad):04X}); "
                    "write it in plain letters or choose a font that has it"
                )
        return stamper.stamp(order.values, qr_matrix(order.url))

    def write(self, order: Order) -> tuple[int | None, str | None, str | None]:
        """(CSV line, written path or None, error or None); the error never quotes patient data.
        Only this small tuple travels back from a worker, never the patient's details."""
        try:
            data = self.pdf(order)
        except ValueError as exc:
            return order.line, None, str(exc)
        name = f"{self.job.folder}/{order.name}" if self.job.folder else order.name
        if self.out.unchanged(name, data):
            return order.line, "=" + str(self.out.path_for(name)), None
        return order.line, str(self.out.write(name, data, sync=self.job.sync_each)), None


def _init_worker(job: StampJob) -> None:
    global _worker
    _worker = _Stamping(job)


def _work(order: Order) -> tuple[int | None, str | None, str | None]:
    assert _worker is not None
    return _worker.write(order)


def _results(job: StampJob, orders: list[Order], jobs: int) -> Iterator[tuple[int | None, str | None, str | None]]:
    if jobs <= 1 or len(orders) < 2:
        stamping = _Stamping(job)
        for order in orders:
            yield stamping.write(order)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(min(jobs, len(orders)), initializer=_init_worker, initargs=(job,)) as pool:
        chunk = max(1, min(16, len(orders) // (jobs * 4)))
        yield from pool.imap(_work, orders, chunksize=chunk)


def _run(job: StampJob, orders: list[Order], request: PackRequest, result: PackResult, report: Callable[[str], None],
         leaflet: Leaflet) -> None:
    folder = job.out_dir / job.folder if job.folder else job.out_dir
    _remove_partials(folder)
    progress = Progress(len(orders), f"{leaflet.id}", enabled=request.progress and len(orders) > 1)
    source = request.patients_file
    written_before, unchanged_before = len(result.written), len(result.unchanged)
    try:
        for line, path, error in _results(job, orders, request.jobs):
            progress.advance()
            if error is not None:
                where = source if line else None
                result.row_errors.append(BuildError(error if source else _as_option(error), where, line))
            elif path.startswith("="):
                result.unchanged.append(Path(path[1:]))
            else:
                result.written.append(Path(path))
    finally:
        progress.close()
        if hasattr(os, "sync") and not job.sync_each:
            synced = time.perf_counter()
            os.sync()  # one flush to disk for the whole batch instead of one per file
            result.sync_seconds += time.perf_counter() - synced
    written = result.written[written_before:]
    unchanged = result.unchanged[unchanged_before:]
    if len(orders) == 1 and (written or unchanged):
        report(f"{'wrote' if written else 'unchanged'} {display_path((written or unchanged)[-1])}")
    elif len(orders) > 1:
        report(f"{leaflet.id}: {len(written)} pack(s) written, {len(unchanged)} unchanged, in {display_path(folder)}/")


OPTION_OF = {"name": "--patient-name", "mrn": "--mrn", "ref": "--patient-ref", "clinician": "--clinician",
             "clinician_role": "--clinician-role", "clinician_registration": "--clinician-registration",
             "date_of_birth": "--date-of-birth", "appointment_date": "--appointment-date"}


def _as_option(message: str) -> str:
    """A one-patient message names the command-line option, not the CSV column."""
    key = message.split(" ", 1)[0]
    return OPTION_OF[key] + message[len(key):] if key in OPTION_OF else message


def _remove_partials(folder: Path) -> None:
    """Temporary files left by a batch that was killed outright (Ctrl-C cleans up by itself)."""
    if folder.is_dir():
        for stale in folder.glob(".partial-*"):
            try:
                stale.unlink()
            except OSError:
                pass


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
