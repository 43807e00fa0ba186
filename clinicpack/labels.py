"""The builder's own words (page numbers, booking panel...), per language, as editable data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .yamlfile import parse_yaml, read_text


@dataclass(frozen=True)
class Labels:
    language: str
    text: dict

    def __getitem__(self, key: str) -> str:
        return str(self.text[key])

    def fmt(self, key: str, **values: object) -> str:
        return str(self.text[key]).format(**values)

    def date(self, day: dt.date) -> str:
        """Day, month name, year: unambiguous on paper (03/04 means different days to different readers)."""
        return f"{day.day} {self.text['months'][day.month - 1]} {day.year}"


def load_labels(labels_dir: Path, language: str) -> Labels:
    base = _read(labels_dir / "en.yaml")
    primary = language.split("-")[0]
    own = labels_dir / f"{primary}.yaml"
    if primary != "en" and own.exists():
        base = {**base, **_read(own)}
    return Labels(language, base)


def _read(path: Path) -> dict:
    doc = parse_yaml(read_text(path, "labels"), path)
    if not isinstance(doc.data, dict):
        raise BuildError("a labels file must be a mapping of key: text", path, 1)
    months = doc.data.get("months")
    if months is not None and (not isinstance(months, list) or len(months) != 12):
        raise doc.error(("months",), "months must be a list of the 12 month names")
    return doc.data
