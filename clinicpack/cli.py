"""Command line: parse options, run the build, print errors as one line each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .build import BuildRequest, build
from .errors import BuildError, BuildErrors
from .project import Project


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build_pack.py",
        description="Build branded patient leaflets (PDF) from the Markdown files in leaflets/.",
        epilog="Exit status: 0 when everything built (or checked) cleanly, 1 on any error, 2 on a bad option.",
    )
    p.add_argument("leaflets", nargs="*", metavar="PATH_OR_ID", help="leaflet files or ids to build (default: every leaflet in leaflets/)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--layout", default="default", metavar="NAME_OR_PATH", help="layout name from layouts/ or a path to a layout .yaml file (default: default)")
    p.add_argument("--check", action="store_true", help="validate leaflets, brand and layout; write nothing")
    p.add_argument("--project", type=Path, default=None, metavar="DIR", help="project folder (default: the folder holding build_pack.py)")
    p.add_argument("--print-layout", metavar="NAME_OR_PATH", help="print the fully resolved layout (every key, its value and where it was set) and exit")
    p.add_argument("--print-ready", action="store_true", help="print-shop PDF: bleed, crop marks, TrimBox and BleedBox (file name ends .print.pdf)")
    p.add_argument("--preview", action="store_true", help="also write a PNG of every page (NAME.preview/) and a contact sheet (NAME.contact.png)")
    p.add_argument("--watch", action="store_true", help="rebuild whenever a leaflet, layout, brand file or asset changes; Ctrl-C stops")
    p.add_argument("--force", action="store_true", help="rebuild every output, even those whose inputs did not change")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return p


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


def run_watch(request: BuildRequest, say: Callable[[str], None], extra: list[Path]) -> int:
    from .watch import snapshot, watch, watched_files

    def scan() -> dict:
        return snapshot(watched_files(request.project, extra))

    def err(text: str) -> None:
        print(text, file=sys.stderr if "error" in text else sys.stdout, flush=True)

    try:
        watch(scan, lambda: build(request, report=say), lambda t: err(t) if "error" in t else say(t))
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
    )
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    if args.watch:
        extra = [Path(t) for t in args.leaflets if Path(t).is_file()] + [Path(args.layout)] * Path(args.layout).is_file()
        return run_watch(request, say, extra)
    try:
        results = build(request, report=say)
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
    if args.check:
        say(f"checked {len(results)} leaflet(s): no errors")
    return 0
