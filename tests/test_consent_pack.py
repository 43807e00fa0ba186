"""Consent packs, checked from the real PDFs: parts and order, patient details, leaflet
identity on the form, the personalised QR code, both copies, and bad patient rows."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
from helpers import FIXTURES, decode_qr, make_project, pdf_text, render_page, run

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
HEADER = "patient_ref,name,date_of_birth,mrn,clinician,appointment_date\n"
GOOD = "P0001,Ayesha Testpatient,1985-03-14,MRN-55501,Dr Sara Malik,2026-11-25\n"


def pages_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """One project, one blank pack and a two-patient batch (laid out once, reused by the tests)."""
    tmp = tmp_path_factory.mktemp("consent")
    root = make_project(tmp, {"test-consent.md": LEAFLET})
    blank = run(root, "test-consent", "--pack", "consent")
    day = tmp / "day.csv"
    day.write_text(HEADER + GOOD + "P0002,Bilal Testpatient,1990-07-01,MRN-55502,,\n", encoding="utf-8")
    batch = run(root, "test-consent", "--pack", "consent", "--patients", str(day), "--clinician-role", "Consultant dermatologist",
                "--clinician-registration", "12345-P")
    return {"root": root, "blank": blank, "batch": batch, "out": root / "output"}


def part_pages(texts: list[str]) -> dict[str, int]:
    """The first page of each part, found by its own heading."""
    markers = {
        "cover": "Patient details",
        "leaflet": "A short leaflet with every part a consent pack needs.",
        "checklist": "Health check before treatment",
        "clinic copy": "CLINIC COPY",
        "patient copy": "PATIENT COPY",
        "card": "Aftercare card: Test scalp injections",
    }
    return {name: next(i for i, t in enumerate(texts) if marker in t) for name, marker in markers.items()}


def test_every_part_is_there_in_order(built) -> None:
    assert built["blank"][0] == 0
    texts = pages_text(built["out"] / "test-consent-consent.pdf")
    first = part_pages(texts)
    assert list(first.values()) == sorted(first.values())
    assert first["cover"] == 0
    assert first["card"] == len(texts) - 1


def test_checklist_lists_each_contraindication_with_yes_and_no(built) -> None:
    texts = pages_text(built["out"] / "test-consent-consent.pdf")
    page = texts[part_pages(texts)["checklist"]]
    for item in ("You are pregnant or breastfeeding", "You have an infection now", "You bleed or bruise easily"):
        assert item in page
    assert "Yes" in page and "No" in page
    assert "Medicines you take now" in page and "Allergies" in page


def test_consent_form_quotes_benefits_risks_with_frequency_and_alternatives(built) -> None:
    texts = pages_text(built["out"] / "test-consent-consent.pdf")
    first = part_pages(texts)
    form = flat(" ".join(texts[first["clinic copy"] : first["patient copy"]]))
    assert "Your hair may look a little thicker." in form
    assert "Headache after treatment About 1 in 10" in form
    assert "Infection of the scalp Rare" in form
    assert "No treatment. You can wait" in form
    assert "PMDC registration number" in form  # the brand's registration body
    assert "Interpreter's statement" in form and "Clinical photographs (optional, separate consent)" in form


def test_leaflet_id_version_and_fingerprint_on_both_copies(built) -> None:
    texts = pages_text(built["out"] / "test-consent" / "P0001.pdf")
    first = part_pages(texts)
    leaflet_text = flat(" ".join(texts[first["leaflet"] : first["checklist"]]))
    fingerprint = re.search(r"test-consent \(([0-9a-f]{12})\)", leaflet_text).group(1)
    for copy in ("clinic copy", "patient copy"):
        end = first["patient copy"] if copy == "clinic copy" else first["card"]
        form = flat(" ".join(texts[first[copy] : end]))
        assert f"code test-consent, version 3.2, fingerprint {fingerprint}" in form


def test_fingerprint_changes_when_the_leaflet_text_changes(tmp_path: Path, capsys) -> None:
    prints = []
    for text in (LEAFLET, LEAFLET.replace("Adults with thinning hair.", "Adults with thinning hair on the crown.")):
        root = make_project(tmp_path / str(len(prints)), {"test-consent.md": text})
        assert run(root, "test-consent", "--pack", "consent", "-q")[0] == 0
        form = flat(pdf_text(root / "output" / "test-consent-consent.pdf"))
        prints.append(re.search(r"version 3.2, fingerprint ([0-9a-f]{12})", form).group(1))
    assert prints[0] != prints[1]


def test_patient_details_are_on_the_cover_and_both_consent_copies(built) -> None:
    assert built["batch"][0] == 0
    texts = pages_text(built["out"] / "test-consent" / "P0001.pdf")
    first = part_pages(texts)
    for part in ("cover", "checklist", "clinic copy", "patient copy", "card"):
        assert "Ayesha Testpatient" in texts[first[part]], part
    for part in ("cover", "clinic copy", "patient copy"):
        page = texts[first[part]]
        assert "14 March 1985" in page and "MRN-55501" in page, part
    cover = texts[0]
    assert "P0001" in cover and "25 November 2026" in cover and "Dr Sara Malik" in cover
    statement = flat(" ".join(texts[first["clinic copy"] : first["patient copy"]]))
    assert "Consultant dermatologist" in statement and "12345-P" in statement
    for index in range(first["checklist"], first["card"]):  # every page of the clinic's paperwork names the patient
        assert "Ayesha Testpatient" in texts[index], index
    # the leaflet pages are the patient-independent ones: no patient data there
    assert not any("Ayesha" in t for t in texts[first["leaflet"] : first["checklist"]])


def test_clinician_column_falls_back_to_the_command_line(built) -> None:
    texts = pages_text(built["out"] / "test-consent" / "P0002.pdf")
    assert "Dr Sara Malik" not in texts[0]  # row 2 has no clinician and none was given on the command line
    assert "Bilal Testpatient" in texts[0]


def test_both_copies_are_marked(built) -> None:
    text = pdf_text(built["out"] / "test-consent" / "P0001.pdf")
    assert text.count("CLINIC COPY") == 1 and text.count("PATIENT COPY") == 1
    assert "The clinic keeps this copy in your record." in text and "This copy is for you to keep." in text


@pytest.mark.parametrize("part", ["cover", "card"])
def test_qr_carries_the_reference_never_the_name_or_birth_date(built, part: str) -> None:
    path = built["out"] / "test-consent" / "P0001.pdf"
    index = part_pages(pages_text(path))[part]
    found = decode_qr(render_page(path, index, scale=2.0))
    assert len(found) == 1
    url = found[0]
    assert parse_qs(urlsplit(url).query)["ref"] == ["P0001"]
    assert parse_qs(urlsplit(url).query)["t"] == ["test-consent"]
    for private in ("Ayesha", "Testpatient", "1985", "MRN"):
        assert private not in url
    assert url in flat(pages_text(path)[index]).replace(" ", "")  # the printed link is the same


def test_blank_pack_has_the_general_link_and_empty_lines(built) -> None:
    path = built["out"] / "test-consent-consent.pdf"
    url = decode_qr(render_page(path, 0))[0]
    assert "ref" not in parse_qs(urlsplit(url).query)
    text = pdf_text(path)
    assert "Name" in text and "Date of birth" in text and "Testpatient" not in text


def test_file_names_use_the_reference(built) -> None:
    names = sorted(p.name for p in (built["out"] / "test-consent").iterdir())
    assert names == ["P0001.pdf", "P0002.pdf"]


def test_same_inputs_give_identical_bytes(built, tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text(HEADER + GOOD, encoding="utf-8")
    out = tmp_path / "again"
    code, _, _ = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out),
                     "--clinician-role", "Consultant dermatologist", "--clinician-registration", "12345-P", "-q")
    assert code == 0
    assert (out / "test-consent" / "P0001.pdf").read_bytes() == (built["out"] / "test-consent" / "P0001.pdf").read_bytes()


def test_two_processes_give_the_same_files(built, tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text(HEADER + "".join(f"P{i:04d},Patient Number{i},1980-01-{i:02d},,,\n" for i in range(1, 9)), encoding="utf-8")
    results = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        assert run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), "--jobs", jobs, "-q")[0] == 0
        results.append({p.name: p.read_bytes() for p in (out / "test-consent").iterdir()})
    assert len(results[0]) == 8 and results[0] == results[1]


def test_bad_rows_are_reported_by_line_and_the_good_rows_still_build(built, tmp_path: Path, capsys) -> None:
    day = tmp_path / "day.csv"
    day.write_text(
        HEADER
        + GOOD
        + "P0002,Bilal Secretname,1990-02-30,,,\n"
        + "P0003,,1979-01-01,,,\n"
        + "Zara Secretname,Zara Secretname,1979-01-01,,,\n"
        + "P0001,Omar Secretname,1979-01-01,,,\n"
        + "P0006,Sana Secretname,01/02/1979,,,\n"
        + "P0007,Imran Okname,1979-01-01,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, stdout, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), capsys=capsys)
    assert code == 1
    where = str(day)
    lines = [line.replace(where, "day.csv") for line in err.strip().splitlines()]
    assert lines == [
        "day.csv:3: error: date_of_birth is not a real date (write YYYY-MM-DD, e.g. 1990-02-28)",
        "day.csv:4: error: name is empty (write the patient's name, or leave the row out)",
        ("day.csv:5: error: patient_ref must be 1 to 16 letters, digits or hyphens, starting with a letter or digit "
         "(it becomes the file name and goes into the booking link, so never use a name)"),
        'day.csv:6: error: patient_ref "P0001" is already used on line 2; each pack needs its own reference',
        "day.csv:7: error: date_of_birth is not written as YYYY-MM-DD (e.g. 1990-02-28)",
        "5 of 7 patient(s) had errors (lines 3, 4, 5, 6, 7) and got no pack; 2 pack(s) built",
    ]
    assert sorted(p.name for p in (out / "test-consent").iterdir()) == ["P0001.pdf", "P0007.pdf"]
    for private in ("Secretname", "1990-02-30", "01/02/1979", "Zara"):
        assert private not in err and private not in stdout


def test_unknown_column_stops_the_batch(built, tmp_path: Path, capsys) -> None:
    day = tmp_path / "day.csv"
    day.write_text("patient_ref,nmae\nP1,Someone\n", encoding="utf-8")
    code, _, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(tmp_path / "o"), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f'{day}:1: error: unknown column "nmae" (did you mean "name"?); the columns are patient_ref, name, date_of_birth, '
        "mrn, clinician, clinician_role, clinician_registration, appointment_date"
    )
    assert not (tmp_path / "o").exists()


def test_single_patient_options(built, tmp_path: Path, capsys) -> None:
    out = tmp_path / "one"
    code, stdout, _ = run(built["root"], "test-consent", "--pack", "consent", "--patient-ref", "A-17", "--patient-name", "Hamza Onepatient",
                          "--date-of-birth", "1970-05-06", "--out", str(out), capsys=capsys)
    assert code == 0 and "A-17.pdf" in stdout and "Hamza" not in stdout
    assert "6 May 1970" in pages_text(out / "test-consent" / "A-17.pdf")[0]
    code, stdout, err = run(built["root"], "test-consent", "--pack", "consent", "--patient-ref", "A-18", "--patient-name", "Hamza Onepatient",
                            "--date-of-birth", "1970-02-30", "--out", str(out), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == "error: --date-of-birth is not a real date (write YYYY-MM-DD, e.g. 1990-02-28)"
    assert not (out / "test-consent" / "A-18.pdf").exists()


def test_a_character_the_font_lacks_is_a_row_error_without_the_name(built, tmp_path: Path, capsys) -> None:
    day = tmp_path / "day.csv"
    day.write_text(HEADER + "P0001,Ayesha \u4e2d\u6587,1985-03-14,,,\n" + "P0002,Plain Name,1985-03-14,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f"{day}:2: error: name has CJK letters, which no font in the brand file can print; add a font that has them to "
        'fallback_fonts in the brand file (README: "Names in other scripts")'
    )
    assert "Ayesha" not in err
    assert sorted(p.name for p in (out / "test-consent").iterdir()) == ["P0002.pdf"]


def test_an_interrupted_batch_leaves_only_complete_pdfs(built, tmp_path: Path, monkeypatch, capsys) -> None:
    from clinicpack.render import stamp

    calls = {"n": 0}
    original = stamp.Stamper.stamp

    def interrupt_third(self, values, qr):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, values, qr)

    monkeypatch.setattr(stamp.Stamper, "stamp", interrupt_third)
    day = tmp_path / "day.csv"
    day.write_text(HEADER + "".join(f"P{i:04d},Patient Number{i},,,,\n" for i in range(1, 6)), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), capsys=capsys)
    assert code == 130 and "interrupted" in err
    files = sorted(p.name for p in (out / "test-consent").iterdir())
    assert files == ["P0001.pdf", "P0002.pdf"]
    for name in files:
        assert len(pypdf.PdfReader(out / "test-consent" / name).pages) > 5


def test_stale_partial_files_are_removed_on_the_next_run(built, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "test-consent").mkdir(parents=True)
    (out / "test-consent" / ".partial-abc.pdf").write_bytes(b"%PDF-half")
    day = tmp_path / "day.csv"
    day.write_text(HEADER + GOOD, encoding="utf-8")
    assert run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), "-q")[0] == 0
    assert sorted(p.name for p in (out / "test-consent").iterdir()) == ["P0001.pdf"]


def test_bookmarks_lead_to_each_part(built) -> None:
    path = built["out"] / "test-consent" / "P0001.pdf"
    reader = pypdf.PdfReader(path)
    marks = {o.title: reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)}
    first = part_pages(pages_text(path))
    assert marks["Treatment pack"] == first["cover"]
    assert marks["Health check before treatment"] == first["checklist"]
    assert marks["Consent form (clinic copy)"] == first["clinic copy"]
    assert marks["Consent form (patient copy)"] == first["patient copy"]
    assert marks["Aftercare card"] == first["card"]


def test_patient_data_is_not_in_the_metadata(built) -> None:
    meta = pypdf.PdfReader(built["out"] / "test-consent" / "P0001.pdf").metadata
    values = " ".join(str(v) for v in meta.values())
    assert "Test scalp injections" in values
    for private in ("Ayesha", "Testpatient", "1985", "55501", "P0001"):
        assert private not in values


def test_a_long_name_shrinks_to_stay_on_its_line(built, tmp_path: Path) -> None:
    import pdfplumber

    name = "Zainab Qureshi-Siddiqui Abdulrahman Chaudhry Malik-Hussain Sheikh Butt Raza"  # 77 characters
    out = tmp_path / "long"
    assert run(built["root"], "test-consent", "--pack", "consent", "--patient-ref", "L1", "--patient-name", name, "--out", str(out), "-q")[0] == 0
    with pdfplumber.open(out / "test-consent" / "L1.pdf") as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        assert name in text.replace("\n", " ")
        right_margin = page.width - 20 * 72 / 25.4
        chars = [c for c in page.chars if c["top"] < page.height * 0.4 and c["text"] in "Raza"]
        assert chars and max(c["x1"] for c in chars) <= right_margin + 0.5
        sizes = {round(c["size"], 1) for c in page.chars if c["text"] == "Z" and c["top"] < page.height * 0.4}
        assert min(sizes) < 13  # shrunk below forms.field_size


def test_check_reports_bad_rows_and_writes_nothing(built, tmp_path: Path, capsys) -> None:
    day = tmp_path / "day.csv"
    day.write_text(HEADER + GOOD + "P0002,,1990-01-01,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--check", "--out", str(out), capsys=capsys)
    assert code == 1
    assert f"{day}:3: error: name is empty (write the patient's name, or leave the row out)" in err.splitlines()
    assert not out.exists()


def test_several_leaflets_report_a_bad_row_once(built, tmp_path: Path, capsys) -> None:
    root = built["root"]
    (root / "leaflets" / "second.md").write_text(LEAFLET.replace("id: test-consent", "id: second-consent"), encoding="utf-8")
    try:
        day = tmp_path / "day.csv"
        day.write_text(HEADER + "P0001,Ayesha \u4e2d,,,,\n" + "P0002,Plain Name,,,,\n", encoding="utf-8")
        out = tmp_path / "out"
        code, stdout, err = run(root, "test-consent", "second-consent", "--pack", "consent", "--patients", str(day), "--out", str(out), capsys=capsys)
    finally:
        (root / "leaflets" / "second.md").unlink()
    assert code == 1
    assert err.count(":2: error: name has CJK letters") == 1
    assert err.splitlines()[-1] == "1 of 2 patient(s) had errors (line 2) and got no pack; 2 pack(s) built"
    assert "test-consent: 1 pack(s) written" in stdout and "second-consent: 1 pack(s) written" in stdout


def test_aftercare_card_is_one_page_in_the_default_layout(built) -> None:
    texts = pages_text(built["out"] / "test-consent" / "P0001.pdf")
    card = part_pages(texts)["card"]
    assert card == len(texts) - 1
    assert "Cut along the dashed line" in texts[card]


def test_large_print_pack_keeps_every_form_letter_at_16pt(tmp_path: Path, capsys) -> None:
    import pdfplumber

    root = make_project(tmp_path, {"test-consent.md": LEAFLET})
    out = tmp_path / "out"
    code, _, err = run(root, "test-consent", "--pack", "consent", "--layout", "large-print", "--patient-ref", "P1", "--patient-name",
                       "Ayesha Khan", "--date-of-birth", "1985-03-14", "--out", str(out), capsys=capsys)
    assert code == 0, err
    path = out / "test-consent" / "P1.pdf"
    first = part_pages(pages_text(path))
    with pdfplumber.open(path) as pdf:
        for index in [first["cover"], *range(first["checklist"], len(pdf.pages))]:
            sizes = [c["size"] for c in pdf.pages[index].chars if c["text"].strip()]
            assert min(sizes) >= 16 - 0.01, (index, min(sizes))
        # the booking link is too long for one line at large-print size: it breaks after "/", "?" or "&", never shrinks
        cover = [pdf.pages[i].extract_text() for i in range(first["cover"], first["leaflet"])]
        booking = next(i for i, text in enumerate(cover) if "Book your follow-up" in text)
        link = re.search(r"https://\S+\n\S*ref=P1", cover[booking])
        assert link and link.group(0).split("\n")[0][-1] in "/?&", cover[booking]
        assert link.group(0).replace("\n", "") == "https://clinic.example/book?t=test-consent&ref=P1"
    url = decode_qr(render_page(path, booking))[0]
    assert url.endswith("ref=P1")


def test_an_error_raised_in_a_worker_reaches_the_batch_instead_of_hanging_it(built, tmp_path: Path, monkeypatch, capsys) -> None:
    """A worker's error must travel back whole (a subclass with its own __init__ too); one that
    cannot be unpickled stops multiprocessing's result thread and the batch waits for ever."""
    import pickle

    from clinicpack import pack
    from clinicpack.writer import WriteFault

    fault = pickle.loads(pickle.dumps(WriteFault("the disk is full", tmp_path)))
    assert isinstance(fault, WriteFault) and "the disk is full" in fault.report()

    def broken(stamping, batch, order):  # noqa: ANN001, ANN202
        raise WriteFault("the disk is full", batch.out_dir)

    monkeypatch.setattr(pack, "_write", broken)
    day = tmp_path / "day.csv"
    day.write_text(HEADER + "".join(f"P{i:04d},Patient Number{i},1980-01-{i:02d},,,\n" for i in range(1, 5)), encoding="utf-8")
    code, _, err = run(built["root"], "test-consent", "--pack", "consent", "--patients", str(day), "--out", str(tmp_path / "o"),
                       "--jobs", "2", "-q", capsys=capsys)
    assert code == 1 and "the disk is full" in err
