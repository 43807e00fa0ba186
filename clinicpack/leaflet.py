"""Reading a leaflet: YAML front matter + Markdown body -> a validated ``Leaflet``.

Everything a leaflet can get wrong is found here, before any PDF is laid out, and reported
with the Markdown file's own line numbers (front matter included).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
import urllib.parse
from dataclasses import field
from pathlib import Path

from .codecache import dataclass
from .errors import BuildError
from .images import MAX_LEAFLET_PIXELS, check_image
from .markdown_tree import Element, parse, text_of
from .writer import reserved_name
from .yamlfile import YamlDoc, as_date, as_text, as_text_list, check_keys, parse_yaml, read_text

REQUIRED_SECTIONS = (
    "what-the-treatment-is", "who-it-suits", "sessions-and-timeline", "cost", "safety",
    "contraindications", "aftercare",
)
SECTION_HINTS = {key: key.replace("-", " ").capitalize() for key in REQUIRED_SECTIONS}
REQUIRED_KEYS = {"id", "title", "language", "version", "published", "review_due", "authors"}
OPTIONAL_KEYS = {"reviewed_by", "references", "summary", "treatment", "translation_of", "translation_of_version", "quality"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")
# Printed on the cover band, in headers and on consent forms: a title longer than this no longer
# reads as a title (and a 1,000-character one is taller than a page); the detail goes in summary.
MAX_LENGTH = {"title": 150, "treatment": 150, "summary": 600, "version": 30}
MAX_NAME_LENGTH = 150  # one author or reviewer (printed in the "about this leaflet" box)


@dataclass(frozen=True)
class Section:
    """One ``##`` section of a leaflet: its key (for the required-sections and consent checks), heading and body."""
    key: str
    title: str
    line: int
    heading: Element
    body: tuple[Element, ...]


@dataclass(frozen=True)
class Leaflet:
    """A leaflet file validated: front matter as typed fields and the Markdown body as an element tree."""
    path: Path
    id: str
    title: str
    language: str
    version: str
    published: dt.date
    review_due: dt.date
    authors: tuple[str, ...]
    reviewed_by: tuple[str, ...]
    references: tuple[str, ...]
    summary: str
    treatment: str
    translation_of: str | None
    quality: dict
    intro: tuple[Element, ...]  # anything before the first section heading
    sections: tuple[Section, ...]
    lines: tuple[str, ...]  # the whole file, for line look-ups and glyph checks
    body_start: int  # file line number of the first body line
    fingerprint: str  # short hash of the file's bytes: which text the patient was given
    front: YamlDoc | None = field(default=None, compare=False, repr=False)  # front matter with key lines (quality checks)
    translation_of_version: str | None = None  # the original's version this translation was made from (stale check)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def printed_text(self) -> str:
        """Every character that will be printed from this leaflet (not its Markdown syntax)."""
        parts = [self.title, self.summary, self.treatment, self.version, *self.authors, *self.reviewed_by, *self.references]
        for el in self.intro:
            parts.append("".join(el.itertext()))
        for section in self.sections:
            parts.append("".join(section.heading.itertext()))
            parts.extend("".join(el.itertext()) for el in section.body)
        return "\n".join(parts)

    def first_line_with(self, char: str) -> int:
        """The first line where ``char`` is written, body first (errors about printed text)."""
        body = self.line_of(char, default=-1)
        if body != -1:
            return body
        return next((n for n, line in enumerate(self.lines, start=1) if char in line), 1)

    def target_line(self, target: str, text: str = "") -> int:
        """The body line where a link or image target is written: after "](", inside "<...>" or
        in a "[ref]: target" definition, even when it spans lines; else where "[text]" is. The
        Markdown tree has no positions, and a bare search for the target's words can land on an
        unrelated line that happens to contain them."""
        body = "\n".join(self.lines[self.body_start - 1 :])
        flexible = r"\s+".join(re.escape(word) for word in target.split())
        patterns = [rf"\]\(\s*<?{flexible}", rf"<{flexible}>", rf"^ {{0,3}}\[[^\]]+\]:\s*<?{flexible}"] if flexible else []
        if text.strip():
            patterns.append(r"\[" + r"\s+".join(re.escape(word) for word in text.split()) + r"\]")
        if flexible:
            patterns.append(flexible)
        for pattern in patterns:
            found = re.search(pattern, body, re.MULTILINE)
            if found:
                return self.body_start + body.count("\n", 0, found.start())
        return self.body_start

    def line_of(self, needle: str, default: int | None = None) -> int:
        """First body line containing ``needle`` (for errors found in the parsed tree)."""
        for number, line in enumerate(self.lines[self.body_start - 1 :], start=self.body_start):
            if needle and needle in line:
                return number
        return default or self.body_start


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("&", " and ")
    return re.sub(r"[^\w]+", "-", text).strip("-_")


