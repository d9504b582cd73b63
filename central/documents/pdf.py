"""The pieces every printed document of the hub shares (fpdf2, DejaVu Sans).

The dossier receipt, the Biểu 06 report and the fees closing sheet are all A4
pages in DejaVu Sans (it has every Vietnamese letter) that end with two
signature blocks side by side::

    pdf = document(margins=(18, 15, 18))
    ...
    signatures(pdf, ("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
               ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)"))
    data = bytes(pdf.output())
"""

from __future__ import annotations

from fpdf import FPDF

from motcua.fonts import font_path


def document(orientation: str = "P", margins: tuple[float, float, float] | None = None,
             bottom: float = 15) -> FPDF:
    """An A4 document with DejaVu Sans (regular "" and bold "B") and its first page."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    if margins is not None:
        pdf.set_margins(*margins)
    pdf.set_auto_page_break(True, bottom)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_page()
    return pdf


def signatures(pdf: FPDF, left: tuple[str, str], right: tuple[str, str], *,
               style: str = "B", size: float = 11, note_size: float = 9) -> None:
    """Two signature blocks, each a role and a note under it, across the page."""
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    y = pdf.get_y()
    pdf.set_font("DejaVu", style, size)
    pdf.cell(half, 6, left[0], align="C")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.cell(half, 6, right[0], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", note_size)
    pdf.cell(half, 5, left[1], align="C")
    pdf.cell(half, 5, right[1], align="C", new_x="LMARGIN", new_y="NEXT")
