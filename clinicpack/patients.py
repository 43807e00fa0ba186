"""Patients for personalised packs: one from the command line, or a day's list from a CSV file.

Privacy rules enforced here: a patient's name, date of birth and record number are never put
into an error message (only the CSV line number and the column), and the reference that goes
into file names and booking links must be a short opaque token, not a name.

A bad row does not stop the others: ``read_patients`` returns the good patients and one
``BuildError`` per bad row; only problems with the file as a whole (unknown column, no rows)
are raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

from .codecache import dataclass
from .errors import BuildError, did_you_mean
from .writer import reserved_name

REF_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,15})$")
MAX_FIELD = 1_000  # characters in one CSV value; far above any column's own limit, so a pasted document is one row's error
MAX_LIST_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    """One patient detail, named the three ways users meet it: a CSV column (its key), a
    command-line option and a form label on the front desk. Messages start with the key;
    ``field_message`` swaps it for the name the user saw."""

    key: str
    option: str
    label: str
    required: bool = False
    max_length: int | None = None


FIELDS: tuple[Field, ...] = (
    Field("patient_ref", "--patient-ref", "Patient reference", required=True),
    Field("name", "--patient-name", "Name", required=True, max_length=80),
    Field("date_of_birth", "--date-of-birth", "Date of birth"),
    Field("mrn", "--mrn", "Clinic record number", max_length=32),
    Field("clinician", "--clinician", "Clinician", max_length=60),
    Field("clinician_role", "--clinician-role", "Clinician's role", max_length=60),
    Field("clinician_registration", "--clinician-registration", "Registration number", max_length=30),
    Field("appointment_date", "--appointment-date", "Appointment date"),
)
FIELD = {f.key: f for f in FIELDS}
REQUIRED_COLUMNS = tuple(f.key for f in FIELDS if f.required)
OPTIONAL_COLUMNS = tuple(f.key for f in FIELDS if not f.required)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_LENGTH = {f.key: f.max_length for f in FIELDS if f.max_length}


def field_message(error: BuildError, name: str = "key") -> str:
    """The error's message with its leading field key given as the user knew the field:
    ``name`` is "key" (CSV column), "option" (command line) or "label" (front desk)."""
    field = FIELD.get(error.key or "")
    if field is None or name == "key" or not error.message.startswith(field.key):
        return error.message
    return getattr(field, name) + error.message[len(field.key):]


@dataclass(frozen=True)
class Patient:
    """One patient's details for a personalised pack; only the opaque ``ref`` goes into file names and booking links."""
    ref: str  # opaque: file name stem and the booking link's ref=
    name: str
    date_of_birth: dt.date | None = None
    mrn: str = ""
    clinician: str = ""
    clinician_role: str = ""
    clinician_registration: str = ""
    appointment_date: dt.date | None = None
    line: int | None = None  # CSV line, for messages

    def with_defaults(self, clinician: Clinician) -> Patient:
        """Fill clinician fields the row left empty from the command-line options."""
        return Patient(
            ref=self.ref, name=self.name, date_of_birth=self.date_of_birth, mrn=self.mrn,
            clinician=self.clinician or clinician.name,
            clinician_role=self.clinician_role or clinician.role,
            clinician_registration=self.clinician_registration or clinician.registration,
            appointment_date=self.appointment_date or clinician.appointment_date,
            line=self.line,
        )


@dataclass(frozen=True)
class Clinician:
    """Batch-wide defaults from the command line (a CSV column overrides them per row)."""

    name: str = ""
    role: str = ""
    registration: str = ""
    appointment_date: dt.date | None = None


def patient_from_values(values: dict[str, str], line: int | None = None, today: dt.date | None = None) -> Patient:
    """Validate one patient's values (field key -> text). Raises ``BuildError`` with the
    field's ``key``; messages never quote the values."""
    # NFC: "ễ" typed as e + two combining marks (as macOS and some systems store it) becomes the one
    # letter fonts draw, instead of marks stacked by guesswork
    v = {k: unicodedata.normalize("NFC", values.get(k) or "").strip() for k in COLUMNS}
    if not v["patient_ref"]:
        raise BuildError("patient_ref is empty (give each patient a short reference, e.g. P0001)", key="patient_ref")
    if not REF_PATTERN.match(v["patient_ref"]):
        raise BuildError(
            "patient_ref must be 1 to 16 letters, digits or hyphens, starting with a letter or digit "
            "(it becomes the file name and goes into the booking link, so never use a name)", key="patient_ref",
        )
    if reserved_name(v["patient_ref"]):
        raise BuildError(
            "patient_ref is a name Windows reserves for devices (CON, NUL, COM1 ...), so its pack could not be "
            "saved or opened there; add a letter or digit (e.g. P-CON)", key="patient_ref",
        )
    if not v["name"]:
        raise BuildError("name is empty (write the patient's name, or leave the row out)", key="name")
    for key, limit in MAX_LENGTH.items():
        if len(v[key]) > limit:
            raise BuildError(f"{key} is longer than {limit} characters", key=key)
        if any(ord(ch) < 32 for ch in v[key]):
            raise BuildError(f"{key} contains a line break or control character; keep it on one line", key=key)
    today = today or dt.date.today()
    dob = _date(v["date_of_birth"], "date_of_birth")
    if dob is not None and dob > today:
        raise BuildError("date_of_birth is in the future (write YYYY-MM-DD)", key="date_of_birth")
    if dob is not None and dob.year < 1900:
        raise BuildError("date_of_birth is before 1900 (write YYYY-MM-DD)", key="date_of_birth")
    return Patient(
        ref=v["patient_ref"], name=v["name"], date_of_birth=dob, mrn=v["mrn"], clinician=v["clinician"],
        clinician_role=v["clinician_role"], clinician_registration=v["clinician_registration"],
        appointment_date=_date(v["appointment_date"], "appointment_date"), line=line,
    )


