"""Document control (clinicpack.archive), checked on real SQLite files and real PDFs: records,
history, reprint and --verify, reprint after an edit, diff, stale translations, two writers,
a batch killed with SIGKILL, a corrupt database, unknown fingerprints, migrations, privacy."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from helpers import FIXTURES, ROOT, make_project, pdf_text, run

from clinicpack.archive import ArchiveError
from clinicpack.archive.sqlite import SCHEMA_VERSION, SqliteStore

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
NAME, DOB, MRN = "Zebediah Quuxworth", "1987-04-23", "MRN-770011"
PATIENT = ["--patient-ref", "P0001", "--patient-name", NAME, "--date-of-birth", DOB, "--mrn", MRN]


def history(root: Path, capsys, *args: str) -> list[dict]:
    code, out, err = run(root, "history", "--format", "json", *args, capsys=capsys)
    assert code == 0, err
    return json.loads(out)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_bytes(root: Path) -> bytes:
    """The database file and its write-ahead log, as stored on disk."""
    return b"".join(p.read_bytes() for p in sorted((root / "records").glob("archive.sqlite3*")))


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {"test-consent.md": LEAFLET})


@pytest.fixture()
def printed(project: Path, capsys) -> Path:
    """One leaflet and one patient's consent pack, built through the command line."""
    assert run(project, "test-consent", "-q", capsys=capsys)[0] == 0
    assert run(project, "test-consent", "--pack", "consent", *PATIENT, capsys=capsys)[0] == 0
    return project


def test_every_pdf_built_is_recorded_with_its_hash_and_no_patient_details(printed: Path, capsys) -> None:
    records = history(printed, capsys)
    assert [r["kind"] for r in records] == ["pack", "leaflet"]  # newest first
    pack, leaflet = records
    assert pack["patient_ref"] == "P0001" and leaflet["patient_ref"] is None
    assert pack["file"] == "test-consent/P0001.pdf" and leaflet["file"] == "test-consent.pdf"
    for record in records:
        assert record["pdf_sha256"] == sha(Path(record["output_dir"]) / record["file"])
        assert (record["leaflet_id"], record["version"], record["language"], record["layout"]) == ("test-consent", "3.2", "en", "default")
        assert record["built_by"]
    # the fingerprint on the consent form is the one recorded
    assert f"({pack['fingerprint']})" in pdf_text(printed / "output" / pack["file"]).replace("\n", " ")
    stored = db_bytes(printed)
    for secret in (NAME, "Zebediah", "Quuxworth", DOB, "23 April 1987", MRN):
        assert secret.encode() not in stored, secret
    assert b"P0001" in stored  # the opaque reference is what is kept


