"""Content hashes of inputs and of the builder itself, with nothing but the standard library.

Kept apart from ``manifest`` so that deciding a build is up to date (``uptodate``) can hash
files without importing the loaders (YAML, Markdown) or the renderer.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from . import __version__

# the libraries whose version changes what a PDF looks like
DRAWING_LIBRARIES = ("reportlab", "pypdf", "pypdfium2", "pillow")


def file_digest(path: Path) -> str:
    st = path.stat()
    return _digest(str(path.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """Keyed by size and modification time too, so a watch loop re-hashes only changed files."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def builder_digest() -> str:
    """The builder's own source and the drawing libraries' versions: a new version of either
    may draw differently, so outputs are rebuilt."""
    h = hashlib.sha256(f"clinicpack {__version__}".encode())
    versions = _installed_versions(DRAWING_LIBRARIES)
    for dist in DRAWING_LIBRARIES:
        h.update(f"{dist} {versions.get(dist, '-')}\n".encode())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):  # already resolved: no resolve() per file
        st = source.stat()
        h.update(source.relative_to(package).as_posix().encode())
        h.update(_digest(str(source), st.st_size, st.st_mtime_ns).encode())
    return h.hexdigest()


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed_versions(dists: tuple[str, ...]) -> dict[str, str]:
    """Versions from the ``name-version.dist-info`` folders on ``sys.path`` (first match wins, as
    for imports). Listing a folder costs far less than importing ``importlib.metadata``, which
    is asked only for a distribution this scan does not find (e.g. an egg)."""
    wanted = {_normal(d): d for d in dists}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if not entry.endswith(".dist-info"):
                continue
            name, _, version = entry[: -len(".dist-info")].partition("-")
            dist = wanted.get(_normal(name))
            if dist and dist not in found:
                found[dist] = version
        if len(found) == len(wanted):
            return found
    from importlib import metadata

    for dist in dists:
        if dist not in found:
            try:
                found[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
    return found
