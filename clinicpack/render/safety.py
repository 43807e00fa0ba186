"""The last line of defence between ReportLab's layout engine and the person running a build.

Every limit we know of is checked earlier, with a precise message (title length, table columns,
image sizes). Should some other block still be too big for any page, ReportLab raises a
``LayoutError`` whose text is a Python repr; this turns it into one ``file: error:`` line that
quotes the start of the block, so the person can find and shorten it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reportlab.platypus.doctemplate import LayoutError

from ..errors import BuildError

_QUOTED = re.compile(r"'<\w+ at 0x[0-9a-f]+>([^']{1,40})")


@contextmanager
def laid_out(source: Path) -> Iterator[None]:
    try:
        yield
    except LayoutError as exc:
        found = _QUOTED.search(str(exc))
        start = f' (the block starting "{" ".join(found.group(1).split())}...")' if found else ""
        raise BuildError(f"a block is too big to fit on any page{start}; shorten it or split it into parts", source) from None
