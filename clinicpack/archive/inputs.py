"""Which files a leaflet was built from, stored by content; and putting them back in a folder.

The list is the incremental build's own (``manifest.leaflet_inputs``: leaflet, brand, every
layout of the ``extends`` chain, labels, logo, images, fonts) plus the claims list the quality
gate reads, so "what the archive keeps" and "what makes a PDF out of date" cannot drift apart.

Each file is named by where it sits in the project folder. A file from outside the project is
named by its role: a leaflet (and the images beside it) under ``leaflets/``, a layout under
``layouts/``, and a font from an installed font package as ``package:<module>/files/<name>``
(a reprint takes it from the installed package again and says so when its bytes differ).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from .. import __version__
from ..brand import Brand
from ..layout import Layout
from ..leaflet import Leaflet
from ..manifest import builder_digest, leaflet_inputs
from ..project import Project
from .store import ArchivedFile, ArchiveError, Snapshot, Store

PACKAGE = "package:"


def archive_path(project: Project, layout: Layout, leaflet: Leaflet, path: Path) -> str:
    """The name a file is stored under (a relative path inside a project folder)."""
    resolved = path.resolve()
    root = project.root.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    if resolved == leaflet.path.resolve() or resolved.parent == leaflet.path.resolve().parent:
        return f"leaflets/{resolved.name}"
    if resolved in {p.resolve() for p in layout.files}:
        return f"layouts/{resolved.name}"
    return PACKAGE + "/".join(resolved.parts[-3:])


def claims_file(project: Project, brand: Brand) -> Path | None:
    from ..quality.settings import brand_thresholds

    path = project.assets / brand_thresholds(brand).claims_file
    return path if path.is_file() else None


def store_snapshot(store: Store, project: Project, brand: Brand, layout: Layout, leaflet: Leaflet, layout_name: str) -> Snapshot:
    """Store every input of this leaflet's build (each file once, by content) and return the snapshot."""
    paths = list(leaflet_inputs(project, brand, layout, leaflet))
    # the brand file names every font, and loading it checks each one exists: keep them all
    paths += [path for family in brand.fonts.values() for path in family.faces.values()]
    paths = list(dict.fromkeys(paths))
    claims = claims_file(project, brand)
    if claims is not None:
        paths.append(claims)
    files: dict[str, ArchivedFile] = {}
    source_sha = ""
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"could not read {path} for the archive ({exc.strerror})", path) from None
        sha = hashlib.sha256(data).hexdigest()
        if not store.has_blob(sha):
            store.put_blob(sha, data)
        name = archive_path(project, layout, leaflet, path)
        files[name] = ArchivedFile(name, sha)
        if path == leaflet.path:
            source_sha = sha
    leaflet_name = archive_path(project, layout, leaflet, leaflet.path)
    if layout_name.endswith((".yaml", ".yml")) or "/" in layout_name:  # a layout given as a path: where its file is archived
        layout_name = archive_path(project, layout, leaflet, Path(layout_name))
    listed = tuple(sorted(files.values(), key=lambda f: f.path))
    key = json.dumps({"leaflet": leaflet_name, "layout": layout_name, "builder": builder_digest(),
                      "files": [[f.path, f.sha256] for f in listed]}, sort_keys=True)
    snapshot = Snapshot(
        id=hashlib.sha256(key.encode()).hexdigest(),
        leaflet_id=leaflet.id, language=leaflet.language, version=leaflet.version, fingerprint=leaflet.fingerprint,
        source_sha256=source_sha, leaflet_path=leaflet_name, layout=layout_name,
        builder_version=__version__, builder_digest=builder_digest(), files=listed,
    )
    store.put_snapshot(snapshot)
    return snapshot


def materialise(store: Store, snapshot: Snapshot, into: Path | None = None) -> Path:
    """Write a snapshot's files into a fresh private project folder and return its root.

    The caller builds from it through the public API, exactly as from a clinic's own folder,
    and deletes it afterwards (``tempfile.TemporaryDirectory``)."""
    root = Path(into) if into is not None else Path(tempfile.mkdtemp(prefix="clinicpack-reprint-"))
    for item in snapshot.files:
        if item.path.startswith(PACKAGE):
            continue
        relative = Path(item.path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ArchiveError(f'the archive names a file outside a project folder ("{item.path}"); the archive may be damaged')
        data = store.blob(item.sha256)
        if data is None:
            raise ArchiveError(f"the archive has lost the content of {item.path} (sha256 {item.sha256[:12]}); it cannot be reprinted")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for folder in ("leaflets", "layouts", "assets"):
        (root / folder).mkdir(exist_ok=True)
    return root


def package_differences(snapshot: Snapshot, brand: Brand) -> list[str]:
    """Installed package files (fonts) whose bytes differ from what the original was built with."""
    installed = {}
    for family in brand.fonts.values():
        for path in family.faces.values():
            installed[PACKAGE + "/".join(path.resolve().parts[-3:])] = path
    out = []
    for item in snapshot.files:
        if item.path.startswith(PACKAGE):
            path = installed.get(item.path)
            if path is None or not path.is_file():
                out.append(f"{item.path[len(PACKAGE):]} is no longer installed")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != item.sha256:
                out.append(f"{item.path[len(PACKAGE):]} has changed since")
    return out
