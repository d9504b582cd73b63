"""The catalog's file format: every field a centre can set, in JSON, CSV and XLSX.

One list, :data:`FIELDS`, names every field of a procedure record that the
hub reads (due dates, pauses, fees, statistics, the kiosk). Import refuses a
field not in it, export writes all of it, and the admin edit form is one
spreadsheet row shown as a form, so the three cannot drift apart::

    data = export_file(db, "xlsx")              # bytes of a workbook
    records, departments = importing.parse("catalog.xlsx", data)
    cells = row_cells(record)                   # one CSV/XLSX row as {column: text}
    record = importing.record_from_cells(cells)

A channel cell holds one channel a line,
``Trực tiếp | 3 | ngày làm việc | Lệ phí = 50000; Phí thẩm định = 20000 | ghi chú``
(channel and unit also as their codes, ``in_person`` and ``working_days``). A fee
charged for a period only carries it in brackets after the amount, both days
inclusive: ``Lệ phí = 25000 (01/07/2025–31/12/2026); Lệ phí = 50000 (từ 01/01/2027)``
(``(đến 31/12/2026)`` for an end alone).
Lists are one item a line (``;`` also separates items in a cell without a new line).

Inside a cell that holds several values (a list, a channel, a component, a source) a
value's own backslash, ``|``, ``;`` and line break are written ``\\\\``, ``\\|``,
``\\;`` and ``\\n``, so legal text pasted with them
reads back as it was (:func:`escape`, :func:`unescape`, :func:`split_cell`). A CSV cell
that starts with ``=``, ``+``, ``-``, ``@`` or ``'`` is written with a ``'`` before it, as
a spreadsheet's text prefix, and read back without it; an XLSX cell is text with
Excel's quote prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from motcua.search import fold

from .procedures import CHANNELS, TIME_UNITS

# field → (where it lives, what it is). "column" fields are columns of the
# procedures table; "detail" fields live in its ``details`` JSON.
FIELDS: dict[str, tuple[str, str]] = {
    "code": ("column", "Mã thủ tục (Cơ sở dữ liệu quốc gia)"),
    "name": ("column", "Tên thủ tục"),
    "field": ("column", "Lĩnh vực"),
    "department": ("column", "Mã cơ quan, đơn vị"),
    "level": ("column", "Cấp thực hiện"),
    "local_code": ("column", "Mã địa phương"),
    "service_code": ("column", "Mã dịch vụ hàng đợi"),
    "effective_from": ("column", "Hiệu lực từ ngày"),
    "effective_to": ("column", "Hiệu lực đến ngày"),
    "agencies": ("detail", "Cơ quan thực hiện"),
    "applicants": ("detail", "Đối tượng thực hiện"),
    "online_level": ("detail", "Mức dịch vụ công trực tuyến"),
    "channels": ("detail", "Thời hạn, phí, lệ phí theo cách nộp"),
    "steps": ("detail", "Trình tự thực hiện"),
    "components": ("detail", "Thành phần hồ sơ"),
    "conditions": ("detail", "Yêu cầu, điều kiện"),
    "results": ("detail", "Kết quả"),
    "legal_basis": ("detail", "Căn cứ pháp lý"),
    "decision": ("detail", "Quyết định công bố"),
    "sources": ("detail", "Nguồn đối chiếu từng phần"),
    "unconfirmed": ("detail", "Phần chưa xác nhận"),
    "supplement_restarts": ("detail", "Bổ sung hồ sơ thì tính lại thời hạn từ đầu"),
    "fees_pause_clock": ("detail", "Dừng tính thời hạn khi chờ nộp phí, thuế"),
    "withdrawn": ("detail", "Bãi bỏ, thay thế theo văn bản"),
    "replaced_by": ("detail", "Mã thủ tục thay thế"),
}
DETAIL_KEYS = tuple(k for k, (where, _) in FIELDS.items() if where == "detail")
FLAGS = ("supplement_restarts", "fees_pause_clock")
LISTS = ("agencies", "applicants", "steps", "conditions", "results", "legal_basis",
         "unconfirmed")
CHANNEL_KEYS = ("channel", "time_limit", "unit", "fees", "note")
# ``from``/``until``: the optional period a fee item is charged in (ISO dates, inclusive),
# as a circular that lowers a fee for a while (Thông tư 64/2025/TT-BTC) says it.
FEE_KEYS = ("name", "amount", "from", "until")
COMPONENT_KEYS = ("name", "originals", "copies", "form")
DECISION_KEYS = ("number", "date", "issuer", "url", "title")
# The text that withdraws a procedure (abolishes it, or publishes the one replacing it):
# a withdrawn record leaves every list a citizen or officer picks from (docs/catalog.md,
# "Withdrawing a procedure"); ``note`` says how the centre read it.
WITHDRAWN_KEYS = (*DECISION_KEYS, "note")
# One source a part (or several parts) was checked against: the text, where it was
# read, and the words that decide the value (docs/catalog.md, "Sources").
SOURCE_KEYS = ("parts", "title", "number", "date", "issuer", "article", "url", "quote", "note")

# CSV/XLSX columns, in order. The simple columns ``time_limit``, ``unit``,
# ``fee`` and ``online`` are accepted for hand-made sheets (one set of terms
# for every channel); an export writes the exact ``channels`` column instead.
COLUMNS = (
    "code", "name", "field", "department", "level", "local_code", "service_code",
    "effective_from", "effective_to", "online_level", "applicants", "agencies", "channels",
    "components", "steps", "conditions", "results", "legal_basis", "decision_number",
    "decision_date", "decision_issuer", "decision_url", "decision_title", "sources",
    "unconfirmed",
    "supplement_restarts", "fees_pause_clock",
    "withdrawn_number", "withdrawn_date", "withdrawn_issuer", "withdrawn_url",
    "withdrawn_title", "withdrawn_note", "replaced_by",
)
SIMPLE_COLUMNS = ("time_limit", "unit", "fee", "online")
KNOWN_COLUMNS = frozenset(COLUMNS) | frozenset(SIMPLE_COLUMNS)
YES = ("1", "x", "yes", "có", "co", "true")
# A cell starting with one of these is read as a formula by a spreadsheet (OWASP's "CSV
# injection"); ``'`` too, being the text prefix a CSV export writes before them.
FORMULA_STARTS = ("=", "+", "-", "@", "'")

_CHANNEL_WORDS = {fold(v): k for k, v in CHANNELS.items()}
_UNIT_WORDS = {fold(v): k for k, v in TIME_UNITS.items()}


def channel_code(text: str) -> str:
    """'Trực tiếp' or 'in_person' → 'in_person' (unknown text is returned as is)."""
    text = text.strip()
    return text if text in CHANNELS else _CHANNEL_WORDS.get(fold(text), text)


def unit_code(text: str) -> str:
    text = text.strip()
    return text if text in TIME_UNITS else _UNIT_WORDS.get(fold(text), text)


# --- one record as one row ----------------------------------------------------------

_ESCAPE = {"\\": "\\\\", "|": "\\|", ";": "\\;", "\n": "\\n"}
_UNESCAPE = {"\\": "\\", "|": "|", ";": ";", "n": "\n"}
_ESCAPED = re.compile(r"\\([\\|;n])")
_TABLES: dict[str, dict] = {}


def escape(value, separators: str = "|") -> str:
    r"""A value as it is written inside a many-valued cell: a backslash, a line break and
    each of ``separators`` behind a backslash::

        >>> escape("Điều 5 | khoản 2\nC:\\x")
        'Điều 5 \\| khoản 2\\nC:\\\\x'
        >>> unescape(escape("a|b; c\\d\ne", "|;"))
        'a|b; c\\d\ne'
    """
    table = _TABLES.get(separators)
    if table is None:
        table = _TABLES[separators] = str.maketrans(
            {ch: _ESCAPE[ch] for ch in _ESCAPE if ch in "\\\n" or ch in separators})
    return str(value).translate(table)


def unescape(text: str) -> str:
    """:func:`escape` undone; a backslash before any other character is kept as written."""
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], text)


def split_cell(text: str, separator: str) -> list[str]:
    """``text`` cut at each ``separator`` not escaped by a backslash (pieces still escaped)::

        >>> split_cell(r"a \\| b | c\\\\| d", "|")
        ['a \\\\| b ', ' c\\\\\\\\', ' d']
    """
    if "\\" not in text:  # nothing escaped: the usual cell
        return text.split(separator)
    pieces, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == separator:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return pieces


def _fields(line: str) -> list[str]:
    """One line of a many-valued cell: its ``|``-separated values, trimmed and unescaped."""
    return [unescape(b.strip()) for b in split_cell(line, "|")]


def _line(bits: list[str]) -> str:
    """Values joined by `` | `` (each escaped), the empty ones at the end left out."""
    bits = [escape(b) for b in bits]
    while bits and not bits[-1]:
        bits.pop()
    return " | ".join(bits)


def _list_cell(items: list) -> str:
    text = "\n".join(escape(i, "") for i in items)
    # A lone item with a ';' would be split on re-import; a new line says "lines only".
    return text + "\n" if len(items) == 1 and ";" in text else text


def _fee_cell(f: dict) -> str:
    """One fee item as ``name = amount``, its period after it in brackets:
    ``Lệ phí = 25000 (01/07/2025–31/12/2026)``, ``(từ 01/01/2027)``, ``(đến 31/12/2026)``."""
    text = f"{_fee_name(str(f.get('name', '')))} = {f.get('amount', 0)}"
    start, end = _day_cell(f.get("from")), _day_cell(f.get("until"))
    if start and end:
        return f"{text} ({start}–{end})"
    if start:
        return f"{text} (từ {start})"
    if end:
        return f"{text} (đến {end})"
    return text


def _fee_name(name: str) -> str:
    """A fee's name in its cell: its ``;`` as published ("(2.000 đồng/trang; từ trang thứ
    ba …)"), unless :func:`fee_items` would cut the name there; then written ``\\;``."""
    plain = escape(name, "|")
    pieces = split_cell(plain, ";")
    if any("=" in p or not p.strip() or isinstance(cell_number(p), int) for p in pieces[:-1]):
        return escape(name, "|;")
    return plain


