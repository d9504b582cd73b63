"""Reading files people upload (catalog imports, the queue setup) without being hurt.

A file from an admin's computer can be broken or built to hurt: JSON nested
100,000 deep (Python's parser recurses: RecursionError, an HTTP 500), a CSV
cell of megabytes, an XLSX that unzips to gigabytes. Each reader here refuses
such a file with :class:`BadFile`, whose message is Vietnamese and says what
to fix, before the parser runs::

    try:
        doc = uploads.load_json(text)
    except uploads.BadFile as bad:
        ... 400, bad.message
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import zipfile

# Catalogue records and setup files nest a few levels; 32 leaves room for any
# honest file and stays far below Python's recursion limit.
MAX_DEPTH = 32
MAX_ROWS = 200_000
MAX_CELL = 100_000  # characters in one CSV cell
MAX_XLSX_UNZIPPED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 200  # a real workbook compresses ~5-20 times; a bomb thousands
MAX_XLSX_MEMBERS = 2_000

# (Unrolled loops: a 30 MB string is scanned in well under a second.)
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_TOML_STRING = re.compile(
    r'"""(?:[^\\]|\\.)*?"""'  # multi-line basic string
    r"|'''.*?'''"  # multi-line literal string
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*",  # comment
    re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


class BadFile(ValueError):
    """The file cannot be taken; ``message`` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def nesting(text: str, strings: re.Pattern = _JSON_STRING) -> int:
    """How deep ``[`` and ``{`` nest in ``text``, outside strings (and comments)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(strings.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_depth(text: str, strings: re.Pattern) -> None:
    if nesting(text, strings) > MAX_DEPTH:
        raise BadFile(f"Tệp lồng nhau quá sâu (quá {MAX_DEPTH} cấp ngoặc): đây không phải "
                      "tệp xuất từ danh mục hay tệp cấu hình hợp lệ.")


def load_json(text: str):
    """``json.loads`` for an upload: BadFile when too deep or invalid."""
    _check_depth(text, _JSON_STRING)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadFile(f"JSON không hợp lệ (dòng {exc.lineno}, cột {exc.colno}: "
                      f"{exc.msg}).") from None
    except RecursionError:  # a backstop: the depth check should have caught it
        raise BadFile("Tệp lồng nhau quá sâu.") from None


def load_toml(text: str) -> dict:
    """``tomllib.loads`` for an upload: BadFile when too deep or invalid."""
    _check_depth(text, _TOML_STRING)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadFile(f"TOML không hợp lệ: {exc}.") from None
    except RecursionError:
        raise BadFile("Tệp lồng nhau quá sâu.") from None


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV upload: BadFile for a huge cell, too many rows, a broken file."""
    rows = []
    old = csv.field_size_limit(MAX_CELL)
    try:
        for row in csv.reader(io.StringIO(text)):
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise BadFile(f"Tệp có quá {MAX_ROWS:,} dòng.".replace(",", "."))
    except csv.Error as exc:
        raise BadFile(f"Tệp CSV hỏng ở dòng {len(rows) + 1}: một ô dài quá "
                      f"{MAX_CELL:,} ký tự hoặc dấu ngoặc kép không đóng ({exc}).".replace(
                          ",", ".", 1)) from None
    finally:
        csv.field_size_limit(old)
    return rows


def check_xlsx(data: bytes) -> None:
    """Refuse an XLSX that is not a zip, or that would unzip to far more than it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadFile("không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không phải .xlsx") \
            from None
    unzipped = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if (len(members) > MAX_XLSX_MEMBERS or unzipped > MAX_XLSX_UNZIPPED
            or unzipped / packed > MAX_XLSX_RATIO):
        raise BadFile("Tệp Excel (.xlsx) giải nén ra quá lớn "
                      f"({unzipped // (1024 * 1024):,} MB): hãy chia nhỏ tệp hoặc dùng CSV."
                      .replace(",", "."))
