"""Print colour: CMYK from the brand's RGB palette, through a real colour-management library.

With ``print.colour: cmyk`` in the layout, every colour the renderer sets (text, rules, bands,
panels, vector logos, QR codes, stamped patient details) is written as CMYK. Conversion is
LittleCMS (Pillow's ImageCms) from sRGB to a CMYK printer profile, relative colorimetric with
black-point compensation, so a brand blue prints as the nearest blue the press can make.
Black and near-black neutrals (body text in #1a1a1a) become pure K: four-colour black text
blurs when the plates are a hair out of register. Crop marks are drawn in the registration
colour (``/Separation /All``), so they print on every plate.

The profile is Artifex's "CMYK SWOP" (``default_cmyk.icc``) from Debian's ``libgs-common``
package (Ghostscript's data files), installed by ``.ci/run``; nothing is downloaded at run time.
Raster images (PNG, JPEG) are placed as they are, in RGB.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.lib.colors import CMYKColor, CMYKColorSep, Color, toColor

from ..errors import BuildError

CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
INSTALL_HINT = "install Debian's libgs-common package (apt-get install libgs-common), or use print.colour: rgb"
NEAR_BLACK = 0x40  # a neutral no lighter than this (0-255) prints as black ink only
NEUTRAL = 12  # ... when its red, green and blue differ by no more than this
REGISTRATION = CMYKColorSep(1, 1, 1, 1, spotName="All")  # on every plate: crop and fold marks


@lru_cache(maxsize=1)
def _transform():  # type: ignore[no-untyped-def]
    from PIL import ImageCms

    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(str(CMYK_PROFILE)), "RGB", "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def check_profile(where: str = "") -> None:
    """Fail early (before anything is drawn) when the CMYK profile is not installed; ``where``
    is the layout's "file:line" that asked for CMYK."""
    if not CMYK_PROFILE.is_file():
        file, _, line = where.rpartition(":")
        raise BuildError(f"print.colour is cmyk but the CMYK profile {CMYK_PROFILE} is missing ({INSTALL_HINT})",
                         file or None, int(line) if line.isdigit() else None)


@lru_cache(maxsize=1024)
def rgb_to_cmyk(r: int, g: int, b: int) -> tuple[float, float, float, float]:
    """One sRGB colour (0-255 channels) as CMYK fractions (0-1, rounded to 1/1000)."""
    if max(r, g, b) <= NEAR_BLACK and max(r, g, b) - min(r, g, b) <= NEUTRAL:
        return (0.0, 0.0, 0.0, round(1 - (r + g + b) / 3 / 255, 3))
    if min(r, g, b) == 255:
        return (0.0, 0.0, 0.0, 0.0)  # paper white: no ink at all
    from PIL import Image, ImageCms

    pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), (r, g, b)), _transform()).getpixel((0, 0))
    return tuple(round(v / 255, 3) for v in pixel)  # type: ignore[return-value]


def to_cmyk(colour) -> CMYKColor:  # type: ignore[no-untyped-def]
    """ReportLab's colour hook: any colour the canvas is given, as CMYK (CMYK stays as it is)."""
    if isinstance(colour, CMYKColor):
        return colour
    if not isinstance(colour, Color):
        colour = toColor(colour)
        if isinstance(colour, CMYKColor):
            return colour
    r, g, b = (round(v * 255) for v in (colour.red, colour.green, colour.blue))
    return CMYKColor(*rgb_to_cmyk(r, g, b), alpha=colour.alpha)


def fill_operator(colour, cmyk: bool) -> str:  # type: ignore[no-untyped-def]
    """The PDF operator that sets ``colour`` as the fill colour, for code that writes its own
    content-stream text (the right-to-left glyph runs)."""
    c = toColor(colour)
    if cmyk:
        k = to_cmyk(c)
        return f"{_num(k.cyan)} {_num(k.magenta)} {_num(k.yellow)} {_num(k.black)} k"
    return f"{_num(c.red)} {_num(c.green)} {_num(c.blue)} rg"


def hex_operands(colour: str, cmyk: bool) -> bytes:
    """``#rrggbb`` as the operands of ``rg`` (RGB) or ``k`` (CMYK), for the stamper."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    if cmyk:
        return " ".join(f"{v:.3f}" for v in rgb_to_cmyk(r, g, b)).encode()
    return f"{r / 255:.3f} {g / 255:.3f} {b / 255:.3f}".encode()


def _num(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"
