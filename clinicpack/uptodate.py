"""Deciding that nothing changed, before loading anything a build that renders nothing does not need.

Each successful leaflet build records, in the manifest, what it read and what it found: the
hash of every file it read (leaflets, brand, layout chain, labels, claims list, logo, fonts,
images), the files it looked for and did not find, the list of leaflets in ``leaflets/``, the
builder's own digest, each output's input fingerprint, and the quality report. A build whose
checks consulted the archive database (a stale translation: its changed sections are named from
the archived original) records nothing, as the database is not a file we hash. The record is
keyed by the request (targets, layout, options, output folder, working folder) and by the date
(the review-date checks depend on it).

The next build with the same request first checks that record with nothing but ``hashlib`` and
``json``: when every file hashes the same, no leaflet was added or removed, the builder is the
same and every PDF is still the file that was written, the build is up to date. The recorded
quality findings are then reported again, exactly as the checks printed them; they were
computed from these very bytes on this very date. Any difference, however small, falls back to
the full build, which reads, checks and renders as usual (and skips each output whose own
inputs did not change).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .codecache import dataclass
from .digests import builder_digest, bytes_digest, file_digest
from .quality.findings import Finding

MANIFEST = ".clinicpack-manifest.json"
KEEP = 8  # records kept per output folder (one per distinct request, most recent last)
MISSING = "missing"


@dataclass(frozen=True)
class Request:
    """What a leaflet build was asked for, as far as it changes the outputs or the report."""

    project: Path
    targets: tuple[str, ...]
    layout: str
    out: Path
    print_ready: bool
    strict: bool
    allow_overdue: bool
    today: dt.date

    def key(self) -> str:
        fields = [str(self.project.resolve()), list(self.targets), self.layout, str(self.out.resolve()), self.print_ready,
                  self.strict, self.allow_overdue, self.today.isoformat(), os.getcwd()]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Fresh:
    """An up-to-date build: the outputs (file names in the output folder) and the recorded report."""

    outputs: tuple[str, ...]
    quality: dict


def leaflet_listing(project: Path) -> list[str]:
    return sorted(str(p) for p in (project / "leaflets").glob("*.md"))


def record(builds: dict[str, dict], request: Request, files: Iterable[Path], outputs: dict[str, str], quality: dict) -> None:
    """Remember a successful build (``builds`` is ``Manifest.builds``; the caller saves it)."""
    digests = {}
    for path in files:
        resolved = path.resolve()
        digests[str(resolved)] = file_digest(resolved) if resolved.is_file() else MISSING
    key = request.key()
    builds.pop(key, None)
    builds[key] = {
        "builder": builder_digest(), "listing": leaflet_listing(request.project), "files": digests,
        # pairs and a string: the manifest's JSON sorts keys, these keep the build's order
        "outputs": list(outputs.items()), "quality": json.dumps(quality),
    }
    for old in list(builds)[:-KEEP]:
        del builds[old]


def check(request: Request) -> Fresh | None:
    """The recorded build, when nothing it depends on changed; otherwise None."""
    try:
        data = json.loads((request.out / MANIFEST).read_text(encoding="utf-8"))
        entry = data["builds"][request.key()]
        outputs: dict[str, dict] = data["outputs"]
        if entry["builder"] != builder_digest() or entry["listing"] != leaflet_listing(request.project):
            return None
        for name, digest in entry["files"].items():
            path = Path(name)
            if (file_digest(path) if path.is_file() else MISSING) != digest:
                return None
        for name, inputs in entry["outputs"]:
            written = outputs[name]
            if written.get("inputs") != inputs or not _same_file(request.out / name, written.get("size"), written.get("sha256")):
                return None
        return Fresh(tuple(name for name, _ in entry["outputs"]), json.loads(entry["quality"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, an old or damaged manifest: the full build decides


def _same_file(path: Path, size: object, sha256: object) -> bool:
    try:
        return os.path.getsize(path) == size and bytes_digest(path.read_bytes()) == sha256
    except OSError:
        return False


def findings_record(findings: Iterable[Finding]) -> list[list]:
    return [[None if f.file is None else str(f.file), f.line, f.severity, f.message, f.check] for f in findings]


def findings_from(record: list[list]) -> list[Finding]:
    return [Finding(None if file is None else Path(file), line, severity, message, check) for file, line, severity, message, check in record]
