"""The front desk's History page and its print records (clinicpack.web.history), over HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pypdf
import pytest
from helpers import FIXTURES, make_project, run
from starlette.testclient import TestClient

from clinicpack.web import create_app

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
TODAY = dt.date(2026, 12, 1)
PATIENT = {"patient_ref": "D0042", "name": "Philomena Xanthopoulou", "date_of_birth": "1979-11-05"}


def csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/pack").text).group(1)


def pages(data: bytes) -> list[str]:
    return [(p.extract_text() or "").replace("\n", " ") for p in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture()
def desk(tmp_path):
    root = make_project(tmp_path, {"test-consent.md": LEAFLET})
    with TestClient(create_app(root, today=TODAY, warm=False)) as client:
        yield root, client


def test_a_pack_printed_at_the_desk_is_recorded_and_reprinted_from_history(desk, capsys) -> None:
    root, client = desk
    token = csrf(client)
    served = client.post("/pack", data={"csrf": token, "leaflet": "test-consent", "layout": "default", **PATIENT})
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"

    code, out, _ = run(root, "history", "--format", "json", capsys=capsys)
    (record,) = json.loads(out)
    assert (record["kind"], record["patient_ref"], record["built_by"], record["file"]) == ("pack", "D0042", "front desk", "D0042.pdf")
    assert record["pdf_sha256"] == hashlib.sha256(served.content).hexdigest()
    stored = b"".join(p.read_bytes() for p in (root / "records").glob("archive.sqlite3*"))
    assert b"Xanthopoulou" not in stored and b"1979-11-05" not in stored and b"5 November 1979" not in stored
    # the command line proves the desk's pack from the archive
    details = ["--patient-ref", "D0042", "--patient-name", PATIENT["name"], "--date-of-birth", PATIENT["date_of_birth"]]
    assert run(root, "reprint", str(record["record"]), "--verify", *details, capsys=capsys)[0] == 0

    # the leaflet is edited afterwards; the History page still reprints what the patient was given
    source = root / "leaflets" / "test-consent.md"
    source.write_text(LEAFLET.replace("Ask for a written quote.", "Prices rose.").replace('version: "3.2"', 'version: "3.3"'))
    page = client.get("/history", params={"patient": "D0042"})
    assert page.status_code == 200 and "D0042" in page.text and 'href="/history/reprint?record=1"' in page.text
    assert "Xanthopoulou" not in page.text
    assert "No print records match" in client.get("/history", params={"patient": "NOBODY"}).text
    form = client.get("/history/reprint", params={"record": "1"})
    assert form.status_code == 200 and "Reprint record 1" in form.text
    missing = client.post("/history/reprint", data={"csrf": token, "record": "1", "name": ""})
    assert missing.status_code == 400 and 'id="error-name"' in missing.text
    again = client.post("/history/reprint", data={"csrf": token, "record": "1", "name": PATIENT["name"],
                                                  "date_of_birth": PATIENT["date_of_birth"]})
    assert again.status_code == 200 and again.headers["content-type"] == "application/pdf"
    texts = pages(again.content)
    assert len(texts) == len(pages(served.content))
    assert all("Reprint of version 3.2, first printed 1 December 2026" in t for t in texts)
    assert "written quote" in " ".join(texts) and "Prices rose" not in " ".join(texts)
    code, out, _ = run(root, "history", "--format", "json", capsys=capsys)
    newest = json.loads(out)[0]
    assert newest["reprint_of"] == 1 and newest["patient_ref"] == "D0042"


def test_a_leaflet_sent_from_the_leaflets_page_is_recorded_and_reprinted_from_history(desk, capsys) -> None:
    """Staff open a leaflet from the Leaflets page and print it: the archive keeps what it was
    made from and a print record (no patient), as for a leaflet the command line writes."""
    root, client = desk
    served = client.get("/leaflets/test-consent/default.pdf")
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert client.get("/leaflets/test-consent/default.pdf").content == served.content  # sent again: recorded again

    code, out, _ = run(root, "history", "--format", "json", capsys=capsys)
    records = json.loads(out)
    assert len(records) == 2
    record = records[0]
    assert (record["kind"], record["patient_ref"], record["built_by"], record["file"]) == ("leaflet", None, "front desk", "test-consent.pdf")
    assert record["pdf_sha256"] == hashlib.sha256(served.content).hexdigest()
    assert run(root, "reprint", str(record["record"]), "--verify", capsys=capsys)[0] == 0  # the archive holds all it was made from

    source = root / "leaflets" / "test-consent.md"
    source.write_text(LEAFLET.replace("Ask for a written quote.", "Prices rose.").replace('version: "3.2"', 'version: "3.3"'))
    page = client.get("/history", params={"leaflet": "test-consent"})
    assert page.status_code == 200 and ">Leaflet<" in page.text
    again = client.post("/history/reprint", data={"csrf": csrf(client), "record": str(record["record"])})
    assert again.status_code == 200 and again.headers["content-type"] == "application/pdf"
    texts = pages(again.content)
    assert all("Reprint of version 3.2, first printed 1 December 2026" in t for t in texts)
    assert "written quote" in " ".join(texts) and "Prices rose" not in " ".join(texts)
    newest = "Prices rose" in " ".join(pages(client.get("/leaflets/test-consent/default.pdf").content))
    assert newest  # the Leaflets page sends the edited leaflet


def test_history_page_without_records_and_unknown_record(desk) -> None:
    _, client = desk
    assert "No print records yet" in client.get("/history").text
    assert client.get("/history/reprint", params={"record": "77"}).status_code == 404
    assert client.post("/history/reprint", data={"record": "1"}).status_code == 403  # no CSRF token: refused


def test_the_leaflets_page_names_what_changed_in_the_original_of_a_stale_translation(tmp_path, capsys) -> None:
    translation = LEAFLET.replace("id: test-consent", "id: test-consent-fr").replace("language: en", "language: fr").replace(
        "treatment: Test scalp injections\n", 'treatment: Test scalp injections\ntranslation_of: test-consent\ntranslation_of_version: "3.2"\n')
    root = make_project(tmp_path, {"test-consent.md": LEAFLET, "test-consent.fr.md": translation})
    assert run(root, "test-consent", "-q", capsys=capsys)[0] == 0  # archives version 3.2
    source = root / "leaflets" / "test-consent.md"
    source.write_text(LEAFLET.replace("Ask for a written quote.", "Prices rose.").replace('version: "3.2"', 'version: "3.3"'))
    with TestClient(create_app(root, today=TODAY, warm=False)) as client:
        html = client.get("/").text
    assert "translated from version 3.2 of &#34;test-consent&#34;, which is now version 3.3; changed since: &#34;Cost&#34; (cost)" in html


def test_a_damaged_archive_never_stops_the_desk_from_printing(tmp_path, caplog) -> None:
    root = make_project(tmp_path, {"test-consent.md": LEAFLET})
    (root / "records").mkdir()
    (root / "records" / "archive.sqlite3").write_bytes(b"not a database" * 300)
    with TestClient(create_app(root, today=TODAY, warm=False)) as client:
        served = client.post("/pack", data={"csrf": csrf(client), "leaflet": "test-consent", "layout": "default", **PATIENT})
        assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
        page = client.get("/history")
    assert page.status_code == 400 and "The print records cannot be read" in page.text and "file is not a database" in page.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "print record could not be written" in logged and "Xanthopoulou" not in logged
