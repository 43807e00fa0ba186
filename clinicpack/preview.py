"""Previews: every page of a built PDF as a PNG, plus one contact sheet of all pages.

The pages are drawn from the finished PDF by PDFium (the engine in Chrome), a real PDF
rasteriser, so the preview shows what the PDF holds, not what we meant it to hold. Files go
beside the PDF, atomically: ``<name>.preview/page-01.png``... and ``<name>.contact.png``.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from .writer import OutputFolder

PAGE_DPI = 96  # a screen at 100%: sharp enough to judge type, small enough to redo on every save
THUMB_HEIGHT = 360  # contact sheet thumbnails, in pixels
COLUMNS = 4
GAP = 24


def preview_names(pdf_name: str, pages: int) -> tuple[list[str], str]:
    stem = pdf_name.removesuffix(".pdf")
    return [f"{stem}.preview/page-{n:02d}.png" for n in range(1, pages + 1)], f"{stem}.contact.png"


def render_pages(pdf: bytes, dpi: int = PAGE_DPI) -> tuple[list[Image.Image], list[Image.Image]]:
    """Each page at ``dpi``, and again as a thumbnail: PDFium draws a small page faster and
    sharper than a large one can be scaled down."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages, thumbs = [], []
        for i in range(len(doc)):
            page = doc[i]
            pages.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            thumbs.append(page.render(scale=THUMB_HEIGHT / page.get_height()).to_pil().convert("RGB"))
        return pages, thumbs
    finally:
        doc.close()


def contact_sheet(thumbs: list[Image.Image]) -> Image.Image:
    """All pages side by side in rows, on a grey ground, so white pages stand out."""
    cell_w = max(t.width for t in thumbs)
    cols = min(COLUMNS, len(thumbs))
    rows = (len(thumbs) + cols - 1) // cols
    label = 18
    sheet = Image.new("RGB", (GAP + cols * (cell_w + GAP), GAP + rows * (THUMB_HEIGHT + label + GAP)), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    for i, thumb in enumerate(thumbs):
        x = GAP + (i % cols) * (cell_w + GAP) + (cell_w - thumb.width) // 2
        y = GAP + (i // cols) * (THUMB_HEIGHT + label + GAP)
        sheet.paste(thumb, (x, y + THUMB_HEIGHT - thumb.height))
        draw.text((x, y + THUMB_HEIGHT + 3), str(i + 1), fill=(40, 40, 40))
    return sheet


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)  # fast: a preview is rewritten on every save
    return buf.getvalue()


def write_previews(folder: OutputFolder, pdf_name: str, pdf: bytes) -> list[Path]:
    """Write the page PNGs and the contact sheet; remove page PNGs left from a longer version."""
    pages, thumbs = render_pages(pdf)
    names, contact = preview_names(pdf_name, len(pages))
    # PNG encoding is most of a preview's cost; Pillow's encoder releases the GIL, so threads
    # use every core. Previews can be redrawn at any time, so they skip the per-file fsync.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        encoded = list(pool.map(png_bytes, [*pages, contact_sheet(thumbs)]))
    written = [folder.write(name, data, sync=False) for name, data in zip([*names, contact], encoded)]
    keep = {Path(n).name for n in names}
    page_dir = folder.path_for(names[0]).parent if names else None
    if page_dir is not None:
        for stale in sorted(page_dir.glob("page-*.png")):
            if stale.name not in keep:
                folder.remove(stale.relative_to(folder.root).as_posix())
    return written
