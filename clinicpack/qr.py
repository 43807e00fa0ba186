"""The booking QR code: its matrix, its quiet zone and the rectangles that draw it.

Every painter (the leaflet's booking panel, the stamper that writes a patient's code into a
pack) draws ``QrMatrix.rectangles()`` inside ``quiet_zone`` of white, so the code looks and
scans the same wherever it is printed. Error correction M (15% of the code can be damaged and
still scan) is the floor for print that gets folded, handled and photocopied.

A leaflet's booking link is the same build after build, so its matrix (``booking_matrix``) is
kept in the user cache (``clinicpack.usercache``) and a cold build reads it back without
importing qrcode and the Pillow drawing code qrcode brings (about 10 ms with the encoding).
A patient's own link (a personalised pack) is never written there: ``qr_matrix`` encodes it.
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from pathlib import Path

from . import usercache
from .codecache import dataclass

FORMAT = 1  # of a cached matrix entry; raise it when the encoding below (or the entry) changes
LEVEL = "M"  # error correction (qrcode.constants.ERROR_CORRECT_M): part of every cache entry's name
QUIET_ZONE = 4  # modules of white on every side (ISO/IEC 18004)
SMALLEST = 21  # modules across a version 1 code, the coarsest a link can make


def quiet_zone(symbol_width: float, modules: int | None = None) -> float:
    """The white margin around a code ``symbol_width`` wide: four of its modules. With no
    ``modules`` (a pack's slot, laid out before the patient's link is known) it is four modules
    of the coarsest code, which is at least four modules of any longer link's code too."""
    return QUIET_ZONE * symbol_width / (modules or SMALLEST)


@dataclass(frozen=True)
class QrMatrix:
    """A QR symbol as rows of dark (True) and light modules, without its quiet zone."""
    url: str
    modules: tuple[tuple[bool, ...], ...]  # without the quiet zone

    @property
    def size(self) -> int:
        return len(self.modules)

    def rectangles(self) -> list[tuple[int, int, int]]:
        """(x, y, width) in modules of each horizontal run of dark modules, with y counted up from
        the bottom row as PDF does; each is one module high. Runs, not single modules: fewer shapes."""
        n = self.size
        out = []
        for r, row in enumerate(self.modules):
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    out.append((start, n - 1 - r, c - start))
                else:
                    c += 1
        return out


@lru_cache(maxsize=64)
def qr_matrix(url: str) -> QrMatrix:
    """The QR symbol for ``url`` (immutable, so one symbol serves the quality check and the page)."""
    import qrcode
    from qrcode import util as qr_util
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.best_fit()
    code.data_cache = qr_util.create_data(code.version, code.error_correction, code.data_list)
    code.makeImpl(False, _best_mask(code.version, code.data_cache))
    return QrMatrix(url=url, modules=tuple(tuple(bool(m) for m in row) for row in code.modules))


@lru_cache(maxsize=64)
def booking_matrix(url: str) -> QrMatrix:
    """``qr_matrix(url)`` for a link that is not a patient's own (a leaflet's booking link): read
    from the user cache when an entry made by the same qrcode install is there, else encoded and
    stored. The entry holds the link and a digest of link and rows, checked on reading, so a
    damaged or misplaced entry is never drawn: the link is encoded afresh instead."""
    name = _entry_name(url)
    entry = usercache.read(name, lambda value: _entry_rows(value, url) is not None) if name else None
    if entry is not None:
        rows, n = entry[1], len(entry[1])
        return QrMatrix(url=url, modules=tuple(tuple(bool(row >> (n - 1 - c) & 1) for c in range(n)) for row in rows))
    matrix = qr_matrix(url)
    if name:
        packed = tuple(int("".join("1" if m else "0" for m in row), 2) for row in matrix.modules)
        usercache.write(name, (url, packed, _entry_digest(url, packed)))
    return matrix


def _entry_name(url: str) -> str | None:
    """The cache entry for ``url``: named by the link's digest (not the link), the format, the
    error correction, the qrcode install (its encoder's files, told apart without importing it)
    and this module (its mask choice)."""
    stamp = usercache.installed("qrcode", _ENCODER, also=[Path(__file__)])
    if stamp is None:
        return None
    return f"qr-{FORMAT}-{LEVEL}-{usercache.PYTHON}-{_digest(stamp)[:16]}-{_digest(url)}.pickle"


_ENCODER = ("main.py", "util.py", "base.py")  # qrcode's modules that decide a symbol's modules


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _entry_digest(url: str, rows: tuple[int, ...]) -> str:
    return _digest(f"{url}\n{','.join(map(str, rows))}")


def _entry_rows(value: object, url: str) -> tuple[int, ...] | None:
    """The rows of a cache entry for ``url``, or None unless it is whole and for this link."""
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == url and isinstance(value[1], tuple)):
        return None
    rows, n = value[1], len(value[1])
    if n < SMALLEST or n > 177 or n % 4 != 1 or not all(type(r) is int and 0 <= r < 1 << n for r in rows):
        return None
    return rows if value[2] == _entry_digest(url, rows) else None


