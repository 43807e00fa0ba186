"""The builder's own words (page numbers, booking panel...), per language, as editable data."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import field
from pathlib import Path

from .codecache import dataclass
from .errors import BuildError
from .yamlfile import parse_yaml, read_text


@dataclass(frozen=True)
class Labels:
    """The builder's own words in one language (assets/labels/), each remembering the file and line it came from."""
    language: str
    text: dict
    where: dict[str, tuple[Path, int]] = field(default_factory=dict)  # key -> (file, line) it came from

    def __getitem__(self, key: str) -> str:
        if key not in self.text:
            files = sorted({str(path) for path, _ in self.where.values()}) or ["assets/labels/en.yaml"]
            raise BuildError(f'the labels have no "{key}"; add "{key}: ..." to {files[0]} (see the shipped en.yaml)')
        return str(self.text[key])

    def lines(self, key: str) -> list[str]:
        """A label that is a list of lines (e.g. the points of the patient's statement)."""
        self[key]  # a missing key is a clear error
        value = self.text[key]
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def fmt(self, key: str, **values: object) -> str:
        """A label with its {placeholders} filled; a placeholder the builder does not fill is a
        clear error in the labels file (a clinic may have edited it), not a crash."""
        text = self[key]
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            path, line = self.where.get(key, (None, None))
            allowed = ", ".join("{" + name + "}" for name in values) or "no placeholders"
            raise BuildError(
                f'label "{key}" cannot be filled in ({exc.__class__.__name__}: {exc}); it may use {allowed}, '
                "and a literal brace is written {{ or }}",
                path, line,
            ) from None

    def date(self, day: dt.date) -> str:
        """Day, month name, year: unambiguous on paper (03/04 means different days to different readers)."""
        return f"{day.day} {self.text['months'][day.month - 1]} {day.year}"


def load_labels(labels_dir: Path, language: str) -> Labels:
    base, where = _read(labels_dir / "en.yaml")
    primary = language.split("-")[0]
    own = labels_dir / f"{primary}.yaml"
    if primary != "en" and own.exists():
        text, own_where = _read(own)
        base, where = {**base, **text}, {**where, **own_where}
    return Labels(language, base, where)


def _read(path: Path) -> tuple[dict, dict[str, tuple[Path, int]]]:
    doc = parse_yaml(read_text(path, "labels"), path)
    if not isinstance(doc.data, dict):
        raise BuildError("a labels file must be a mapping of key: text", path, 1)
    months = doc.data.get("months")
    if months is not None and (not isinstance(months, list) or len(months) != 12):
        raise doc.error(("months",), "months must be a list of the 12 month names")
    for key, value in doc.data.items():
        if key == "months":
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, (dict, list)) or item is None:
                raise doc.error((key,), f'label "{key}" must be text (or a list of lines of text)')
            try:
                list(string.Formatter().parse(str(item)))
            except ValueError as exc:
                raise doc.error((key,), f'label "{key}" has an unmatched brace ({exc}); write a literal brace as {{{{ or }}}}') from None
    return doc.data, {str(k): (path, doc.line(str(k))) for k in doc.data}