def load_leaflet(path: Path, assets_dir: Path) -> Leaflet:
    text = read_text(path, "leaflet")
    lines = text.split("\n")
    front, body_start = _split_front_matter(lines, path)
    doc = parse_yaml("\n".join(front), path, line_offset=1)
    if not isinstance(doc.data, dict):
        raise BuildError(
            "the front matter must be keys and values (id: ..., title: ...), not a list or plain text", path, 2
        )
    data = check_keys(doc, doc.data, (), REQUIRED_KEYS | OPTIONAL_KEYS, REQUIRED_KEYS, "the front matter")

    leaflet_id = as_text(doc, ("id",), data["id"], "id")
    _check_id(doc, ("id",), leaflet_id, "id")
    language = as_text(doc, ("language",), data["language"], "language")
    if not LANGUAGE_PATTERN.match(language):
        raise doc.error(("language",), f'language "{language}" is not a language code like en, ur or pt-BR')
    published = as_date(doc, ("published",), data["published"], "published")
    review_due = as_date(doc, ("review_due",), data["review_due"], "review_due")
    if review_due <= published:
        raise doc.error(("review_due",), f"review_due {review_due} must be after published {published}")
    optional_list = lambda key: as_text_list(doc, (key,), data[key], key) if data.get(key) else ()
    quality = data.get("quality") or {}
    if not isinstance(quality, dict):
        raise doc.error(("quality",), "quality must be a mapping of settings")
    title = as_text(doc, ("title",), data["title"], "title")
    translation_of = data.get("translation_of")
    if translation_of is not None:
        translation_of = as_text(doc, ("translation_of",), translation_of, "translation_of")
        _check_id(doc, ("translation_of",), translation_of, "translation_of")
    source_version = data.get("translation_of_version")
    if source_version is not None:
        if translation_of is None:
            raise doc.error(("translation_of_version",), "translation_of_version needs translation_of (the id of the original leaflet)")
        source_version = as_text(doc, ("translation_of_version",), source_version, "translation_of_version")

    root = parse("\n".join(lines[body_start - 1 :]))
    intro, sections = _sections(root, lines, body_start, path)
    leaflet = Leaflet(
        path=path,
        id=leaflet_id,
        title=title,
        language=language,
        version=as_text(doc, ("version",), data["version"], "version"),
        published=published,
        review_due=review_due,
        authors=as_text_list(doc, ("authors",), data["authors"], "authors"),
        reviewed_by=optional_list("reviewed_by"),
        references=optional_list("references"),
        summary=as_text(doc, ("summary",), data["summary"], "summary") if data.get("summary") else "",
        treatment=as_text(doc, ("treatment",), data["treatment"], "treatment") if data.get("treatment") else title,
        translation_of=translation_of,
        quality=quality,
        intro=intro,
        sections=sections,
        lines=tuple(lines),
        body_start=body_start,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
        front=doc,
        translation_of_version=source_version,
    )
    _check_lengths(doc, data)
    _check_required(leaflet)
    if leaflet.references and leaflet.section("references"):
        sec = leaflet.section("references")
        raise BuildError('references are given twice: in the front matter and as a "References" section (keep one)', path, sec.line)
    _check_links_and_images(leaflet, root, assets_dir)
    return leaflet


def _check_lengths(doc: YamlDoc, data: dict) -> None:
    """Front-matter text that prints in fixed places must fit them: refused with the limit."""
    for key, limit in MAX_LENGTH.items():
        value = doc.raw.get((key,), "") if key in data else ""
        if len(value.strip()) > limit:
            raise doc.error((key,), f"{key} is {len(value.strip()):,} characters long; the limit is {limit} "
                                    f"({'put the detail in summary or the text' if key != 'summary' else 'move the rest into the text'})")
    for key in ("authors", "reviewed_by"):
        items = data.get(key) if isinstance(data.get(key), list) else []
        for i, _ in enumerate(items):
            value = doc.raw.get((key, i), "")
            if len(value.strip()) > MAX_NAME_LENGTH:
                raise doc.error((key, i), f"item {i + 1} of {key} is {len(value.strip()):,} characters long; the limit is {MAX_NAME_LENGTH}")


