"""One writer of ToUnicode CMaps (PDF 9.10.3), for every font we embed ourselves.

Two places draw glyphs that have no single character behind them: the right-to-left engine
(Nastaliq's contextual forms, given private code points in ReportLab's one-byte subsets) and
the stamper (patient details in two-byte Identity-H fonts). Both say which text each code
stands for here; an empty text is legal and tells extractors the glyph adds no text.
"""

from __future__ import annotations

from collections.abc import Iterable


def utf16_hex(text: str) -> str:
    """Text as the big-endian UTF-16 hex a CMap or an ActualText string carries."""
    return text.encode("utf-16-be", "surrogatepass").hex().upper()


def to_unicode_cmap(entries: Iterable[tuple[int, str]], code_bytes: int, last_code: int, registry: str, ordering: str, name: str) -> str:
    """A CMap mapping each code (``code_bytes`` wide, 0 to ``last_code``) to its text, in
    blocks of at most 100 entries as the CMap syntax requires."""
    width = 2 * code_bytes
    pairs = [f"<{code:0{width}X}> <{utf16_hex(text)}>" for code, text in entries]
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({registry})",
        f"/Ordering ({ordering})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<{0:0{width}X}> <{last_code:0{width}X}>",
        "endcodespacerange",
    ]
    for k in range(0, len(pairs), 100):
        block = pairs[k : k + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(block)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)
