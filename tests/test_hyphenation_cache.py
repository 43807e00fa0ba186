"""The cached hyphenation patterns: made by pyphen on first use, read back after without
importing pyphen, rebuilt when damaged or stale, and never needed (a folder that cannot be
written only costs time). Their lookup breaks every word where pyphen's own does."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pyphen
import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.quality import hyphenation

WORDS = ["hyphenation", "platelet", "injections", "dermatologist", "consultation", "anaesthetic", "scalp", "idea", "", "a", "ab", "abc"]
REFERENCE = pyphen.Pyphen(lang="en_US", cache=False)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "clinicpack"


@functools.cache
def english() -> hyphenation.Hyphenator:
    return hyphenation.dictionary("en_US")


def positions(dic: hyphenation.Hyphenator, words: list[str] = WORDS) -> list[list[int]]:
    return [list(dic.positions(w)) for w in words]


def leaflet_words() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "leaflets").glob("*.md"))
    return sorted({w.lower() for w in re.findall(r"[^\W\d_]+", text)})


def test_the_cached_patterns_break_words_as_pyphen_does(cache: Path) -> None:
    first = hyphenation.dictionary("en_US")  # parsed by pyphen
    (entry,) = cache.glob("pyphen-*.pickle")
    again = hyphenation.dictionary("en_US")  # read back
    assert isinstance(again, hyphenation.Patterns) and again is not first
    words = WORDS + leaflet_words()
    assert len(words) > 500
    assert positions(again, words) == positions(first, words) == positions(REFERENCE, words)
    assert sum(map(len, positions(REFERENCE, words))) > 300  # plenty of break points compared


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéäöüßİıſ'-.ABCZ"), max_size=24))
def test_any_word_breaks_where_pyphen_breaks_it(word: str) -> None:
    assert list(english().positions(word)) == list(REFERENCE.positions(word))


def test_a_warm_cache_does_not_import_pyphen(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    script = "import sys; from clinicpack.quality.readability import syllables; print(syllables('consultation'), 'pyphen' in sys.modules)"
    cold = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    warm = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert cold.stdout.split() == ["4", "True"] and warm.stdout.split() == ["4", "False"]


def test_a_damaged_entry_is_rebuilt(cache: Path) -> None:
    hyphenation.dictionary("en_US")
    (path,) = cache.glob("*.pickle")
    for damage in (b"not a pickle", path.read_bytes()[:100]):
        path.write_bytes(damage)
        assert positions(hyphenation.dictionary("en_US")) == positions(REFERENCE)
        assert path.read_bytes() != damage


def test_an_unwritable_cache_folder_still_works(cache: Path) -> None:
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder should be")
    assert positions(hyphenation.dictionary("en_US")) == positions(REFERENCE)


def test_a_changed_dictionary_or_pyphen_gets_its_own_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry's name follows the dictionary file's and pyphen's size and time."""
    package = Path(pyphen.__file__).parent
    fake = tmp_path / "pyphen"
    (fake / "dictionaries").mkdir(parents=True)
    shutil.copy(package / "__init__.py", fake / "__init__.py")
    shutil.copy(package / "dictionaries" / "hyph_en_US.dic", fake / "dictionaries" / "hyph_en_US.dic")
    monkeypatch.setattr(hyphenation.importlib.util, "find_spec", lambda name: SimpleNamespace(origin=str(fake / "__init__.py")))
    names = [hyphenation._entry("en_US")[1]]
    os.utime(fake / "dictionaries" / "hyph_en_US.dic", ns=(1, 1))
    names.append(hyphenation._entry("en_US")[1])
    os.utime(fake / "__init__.py", ns=(1, 1))
    names.append(hyphenation._entry("en_US")[1])
    assert len(set(names)) == 3 and None not in names
    assert hyphenation._entry("xx_XX") == (None, None)  # no such dictionary: pyphen is asked
