"""Parsed YAML and Markdown kept between runs, so a cold build neither imports PyYAML and
Python-Markdown nor parses again a brand, layout or leaflet it parsed before.

Importing PyYAML and Python-Markdown costs about 25 ms of CPU and parsing the files a single
English build reads about 10 ms more: a fifth of a cold build. The results are plain data
(dicts, lists, strings, dates; a leaflet body as nested tuples) pickled in the user cache
(``clinicpack.usercache``), one entry per text, named by a digest of

- the exact text (and what else the result depends on, e.g. where front matter starts),
- ``FORMAT`` (bumped whenever the shape of a cached value changes),
- the parsing library as installed (size and modification time of its version file, found
  without importing it) and this package's own parsing modules (the same of their source),
- the Python version (pickles of one Python are not promised to the next).

So an edited file, another PyYAML or a changed parser is simply a different entry. A missing,
damaged or unreadable entry, or a cache folder that cannot be written, means the text is parsed
as it always was. Only clean parses are stored: a text with an error always goes to the parser,
which reports it with its file and line. Results never name the file they came from, so a
cached one is given the path of the file being read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from . import usercache

FORMAT = 1

_HERE = Path(__file__).resolve().parent
# what each kind of result depends on besides its text: the library and our own parsing modules
_DEPENDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "yaml": ("yaml", ("__init__.py",), ("yamlfile.py", "yamlparser.py")),
    "markdown": ("markdown", ("__init__.py", "__meta__.py"), ("markdown_tree.py", "markdown_parser.py")),
}
_stamps: dict[str, str] = {}


def entry(kind: str, text: str) -> str:
    """The cache entry's name for ``text`` parsed as ``kind`` ("yaml" or "markdown")."""
    digest = hashlib.sha256(f"{FORMAT}\0{_stamp(kind)}\0".encode() + text.encode("utf-8", "surrogatepass"))
    return f"{kind}-{usercache.PYTHON}-{digest.hexdigest()}.pickle"


def read(name: str, valid: Any) -> Any | None:
    """The parsed value stored under ``name``, or None (then parse, and ``write`` the result)."""
    return usercache.read(name, valid)


def write(name: str, value: Any) -> None:
    """Keep a clean parse (an entry of an edited file's old text goes when nobody has read it
    for ``usercache.KEEP_DAYS``, like every entry in the user cache)."""
    usercache.write(name, value)


def _stamp(kind: str) -> str:
    """Which parser made a result: the library's install and our modules, told apart by file
    size and modification time (a reinstall or an edit changes them), without importing them."""
    if kind not in _stamps:
        package, versioned, ours = _DEPENDS[kind]
        _stamps[kind] = usercache.installed(package, versioned, also=[_HERE / name for name in ours]) or f"{package}-missing"
    return _stamps[kind]
