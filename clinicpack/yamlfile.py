"""YAML that remembers where each key was written.

Every user-facing error about a YAML file must name the line of the offending key, including
YAML embedded as front matter in a Markdown file (hence ``line_offset``). PyYAML's node tree
carries those marks; we keep them beside the plain Python data. The parsing itself is in
``clinicpack.yamlparser``, imported only for a text the user cache does not already hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from pathlib import Path
from typing import Any

from . import parsecache
from .codecache import dataclass
from .errors import BuildError, did_you_mean

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Parsed YAML plus the 1-based file line of every key and the raw text of every scalar."""

    data: Any
    path: Path
    lines: dict[KeyPath, int] = field(default_factory=dict)
    raw: dict[KeyPath, str] = field(default_factory=dict)
    first_line: int = 1

    def line(self, *keys: str | int) -> int:
        """Line of the deepest known key on this path (falls back to the parent's line)."""
        path: KeyPath = tuple(keys)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.first_line

    def error(self, keys: KeyPath, message: str) -> BuildError:
        return BuildError(message, self.path, self.line(*keys))


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDoc:
    """Parse ``text``; ``line_offset`` is the number of file lines before the YAML starts.

    A text parsed before comes back from the user cache (``clinicpack.parsecache``) without
    importing PyYAML: the same data, key lines and raw scalars, with this ``path``. Only a text
    that parsed cleanly is cached, so broken YAML always reaches the parser and its error."""
    entry = parsecache.entry("yaml", f"{line_offset}\n{text}")
    cached = parsecache.read(entry, _cached_doc)
    if cached is not None:
        data, lines, raw = cached
        return YamlDoc(data=data, path=path, lines=lines, raw=raw, first_line=line_offset + 1)
    from .yamlparser import parse

    doc = parse(text, path, line_offset)
    parsecache.write(entry, (doc.data, doc.lines, doc.raw))
    return doc


def _cached_doc(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], dict) and isinstance(value[2], dict)


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text file, turning every way it can fail into a BuildError."""
    if path.is_dir():
        raise BuildError(f"is a folder, not a {what} file (give a .md/.yaml file inside it)", path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BuildError(f"{what} file not found (check the name and folder)", path) from None
    except OSError as exc:
        raise BuildError(f"cannot read the {what} file: {exc.strerror} (check its permissions)", path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line
        ) from None
    if not text.strip():
        raise BuildError(f"the {what} file is empty", path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_keys(doc: YamlDoc, mapping: Any, prefix: KeyPath, allowed: set[str], required: set[str], what: str) -> dict:
    """Unknown keys are errors with a did-you-mean hint; missing required keys are errors."""
    if not isinstance(mapping, dict):
        raise doc.error(prefix, f"{what} must be a mapping of keys to values (key: value)")
    for key in mapping:
        if str(key) not in allowed:
            hint = did_you_mean(str(key), allowed)
            raise doc.error(
                prefix + (str(key),),
                f'unknown key "{key}" in {what}{hint}; allowed keys: {", ".join(sorted(allowed))}',
            )
    for key in sorted(required):
        if key not in mapping or mapping[key] is None or mapping[key] == "":
            raise doc.error(prefix, f'{what} is missing the required key "{key}"')
    return mapping


def as_text(doc: YamlDoc, keys: KeyPath, value: Any, what: str) -> str:
    """A scalar as the user typed it (so version 1.10 stays "1.10", language no stays "no")."""
    if isinstance(value, (dict, list)) or value is None:
        raise doc.error(keys, f"{what} must be a single text value")
    return doc.raw.get(keys, str(value)).strip()


def as_date(doc: YamlDoc, keys: KeyPath, value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise doc.error(keys, f'{what} "{value}" is not a real date; write it as YYYY-MM-DD, e.g. 2026-11-01') from None


def as_text_list(doc: YamlDoc, keys: KeyPath, value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise doc.error(keys, f'{what} must be a list, e.g. "- First Name"')
    out = []
    for i, item in enumerate(value):
        if isinstance(item, (dict, list)) or item is None or not str(item).strip():
            raise doc.error(keys + (i,), f"item {i + 1} of {what} must be plain text")
        out.append(as_text(doc, keys + (i,), item, what))
    return tuple(out)
