"""The claims check scans a leaflet once for where any phrase may start, then tries each phrase
only there. It must find exactly what one full search per phrase finds: the same matches, text
and lines, in the same order, for overlapping phrases, phrases broken across lines, exceptions,
languages, punctuation, Unicode case (the long s, the Kelvin sign, dotted capital I) and even
an empty phrase."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.quality.claims import Claim, Match, find_claims, phrase_pattern

PHRASES = [
    "safe", "100% safe", "completely safe", "side effects", "no side effects", "side-effect free", "risk-free", "risk free",
    "cure", "no cure", "guarantee", "guaranteed", "k", "ss", "st", "is", "\u0130", "\u017f", "a.b", "(c)", "\u0639\u0644\u0627\u062c",
    "", "  ", "e.g.", "no", "no no",
]
TEXT = st.lists(
    st.one_of(
        st.sampled_from(PHRASES + [" ", "\n", "  \n  ", "-", "_", "x", "9", "\u212a", "\u017f", "\u0130", "SAFE", "Side\nEffects", ".", "%"]),
        st.text(alphabet="abcdefikorsty \n-%.\u212a\u017f\u0130\u00df", max_size=8),
    ),
    max_size=40,
).map("".join)
CLAIMS = st.lists(
    st.builds(
        lambda phrase, allowed, language: Claim(phrase, "", "", tuple(allowed), language),
        st.sampled_from(PHRASES),
        st.lists(st.sampled_from(PHRASES), max_size=2),
        st.sampled_from(["", "", "en", "ur"]),
    ),
    max_size=8,
).map(tuple)


def reference(leaflet, claims: tuple[Claim, ...]) -> list[Match]:
    """The claims check as it was: every phrase searched in the whole text."""
    lines = list(leaflet.lines)
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    language = leaflet.language.lower()
    found = []
    for claim in claims:
        if claim.language and not (language == claim.language.lower() or language.startswith(claim.language.lower() + "-")):
            continue
        fine = [m.span() for a in claim.allowed for m in phrase_pattern(a).finditer(text)]
        for m in phrase_pattern(claim.phrase).finditer(text):
            if any(a <= m.start() and m.end() <= b for a, b in fine):
                continue
            line = next(i for i in range(len(starts) - 1) if starts[i + 1] > m.start()) + 1
            found.append(Match(claim, " ".join(m.group(0).split()), line))
    return sorted(found, key=lambda f: f.line)


def leaflet(text: str, language: str = "en") -> SimpleNamespace:
    return SimpleNamespace(lines=text.split("\n"), language=language, front=None, sections=())


def spans(matches: list[Match]) -> list[tuple[str, str, int]]:
    return [(m.claim.phrase, m.text, m.line) for m in matches]


@settings(max_examples=400, deadline=None)
@given(TEXT, CLAIMS, st.sampled_from(["en", "en-GB", "ur", "EN"]))
def test_one_scan_finds_what_a_search_per_phrase_finds(text: str, claims: tuple[Claim, ...], language: str) -> None:
    assert find_claims(leaflet(text, language), claims) == reference(leaflet(text, language), claims)


def test_overlapping_phrases_are_each_found() -> None:
    claims = (Claim("safe", "", "", (), ""), Claim("100% safe", "", "", (), ""), Claim("completely safe", "", "", (), ""),
              Claim("cure", "", "", ("no cure",), ""), Claim("no side effects", "", "", (), ""))
    text = "It is 100% safe.\nCompletely\nsafe and no cure, a CURE, no side\neffects, \u017fafe."
    found = find_claims(leaflet(text), claims)
    assert spans(found) == spans(reference(leaflet(text), claims)) == [
        ("safe", "safe", 1), ("100% safe", "100% safe", 1), ("completely safe", "Completely safe", 2), ("safe", "safe", 3),
        ("cure", "CURE", 3), ("no side effects", "no side effects", 3), ("safe", "\u017fafe", 4),
    ]
