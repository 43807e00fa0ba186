"""What every check receives, and where a layout key was written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..codecache import dataclass
from ..errors import BuildError

if TYPE_CHECKING:  # types only: the up-to-date check imports this module without the loaders
    from ..brand import Brand
    from ..layout import Layout
    from ..leaflet import Leaflet
    from .claims import Claim
    from .settings import Thresholds


@dataclass(frozen=True)
class FontFacts:
    """Facts only the typesetter knows, handed in so this package never imports ReportLab.

    ``glyph_errors`` lists every character the fonts cannot draw (one per character and line);
    ``width`` measures text in the body font at the body size, in points.
    """

    family: str
    glyph_errors: tuple[BuildError, ...] = ()
    width: Callable[[str], float] | None = None


@dataclass(frozen=True)
class Options:
    """What a run asks of the checks besides the files (the day, --allow-overdue), the same for every leaflet."""
    today: dt.date
    allow_overdue: bool = False
    overdue_option: bool = True  # False where --allow-overdue does not exist (consent packs)
    # (leaflet id, version) -> that version's archived Markdown, or None (clinicpack.archive); names
    # the sections of an original that changed since a translation was made from it
    archived_source: Callable[[str, str], str | None] | None = field(default=None, compare=False)


@dataclass
class CheckInput:
    """Everything one leaflet's checks read, gathered once so each check is a plain function of it."""
    leaflet: Leaflet
    brand: Brand
    layout: Layout
    thresholds: Thresholds
    options: Options
    fonts: FontFacts | None = None
    claims: tuple[Claim, ...] | None = None  # None: no claims list, the check is skipped
    metrics: dict = field(default_factory=dict)  # numbers for --report json (readability scores)


@lru_cache(maxsize=64)
def _key_lines(path: Path, stamp: tuple[int, int]) -> dict:
    from ..yamlfile import parse_yaml, read_text

    try:
        return parse_yaml(read_text(path, "layout"), path).lines
    except BuildError:
        return {}


def layout_key(layout: Layout, section: str, key: str) -> tuple[Path | None, int | None, bool]:
    """(file, line, written) of a layout key: the last file in the ``extends`` chain that sets
    it, or the layout's own file with no line when the key keeps its default."""
    for path in reversed(layout.files):
        try:
            info = path.stat()
        except OSError:
            continue
        line = _key_lines(path, (info.st_mtime_ns, info.st_size)).get((section, key))
        if line:
            return path, line, True
    return (layout.files[-1] if layout.files else None), None, False
