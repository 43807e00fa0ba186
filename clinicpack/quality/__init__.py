"""The quality gate for patient material: readability, clear print, contrast, glyphs, QR code,
review date and overclaims, checked on every build before anything is rendered or written.

No ReportLab here: facts only the typesetter knows (which characters a font lacks, how wide
text is) come in as a ``FontFacts`` made by ``clinicpack.render.font_facts``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codecache import dataclass
from ..errors import BuildError, display_path
from .context import FontFacts, Options
from .findings import ERROR, NOTE, WARNING, Finding, count, dedupe, strict

if TYPE_CHECKING:
    from ..brand import Brand
    from ..layout import Layout
    from ..leaflet import Leaflet
    from .claims import Claim
    from .settings import Thresholds

# The checks themselves (and the dictionaries they load) are imported when a check runs, not
# with this package: a build that finds nothing changed only needs Report and Finding.

__all__ = [
    "CHECKS", "ERROR", "NOTE", "WARNING", "Finding", "FontFacts", "Options", "QualityFailed", "Report",
    "check_leaflet", "check_pack",
]


def __getattr__(name: str) -> Any:
    if name == "CHECKS":
        from .checks import CHECKS

        return CHECKS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class QualityFailed(BuildError):
    """The checks found errors; the findings themselves were already handed to the caller."""

    def __init__(self, report: Report):
        super().__init__(f"the quality checks found {_plural(report.errors, 'error')} (listed above)")
        self.report_data = report


@dataclass
class Report:
    """Every finding of one run, with what is needed to print it, as text or as JSON (--report json)."""
    findings: list[Finding]
    leaflets: list[dict] = field(default_factory=list)
    options: Options | None = None
    strict: bool = False

    @property
    def errors(self) -> int:
        return count(self.findings, ERROR)

    @property
    def warnings(self) -> int:
        return count(self.findings, WARNING)

    def summary(self) -> str:
        """``checked 3 leaflet(s): 0 errors, 2 warnings``"""
        return f"checked {len(self.leaflets)} leaflet(s): {_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}"

    def to_json(self) -> str:
        data = {
            "format": "clinicpack-quality-report/1",
            "today": self.options.today.isoformat() if self.options else None,
            "strict": self.strict,
            "summary": {"leaflets": len(self.leaflets), "errors": self.errors, "warnings": self.warnings},
            "leaflets": self.leaflets,
            "findings": [f.as_dict() for f in self.findings],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_leaflet(
    leaflet: Leaflet,
    brand: Brand,
    layout: Layout,
    options: Options,
    fonts: FontFacts | None = None,
    claims: tuple[Claim, ...] | None = None,
    thresholds: Thresholds | None = None,
    metrics: dict | None = None,
    only: tuple[str, ...] = (),
) -> list[Finding]:
    """Every check (or those named in ``only``) on one leaflet, as the build will print it."""
    from .checks import CHECKS
    from .context import CheckInput
    from .settings import brand_thresholds, leaflet_thresholds

    base = thresholds or brand_thresholds(brand)
    ci = CheckInput(leaflet, brand, layout, leaflet_thresholds(leaflet, base), options, fonts, claims)
    findings: list[Finding] = []
    for name, check in CHECKS.items():
        if not only or name in only:
            findings += check(ci)
    if metrics is not None:
        metrics.update(ci.metrics)
    return findings


def check_pack(
    leaflets: list[Leaflet],
    brand: Brand,
    layout: Layout,
    options: Options,
    assets_dir: Path,
    font_facts: Callable[[Leaflet], FontFacts] | None = None,
    strict_mode: bool = False,
) -> Report:
    """All leaflets of a build; layout and brand findings are reported once, not per leaflet."""
    from .settings import brand_thresholds
    from .translations import stale_translations

    thresholds = brand_thresholds(brand)
    findings: list[Finding] = []
    claims = _claims(brand, thresholds, assets_dir, findings)
    rows = []
    for leaflet in leaflets:
        metrics: dict = {}
        fonts = font_facts(leaflet) if font_facts is not None else None
        findings += check_leaflet(leaflet, brand, layout, options, fonts, claims, thresholds, metrics)
        rows.append({"file": display_path(leaflet.path), "id": leaflet.id, "language": leaflet.language, **metrics})
    findings += stale_translations(leaflets, options, assets_dir)
    findings = dedupe(findings)
    if strict_mode:
        findings = strict(findings)
    return Report(findings, rows, options, strict_mode)


def _claims(brand: Brand, thresholds: Thresholds, assets_dir: Path, findings: list[Finding]) -> tuple[Claim, ...] | None:
    from .claims import load_claims

    path = (assets_dir / thresholds.claims_file).resolve()
    line = brand.doc.line("quality", "claims") if ("quality", "claims") in brand.doc.lines else None
    if not path.is_relative_to(assets_dir.resolve()):
        raise BuildError(f'quality.claims "{thresholds.claims_file}" is outside the assets folder; keep the claims list in assets/', brand.path, line)
    if not path.is_file():
        findings.append(Finding(
            brand.path if line else path, line, WARNING,
            f"no claims list at {display_path(path)}, so no leaflet was checked for overclaims: restore it "
            "(an empty list, claims: [], turns the check off)",
            "claims",
        ))
        return None
    return load_claims(path)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