def _check_id(doc: YamlDoc, keys: tuple[str, ...], value: str, what: str) -> None:
    """Ids name files and go into booking links (whose length the quality gate checks)."""
    if not ID_PATTERN.match(value):
        raise doc.error(keys, f'{what} "{value}" may use only lowercase letters, digits and single hyphens (e.g. exosome-hair-loss)')
    if reserved_name(value):
        raise doc.error(keys, f'{what} "{value}" is a name Windows reserves for devices (CON, NUL, COM1 ...), so its PDF '
                              "could not be saved there; use a longer id (e.g. con-treatment)")


def _split_front_matter(lines: list[str], path: Path) -> tuple[list[str], int]:
    if not lines or lines[0].strip() != "---":
        raise BuildError(
            'no front matter: the file must start with a line "---", then id, title, language, version, '
            'published, review_due and authors, then another "---"',
            path,
            1,
        )
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return lines[1:i], i + 2
    raise BuildError('the front matter is never closed: add a line "---" after the last key', path, 1)


_ATX_H2 = re.compile(r"^ {0,3}##(?!#)(?:\s+(.*?))?\s*$")
_SETEXT_H2 = re.compile(r"^ {0,3}-+\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _heading_lines(lines: list[str], body_start: int) -> list[tuple[int, str]]:
    """Where ## headings start in the file (ATX and underlined), outside code fences."""
    found: list[tuple[int, str]] = []
    in_fence = False
    body = lines[body_start - 1 :]
    for i, line in enumerate(body):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        m = _ATX_H2.match(line)
        if m:
            found.append((body_start + i, m.group(1) or ""))
        elif _SETEXT_H2.match(line) and i > 0 and body[i - 1].strip() and not body[i - 1].lstrip().startswith(("-", "*", "+", ">", "|")):
            found.append((body_start + i - 1, body[i - 1]))
    return found


def _norm(text: str) -> str:
    text = re.sub(r"\{[^}]*\}\s*$", "", text.strip()).rstrip("#").strip()
    return re.sub(r"[\W_]+", "", text).lower()


def _sections(root: Element, lines: list[str], body_start: int, path: Path) -> tuple[tuple, tuple[Section, ...]]:
    candidates = _heading_lines(lines, body_start)
    intro: list[Element] = []
    sections: list[Section] = []
    current: tuple[Element, str, int] | None = None
    body: list[Element] = []
    position = 0
    for el in list(root):
        if el.tag != "h2":
            (body if current else intro).append(el)
            continue
        if current:
            sections.append(_make_section(current, body))
        title = text_of(el).strip()
        line = body_start
        for j in range(position, len(candidates)):
            if _norm(candidates[j][1]) == _norm(title):
                line, position = candidates[j][0], j + 1
                break
        key = el.get("id")
        if key is not None:
            if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key):
                raise BuildError(f'section id "{{#{key}}}" may use only lowercase letters, digits and hyphens', path, line)
        else:
            key = slug(title)
        if not title:
            raise BuildError("a section heading has no text (write the heading after ##)", path, line)
        current = (el, key, line)
        body = []
    if current:
        sections.append(_make_section(current, body))
    seen: dict[str, int] = {}
    for s in sections:
        if s.key in seen:
            raise BuildError(
                f'section "{s.key}" appears twice (first at line {seen[s.key]}); merge them or give one another heading',
                path, s.line,
            )
        seen[s.key] = s.line
    return tuple(intro), tuple(sections)


def _make_section(current: tuple[Element, str, int], body: list[Element]) -> Section:
    el, key, line = current
    return Section(key=key, title=text_of(el).strip(), line=line, heading=el, body=tuple(body))


def _has_content(elements: tuple[Element, ...]) -> bool:
    return any(text_of(e).strip() or next(e.iter("img"), None) is not None for e in elements)


