"""Writing results: atomically, and only inside the output folder.

A file is first written to a hidden temporary name in the same folder, flushed, then renamed
over the final name: readers see either the old complete file or the new complete file, and an
interrupted build leaves no half-written PDF behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import BuildError

# names Windows will not create as files, whatever the extension ("CON.pdf" is the console)
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})


def reserved_name(stem: str) -> bool:
    """True for CON, nul, Com1 ...: a file or folder that could not be saved or opened on Windows."""
    return stem.split(".", 1)[0].strip().lower() in RESERVED_NAMES


class OutputFolder:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def path_for(self, name: str) -> Path:
        target = (self.root / name).resolve()
        if target.parent != self.root and not target.is_relative_to(self.root):
            raise BuildError(f'refusing to write "{name}": it is outside the output folder {self.root}')
        if target == self.root:
            raise BuildError(f'refusing to write "{name}": not a file name')
        if any(reserved_name(part) for part in target.relative_to(self.root).parts):
            raise BuildError(f'refusing to write "{name}": Windows reserves that name for a device (CON, NUL, COM1 ...)')
        return target

    def write(self, name: str, data: bytes, sync: bool = True) -> Path:
        """``sync=False`` skips the per-file fsync (a batch syncs once at the end instead): the
        rename still guarantees that an interrupted run never leaves a partial file."""
        target = self.path_for(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=target.suffix, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if sync:
                    os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def unchanged(self, name: str, data: bytes) -> bool:
        target = self.path_for(name)
        try:
            return target.stat().st_size == len(data) and target.read_bytes() == data
        except OSError:
            return False

    def remove(self, name: str) -> None:
        """Delete an output we made earlier (e.g. a preview page the leaflet no longer has)."""
        self.path_for(name).unlink(missing_ok=True)
