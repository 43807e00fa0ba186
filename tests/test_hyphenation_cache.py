"""The pickled pyphen dictionary: made on first use, read back after, rebuilt when damaged or
stale, and never needed (a folder that cannot be written only costs time)."""

from __future__ import annotations

import os
from pathlib import Path

import pyphen
import pytest

from clinicpack.quality import hyphenation

WORDS = ["hyphenation", "platelet", "injections", "dermatologist", "consultation", "anaesthetic", "scalp", "idea"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(pyphen, "hdcache", {})
    return tmp_path / "clinicpack"


def positions(dic: pyphen.Pyphen) -> list[list[int]]:
    return [list(dic.positions(w)) for w in WORDS]


def test_the_cached_dictionary_hyphenates_as_pyphen_does(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = hyphenation.dictionary("en_US")
    files = list(cache.glob("*.pickle"))
    assert len(files) == 1 and pyphen.__version__ in files[0].name
    monkeypatch.setattr(pyphen, "hdcache", {})
    again = hyphenation.dictionary("en_US")  # read back from the pickle
    assert again.hd is not first.hd
    monkeypatch.setattr(pyphen, "hdcache", {})
    reference = pyphen.Pyphen(lang="en_US", cache=False)  # pyphen's own parse
    assert positions(again) == positions(first) == positions(reference)
    assert again.hd.patterns == reference.hd.patterns


def test_a_damaged_pickle_is_rebuilt(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hyphenation.dictionary("en_US")
    (path,) = cache.glob("*.pickle")
    path.write_bytes(b"not a pickle")
    monkeypatch.setattr(pyphen, "hdcache", {})
    dic = hyphenation.dictionary("en_US")
    assert positions(dic) == positions(pyphen.Pyphen(lang="en_US", cache=False))
    assert path.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_folder_still_works(cache: Path) -> None:
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder should be")
    dic = hyphenation.dictionary("en_US")
    assert positions(dic) == positions(pyphen.Pyphen(lang="en_US", cache=False))


def test_a_changed_dictionary_file_gets_its_own_pickle(cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hyphenation.dictionary("en_US")
    source = Path(str(pyphen.LANGUAGES["en_US"]))
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    os.utime(copy, ns=(1, 1))
    monkeypatch.setitem(pyphen.LANGUAGES, "en_US", copy)
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.dictionary("en_US")
    assert len(list(cache.glob("*.pickle"))) == 2  # keyed by the file's size and time, not only the version
