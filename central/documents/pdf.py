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

import datetime as dt

from fpdf import FPDF

from motcua.fonts import font_path, italic_path

from .letterhead import MOTTO, NATION, Letterhead

__all__ = ["MOTTO", "NATION", "Letterhead", "document", "heading", "signatures"]

def document(orientation: str = "P", margins: tuple[float, float, float] | None = None,
             bottom: float = 15) -> FPDF:
    """An A4 document with DejaVu Sans (regular "" and bold "B") and its first page."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    if margins is not None:
        pdf.set_margins(*margins)
    pdf.set_auto_page_break(True, bottom)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_font("DejaVu", "I", italic_path() or str(font_path()))
    pdf.add_page()
    return pdf


def heading(pdf: FPDF, head: Letterhead, day: dt.date, *, left_share: float = 0.42,
            size: float = 10) -> None:
    """The heading of an official page: the governing body and the issuing
    centre on the left, the national motto on the right (each line centred in
    its column, the second underlined by a short rule), then the place and date
    line in italics on the right."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    left_w, right_w = width * left_share, width * (1 - left_share)
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", size)
    if head.governing_body:
        pdf.multi_cell(left_w, 5, head.governing_body.upper(), align="C",
                       new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(left_w, 5, head.centre.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    left_end = pdf.get_y()
    centre_x = pdf.l_margin + left_w / 2
    pdf.line(centre_x - 12, left_end + 0.8, centre_x + 12, left_end + 0.8)
    pdf.set_xy(pdf.l_margin + left_w, top)
    pdf.cell(right_w, 5, NATION, align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(right_w, 5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    rule = pdf.get_string_width(MOTTO) / 2
    right_x = pdf.l_margin + left_w + right_w / 2
    pdf.line(right_x - rule, pdf.get_y() + 0.3, right_x + rule, pdf.get_y() + 0.3)
    pdf.set_y(max(left_end, pdf.get_y()) + 2.5)
    pdf.set_x(pdf.l_margin + left_w)
    pdf.set_font("DejaVu", "I", size - 0.5)
    pdf.cell(right_w, 5, head.date_line(day), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", size)


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