def _check_required(leaflet: Leaflet) -> None:
    for key in REQUIRED_SECTIONS:
        sec = leaflet.section(key)
        if sec is None:
            close = _close_section(leaflet, key)
            if close is not None:  # "## After-care" or "## Contra-indications": point at it
                raise BuildError(
                    f'required section "{key}" is missing; the heading "{close.title}" reads as "{close.key}": '
                    f'if it is this section, write "## {close.title} {{#{key}}}"',
                    leaflet.path, close.line,
                )
            raise BuildError(
                f'required section "{key}" is missing (add a "## {SECTION_HINTS[key]}" heading, '
                f'or put {{#{key}}} after the heading that covers it)',
                leaflet.path, len(leaflet.lines),
            )
    for sec in leaflet.sections:
        if not _has_content(sec.body):
            raise BuildError(f'section "{sec.key}" is empty (write its text under the heading, or remove it)', leaflet.path, sec.line)


def _close_section(leaflet: Leaflet, key: str) -> Section | None:
    """An unclaimed section whose id is spelled close to a required one (did you mean?)."""
    import difflib

    spare = {s.key: s for s in leaflet.sections if s.key not in REQUIRED_SECTIONS}
    match = difflib.get_close_matches(key, list(spare), n=1, cutoff=0.75)
    return spare[match[0]] if match else None


def _check_links_and_images(leaflet: Leaflet, root: Element, assets_dir: Path) -> None:
    keys = {s.key for s in leaflet.sections}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        line = leaflet.target_line(href, text_of(a))
        if href.startswith("#"):
            if href[1:] not in keys:
                raise BuildError(f'link to "{href}" but there is no section with that id (sections: {", ".join(sorted(keys))})', leaflet.path, line)
        elif not href.lower().startswith(LINK_SCHEMES):
            raise BuildError(f'link "{href}" must start with https://, http://, mailto: or tel: (or #section-id)', leaflet.path, line)
    pixels: dict[Path, int] = {}
    for img in root.iter("img"):
        src = img.get("src") or ""
        path = resolve_image(leaflet, src, assets_dir)
        line = leaflet.target_line(src, img.get("alt") or "")
        if path not in pixels:
            pixels[path] = check_image(path, [leaflet.path.parent, assets_dir], leaflet.path, line)
        if sum(pixels.values()) > MAX_LEAFLET_PIXELS:
            raise BuildError(f"the leaflet's pictures add up to {sum(pixels.values()) / 1e6:.0f} megapixels by this one; the limit "
                             f"is {MAX_LEAFLET_PIXELS // 1_000_000} megapixels (use fewer pictures, or smaller ones)", leaflet.path, line)


def resolve_image(leaflet: Leaflet, src: str, assets_dir: Path) -> Path:
    """Images come only from the project's assets/ or the leaflet's own folder."""
    line = leaflet.target_line(src)
    if not src:
        raise BuildError("an image has no file name: write ![description](file.png)", leaflet.path, line)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src):
        raise BuildError(f'image "{src}" is not a local file; save it in assets/ and use its file name', leaflet.path, line)
    name = urllib.parse.unquote(src)
    allowed = [leaflet.path.parent.resolve(), assets_dir.resolve()]
    for base in allowed:
        written = Path(os.path.normpath(base / name))
        candidate = written.resolve()
        inside = any(candidate.is_relative_to(root) for root in allowed)
        if inside and candidate.is_file():
            if candidate.suffix.lower() not in IMAGE_SUFFIXES:
                raise BuildError(f'image "{src}" must be PNG, JPEG or SVG', leaflet.path, line)
            return candidate
        if not inside and written.is_symlink() and any(written.is_relative_to(root) for root in allowed):
            raise BuildError(
                f'image "{src}" is a symbolic link to a file outside the allowed folders; '
                "copy the picture itself into assets/ or the leaflet's folder", leaflet.path, line,
            )
    if not any(Path(os.path.normpath(base / name)).is_relative_to(root) for base in allowed for root in allowed):
        raise BuildError(
            f'image "{src}" is outside the allowed folders; copy it into assets/ or the leaflet\'s folder', leaflet.path, line
        )
    raise BuildError(f'image "{src}" not found (looked in {leaflet.path.parent} and {assets_dir})', leaflet.path, line)


def declared_id(path: Path) -> str | None:
    """The ``id:`` in a file's front matter, read cheaply (for picking leaflets by id and for
    finding a translation's original) without parsing the whole file."""
    try:
        with path.open(encoding="utf-8") as handle:
            head = [next(handle, "") for _ in range(40)]
    except (OSError, UnicodeDecodeError):
        return None
    for line in head[1:]:
        if line.strip() == "---":
            break
        if line.startswith("id:"):
            return line[3:].strip().strip("\"'") or None
    return None