def _day_cell(value) -> str:
    """'2026-12-31' → '31/12/2026' (a date that does not read is written as it is)."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _channel_line(c: dict) -> str:
    fees = "; ".join(_fee_cell(f) for f in c.get("fees", []))
    parts = [escape(CHANNELS.get(c.get("channel"), str(c.get("channel", "")))),
             "" if c.get("time_limit") is None else str(c["time_limit"]),
             escape(TIME_UNITS.get(c.get("unit"), str(c.get("unit") or ""))), fees,
             escape(str(c.get("note") or ""))]
    while parts and not parts[-1]:
        parts.pop()
    return " | ".join(parts)


def row_cells(record: dict) -> dict[str, str]:
    """A record (stored shape, details at top level) as {column: text}."""
    cells = {k: "" for k in COLUMNS}
    for key in ("code", "name", "field", "department", "level", "local_code",
                "service_code", "effective_from", "effective_to", "online_level"):
        value = record.get(key)
        cells[key] = "" if value is None else str(value)
    for key in LISTS:
        cells[key] = _list_cell(record.get(key) or [])
    cells["channels"] = "\n".join(_channel_line(c) for c in record.get("channels") or [])
    lines = [_line([c.get("name", ""), str(c.get("originals", 0)), str(c.get("copies", 0)),
                    c.get("form") or ""]) for c in record.get("components") or []]
    cells["components"] = "\n".join(lines) + (
        "\n" if len(lines) == 1 and ";" in lines[0] else "")
    decision = record.get("decision") or {}
    for key in DECISION_KEYS:
        cells[f"decision_{key}"] = "" if decision.get(key) is None else str(decision[key])
    cells["sources"] = "\n".join(source_line(s) for s in record.get("sources") or [])
    for key in FLAGS:
        cells[key] = "có" if record.get(key) else ""
    withdrawn = record.get("withdrawn") or {}
    for key in WITHDRAWN_KEYS:
        cells[f"withdrawn_{key}"] = "" if withdrawn.get(key) is None else str(withdrawn[key])
    cells["replaced_by"] = str(record.get("replaced_by") or "")
    return cells


def source_line(source: dict) -> str:
    """A source as one cell line: ``parts | title | number | date | issuer | article | url |
    quote | note`` (parts comma-separated, e.g. ``time_limit, fees``)."""
    bits = [", ".join(source.get("parts") or [])]
    bits += [str(source.get(k) or "") for k in SOURCE_KEYS[1:]]
    return _line(bits)


def parse_sources(cell: str) -> list:
    """The ``sources`` cell → source dicts (values left for the check to judge)."""
    out = []
    for line in str(cell).splitlines():
        if not line.strip():
            continue
        bits = _fields(line)
        if len(bits) > len(SOURCE_KEYS):  # a stray '|' is reported, not silently joined
            out.append({"_bad": line.strip()})
            continue
        bits += [""] * (len(SOURCE_KEYS) - len(bits))
        source = {"parts": [p.strip() for p in bits[0].split(",") if p.strip()]}
        source.update({k: v for k, v in zip(SOURCE_KEYS[1:], bits[1:], strict=True) if v})
        out.append(source)
    return out


def parse_channels(cell: str) -> list:
    """The ``channels`` cell → channel dicts (values left for the check to judge)."""
    out = []
    for line in str(cell).splitlines():
        if not line.strip():
            continue
        raw = [b.strip() for b in split_cell(line, "|")]
        bits = [unescape(b) for b in raw]
        bits += [""] * (5 - len(bits))
        fees = []
        for item in fee_items(raw[3] if len(raw) > 3 else ""):
            name, _, amount = item.rpartition("=")
            fees.append({"name": unescape(name.strip()) if name else "Lệ phí",
                         **parse_fee_amount(amount)})
        channel = {"channel": channel_code(bits[0]), "time_limit": cell_number(bits[1]),
                   "unit": unit_code(bits[2]), "fees": fees}
        if bits[4] or len(bits) > 5:
            channel["note"] = " | ".join(bits[4:]).strip()
        out.append(channel)
    return out


def fee_items(text: str) -> list[str]:
    """A channel's fees cell → its ``name = amount`` items.

    Items are separated by ``;``, but a fee's name may hold one itself, as the
    published texts write them ("Phí chứng thực (2.000 đồng/trang; từ trang thứ
    ba 1.000 đồng/trang) = 2000"): a piece with no ``=`` that is not a bare
    amount belongs to the next piece's name::

        >>> fee_items("Phí A (x; y) = 2000; Lệ phí = 0")
        ['Phí A (x; y) = 2000', 'Lệ phí = 0']
        >>> fee_items("50000")
        ['50000']
    """
    items, held = [], ""
    for piece in split_cell(text, ";"):  # a ';' written ``\\;`` is a name's own
        held = f"{held};{piece}" if held else piece
        if "=" in held or isinstance(cell_number(held), int):
            if held.strip():
                items.append(held.strip())
            held = ""
    if held.strip():  # a name with no amount: the check says what was there
        items.append(held.strip())
    return items


# "25000 (01/07/2025–31/12/2026)", "25000 (từ 01/07/2025)", "50000 (đến 31/12/2026)"
_PERIOD = re.compile(r"^(?P<amount>[^()]*?)\s*\((?P<period>[^()]*)\)\s*$")
_DAY = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"  # 31/12/2026 or 2026-12-31 (checked later)
_SPAN = re.compile(rf"^(?:từ\s+)?(?P<start>{_DAY})\s*(?:–|—|-|đến)\s*(?P<end>{_DAY})$",
                   re.IGNORECASE)
_FROM = re.compile(rf"^từ\s+(?:ngày\s+)?(?P<start>{_DAY})$", re.IGNORECASE)
_UNTIL = re.compile(rf"^đến\s+(?:hết\s+)?(?:ngày\s+)?(?P<end>{_DAY})$", re.IGNORECASE)


def parse_fee_amount(text: str) -> dict:
    """The part of a fee item after ``=``: its amount and optional period::

        >>> parse_fee_amount(" 25000 (01/07/2025–31/12/2026)")
        {'amount': 25000, 'from': '2025-07-01', 'until': '2026-12-31'}
        >>> parse_fee_amount("50000 (từ 01/01/2027)"), parse_fee_amount("50.000")
        ({'amount': 50000, 'from': '2027-01-01'}, {'amount': 50000})

    A date that does not read is kept as written, for the check to name it.
    """
    match = _PERIOD.match(str(text).strip())
    if match:
        period = match.group("period").strip()
        for pattern in (_SPAN, _FROM, _UNTIL):
            found = pattern.match(period)
            if found:
                out = {"amount": cell_number(match.group("amount"))}
                days = found.groupdict()
                if days.get("start"):
                    out["from"] = day_value(days["start"])
                if days.get("end"):
                    out["until"] = day_value(days["end"])
                return out
    return {"amount": cell_number(text)}


def day_value(text: str) -> str:
    """'31/12/2026' or '2026-12-31' → '2026-12-31'; anything else is returned as written."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = map(int, text.split("/"))
            return dt.date(year, month, day).isoformat()
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return text


