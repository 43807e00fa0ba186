"""What a consent pack quotes from the leaflet: benefits, risks with how often they happen,
alternatives, contraindications, aftercare and warning signs.

The leaflet stays the single source of truth: these parts are read from its own sections (by
their ``{#id}``), never typed a second time. They are checked only when a consent pack is
asked for, so a plain leaflet does not need them; when one is missing or malformed the build
stops with the leaflet's file and line, because a consent form must never print a part empty.
"""

from __future__ import annotations

import re

from .codecache import dataclass
from .errors import BuildError
from .labels import Labels
from .leaflet import Leaflet, Section
from .markdown_tree import Element, text_of

PURPOSE = "(needed for the consent form)"
# section id -> (what it holds, example heading) for messages that say how to fix things
CONSENT_SECTIONS = {
    "benefits": ("a bullet list of possible benefits", "## Possible benefits {#benefits}"),
    "risks": ('a short intro, then a table with columns "Risk" and "How often"', "## Risks {#risks}"),
    "alternatives": ('a bullet list of other choices, one starting "No treatment"', "## Other choices {#alternatives}"),
    "contraindications": ("a bullet list of reasons not to have the treatment", "## Who should not have it {#contraindications}"),
    "aftercare": ("a bullet list of aftercare points", "## After your treatment {#aftercare}"),
    "warning-signs": ("a bullet list of signs that need an urgent call", "## Warning signs {#warning-signs}"),
}
ONE_IN_N = re.compile(r"\b1\s+in\s+([0-9][0-9,]*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Risk:
    """One row of the leaflet's risks table as the consent form quotes it, with its line for messages."""
    risk: Element  # the table cell, so inline emphasis survives
    frequency: Element
    line: int


@dataclass(frozen=True)
class ConsentContent:
    """The leaflet's consent-relevant parts, validated; list items keep their inline markup."""

    benefits: tuple[Element, ...]
    risks: tuple[Risk, ...]
    risks_intro: tuple[Element, ...]  # paragraphs before the table (e.g. "we do not know how often...")
    alternatives: tuple[Element, ...]
    contraindications: tuple[Element, ...]
    aftercare: tuple[Element, ...]
    warning_signs: tuple[Element, ...]
    sections: dict[str, Section]  # the whole sections, for quoting their notes with the lists


def consent_content(leaflet: Leaflet, labels: Labels) -> ConsentContent:
    """Read and check every part the consent pack quotes; the first problem is a BuildError."""
    sections = {key: _require(leaflet, key) for key in CONSENT_SECTIONS}
    alternatives = _items(leaflet, sections["alternatives"])
    prefix = labels["no_treatment"].strip().lower()
    if not any(text_of(li).strip().lower().startswith(prefix) for li in alternatives):
        raise BuildError(
            f'the "alternatives" section needs an item that starts "{labels["no_treatment"]}" '
            f"(not having the treatment is always a choice) {PURPOSE}",
            leaflet.path, sections["alternatives"].line,
        )
    intro, risks = _risks(leaflet, sections["risks"], (labels["risk_column"], labels["frequency_column"]))
    return ConsentContent(
        benefits=_items(leaflet, sections["benefits"]),
        risks=risks,
        risks_intro=intro,
        alternatives=alternatives,
        contraindications=_items(leaflet, sections["contraindications"]),
        aftercare=_items(leaflet, sections["aftercare"]),
        warning_signs=_items(leaflet, sections["warning-signs"]),
        sections=sections,
    )


def _require(leaflet: Leaflet, key: str) -> Section:
    section = leaflet.section(key)
    if section is None:
        what, example = CONSENT_SECTIONS[key]
        raise BuildError(
            f'the "{key}" section is missing {PURPOSE}: add "{example}" with {what}',
            leaflet.path, len(leaflet.lines),
        )
    return section


def _items(leaflet: Leaflet, section: Section) -> tuple[Element, ...]:
    """The items of the section's bullet (or numbered) lists, in order; empty items refused."""
    items: list[Element] = []
    for el in section.body:
        if el.tag in ("ul", "ol"):
            for li in el.findall("li"):
                if not text_of(li).strip():
                    raise BuildError(f'the "{section.key}" section has an empty list item; write its text or remove it', leaflet.path, section.line)
                items.append(li)
    if not items:
        what, _ = CONSENT_SECTIONS[section.key]
        raise BuildError(f'the "{section.key}" section needs {what} {PURPOSE}', leaflet.path, section.line)
    return tuple(items)


def _risks(leaflet: Leaflet, section: Section, columns: tuple[str, str]) -> tuple[tuple[Element, ...], tuple[Risk, ...]]:
    """The risks table; its column names come from the labels (a translation has its own)."""
    tables = [el for el in section.body if el.tag == "table"]
    need = f'the "risks" section needs a table with columns "{columns[0]}" and "{columns[1]}" {PURPOSE}'
    if not tables:
        raise BuildError(need, leaflet.path, section.line)
    table = tables[0]
    header = [text_of(c).strip().lower() for c in table.iter("th")]
    if header != [c.strip().lower() for c in columns]:
        raise BuildError(need, leaflet.path, _line_after(leaflet, section.line, "|"))
    body = table.find("tbody")
    rows = body.findall("tr") if body is not None else []
    if not rows:
        raise BuildError(f'the "risks" table has no rows; add one row per risk {PURPOSE}', leaflet.path, _line_after(leaflet, section.line, "|"))
    risks: list[Risk] = []
    for tr in rows:
        cells = [c for c in tr if c.tag in ("td", "th")]
        name = text_of(cells[0]).strip() if cells else ""
        line = _line_after(leaflet, section.line, name) if name else _line_after(leaflet, section.line, "|")
        if not name:
            raise BuildError('a row of the "risks" table has no risk in its first column', leaflet.path, line)
        frequency = text_of(cells[1]).strip() if len(cells) > 1 else ""
        if not frequency:
            raise BuildError(
                f'the risk "{name}" has no frequency; write how often it happens (e.g. "About 1 in 10", "Common", "Rare" or "Not known")',
                leaflet.path, line,
            )
        m = ONE_IN_N.search(frequency)
        if m and int(m.group(1).replace(",", "")) < 1:
            raise BuildError(f'the frequency "{frequency}" of "{name}" is not a real "1 in N" (N must be 1 or more)', leaflet.path, line)
        risks.append(Risk(cells[0], cells[1], line))
    intro = tuple(el for el in section.body if el.tag == "p")
    return intro, tuple(risks)


def _line_after(leaflet: Leaflet, start: int, needle: str) -> int:
    """The first line at or after ``start`` that holds ``needle`` (tables have no line numbers)."""
    for number in range(start, len(leaflet.lines) + 1):
        if needle in leaflet.lines[number - 1]:
            return number
    return start
