"""The build, top to bottom: load brand and layout -> load leaflets -> render -> write.

Everything is read and validated before anything is written, and every PDF is rendered in
memory first: if any leaflet fails, no file is written at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import uptodate
from .codecache import dataclass
from .errors import BuildError, BuildErrors, display_path
from .layout import Layout
from .leaflet import Leaflet
from .loading import Loaded, load, raise_for_quality
from .manifest import Manifest, bytes_digest, fingerprint, leaflet_inputs
from .project import Project
from .quality import Report
from .quality.fontfacts import check_fonts
from .quality.settings import brand_thresholds
from .writer import OutputFolder

if TYPE_CHECKING:
    from .archive import Recorder


@dataclass(frozen=True)
class BuildRequest:
    """One run of the builder, as the command line asks for it (watch mode repeats it on each change)."""
    project: Project
    targets: tuple[str, ...] = ()  # leaflet paths or ids; empty = every leaflet
    layout: str = "default"
    out: Path | None = None
    check_only: bool = False
    print_ready: bool = False  # bleed, crop marks, TrimBox/BleedBox (also the layout key print.ready)
    preview: bool = False  # PNG of each page and a contact sheet beside each PDF
    force: bool = False  # render everything, even outputs whose inputs did not change
    strict: bool = False  # quality warnings count as errors
    allow_overdue: bool = False  # print leaflets past review_due, marked as overdue
    today: dt.date | None = None  # for the review-date check; None = the real date
    recorder: Recorder | None = None  # the archive: inputs and a print record for every PDF written (clinicpack.archive)


@dataclass(frozen=True)
class Built:
    """What happened to one leaflet in a build: its PDF, and whether it was rendered and written."""
    leaflet: Leaflet
    path: Path | None
    written: bool
    rendered: bool = True  # False when the manifest showed nothing had changed


def output_name(leaflet: Leaflet, layout: Layout) -> str:
    """``<id>.pdf`` for the default layout; other layouts and print-ready files get their own
    name (``<id>.large-print.pdf``, ``<id>.a5-booklet.print.pdf``) so they never overwrite each other."""
    parts = [leaflet.id]
    if layout.name != "default":
        parts.append(layout.name)
    if layout.print.ready:
        parts.append("print")
    return ".".join(parts) + ".pdf"


@dataclass(frozen=True)
class Plan:
    """One output of a build: what it is called, its inputs' fingerprint, and whether it is
    already up to date on disk."""

    leaflet: Leaflet
    name: str
    inputs: str
    fresh: bool


def build(
    request: BuildRequest,
    report: Callable[[str], None] = lambda s: None,
    on_quality: Callable[[Report], None] = lambda r: None,
) -> list[Built]:
    """Load and validate, run the quality checks (handed to ``on_quality``), then render and
    write. Quality errors raise ``QualityFailed`` before anything is rendered or written."""
    asked = _Asked(request.recorder.source_of) if request.recorder else None
    loaded = load(
        request.project, request.layout, targets=request.targets, today=request.today, strict=request.strict,
        print_ready=request.print_ready, allow_overdue=request.allow_overdue,
        archived_source=asked.source if asked else None,
    )
    on_quality(loaded.quality)
    raise_for_quality(loaded)
    if request.check_only:  # fonts and characters, from the fonts' facts: nothing is laid out
        _each(loaded.leaflets, lambda leaflet: check_fonts(leaflet, loaded.brand, loaded.layout))
        return [Built(leaflet, None, False, False) for leaflet in loaded.leaflets]
    out = OutputFolder(request.out or request.project.output)
    manifest = Manifest(out)
    plans = [plan(loaded, leaflet, manifest, request.force) for leaflet in loaded.leaflets]
    # everything is rendered in memory before the first file is written
    pdfs = _each(plans, lambda p: None if p.fresh else render_leaflet(loaded, p.leaflet))
    said: list[str] = []  # reported once the files are in place: a fault part-way writes nothing
    confirms: list[Callable[[], None]] = []  # archive records, confirmed once the files are in place
    with out.staged() as staged:
        results = [write(staged, manifest, p, pdf, said.append, lambda r=_record(request, loaded, out, p, pdf): confirms.append(r))
                   for p, pdf in zip(plans, pdfs)]
        if request.preview:
            for p, pdf in zip(plans, pdfs):
                _preview(staged, manifest, p.name, pdf, request.force, said.append)
        remember(request, loaded, {p.name: p.inputs for p in plans}, manifest, consulted_archive=bool(asked and asked.calls))
        manifest.save(staged)
    for confirm in confirms:
        confirm()
    for line in said:
        report(line)
    return results


def render_leaflet(loaded: Loaded, leaflet: Leaflet) -> bytes:
    """``produce.render_leaflet``, imported when the first leaflet is rendered: ``--check`` and a
    build with nothing to render never load the renderer's entry points."""
    from .produce import render_leaflet as render

    return render(loaded, leaflet)


class _Asked:
    """The archive's ``source_of``, counting its calls: findings that depend on the database
    cannot be replayed from a record of hashed files."""

    def __init__(self, source_of: Callable[[str, str], str | None]):
        self.source_of, self.calls = source_of, 0

    def source(self, leaflet_id: str, version: str) -> str | None:
        self.calls += 1
        return self.source_of(leaflet_id, version)