def _date(text: str, key: str) -> dt.date | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise BuildError(f"{key} is not written as YYYY-MM-DD (e.g. 1990-02-28)", key=key)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BuildError(f"{key} is not a real date (write YYYY-MM-DD, e.g. 1990-02-28)", key=key) from None


@dataclass(frozen=True)
class PatientList:
    """A patient file read: the good rows, and one error per bad row so the rest still print."""
    path: Path
    patients: tuple[Patient, ...]
    errors: tuple[BuildError, ...]  # one per bad row, in file order
    rows: int  # data rows read (good + bad)


def read_patients(path: Path, today: dt.date | None = None) -> PatientList:
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise BuildError(f"the patient list is larger than {MAX_LIST_BYTES // 2**20} MB; split it into smaller lists", path)
        raw = path.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read the patient list: {exc.strerror or exc}", path) from None
    return read_patients_bytes(raw, path, today)


def read_patients_bytes(raw: bytes, path: Path | str, today: dt.date | None = None) -> PatientList:
    """A patient list already in memory (an upload); ``path`` only names it in messages."""
    path = Path(path)
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BuildError("the file is not UTF-8 text; save it as \"CSV UTF-8\"", path, line) from None
    # Excel saves "CSV" with semicolons where the decimal mark is a comma; accept either.
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # a long value is its row's error, not the end of reading
    try:
        return _read_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), path, today)
    finally:
        csv.field_size_limit(limit)


def _read_rows(reader, path: Path, today: dt.date | None) -> PatientList:
    columns = _header(reader, path)
    patients: list[Patient] = []
    errors: list[BuildError] = []
    seen: dict[str, tuple[str, int]] = {}  # casefolded ref -> (ref as written, line)
    rows = 0
    for start, row, problem in _raw_rows(reader, columns):
        rows += row is not None
        if problem is not None:
            errors.append(BuildError(problem, path, start))
            continue
        try:
            patient = patient_from_values(dict(zip(columns, row)), start, today)
        except BuildError as exc:
            errors.append(exc.located(path, start))
            continue
        clash = _same_ref(patient.ref, seen.get(patient.ref.casefold()))
        if clash:
            errors.append(BuildError(clash, path, start))
            continue
        seen[patient.ref.casefold()] = (patient.ref, start)  # P001 and p001 would be one file on Windows and macOS
        patients.append(patient)
    if rows == 0:
        raise BuildError("the patient list has a header but no patients", path, 1)
    return PatientList(path, tuple(patients), tuple(errors), rows)


def _header(reader, path: Path) -> list[str]:
    """The column names of the header row; any problem with it stops the whole list."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BuildError(f"cannot read the header row: {exc}", path, 1) from None
    if not header or not any(h.strip() for h in header):
        raise BuildError(f"the first line must be a header row: {', '.join(REQUIRED_COLUMNS)} (and optional {', '.join(OPTIONAL_COLUMNS)})", path, 1)
    columns = [h.strip().lower().replace(" ", "_") for h in header]  # "Date of birth" is date_of_birth
    for name in columns:
        if name not in COLUMNS:
            raise BuildError(
                f'unknown column "{name}"{did_you_mean(name, COLUMNS)}; the columns are {", ".join(COLUMNS)}', path, 1
            )
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise BuildError(f'the header row has no "{name}" column (required: {", ".join(REQUIRED_COLUMNS)})', path, 1)
    repeated = next((c for c in columns if columns.count(c) > 1), None)
    if repeated:
        raise BuildError(f'the column "{repeated}" appears twice in the header row', path, 1)
    return columns


def _raw_rows(reader, columns: list[str]):  # noqa: ANN202 (a generator of (line, row or None, problem or None))
    """Every non-blank row with the line it starts on and what is wrong with its shape, if
    anything. A line the CSV reader cannot read is reported and reading goes on after it."""
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield start, None, f"this line is not valid CSV ({exc})"
            if reader.line_num == last_line:
                return  # nothing more could be read
            last_line = reader.line_num
            continue  # the reader starts afresh on the next line: later rows are still read
        last_line = reader.line_num
        if row is None:
            return
        if any(cell.strip() for cell in row):  # blank lines between days' lists are harmless
            yield start, row, _shape_problem(row, columns, start, last_line)


def _shape_problem(row: list[str], columns: list[str], start: int, last_line: int) -> str | None:
    if any("\n" in cell for cell in row):
        return (f'a quote (") opened on this line is never closed, so lines {start} to {last_line} were read as one row; '
                "close the quote or remove it")
    long = next((i for i, cell in enumerate(row) if len(cell) > MAX_FIELD), None)
    if long is not None:
        column = f'the "{columns[long]}" value' if long < len(columns) else f"value {long + 1}"
        return f"{column} is {len(row[long]):,} characters long; no column takes more than {MAX_FIELD:,}"
    if len(row) > len(columns):
        return f"this row has {len(row)} values but the header has {len(columns)} columns (a stray comma?)"
    return None


def _same_ref(ref: str, earlier: tuple[str, int] | None) -> str | None:
    if earlier is None:
        return None
    case = "" if earlier[0] == ref else " (in other letter case: file names would clash on Windows and macOS)"
    return f'patient_ref "{ref}" is already used on line {earlier[1]}{case}; each pack needs its own reference'
