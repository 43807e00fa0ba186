"""A folder of parsed inputs kept between runs, so that a cold build does not parse again what
an earlier one already parsed (pyphen's dictionary, SVG logos, fonts' facts, YAML and Markdown:
see ``clinicpack.parsecache``).

Entries are pickles in ``$XDG_CACHE_HOME/clinicpack`` (or ``~/.cache/clinicpack``), never in the
project or output folders. The caller puts everything the parsed value depends on into the
entry's name (versions of the parsing library and of Python, a format number, the source's
digest or size and modification time), so a stale entry is simply never asked for again.
Such entries are removed: an entry read is marked as used (its modification time moves to now,
at most once a day), and about once a day a write removes the entries nobody has used for
``KEEP_DAYS`` (a new Python, library or edited file leaves its old entries behind) and any
half-written file a killed process left. Nothing here is essential: a missing, damaged or
unreadable entry, or a folder that cannot be written (a read-only home), means the caller
parses the source as it would without a cache.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PYTHON = f"py{sys.version_info[0]}{sys.version_info[1]}"
KEEP_DAYS = 30  # an entry nobody read for this long is removed
DAY = 24 * 3600
PARTIAL = ".partial-"  # prefix of a file being written (renamed into place when complete)
PRUNED = ".pruned"  # its modification time: when the folder was last pruned


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "clinicpack"


def installed(package: str, files: Sequence[str] = ("__init__.py",), also: Sequence[Path] = ()) -> str | None:
    """What a cached value made by ``package`` depends on, told apart without importing it:
    the size and modification time of ``files`` in its folder (a reinstall or another version
    changes them) and of ``also`` (e.g. our own module that made the value). None when the
    package is not installed or a file is missing: then nothing is cached."""
    spec = importlib.util.find_spec(package)  # a top-level package: found, not imported
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    parts = [package]
    for path in [*(folder / name for name in files), *also]:
        try:
            st = path.stat()
        except OSError:
            return None
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return ",".join(parts)


def read(name: str, valid: Callable[[Any], bool]) -> Any | None:
    """The value stored under ``name`` if there is one and ``valid`` accepts it, else None."""
    try:
        with (folder() / name).open("rb") as handle:
            value = pickle.load(handle)
            if valid(value):
                _mark_used(handle.fileno())
                return value
    except Exception:  # noqa: BLE001 - missing, unreadable or damaged: the caller parses again
        pass
    return None


def _mark_used(fd: int) -> None:
    """Move the entry's modification time to now if it is older than a day (one ``fstat`` per
    read; a read-only entry keeps its time, and is at worst parsed again after pruning)."""
    try:
        if time.time() - os.fstat(fd).st_mtime > DAY:
            os.utime(fd)
    except OSError:
        pass


def write(name: str, value: Any) -> None:
    """Store ``value`` under ``name`` atomically (a reader never sees half an entry); a folder
    that cannot be written is no error."""
    path = folder() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=PARTIAL, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001 - an unwritable folder or a value that does not pickle: no cache
        return
    prune(path.parent)


def prune(where: Path, now: float | None = None) -> None:
    """Remove entries unused for ``KEEP_DAYS`` and half-written files older than an hour, at
    most once a day (the time is kept in the ``.pruned`` file). Only regular files directly in
    the folder are looked at; a file another process removes first, or one that cannot be
    removed, is skipped."""
    now = time.time() if now is None else now
    stamp = where / PRUNED
    try:
        if now - stamp.stat().st_mtime < DAY:
            return
    except OSError:
        pass  # never pruned (or the stamp is unreadable): prune now
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
        entries = list(os.scandir(where))
    except OSError:
        return
    for entry in entries:
        if entry.name == PRUNED:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age > (3600 if entry.name.startswith(PARTIAL) else KEEP_DAYS * DAY):
                os.unlink(entry.path)
        except OSError:
            continue
