"""What changed between two versions of a leaflet, section by section.

Works on the Markdown text alone (no assets needed), so an archived version from years ago can
be compared with today's file. Sections are matched by their id, exactly as the builder names
them: the ``{#id}`` after a heading, else the heading's slug; a section whose heading was
reworded keeps its id and is reported as changed, not as removed and added.
"""

from __future__ import annotations

import difflib
import re

import yaml

from ..codecache import dataclass
from ..leaflet import _heading_lines, slug

FRONT_KEYS = ("title", "summary", "treatment", "references")  # front matter that is printed
_EXPLICIT_ID = re.compile(r"\{\s*#([A-Za-z0-9_-]+)[^}]*\}\s*$")


@dataclass(frozen=True)
class Part:
    """A unit the diff compares: one section of a leaflet, or its printed front matter."""
    key: str  # section id, or "front matter"
    title: str
    text: str  # the section's Markdown body (front matter: the printed keys)


@dataclass(frozen=True)
class Change:
    """How one part differs between two versions, as the lines only one of them has."""
    key: str
    title: str
    status: str  # "changed", "added", "removed"
    removed: tuple[str, ...]  # lines only in the old version
    added: tuple[str, ...]  # lines only in the new version


def split(text: str) -> tuple[dict, list[Part]]:
    """Front matter (as data) and the leaflet's parts: the printed front-matter keys, the text
    before the first section, then each ``##`` section."""
    lines = text.split("\n")
    front: dict = {}
    body_start = 1
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                try:
                    loaded = yaml.safe_load("\n".join(lines[1:i]))
                except yaml.YAMLError:
                    loaded = None
                front = loaded if isinstance(loaded, dict) else {}
                body_start = i + 2
                break
    printed = [f"{key}: {item}" for key in FRONT_KEYS for item in _items(front.get(key))]
    parts = [Part("front matter", "Title, summary and references", "\n".join(printed))]
    headings = _heading_lines(lines, body_start)
    starts = [n for n, _ in headings] + [len(lines) + 1]
    intro = lines[body_start - 1 : starts[0] - 1]
    parts.append(Part("introduction", "Before the first section", "\n".join(intro).strip()))
    for (line, title), end in zip(headings, starts[1:]):
        explicit = _EXPLICIT_ID.search(title)
        clean = _EXPLICIT_ID.sub("", title).strip().rstrip("#").strip()
        body_from = line + (1 if lines[line - 1].lstrip().startswith("##") else 2)  # ATX, or text + underline
        parts.append(Part(explicit.group(1) if explicit else slug(clean), clean, "\n".join(lines[body_from - 1 : end - 1]).strip()))
    return front, parts


def _items(value: object) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def compare(old: str, new: str) -> list[Change]:
    """Every part that differs, in the new version's order (removed parts at their old place)."""
    _, a = split(old)
    _, b = split(new)
    old_parts = {p.key: p for p in a}
    new_parts = {p.key: p for p in b}
    order = [p.key for p in b] + [p.key for p in a if p.key not in new_parts]
    changes = []
    for key in order:
        before, after = old_parts.get(key), new_parts.get(key)
        if before is not None and after is not None and _same(before.text, after.text) and before.title == after.title:
            continue
        removed, added = _line_diff(before.text if before else "", after.text if after else "")
        if before is not None and after is not None and before.title != after.title:
            removed, added = (f"## {before.title}", *removed), (f"## {after.title}", *added)
        status = "added" if before is None else "removed" if after is None else "changed"
        if not removed and not added and status == "changed":
            continue
        changes.append(Change(key, (after or before).title, status, tuple(removed), tuple(added)))
    return changes


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _line_diff(a: str, b: str) -> tuple[list[str], list[str]]:
    """Lines only in ``a`` and lines only in ``b`` (whitespace-only edits ignored)."""
    old = [line for line in a.split("\n") if line.strip()]
    new = [line for line in b.split("\n") if line.strip()]
    removed, added = [], []
    matcher = difflib.SequenceMatcher(None, [" ".join(x.split()) for x in old], [" ".join(x.split()) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


def changed_sections(old: str, new: str) -> list[str]:
    """Names of the parts that changed, e.g. ``"Cost" (cost)``, for one-line messages."""
    return [f'"{c.title}" ({c.key}, {c.status})' if c.status != "changed" else f'"{c.title}" ({c.key})' for c in compare(old, new)]


def as_text(leaflet_id: str, label_a: str, label_b: str, changes: list[Change]) -> str:
    """The diff for a terminal: one block per changed part, - old line, + new line."""
    out = [f"{leaflet_id}: what changed from {label_a} to {label_b}"]
    if not changes:
        out.append("no printed text changed")
    for change in changes:
        out.append("")
        out.append(f"== {change.title} [{change.key}]: {change.status}")
        out += [f"- {line}" for line in change.removed]
        out += [f"+ {line}" for line in change.added]
    return "\n".join(out) + "\n"
