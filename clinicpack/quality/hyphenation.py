"""pyphen's hyphenation dictionary, parsed once per installed version and then read back.

Parsing ``hyph_en_US.dic`` (11,000 patterns) took about 120 ms on every build, a third of an
English build. The parsed dictionary is pickled into the user's cache folder
(``$XDG_CACHE_HOME/clinicpack`` or ``~/.cache/clinicpack``), keyed by the versions of pyphen and
Python and by the dictionary file's size and modification time, and read back in a few
milliseconds. The pickle is made here from pyphen's own shipped file, never downloaded; when
it is missing, stale, damaged or the folder is not writable, the dictionary is simply parsed
again (and the pickle rewritten when possible). The patterns are the same either way, so the
syllable counts are too.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from pathlib import Path

import pyphen

FORMAT = 1


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "clinicpack"


def dictionary(lang: str = "en_US") -> pyphen.Pyphen:
    """A ``pyphen.Pyphen`` for ``lang`` whose patterns come from the cache when it is current."""
    source = Path(str(pyphen.LANGUAGES[pyphen.language_fallback(lang)]))
    if source not in pyphen.hdcache:
        pyphen.hdcache[source] = _cached(source)
    return pyphen.Pyphen(filename=source)


def _cached(source: Path) -> pyphen.HyphDict:
    st = source.stat()
    key = f"pyphen-{pyphen.__version__}-py{sys.version_info[0]}{sys.version_info[1]}-{FORMAT}-{source.stem}-{st.st_size}-{st.st_mtime_ns}"
    path = cache_folder() / f"{key}.pickle"
    try:
        with path.open("rb") as handle:
            hd = pickle.load(handle)
        if isinstance(hd, pyphen.HyphDict) and hd.patterns:
            return hd
    except Exception:  # noqa: BLE001 - missing, unreadable or damaged: parse again below
        pass
    hd = pyphen.HyphDict(source)
    _write(path, hd)
    return hd


def _write(path: Path, hd: pyphen.HyphDict) -> None:
    """Atomically (a reader never sees half a pickle); a folder we cannot write is no error."""
    hd.cache = {}  # pyphen memoises words here; only the patterns belong in the file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(hd, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
