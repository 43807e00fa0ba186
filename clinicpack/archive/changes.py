"""``diff ID [A] [B]``: pick two versions of a leaflet (archived, or the current file), compare
them section by section, and draw the one-page "What changed in this leaflet" PDF."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..codecache import dataclass
from ..errors import BuildError
from ..project import Project
from .diff import Change, as_text, compare
from .inputs import materialise
from .lookup import known_summary, versions
from .store import ArchiveError, Snapshot, Store


@dataclass(frozen=True)
class Side:
    """One side of a comparison: an archived version of a leaflet, or the project's current file."""
    label: str  # "version 1.0 (3f2a9c81d0e4)" or "the current file, version 1.1"
    version: str
    text: str
    snapshot: Snapshot | None  # None: the project's current file
    path: Path | None = None


@dataclass(frozen=True)
class Comparison:
    """Two versions of one leaflet and what changed between them, section by section (the diff command)."""
    leaflet_id: str
    a: Side
    b: Side
    changes: list[Change]
    store: Store
    project: Project

    @property
    def text(self) -> str:
        return as_text(self.leaflet_id, self.a.label, self.b.label, self.changes)

    def write_pdf(self, out_dir: Path) -> Path:
        import clinicpack as cp

        from ..render.changes import changes_pdf
        from ..writer import OutputFolder

        subtitle = f"{self.leaflet_id}: from {self.a.label} to {self.b.label}"
        with tempfile.TemporaryDirectory(prefix="clinicpack-diff-") as tmp:
            if self.b.snapshot is not None:  # draw with the newer version's own brand and layout
                root = materialise(self.store, self.b.snapshot, Path(tmp))
                target, layout = str(root / self.b.snapshot.leaflet_path), self.b.snapshot.layout
                layout = str(root / layout) if layout.endswith((".yaml", ".yml")) else layout
            else:
                root, target, layout = self.project.root, str(self.b.path), "default"
            loaded = cp.load(root, layout, targets=(target,), check=False)
            leaflet = loaded.leaflets[0]
            pdf = changes_pdf(leaflet, loaded.brand, loaded.layout, subtitle, self.changes)
        name = f"{self.leaflet_id}.changes.{_safe(self.a.version)}-to-{_safe(self.b.version)}.pdf"
        return OutputFolder(out_dir).write(name, pdf)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text) or "x"


def compare_versions(store: Store, project: Project, leaflet_id: str, spec_a: str | None, spec_b: str | None) -> Comparison:
    archived = versions(store, leaflet_id)
    current = _current(project, leaflet_id)
    if not archived and current is None:
        raise ArchiveError(f'no leaflet "{leaflet_id}" in the archive or in {project.leaflets}; {known_summary(store, leaflet_id)}')
    b = _side(store, leaflet_id, archived, spec_b) if spec_b else (current or _archived(store, archived[-1]))
    if spec_a:
        a = _side(store, leaflet_id, archived, spec_a)
    else:
        older = [s for s in archived if s.fingerprint != _fingerprint_of(b)]
        if not older:
            raise ArchiveError(f'the archive has no other version of "{leaflet_id}" to compare with {b.label}; '
                               f"{known_summary(store, leaflet_id)}")
        a = _archived(store, older[-1])
    return Comparison(leaflet_id, a, b, compare(a.text, b.text), store, project)


def _fingerprint_of(side: Side) -> str:
    if side.snapshot is not None:
        return side.snapshot.fingerprint
    import hashlib

    return hashlib.sha256(side.text.encode("utf-8")).hexdigest()[:12]


def _current(project: Project, leaflet_id: str) -> Side | None:
    from ..loading import find_leaflet_files

    try:
        path = find_leaflet_files(project, (leaflet_id,))[0]
        text = path.read_text(encoding="utf-8")
    except (BuildError, OSError, UnicodeDecodeError):
        return None
    from .diff import split

    front, _ = split(text)
    if front.get("id") != leaflet_id:
        return None
    version = str(front.get("version", "?"))
    return Side(f"the current file (version {version})", version, text, None, path)


def _archived(store: Store, snapshot: Snapshot) -> Side:
    data = store.blob(snapshot.source_sha256)
    if data is None:
        raise ArchiveError(f"the archive has lost the text of {snapshot.leaflet_id} version {snapshot.version}")
    return Side(f"version {snapshot.version} ({snapshot.fingerprint})", snapshot.version, data.decode("utf-8", "replace"), snapshot)


def _side(store: Store, leaflet_id: str, archived: list[Snapshot], spec: str) -> Side:
    spec = spec.strip()
    by_fingerprint = [s for s in archived if len(spec) >= 6 and s.fingerprint.startswith(spec.lower())]
    by_version = [s for s in archived if s.version == spec]
    found = by_fingerprint or by_version
    if not found:
        raise ArchiveError(f'"{spec}" is not an archived version or fingerprint of "{leaflet_id}"; {known_summary(store, leaflet_id)}')
    return _archived(store, found[-1])  # a version edited without a new number: its newest text
