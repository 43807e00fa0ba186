"""Command line: parse options, run the build, print errors as one line each."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BuildError, BuildErrors, display_path
from .project import Project
from .quality import ERROR, NOTE, Options, QualityFailed, Report

if TYPE_CHECKING:
    from .api import BuildRequest
    from .archive import Recorder

# The build itself (and with it YAML, Markdown, ReportLab) is imported only once the
# up-to-date check (uptodate.py) has found that something needs doing.

ARCHIVE_COMMANDS = ("history", "reprint", "show", "diff")  # build_pack.py COMMAND ...: clinicpack.archive.commands


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build_pack.py",
        description="Build branded patient leaflets (PDF) from the Markdown files in leaflets/.",
        epilog="Document control: build_pack.py history | reprint | show | diff (each has --help). "
               "Exit status: 0 when everything built (or checked) cleanly, 1 on any error, 2 on a bad option. "
               "The front desk (web page for staff): build_pack.py serve --help",
    )
    p.add_argument("leaflets", nargs="*", metavar="PATH_OR_ID", help="leaflet files or ids to build (default: every leaflet in leaflets/)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--layout", default="default", metavar="NAME_OR_PATH", help="layout name from layouts/ or a path to a layout .yaml file (default: default)")
    p.add_argument("--check", action="store_true", help="validate leaflets, brand and layout and run the quality checks (with notes); write nothing")
    p.add_argument("--strict", action="store_true", help="treat quality warnings as errors")
    p.add_argument("--report", choices=("json",), help="print the quality findings as JSON on standard output (all other messages go to standard error)")
    p.add_argument("--allow-overdue", action="store_true", help="build leaflets past their review_due date; every page then says the review is overdue")
    p.add_argument("--today", type=_date, help=argparse.SUPPRESS)  # for tests: the date the review check compares with
    p.add_argument("--project", type=Path, default=None, metavar="DIR", help="project folder (default: the folder holding build_pack.py)")
    p.add_argument("--print-layout", metavar="NAME_OR_PATH", help="print the fully resolved layout (every key, its value and where it was set) and exit")
    p.add_argument("--print-ready", action="store_true", help="print-shop PDF: bleed, crop marks, TrimBox and BleedBox (file name ends .print.pdf)")
    p.add_argument("--preview", action="store_true", help="also write a PNG of every page (NAME.preview/) and a contact sheet (NAME.contact.png)")
    p.add_argument("--watch", action="store_true", help="rebuild whenever a leaflet, layout, brand file or asset changes; Ctrl-C stops")
    p.add_argument("--force", action="store_true", help="rebuild every output, even those whose inputs did not change")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    a = p.add_argument_group("document control", "every PDF built is recorded in the archive (build_pack.py history --help)")
    a.add_argument("--db", type=Path, metavar="PATH", help="archive database (default: records/archive.sqlite3 in the project, "
                   "or archive: database: in the brand file)")
    a.add_argument("--require-record", action="store_true", help="fail (write nothing) when the print record cannot be written; "
                   "by default the PDFs are still built and a warning says the record is missing")
    c = p.add_argument_group("consent packs", "cover, leaflet, health check, consent form (two copies) and aftercare card")
    c.add_argument("--pack", choices=("leaflet", "consent"), default="leaflet", help="what to build (default: leaflet)")
    c.add_argument("--patients", type=Path, metavar="FILE.csv",
                   help="one personalised pack per row; columns: patient_ref, name (required), date_of_birth, mrn, "
                        "clinician, clinician_role, clinician_registration, appointment_date")
    c.add_argument("--patient-ref", metavar="REF", help="one patient's opaque reference (1-16 letters, digits, hyphens): file name and booking link")
    c.add_argument("--patient-name", metavar="NAME", help="that patient's name (printed on the forms only)")
    c.add_argument("--date-of-birth", metavar="YYYY-MM-DD")
    c.add_argument("--mrn", metavar="NUMBER", help="clinic record number")
    c.add_argument("--appointment-date", metavar="YYYY-MM-DD")
    c.add_argument("--clinician", metavar="NAME", help="clinician's name (a CSV column overrides it per row)")
    c.add_argument("--clinician-role", metavar="ROLE", help='e.g. "Consultant dermatologist"')
    c.add_argument("--clinician-registration", metavar="NUMBER", help="registration number (e.g. PMDC number)")
    c.add_argument("--jobs", type=int, default=1, metavar="N", help="build packs in N processes (default: 1)")
    return p


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date like 2026-11-01') from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def quality_printer(args: argparse.Namespace, say: Callable[[str], None]) -> Callable[[Report], None]:
    """Findings go to standard error (errors always; warnings unless --quiet; notes with --check)."""

    def show(report: Report) -> None:
        for finding in report.findings:
            if finding.severity == ERROR or (not args.quiet and (finding.severity != NOTE or args.check)):
                print(finding.report(), file=sys.stderr, flush=True)
        if args.report == "json":
            sys.stdout.write(report.to_json())
            sys.stdout.flush()
        if args.check or report.errors:
            say(report.summary())
        elif report.warnings:
            say(f"{_plural(report.warnings, 'quality warning')} (--check lists them with notes; --strict makes them errors)")

    return show


def print_layout(project: Project, name: str) -> int:
    from .brand import load_brand
    from .layout import describe, load_layout

    try:
        brand = load_brand(project.brand_file)
        print(describe(load_layout(name, project.layouts, brand)), end="")
    except BuildError as exc:
        print(exc.report("error"), file=sys.stderr)
        return 1
    return 0


def run_watch(request: BuildRequest, say: Callable[[str], None], extra: list[Path], on_quality: Callable[[Report], None] = lambda r: None) -> int:
    from .api import build_leaflets as build
    from .watch import Notifier, snapshot, watch, watched_files, watched_folders

    def scan() -> dict:
        return snapshot(watched_files(request.project, extra))

    def err(text: str) -> None:
        print(text, file=sys.stderr if "error" in text else sys.stdout, flush=True)

    notifier = None
    try:
        notifier = Notifier(watched_folders(request.project, extra))
        watch(scan, lambda: build(request, report=say, on_quality=on_quality), lambda t: err(t) if "error" in t else say(t),
              sleep=notifier.wait)
    except KeyboardInterrupt:
        say("stopped watching")
    finally:
        if notifier is not None:
            notifier.stop()
    return 0


def recorder_for(project: Project, db: Path | None, required: bool, check_only: bool):  # noqa: ANN201 (archive.Recorder | None)
    """The archive's recorder for this run (its warnings go to standard error). With
    ``--require-record`` a database that cannot be opened stops the run here, before anything
    is written: the error is printed and None returned."""
    from .archive import Recorder, database_path
    from .brand import load_brand

    try:
        path = database_path(project, load_brand(project.brand_file), db)
    except BuildError:
        path = database_path(project, None, db)  # the build itself reports what is wrong with the brand file
    recorder = Recorder(path, required=required, warn=lambda text: print(text, file=sys.stderr, flush=True))
    if required and not check_only:
        try:
            recorder.store()
        except BuildError as exc:
            print(exc.report("error"), file=sys.stderr)
            print("nothing was written", file=sys.stderr)
            return None
    return recorder


def _archive_command(argv: list[str]) -> int | None:
    """Where ``history``/``reprint``/``show``/``diff`` stands, if it is the first word that is not
    an option (``--project DIR`` and ``--db PATH`` may come before it)."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("--project", "--db"):
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            return i if word in ARCHIVE_COMMANDS else None
    return None


