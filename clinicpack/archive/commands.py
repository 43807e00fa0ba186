"""``build_pack.py history | reprint | show | diff``: the archive on the command line.

Each command prints user errors as one line (``file: error: ...``) and exits 1, like a build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import BuildError, BuildErrors
from ..project import Project
from . import open_store, resolve_pending
from .store import PrintRecord, Query, Store

COLUMNS = (("record", 6), ("printed (UTC)", 16), ("kind", 8), ("patient", 16), ("leaflet", 24), ("lang", 4), ("version", 7),
           ("fingerprint", 12), ("layout", 12), ("built by", 12), ("file", 0))  # the file name last, never cut


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", type=Path, default=None, metavar="DIR", help="project folder (default: the folder holding build_pack.py)")
    p.add_argument("--db", type=Path, metavar="PATH", help="archive database (default: records/archive.sqlite3 in the project, "
                   "or archive: database: in the brand file)")


def parsers() -> dict[str, argparse.ArgumentParser]:
    h = argparse.ArgumentParser(prog="build_pack.py history", description="List print records, newest first.")
    h.add_argument("--patient", metavar="REF", help="only this patient reference")
    h.add_argument("--leaflet", metavar="ID", help="only this leaflet id")
    h.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="only records printed on or after this day (UTC)")
    h.add_argument("--limit", type=int, metavar="N", help="at most N records")
    h.add_argument("--format", choices=("table", "json"), default="table", help="a readable table (default) or JSON for scripts")
    _common(h)

    r = argparse.ArgumentParser(
        prog="build_pack.py reprint",
        description='Rebuild a leaflet or consent pack from the archive, marked "Reprint of version X, first printed DATE" '
                    "in every footer, into reprints/ in the output folder.",
    )
    r.add_argument("reference", metavar="FINGERPRINT_OR_RECORD", help="a record number (build_pack.py history) or a leaflet fingerprint")
    r.add_argument("--verify", action="store_true", help="rebuild without the mark and compare with the recorded SHA-256; write nothing")
    r.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output/)")
    r.add_argument("--patients", type=Path, metavar="FILE.csv", help="the patients' details again (the record keeps only the reference)")
    r.add_argument("--patient-ref", metavar="REF")
    r.add_argument("--patient-name", metavar="NAME")
    r.add_argument("--date-of-birth", metavar="YYYY-MM-DD")
    r.add_argument("--mrn", metavar="NUMBER")
    r.add_argument("--appointment-date", metavar="YYYY-MM-DD")
    r.add_argument("--clinician", metavar="NAME")
    r.add_argument("--clinician-role", metavar="ROLE")
    r.add_argument("--clinician-registration", metavar="NUMBER")
    r.add_argument("--built-by", metavar="NAME", help=argparse.SUPPRESS)  # the front desk passes its user
    _common(r)

    s = argparse.ArgumentParser(prog="build_pack.py show", description="Print the archived Markdown of a leaflet text.")
    s.add_argument("fingerprint", metavar="FINGERPRINT")
    _common(s)

    d = argparse.ArgumentParser(
        prog="build_pack.py diff",
        description="What changed between two versions of a leaflet, section by section; also a one-page PDF "
                    '"What changed in this leaflet" in the output folder.',
    )
    d.add_argument("leaflet_id", metavar="ID")
    d.add_argument("version_a", nargs="?", metavar="VERSION_A", help="archived version or fingerprint (default: the one before B)")
    d.add_argument("version_b", nargs="?", metavar="VERSION_B", help="archived version or fingerprint (default: the current file)")
    d.add_argument("--out", type=Path, metavar="DIR", help="folder for the PDF (default: output/)")
    d.add_argument("--no-pdf", action="store_true", help="terminal only")
    _common(d)
    return {"history": h, "reprint": r, "show": s, "diff": d}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date like 2026-11-01') from None


def main(argv: list[str], project_root: Path | None = None) -> int:
    command, rest = argv[0], argv[1:]
    args = parsers()[command].parse_args(rest)
    project = Project(args.project or project_root or Path.cwd())
    handler: Callable[[argparse.Namespace, Project, Store], int] = {
        "history": history, "reprint": reprint, "show": show, "diff": diff_command,
    }[command]
    try:
        store = open_store(_db_path(project, args.db))
        try:
            return handler(args, project, store)
        finally:
            store.close()
    except BuildErrors as exc:
        for error in exc.errors:
            print(error.report("error"), file=sys.stderr)
        return 1
    except BuildError as exc:
        print(exc.report("error"), file=sys.stderr)
        return 1


def _db_path(project: Project, override: Path | None) -> Path:
    from ..brand import load_brand
    from . import database_path

    if override is not None:
        return override
    try:
        brand = load_brand(project.brand_file)
    except BuildError:
        brand = None
    path = database_path(project, brand, None)
    if not path.exists():
        raise BuildError(f"no archive at {path} yet (it is made by the first build; --db PATH chooses another)")
    return path


# ---------------------------------------------------------------- history

def history(args: argparse.Namespace, project: Project, store: Store) -> int:
    resolve_pending(store)  # settle records a killed build left pending
    records = store.prints(Query(args.patient, args.leaflet, args.since.isoformat() if args.since else None, args.limit))
    if args.format == "json":
        sys.stdout.write(json.dumps([as_dict(r) for r in records], indent=2, ensure_ascii=False) + "\n")
        return 0
    if not records:
        print("no print records" + (" match" if (args.patient or args.leaflet or args.since) else " yet"))
        return 0
    print("  ".join(name.ljust(width) for name, width in COLUMNS).rstrip())
    for r in records:
        when = r.printed_at[:16].replace("T", " ")
        kind = r.kind + ("*" if r.reprint_of else "")
        cells = (str(r.id), when, kind, r.patient_ref or "-", r.leaflet_id, r.language, r.version, r.fingerprint, r.layout,
                 r.built_by, r.file_name)
        print("  ".join(_cell(c, w) for c, (_, w) in zip(cells, COLUMNS)).rstrip())
    if any(r.reprint_of for r in records):
        print("* a reprint (build_pack.py history --format json names the record it reprints)")
    return 0


def _cell(text: str, width: int) -> str:
    if not width or len(text) <= width:
        return text.ljust(width)
    return text[: width - 1] + "\u2026"


def as_dict(r: PrintRecord) -> dict:
    return {
        "record": r.id, "printed_at": r.printed_at, "kind": r.kind, "patient_ref": r.patient_ref, "leaflet_id": r.leaflet_id,
        "language": r.language, "version": r.version, "fingerprint": r.fingerprint, "layout": r.layout,
        "file": r.file_name, "output_dir": r.output_dir, "pdf_sha256": r.pdf_sha256, "built_by": r.built_by,
        "options": r.options, "reprint_of": r.reprint_of,
    }


# ---------------------------------------------------------------- show

def show(args: argparse.Namespace, project: Project, store: Store) -> int:
    from .lookup import parse_reference, snapshots_for

    kind, value = parse_reference(args.fingerprint)
    if kind != "fingerprint":
        raise BuildError(f'"{args.fingerprint}" is not a fingerprint (12 letters and digits, as printed on the consent form)')
    snapshot = snapshots_for(store, value)[-1]
    data = store.blob(snapshot.source_sha256)
    if data is None:
        raise BuildError(f"the archive has lost the text of fingerprint {snapshot.fingerprint}")
    sys.stdout.write(data.decode("utf-8", "replace"))
    return 0


# ---------------------------------------------------------------- reprint

def reprint(args: argparse.Namespace, project: Project, store: Store) -> int:
    from .. import read_patients
    from ..cli import patient_options
    from ..writer import OutputFolder
    from . import Recorder, os_user
    from .reprint import output_name, rebuild, targets, verify

    if args.patients and args.patient_ref:
        raise BuildError("give either --patients FILE.csv or one patient's options (--patient-ref ...), not both")
    if args.patient_ref and not args.patient_name:
        raise BuildError("one patient needs both --patient-ref and --patient-name")
    patient, clinician = patient_options(args)
    patients = [patient] if patient else []
    if args.patients:
        plist = read_patients(args.patients)
        if plist.errors:
            raise BuildErrors(list(plist.errors))
        patients = list(plist.patients)
    chosen = targets(store, args.reference, patients)
    if args.verify:
        same = True
        for target in chosen:
            ok, message = verify(rebuild(store, target, clinician, marked=False))
            print(message, file=sys.stdout if ok else sys.stderr)
            same = same and ok
        return 0 if same else 1
    out = OutputFolder(args.out or project.output)
    recorder = Recorder(Path(store.location), built_by=args.built_by or os_user(),
                        warn=lambda text: print(text, file=sys.stderr))
    try:
        for target in chosen:
            rebuilt = rebuild(store, target, clinician, marked=True)
            name = output_name(rebuilt)
            original = target.original
            pending = recorder.begin(target.snapshot, target.kind, target.patient.ref if target.patient else None, out.root, name,
                                     rebuilt.pdf, original.options if original else {}, original.id if original else None)
            path = out.write(name, rebuilt.pdf)
            recorder.confirm(pending)
            print(f"wrote {path} (reprint of version {target.snapshot.version}, first printed {rebuilt.first_printed.isoformat()})")
            for note in rebuilt.notes:
                print(f"note: {note}", file=sys.stderr)
    finally:
        recorder.close()
    return 0


# ---------------------------------------------------------------- diff

def diff_command(args: argparse.Namespace, project: Project, store: Store) -> int:
    from .changes import compare_versions

    result = compare_versions(store, project, args.leaflet_id, args.version_a, args.version_b)
    sys.stdout.write(result.text)
    if not args.no_pdf:
        path = result.write_pdf(args.out or project.output)
        print(f"wrote {path}")
    return 0