def remember(request: BuildRequest, loaded: Loaded, outputs: dict[str, str], manifest: Manifest, consulted_archive: bool = False) -> None:
    """Record what this build read and found, so the next identical request can tell it is up to
    date without loading anything (see uptodate.py). Every file the build or the quality checks
    read is listed, and the files they looked for and did not find."""
    if request.preview or loaded.quality is None or not all(outputs.values()):
        return  # previews have their own freshness rules; an empty fingerprint means an input was missing
    project, brand, layout = loaded.project, loaded.brand, loaded.layout
    up = uptodate.Request(project.root, request.targets, request.layout, request.out or project.output, request.print_ready,
                          request.strict, request.allow_overdue, loaded.today)
    if consulted_archive:  # findings that depend on the archive database, which is not a file we hash
        manifest.builds.pop(up.key(), None)
        return
    files = [project.brand_file, project.assets / brand_thresholds(brand).claims_file, *layout.files]
    files += [Path(p) for p in uptodate.leaflet_listing(project.root)]  # picking leaflets by id reads them all
    for leaflet in loaded.leaflets:
        files += leaflet_inputs(project, brand, layout, leaflet)
        files.append(project.labels / f"{leaflet.language.split('-')[0]}.yaml")  # also when it does not exist
    findings = {"findings": uptodate.findings_record(loaded.quality.findings), "leaflets": loaded.quality.leaflets}
    uptodate.record(manifest.builds, up, files, outputs, findings)


def _each(items, work):  # noqa: ANN001, ANN202
    """``work`` on every item, collecting every user error before raising them together."""
    results, errors = [], []
    for item in items:
        try:
            results.append(work(item))
        except BuildError as exc:
            errors.append(exc)
    if errors:
        raise BuildErrors(errors)
    return results


def plan(loaded: Loaded, leaflet: Leaflet, manifest: Manifest, force: bool) -> Plan:
    name = output_name(leaflet, loaded.layout)
    overdue = loaded.review_overdue(leaflet)
    try:
        inputs = fingerprint(
            leaflet_inputs(loaded.project, loaded.brand, loaded.layout, leaflet),
            # options that change the PDF; the layout's own keys are covered by its files
            {"print_ready": loaded.layout.print.ready, **({"review_overdue": True} if overdue else {})},
        )
    except BuildError:
        inputs = ""  # an input is missing: render, and let the renderer report it precisely
    return Plan(leaflet, name, inputs, fresh=not force and bool(inputs) and manifest.fresh(name, inputs))


def _record(request: BuildRequest, loaded: Loaded, out: OutputFolder, p: Plan, pdf: bytes | None) -> Callable[[], None]:
    """Archive a rendered leaflet's inputs and save its print record as pending, before the file
    is renamed into place; the returned function confirms it right after (clinicpack.archive)."""
    recorder = request.recorder
    if recorder is None or pdf is None:
        return lambda: None
    snapshot = recorder.snapshot(loaded.project, loaded.brand, loaded.layout, p.leaflet, request.layout)
    pending = recorder.begin(snapshot, "leaflet", None, out.root, p.name, pdf, record_options(loaded, p.leaflet))
    return lambda: recorder.confirm(pending)


def record_options(loaded: Loaded, leaflet: Leaflet) -> dict:
    """The build options a leaflet's print record keeps: those that change its PDF, so a
    reprint makes it again (``archive.reprint``)."""
    return {"print_ready": loaded.layout.print.ready, **({"review_overdue": True} if loaded.review_overdue(leaflet) else {})}


def write(out: OutputFolder, manifest: Manifest, p: Plan, pdf: bytes | None, report: Callable[[str], None],
          recorded: Callable[[], None] = lambda: None) -> Built:
    """Write one rendered PDF atomically (skipped when its bytes are already on disk);
    ``recorded`` is called once the file is in place."""
    if pdf is None:
        path = out.path_for(p.name)
        report(f"up to date {display_path(path)}")
        return Built(p.leaflet, path, False, False)
    unchanged = out.unchanged(p.name, pdf)
    path = out.path_for(p.name) if unchanged else out.write(p.name, pdf)
    recorded()
    manifest.record(p.name, p.inputs, pdf)
    report(f"{'unchanged' if unchanged else 'wrote'} {display_path(path)}")
    return Built(p.leaflet, path, not unchanged)


def _preview(out: OutputFolder, manifest: Manifest, name: str, data: bytes | None, force: bool, report: Callable[[str], None]) -> None:
    """Previews follow the PDF: re-rendered only when the PDF's bytes changed or a PNG is missing."""
    from .preview import preview_names, write_previews

    pdf = data if data is not None else out.path_for(name).read_bytes()
    digest = bytes_digest(pdf)
    key = f"{name}#preview"
    entry = manifest.entries.get(key, {})
    pages, contact = preview_names(name, int(entry.get("pages", 0)))
    if not force and entry.get("pdf") == digest and all(out.path_for(n).exists() for n in [*pages, contact]) and pages:
        return
    written = write_previews(out, name, pdf)
    manifest.entries[key] = {"pdf": digest, "pages": len(written) - 1}
    report(f"previewed {display_path(written[-1])} ({len(written) - 1} page(s))")


