"""Render a sample Urdu page to output/rtl_sample.pdf and .png (150 dpi) for a visual check."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer

from clinicpack.render.rtl import RTLParagraph, RTLStyle, draw_rtl_string, register_urdu_fonts
from clinicpack.runs import Run

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "output")


def sample_runs() -> list[Run]:
    return [
        Run("علاج کے بعد "),
        Run("24-48 گھنٹے", bold=True),
        Run(" تک متاثرہ جگہ کو نہ دھوئیں۔ "),
        Run("PRP"),
        Run(" انجکشن کے بعد ہلکا درد، سوجن یا سرخی عام بات ہے۔ اگر بخار ہو تو کیا کریں؟ "),
        Run("فوراً کلینک", bold=True),
        Run(" سے رابطہ کریں یا "),
        Run("ہماری ویب سائٹ", href="https://example.org/urdu"),
        Run(" دیکھیں۔"),
        Run("", line_break=True),
        Run("مزید معلومات کے لیے صفحہ 3 پڑھیں۔"),
    ]


def main() -> str:
    register_urdu_fonts()
    os.makedirs(OUT, exist_ok=True)
    pdf = os.path.join(OUT, "rtl_sample.pdf")

    def header(canvas: Canvas, doc: object) -> None:
        draw_rtl_string(canvas, A4[0] - 50, A4[1] - 40, "مریض کے لیے معلومات", "NotoNastaliqUrdu-Bold", 14, "#333333")

    doc = SimpleDocTemplate(pdf, pagesize=A4, leftMargin=50, rightMargin=50, topMargin=70, bottomMargin=50)
    style = RTLStyle(font_size=13, space_after=10)
    story = [
        RTLParagraph(sample_runs(), style),
        Spacer(1, 10),
        RTLParagraph([Run("بولڈ کے "), Run("اندر", bold=True), Run(" جُڑے حروف: پلیٹ"), Run("لیٹ", bold=True), Run(" رچ پلازما (PRP)، 24-48 گھنٹے، ۲۴ گھنٹے؟")], RTLStyle(font_size=16)),
        RTLParagraph([Run("مرکز میں", bold=True)], RTLStyle(font_size=13, alignment="center")),
    ]
    doc.build(story, onFirstPage=header, onLaterPages=header)
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    png = os.path.join(OUT, "rtl_sample.png")
    page.render(scale=150 / 72).to_pil().save(png)
    return png


if __name__ == "__main__":
    print(main())
