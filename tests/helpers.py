"""Shared test helpers: build through the real command line and inspect the real PDF."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import zxingcpp

from clinicpack.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(tmp: Path, leaflets: dict[str, str] | None = None, copy_shipped: bool = False) -> Path:
    """A throw-away project: the real assets and layouts, and the given leaflets."""
    root = tmp / "project"
    shutil.copytree(ROOT / "assets", root / "assets")
    shutil.copytree(ROOT / "layouts", root / "layouts")
    (root / "leaflets").mkdir()
    if copy_shipped:
        for path in (ROOT / "leaflets").glob("*.md"):
            shutil.copy(path, root / "leaflets" / path.name)
    for name, text in (leaflets or {}).items():
        (root / "leaflets" / name).write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str, capsys=None) -> tuple[int, str, str]:
    code = main(["--project", str(root), *args])
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def render_page(path: Path, index: int = 0, scale: float = 2.0):
    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[index].render(scale=scale).to_pil()
    finally:
        pdf.close()


def decode_qr(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def fonts_in(path: Path) -> dict[str, dict]:
    """BaseFont name -> font dictionary, for every font used on any page."""
    found = {}
    for page in pypdf.PdfReader(path).pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
