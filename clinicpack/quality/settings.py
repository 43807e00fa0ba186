"""Quality thresholds: defaults, then the brand's ``quality:`` section, then the leaflet's.

Both sections are free-form in their own loaders (brand.py, leaflet.py); they are validated
here, where their meaning lives, with the same unknown-key errors and line numbers as the
rest of the YAML.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..brand import Brand
from ..codecache import dataclass
from ..leaflet import Leaflet
from ..yamlfile import YamlDoc, check_keys

# US school grades (Flesch-Kincaid). NHS guidance asks for a reading age of 9 to 11,
# roughly US grades 4 to 6; grade 8 is the common ceiling for patient material.
DEFAULT_GRADE_WARNING = 8.0
DEFAULT_GRADE_ERROR = 12.0
DEFAULT_REVIEW_WARNING_DAYS = 60
DEFAULT_CLAIMS_FILE = "claims.yaml"

LEAFLET_KEYS = {"grade_warning", "grade_error", "review_warning_days"}
BRAND_KEYS = LEAFLET_KEYS | {"claims"}


@dataclass(frozen=True)
class Thresholds:
    """The checks' limits: defaults, then what the brand file's ``quality:`` section and a leaflet set."""
    grade_warning: float = DEFAULT_GRADE_WARNING
    grade_error: float = DEFAULT_GRADE_ERROR
    review_warning_days: int = DEFAULT_REVIEW_WARNING_DAYS
    claims_file: str = DEFAULT_CLAIMS_FILE


def brand_thresholds(brand: Brand) -> Thresholds:
    section = brand.extra.get("quality")
    if section is None:
        return Thresholds()
    return _apply(Thresholds(), brand.doc, section, BRAND_KEYS, "the brand's quality section")


def leaflet_thresholds(leaflet: Leaflet, base: Thresholds) -> Thresholds:
    if not leaflet.quality or leaflet.front is None:
        return base
    return _apply(base, leaflet.front, leaflet.quality, LEAFLET_KEYS, "the leaflet's quality section")


def _apply(base: Thresholds, doc: YamlDoc, section: Any, allowed: set[str], what: str) -> Thresholds:
    data = check_keys(doc, section, ("quality",), allowed, set(), what)
    changes: dict[str, Any] = {}
    for key in ("grade_warning", "grade_error"):
        if key in data:
            changes[key] = _number(doc, key, data[key], 1, 30)
    if "review_warning_days" in data:
        changes["review_warning_days"] = int(_number(doc, "review_warning_days", data["review_warning_days"], 0, 730, whole=True))
    if "claims" in data:
        value = data["claims"]
        if not isinstance(value, str) or not value.strip():
            raise doc.error(("quality", "claims"), 'quality.claims must be the name of a YAML file in assets/, e.g. "claims.yaml"')
        changes["claims_file"] = value.strip()
    result = replace(base, **changes)
    if result.grade_warning > result.grade_error:
        key = "grade_warning" if "grade_warning" in data else "grade_error"
        raise doc.error(
            ("quality", key),
            f"quality.grade_warning ({result.grade_warning:g}) must not be above quality.grade_error ({result.grade_error:g})",
        )
    return result


def _number(doc: YamlDoc, key: str, value: Any, low: float, high: float, whole: bool = False) -> float:
    ok = isinstance(value, int) if whole else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise doc.error(("quality", key), f"quality.{key} must be {kind} from {low:g} to {high:g} (got {value!r})")
    return float(value)
