"""``dataclass``: ``dataclasses.dataclass``, its generated methods compiled once, not per process.

Making a dataclass is slow at start-up: ``dataclasses`` writes the source of ``__init__``,
``__repr__``, ``__eq__``, ``__hash__`` (and, when frozen, ``__setattr__`` and ``__delattr__``) and
compiles each with ``exec``, about 0.3 ms per frozen class. A cold build makes some fifty of
them (layouts, leaflets, findings, print records): 14 ms of compiling, about 5% of an English
leaflet's cold build. Python keeps every module's own bytecode in ``__pycache__``, but not this
generated code.

``codecache.dataclass`` calls ``dataclasses.dataclass`` itself, with the same options, so the
classes are ordinary dataclasses (``fields``, ``replace``, ``asdict``, frozen errors,
``__match_args__``). Only the compiling differs: while it runs, the ``exec`` that
``dataclasses`` calls (a name it looks up in its own module before the built-ins) takes the
compiled code for the same source from a table, compiling only what the table lacks, exactly
as ``exec`` would (``dont_inherit``: no ``__future__`` flag of ours leaks into the generated
code; a test compares the code with the standard library's). The table is kept in the user
cache (``clinicpack.usercache``) as ``marshal`` data under the bytecode's magic number, like a
``.pyc`` file, and code compiled by a process is added when it exits. A missing, damaged or
unwritable cache only means compiling, as ``dataclasses`` always does.
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib.util
import marshal
import threading
from types import CodeType
from typing import Any, TypeVar

from . import usercache

T = TypeVar("T")

FORMAT = 2
NAME = f"dataclass-code-{FORMAT}-{importlib.util.MAGIC_NUMBER.hex()}.pickle"

_lock = threading.RLock()
_stored: dict[str, bytes] | None = None  # generated source -> its code as marshal data, from the cache
_codes: dict[str, CodeType] = {}  # generated source -> its code, as used in this process
_added: set[str] = set()  # sources compiled in this process, to be saved at exit


def dataclass(cls: type[T] | None = None, /, **options: Any) -> Any:
    """``@dataclass`` or ``@dataclass(frozen=True, ...)``: ``dataclasses.dataclass`` with the same
    options, its methods' code compiled once per Python installation."""

    def wrap(c: type[T]) -> type[T]:
        with _lock:  # one class at a time swaps dataclasses' exec (class bodies run under the import lock anyway)
            dataclasses.exec = lambda source, globals_, locals_: exec(_code(source), globals_, locals_)  # type: ignore[attr-defined]
            try:
                return dataclasses.dataclass(c, **options)
            finally:
                del dataclasses.exec  # type: ignore[attr-defined]

    return wrap if cls is None else wrap(cls)


def _code(source: str) -> CodeType:
    """The code ``exec(source)`` would compile: this process's, the cache's (each entry is read
    only when asked for: a run that makes two classes reads two), or compiled now."""
    code = _codes.get(source) or _cached(source)
    if code is None:
        code = compile(source, "<string>", "exec", dont_inherit=True)
        if not _added:
            atexit.register(save)
        _added.add(source)
    _codes[source] = code
    return code


def _cached(source: str) -> CodeType | None:
    global _stored
    if _stored is None:
        _stored = _entries(usercache.read(NAME, lambda v: isinstance(v, dict)))
    raw = _stored.get(source)
    try:
        code = marshal.loads(raw) if raw is not None else None
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _entries(table: object) -> dict[str, bytes]:
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, bytes)}


def save() -> None:
    """Add the code compiled in this process to the cached table (at exit; merged with what
    another process may have saved meanwhile)."""
    with _lock:
        if not _added:
            return
        table = _entries(usercache.read(NAME, lambda v: isinstance(v, dict)))
        table.update({source: marshal.dumps(_codes[source]) for source in _added})
        usercache.write(NAME, table)
        _added.clear()