def test_history_table_and_filters(printed: Path, capsys) -> None:
    code, out, _ = run(printed, "history", "--patient", "P0001", capsys=capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["record", "printed", "(UTC)"]
    assert len(lines) == 2 and "P0001" in lines[1] and "test-consent/P0001.pdf" in lines[1]
    assert history(printed, capsys, "--leaflet", "nope") == []
    assert len(history(printed, capsys, "--since", "2000-01-01")) == 2
    assert history(printed, capsys, "--since", "2999-01-01") == []


def test_the_same_content_is_stored_once(printed: Path, capsys) -> None:
    db = sqlite3.connect(printed / "records" / "archive.sqlite3")
    before = db.execute("SELECT count(*), sum(size) FROM blobs").fetchone(), db.execute("SELECT count(*) FROM snapshots").fetchone()
    assert run(printed, "test-consent", "--force", "-q", capsys=capsys)[0] == 0
    after = db.execute("SELECT count(*), sum(size) FROM blobs").fetchone(), db.execute("SELECT count(*) FROM snapshots").fetchone()
    assert before == after
    assert len(history(printed, capsys)) == 3  # but the new PDF has its record


def test_reprint_verify_rebuilds_the_recorded_bytes(printed: Path, capsys) -> None:
    pack, leaflet = history(printed, capsys)
    code, out, err = run(printed, "reprint", str(leaflet["record"]), "--verify", capsys=capsys)
    assert code == 0 and out.startswith(f"verified: record {leaflet['record']} "), err
    code, out, err = run(printed, "reprint", str(pack["record"]), "--verify", *PATIENT, capsys=capsys)
    assert code == 0 and "verified" in out, err
    # other patient details than the original's: a different PDF, and --verify says so
    other = [*PATIENT[:3], "Someone Else", *PATIENT[4:]]
    code, out, err = run(printed, "reprint", str(pack["record"]), "--verify", *other, capsys=capsys)
    assert code == 1 and "does not match" in err and "Someone" not in err
    # a pack record without the patient's details cannot be rebuilt, and says what to give
    code, _, err = run(printed, "reprint", str(pack["record"]), capsys=capsys)
    assert code == 1 and "error: record" in err and "--patient-ref P0001" in err
    assert not (printed / "output" / "reprints").exists()


def test_reprint_after_an_edit_shows_the_old_text_marked_and_page_for_page(printed: Path, capsys) -> None:
    leaflet = history(printed, capsys)[1]
    original = printed / "output" / "test-consent.pdf"
    original_pages = [p.extract_text() for p in pypdf.PdfReader(original).pages]
    source = printed / "leaflets" / "test-consent.md"
    source.write_text(source.read_text().replace("Ask for a written quote.", "Prices rose in the new year.").replace(
        'version: "3.2"', 'version: "3.3"'), encoding="utf-8")
    assert run(printed, "test-consent", "-q", capsys=capsys)[0] == 0
    assert "Prices rose" in pdf_text(original) and "written quote" not in pdf_text(original)

    code, out, err = run(printed, "reprint", str(leaflet["record"]), capsys=capsys)
    assert code == 0, err
    reprint = printed / "output" / "reprints" / "test-consent.v3.2.pdf"
    assert f"wrote {reprint}" in out
    pages = [p.extract_text() for p in pypdf.PdfReader(reprint).pages]
    assert len(pages) == len(original_pages)
    first = leaflet["printed_at"][:10]
    day = f"{int(first[8:10])} {['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][int(first[5:7]) - 1]} {first[:4]}"
    for text, before in zip(pages, original_pages):
        assert f"Reprint of version 3.2, first printed {day}" in text.replace("\n", " ")
        assert text.replace(f"Reprint of version 3.2, first printed {day}", "").split() == before.split()  # otherwise the same
    assert "written quote" in "".join(pages) and "Prices rose" not in "".join(pages)
    newest = history(printed, capsys)[0]
    assert newest["reprint_of"] == leaflet["record"] and newest["file"] == "reprints/test-consent.v3.2.pdf"
    assert newest["pdf_sha256"] == sha(reprint)
    # the archived inputs still rebuild the original bytes after the edit
    assert run(printed, "reprint", str(leaflet["record"]), "--verify", capsys=capsys)[0] == 0


def test_show_and_diff_between_versions(printed: Path, capsys) -> None:
    fingerprint = history(printed, capsys)[1]["fingerprint"]
    source = printed / "leaflets" / "test-consent.md"
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace("Ask for a written quote.", "Prices rose in the new year.").replace(
        'version: "3.2"', 'version: "3.3"'), encoding="utf-8")
    assert run(printed, "test-consent", "-q", capsys=capsys)[0] == 0

    code, out, _ = run(printed, "show", fingerprint, capsys=capsys)
    assert code == 0 and out == original

    code, out, err = run(printed, "diff", "test-consent", "3.2", "3.3", capsys=capsys)
    assert code == 0, err
    assert "== Cost [cost]: changed" in out
    assert "- Ask for a written quote." in out and "+ Prices rose in the new year." in out
    assert "Risks" not in out  # unchanged sections are not listed
    pdf = printed / "output" / "test-consent.changes.3.2-to-3.3.pdf"
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\n", " ")
    assert "What changed in this leaflet" in text and "Cost" in text and "Prices rose in the new year." in text
    # with no versions given: the current file against the version before it
    code, out, _ = run(printed, "diff", "test-consent", "--no-pdf", capsys=capsys)
    assert code == 0 and "to the current file (version 3.3)" in out and "+ Prices rose" in out


def translation(version: str | None) -> str:
    text = LEAFLET.replace("id: test-consent", "id: test-consent-fr").replace("language: en", "language: fr")
    key = f'translation_of: test-consent\ntranslation_of_version: "{version}"\n' if version else "translation_of: test-consent\n"
    return text.replace("treatment: Test scalp injections\n", "treatment: Test scalp injections\n" + key)


