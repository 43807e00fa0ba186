"""``build_pack.py serve``: start the front desk and print its address.

Loopback (127.0.0.1, the default) needs no password: only someone at the reception PC can
reach it. Any other address is reachable from the clinic's network, so the server refuses to
start without a password, from the environment variable ``CLINICPACK_PASSWORD`` or the first
line of ``--password-file`` (a file only the service account can read).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

PASSWORD_ENV = "CLINICPACK_PASSWORD"
MIN_PASSWORD = 8


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build_pack.py serve", description="Start the front desk: a local web page for printing leaflets and consent packs.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only; any other address needs a password)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--project", type=Path, metavar="DIR", help="project folder (default: the folder holding build_pack.py)")
    p.add_argument("--password-file", type=Path, metavar="FILE", help=f"file whose first line is the sign-in password (or set {PASSWORD_ENV})")
    return p


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def read_password(args: argparse.Namespace) -> str | None:
    """The password from --password-file or the environment; ValueError names what is wrong."""
    if args.password_file is not None:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"{args.password_file}: error: cannot read the password file ({exc.strerror or exc})") from None
        password = lines[0].strip() if lines else ""
        where = str(args.password_file)
    else:
        password = os.environ.get(PASSWORD_ENV, "")
        where = PASSWORD_ENV
        if not password:
            return None
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"{where}: error: the password must be at least {MIN_PASSWORD} characters (the clinic network is not a safe place)")
    return password


def main(argv: list[str], project_root: Path | None = None) -> int:
    args = parser().parse_args(argv)
    root = (args.project or project_root or Path.cwd()).resolve()
    try:
        password = read_password(args)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if password is None and not is_loopback(args.host):
        print(f"error: serving on {args.host} makes the front desk reachable from the network; set a password first "
              f"({PASSWORD_ENV}=... or --password-file FILE), or serve on 127.0.0.1", file=sys.stderr)
        return 1
    if not (root / "leaflets").is_dir():
        print(f"{root}: error: no leaflets/ folder here (give the project folder with --project DIR)", file=sys.stderr)
        return 1
    try:
        import uvicorn

        from . import create_app
    except ImportError as exc:
        print(f"error: the front desk needs its web libraries ({exc.name} is missing): pip install -e '.[web]' (make serve does this)", file=sys.stderr)
        return 1
    app = create_app(root, password=password)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Front desk for {root}: http://{shown}:{args.port}/  (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", server_header=False, proxy_headers=False)
    return 0
