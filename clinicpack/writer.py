"""Writing results: atomically, durably, and only inside the output folder.

A file is first written to a hidden temporary name in the same folder (``.partial-<pid>-...``),
flushed and fsynced, then renamed over the final name, and the folder itself is fsynced so the
rename survives a power cut: readers see either the old complete file or the new complete file,
and an interrupted build leaves no half-written PDF behind.

A build of several leaflets writes all or nothing (``OutputFolder.staged``): every file is
written to its temporary name first, and only when all of them are on disk are they renamed
into place. A full disk or a read-only folder is a ``WriteFault``: one line naming the folder
and the cause, with the folder left as it was.

Temporary names carry the writing process's id, so a batch cleaning up after a killed run
removes only files whose writer is gone, never those of a batch running beside it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildError

# names Windows will not create as files, whatever the extension ("CON.pdf" is the console)
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
PARTIAL = ".partial-"

_CAUSES = {
    errno.ENOSPC: ("the disk is full", "free some space, or choose another folder with --out"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, or choose another folder with --out"),
    errno.EROFS: ("it is on a read-only disk", "choose another folder with --out"),
    errno.EACCES: ("permission denied (the folder is read-only for you)", "check its permissions, or choose another folder with --out"),
    errno.EPERM: ("permission denied (the folder is read-only for you)", "check its permissions, or choose another folder with --out"),
    errno.ENOTDIR: ("a file stands where a folder should be", "choose another folder with --out"),
    errno.EEXIST: ("a file stands where a folder should be", "choose another folder with --out"),
}


class WriteFault(BuildError):
    """The output folder could not take a file (full disk, read-only, ...). ``after`` says what
    was left behind, for the closing line the command line prints."""

    def __init__(self, message: str, folder: Path, after: str = "nothing was written"):
        super().__init__(message, folder)
        self.after = after


def fault(exc: OSError, folder: Path) -> WriteFault:
    cause, fix = _CAUSES.get(exc.errno or 0, (exc.strerror or str(exc), "check the folder, or choose another with --out"))
    return WriteFault(f"cannot write in the output folder: {cause} ({fix})", folder)


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
        """Write one file atomically; ``sync`` makes it durable (file and folder fsynced) before
        returning. ``sync=False`` is for files that can be redrawn at any time (previews)."""
        target = self.path_for(name)
        created: list[Path] = []
        try:
            tmp = self._temporary(target, data, sync, created)
        except WriteFault:
            _remove_folders(created)
            raise
        try:
            os.replace(tmp, target)
            if sync:
                _sync_folder(target.parent)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise fault(exc, target.parent) from None
        return target

    def _temporary(self, target: Path, data: bytes, sync: bool, created: list[Path]) -> str:
        """``data`` in a complete temporary file beside ``target`` (folders it made are added to
        ``created``, for the caller to take away if the write as a whole fails)."""
        for attempt in (1, 2):
            try:
                _make_folders(target.parent, created)
                fd, tmp = tempfile.mkstemp(prefix=f"{PARTIAL}{os.getpid()}-", suffix=target.suffix, dir=target.parent)
                break
            except FileNotFoundError as exc:  # another build took away the empty folder it had made: once more
                if attempt == 2:
                    raise fault(exc, target.parent) from None
            except OSError as exc:
                raise fault(exc, target.parent) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if sync:
                    os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise fault(exc, target.parent) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp

    def unchanged(self, name: str, data: bytes) -> bool:
        target = self.path_for(name)
        try:
            return target.stat().st_size == len(data) and target.read_bytes() == data
        except OSError:
            return False

    def remove(self, name: str) -> None:
        """Delete an output we made earlier (e.g. a preview page the leaflet no longer has)."""
        self.path_for(name).unlink(missing_ok=True)

    @contextmanager
    def staged(self) -> Iterator[Staged]:
        """All or nothing: files written inside the block appear together when it ends, or not at
        all if anything in it fails (the folder is then left exactly as it was)."""
        staged = Staged(self.root)
        try:
            yield staged
        except BaseException:
            staged.abort()
            raise
        staged.commit()


class Staged(OutputFolder):
    """An ``OutputFolder`` whose writes and removals wait for ``commit``."""

    def __init__(self, root: Path):
        super().__init__(root)
        self._pending: list[tuple[str, Path]] = []
        self._removals: list[Path] = []
        self._created: list[Path] = []

    def write(self, name: str, data: bytes, sync: bool = True) -> Path:
        target = self.path_for(name)
        self._pending.append((self._temporary(target, data, sync, self._created), target))
        return target

    def remove(self, name: str) -> None:
        self._removals.append(self.path_for(name))

    def commit(self) -> None:
        try:
            for tmp, target in self._pending:
                os.replace(tmp, target)
            for folder in dict.fromkeys(target.parent for _, target in self._pending):
                _sync_folder(folder)
        except OSError as exc:
            self.abort()
            raise fault(exc, self.root) from None
        for path in self._removals:
            path.unlink(missing_ok=True)

    def abort(self) -> None:
        for tmp, _ in self._pending:
            Path(tmp).unlink(missing_ok=True)
        self._pending.clear()
        _remove_folders(self._created)


def remove_stale_partials(folder: Path) -> None:
    """Temporary files left by a run that was killed outright (Ctrl-C cleans up by itself). A
    file whose writing process is still alive belongs to a batch running beside this one."""
    if not folder.is_dir():
        return
    for stale in folder.glob(f"{PARTIAL}*"):
        pid = stale.name[len(PARTIAL):].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        try:
            stale.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process: leave its files alone
    return True


def _make_folders(folder: Path, created: list[Path]) -> None:
    """mkdir -p, remembering which folders were new (so a failed build can take them away)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            if path.is_dir():
                continue  # made a moment ago by another build writing into the same folder: not ours
            raise
        created.append(path)


def _remove_folders(created: list[Path]) -> None:
    for path in reversed(created):
        try:
            path.rmdir()
        except OSError:
            pass
    created.clear()


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename into it survives a power cut (POSIX; a no-op elsewhere)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
