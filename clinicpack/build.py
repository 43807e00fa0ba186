"""The build, top to bottom: load brand and layout -> load leaflets -> render -> write.

Everything is read and validated before anything is written, and every PDF is rendered in
memory first: if any leaflet fails, no file is written at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .brand import Brand, load_brand
from .errors import BuildError, BuildErrors, display_path
from .labels import load_labels
from .layout import Layout, load_layout
from .leaflet import Leaflet, load_leaflet
from .manifest import Manifest, bytes_digest, fingerprint, leaflet_inputs
from .project import Project
from .quality import FontFacts, Options, QualityFailed, Report, check_pack
from .writer import OutputFolder


@dataclass(frozen=True)
class BuildRequest:
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


@dataclass(frozen=True)
class Built:
    leaflet: Leaflet
    path: Path | None
    written: bool
    rendered: bool = True  # False when the manifest showed nothing had changed


def resolve_layout(request: BuildRequest, brand: Brand) -> Layout:
    layout = load_layout(request.layout, request.project.layouts, brand)
    if request.print_ready and not layout.print.ready:
        layout = dataclasses.replace(layout, print=dataclasses.replace(layout.print, ready=True))
    return layout


def output_name(leaflet: Leaflet, layout: Layout) -> str:
    """``<id>.pdf`` for the default layout; other layouts and print-ready files get their own
    name (``<id>.large-print.pdf``, ``<id>.a5-booklet.print.pdf``) so they never overwrite each other."""
    parts = [leaflet.id]
    if layout.name != "default":
        parts.append(layout.name)
    if layout.print.ready:
        parts.append("print")
    return ".".join(parts) + ".pdf"


def find_leaflet_files(project: Project, targets: tuple[str, ...]) -> list[Path]:
    if not targets:
        files = sorted(project.leaflets.glob("*.md"))
        if not files:
            raise BuildError(f"no leaflets found in {display_path(project.leaflets)} (add a .md file)")
        return files
    by_id = {p.stem: p for p in sorted(project.leaflets.glob("*.md"))}
    for p in sorted(project.leaflets.glob("*.md")):
        declared = _declared_id(p)
        if declared:
            by_id.setdefault(declared, p)
    files = []
    for target in targets:
        path = Path(target)
        if path.exists() or target.endswith(".md") or "/" in target:
            files.append(path)
        elif target in by_id:
            files.append(by_id[target])
        else:
            from .errors import did_you_mean

            raise BuildError(f'no leaflet "{target}" (give a file path or a leaflet id){did_you_mean(target, by_id)}')
    return files


def _declared_id(path: Path) -> str | None:
    """The ``id:`` in a file's front matter, read cheaply (for picking leaflets by id)."""
    try:
        with path.open(encoding="utf-8") as handle:
            head = [next(handle, "") for _ in range(40)]
    except (OSError, UnicodeDecodeError):
        return None
    for line in head[1:]:
        if line.strip() == "---":
            break
        if line.startswith("id:"):
            return line[3:].strip().strip("\"'") or None
    return None


def load_all(project: Project, files: list[Path]) -> list[Leaflet]:
    """Load every leaflet, collecting every file's error rather than stopping at the first."""
    leaflets: list[Leaflet] = []
    errors: list[BuildError] = []
    for path in files:
        try:
            leaflets.append(load_leaflet(path, project.assets))
        except BuildError as exc:
            errors.append(exc)
    seen: dict[str, Leaflet] = {}
    for leaflet in leaflets:
        if leaflet.id in seen:
            first = seen[leaflet.id]
            errors.append(BuildError(
                f'id "{leaflet.id}" is already used by {display_path(first.path)}; give each leaflet its own id',
                leaflet.path, 2,
            ))
        seen.setdefault(leaflet.id, leaflet)
    if errors:
        raise BuildErrors(errors)
    return leaflets