def main(argv: list[str] | None = None, project_root: Path | None = None, process_ends: bool = False) -> int:
    """The command line. ``process_ends``: the caller exits right after (build_pack.py), so a
    paused cycle collector is left paused rather than made to collect a heap about to be freed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # the front desk (a leaflet id "serve" would be ./leaflets/serve.md)
        from .web.serve import main as serve_main

        return serve_main(argv[1:], project_root)
    command = _archive_command(argv)
    if command is not None:
        from .archive.commands import main as archive_main

        rest = argv[:command] + argv[command + 1 :]
        return archive_main([argv[command], *rest], project_root)
    p = parser()
    args = p.parse_args(argv)
    root = args.project or project_root or Path.cwd()
    if args.watch:
        return _build(p, args, root)
    with without_cycle_collector(restore=not process_ends):
        return _build(p, args, root)


@contextmanager
def without_cycle_collector(restore: bool = True) -> Iterator[None]:
    """A one-shot build with Python's cycle collector paused (it is restored after). The build
    allocates many small objects while large long-lived ones (parsed fonts, the hyphenation
    dictionary) sit in memory, so each full collection walks them all again: pausing it takes
    about 4% off an English build and 9% off an Urdu one (bench/bench_start.py). The garbage
    it would have collected is small: the peak memory of building all three shipped leaflets,
    or a 300-patient batch, is the same either way. Watch mode, which runs for hours, keeps it.

    ``restore=False``: the process exits right after. Restoring would make the next allocation
    collect everything the build left (about 5 ms), and Python collects once more at exit even
    with the collector paused, walking the whole heap the system is about to take back (about
    15 ms of an English build). Instead every object is moved to the permanent generation
    (``gc.freeze``), which that last collection skips. Nothing else changes at exit: modules
    are still torn down, files and the archive's database still closed, ``atexit`` still runs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not restore:
            gc.freeze()
        elif enabled:
            gc.enable()


