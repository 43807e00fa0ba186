"""The fast QR mask choice makes exactly qrcode's symbol; the patient list reader's edge cases."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from clinicpack.patients import read_patients
from clinicpack.qr import qr_matrix


def reference(url: str) -> tuple:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


@settings(max_examples=60, deadline=None)
@given(ref=st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=16),
       path=st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=90))
def test_fast_mask_choice_matches_qrcode(ref: str, path: str) -> None:
    url = f"https://clinic.example/{path}?t=x&ref={ref}"
    assert qr_matrix(url).modules == reference(url)


def test_byte_bits_cache_does_not_mix_up_versions() -> None:
    short, long = "https://a.example/?ref=1", "https://a.example/" + "x" * 150
    for url in (short, long, short):
        assert qr_matrix(url).modules == reference(url)


def test_csv_with_byte_order_mark_blank_lines_and_quoted_commas(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_bytes(
        "\ufeffpatient_ref,name,date_of_birth\r\n"
        "P1,\"Khan, Ayesha\",1985-03-14\r\n"
        "\r\n"
        "P2,Bilal Ahmed,\r\n".encode("utf-8")
    )
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [p.ref for p in result.patients] == ["P1", "P2"]
    assert result.patients[0].name == "Khan, Ayesha"
    assert result.patients[0].date_of_birth == dt.date(1985, 3, 14)
    assert [p.line for p in result.patients] == [2, 4]
    assert result.errors == ()


def test_future_birth_date_and_too_many_values(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text("patient_ref,name,date_of_birth\nP1,A B,2030-01-01\nP2,C D,1980-01-01,extra\n", encoding="utf-8")
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "date_of_birth is in the future (write YYYY-MM-DD)"),
        (3, "this row has 4 values but the header has 3 columns (a stray comma?)"),
    ]
    assert result.patients == ()


def test_missing_required_column(tmp_path: Path) -> None:
    import pytest

    from clinicpack.errors import BuildError

    day = tmp_path / "day.csv"
    day.write_text("patient_ref,date_of_birth\nP1,1980-01-01\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        read_patients(day)
    assert (err.value.line, err.value.message) == (1, 'the header row has no "name" column (required: patient_ref, name)')


def test_excel_semicolon_csv_with_spoken_headers(tmp_path: Path) -> None:
    """Excel in comma-decimal locales saves semicolons; staff write "Date of birth"."""
    day = tmp_path / "day.csv"
    day.write_text("Patient ref;Name;Date of birth;MRN\nP1;Khan, Ayesha;1985-03-14;M-1\n", encoding="utf-8")
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [(p.ref, p.name, p.date_of_birth, p.mrn) for p in result.patients] == [("P1", "Khan, Ayesha", dt.date(1985, 3, 14), "M-1")]
    assert result.errors == ()


def test_unclosed_quote_names_its_line(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text('patient_ref,name\nP1,"Khan, Ayesha\nP2,Bilal Ahmed\nP3,Sara Malik\n', encoding="utf-8")
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [(e.line, e.message) for e in result.errors] == [
        (2, 'a quote (") opened on this line is never closed, so lines 2 to 4 were read as one row; close the quote or remove it'),
    ]


def test_qr_rectangles_paint_exactly_the_dark_modules() -> None:
    from clinicpack.qr import QUIET_ZONE, SMALLEST, qr_matrix, quiet_zone

    for url in ("https://clinic.example/book?t=x", "https://clinic.example/book?t=exosome-hair-loss&ref=" + "N" * 16):
        matrix = qr_matrix(url)
        n = matrix.size
        painted = set()
        for x, y, width in matrix.rectangles():
            for dx in range(width):
                cell = (n - 1 - y, x + dx)  # back to (row, column)
                assert cell not in painted
                painted.add(cell)
        assert painted == {(r, c) for r in range(n) for c in range(n) if matrix.modules[r][c]}
        assert quiet_zone(30.0, n) == QUIET_ZONE * 30.0 / n
        assert quiet_zone(30.0) >= quiet_zone(30.0, n)  # a slot's margin is wide enough for any link
    assert quiet_zone(21.0) == QUIET_ZONE * 21.0 / SMALLEST


def test_a_field_over_the_csv_limit_is_its_own_error_and_later_rows_are_read(tmp_path: Path) -> None:
    """Python's csv module stops at a value over 131,072 characters; every later row must still count."""
    import csv

    huge = "x" * (csv.field_size_limit() + 10)
    day = tmp_path / "day.csv"
    day.write_text(f"patient_ref,name\nP1,{huge}\nP2,Bilal Ahmed\nP3,\"{huge}\"\nP4,Sara Malik\n", encoding="utf-8")
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [p.ref for p in result.patients] == ["P2", "P4"]
    assert [(e.line, e.message) for e in result.errors] == [
        (2, f'the "name" value is {len(huge):,} characters long; no column takes more than 1,000'),
        (4, f'the "name" value is {len(huge):,} characters long; no column takes more than 1,000'),
    ]
    assert result.rows == 4
    assert csv.field_size_limit() == 131_072  # the process-wide limit is left as it was


def test_refs_differing_only_in_case_or_reserved_on_windows_are_row_errors(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text("patient_ref,name\nP001,A B\np001,C D\nCON,E F\nnul,G H\nCom1,I J\nLPT9,K L\nCON1,M N\nP001,O P\n", encoding="utf-8")
    result = read_patients(day, today=dt.date(2026, 11, 25))
    assert [p.ref for p in result.patients] == ["P001", "CON1"]
    reserved = ("patient_ref is a name Windows reserves for devices (CON, NUL, COM1 ...), so its pack could not be "
                "saved or opened there; add a letter or digit (e.g. P-CON)")
    assert [(e.line, e.message) for e in result.errors] == [
        (3, 'patient_ref "p001" is already used on line 2 (in other letter case: file names would clash on Windows and macOS); '
            "each pack needs its own reference"),
        (4, reserved), (5, reserved), (6, reserved), (7, reserved),
        (9, 'patient_ref "P001" is already used on line 2; each pack needs its own reference'),
    ]
