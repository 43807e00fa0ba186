"""What each page shows and does, as plain functions of the ``Desk`` (no HTTP here): the
handlers in ``app.py`` run them in the thread pool and hand the result to a template.

Errors are dictionaries ``{field key: message}``, in the words of the form (labels, not
CSV column names), so each shows beside its field; messages never quote what was typed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import clinicpack as cp

from .desk import Desk, Unknown

RTL_LANGUAGES = {"ar", "fa", "he", "ps", "sd", "ug", "ur", "yi"}  # when the brand does not say
HINTS = {
    "patient_ref": "Letters, digits or hyphens, up to 16, e.g. P0001. Never the patient's name: it goes into the booking link.",
    "date_of_birth": "Year-month-day, e.g. 1990-02-28. Leave empty to write it by hand.",
    "appointment_date": "Year-month-day, e.g. 2026-12-02.",
}
PLACEHOLDER = {"patient_ref": "X", "name": "X"}  # stands in for a bad required value while the others are checked
Errors = dict[str, str]


def reports(exc: Exception) -> list[str]:
    """``file:line: message`` lines of a project error (leaflet, layout, brand: no patient data)."""
    if isinstance(exc, cp.UserErrors):
        return [e.report() for e in exc.errors]
    return [exc.report()] if isinstance(exc, cp.UserError) else [str(exc)]


def layout_label(name: str) -> str:
    return "Standard" if name == "default" else name.replace("-", " ").capitalize()


def direction(loaded: Any, language: str) -> str:
    lang = getattr(getattr(loaded, "brand", None), "languages", {}).get(language)
    found = getattr(lang, "direction", None)
    return found if found in ("ltr", "rtl") else ("rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr")


def review_status(leaflet: Any, findings: list[Any], today: dt.date) -> tuple[str, str]:
    """(words, css class): overdue, due soon (the quality gate's own warning window), in date."""
    due = leaflet.review_due
    if due is not None and due < today:
        return f"Overdue since {due.isoformat()}", "overdue"
    if any(getattr(f, "check", "") == "review" for f in findings):
        return f"Due soon: {due.isoformat()}", "soon"
    return (f"In date until {due.isoformat()}" if due else "No review date"), "ok"


# ---------------------------------------------------------------- leaflets (home)
def leaflets_page(desk: Desk) -> dict:
    loaded = desk.loaded()
    layouts = desk.layouts()
    today = desk.today or dt.date.today()
    paths = {str(leaflet.path): leaflet.id for leaflet in loaded.leaflets}
    by_leaflet: dict[str, list[Any]] = {}
    general = []
    for finding in loaded.quality.findings:
        if finding.severity not in ("error", "warning"):
            continue
        owner = paths.get(str(finding.file)) if finding.file is not None else None
        (by_leaflet.setdefault(owner, []) if owner else general).append(finding)
    groups: dict[str, list[dict]] = {}
    for leaflet in loaded.leaflets:
        findings = by_leaflet.get(leaflet.id, [])
        words, css = review_status(leaflet, findings, today)
        groups.setdefault(leaflet.translation_of or leaflet.id, []).append({
            "id": leaflet.id, "title": leaflet.title, "language": leaflet.language, "dir": direction(loaded, leaflet.language),
            "version": leaflet.version, "review": words, "review_class": css,
            "errors": sum(f.severity == "error" for f in findings), "warnings": sum(f.severity == "warning" for f in findings),
            "findings": [{"severity": f.severity, "line": f.line, "message": f.message} for f in findings],
            "downloads": [{"label": layout_label(name), "url": f"/leaflets/{leaflet.id}/{name}.pdf"} for name in layouts],
        })
    return {"groups": list(groups.values()), "general": [f.report() for f in general], "layouts": layouts}


def fonts_css(desk: Desk) -> str:
    """@font-face rules for the brand's language fonts (served by the app: no CDN)."""
    try:
        brand = desk.loaded().brand
    except (cp.UserError, cp.UserErrors):
        return ""
    rules = []
    for code, lang in sorted(brand.languages.items()):
        family = brand.fonts.get(lang.font) if lang.font else None
        if family is None:
            continue
        for face in ("regular", "bold"):
            if face in family.faces:
                weight = 700 if face == "bold" else 400
                rules.append(f'@font-face {{ font-family: "clinic-{code}"; src: url("/fonts/{code}-{face}.ttf") format("truetype"); '
                             f"font-weight: {weight}; font-display: swap; }}")
        rules.append(f'[lang="{code}"] {{ font-family: "clinic-{code}", serif; }}')
    return "\n".join(rules) + "\n"


# ---------------------------------------------------------------- choices shared by both forms
def choices(desk: Desk, choice: dict[str, str]) -> dict:
    loaded = desk.loaded()
    leaflets = [{"id": lf.id, "title": lf.title, "language": lf.language, "dir": direction(loaded, lf.language)} for lf in loaded.leaflets]
    layouts = [{"name": n, "label": layout_label(n)} for n in desk.layouts()]
    return {"leaflets": leaflets, "layouts": layouts, "choice": choice}


def check_choice(desk: Desk, choice: dict[str, str]) -> Errors:
    errors: Errors = {}
    if choice["leaflet"] not in {lf.id for lf in desk.loaded().leaflets}:
        errors["leaflet"] = "Choose the treatment from the list."
    if choice["layout"] not in desk.layouts():
        errors["layout"] = "Choose a layout from the list."
    return errors


def chosen_template(desk: Desk, choice: dict[str, str], errors: Errors | None = None) -> Any:
    """The warm template for the chosen leaflet and layout, or a dict of errors: the choice's
    own, then ``errors`` (already found on the form), or why the leaflet cannot make a pack."""
    found = {**check_choice(desk, choice), **(errors or {})}
    return found or _template(desk, choice)


def _template(desk: Desk, choice: dict[str, str]) -> Any:
    """The warm template, or the reason the chosen leaflet cannot make a pack (by Treatment)."""
    try:
        return desk.template(choice["leaflet"], choice["layout"])
    except Unknown:
        return {"leaflet": "Choose the treatment from the list."}
    except (cp.UserError, cp.UserErrors) as exc:
        return {"leaflet": "This treatment's consent pack cannot be printed until its leaflet is fixed: " + "; ".join(reports(exc))}


# ---------------------------------------------------------------- print a pack
def label_message(error: Any) -> str:
    """The message with its leading field key written as the form's label."""
    field = next((f for f in cp.FIELDS if f.key == error.key), None)
    if field is not None and error.message.startswith(field.key):
        return field.label + error.message[len(field.key):]
    return error.message


def validate(values: dict[str, str], today: dt.date | None) -> tuple[Any, Errors]:
    """The patient, or every field's error at once: a bad value is replaced by a harmless
    one and the rest checked again, so staff fix the whole form in one go."""
    errors: Errors = {}
    trial = dict(values)
    for _ in range(len(cp.FIELDS) + 1):
        try:
            patient = cp.patient_from_fields(trial, today=today)
        except cp.UserError as exc:
            key = exc.key or "name"
            if key in errors:  # the stand-in did not help: report what we have
                return None, errors
            errors[key] = label_message(exc)
            trial[key] = PLACEHOLDER.get(key, "")
            continue
        return (None if errors else patient), errors
    return None, errors


def build_pack(desk: Desk, choice: dict[str, str], values: dict[str, str], blank: bool) -> Any:
    """A ``cp.Stamped`` pack, or the errors to show beside the fields (nothing is built)."""
    patient, field_errors = (None, {}) if blank else validate(values, desk.today)
    template = chosen_template(desk, choice, field_errors)
    if isinstance(template, dict):
        return template
    try:
        pack = template.stamp(patient)
    except cp.UserError as exc:
        return {exc.key or "name": label_message(exc)}
    if desk.archive is not None:
        desk.archive.record(template, choice["layout"], [(pack, patient.ref if patient else None)])
    return pack


def pack_page(desk: Desk, choice: dict[str, str], values: dict[str, str], errors: Errors) -> dict:
    fields = [{"key": f.key, "label": f.label, "value": values.get(f.key, ""), "hint": HINTS.get(f.key, ""),
               "required": f.key in ("patient_ref", "name")} for f in cp.FIELDS]
    order = ["leaflet", "layout", *(f.key for f in cp.FIELDS)]
    first = next((k for k in order if k in errors), next(iter(errors), None))
    return {**choices(desk, choice), "fields": fields, "errors": errors, "first_error": first, "error_order": order}


# ---------------------------------------------------------------- day list
def day_page(desk: Desk, choice: dict[str, str], errors: Errors, file_name: str | None, data: bytes) -> dict:
    """The upload form, and after a check the table: one row per CSV row, good or bad."""
    context = {**choices(desk, choice), "errors": dict(errors), "rows": [], "good": 0, "file_name": file_name, "list": ""}
    if not data or errors:
        return _with_first(context)
    errors = context["errors"]
    errors.update(check_choice(desk, choice))
    try:
        plist = cp.read_patients_bytes(data, file_name or "list.csv", desk.today)
    except cp.UserError as exc:
        errors["patients"] = exc.report()
        return _with_first(context)
    template = None if errors else _template(desk, choice)
    if isinstance(template, dict):
        errors.update(template)
        template = None
    rows = [{"line": e.line, "ref": "", "name": "", "appointment": "", "status": e.message, "ok": False} for e in plist.errors]
    for patient in plist.patients:
        status, ok = "Ready to print", True
        if template is not None:
            try:
                template.stamp(patient)  # a name the font cannot print shows now, not at print time
            except cp.UserError as exc:
                status, ok = exc.message, False
        rows.append({"line": patient.line, "ref": patient.ref, "name": patient.name, "ok": ok, "status": status,
                     "appointment": patient.appointment_date.isoformat() if patient.appointment_date else ""})
    rows.sort(key=lambda r: r["line"] or 0)
    context.update(rows=rows, good=sum(r["ok"] for r in rows), list=base64.b64encode(data).decode("ascii"))
    return _with_first(context)


def _with_first(context: dict) -> dict:
    errors = context["errors"]
    context["first_error"] = next((k for k in ("leaflet", "layout", "patients") if k in errors), None)
    return context


def print_day(desk: Desk, choice: dict[str, str], data: bytes, row: int | None) -> Any:
    """(pdf, file name) of every good row's pack merged into one print job (or one row's
    pack); errors for the day page otherwise."""
    template = chosen_template(desk, choice)
    if isinstance(template, dict):
        return template
    try:
        plist = cp.read_patients_bytes(data, "list.csv", desk.today)
    except cp.UserError as exc:
        return {"patients": exc.report()}
    packs, refs = [], []
    for patient in plist.patients:
        if row is not None and patient.line != row:
            continue
        try:
            packs.append(template.stamp(patient))
            refs.append(patient.ref)
        except cp.UserError:
            continue  # shown on the check page; the other rows still print
    if packs and desk.archive is not None:
        desk.archive.record(template, choice["layout"], list(zip(packs, refs)))
    if not packs:
        return {"patients": "No row of this list can be printed. Fix the rows marked in the table and check the list again."}
    if row is not None:
        return packs[0].pdf, packs[0].file_name
    return merge([p.pdf for p in packs]), f"{choice['leaflet']}-day-list.pdf"


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF of many packs, in list order: one print job for the whole day."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
    writer.compress_identical_objects()  # every pack embeds the same fonts and logo: keep one copy (about 5x smaller)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