def _build(p: argparse.ArgumentParser, args: argparse.Namespace, root: Path) -> int:
    if args.print_layout:
        return print_layout(Project(root), args.print_layout)
    check_pack_options(p, args)
    if args.pack == "consent":
        recorder = recorder_for(Project(root), args.db, args.require_record, args.check)
        if recorder is None:
            return 1
        with closing(recorder):
            return consent_main(args, Project(root), recorder)
    out = sys.stderr if args.report else sys.stdout  # with --report json, stdout carries only the JSON
    say = (lambda s: None) if args.quiet else (lambda s: print(s, file=out, flush=True))
    on_quality = quality_printer(args, say)
    if replay_up_to_date(args, root, say, on_quality):
        return 0
    recorder = recorder_for(Project(root), args.db, args.require_record, args.check)  # --check only reads it (stale translations)
    if recorder is None:
        return 1
    with closing(recorder):  # the database closed when the command ends, not left to the garbage collector
        return _run(args, root, say, on_quality, recorder)


def _run(args: argparse.Namespace, root: Path, say: Callable[[str], None], on_quality: Callable[[Report], None], recorder: Recorder) -> int:
    from .api import BuildRequest
    from .api import build_leaflets as build

    request = BuildRequest(
        project=Project(root),
        targets=tuple(args.leaflets),
        layout=args.layout,
        out=args.out,
        check_only=args.check,
        print_ready=args.print_ready,
        preview=args.preview,
        force=args.force,
        strict=args.strict,
        allow_overdue=args.allow_overdue,
        today=args.today,
        recorder=recorder,
    )
    if args.watch:
        extra = [Path(t) for t in args.leaflets if Path(t).is_file()] + [Path(args.layout)] * Path(args.layout).is_file()
        return run_watch(request, say, extra, on_quality)

    def run() -> int:
        build(request, report=say, on_quality=on_quality)
        return 0

    return reporting_errors(run, args.check, "interrupted; no partial files were left")


def replay_up_to_date(args: argparse.Namespace, root: Path, say: Callable[[str], None], on_quality: Callable[[Report], None]) -> bool:
    """When the last identical build's record shows nothing changed (see uptodate.py), report
    what that build reported, its quality findings included, and return True."""
    if args.check or args.force or args.preview or args.watch or args.db or args.require_record:
        return False  # these run fully (--db and --require-record: the database is opened and checked)
    from .uptodate import Request, check, findings_from

    today = args.today or dt.date.today()
    out = args.out or root / "output"
    fresh = check(Request(root, tuple(args.leaflets), args.layout, out, args.print_ready, args.strict, args.allow_overdue, today))
    if fresh is None:
        return False
    report = Report(findings_from(fresh.quality["findings"]), fresh.quality["leaflets"], Options(today, args.allow_overdue), args.strict)
    on_quality(report)
    for name in fresh.outputs:
        say(f"up to date {display_path(out.resolve() / name)}")
    return True


