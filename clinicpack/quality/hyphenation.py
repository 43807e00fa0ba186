"""pyphen's hyphenation patterns, parsed once per installed version and then read back.

Parsing ``hyph_en_US.dic`` (11,000 patterns) took about 120 ms on every build, a third of an
English build. pyphen parses the file once; its patterns are kept in the user's cache folder
(``clinicpack.usercache``), keyed by pyphen's install, Python and the dictionary file's size and
modification time, as one dict of pattern -> bytes (offset, then the pattern's digits), which
reads back in about 2 ms, without importing pyphen. ``Patterns.positions`` looks words up in
them exactly as pyphen's ``Pyphen.positions`` does (Liang's algorithm, the same left and right
minimums of two letters); tests compare the two on every word of the shipped leaflets and on
random words. The cache is made from pyphen's own shipped file, never downloaded; when it is
missing, stale, damaged or the folder is not writable, pyphen parses the file again. The
patterns are the same either way, so the syllable counts are too.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Protocol

from .. import usercache

FORMAT = 2
LEFT = RIGHT = 2  # pyphen's defaults: no break within two letters of either end


class Hyphenator(Protocol):
    def positions(self, word: str) -> list[int]: ...


class Patterns:
    """Hyphenation patterns (pattern -> bytes: the offset, then the values) and their lookup."""

    def __init__(self, patterns: dict[str, bytes], maxlen: int):
        self.patterns, self.maxlen = patterns, maxlen

    def positions(self, word: str) -> list[int]:
        """Where ``word`` may break, as ``pyphen.Pyphen(...).positions(word)`` returns them."""
        pointed = f".{word.lower()}."
        size = len(pointed)
        points = [0] * (size + 1)
        get, maxlen = self.patterns.get, self.maxlen
        for i in range(size - 1):
            for j in range(i + 1, min(i + maxlen, size) + 1):
                found = get(pointed[i:j])
                if found:
                    at = i + found[0]
                    for k in range(1, len(found)):
                        if found[k] > points[at]:
                            points[at] = found[k]
                        at += 1
        right = len(word) - RIGHT
        return [i - 1 for i, value in enumerate(points) if value % 2 and LEFT <= i - 1 <= right]


def dictionary(lang: str = "en_US") -> Hyphenator:
    """The hyphenation patterns for ``lang`` (a name of one of pyphen's dictionaries, e.g.
    en_US): from the cache when current, else parsed by pyphen (and cached)."""
    source, name = _entry(lang)
    if name is not None:
        patterns = usercache.read(name, _valid)
        if patterns is not None:
            return Patterns(patterns[0], patterns[1])
    return _parsed(lang, source, name)


def _entry(lang: str) -> tuple[Path | None, str | None]:
    """The dictionary file pyphen ships for ``lang`` and its cache entry's name, found without
    importing pyphen (its package folder holds ``dictionaries/hyph_<lang>.dic``)."""
    dictionary = f"dictionaries/hyph_{lang}.dic"
    stamp = usercache.installed("pyphen", ("__init__.py", dictionary))
    if stamp is None:
        return None, None
    source = Path(importlib.util.find_spec("pyphen").origin).parent / dictionary  # type: ignore[union-attr]
    return source, f"pyphen-{usercache.PYTHON}-{FORMAT}-{hashlib.sha256(stamp.encode()).hexdigest()}.pickle"


def _valid(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict) and bool(value[0]) and isinstance(value[1], int)


def _parsed(lang: str, source: Path | None, name: str | None) -> Hyphenator:
    import pyphen

    path = Path(str(pyphen.LANGUAGES[pyphen.language_fallback(lang)]))
    hd = pyphen.HyphDict(path)
    try:  # digits and offsets fit in bytes; a dictionary of pyphen's own alternative kind does not
        patterns = {key: bytes((start, *values)) for key, (start, values) in hd.patterns.items()}
        if any(type(v) is not int for _, values in hd.patterns.values() for v in values):
            raise ValueError("nonstandard hyphenation")
    except ValueError:
        return pyphen.Pyphen(filename=path)
    if name is not None and source is not None and path.resolve() == source.resolve():
        usercache.write(name, (patterns, hd.maxlen))
    return Patterns(patterns, hd.maxlen)
