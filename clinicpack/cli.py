"""Command line: parse options, run the build, print errors as one line each."""

from __future__ import annotations

import argparse
import sys
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
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return p


def main(argv: list[str] | None = None, project_root: Path | None = None) -> int:
    args = parser().parse_args(argv)
    root = args.project or project_root or Path.cwd()
    request = BuildRequest(
        project=Project(root),
        targets=tuple(args.leaflets),
        layout=args.layout,
        out=args.out,
        check_only=args.check,
    )
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
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