def reporting_errors(run: Callable[[], int], check_only: bool, interrupted: str) -> int:
    """Run a build; print every user error as one line (no traceback) and return the exit code."""
    try:
        return run()
    except QualityFailed:
        if not check_only:
            print("quality errors (see above); nothing was written", file=sys.stderr)
        return 1
    except BuildErrors as exc:
        for error in exc.errors:
            print(error.report("error"), file=sys.stderr)
        print(f"{len(exc.errors)} error(s); nothing was written", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(exc.report("error"), file=sys.stderr)
        print(getattr(exc, "after", "nothing was written"), file=sys.stderr)  # a WriteFault says what it left
        return 1
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return 130


def check_pack_options(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Consent-pack options that make no sense together are bad options (exit 2)."""
    patient_opts = [args.patient_ref, args.patient_name, args.date_of_birth, args.mrn]
    if args.pack != "consent":
        used = [o for o, v in (("--patients", args.patients), ("--patient-ref", args.patient_ref), ("--patient-name", args.patient_name),
                               ("--clinician", args.clinician), ("--jobs", args.jobs != 1 or None)) if v]
        if used:
            p.error(f"{used[0]} needs --pack consent")
    if args.pack == "consent":
        # leaflet-only options: refused rather than silently ignored
        for option, value in (("--print-ready", args.print_ready), ("--preview", args.preview), ("--watch", args.watch), ("--force", args.force)):
            if value:
                p.error(f"{option} works for leaflets, not yet with --pack consent")
    if args.patients and any(patient_opts):
        p.error("give either --patients FILE.csv or one patient's options (--patient-ref ...), not both")
    if any(patient_opts) and not (args.patient_ref and args.patient_name):
        p.error("one patient needs both --patient-ref and --patient-name")
    if args.jobs < 1:
        p.error("--jobs must be 1 or more")
    if args.pack == "consent" and args.allow_overdue:
        p.error("--allow-overdue cannot be used with --pack consent: a patient must not consent on an overdue leaflet")


def patient_options(args: argparse.Namespace):  # noqa: ANN201 (Patient | None, Clinician)
    """One patient and the batch's clinician from the command-line options (also for reprints)."""
    from .api import FIELDS, Clinician, field_message, patient_from_fields

    patient = None
    if args.patient_ref:
        values = {"patient_ref": args.patient_ref, "name": args.patient_name, "date_of_birth": args.date_of_birth or "",
                  "mrn": args.mrn or "", "appointment_date": args.appointment_date or ""}
        try:
            patient = patient_from_fields(values)
        except BuildError as exc:  # one patient from the command line: the message names the option
            raise BuildError(field_message(exc, "option"), key=exc.key) from None
    appointment = None
    if args.appointment_date and not patient:
        try:
            appointment = dt.date.fromisoformat(args.appointment_date)
        except ValueError:
            raise BuildError("--appointment-date is not a real date (write YYYY-MM-DD)") from None
    clinician = Clinician(args.clinician or "", args.clinician_role or "", args.clinician_registration or "", appointment)
    given = {"clinician": clinician.name, "clinician_role": clinician.role, "clinician_registration": clinician.registration}
    for field in FIELDS:  # the same limits as the patient list's columns
        value = given.get(field.key, "")
        if len(value) > (field.max_length or 0) or any(ord(ch) < 32 for ch in value):
            raise BuildError(f"{field.option} must be one line of at most {field.max_length} characters", key=field.key)
    return patient, clinician


def _consent(args: argparse.Namespace, project: Project, say, recorder=None) -> int:  # noqa: ANN001
    from .api import PackRequest, build_packs

    patient, clinician = patient_options(args)
    request = PackRequest(
        project=project, targets=tuple(args.leaflets), layout=args.layout, out=args.out, check_only=args.check,
        patients_file=args.patients, patient=patient, clinician=clinician, jobs=args.jobs, progress=sys.stderr.isatty(),
        strict=args.strict, today=args.today, recorder=recorder,
    )
    result = build_packs(request, report=say, on_quality=quality_printer(args, say))
    for error in result.row_errors:
        print(error.report("error"), file=sys.stderr)
    if args.check:
        if result.row_errors:
            print(f"{len(result.row_errors)} of {result.rows} row(s) have errors", file=sys.stderr)
            return 1
        say("checked: no errors")
        return 0
    if result.row_errors:
        numbers = sorted({e.line for e in result.row_errors if e.line})
        bad = len(numbers) or 1
        built = len(result.written) + len(result.unchanged)
        where = f" (line{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})" if numbers else ""
        print(f"{bad} of {result.rows or 1} patient(s) had errors{where} and got no pack; {built} pack(s) built", file=sys.stderr)
        return 1
    return 0


def consent_main(args: argparse.Namespace, project: Project, recorder=None) -> int:  # noqa: ANN001
    """``--pack consent``: errors print as one line each, like the leaflet build."""
    out = sys.stderr if args.report else sys.stdout  # with --report json, stdout carries only the JSON
    say = (lambda s: None) if args.quiet else (lambda s: print(s, file=out, flush=True))
    return reporting_errors(lambda: _consent(args, project, say, recorder), args.check, "interrupted; only complete packs were written")
