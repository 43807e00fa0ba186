"""pyphen's hyphenation dictionary, parsed once per installed version and then read back.

Parsing ``hyph_en_US.dic`` (11,000 patterns) took about 120 ms on every build, a third of an
English build. The parsed dictionary is pickled into the user's cache folder
(``clinicpack.usercache``), keyed by the versions of pyphen and
Python and by the dictionary file's size and modification time, and read back in a few
milliseconds. The pickle is made here from pyphen's own shipped file, never downloaded; when
it is missing, stale, damaged or the folder is not writable, the dictionary is simply parsed
again (and the pickle rewritten when possible). The patterns are the same either way, so the
syllable counts are too.
"""

from __future__ import annotations

from pathlib import Path

import pyphen

from .. import usercache

FORMAT = 1


def dictionary(lang: str = "en_US") -> pyphen.Pyphen:
    """A ``pyphen.Pyphen`` for ``lang`` whose patterns come from the cache when it is current."""
    source = Path(str(pyphen.LANGUAGES[pyphen.language_fallback(lang)]))
    if source not in pyphen.hdcache:
        pyphen.hdcache[source] = _cached(source)
    return pyphen.Pyphen(filename=source)


def _cached(source: Path) -> pyphen.HyphDict:
    st = source.stat()
    name = f"pyphen-{pyphen.__version__}-{usercache.PYTHON}-{FORMAT}-{source.stem}-{st.st_size}-{st.st_mtime_ns}.pickle"
    hd = usercache.read(name, lambda v: isinstance(v, pyphen.HyphDict) and bool(v.patterns))
    if hd is None:
        hd = pyphen.HyphDict(source)
        hd.cache = {}  # pyphen memoises words here; only the patterns belong in the file
        usercache.write(name, hd)
    return hd
