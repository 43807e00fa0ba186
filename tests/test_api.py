"""The public API (``import clinicpack``), used the way the front desk and scripts use it:
only names the package exports, checked on the real PDF bytes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

import clinicpack as cp
from tests.helpers import decode_qr, make_project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def loaded() -> cp.Loaded:
    return cp.load(ROOT)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    image = pdfium.PdfDocument(pdf)[page].render(scale=3).to_pil()
    return decode_qr(image)


def test_import_is_cheap_and_lists_the_api() -> None:
    code = "import sys, clinicpack; clinicpack.load; print(*(m in sys.modules for m in ('reportlab', 'markdown', 'yaml')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    # only drawing needs ReportLab; PyYAML and Python-Markdown only parse what the user cache lacks
    assert out.split() == ["False", "False", "False"]
    assert {"load", "render_leaflet", "pack_template", "patient_from_fields", "read_patients", "UserError"} <= set(dir(cp))


def test_load_validates_and_checks(loaded: cp.Loaded) -> None:
    assert [leaflet.id for leaflet in loaded.leaflets] == ["exosome-hair-loss", "exosome-hair-loss-ur", "prp-hair-loss"]
    assert loaded.quality is not None and loaded.quality.errors == 0
    assert "large-print" in cp.layout_names(loaded.project)
    with pytest.raises(cp.UserError) as info:
        loaded.leaflet("../../etc/passwd")
    assert 'no leaflet "../../etc/passwd"' in info.value.message


def test_render_leaflet_returns_the_pdf(loaded: cp.Loaded) -> None:
    pdf = cp.render_leaflet(loaded, "exosome-hair-loss")
    assert pdf.startswith(b"%PDF-")
    leaflet = loaded.leaflet("exosome-hair-loss")
    assert leaflet.title.split()[0] in text_of(pdf)
    assert cp.render_leaflet(loaded, "exosome-hair-loss") == pdf  # reproducible in one process


def test_stamp_a_patient_and_a_blank_pack(loaded: cp.Loaded) -> None:
    template = cp.pack_template(loaded, "exosome-hair-loss")
    patient = cp.patient_from_fields({"patient_ref": "P0042", "name": "Ayesha Khan", "date_of_birth": "1990-02-28"})
    pack = template.stamp(patient)
    assert pack.file_name == "P0042.pdf"
    text = text_of(pack.pdf)
    assert "Ayesha Khan" in text
    codes = qr_codes(pack.pdf)
    assert codes and all("ref=P0042" in c and "Ayesha" not in c for c in codes)
    blank = template.stamp(None)
    assert blank.file_name == "exosome-hair-loss-consent.pdf"
    assert "Ayesha" not in text_of(blank.pdf) and "ref=" not in blank.booking_url


def test_stamping_from_threads_gives_the_same_bytes(loaded: cp.Loaded) -> None:
    template = cp.pack_template(loaded, "exosome-hair-loss-ur")
    patients = [cp.patient_from_fields({"patient_ref": f"P{i:04d}", "name": name})
                for i, name in enumerate(["Ayesha Khan", "عائشہ خان", "Nadia Rahman", "Bilal Ahmed"] * 3)]
    alone = [template.stamp(p).pdf for p in patients]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda p: template.stamp(p).pdf, patients))
    assert together == alone
    assert len(set(alone)) == len(patients)


@pytest.mark.parametrize(("fields", "key", "label_message"), [
    ({"patient_ref": "", "name": "A"}, "patient_ref", "Patient reference is empty"),
    ({"patient_ref": "P1", "name": ""}, "name", "Name is empty"),
    ({"patient_ref": "P1", "name": "A", "date_of_birth": "28/02/1990"}, "date_of_birth", "Date of birth is not written as YYYY-MM-DD"),
    ({"patient_ref": "P1", "name": "A", "appointment_date": "2026-02-30"}, "appointment_date", "Appointment date is not a real date"),
    ({"patient_ref": "P1", "name": "A", "mrn": "9" * 40}, "mrn", "Clinic record number is longer than 32"),
    ({"patient_ref": "P1", "name": "A", "nickname": "x"}, "nickname", 'unknown patient field "nickname"'),
])
def test_patient_errors_name_their_field(fields: dict, key: str, label_message: str) -> None:
    with pytest.raises(cp.UserError) as info:
        cp.patient_from_fields(fields)
    assert info.value.key == key
    assert cp.field_message(info.value, "label").startswith(label_message)
    for value in fields.values():
        if len(value) > 3:
            assert value not in info.value.message


def test_a_value_too_long_for_its_line_is_a_user_error_with_its_key(loaded: cp.Loaded) -> None:
    template = cp.pack_template(loaded, "exosome-hair-loss")
    patient = cp.patient_from_fields({"patient_ref": "P1", "name": "A", "clinician_role": "W" * 60})
    with pytest.raises(cp.UserError) as info:
        template.stamp(patient)
    assert info.value.key == "clinician_role"


def test_fields_table_serves_options_columns_and_labels() -> None:
    keys = [f.key for f in cp.FIELDS]
    assert keys[:2] == ["patient_ref", "name"] and all(f.required for f in cp.FIELDS[:2])
    assert {f.label for f in cp.FIELDS} >= {"Patient reference", "Name", "Date of birth", "Clinic record number",
                                             "Clinician", "Appointment date"}
    assert len({f.option for f in cp.FIELDS}) == len(cp.FIELDS)


def test_read_patients_from_memory_reports_lines() -> None:
    data = b"patient_ref,name,date_of_birth\nP1,Ayesha Khan,1990-02-28\n,No Ref,\nP3,Bilal,1990-99-01\n"
    result = cp.read_patients_bytes(data, "upload.csv")
    assert [p.ref for p in result.patients] == ["P1"]
    assert [(e.line, e.key) for e in result.errors] == [(3, "patient_ref"), (4, "date_of_birth")]
    assert all("Bilal" not in e.report() for e in result.errors)


def test_api_leaves_the_process_alone(tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    cwd, argv = os.getcwd(), list(sys.argv)
    loaded = cp.load(root, "large-print", targets=("prp-hair-loss",))
    cp.render_leaflet(loaded, "prp-hair-loss")
    assert os.getcwd() == cwd and sys.argv == argv
    assert not any((root / "output").glob("*.pdf"))  # the API returns bytes; only build() writes


def test_quality_errors_block_only_their_leaflet(tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    leaflet = root / "leaflets" / "prp-hair-loss.md"
    text = leaflet.read_text()
    body = text.index("\n## ")  # a banned claim in the first section
    leaflet.write_text(text[:body] + "\n\nThis is a guaranteed cure.\n" + text[body:])
    loaded = cp.load(root)
    assert loaded.quality.errors >= 1
    assert loaded.blocking_errors(loaded.leaflet("prp-hair-loss")) >= 1
    assert loaded.blocking_errors(loaded.leaflet("exosome-hair-loss")) == 0
    with pytest.raises(cp.QualityFailed):
        cp.raise_for_quality(loaded)