def key_line(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(key + ":"))


def test_a_stale_translation_names_both_versions_and_the_changed_sections(project: Path, capsys) -> None:
    fr = project / "leaflets" / "test-consent.fr.md"
    fr.write_text(translation("3.2"), encoding="utf-8")
    assert run(project, "test-consent", "-q", capsys=capsys)[0] == 0  # archives version 3.2
    code, _, err = run(project, "--check", capsys=capsys)
    assert code == 0 and "warning" not in err  # up to date: no finding

    source = project / "leaflets" / "test-consent.md"
    source.write_text(source.read_text().replace("Ask for a written quote.", "Prices rose.").replace('version: "3.2"', 'version: "3.3"'))
    code, _, err = run(project, "--check", capsys=capsys)
    line = key_line(fr, "translation_of_version")
    expected = (f'leaflets/test-consent.fr.md:{line}: warning: translated from version 3.2 of "test-consent", which is now version 3.3; '
                'changed since: "Cost" (cost)')
    assert code == 0 and expected in err.replace(str(project) + "/", "")
    code, _, err = run(project, "--check", "--strict", capsys=capsys)
    assert code == 1 and f"test-consent.fr.md:{line}: error: translated from version 3.2" in err
    # the translation alone: the original is found beside it
    code, _, err = run(project, "test-consent-fr", "--check", capsys=capsys)
    assert 'changed since: "Cost" (cost)' in err


def test_a_translation_without_a_source_version_is_asked_for_one(project: Path, capsys) -> None:
    fr = project / "leaflets" / "test-consent.fr.md"
    fr.write_text(translation(None), encoding="utf-8")
    code, _, err = run(project, "--check", capsys=capsys)
    assert code == 0
    assert f"test-consent.fr.md:{key_line(fr, 'translation_of')}: warning: this translation does not say which version" in err
    assert "translation_of_version" in err


def test_the_shipped_translation_names_its_source_version() -> None:
    text = (ROOT / "leaflets" / "exosome-hair-loss.ur.md").read_text(encoding="utf-8")
    assert 'translation_of_version: "1.0"' in text


CSV_HEADER = "patient_ref,name,date_of_birth\n"


def patients_csv(path: Path, count: int, prefix: str) -> Path:
    rows = "".join(f"{prefix}{i:04d},Patient Number{i},1980-01-{1 + i % 28:02d}\n" for i in range(count))
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    return path


def build_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "build_pack.py"), "--project", str(root), *args]


