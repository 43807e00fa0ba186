"""Right-to-left (Urdu, Nastaliq) typesetting for ReportLab.

Why this module exists
----------------------
ReportLab 5 can shape Arabic-script text with HarfBuzz, but its ``Paragraph`` only reorders
right-to-left text through the ``rlbidi`` module, which is not on PyPI. Without it an Urdu
sentence comes out with its words in the wrong order, and inline bold breaks letter joining
because every style change starts a fresh shaping run. This module is a small, self-contained
typesetter for one paragraph of :class:`clinicpack.runs.Run` objects that does the job in the
order Unicode prescribes:

1. **Resolve bidi levels for the whole paragraph** with a real implementation of UAX #9
   (``python-bidi`` 0.6, which wraps the Rust ``unicode-bidi`` crate). No bidi rule is
   re-implemented here except the two line-level steps the standard leaves to the layout
   engine: L1 (trailing whitespace back to the paragraph level) and L2 (reversal of runs
   from the highest level down), which need the line breaks that only the typesetter knows.
2. **Break lines in logical order** at word boundaries, measuring with shaped (HarfBuzz)
   advances, so a line is never wider than the frame. A word wider than a line is split at a
   character boundary instead of overflowing.
3. **Reorder each line visually** (L1 + L2) and **shape each level run in its own direction
   and script**. A level run that contains several styles (bold inside a word, a link) is
   shaped piece by piece, but every piece is handed the whole run as HarfBuzz context, so the
   joining forms at a style boundary are the ones the unstyled word would get.
4. **Draw glyph ids directly** through ReportLab's own TrueType subsetting. Each (glyph,
   source text) pair gets a private code point so the subset font maps it to the glyph and the
   ``ToUnicode`` CMap maps it back to the Urdu characters it came from; glyphs are emitted
   left to right with absolute positions, so the page shows the HarfBuzz positions exactly
   (Nastaliq relies on vertical offsets that a plain ``Tj`` string cannot express) and text
   extraction gets the Urdu characters back (their order is up to the extractor).

Nastaliq is tall: words cascade upwards from the baseline. Lines are therefore set a default
leading apart (1.8 x font size) and a pair of lines is moved further apart only where the real
boxes of their shaped glyphs would touch (TeX's baselineskip/lineskip idea), so neighbouring
lines never collide and nothing pokes out of the flowable's box.

The package, by job: ``fonts`` (the Nastaliq faces, HarfBuzz per font, private codes and the
ToUnicode map), ``bidi`` (levels, L1, L2), ``shaping`` (style; a paragraph's fonts, levels and
shaped advances), ``lines`` (breaking and shaping lines), ``draw`` (line spacing, glyphs onto the
page) and ``paragraph`` (the flowable and one-line helpers).
"""

from __future__ import annotations

from .bidi import line_levels, resolve_levels, visual_order
from .draw import glyph_clusters
from .fonts import URDU_BOLD, URDU_REGULAR, font_info, register_urdu_fonts
from .lines import DrawnGlyph, LaidOutLine
from .paragraph import RTLParagraph, draw_rtl_string, rtl_string_width, shape_line
from .shaping import DEFAULT_LEADING_FACTOR, RTLStyle

__all__ = [
    "DEFAULT_LEADING_FACTOR",
    "URDU_BOLD",
    "URDU_REGULAR",
    "DrawnGlyph",
    "LaidOutLine",
    "RTLParagraph",
    "RTLStyle",
    "draw_rtl_string",
    "font_info",
    "glyph_clusters",
    "line_levels",
    "register_urdu_fonts",
    "resolve_levels",
    "rtl_string_width",
    "shape_line",
    "visual_order",
]
