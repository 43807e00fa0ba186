"""The public API: everything the command line, the front desk, the tests and the
benchmarks do goes through these names (re-exported by ``clinicpack``).

    import clinicpack as cp

    loaded = cp.load("path/to/project", "default")         # validated, quality-checked
    pdf = cp.render_leaflet(loaded, "exosome-hair-loss")    # leaflet bytes
    template = cp.pack_template(loaded, "exosome-hair-loss")  # consent pack laid out once
    patient = cp.patient_from_fields({"patient_ref": "P0001", "name": "Ayesha Khan"})
    pack = template.stamp(patient)                           # pack.pdf, pack.file_name

Threads: a ``Loaded`` value is immutable and a ``PackTemplate`` may stamp from several threads
at once. Rendering a leaflet may also run in several threads (each call lays out its own
document). Nothing here changes the working directory, ``sys.argv`` or ReportLab's settings
after import, and nothing here writes files: ``build_leaflets`` and ``build_packs`` (the command line's
pipelines) write into the output folder. (``build_leaflets`` is ``clinicpack.build.build``:
the package's submodule ``clinicpack.build`` owns the plain name.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .build import BuildRequest, Built
from .build import build as build_leaflets
from .errors import BuildError, BuildErrors
from .errors import UserError as UserError
from .leaflet import Leaflet
from .loading import Loaded, layout_names, load, raise_for_quality
from .quality import QualityFailed, Report

__all__ = [
    "FIELDS", "BuildRequest", "Built", "Clinician", "Field", "Leaflet", "Loaded", "PackRequest", "PackResult", "PackTemplate",
    "Patient", "PatientList", "QualityFailed", "Report", "Stamped", "UserError", "UserErrors", "build_leaflets", "build_packs",
    "field_message", "layout_names", "load", "pack_template", "patient_from_fields", "raise_for_quality", "read_patients",
    "read_patients_bytes", "render_leaflet",
]

UserErrors = BuildErrors

if TYPE_CHECKING:
    from .pack import PackRequest, PackResult, build_packs
    from .patients import FIELDS, Clinician, Field, Patient, PatientList, field_message, read_patients_bytes
    from .produce import PackTemplate, Stamped, pack_template, render_leaflet

# imported when first asked for: a leaflet build never needs the consent-pack pipeline, and
# --check (which lays nothing out) needs neither it nor the renderer's entry points
_LAZY = {
    "pack": ("PackRequest", "PackResult", "build_packs"),
    "patients": ("FIELDS", "Clinician", "Field", "Patient", "PatientList", "field_message", "read_patients_bytes"),
    "produce": ("PackTemplate", "Stamped", "pack_template", "render_leaflet"),
}


def __getattr__(name: str) -> Any:
    for module, names in _LAZY.items():
        if name in names:
            from importlib import import_module

            return getattr(import_module(f"{__package__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def patient_from_fields(fields: dict[str, str], today: dt.date | None = None) -> Patient:
    """One patient from a form or a script (field key -> text; see ``FIELDS``). Raises
    ``UserError`` whose ``key`` names the field; the message never quotes a value."""
    from .patients import FIELDS, patient_from_values

    unknown = sorted(set(fields) - {f.key for f in FIELDS})
    if unknown:
        raise BuildError(f'unknown patient field "{unknown[0]}" (the fields are: {", ".join(f.key for f in FIELDS)})', key=unknown[0])
    return patient_from_values(fields, None, today)


def read_patients(source: Path | str, today: dt.date | None = None) -> PatientList:
    """A day's patient list (CSV) from a file: good patients, and one error per bad row."""
    from .patients import read_patients as read_file

    return read_file(Path(source), today)
