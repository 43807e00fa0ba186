"""Checks on every picture before anything is drawn: size limits, and the files an SVG names.

A leaflet's pictures come from people, cameras and drawing programs, so they are checked like
any other input, while the leaflet is loaded (no ReportLab here):

* a raster image (PNG or JPEG) may have at most ``MAX_PIXELS`` pixels. A leaflet prints a
  picture at most a page wide; at 300 dpi a whole A4 page is 8.7 megapixels, so 12.5 megapixels
  (a 12-megapixel phone photo fits) is plenty. The size is read from the file's header, before
  any pixel is decoded, so a hostile 50,000 x 50,000 PNG costs nothing. At the limit a build
  peaks at about 280 MB (a PNG of pure noise with an alpha channel; photos need less);
* a file may be at most ``MAX_FILE_BYTES`` (a JPEG is embedded as it is, so its bytes count);
* an SVG may have at most ``MAX_SVG_ELEMENTS`` elements (drawing time and memory grow with them);
* an SVG may refer only to files inside the allowed folders (``assets/`` or the leaflet's own
  folder, like Markdown images), to PNG/JPEG ``data:`` images, or to parts of itself (``#id``).
  Every file it names is checked the same way, SVGs inside SVGs too (up to ``MAX_SVG_DEPTH``).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import BuildError, display_path

MAX_PIXELS = 12_500_000
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_LEAFLET_PIXELS = 40_000_000  # all of a leaflet's different pictures together: every one is held in the PDF being built
MAX_SVG_DEPTH = 4
MAX_SVG_ELEMENTS = 10_000  # a logo or diagram has a few hundred; 100,000 took the SVG library 80 s and 400 MB
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DATA_IMAGE = re.compile(r"^data:image/(png|jpe?g);base64,", re.IGNORECASE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def check_image(path: Path, allowed: Sequence[Path], source: Path, line: int | None, what: str = "image") -> int:
    """Check an image file a leaflet or the brand uses (``source``:``line`` is where it is named);
    returns its pixel count (0 for an SVG), for the leaflet's total."""
    _check_file_size(path, source, line, what)
    if path.suffix.lower() == ".svg":
        check_svg(path, [p.resolve() for p in allowed])
        return 0
    with path.open("rb") as handle:
        width, height = check_raster(handle, f'{what} "{path.name}"', source, line)
    return width * height


def _check_file_size(path: Path, source: Path, line: int | None, what: str) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BuildError(
            f'{what} "{path.name}" is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB '
            "(save it smaller, e.g. as a JPEG of at most 5000 x 5000 pixels)", source, line,
        )


def check_raster(handle: io.IOBase, name: str, source: Path, line: int | None) -> tuple[int, int]:
    """Width and height from the header of a PNG or JPEG; refuse anything else or anything too big."""
    from PIL import Image, UnidentifiedImageError

    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # we apply our own, lower limit below, with a message a person can act on
    try:
        with Image.open(handle) as image:  # reads the header only; no pixel is decoded here
            width, height, kind = image.width, image.height, image.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise BuildError(f"{name} cannot be read (is it a real PNG or JPEG file?)", source, line) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if kind not in ("PNG", "JPEG", "MPO"):
        raise BuildError(f"{name} is a {kind} image; save it as PNG or JPEG", source, line)
    if width * height > MAX_PIXELS:
        raise BuildError(
            f"{name} is {width:,} x {height:,} pixels ({width * height / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:g} megapixels, far more than print needs (scale it down, e.g. to 3000 pixels wide)",
            source, line,
        )
    return width, height


def check_svg(path: Path, allowed: Sequence[Path], chain: tuple[Path, ...] = ()) -> None:
    """Every ``href`` in the SVG (and in the SVGs it uses) stays inside ``allowed``."""
    from .svgxml import SvgSyntaxError, read_elements

    real = path.resolve()
    if real in chain:
        raise BuildError("this SVG uses itself through other SVG files (a loop); remove the <use> that closes it", path)
    if len(chain) >= MAX_SVG_DEPTH:
        raise BuildError(f"SVG files use each other more than {MAX_SVG_DEPTH} deep; draw this one directly", path)
    try:
        elements, count = read_elements(path, MAX_SVG_ELEMENTS)
    except SvgSyntaxError as exc:
        raise BuildError(f"this SVG cannot be read ({_clean(exc.message)})", path, exc.line) from None
    if count > MAX_SVG_ELEMENTS:
        raise BuildError(f"this SVG has {count:,} elements; the limit is {MAX_SVG_ELEMENTS:,} "
                         "(simplify it in the drawing program, or save it as a PNG)", path)
    ids = {e.attributes.get("id") for e in elements}
    for element in elements:
        href = (element.attributes.get(XLINK_HREF) or element.attributes.get("href") or "").strip()
        if not href or element.tag.rsplit("}", 1)[-1] == "a":
            continue  # <a href> is a hyperlink, never fetched
        if href.startswith("#") and href[1:] not in ids:
            raise BuildError(f'refers to "{_clean(href)}", but nothing in this SVG has that id', path, element.line)
        _check_reference(href, path, element.line, allowed, (*chain, real))


def _check_reference(href: str, svg: Path, line: int | None, allowed: Sequence[Path], chain: tuple[Path, ...]) -> None:
    shown = _clean(href if len(href) < 80 else href[:60] + "...")
    if href.startswith("#"):
        return
    data = DATA_IMAGE.match(href)
    if data:
        try:
            raw = base64.b64decode(href[data.end():], validate=False)
        except (binascii.Error, ValueError):
            raise BuildError("an embedded data: image is not valid base64", svg, line) from None
        check_raster(io.BytesIO(raw), "an embedded data: image", svg, line)
        return
    if href.lower().startswith("data:"):
        raise BuildError(f'"{shown}" is not a PNG or JPEG data: image (base64); only those can be drawn', svg, line)
    if SCHEME.match(href) or os.path.isabs(href):
        raise BuildError(f'refers to "{shown}", which is not a file beside it; copy the file into assets/ and use its name', svg, line)
    iri = href.split("#", 1)[0]
    joined = Path(os.path.normpath(svg.parent / iri))  # as the SVG library resolves it: no %-decoding
    target = joined.resolve()
    if not any(target.is_relative_to(root) for root in allowed):
        link = " (a symbolic link to a file outside them)" if any(joined.is_relative_to(r) for r in allowed) else ""
        raise BuildError(
            f'refers to "{shown}", which is outside the allowed folders{link}; '
            f"an SVG may use only files in {' or '.join(display_path(r) + '/' for r in allowed)}", svg, line,
        )
    if not target.is_file():
        raise BuildError(f'refers to "{shown}", which does not exist (check the name)', svg, line)
    _check_file_size(target, svg, line, "the file")
    if target.suffix.lower() == ".svg":
        check_svg(target, allowed, chain)
    elif target.suffix.lower() in RASTER_SUFFIXES:
        with target.open("rb") as handle:
            check_raster(handle, f'"{shown}"', svg, line)
    else:
        raise BuildError(f'refers to "{shown}"; an SVG may use only PNG, JPEG or SVG files', svg, line)


def _clean(text: str) -> str:
    """User text inside a message: control characters shown escaped, never printed raw."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
