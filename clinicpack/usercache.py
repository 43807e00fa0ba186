"""A folder of parsed inputs kept between runs, so that a cold build does not parse again what
an earlier one already parsed (pyphen's dictionary, SVG logos).

Entries are pickles in ``$XDG_CACHE_HOME/clinicpack`` (or ``~/.cache/clinicpack``), never in the
project or output folders. The caller puts everything the parsed value depends on into the
entry's name (versions of the parsing library and of Python, a format number, the source's
digest or size and modification time), so a stale entry is simply never asked for again.
Nothing here is essential: a missing, damaged or unreadable entry, or a folder that cannot be
written (a read-only home), means the caller parses the source as it would without a cache.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

PYTHON = f"py{sys.version_info[0]}{sys.version_info[1]}"


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "clinicpack"


def read(name: str, valid: Callable[[Any], bool]) -> Any | None:
    """The value stored under ``name`` if there is one and ``valid`` accepts it, else None."""
    try:
        with (folder() / name).open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # noqa: BLE001 - missing, unreadable or damaged: the caller parses again
        return None
    return value if valid(value) else None


def write(name: str, value: Any) -> None:
    """Store ``value`` under ``name`` atomically (a reader never sees half an entry); a folder
    that cannot be written is no error."""
    path = folder() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001 - an unwritable folder or a value that does not pickle: no cache
        pass