def cell_number(value):
    """An integer from a cell, or the text itself (so the check can say what was there)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(".", "").replace(",", "").replace(" ", "")
    return int(text) if re.fullmatch(r"-?\d+", text) else str(value).strip()


# --- files --------------------------------------------------------------------------


def records(db) -> tuple[list[dict], list[dict]]:
    """Every current procedure as a record (details at top level), and the departments."""
    deps = list(db.query("select id, code, name, short_name, own_desk from departments "
                         "order by sort_order, name"))
    codes = {d["id"]: d["code"] for d in deps}
    out = []
    for row in db.query("select * from procedures where current = 1 order by code"):
        details = json.loads(row["details"] or "{}")
        record = {k: row[k] for k in ("code", "name", "field", "level", "local_code",
                                      "service_code", "effective_from", "effective_to")}
        record["department"] = codes.get(row["department_id"])
        record.update({k: details[k] for k in DETAIL_KEYS if k in details})
        out.append({k: v for k, v in record.items() if v is not None})
    others: dict[int, list[str]] = {}
    for code, i in db.execute("select code, department_id from department_codes order by code"):
        others.setdefault(i, []).append(code)
    departments = [{"code": d["code"], "name": d["name"],
                    **({"short_name": d["short_name"]} if d["short_name"] else {}),
                    **({"own_desk": True} if d["own_desk"] else {}),
                    **({"other_codes": others[d["id"]]} if d["id"] in others else {})}
                   for d in deps]
    return out, departments


def export_file(db, kind: str) -> bytes:
    """The current catalog as a ``json``, ``csv`` or ``xlsx`` file that imports back unchanged."""
    items, departments = records(db)
    if kind == "json":
        return json.dumps({"departments": departments, "procedures": items},
                          ensure_ascii=False, indent=1).encode()
    rows = [list(COLUMNS)] + [[cells[c] for c in COLUMNS]
                              for cells in map(row_cells, items)]  # once a record
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(
            [[f"'{v}" if v.startswith(FORMULA_STARTS) else v for v in row] for row in rows])
        return ("\ufeff" + out.getvalue()).encode()  # Excel opens UTF-8 with a BOM
    if kind == "xlsx":
        import openpyxl  # lazy: a spreadsheet library, loaded on the first export

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Thủ tục"
        for row in rows:
            sheet.append(row)
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"  # text, never a formula (a cell is data)
                    cell.quotePrefix = True  # and kept text when someone edits it in Excel
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(f"unknown export kind {kind!r}")
