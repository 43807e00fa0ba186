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

Converting an SVG costs a build about 17 ms (importing svglib, lxml's CSS support and parsing),
so a self-contained drawing (no text, whose look would depend on the fonts found, and no
reference to another file) is kept in the user cache (``clinicpack.usercache``), keyed by the
SVG's digest and the versions of svglib and ReportLab, and read back on later builds.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import reportlab
from reportlab.graphics.shapes import Drawing, Group, Image
from reportlab.graphics.shapes import Path as ShapePath
from reportlab.lib.utils import ImageReader

from .. import usercache
from ..errors import BuildError

FORMAT = 1
# what makes a drawing depend on more than the SVG's own bytes: text (fonts are looked up on the
# system), a reference to another file or stylesheet. Conservative: any match is not cached.
_NOT_SELF_CONTAINED = re.compile(
    rb"<(?:svg:)?(?:text|tspan|textPath|style)\b|href\s*=\s*[\"'](?!#)|url\(\s*[\"']?(?!#)|@import|<!ENTITY|\bSYSTEM\b", re.I,
)


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
    data = _read(path, source, line)
    name = _cache_name(data)
    drawing = usercache.read(name, lambda d: isinstance(d, Drawing)) if name else None
    if drawing is None:
        drawing = _convert(path, source, line)
        if name and _plain(drawing):
            usercache.write(name, drawing)
    _images_as_xobjects(drawing)
    return drawing


def _read(path: Path, source: Path, line: int | None) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BuildError(f'SVG image "{path.name}" cannot be read: {exc.strerror or exc} (check the file)', source, line) from None


def _cache_name(data: bytes) -> str | None:
    """The cache entry for a self-contained SVG (see the module docstring), else None."""
    if _NOT_SELF_CONTAINED.search(data):
        return None
    return f"svg-{FORMAT}-{usercache.PYTHON}-reportlab{reportlab.Version}-{_svglib_stamp()}-{hashlib.sha256(data).hexdigest()}.pickle"


def _svglib_stamp() -> str:
    """The installed svglib, told apart without importing it (which is what the cache saves):
    the size and modification time of its converter module."""
    return usercache.installed("svglib", ("svglib.py",)) or "svglib"


def _convert(path: Path, source: Path, line: int | None) -> Drawing:
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
    return drawing


def _plain(group: Group) -> bool:
    """Turn svglib's two path subclasses into the plain ReportLab paths they draw as, so that
    reading the drawing back needs no svglib; False when anything else of svglib's is left
    (gradients draw through svglib's own code), and then the drawing is not cached."""
    for i, node in enumerate(group.contents):
        kind = type(node).__name__
        if isinstance(node, Group):
            if not _plain(node):
                return False
        elif type(node).__module__.startswith("svglib") and kind in ("NoStrokePath", "ClippingPath"):
            props = node.getProperties(recur=0)  # what the renderer would have read from svglib's class
            plain = ShapePath()
            plain.__dict__.update(node.__dict__)
            plain.strokeWidth, plain.strokeColor = props.get("strokeWidth", 0), props.get("strokeColor")
            plain.fillColor = props.get("fillColor")
            group.contents[i] = plain
        elif not type(node).__module__.startswith("reportlab."):
            return False
    return True


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
