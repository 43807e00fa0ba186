"""Incremental builds: fingerprint every input of an output, and skip the render when none changed.

A fingerprint is a SHA-256 over everything that can change a leaflet's PDF: the leaflet file,
the brand file, every file of the layout's ``extends`` chain, the labels, the logo, the fonts
and images it uses, the options that change the output, and the builder itself (its source
and the versions of the libraries that draw the PDF). The manifest in the output folder maps
each output file to the fingerprint it was built from and the hash of the bytes written, so
a PDF edited or deleted by hand is rebuilt too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .brand import Brand
from .digests import builder_digest, bytes_digest, file_digest
from .layout import Layout
from .leaflet import Leaflet, resolve_image
from .project import Project
from .writer import OutputFolder

MANIFEST = ".clinicpack-manifest.json"
FORMAT = 1


def leaflet_inputs(project: Project, brand: Brand, layout: Layout, leaflet: Leaflet) -> list[Path]:
    """Every file that goes into this leaflet's PDF."""
    files = [leaflet.path, brand.path, *layout.files]
    if brand.logo is not None:
        files.append(brand.logo)
    labels = project.labels
    files.append(labels / "en.yaml")
    own = labels / f"{leaflet.language.split('-')[0]}.yaml"
    if own.exists():
        files.append(own)
    used_fonts = {layout.text.font, layout.headings.font}
    language_font = brand.language(leaflet.language).font
    if language_font:
        used_fonts.add(language_font)
    for name in sorted(used_fonts):
        files.extend(brand.fonts[name].faces[face] for face in sorted(brand.fonts[name].faces))
    for src in _image_sources(leaflet):
        files.append(resolve_image(leaflet, src, project.assets))
    return files


def _image_sources(leaflet: Leaflet) -> list[str]:
    elements = list(leaflet.intro)
    for section in leaflet.sections:
        elements.append(section.heading)
        elements.extend(section.body)
    return sorted({img.get("src") or "" for el in elements for img in el.iter("img")})


def fingerprint(files: Iterable[Path], options: dict) -> str:
    h = hashlib.sha256(builder_digest().encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    for path in files:
        h.update(str(path.resolve()).encode())
        h.update(file_digest(path).encode() if path.is_file() else b"missing")
    return h.hexdigest()


class Manifest:
    """Which inputs each output in the folder was built from (a JSON file, written atomically)."""

    def __init__(self, folder: OutputFolder):
        self.folder = folder
        self.path = folder.path_for(MANIFEST)
        self.entries: dict[str, dict] = {}
        self.builds: dict[str, dict] = {}  # whole-build records for the up-to-date fast path (uptodate.py)
        self._loaded = ""
        try:
            self._loaded = self.path.read_text(encoding="utf-8")
            data = json.loads(self._loaded)
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("outputs"), dict):
                self.entries = data["outputs"]
                self.builds = data["builds"] if isinstance(data.get("builds"), dict) else {}
        except (OSError, ValueError):
            pass  # no manifest or a damaged one: everything is rebuilt, nothing is lost

    def fresh(self, name: str, inputs: str, extra: str = "inputs") -> bool:
        """True when ``name`` was built from exactly these inputs and is still the file we wrote."""
        entry = self.entries.get(name)
        if not entry or entry.get(extra) != inputs:
            return False
        return _same_file(self.folder.path_for(name), entry.get("size"), entry.get("sha256"))

    def record(self, name: str, inputs: str, data: bytes, extra: str = "inputs") -> None:
        self.entries[name] = {extra: inputs, "size": len(data), "sha256": bytes_digest(data)}

    def save(self, folder: OutputFolder | None = None) -> None:
        """Write the manifest (through ``folder``, e.g. a build's staged writes, when given)."""
        data = {"format": FORMAT, "outputs": self.entries, **({"builds": self.builds} if self.builds else {})}
        text = json.dumps(data, indent=1, sort_keys=True) + "\n"
        if text != self._loaded:
            (folder or self.folder).write(MANIFEST, text.encode("utf-8"))
            self._loaded = text


def _same_file(path: Path, size: object, sha256: object) -> bool:
    try:
        if os.path.getsize(path) != size:
            return False
        return bytes_digest(path.read_bytes()) == sha256
    except OSError:
        return False
