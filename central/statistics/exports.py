"""The period report as files: CSV, XLSX (openpyxl) and a printable PDF (fpdf2).

Every format writes the same cells, :func:`period_report.table`::

    report = period_report(db, start, end, by="field")
    to_csv(report)                       # UTF-8 with BOM (Excel opens it with diacritics)
    to_xlsx(report, "Trung tâm ...")     # sheet "Biểu 06", the table from row HEADER_ROW
    to_pdf(report, "Trung tâm ...")      # A4 landscape, the official layout
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ..documents.pdf import document, signatures
from .period_report import HEADER_GROUPS, table

HEADER_ROW = 6  # the XLSX table's header row (title and period above it)


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def period_text(report: dict) -> str:
    return f"Kỳ báo cáo: từ ngày {_date(report['start'])} đến ngày {_date(report['end'])}"


def _cell_text(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def filename(report: dict, ext: str) -> str:
    return (f"bieu06-{report['by']}-{report['start']:%Y%m%d}-{report['end']:%Y%m%d}.{ext}")


def to_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in table(report):
        writer.writerow([_cell_text(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: dict, center_name: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06"
    cells = table(report)
    width = len(cells[0])
    bold = Font(bold=True)
    ws["A1"] = center_name.upper()
    ws["A1"].font = bold
    ws.cell(row=1, column=width, value=report["form"]).alignment = Alignment(horizontal="right")
    ws["A3"] = report["title"]
    ws["A3"].font = Font(bold=True, size=13)
    ws["A4"] = f"{period_text(report)} · theo {report['by_name'].lower()}"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, row in enumerate(cells, HEADER_ROW):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = box
            if r == HEADER_ROW or r == HEADER_ROW + len(cells) - 1:
                cell.font = bold
            if r == HEADER_ROW:
                cell.alignment = Alignment(wrap_text=True, vertical="center",
                                           horizontal="center")
            elif isinstance(value, float):
                cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 40
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.row_dimensions[HEADER_ROW].height = 60
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(report: dict, center_name: str = "") -> bytes:
    """A4 landscape: agency and form number, title, period, grouped headers, signatures."""
    pdf = document("L", margins=(8, 10, 8), bottom=12)
    pdf.set_title(f"{report['form']} {period_text(report)}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width * 0.4, 5, center_name.upper() or " ", align="C")
    pdf.set_xy(pdf.l_margin + width * 0.4, top)
    pdf.multi_cell(width * 0.6, 5, f"{report['form']}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                   "Độc lập - Tự do - Hạnh phúc", align="R")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 7, report["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 6, f"{period_text(report)} (theo {report['by_name'].lower()})", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    cells = table(report)
    numbers = len(cells[0]) - 2
    first, label = 8.0, 64.0
    col = (width - first - label) / numbers
    x0 = pdf.l_margin

    # Two header rows: the groups, then each column's own title.
    pdf.set_font("DejaVu", "B", 6.5)
    y = pdf.get_y()
    pdf.rect(x0, y, first, 26)
    pdf.rect(x0 + first, y, label, 26)
    pdf.set_xy(x0, y + 11)
    pdf.cell(first, 4, "STT", align="C")
    pdf.set_xy(x0 + first, y + 11)
    pdf.cell(label, 4, cells[0][1], align="C")
    for title, start, count in HEADER_GROUPS:
        x, w = x0 + first + label + start * col, col * count
        pdf.rect(x, y, w, 6)
        pdf.set_xy(x, y)
        # A one-column group ("Chờ bổ sung") is narrower than its title: two lines.
        pdf.multi_cell(w, 6 if pdf.get_string_width(title) < w - 1 else 3, title, align="C")
    for i, title in enumerate(cells[0][2:]):
        x = x0 + first + label + i * col
        pdf.rect(x, y + 6, col, 20)
        pdf.set_xy(x, y + 7)
        pdf.multi_cell(col, 3, title, align="C")
    pdf.set_xy(x0, y + 26)
    pdf.set_font("DejaVu", "", 7.5)
    for n, row in enumerate(cells[1:], 1):
        if n == len(cells) - 1:
            pdf.set_font("DejaVu", "B", 7.5)
        pdf.cell(first, 6, str(row[0]), border=1, align="C")
        text = str(row[1])
        while pdf.get_string_width(text) > label - 2 and len(text) > 4:
            text = text[:-2] + "…"
        pdf.cell(label, 6, text, border=1)
        for value in row[2:]:
            pdf.cell(col, 6, _cell_text(value), border=1, align="R")
        pdf.ln(6)
    pdf.ln(6)
    signatures(pdf, ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
               ("THỦ TRƯỞNG CƠ QUAN", "(Ký tên, đóng dấu)"), size=10)
    return bytes(pdf.output())
