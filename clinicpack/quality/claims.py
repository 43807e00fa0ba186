"""Overclaims: words and phrases that patient material must not contain.

The list is data (``assets/claims.yaml``) so a clinic can add its own phrases, give a reason
and a better wording, and allow a longer phrase that is fine ("no cure" while "cure" is not).
Matching is whole-word and case-insensitive, and a phrase may be broken across two lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..codecache import dataclass
from ..leaflet import Leaflet
from ..yamlfile import as_text, as_text_list, check_keys, parse_yaml, read_text

ENTRY_KEYS = {"phrase", "reason", "suggestion", "except", "language"}


@dataclass(frozen=True)
class Claim:
    """A phrase the claims list (assets/claims.yaml) warns about, with why and what to write instead."""
    phrase: str
    reason: str
    suggestion: str
    allowed: tuple[str, ...]  # longer phrases containing this one that are fine
    language: str  # "" for every language, else a code prefix such as "en"

    @property
    def pattern(self) -> re.Pattern[str]:
        return phrase_pattern(self.phrase)

    @property
    def allowed_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(phrase_pattern(a) for a in self.allowed)


def _words(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split())


@lru_cache(maxsize=1024)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any run of spaces or one line break between them, any case."""
    return re.compile(r"(?<![\w])" + _words(phrase) + r"(?![\w])", re.IGNORECASE)


@lru_cache(maxsize=16)
def _starts(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Where any of ``phrases`` may start: one pass over the text instead of one per phrase.

    A phrase's own pattern matches at a position only if this one does there (the same
    lookbehind, then the phrase's words, of which this asks one alternative), so the positions it
    finds include every start of every phrase; each phrase is then tried only at those."""
    return re.compile(r"(?<![\w])(?=" + "|".join(f"(?:{_words(p)})" for p in phrases) + ")", re.IGNORECASE)


def load_claims(path: Path) -> tuple[Claim, ...]:
    doc = parse_yaml(read_text(path, "claims"), path)
    data = check_keys(doc, doc.data, (), {"claims"}, {"claims"}, "the claims file")
    entries = data["claims"]
    if not isinstance(entries, list):
        raise doc.error(("claims",), 'claims must be a list of entries, each starting with "- phrase: ..."')
    out = []
    for i, entry in enumerate(entries):
        keys = ("claims", i)
        if isinstance(entry, str):
            entry = {"phrase": entry}
            doc.raw[keys + ("phrase",)] = doc.raw.get(keys, entry["phrase"])
        entry = check_keys(doc, entry, keys, ENTRY_KEYS, {"phrase"}, f"claim {i + 1}")
        phrase = as_text(doc, keys + ("phrase",), entry["phrase"], "phrase")
        allowed = as_text_list(doc, keys + ("except",), entry["except"], "except") if entry.get("except") else ()
        for j, longer in enumerate(allowed):
            if not phrase_pattern(phrase).search(longer):
                raise doc.error(keys + ("except", j), f'except phrase "{longer}" does not contain "{phrase}", so it can never apply')
        out.append(Claim(
            phrase=phrase,
            reason=as_text(doc, keys + ("reason",), entry["reason"], "reason") if entry.get("reason") else "",
            suggestion=as_text(doc, keys + ("suggestion",), entry["suggestion"], "suggestion") if entry.get("suggestion") else "",
            allowed=allowed,
            language=as_text(doc, keys + ("language",), entry["language"], "language") if entry.get("language") else "",
        ))
    return tuple(out)


class Match(NamedTuple):
    claim: Claim
    text: str  # as written in the leaflet
    line: int


def find_claims(leaflet: Leaflet, claims: tuple[Claim, ...]) -> list[Match]:
    lines = list(leaflet.lines)
    for first, last in _not_patient_text(leaflet):
        for n in range(first, last + 1):
            lines[n - 1] = ""
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    language = leaflet.language.lower()
    ours = [c for c in claims if not c.language or language == c.language.lower() or language.startswith(c.language.lower() + "-")]
    worded = tuple(dict.fromkeys(c.phrase for c in ours if c.phrase.split()))
    candidates = [m.start() for m in _starts(worded).finditer(text)] if worded else []
    found = []
    for claim in ours:
        matches = list(_matches(claim.phrase, text, candidates)) if claim.phrase.split() else list(claim.pattern.finditer(text))
        if not matches:
            continue
        fine = [m.span() for p in claim.allowed_patterns for m in p.finditer(text)]
        for m in matches:
            if any(a <= m.start() and m.end() <= b for a, b in fine):
                continue
            line = next(i for i in range(len(starts) - 1) if starts[i + 1] > m.start()) + 1
            found.append(Match(claim, " ".join(m.group(0).split()), line))
    return sorted(found, key=lambda f: f.line)


def _matches(phrase: str, text: str, candidates: list[int]) -> Iterator[re.Match[str]]:
    """``phrase_pattern(phrase).finditer(text)``, trying only the candidate positions (sorted),
    which include every position where the phrase can match: leftmost first, each search after
    the last match. The pattern is compiled only for a candidate that may start the phrase."""
    first = phrase.split()[0][0]
    end = 0
    for at in candidates:
        if at >= end and _may_start(text[at], first):
            m = phrase_pattern(phrase).match(text, at)
            if m:
                yield m
                end = m.end()


def _may_start(char: str, first: str) -> bool:
    """False only when ``char`` surely does not match ``first`` ignoring case: two ASCII
    characters match that way exactly when their lower cases are equal (outside ASCII, re's
    case folding has more pairs, such as the long s and s, so those are always tried)."""
    return not (char.isascii() and first.isascii()) or char.lower() == first.lower()


def _not_patient_text(leaflet: Leaflet) -> list[tuple[int, int]]:
    """Line ranges that cite others' words (references) rather than speak to the patient."""
    ranges = []
    front = leaflet.front
    if front is not None and ("references",) in front.lines:
        first = front.line("references")
        later = [line for key, line in front.lines.items() if len(key) == 1 and line > first]
        ranges.append((first, min(later) - 1 if later else leaflet.body_start - 1))
    for i, section in enumerate(leaflet.sections):
        if section.key == "references":
            end = leaflet.sections[i + 1].line - 1 if i + 1 < len(leaflet.sections) else len(leaflet.lines)
            ranges.append((section.line, end))
    return ranges


def describe(match: Match) -> str:
    text = f'"{match.text}" is a claim patient material must not make'
    if match.claim.reason:
        text += f": {match.claim.reason}"
    if match.claim.suggestion:
        text += f" ({match.claim.suggestion})"
    return text

