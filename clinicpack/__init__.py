"""Printable patient leaflets and consent packs from Markdown.

The public API lives in ``clinicpack.api`` and is re-exported here (see its docstring for an
example). Names are imported on first use, so ``import clinicpack`` stays cheap: a command that
finds nothing to rebuild never loads the PDF machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import *  # noqa: F403

_API = (
    "FIELDS", "BuildRequest", "Built", "Clinician", "Field", "Leaflet", "Loaded", "PackRequest", "PackResult", "PackTemplate",
    "Patient", "PatientList", "QualityFailed", "Report", "Stamped", "UserError", "UserErrors", "build_leaflets", "build_packs",
    "field_message", "layout_names", "load", "pack_template", "patient_from_fields", "raise_for_quality", "read_patients",
    "read_patients_bytes", "render_leaflet",
)


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'clinicpack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
