"""SVG files as ReportLab drawings, with the SVG library kept quiet and its pictures drawable.

Two things svglib does that a leaflet build cannot accept:

* it logs problems ("Unable to read the image ... Skipping", "Refusing absolute external
  reference") to the terminal and carries on with a picture missing. Here its log lines are
  caught; an error-level one becomes a ``BuildError`` (a reference that cannot be drawn is an
  error, not a silently missing picture), lower levels are dropped;
* a raster ``<image>`` becomes an *inline* image, whose binary data ReportLab can only write
  into a page as ASCII85 text. We write streams without ASCII85 (see ``render/__init__``), so
  each picture is drawn instead as an image XObject (``canvas.drawImage``): binary, stored
  once however often it is drawn, and with its transparency kept.

The files an SVG refers to were checked when the leaflet or brand was loaded
(``clinicpack.images``); this module only draws.
"""

from __future__ import annotations

import logging
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Group, Image
from reportlab.lib.utils import ImageReader

from ..errors import BuildError


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_SVGLIB_LOG = logging.getLogger("svglib")
_SVGLIB_LOG.propagate = False  # never to the terminal, whatever logging the caller set up
_SVGLIB_LOG.addHandler(logging.NullHandler())


def load_drawing(path: Path, source: Path, line: int | None) -> Drawing:
    """``path`` as a drawing; ``source``:``line`` is where the leaflet or brand names it."""
    from svglib.svglib import svg2rlg

    collect = _Collect()
    _SVGLIB_LOG.addHandler(collect)
    try:
        drawing = svg2rlg(str(path))
    except Exception:
        drawing = None
    finally:
        _SVGLIB_LOG.removeHandler(collect)
    errors = [r for r in collect.records if r.levelno >= logging.ERROR]
    if errors:
        what = _clean(errors[0].getMessage())
        raise BuildError(f'SVG image "{path.name}" cannot be drawn: {what} (fix or remove that part of the SVG)', source, line)
    if drawing is None or not drawing.width or not drawing.height:
        raise BuildError(f'SVG image "{path.name}" cannot be read (is it a valid SVG file?)', source, line)
    _images_as_xobjects(drawing)
    return drawing


def _images_as_xobjects(group: Group) -> None:
    """Draw each raster picture with ``drawImage`` at the moment the renderer reaches it (the
    canvas then carries the SVG's transforms), and leave the inline-image path empty."""
    for node in group.contents:
        if isinstance(node, Group):
            _images_as_xobjects(node)
        elif isinstance(node, Image) and node.path is not None:
            reader = ImageReader(node.path)
            node.path = None  # renderPDF.drawImage skips an image without a path

            def draw(shape: Image, canvas=None, renderer=None, reader: ImageReader = reader) -> None:
                canvas.drawImage(reader, shape.x, shape.y, shape.width, shape.height, mask="auto")

            node._drawTimeCallback = draw


def _clean(text: str) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
