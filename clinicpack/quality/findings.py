"""What a quality check reports: one finding per problem, printed like a compiler message.

``file:line: error|warning|note: message`` is the format editors, CI logs and ``grep`` already
understand; the same findings go to ``--report json`` for other tools.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..codecache import dataclass
from ..errors import display_path, one_line

ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True)
class Finding:
    """One problem the quality gate found, placed at a file and line so an editor can jump to it."""
    file: Path | None
    line: int | None
    severity: str  # "error", "warning" or "note" (notes explain a finding and never fail a build)
    message: str
    check: str  # the registry name of the check that found it, e.g. "readability"

    def report(self) -> str:
        where = display_path(self.file) if self.file is not None else ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return one_line(f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}")

    def as_dict(self) -> dict:
        return {
            "file": display_path(self.file) if self.file is not None else None,
            "line": self.line,
            "severity": self.severity,
            "check": self.check,
            "message": self.message,
        }


def strict(findings: list[Finding]) -> list[Finding]:
    """``--strict``: every warning becomes an error (notes stay notes)."""
    return [replace(f, severity=ERROR) if f.severity == WARNING else f for f in findings]


def count(findings: list[Finding], severity: str) -> int:
    return sum(1 for f in findings if f.severity == severity)


def dedupe(findings: list[Finding]) -> list[Finding]:
    """Layout and brand findings are found once per leaflet; report each only once."""
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (str(f.file), f.line, f.severity, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
