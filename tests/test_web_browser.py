"""The front desk in a real browser: Playwright drives Debian's Chromium (by its path; no
browser download), against the app served by uvicorn as ``build_pack.py serve`` serves it.

Staff use it by keyboard: the pack form is filled and submitted with Tab, typing and Enter,
and the PDF the browser received is opened (text, QR code). Every page and state passes
axe-core's WCAG 2.x A/AA rules with zero violations, reflows at phone width (= 400% zoom)
and 200% zoom without sideways scrolling, and is screenshotted (set CLINICPACK_SCREENSHOTS to
a folder to keep them, e.g. docs/screenshots). Under CI a missing browser fails the tests.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pypdf
import pytest
from helpers import ROOT, decode_qr

from clinicpack.web import create_app

TODAY = dt.date(2026, 12, 1)
LEAFLET = "exosome-hair-loss"
NAME, DOB, MRN = "Zainab Browsertest", "1987-03-14", "MRN-55120"
DAY_NAMES = ("Amna Dayone", "Chaudhry Daythree")
BAD_DAY_NAMES = ("Bilal Daytwo", "Dania Dayfour")
CHROMIUM = os.environ.get("CLINICPACK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--disable-sync",
    "--no-first-run", "--disable-dev-shm-usage", "--disable-gpu", "--disable-breakpad", "--metrics-recording-only",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SHOTS = Path(os.environ["CLINICPACK_SCREENSHOTS"]) if os.environ.get("CLINICPACK_SCREENSHOTS") else None


def need(why: str) -> None:
    """Under CI a missing browser is a failure; on a developer's machine a skip that says why."""
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("playwright is not installed (make test installs it: pip install -e '.[web,test]')")
    if not Path(CHROMIUM).exists():
        need(f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does this)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


def _start(app):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=True, log_level="debug"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the front desk did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def log():
    collect = Collect()
    root = logging.getLogger()
    old = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    yield collect
    root.removeHandler(collect)
    root.setLevel(old)


@pytest.fixture(scope="module")
def desk(log):
    app = create_app(ROOT, today=TODAY)
    server, thread, url = _start(app)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


