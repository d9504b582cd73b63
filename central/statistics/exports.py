"""The period report as files: CSV, XLSX (openpyxl) and a printable PDF (fpdf2).

Every format writes the same cells, :func:`period_report.table`, under the
official heading (governing body, centre, national motto, place and date) and
above the two signature blocks::

    report = period_report(db, start, end, by="field")
    head = Letterhead.of(config)
    to_csv(report)                  # ';' and decimal ',' for a Vietnamese Excel, UTF-8 BOM
    to_xlsx(report, head)           # sheet "Biểu 06": numbers as numbers, grouped headings
    to_pdf(report, head)            # A4 landscape, the official layout
    to_xlsx(report, head, breaches=supplement_breaches(db, start=start, end=end))
                                    # + sheet "Vi phạm quy định"; the PDF a page after

The breaches of the one-stop rules (:mod:`.rules`: a second supplement request on
one dossier, with the officer and the rule's source) are what the statistics page
lists under the report; the XLSX carries them on a second sheet and the PDF on a
page after the signed form (the official form itself stays as issued).
    filename(report, "pdf")         # 'Bieu06_Co-quan-don-vi_01-04-2026_30-04-2026.pdf'

A rate with nothing to divide (no dossier resolved in the period) is "—" in
every format, explained in a note under the table.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua import clock
from motcua.text import plain_words

from ..calendar.working_time import VN
from ..documents import sheets
from ..documents.formats import DASH, NO_RESOLVED, day, number
from ..documents.pdf import Letterhead, document, heading, signatures
from .period_report import HEADER_GROUPS, table
from .rules import SUPPLEMENT_ONCE

HEADER_ROW = 10  # the XLSX table's first header row (the heading block above it)
NOTE = f"{DASH}: {NO_RESOLVED}"
BREACH_SHEET = "Vi phạm quy định"
BREACH_HEADER = ("STT", "Thời điểm", "Mã hồ sơ", "Thủ tục", "Lần yêu cầu", "Cán bộ", "Cơ quan",
                 "Lý do ghi")
NO_BREACH = "Không có vi phạm trong kỳ."
# The breach list's columns, as shares of the page: the whole dossier code fits on one line.
BREACH_SHARE = (0.04, 0.11, 0.16, 0.21, 0.07, 0.13, 0.12, 0.16)
LINE = 3.6            # mm, a line of 7.5 pt text in a table's cell
PADDING = (1.2, 1)    # mm, above and below / left and right of a cell's text
SIGNERS = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG CƠ QUAN", "(Ký tên, đóng dấu)"))


def _head(head: Letterhead | str) -> Letterhead:
    return head if isinstance(head, Letterhead) else Letterhead(centre=head)


def period_text(report: dict) -> str:
    return f"Kỳ báo cáo: từ ngày {day(report['start'])} đến ngày {day(report['end'])}"


def _cell_text(value) -> str:
    """A cell as the PDF and the page print it: '83,33', '—', '12'."""
    if value is None:
        return DASH
    return number(value, 2) if isinstance(value, float) else str(value)


def breach_title() -> str:
    return f"Vi phạm quy định: {SUPPLEMENT_ONCE.title.lower()}"


def breach_rows(breaches: list[dict]) -> list[list]:
    """The statistics page's list of breaches as rows under :data:`BREACH_HEADER`."""
    return [[n, clock.show(b["at"], str(VN)), b["dossier_code"], b["procedure_name"] or "",
             f"Lần {b['request_no']}", b["officer_name"] or b["officer"] or "",
             b["department_name"] or "", b["note"] or ""]
            for n, b in enumerate(breaches, 1)]


def filename(report: dict, ext: str) -> str:
    """The download's name in plain letters (every browser and mail client keeps it):
    'Bieu06_Co-quan-don-vi_01-04-2026_30-04-2026.xlsx'."""
    return (f"Bieu06_{plain_words(report['by_name'])}_{report['start']:%d-%m-%Y}_"
            f"{report['end']:%d-%m-%Y}.{ext}")


