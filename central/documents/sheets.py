"""Spreadsheets a Vietnamese Excel reads as numbers, and that cannot run a formula.

Every CSV and XLSX the hub hands out goes through here::

    csv_bytes([["Cơ quan", "Tỷ lệ (%)"], ["Sở Tư pháp", 83.33]])
    # UTF-8 with a BOM: 'Cơ quan;Tỷ lệ (%)\\r\\nSở Tư pháp;83,33\\r\\n'
    put(ws, 2, 3, 83.33, decimals=2)     # a numeric cell, number format '#,##0.00'
    put(ws, 2, 2, "=HYPERLINK(...)")     # a text cell: shown, never evaluated

CSV, as a Vietnamese Windows opens it by double-click: UTF-8 with a BOM (or
Excel guesses the ANSI code page and the diacritics break), ``;`` between
cells and ``,`` before decimals (the list and decimal separators of the vi-VN
regional settings; with ``,`` between cells Excel would split "83,33" in two,
and "83.33" would be read as a date or text), no thousands separator (a lone
``.`` is ambiguous), CRLF line ends. A reader with other regional settings
uses Data → From Text and says ";" and ",".

Formula injection (CWE-1236): a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is a formula to Excel or LibreOffice,
whoever typed it (a citizen's name, a procedure imported from a file). In CSV
such a cell gets a leading apostrophe (Excel shows the text as written); in
XLSX it is stored as a typed string, which no spreadsheet evaluates. Real
numbers, negative ones included, stay numbers: only text is touched.
"""

from __future__ import annotations

import csv
import io

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font

from .formats import DASH, number
from .letterhead import MOTTO, NATION, Letterhead

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = ";"


def neutral(text: str) -> str:
    """``text`` as a spreadsheet must show it: a leading apostrophe before what
    would start a formula. ``neutral("=1+1")`` → "'=1+1"; ``neutral("Sở")`` → "Sở"."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(value, decimals: int = 2) -> str:
    """One CSV cell: numbers with a decimal comma, None as '—', text neutralised."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value, decimals, group=False)
    return neutral(str(value))


def csv_bytes(rows, decimals: int = 2) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(c, decimals) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def number_format(decimals: int) -> str:
    """The XLSX number format (stored in Excel's invariant notation; Excel shows
    it with the reader's own separators, 83,33 in Vietnam)."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def put(ws, row: int, column: int, value, decimals: int = 0) -> Cell:
    """Write one XLSX cell: a number stays numeric (with a number format), text is
    always a string cell (openpyxl would store "=..." as a formula), None is '—'."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = DASH
        cell.data_type = "s"
    elif isinstance(value, bool) or not isinstance(value, int | float):
        cell.value = str(value)
        cell.data_type = "s"  # never "f", whatever the text starts with
    else:
        cell.value = value
        cell.number_format = number_format(decimals if isinstance(value, float) else 0)
    return cell


def append(ws, values: list) -> None:
    """``ws.append(values)`` with every text cell kept text (never a formula)."""
    ws.append(values)
    for cell in ws[ws._current_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _line(ws, row: int, first: int, last: int, text: str, font=None, height=None):
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = put(ws, row, first, text)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if font is not None:
        cell.font = font
    if height:
        ws.row_dimensions[row].height = height
    return cell


def official_heading(ws, head: Letterhead, day, width: int, split: int,
                     form: str = "") -> int:
    """The official heading block of a sheet, as the PDFs print it (:func:`.pdf.heading`):
    the governing body and the centre over columns 1..``split``, the national
    heading and motto over the rest, the place-and-date line (and the form's
    number, if any) under the motto. Returns the first row left free."""
    bold = Font(bold=True)
    _line(ws, 1, 1, split, head.governing_body.upper())
    _line(ws, 1, split + 1, width, NATION, bold)
    _line(ws, 2, 1, split, head.centre.upper(), bold, height=30)
    _line(ws, 2, split + 1, width, MOTTO, bold)
    _line(ws, 3, split + 1, width, head.date_line(day), Font(italic=True))
    if form:
        _line(ws, 4, split + 1, width, form, Font(italic=True, size=9))
    return 5


def title_lines(ws, row: int, width: int, title: str, subtitle: str = "") -> int:
    """The document's title (bold, larger) and a line under it; returns the next row."""
    _line(ws, row, 1, width, title, Font(bold=True, size=13))
    if subtitle:
        _line(ws, row + 1, 1, width, subtitle)
    return row + 2


def signature_rows(ws, row: int, signers, width: int, split: int) -> int:
    """Two signature blocks side by side (role in bold, the hint under it in
    italics), over columns 1..``split`` and the rest; returns the next row."""
    for (role, hint), (first, end) in zip(signers, ((1, split), (split + 1, width)),
                                          strict=True):
        _line(ws, row, first, end, role, Font(bold=True))
        _line(ws, row + 1, first, end, hint, Font(italic=True))
    return row + 2