# ---------------------------------------------------------------- fast mask choice
#
# qrcode chooses the mask by laying the symbol out 8 times and scoring each with loops over
# every module: about 5 ms per code, most of a personalised pack's cost. We score the same
# 8 candidates with the same four ISO/IEC 18004 penalty rules on the whole symbol held as one
# integer per direction: row r, column c is bit r * STRIDE + c, and rows are separated by
# GAP zero bits so no run or pattern can cross from one row into the next. Each rule is then a
# few shifts, ANDs and bit counts on that integer. qrcode lays out only the chosen mask, so the
# symbol is exactly the one qrcode would make (tests/test_qr_and_patients.py checks that on many links).

GAP = 12  # wider than the 11-module finder-like pattern of rule 3


@dataclass(frozen=True)
class _Grid:
    """Where a version's modules are, as bit masks, to score the eight masks without laying the symbol out."""
    n: int
    stride: int
    full: int  # every real module
    pairs: int  # modules of rows 0..n-2 (rule 2 looks at a row and the next)
    order: tuple[tuple[int, int], ...]  # data module positions in placement order
    base: tuple[int, int]  # (rows, columns): dark function modules (format bits light, as qrcode scores)
    masks: tuple[tuple[int, int], ...]  # per mask: (rows, columns) data modules it flips


@cache
def _grid(version: int) -> _Grid:
    from qrcode import util as qr_util

    n = version * 4 + 17
    m = _function_patterns(version, n)
    order = _placement_order(m, n)
    stride = n + GAP
    bit = lambda r, c: (1 << (r * stride + c), 1 << (c * stride + r))
    base = _bits(bit(r, c) for r in range(n) for c in range(n) if m[r][c])
    funcs = [qr_util.mask_func(p) for p in range(8)]
    masks = tuple(_bits(bit(r, c) for r, c in order if func(r, c)) for func in funcs)
    row_bits = (1 << n) - 1
    full = sum(row_bits << (r * stride) for r in range(n))
    pairs = sum(row_bits << (r * stride) for r in range(n - 1))
    return _Grid(n, stride, full, pairs, tuple(order), base, masks)


def _function_patterns(version: int, n: int) -> list[list[bool | None]]:
    """qrcode's own layout of the finder, alignment, timing and format modules (None: data)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
    code.modules_count = n
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    return code.modules


def _placement_order(m: list[list[bool | None]], n: int) -> list[tuple[int, int]]:
    """Data module positions in the zig-zag order qrcode's map_data fills them."""
    order = []
    row, inc = n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            order += [(row, c) for c in (col, col - 1) if m[row][c] is None]
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    return order


def _bits(pairs) -> tuple[int, int]:  # noqa: ANN001
    rows = cols = 0
    for r, c in pairs:
        rows, cols = rows | r, cols | c
    return rows, cols


@lru_cache(maxsize=65536)
def _byte_bits(version: int, index: int, value: int) -> tuple[int, int]:
    """Where data byte ``index`` with ``value`` puts its dark modules (links share most bytes)."""
    g = _grid(version)
    rows = cols = 0
    for k in range(8):
        position = index * 8 + k
        if position < len(g.order) and (value >> (7 - k)) & 1:
            r, c = g.order[position]
            rows |= 1 << (r * g.stride + c)
            cols |= 1 << (c * g.stride + r)
    return rows, cols


_P1 = (1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0)  # dark-light-dark x3-light-dark, then 4 light
_P2 = _P1[::-1]


def _lines_penalty(x: int, full: int) -> int:
    """Rules 1 (runs of 5 or more of one colour) and 3 (finder-like patterns), all lines at once."""
    total = 0
    inv = ~x & full
    for y in (x, inv):
        a = y & (y >> 1) & (y >> 2) & (y >> 3) & (y >> 4)
        total += a.bit_count() + 2 * (a & ~(a << 1)).bit_count()  # a run of L scores L - 2
    m1 = m2 = full
    for k in range(11):
        xk, ik = x >> k, inv >> k
        m1 &= xk if _P1[k] else ik
        m2 &= xk if _P2[k] else ik
    return total + 40 * (m1.bit_count() + m2.bit_count())


def _penalty(g: _Grid, rows: int, cols: int) -> int:
    total = _lines_penalty(rows, g.full) + _lines_penalty(cols, g.full)
    below = rows >> g.stride  # rule 2: 2x2 blocks of one colour
    dark = rows & below & g.pairs
    light = ~(rows | below) & g.pairs
    total += 3 * ((dark & (dark >> 1)).bit_count() + (light & (light >> 1) & g.pairs).bit_count())
    ratio = rows.bit_count() / (g.n * g.n)  # rule 4: balance of dark and light
    return total + int(abs(ratio * 100 - 50) / 5) * 10


def _best_mask(version: int, data: list[int]) -> int:
    g = _grid(version)
    raw_r = raw_c = 0
    for index, value in enumerate(data):
        r, c = _byte_bits(version, index, value)
        raw_r |= r
        raw_c |= c
    base_r, base_c = g.base
    scores = [_penalty(g, base_r | (raw_r ^ mr), base_c | (raw_c ^ mc)) for mr, mc in g.masks]
    return scores.index(min(scores))
