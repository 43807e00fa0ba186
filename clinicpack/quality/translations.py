"""Stale translations: a translation says which version of its original it was made from.

``translation_of_version: "1.0"`` in a translation's front matter records it. When the
original's current version differs, the translation may no longer say what the original says:
a warning at that key's line names both versions and, when the archive (clinicpack.archive)
holds the old version, the sections that changed since. ``--strict`` makes it an error.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from ..leaflet import Leaflet, _split_front_matter, declared_id, load_leaflet
from ..yamlfile import as_text, parse_yaml, read_text
from .context import Options
from .findings import WARNING, Finding

MAX_NAMED = 8  # sections named in one message; more are counted


def stale_translations(leaflets: list[Leaflet], options: Options, assets_dir: Path | None = None) -> list[Finding]:
    findings: list[Finding] = []
    by_id = {leaflet.id: leaflet for leaflet in leaflets}
    for leaflet in leaflets:
        if not leaflet.translation_of:
            continue
        doc = leaflet.front
        if leaflet.translation_of_version is None:
            line = doc.line("translation_of") if doc else None
            findings.append(Finding(
                leaflet.path, line, WARNING,
                f'this translation does not say which version of "{leaflet.translation_of}" it was made from: add '
                f'translation_of_version: "<version>" under translation_of, so the build can tell when the original changes',
                "translation",
            ))
            continue
        original = by_id.get(leaflet.translation_of) or _find_original(leaflet, assets_dir, leaflet.translation_of_version)
        if original is None or original.version == leaflet.translation_of_version:
            continue
        line = doc.line("translation_of_version") if doc else None
        findings.append(Finding(leaflet.path, line, WARNING, _stale_message(leaflet, original, options), "translation"))
    return findings


def _stale_message(leaflet: Leaflet, original: Leaflet, options: Options) -> str:
    old_version, new_version = leaflet.translation_of_version, original.version
    head = (f'translated from version {old_version} of "{original.id}", which is now version {new_version}')
    advice = f'(update the translation, then set translation_of_version: "{new_version}")'
    old_text = options.archived_source(original.id, old_version) if options.archived_source else None
    if old_text is None:
        return (f"{head}; the archive has no copy of version {old_version}, so the changed sections cannot be named "
                f'(build_pack.py diff {original.id} shows the archived versions) {advice}')
    from ..archive.diff import changed_sections

    names = changed_sections(old_text, "\n".join(original.lines))
    if not names:
        return f"{head}; no printed text changed between them {advice}"
    shown = ", ".join(names[:MAX_NAMED]) + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")
    return f"{head}; changed since: {shown} {advice}"


def _find_original(leaflet: Leaflet, assets_dir: Path | None, made_from: str) -> Leaflet | None:
    """The original in the translation's own folder, when the build did not load it. When its
    front matter already shows the version the translation was made from, nothing would be
    reported whether or not the whole file loads, so it is not parsed (a Markdown parse)."""
    for path in sorted(leaflet.path.parent.glob("*.md")):
        if path == leaflet.path or declared_id(path) != leaflet.translation_of:
            continue
        if _front_version(path) == made_from:
            return None
        try:
            return load_leaflet(path, assets_dir or path.parent)
        except BuildError:
            return None  # its own build reports what is wrong with it
    return None


def _front_version(path: Path) -> str | None:
    """``version`` read from the front matter alone, as ``load_leaflet`` reads it; None when
    the front matter cannot be read that far."""
    try:
        front, _ = _split_front_matter(read_text(path, "leaflet").split("\n"), path)
        doc = parse_yaml("\n".join(front), path, line_offset=1)
        if isinstance(doc.data, dict) and doc.data.get("version") not in (None, ""):
            return as_text(doc, ("version",), doc.data["version"], "version")
    except BuildError:
        pass
    return None
