"""Flesch Reading Ease and Flesch-Kincaid grade, counted on prose sentences.

Syllables come from two estimates and the larger is taken: ``pyphen``'s hyphenation
dictionary (shipped inside the package, so nothing is downloaded at run time) and a vowel-group
rule. Hyphenation patterns never split a word near its ends ("about", "area", "idea" each get
one break point or none), so pyphen alone undercounts; the vowel rule alone miscounts silent
letters. Together they agree with a dictionary count on ~90% of the words of our leaflets and
are within one syllable on the rest; the grade is good to about half a grade, which is all a
threshold needs.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from .prose import Sentence, Word


@cache
def _dictionary():  # noqa: ANN202 - a pyphen.Pyphen, loaded on first use (see hyphenation.py)
    from .hyphenation import dictionary

    return dictionary("en_US")


_PARTS = re.compile(r"[-\u2019']")
_VOWELS = re.compile(r"[aeiouy]+")
_SOUNDED_E = re.compile(r"(?:ted|ded|ses|ces|zes|ges|xes|shes|ches)$")
_TWO_VOWELS = re.compile(r"(?<![tsc])i[aou]|[^aeiouq]ua|eo(?![pu])|ea$|[^aeiouq]uo|ie[rt]$")


@lru_cache(maxsize=20_000)
def syllables(word: str) -> int:
    """Syllables in one word; a hyphenated compound is the sum of its parts, a number counts 1."""
    parts = [p for p in _PARTS.split(word) if p]
    if len(parts) > 1:
        return sum(syllables(p) for p in parts)
    w = word.lower()
    if not w.isalpha():
        return 1
    return max(len(_dictionary().positions(w)) + 1, _vowel_groups(w))


def _vowel_groups(w: str) -> int:
    if len(w) <= 3:
        return 1
    n = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ie", "ye")):
        n -= 1  # silent final e: "make", "dose"
    if w.endswith(("es", "ed")) and n > 1 and not _SOUNDED_E.search(w):
        n -= 1  # "gained", "makes" (but "created", "bruises" keep the syllable)
    # vowel pairs spoken as two syllables: radio, idea, area, video (not -tion, -sion, -cial)
    n += len(_TWO_VOWELS.findall(w))
    return max(1, n)


class Score(NamedTuple):
    sentences: int
    words: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (US school grade; add 5 for an age)."""
        return 0.39 * self.words_per_sentence + 11.8 * self.syllables_per_word - 15.59

    @property
    def reading_ease(self) -> float:
        """Flesch Reading Ease: 100 is very easy, 60 to 70 plain English, below 30 very hard."""
        return 206.835 - 1.015 * self.words_per_sentence - 84.6 * self.syllables_per_word

    def as_dict(self) -> dict:
        return {
            "grade": round(self.grade, 1), "reading_ease": round(self.reading_ease, 1),
            "sentences": self.sentences, "words": self.words, "syllables": self.syllables,
        }


def score(sentences: list[Sentence]) -> Score | None:
    words = [w for s in sentences for w in s.words]
    if not sentences or not words:
        return None
    return Score(len(sentences), len(words), sum(syllables(w.text) for w in words))


def longest(sentences: list[Sentence], n: int = 3) -> list[Sentence]:
    """The longest sentences, longest first (ties in reading order)."""
    return sorted(sentences, key=lambda s: -len(s.words))[:n]


def hardest(sentences: list[Sentence], n: int = 5, minimum: int = 3) -> list[tuple[Word, int]]:
    """Distinct words of three or more syllables, most syllables first, each at its first line."""
    seen: dict[str, tuple[Word, int]] = {}
    for s in sentences:
        for w in s.words:
            key = w.text.lower()
            count = syllables(w.text)
            if count >= minimum and key not in seen:
                seen[key] = (w, count)
    return sorted(seen.values(), key=lambda wc: (-wc[1], -len(wc[0].text)))[:n]
