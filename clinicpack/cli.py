"""Command line: parse options, run the build, print errors as one line each."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from .build import BuildRequest, build
from .errors import BuildError, BuildErrors
from .project import Project
from .quality import ERROR, NOTE, QualityFailed, Report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build_pack.py",
        description="Build branded patient leaflets (PDF) from the Markdown files in leaflets/.",
        epilog="Exit status: 0 when everything built (or checked) cleanly, 1 on any error, 2 on a bad option.",
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
    from .watch import snapshot, watch, watched_files

    def scan() -> dict:
        return snapshot(watched_files(request.project, extra))

    def err(text: str) -> None:
        print(text, file=sys.stderr if "error" in text else sys.stdout, flush=True)

    try:
        watch(scan, lambda: build(request, report=say, on_quality=on_quality), lambda t: err(t) if "error" in t else say(t))
    except KeyboardInterrupt:
        say("stopped watching")
    return 0


def main(argv: list[str] | None = None, project_root: Path | None = None) -> int:
    args = parser().parse_args(argv)
    root = args.project or project_root or Path.cwd()
    if args.print_layout:
        return print_layout(Project(root), args.print_layout)
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
    )
    out = sys.stderr if args.report else sys.stdout  # with --report json, stdout carries only the JSON
    say = (lambda s: None) if args.quiet else (lambda s: print(s, file=out, flush=True))
    on_quality = quality_printer(args, say)
    if args.watch:
        extra = [Path(t) for t in args.leaflets if Path(t).is_file()] + [Path(args.layout)] * Path(args.layout).is_file()
        return run_watch(request, say, extra, on_quality)
    try:
        build(request, report=say, on_quality=on_quality)
    except QualityFailed:
        if not args.check:
            print("quality errors (see above); nothing was written", file=sys.stderr)
        return 1
    except BuildErrors as exc:
        for error in exc.errors:
            print(error.report("error"), file=sys.stderr)
        print(f"{len(exc.errors)} error(s); nothing was written", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(exc.report("error"), file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; no partial files were left", file=sys.stderr)
        return 130
    return 0
