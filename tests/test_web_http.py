"""The front desk over HTTP (Starlette's test client): CSRF, upload limits, unknown and
path-like ids, the password gate, friendly errors, warm templates and what reaches the log."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import threading

import pypdf
import pytest
from helpers import ROOT, decode_qr, make_project
from starlette.testclient import TestClient

import clinicpack as cp
from clinicpack.web import create_app, security
from clinicpack.web import serve as serve_module
from clinicpack.web.desk import Desk

TODAY = dt.date(2026, 12, 1)
LEAFLET = "exosome-hair-loss"
NAME, DOB = "Zainab Testpatient", "1987-03-14"
PATIENT = {"patient_ref": "P0001", "name": NAME, "date_of_birth": DOB, "mrn": "MRN-99812", "clinician": "Dr Imran Malik",
           "appointment_date": "2026-12-02"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(ROOT, today=TODAY, warm=False), raise_server_exceptions=False) as c:
        yield c


def csrf(client: TestClient, path: str = "/pack") -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text).group(1)


def post_pack(client: TestClient, **fields):
    data = {"csrf": csrf(client), "leaflet": LEAFLET, "layout": "default", **PATIENT, **fields}
    return client.post("/pack", data=data)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def qr_texts(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return [text for page in doc for text in decode_qr(page.render(scale=2).to_pil())]
    finally:
        doc.close()


# ---------------------------------------------------------------- the main flow
def test_pack_is_the_patients_pdf_inline_and_not_stored(client):
    r = post_pack(client)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"] == 'inline; filename="P0001.pdf"'  # the opaque reference, never the name
    text = pdf_text(r.content)
    assert NAME in text and "MRN-99812" in text
    links = qr_texts(r.content)
    brand = cp.load(ROOT, today=TODAY, check=False).brand
    assert brand.booking_url(LEAFLET, ref="P0001") in links  # the consent form's code carries the reference
    assert not any("Zainab" in link or "Testpatient" in link or "1987" in link for link in links)


def test_blank_pack_ignores_the_patient_fields(client):
    r = post_pack(client, action="blank", name="", patient_ref="not a ref!")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "Zainab" not in pdf_text(r.content)
    assert r.headers["content-disposition"] == f'inline; filename="{LEAFLET}-consent.pdf"'


def test_every_field_error_is_beside_its_field_and_nothing_is_built(client):
    r = post_pack(client, patient_ref="has space", name="", date_of_birth="1990-02-30", appointment_date="2/12/2026")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    html = r.text
    for key, words in (("patient_ref", "Patient reference must be 1 to 16"), ("name", "Name is empty"),
                       ("date_of_birth", "Date of birth is not a real date"), ("appointment_date", "Appointment date is not written as YYYY-MM-DD")):
        error = re.search(rf'<p class="error" id="error-{key}">(.*?)</p>', html, re.S)
        assert error and words in error.group(1), key
        field = re.search(rf'<input [^>]*id="{key}"[^>]*>', html, re.S).group(0)
        assert f"error-{key}" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
        assert 'aria-invalid="true"' in field
    first = re.search(r'<input [^>]*id="patient_ref"[^>]*>', html, re.S).group(0)
    assert "autofocus" in first  # focus goes to the first error
    assert html.count("autofocus") == 1
    assert 'value="has space"' in html  # what was typed stays for correcting
    assert "1990-02-30" not in re.sub(r'value="[^"]*"', "", html)  # messages never quote a value


def test_a_name_the_font_cannot_print_is_an_error_beside_name(client):
    r = post_pack(client, name="Zhang \u4e09")
    assert r.status_code == 400
    assert re.search(r'id="error-name">.*?Name has CJK letters, which no font in the brand file can print', r.text, re.S)
    assert "\u4e09" not in re.sub(r'value="[^"]*"', "", r.text)


def test_day_list_shows_bad_rows_with_line_numbers_and_prints_good_rows_merged(client):
    csv = (b"patient_ref,name,date_of_birth,appointment_date\n"
           b"D1,Amna Firstrow,1980-01-01,2026-12-02\n"
           b"bad ref,Bilal Badrow,1980-01-01,\n"
           b"D3,Chaudhry Thirdrow,,2026-12-02\n"
           b"D4,Dania Fourthrow,1980-13-01,\n")
    token = csrf(client, "/day")
    r = client.post("/day", data={"csrf": token, "leaflet": LEAFLET, "layout": "default"}, files={"patients": ("monday.csv", csv, "text/csv")})
    assert r.status_code == 200
    rows = re.findall(r'<tr class="(ok|bad)">\s*<td[^>]*>(\d+)</td>', r.text)
    assert rows == [("ok", "2"), ("bad", "3"), ("ok", "4"), ("bad", "5")]
    assert "(line 3): patient_ref must be" in r.text and "(line 5): date_of_birth is not a real date" in r.text
    listed = re.search(r'name="list" value="([^"]+)"', r.text).group(1)
    pr = client.post("/day/print", data={"csrf": token, "leaflet": LEAFLET, "layout": "default", "list": listed})
    assert pr.status_code == 200 and pr.headers["content-type"] == "application/pdf"
    single = len(pypdf.PdfReader(io.BytesIO(post_pack(client).content)).pages)
    merged = pypdf.PdfReader(io.BytesIO(pr.content))
    assert len(merged.pages) == 2 * single
    text = pdf_text(pr.content)
    assert "Amna Firstrow" in text and "Chaudhry Thirdrow" in text
    assert "Bilal" not in text and "Dania" not in text
    one = client.post("/day/print", data={"csrf": token, "leaflet": LEAFLET, "layout": "default", "list": listed, "row": "4"})
    assert one.headers["content-disposition"] == 'inline; filename="D3.pdf"'
    assert "Chaudhry Thirdrow" in pdf_text(one.content) and "Amna" not in pdf_text(one.content)


def test_leaflet_downloads_in_every_layout(client):
    home = client.get("/")
    links = sorted(set(re.findall(r'href="(/leaflets/[^"]+\.pdf)"', home.text)))
    assert f"/leaflets/{LEAFLET}/large-print.pdf" in links and f"/leaflets/{LEAFLET}-ur/a5-booklet.pdf" in links
    r = client.get(f"/leaflets/{LEAFLET}-ur/default.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.headers["cache-control"] == "no-store"
    assert r.content == cp.render_leaflet(cp.load(ROOT, "default", today=TODAY), f"{LEAFLET}-ur")
    assert re.search(r'<h2 id="title-exosome-hair-loss-ur" lang="ur" dir="rtl">', home.text)


# ---------------------------------------------------------------- CSRF
def _post_routes(app) -> list[str]:
    return sorted({route.path for route in app.routes if "POST" in (getattr(route, "methods", None) or ())})


@pytest.mark.parametrize("token", [None, "", "0" * 64, "wrong"])
def test_every_post_refuses_a_missing_or_wrong_csrf_token(client, token):
    paths = _post_routes(client.app)
    assert {"/pack", "/day", "/day/print", "/signin", "/signout"} <= set(paths)
    for path in paths:
        data = {"leaflet": LEAFLET, "layout": "default", **PATIENT}
        if token is not None:
            data["csrf"] = token
        r = client.post(path, data=data)
        assert r.status_code == 403, path
        assert "This form has expired" in r.text and "application/pdf" not in r.headers["content-type"]


def test_a_token_from_another_browser_session_is_refused():
    app = create_app(ROOT, today=TODAY, warm=False)
    with TestClient(app) as one, TestClient(app) as other:
        token = csrf(one)
        assert other.post("/pack", data={"csrf": token, "leaflet": LEAFLET, "layout": "default", **PATIENT}).status_code == 403
        assert one.post("/pack", data={"csrf": token, "leaflet": LEAFLET, "layout": "default", **PATIENT}).status_code == 200


def test_session_cookie_is_httponly_and_samesite_strict():
    with TestClient(create_app(ROOT, today=TODAY, warm=False)) as c:
        cookie = c.get("/pack").headers["set-cookie"]
    assert cookie.startswith(security.COOKIE + "=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie


# ---------------------------------------------------------------- uploads
def test_oversized_upload_is_refused_from_its_length_before_it_is_read(client):
    token = csrf(client, "/day")
    big = b"patient_ref,name\n" + b"P1,Someone\n" * (security.MAX_BODY // 11 + 10)
    r = client.post("/day", data={"csrf": token, "leaflet": LEAFLET, "layout": "default"}, files={"patients": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and "File too large" in r.text and "limited to 2 MB" in r.text


def test_oversized_body_without_a_length_is_cut_off_at_the_limit(client):
    sent = []

    def chunks():
        for _ in range(security.MAX_BODY // 65536 + 4):
            sent.append(65536)
            yield b"a" * 65536

    r = client.post("/day", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


@pytest.mark.parametrize("name, data, words", [
    ("patients.xlsx", b"PK\x03\x04 spreadsheet", "This is not a CSV file"),
    ("scan.pdf", b"%PDF-1.4", "This is not a CSV file"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary", "is not UTF-8 text"),
    ("empty.csv", b"", "This file is empty"),
])
def test_a_non_csv_upload_is_an_error_beside_the_file_field(client, name, data, words):
    token = csrf(client, "/day")
    r = client.post("/day", data={"csrf": token, "leaflet": LEAFLET, "layout": "default"}, files={"patients": (name, data, "application/octet-stream")})
    assert r.status_code == 400
    error = re.search(r'<p class="error" id="error-patients">(.*?)</p>', r.text, re.S)
    assert error and words in error.group(1)
    assert '<tr class=' not in r.text


# ---------------------------------------------------------------- unknown and path-like ids
@pytest.mark.parametrize("url", [
    "/leaflets/no-such-leaflet/default.pdf",
    f"/leaflets/{LEAFLET}/no-such-layout.pdf",
    "/leaflets/..%2F..%2Fassets%2Fbrand/default.pdf",
    f"/leaflets/{LEAFLET}/..%2Flayouts%2Fdefault.pdf",
    f"/leaflets/{LEAFLET}/%2Fetc%2Fpasswd.pdf",
    "/leaflets/../../etc/passwd/default.pdf",
    "/fonts/..%2F..%2Fassets%2Ffonts%2FNotoNastaliqUrdu-regular.ttf",
    "/fonts/xx-regular.ttf",
    "/fonts/ur-italic.ttf",
])
def test_unknown_or_path_like_ids_are_not_found(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "Traceback" not in r.text and "<h1>Page not found</h1>" in r.text


def test_the_brand_font_for_urdu_titles_is_served_by_the_app(client):
    css = client.get("/fonts.css")
    assert css.status_code == 200 and '[lang="ur"]' in css.text
    font = client.get("/fonts/ur-regular.ttf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"
    assert font.content == (ROOT / "assets" / "fonts" / "NotoNastaliqUrdu-Regular.ttf").read_bytes()


def test_a_day_list_that_did_not_come_back_whole_is_refused(client):
    token = csrf(client, "/day")
    r = client.post("/day/print", data={"csrf": token, "leaflet": LEAFLET, "layout": "default", "list": "not base64 at all!"})
    assert r.status_code == 400 and "Upload the list again" in r.text and "application/pdf" not in r.headers["content-type"]


@pytest.mark.parametrize("field, value", [
    ("leaflet", "no-such-leaflet"), ("leaflet", "../leaflets/exosome-hair-loss"), ("leaflet", str(ROOT / "leaflets" / "prp-hair-loss.md")),
    ("layout", "no-such-layout"), ("layout", "../layouts/default"), ("layout", str(ROOT / "layouts" / "large-print.yaml")),
])
def test_unknown_or_path_like_choices_are_errors_beside_their_field(client, field, value):
    r = post_pack(client, **{field: value})
    assert r.status_code == 400 and "application/pdf" not in r.headers["content-type"]
    assert re.search(rf'<p class="error" id="error-{field}">.*?Choose', r.text, re.S)


def test_a_leaflet_past_its_review_date_prints_no_pack():
    with TestClient(create_app(ROOT, today=dt.date(2028, 1, 1), warm=False)) as c:
        r = post_pack(c)
        assert r.status_code == 400
        assert re.search(r'id="error-leaflet">.*?quality error.*?review_due', r.text, re.S)
        home = c.get("/").text
        assert "Overdue since 2027-11-01" in home
        # the quality gate's result, expandable to its messages
        assert re.search(r"<details>\s*<summary><span class=\"badge overdue\">1 error, 0 warnings</span></summary>", home)
        assert "review_due 2027-11-01 passed" in home


# ---------------------------------------------------------------- password
@pytest.fixture
def protected(monkeypatch):
    monkeypatch.setattr("clinicpack.web.app.FAILED_SIGNIN_SECONDS", 0.0)
    with TestClient(create_app(ROOT, password="correct horse battery", today=TODAY, warm=False), follow_redirects=False) as c:
        yield c


def test_password_protected_server_refuses_unauthenticated_requests(protected):
    for path in ("/", "/pack", "/day", f"/leaflets/{LEAFLET}/default.pdf"):
        r = protected.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/signin", path
    token = csrf(protected, "/signin")
    for path in ("/pack", "/day", "/day/print"):
        r = protected.post(path, data={"csrf": token, "leaflet": LEAFLET, "layout": "default", **PATIENT})
        assert r.status_code == 403 and "Please sign in" in r.text, path
    assert protected.get("/static/desk.css").status_code == 200


def test_sign_in_with_the_password_opens_the_desk_with_a_new_session(protected):
    token = csrf(protected, "/signin")
    wrong = protected.post("/signin", data={"csrf": token, "password": "incorrect horse"})
    assert wrong.status_code == 400 and "That password is not right" in wrong.text
    assert protected.get("/").status_code == 303
    before = protected.cookies.get(security.COOKIE)
    ok = protected.post("/signin", data={"csrf": token, "password": "correct horse battery"})
    assert ok.status_code == 303 and "HttpOnly" in ok.headers["set-cookie"] and "SameSite=Strict" in ok.headers["set-cookie"]
    assert protected.cookies.get(security.COOKIE) != before  # no session fixation
    assert protected.get("/").status_code == 200
    assert post_pack(protected).headers["content-type"] == "application/pdf"
    protected.post("/signout", data={"csrf": csrf(protected)})
    assert protected.get("/").status_code == 303


def test_serve_refuses_a_network_address_without_a_password(capsys, monkeypatch):
    monkeypatch.delenv(serve_module.PASSWORD_ENV, raising=False)
    assert serve_module.main(["--host", "0.0.0.0", "--project", str(ROOT)]) == 1
    assert "set a password first" in capsys.readouterr().err
    monkeypatch.setenv(serve_module.PASSWORD_ENV, "short")
    assert serve_module.main(["--host", "192.168.1.20", "--project", str(ROOT)]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert serve_module.is_loopback("127.0.0.1") and serve_module.is_loopback("::1") and not serve_module.is_loopback("0.0.0.0")


# ---------------------------------------------------------------- friendly errors
def test_an_unexpected_failure_is_a_friendly_page_not_a_traceback(client, monkeypatch):
    def boom(*args):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(client.app.state.desk, "template", boom)
    r = post_pack(client)
    assert r.status_code == 500
    assert "Something went wrong" in r.text and "Traceback" not in r.text and "/secret/path" not in r.text


def test_a_broken_project_shows_its_errors_with_file_and_line(tmp_path):
    root = make_project(tmp_path, copy_shipped=True)
    path = root / "leaflets" / "prp-hair-loss.md"
    path.write_text(path.read_text(encoding="utf-8").replace("review_due:", "review_due: not-a-date\nx_review:"), encoding="utf-8")
    with TestClient(create_app(root, today=TODAY, warm=False)) as c:
        c.get("/")
        token = c.app.state.sessions.csrf_token(c.cookies.get(security.COOKIE))  # no page with a form shows while broken
        for r in (c.get("/"), c.get("/pack"), c.get("/day"), c.post("/pack", data={"csrf": token, "leaflet": LEAFLET, **PATIENT})):
            assert r.status_code == 500 and "The project needs fixing" in r.text
            assert "prp-hair-loss.md:" in r.text and "Traceback" not in r.text and NAME not in r.text
        (root / "assets" / "brand.yaml").write_text("clinic: [unclosed\n", encoding="utf-8")
        r = c.get("/")
        assert r.status_code == 500 and "The project needs fixing" in r.text and "brand.yaml:" in r.text


# ---------------------------------------------------------------- warm templates
def test_templates_stay_warm_and_are_rebuilt_when_a_leaflet_changes(tmp_path):
    root = make_project(tmp_path, copy_shipped=True)
    desk = Desk(root, TODAY)
    patient = cp.patient_from_fields({"patient_ref": "P7", "name": NAME}, today=TODAY)
    first = desk.template(LEAFLET, "default")
    builds = desk.builds
    for _ in range(3):
        assert desk.template(LEAFLET, "default") is first
    assert desk.builds == builds
    path = root / "leaflets" / f"{LEAFLET}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Exosome therapy for hair loss", "title: Exosome therapy for thinning hair"),
                    encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    second = desk.template(LEAFLET, "default")
    assert second is not first
    assert "thinning hair" in pdf_text(second.stamp(patient).pdf)


def test_several_staff_at_once_get_one_layout_and_their_own_packs(tmp_path):
    desk = Desk(make_project(tmp_path, copy_shipped=True), TODAY)
    results: dict[int, str] = {}

    def work(i: int) -> None:
        patient = cp.patient_from_fields({"patient_ref": f"T{i}", "name": f"Person Number{i}x"}, today=TODAY)
        results[i] = pdf_text(desk.template(LEAFLET, "default").stamp(patient).pdf)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(6))
    for i, text in results.items():
        assert f"Person Number{i}x" in text and all(f"Number{j}x" not in text for j in range(6) if j != i)
    packs = [key for key in desk._cache if key[0] == "pack"]
    assert packs == [("pack", LEAFLET, "default")]


# ---------------------------------------------------------------- privacy
def test_no_page_puts_patient_fields_in_a_url(client):
    for path in ("/", "/pack", "/day"):
        html = client.get(path).text
        for form in re.findall(r"<form[^>]*>", html):
            assert 'method="post"' in form, (path, form)


def test_the_log_never_holds_a_patient_name_or_date_of_birth(client, caplog):
    caplog.set_level(logging.DEBUG)
    post_pack(client)
    post_pack(client, date_of_birth="1987-02-30")
    token = csrf(client, "/day")
    client.post("/day", data={"csrf": token, "leaflet": LEAFLET, "layout": "default"},
                files={"patients": ("d.csv", f"patient_ref,name,date_of_birth\nP9,{NAME},{DOB}\n".encode(), "text/csv")})
    assert caplog.records  # the app and its libraries did log (so the check below can fail)
    assert NAME not in caplog.text and "Zainab" not in caplog.text and DOB not in caplog.text and "1987" not in caplog.text
