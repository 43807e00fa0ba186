"""The booking QR code as a matrix of modules; drawing it is the renderer's job.

Error correction M (15% of the code can be damaged and still scan) is the floor for print
that gets folded, handled and photocopied.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white on every side (ISO/IEC 18004)


@dataclass(frozen=True)
class QrMatrix:
    url: str
    modules: tuple[tuple[bool, ...], ...]  # without the quiet zone

    @property
    def size(self) -> int:
        return len(self.modules)

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """(row, first column, length) of each horizontal run of dark modules: fewer shapes."""
        runs = []
        for r, row in enumerate(self.modules):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    runs.append((r, start, c - start))
                else:
                    c += 1
        return runs


def qr_matrix(url: str) -> QrMatrix:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return QrMatrix(url=url, modules=tuple(tuple(bool(m) for m in row) for row in code.get_matrix()))