def build(
    request: BuildRequest,
    report: Callable[[str], None] = lambda s: None,
    on_quality: Callable[[Report], None] = lambda r: None,
) -> list[Built]:
    """Load and validate, run the quality checks (handed to ``on_quality``), then render and
    write. Quality errors raise ``QualityFailed`` before anything is rendered or written."""
    project = request.project
    brand = load_brand(project.brand_file)
    layout = resolve_layout(request, brand)
    leaflets = load_all(project, find_leaflet_files(project, request.targets))
    today = request.today or dt.date.today()
    quality = run_quality(request, brand, layout, leaflets, today)
    on_quality(quality)
    if quality.errors:
        raise QualityFailed(quality)
    if request.check_only:
        from .render import prepare

        errors: list[BuildError] = []
        for leaflet in leaflets:
            try:
                prepare(leaflet, brand, layout)
            except BuildError as exc:
                errors.append(exc)
        if errors:
            raise BuildErrors(errors)
        return [Built(leaflet, None, False, False) for leaflet in leaflets]

    out = OutputFolder(request.out or project.output)
    manifest = Manifest(out)
    plans = []
    for leaflet in leaflets:
        name = output_name(leaflet, layout)
        overdue = request.allow_overdue and leaflet.review_due < today
        try:
            inputs = fingerprint(
                leaflet_inputs(project, brand, layout, leaflet),
                # options that change the PDF; the layout's own keys are covered by its files
                {"print_ready": layout.print.ready, **({"review_overdue": True} if overdue else {})},
            )
        except BuildError:
            inputs = ""  # an input is missing: render, and let the renderer report it precisely
        skip = not request.force and bool(inputs) and manifest.fresh(name, inputs)
        plans.append((leaflet, name, inputs, skip, overdue))

    rendered: list[tuple[Leaflet, str, str, bytes | None]] = []
    errors = []
    for leaflet, name, inputs, skip, overdue in plans:
        try:
            rendered.append((leaflet, name, inputs, None if skip else render_one(project, brand, layout, leaflet, overdue)))
        except BuildError as exc:
            errors.append(exc)
    if errors:
        raise BuildErrors(errors)

    results = []
    for leaflet, name, inputs, data in rendered:
        if data is None:
            path = out.path_for(name)
            results.append(Built(leaflet, path, False, False))
            report(f"up to date {display_path(path)}")
        else:
            unchanged = out.unchanged(name, data)
            path = out.path_for(name) if unchanged else out.write(name, data)
            manifest.record(name, inputs, data)
            results.append(Built(leaflet, path, not unchanged))
            report(f"{'unchanged' if unchanged else 'wrote'} {display_path(path)}")
        if request.preview:
            _preview(out, manifest, name, data, request.force, report)
    manifest.save()
    return results


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


def run_quality(request: BuildRequest, brand: Brand, layout: Layout, leaflets: list[Leaflet], today: dt.date) -> Report:
    return quality_gate(request.project, brand, layout, leaflets, Options(today, request.allow_overdue), request.strict)


def quality_gate(project: Project, brand: Brand, layout: Layout, leaflets: list[Leaflet], options: Options, strict: bool) -> Report:
    """The quality checks (clinicpack.quality) on everything a build will print. Glyph coverage
    and line length need the fonts, so this loads ReportLab even when every PDF is up to date:
    the checks run on every build."""
    from .render import font_facts

    def facts(leaflet: Leaflet) -> FontFacts:
        return font_facts(leaflet, brand, layout)

    return check_pack(leaflets, brand, layout, options, project.assets, facts, strict)


def render_one(project: Project, brand: Brand, layout: Layout, leaflet: Leaflet, review_overdue: bool = False) -> bytes:
    # imported here, not at the top: ReportLab is loaded only when something is drawn or checked
    from .render import RenderOptions, marks_pdf, render_leaflet

    labels = load_labels(project.labels, leaflet.language)
    options = RenderOptions(
        assets_dir=project.assets,
        booking_url=brand.booking_url(leaflet.translation_of or leaflet.id),
        review_overdue=review_overdue,
    )
    pdf = render_leaflet(leaflet, brand, layout, labels, options)
    if layout.print.imposition == "booklet":
        from .impose import booklet

        pdf = booklet(pdf, layout, marks_pdf, rtl=brand.language(leaflet.language).direction == "rtl")
    return pdf