def axe_clean(page, what: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def shot(page, name: str, tmp_path: Path) -> Path:
    path = (SHOTS or tmp_path) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def capture_pdf(page, pattern: str) -> dict:
    """The bytes the server sent for the form's POST (the browser shows PDFs in its viewer,
    which hides them from Playwright's response object)."""
    got: dict = {}

    def handle(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        got.update(body=response.body(), headers=response.headers, post=route.request.post_data or "")
        route.fulfill(response=response)

    page.route(pattern, handle)
    return got


def wait_for(page, got: dict, seconds: float = 60.0) -> None:
    """Until the captured POST's response has arrived (a cold pack on a busy CI machine takes seconds)."""
    deadline = time.monotonic() + seconds
    while not got and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert got, "no PDF came back"


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def qr_links(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return [text for p in doc for text in decode_qr(p.render(scale=2).to_pil())]
    finally:
        doc.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


# ---------------------------------------------------------------- pages
def test_leaflets_page(desk, page, tmp_path):
    page.goto(desk + "/")
    assert page.title() == "Leaflets – Front desk"
    assert page.locator("html").get_attribute("lang") == "en"
    urdu = page.locator(f"#title-{LEAFLET}-ur")
    assert urdu.get_attribute("lang") == "ur" and urdu.get_attribute("dir") == "rtl"
    # one treatment's editions side by side: English and Urdu in one row
    en_box, ur_box = page.locator(f"#title-{LEAFLET}").bounding_box(), urdu.bounding_box()
    assert abs(en_box["y"] - ur_box["y"]) < 40 and ur_box["x"] > en_box["x"]
    assert page.get_by_text("In date until 2027-11-01").count() >= 1  # the review state in words, not colour alone
    axe_clean(page, "leaflets page")
    for summary in page.locator("details summary").all():
        summary.click()
    axe_clean(page, "leaflets page, quality findings open")
    shot(page, "leaflets", tmp_path)
    with page.expect_response(lambda r: r.url.endswith(f"/leaflets/{LEAFLET}/large-print.pdf")) as response:
        page.locator(f'a[href="/leaflets/{LEAFLET}/large-print.pdf"]').click()
    assert response.value.status == 200 and response.value.headers["content-type"] == "application/pdf"


def test_pack_by_keyboard_alone(desk, page, tmp_path):
    page.goto(desk + "/pack")
    pdf = capture_pdf(page, "**/pack")
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to main content"
    page.keyboard.press("Enter")  # the skip link jumps past the navigation
    order = []
    typed = {"patient_ref": "P0001", "name": NAME, "date_of_birth": DOB, "mrn": MRN, "clinician": "Dr Imran Malik",
             "appointment_date": "2026-12-02"}
    for _ in range(11):
        page.keyboard.press("Tab")
        here = focused(page)
        order.append(here)
        if here == "leaflet":
            page.keyboard.press("ArrowDown")  # the first treatment
        elif here in typed:
            page.keyboard.type(typed[here])
    assert order == ["leaflet", "layout", "patient_ref", "name", "date_of_birth", "mrn", "clinician", "clinician_role",
                     "clinician_registration", "appointment_date", "Build pack"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # focus is visible
    shot(page, "pack-form", tmp_path)
    page.keyboard.press("Enter")
    wait_for(page, pdf)
    assert pdf["headers"]["content-type"] == "application/pdf" and pdf["headers"]["cache-control"] == "no-store"
    assert "P0001.pdf" in pdf["headers"]["content-disposition"]
    text = pdf_text(pdf["body"])
    assert NAME in text and MRN in text
    links = qr_links(pdf["body"])
    assert any(link.endswith("ref=P0001") for link in links)
    assert not any("Zainab" in link or "Browsertest" in link or "1987" in link for link in links)


def test_pack_errors_beside_their_fields(desk, page, tmp_path):
    page.goto(desk + "/pack")
    page.select_option("#leaflet", LEAFLET)
    page.fill("#patient_ref", "not a ref")
    page.fill("#date_of_birth", "14/03/1987")
    page.locator("#appointment_date").press("Enter")  # Enter in a field submits with the first button, Build pack
    page.wait_for_selector("#error-patient_ref")
    # autofocus applies once the page has loaded, a moment after its elements exist
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    try:
        page.wait_for_function("document.activeElement && document.activeElement.id === 'patient_ref'", timeout=5000)
    except PlaywrightTimeout:
        pass  # the assertion below says where the focus is instead
    assert focused(page) == "patient_ref"  # focus on the first error
    for key in ("patient_ref", "name", "date_of_birth"):
        described = page.locator(f"#{key}").get_attribute("aria-describedby").split()
        assert f"error-{key}" in described
        error = page.locator(f"#error-{key}")
        assert error.is_visible()
        # beside its field: in the same field box, just above the input
        assert page.locator(f".field:has(#{key}) #error-{key}").count() == 1
    assert "Date of birth is not written as YYYY-MM-DD" in page.locator("#error-date_of_birth").inner_text()
    assert page.locator("#patient_ref").input_value() == "not a ref"
    axe_clean(page, "pack form with errors")
    shot(page, "pack-errors", tmp_path)


def test_day_list_with_bad_rows_then_print_all(desk, page, tmp_path):
    csv = tmp_path / "monday.csv"
    csv.write_text("patient_ref,name,date_of_birth,appointment_date\n"
                   f"D1,{DAY_NAMES[0]},1980-01-01,2026-12-02\n"
                   f"bad ref,{BAD_DAY_NAMES[0]},1980-01-01,\n"
                   f"D3,{DAY_NAMES[1]},,2026-12-02\n"
                   f"D4,{BAD_DAY_NAMES[1]},1980-13-01,\n", encoding="utf-8")
    page.goto(desk + "/day")
    axe_clean(page, "day list, empty")
    assert page.get_by_label("Day list (CSV)").count() == 1
    page.select_option("#leaflet", LEAFLET)
    page.set_input_files("#patients", str(csv))
    page.get_by_role("button", name="Check list").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("table")
    rows = page.locator("tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(4)] == ["2", "3", "4", "5"]
    assert "(line 3): patient_ref must be" in rows.nth(1).inner_text()
    assert "(line 5): date_of_birth is not a real date" in rows.nth(3).inner_text()
    assert page.get_by_role("heading", name="Checked: 2 of 4 patients ready to print").count() == 1
    axe_clean(page, "day list, checked")
    shot(page, "day-list", tmp_path)
    pdf = capture_pdf(page, "**/day/print")
    page.get_by_role("button", name="Print all").click()
    wait_for(page, pdf)
    assert pdf["headers"]["content-type"] == "application/pdf"
    text = pdf_text(pdf["body"])
    assert all(name in text for name in DAY_NAMES) and not any(name in text for name in BAD_DAY_NAMES)
    assert text.index(DAY_NAMES[0]) < text.index(DAY_NAMES[1])  # in list order
    assert all(name not in pdf["post"] for name in DAY_NAMES)  # the list travels encoded in the body, never in the URL


def test_sign_in_page_and_keyboard_sign_in(browser, log, tmp_path):
    server, thread, url = _start(create_app(ROOT, password="correct horse battery", today=TODAY, warm=False))
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    try:
        page = context.new_page()
        page.goto(url + "/pack")
        assert page.url == url + "/signin"
        axe_clean(page, "sign-in page")
        shot(page, "sign-in", tmp_path)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert focused(page) == "password"
        page.keyboard.type("correct horse battery")
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/")
        assert page.get_by_role("heading", name="Leaflets", exact=True).count() == 1
        cookie = next(c for c in context.cookies() if c["name"] == "clinicpack_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    finally:
        context.close()
        server.should_exit = True
        thread.join(10)


def test_history_page(desk, page, tmp_path):
    """The archive's page (added by clinicpack.archive) meets the same rules as the others."""
    page.goto(desk + "/history")
    assert page.get_by_role("heading", level=1).count() == 1
    axe_clean(page, "history page")
    shot(page, "history", tmp_path)


def test_error_page(desk, page, tmp_path):
    response = page.goto(desk + "/no/such/page")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").count() == 1
    axe_clean(page, "404 page")
    shot(page, "not-found", tmp_path)


@pytest.mark.parametrize("width", [320, 640])  # 320 CSS px = 1280 at 400% zoom (WCAG reflow); 640 = 200% zoom
def test_phone_width_and_zoom_reflow_without_sideways_scrolling(desk, browser, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        for path in ("/", "/pack", "/day", "/history"):
            page.goto(desk + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
            axe_clean(page, f"{path} at {width}px")
        page.goto(desk + "/day")  # the checked day list: a wide table scrolls inside its own box
        page.select_option("#leaflet", LEAFLET)
        page.set_input_files("#patients", files=[{"name": "d.csv", "mimeType": "text/csv",
                                                  "buffer": f"patient_ref,name\nW1,{DAY_NAMES[0]}\nbad ref,{BAD_DAY_NAMES[0]}\n".encode()}])
        page.get_by_role("button", name="Check list").click()
        page.wait_for_selector("table")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the checked day list scrolls sideways by {overflow}px at {width}px"
        axe_clean(page, f"checked day list at {width}px")
        if width == 320:
            shot(page, "day-list-phone", tmp_path)
            page.goto(desk + "/")
            shot(page, "leaflets-phone", tmp_path)
    finally:
        context.close()


def test_server_log_has_no_patient_details(desk, log):
    """Runs after the pages above: uvicorn's access and error log saw every request."""
    assert any("POST /pack" in line for line in log.lines) and any("POST /day/print" in line for line in log.lines)
    text = "\n".join(log.lines)
    for secret in (NAME, "Zainab", DOB, "1987", MRN, *DAY_NAMES, *BAD_DAY_NAMES, "correct horse"):
        assert secret not in text
