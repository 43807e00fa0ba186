"""The cursive anchors the RTL engine reads from GPOS (to reconnect a word whose letters change
font mid-word) must be the ones fontTools reads: for the bundled Nastaliq faces, and for small
fonts built here that use every layout the reader handles (coverage formats 1 and 2, extension
lookups, glyphs listed by two lookups, records without entry or exit)."""

from __future__ import annotations

import io
import os

import pytest
from fontTools.feaLib.builder import addOpenTypeFeaturesFromString
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from clinicpack.render.rtl.fonts import _read_cursive_anchors

FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "fonts")


def fonttools_anchors(font: TTFont) -> dict[int, tuple]:
    """The same facts, read the long way: every cursive subtable as fontTools decompiles it."""
    out: dict[int, tuple] = {}
    if "GPOS" not in font:
        return out
    order = {name: i for i, name in enumerate(font.getGlyphOrder())}
    for lookup in font["GPOS"].table.LookupList.Lookup:
        for sub in lookup.SubTable:
            if lookup.LookupType == 9:
                if sub.ExtensionLookupType != 3:
                    continue
                sub = sub.ExtSubTable
            elif lookup.LookupType != 3:
                continue
            for name, rec in zip(sub.Coverage.glyphs, sub.EntryExitRecord):
                entry = (rec.EntryAnchor.XCoordinate, rec.EntryAnchor.YCoordinate) if rec.EntryAnchor else None
                exit_ = (rec.ExitAnchor.XCoordinate, rec.ExitAnchor.YCoordinate) if rec.ExitAnchor else None
                out.setdefault(order[name], (entry, exit_))
    return out


def gpos_bytes(font: TTFont) -> bytes:
    return font.getTableData("GPOS") if "GPOS" in font else b""


@pytest.mark.parametrize("filename", ["NotoNastaliqUrdu-Regular.ttf", "NotoNastaliqUrdu-Bold.ttf"])
def test_bundled_faces_match_fonttools(filename: str) -> None:
    font = TTFont(os.path.join(FONTS, filename))
    expected = fonttools_anchors(font)
    assert len(expected) > 100  # Nastaliq is built on cursive attachment
    assert _read_cursive_anchors(gpos_bytes(font)) == expected


def built_font(features: str, glyphs: int = 40) -> TTFont:
    """A tiny TrueType font with ``glyphs`` empty glyphs g0..gN and the given feature code."""
    names = [".notdef"] + [f"g{i}" for i in range(1, glyphs)]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x0627 + i: n for i, n in enumerate(names[1:])})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({n: empty for n in names})
    fb.setupHorizontalMetrics({n: (500, 0) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "CursiveTest", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    addOpenTypeFeaturesFromString(fb.font, features)
    buf = io.BytesIO()
    fb.font.save(buf)
    buf.seek(0)
    return TTFont(buf)


FEATURES = {
    # a contiguous range of glyphs: coverage format 2
    "ranges": """
        feature curs {
            pos cursive [g1 g2 g3 g4 g5 g6 g7 g8] <anchor 100 -20> <anchor 0 35>;
            pos cursive g20 <anchor NULL> <anchor -7 12>;
            pos cursive g30 <anchor 300 400> <anchor NULL>;
        } curs;
    """,
    # scattered glyphs, an extension lookup, and a glyph in two lookups (the first one wins)
    "extension": """
        lookup first useExtension {
            pos cursive g3 <anchor 1 2> <anchor 3 4>;
            pos cursive g11 <anchor -500 -600> <anchor 700 800>;
            pos cursive g25 <anchor 5 6> <anchor NULL>;
        } first;
        lookup second {
            pos cursive g3 <anchor 9 9> <anchor 9 9>;
            pos cursive g12 <anchor 10 20> <anchor 30 40>;
        } second;
        feature curs { lookup first; lookup second; } curs;
    """,
    # no cursive lookup at all, only kerning
    "kerning only": """
        feature kern { pos g1 g2 -40; } kern;
    """,
}


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_built_fonts_match_fonttools(name: str) -> None:
    font = built_font(FEATURES[name])
    expected = fonttools_anchors(font)
    got = _read_cursive_anchors(gpos_bytes(font))
    assert got == expected
    if name != "kerning only":
        assert got  # the font really has cursive anchors to compare


def test_first_lookup_wins_and_missing_anchors_are_none() -> None:
    got = _read_cursive_anchors(gpos_bytes(built_font(FEATURES["extension"])))
    assert got[3] == ((1, 2), (3, 4))
    assert got[25] == ((5, 6), None)


@pytest.mark.parametrize("cut", [0, 4, 9, 12, 40, 90])
def test_a_cut_short_table_gives_no_anchors_not_an_error(cut: int) -> None:
    data = gpos_bytes(TTFont(os.path.join(FONTS, "NotoNastaliqUrdu-Regular.ttf")))
    assert _read_cursive_anchors(data[:cut]) == {}
