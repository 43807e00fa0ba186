"""The build, top to bottom: load brand and layout -> load leaflets -> render -> write.

Everything is read and validated before anything is written, and every PDF is rendered in
memory first: if any leaflet fails, no file is written at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .brand import Brand, load_brand
from .errors import BuildError, BuildErrors, display_path
from .labels import load_labels
from .layout import Layout, load_layout
from .leaflet import Leaflet, load_leaflet
from .project import Project
from .render import RenderOptions, prepare, render_leaflet
from .writer import OutputFolder


@dataclass(frozen=True)
class BuildRequest:
    project: Project
    targets: tuple[str, ...] = ()  # leaflet paths or ids; empty = every leaflet
    layout: str = "default"
    out: Path | None = None
    check_only: bool = False


@dataclass(frozen=True)
class Built:
    leaflet: Leaflet
    path: Path | None
    written: bool


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


def build(request: BuildRequest, report: Callable[[str], None] = lambda s: None) -> list[Built]:
    project = request.project
    brand = load_brand(project.brand_file)
    layout = load_layout(request.layout, project.layouts, brand)
    leaflets = load_all(project, find_leaflet_files(project, request.targets))

    rendered: list[tuple[Leaflet, bytes | None]] = []
    errors: list[BuildError] = []
    for leaflet in leaflets:
        try:
            if request.check_only:
                prepare(leaflet, brand, layout)
                rendered.append((leaflet, None))
            else:
                rendered.append((leaflet, render_one(project, brand, layout, leaflet)))
        except BuildError as exc:
            errors.append(exc)
    if errors:
        raise BuildErrors(errors)
    if request.check_only:
        return [Built(leaflet, None, False) for leaflet, _ in rendered]

    out = OutputFolder(request.out or project.output)
    results = []
    for leaflet, data in rendered:
        assert data is not None
        name = f"{leaflet.id}.pdf"
        unchanged = out.unchanged(name, data)
        path = out.path_for(name) if unchanged else out.write(name, data)
        results.append(Built(leaflet, path, not unchanged))
        report(f"{'unchanged' if unchanged else 'wrote'} {display_path(path)}")
    return results


def render_one(project: Project, brand: Brand, layout: Layout, leaflet: Leaflet) -> bytes:
    labels = load_labels(project.labels, leaflet.language)
    options = RenderOptions(assets_dir=project.assets, booking_url=brand.booking_url(leaflet.translation_of or leaflet.id))
    return render_leaflet(leaflet, brand, layout, labels, options)