def disposition(report: dict, ext: str, kind: str = "attachment") -> str:
    """Content-Disposition with the plain name and, for browsers that read it
    (RFC 6266 / 5987), the name with its diacritics: 'Biểu 06 - Cơ quan, đơn vị …'."""
    full = (f"Biểu 06 - {report['by_name']} - {report['start']:%d.%m.%Y} đến "
            f"{report['end']:%d.%m.%Y}.{ext}")
    return f"{kind}; filename=\"{filename(report, ext)}\"; filename*=UTF-8''{quote(full)}"


def to_csv(report: dict) -> bytes:
    """The table only (a CSV has no layout): what a spreadsheet re-uses."""
    return sheets.csv_bytes(table(report))


def to_xlsx(report: dict, head: Letterhead | str = "", today: dt.date | None = None,
            breaches: list[dict] | None = None) -> bytes:
    head = _head(head)
    today = today or clock.now().astimezone(VN).date()
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06"
    cells = table(report)
    width = len(cells[0])
    half = 5  # the left heading block spans A:E, the motto the rest
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = sheets.official_heading(ws, head, today, width, half, form=report["form"])
    sheets.title_lines(ws, row, width, report["title"],
                       f"{period_text(report)} (theo {report['by_name'].lower()})")

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    # Two header rows: each group over its columns; STT and the label span both.
    top, sub = HEADER_ROW, HEADER_ROW + 1
    for c, title in ((1, cells[0][0]), (2, cells[0][1])):
        ws.merge_cells(start_row=top, start_column=c, end_row=sub, end_column=c)
        sheets.put(ws, top, c, title)
    for title, start, count in HEADER_GROUPS:
        first = 3 + start
        if count == 1:  # a lone column ("Chờ bổ sung") is its own heading, over both rows
            ws.merge_cells(start_row=top, start_column=first, end_row=sub, end_column=first)
        else:
            ws.merge_cells(start_row=top, start_column=first, end_row=top,
                           end_column=first + count - 1)
            for i in range(count):
                sheets.put(ws, sub, first + i, cells[0][2 + start + i])
        sheets.put(ws, top, first, title if count > 1 else cells[0][2 + start])
    for r in (top, sub):
        for c in range(1, width + 1):
            cell = ws.cell(row=r, column=c)
            cell.border, cell.font, cell.alignment = box, bold, centred
    last = sub + len(cells) - 1
    for r, row in enumerate(cells[1:], sub + 1):
        for c, value in enumerate(row, 1):
            cell = sheets.put(ws, r, c, value, decimals=2)
            cell.border = box
            if r == last:
                cell.font = bold
            if value is None:
                cell.alignment = Alignment(horizontal="right")
    note = last + 1
    sheets.put(ws, note, 1, NOTE).font = Font(italic=True, size=9)
    sheets.signature_rows(ws, note + 2, SIGNERS, width, half)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 40
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.row_dimensions[sub].height = 48
    ws.freeze_panes = ws.cell(row=sub + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if breaches is not None:
        _breach_sheet(wb.create_sheet(BREACH_SHEET), report, breaches)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _breach_sheet(ws, report: dict, breaches: list[dict]) -> None:
    bold = Font(bold=True)
    sheets.put(ws, 1, 1, breach_title().upper()).font = Font(bold=True, size=12)
    sheets.put(ws, 2, 1, period_text(report))
    sheets.put(ws, 3, 1, f"Căn cứ: {SUPPLEMENT_ONCE.source_line}.")
    for c, title in enumerate(BREACH_HEADER, 1):
        sheets.put(ws, 5, c, title).font = bold
    rows = breach_rows(breaches)
    for r, row in enumerate(rows, 6):
        for c, value in enumerate(row, 1):
            sheets.put(ws, r, c, value)
    if not rows:
        sheets.put(ws, 6, 1, NO_BREACH)
    for c, w in zip("ABCDEFGH", (5, 19, 18, 50, 11, 24, 30, 40), strict=True):
        ws.column_dimensions[c].width = w


def to_pdf(report: dict, head: Letterhead | str = "", today: dt.date | None = None,
           breaches: list[dict] | None = None) -> bytes:
    """A4 landscape: the heading block, form number, title, period, grouped headers,
    the note on "—", the signatures."""
    head = _head(head)
    today = today or clock.now().astimezone(VN).date()
    pdf = document("L", margins=(10, 10, 10), bottom=12)
    pdf.set_title(f"{report['form']} {period_text(report)}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    heading(pdf, head, today, left_share=0.46)
    pdf.set_font("DejaVu", "I", 8)
    pdf.cell(width, 4, report["form"], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 7, report["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 6, f"{period_text(report)} (theo {report['by_name'].lower()})", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    cells = table(report)
    numbers = len(cells[0]) - 2
    first, label = 8.0, 62.0
    col = (width - first - label) / numbers
    x0 = pdf.l_margin

    # Two header rows: the groups, then each column's own title; a one-column
    # group ("Chờ bổ sung") is one box over both rows.
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
        if count == 1:
            pdf.rect(x, y, w, 26)
            pdf.set_xy(x, y + 9)
            pdf.multi_cell(w, 3, cells[0][2 + start], align="C")
            continue
        pdf.rect(x, y, w, 6)
        pdf.set_xy(x, y)
        pdf.multi_cell(w, 6, title, align="C")
        for i in range(count):
            cx = x + i * col
            pdf.rect(cx, y + 6, col, 20)
            pdf.set_xy(cx, y + 7)
            pdf.multi_cell(col, 3, cells[0][2 + start + i], align="C")
    pdf.set_xy(x0, y + 26)
    pdf.set_font("DejaVu", "", 7.5)
    # A department's or an officer's long name wraps in its cell and the row grows with
    # it: cut with "…" it no longer said whose figures they were.
    for n, row in enumerate(cells[1:], 1):
        if n == len(cells) - 1:
            pdf.set_font("DejaVu", "B", 7.5)
        lines = pdf.multi_cell(label, LINE, str(row[1]), dry_run=True, output="LINES")
        high = max(6.0, len(lines) * LINE + 2)
        if pdf.get_y() + high > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        pdf.cell(first, high, str(row[0]), border=1, align="C")
        pdf.rect(x0 + first, top, label, high)
        pdf.set_xy(x0 + first, top + (high - len(lines) * LINE) / 2)
        pdf.multi_cell(label, LINE, str(row[1]), new_x="RIGHT", new_y="TOP")
        pdf.set_xy(x0 + first + label, top)
        for value in row[2:]:
            pdf.cell(col, high, _cell_text(value), border=1, align="R")
        pdf.set_xy(x0, top + high)
    pdf.set_font("DejaVu", "I", 7.5)
    pdf.cell(width, 5, NOTE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    signatures(pdf, *SIGNERS, size=10)
    if breaches is not None:
        _breach_page(pdf, report, breaches, width)
    return bytes(pdf.output())


def _breach_page(pdf, report: dict, breaches: list[dict], width: float) -> None:
    """A page after the form: the breaches the statistics page lists, with the rule's source."""
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, breach_title().upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 5, period_text(report), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, f"Căn cứ: {SUPPLEMENT_ONCE.source_line}.", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 7.5)
    rows = breach_rows(breaches)
    if not rows:
        with pdf.table(col_widths=BREACH_SHARE, width=width, line_height=LINE,
                       text_align="CENTER", padding=PADDING) as table:
            table.row(BREACH_HEADER)
        pdf.cell(width, 6, NO_BREACH, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        return
    # Each cell wraps, never cut: the procedure's, the officer's and the department's
    # names and the officer's reason are read whole (they were cut with "…"). The head
    # is repeated on each page the list takes.
    with pdf.table(col_widths=BREACH_SHARE, width=width, line_height=LINE,
                   text_align="LEFT", padding=PADDING, v_align="TOP",
                   repeat_headings=1) as table:
        table.row(BREACH_HEADER)
        for row in rows:
            table.row([str(value) for value in row])
