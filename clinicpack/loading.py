"""The load stage, shared by every way in: brand, layout, labels and leaflets are read and
validated, and the quality gate runs, before anything is laid out or written.

``load`` returns one immutable ``Loaded`` value. The command line (leaflets and consent packs),
the front desk and the tests all start here, so a leaflet is checked the same way whoever
prints it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from .brand import Brand, load_brand
from .codecache import dataclass
from .errors import BuildError, BuildErrors, did_you_mean, display_path
from .labels import Labels, load_labels
from .layout import Layout, load_layout
from .leaflet import Leaflet, declared_id, load_leaflet
from .project import Project
from .quality import FontFacts, Options, QualityFailed, Report, check_pack


@dataclass(frozen=True)
class Loaded:
    """Everything a build prints from, validated. Immutable: safe to share between threads."""

    project: Project
    brand: Brand
    layout: Layout
    leaflets: tuple[Leaflet, ...]
    quality: Report | None  # None when loaded with check=False (an up-to-date build needs no checks)
    today: dt.date
    allow_overdue: bool = False
    _labels: dict[str, Labels] = field(default_factory=dict, repr=False, compare=False)

    def leaflet(self, leaflet_id: str) -> Leaflet:
        """The leaflet with this id (ids from a request are looked up here, never used as paths)."""
        for leaflet in self.leaflets:
            if leaflet.id == leaflet_id:
                return leaflet
        ids = [leaflet.id for leaflet in self.leaflets]
        raise BuildError(f'no leaflet "{leaflet_id}" (the leaflets are: {", ".join(ids)}){did_you_mean(leaflet_id, ids)}')

    def labels(self, language: str) -> Labels:
        if language not in self._labels:
            self._labels[language] = load_labels(self.project.labels, language)
        return self._labels[language]

    def review_overdue(self, leaflet: Leaflet) -> bool:
        """Built past its review date with --allow-overdue: every page then says so."""
        return self.allow_overdue and leaflet.review_due < self.today

    def booking_id(self, leaflet: Leaflet) -> str:
        """The id booking links carry: a translation books the treatment of its original."""
        return leaflet.translation_of or leaflet.id

    def blocking_errors(self, leaflet: Leaflet) -> int:
        """Quality errors that stop this leaflet from printing: its own, and those in files
        every leaflet uses (brand, layout); another leaflet's errors do not stop it."""
        if self.quality is None:
            return 0
        others = {str(other.path) for other in self.leaflets if other.path != leaflet.path}
        return sum(1 for f in self.quality.findings if f.severity == "error" and str(f.file) not in others)


def load(
    root: Path | str | Project,
    layout: str = "default",
    *,
    targets: tuple[str, ...] = (),
    today: dt.date | None = None,
    strict: bool = False,
    print_ready: bool = False,
    allow_overdue: bool = False,
    consent: bool = False,
    check: bool = True,
    archived_source: Callable[[str, str], str | None] | None = None,
) -> Loaded:
    """Load and validate a project. ``layout`` is a name in layouts/ or a path; ``targets``
    picks leaflets by path or id (empty: all). ``consent`` loads for consent packs, where an
    overdue leaflet is never allowed. Raises ``BuildError``/``BuildErrors`` (file:line) for
    invalid input; quality findings are in ``.quality`` (``raise_for_quality`` refuses them).
    ``archived_source(leaflet_id, version)`` returns an archived leaflet text (clinicpack.archive),
    so a stale translation's warning can name the sections of its original that changed."""
    project = root if isinstance(root, Project) else Project(Path(root))
    brand = load_brand(project.brand_file)
    chosen = load_layout(layout, project.layouts, brand)
    if print_ready and not chosen.print.ready:
        chosen = dataclasses.replace(chosen, print=dataclasses.replace(chosen.print, ready=True))
    leaflets = load_all(project, find_leaflet_files(project, targets))
    today = today or dt.date.today()
    options = Options(today, overdue_option=False, archived_source=archived_source) if consent else \
        Options(today, allow_overdue, archived_source=archived_source)
    quality = quality_gate(project, brand, chosen, leaflets, options, strict) if check else None
    return Loaded(project, brand, chosen, tuple(leaflets), quality, today, allow_overdue and not consent)


def raise_for_quality(loaded: Loaded) -> None:
    if loaded.quality is not None and loaded.quality.errors:
        raise QualityFailed(loaded.quality)


def layout_names(project: Project) -> tuple[str, ...]:
    """The layouts a project offers (file names in layouts/), for pickers."""
    return tuple(sorted(p.stem for p in project.layouts.glob("*.yaml")))


def find_leaflet_files(project: Project, targets: tuple[str, ...]) -> list[Path]:
    if not targets:
        files = sorted(project.leaflets.glob("*.md"))
        if not files:
            raise BuildError(f"no leaflets found in {display_path(project.leaflets)} (add a .md file)")
        return files
    by_id = {p.stem: p for p in sorted(project.leaflets.glob("*.md"))}
    for p in sorted(project.leaflets.glob("*.md")):
        declared = declared_id(p)
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
            raise BuildError(f'no leaflet "{target}" (give a file path or a leaflet id){did_you_mean(target, by_id)}')
    return files


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


def quality_gate(project: Project, brand: Brand, layout: Layout, leaflets: list[Leaflet], options: Options, strict: bool) -> Report:
    """The quality checks (clinicpack.quality) on everything a build will print. Glyph coverage
    and line length need the fonts' facts: from the user's cache, or read by ReportLab when a
    font file is new or changed (clinicpack.quality.fontfacts)."""
    from .quality.fontfacts import leaflet_facts

    def facts(leaflet: Leaflet) -> FontFacts:
        return leaflet_facts(leaflet, brand, layout)

    return check_pack(leaflets, brand, layout, options, project.assets, facts, strict)