def test_two_writers_at_once(project: Path, tmp_path: Path, capsys) -> None:
    runs = [subprocess.Popen(build_command(project, "test-consent", "--pack", "consent", "-q", "--out", str(tmp_path / f"out{n}"),
                                           "--patients", str(patients_csv(tmp_path / f"day{n}.csv", 40, f"W{n}"))),
                             stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    for proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "could not be written" not in err
    records = history(project, capsys)
    assert len(records) == 80
    for n in (1, 2):
        files = {p.name for p in (tmp_path / f"out{n}" / "test-consent").glob("*.pdf")}
        assert {Path(r["file"]).name for r in records if r["output_dir"] == str((tmp_path / f"out{n}").resolve())} == files


def test_packs_stamped_in_worker_processes_are_recorded(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, _, err = run(project, "test-consent", "--pack", "consent", "-q", "--jobs", "2", "--out", str(out),
                       "--patients", str(patients_csv(tmp_path / "day.csv", 12, "J")), capsys=capsys)
    assert code == 0, err
    files = {p.name: sha(p) for p in (out / "test-consent").glob("*.pdf")}
    assert len(files) == 12
    assert {Path(r["file"]).name: r["pdf_sha256"] for r in history(project, capsys)} == files


def test_a_batch_killed_halfway_leaves_records_matching_the_files(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(build_command(project, "test-consent", "--pack", "consent", "-q", "--out", str(out),
                                          "--patients", str(patients_csv(tmp_path / "day.csv", 400, "K"))),
                            stderr=subprocess.DEVNULL)
    folder = out / "test-consent"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(folder.glob("K*.pdf"))) < 30:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    files = {p.name: sha(p) for p in folder.glob("K*.pdf")}
    assert 30 <= len(files) < 400  # killed halfway
    records = history(project, capsys)
    assert {Path(r["file"]).name: r["pdf_sha256"] for r in records} == files


def test_a_corrupt_database_never_stops_printing(project: Path, capsys) -> None:
    db = project / "records" / "archive.sqlite3"
    db.parent.mkdir()
    db.write_bytes(b"this is not a database, it was damaged" * 200)
    code, out, err = run(project, "test-consent", capsys=capsys)
    assert code == 0 and (project / "output" / "test-consent.pdf").is_file()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("(--require-record makes this an error)")
    assert "archive.sqlite3: warning: the archive database could not be opened (file is not a database)" in lines[0]
    assert "print record could not be written" in lines[0] and "--require-record" in lines[0]
    # with --require-record nothing is written
    (project / "output" / "test-consent.pdf").unlink()
    code, _, err = run(project, "test-consent", "--require-record", "--force", capsys=capsys)
    assert code == 1 and "error: the archive database could not be opened" in err and "Traceback" not in err
    assert not (project / "output" / "test-consent.pdf").exists()
    code, _, err = run(project, "history", capsys=capsys)
    assert code == 1 and "error: the archive database could not be opened" in err and "damaged" in err


def test_an_unknown_fingerprint_says_what_the_archive_holds(printed: Path, capsys) -> None:
    fingerprint = history(printed, capsys)[0]["fingerprint"]
    for command in ("show", "reprint"):
        code, _, err = run(printed, command, "ffffffffffff", capsys=capsys)
        assert code == 1 and 'fingerprint "ffffffffffff" is not in the archive' in err
        assert f"test-consent: {fingerprint}" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(printed, "reprint", "999", capsys=capsys)
    assert code == 1 and "no print record 999" in err
    code, _, err = run(printed, "diff", "test-consent", "9.9", capsys=capsys)
    assert code == 1 and '"9.9" is not an archived version' in err and "version 3.2" in err


def test_db_option_and_brand_setting_choose_the_file(project: Path, tmp_path: Path, capsys) -> None:
    chosen = tmp_path / "elsewhere" / "clinic.sqlite3"
    assert run(project, "test-consent", "-q", "--db", str(chosen), capsys=capsys)[0] == 0
    assert chosen.is_file() and not (project / "records").exists()
    assert len(history(project, capsys, "--db", str(chosen))) == 1
    brand = project / "assets" / "brand.yaml"
    brand.write_text(brand.read_text() + "\narchive:\n  database: shared/archive.db\n", encoding="utf-8")
    assert run(project, "test-consent", "-q", capsys=capsys)[0] == 0
    assert (project / "shared" / "archive.db").is_file()
    assert len(history(project, capsys)) == 1


def test_migrations_move_an_old_archive_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = SqliteStore(path, migrate_to=1)
    assert old.schema_version() == 1
    old.db.execute("INSERT INTO blobs VALUES ('b', 1, x'00')")
    old.db.execute("INSERT INTO snapshots (id, leaflet_id, language, version, fingerprint, source_sha256, leaflet_path, layout, "
                   "builder_version, builder_digest, files) VALUES ('s', 'x', 'en', '1.0', 'abcdefabcdef', 'b', 'leaflets/x.md', "
                   "'default', '0.1.0', 'd', '[]')")
    old.db.execute("INSERT INTO prints (printed_at, kind, patient_ref, leaflet_id, language, version, fingerprint, layout, snapshot_id, "
                   "output_dir, file_name, pdf_sha256, built_by, state) VALUES ('2026-01-01T00:00:00Z', 'pack', 'P1', 'x', 'en', "
                   "'1.0', 'abcdefabcdef', 'default', 's', '/o', 'x/P1.pdf', 'h', 'desk', 'written')")
    old.close()
    store = SqliteStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 2
    record = store.print_record(1)
    assert (record.patient_ref, record.reprint_of, record.options, record.state) == ("P1", None, {}, "written")
    store.close()
    future = sqlite3.connect(path)
    future.execute("PRAGMA user_version = 99")
    future.close()
    with pytest.raises(ArchiveError, match="schema version 99, newer than this builder knows"):
        SqliteStore(path)
