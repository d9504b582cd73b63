"""Reading and checking a catalog file (JSON, CSV, XLSX) before anything is written.

An import is checked in full first. Every problem is reported with where it
is (row: the procedure's position in a JSON list, or the sheet/CSV line) and
which field, in Vietnamese, and the catalog is left as it was::

    records, departments = parse("catalog.xlsx", data)
    problems = check(records, known_departments={"STP", "SXD"})
    if problems:
        raise ImportRefused(problems)

JSON follows the record shape of :mod:`central.catalog.procedures` (``code``, ``name``,
``field``, ``department``, ``level`` and the ``details`` keys at top level);
the national procedure database's names are accepted as aliases (``MaTTHC``,
``TenTTHC``, ``LinhVuc``, ``CapThucHien``, ``CoQuanThucHien``, ``ThanhPhanHoSo``,
``TrinhTuThucHien``, ``YeuCauDieuKien``, ``KetQuaThucHien``, ``CanCuPhapLy``).

CSV and XLSX have one procedure per row with the columns of :data:`COLUMNS`;
lists are separated by ``;`` or new lines, a component is
``name | originals | copies | form``; a value's own ``|``, ``;``, backslash or line
break is escaped inside such a cell (:func:`.file_format.escape`), and a CSV cell's
leading ``'`` (the text prefix an export writes before ``=``, ``+``, ``-``, ``@``) is
dropped.

A text no file format can carry (a control character other than tab and line breaks,
a lone surrogate: XLSX cannot store them) is refused by its field and row.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass

from motcua.public_terms import PARTS
from motcua.search import fold
from motcua.text import nfc as text_nfc

from ..documents import uploads
from ..documents.uploads import MAX_ROWS, BadFile, load_json
from .file_format import (
    CHANNEL_KEYS,
    COLUMNS,
    COMPONENT_KEYS,
    DECISION_KEYS,
    DETAIL_KEYS,
    FEE_KEYS,
    FIELDS,
    FLAGS,
    KNOWN_COLUMNS,
    LISTS,
    SOURCE_KEYS,
    WITHDRAWN_KEYS,
    YES,
    cell_number,
    parse_channels,
    parse_sources,
    split_cell,
    unescape,
)
from .procedures import CHANNELS, LEVELS, TIME_UNITS

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
ONLINE_LEVELS = ("full", "partial", "info")
APPLICANTS = ("citizen", "business", "organisation")
LIST_FIELDS = ("agencies", "steps", "conditions", "results", "legal_basis", "unconfirmed")
__all__ = ["COLUMNS", "ImportRefused", "Problem", "check", "normalise", "parse",
           "record_from_cells"]
ALIASES = {
    "MaTTHC": "code", "TenTTHC": "name", "LinhVuc": "field", "CapThucHien": "level",
    "CoQuanThucHien": "agencies", "ThanhPhanHoSo": "components",
    "TrinhTuThucHien": "steps", "YeuCauDieuKien": "conditions",
    "KetQuaThucHien": "results", "CanCuPhapLy": "legal_basis",
    "DoiTuongThucHien": "applicants", "MaDonVi": "department",
}
LEVEL_WORDS = {"cap tinh": "province", "cap huyen": "district", "cap xa": "commune",
               "tinh": "province", "huyen": "district", "xa": "commune"}
# Read-only keys of this hub's own exports over the bus (catalog_fetch pages).
EXPORT_ONLY = frozenset({"version", "department_name", "details"})


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}, trường “{self.field}”: {self.message}"


class ImportRefused(Exception):
    """The file was not imported; ``problems`` says each reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def nfc(value):
    """Every text inside ``value`` (a record, its lists and dicts) as :func:`motcua.text.nfc`,
    its line breaks ``\\n`` (XLSX, being XML, keeps no ``\\r``: one form in every format)."""
    if isinstance(value, str):
        return text_nfc(value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    return value


# --- Reading ------------------------------------------------------------------

def parse(filename: str, data: bytes) -> tuple[list[tuple[int, dict]], list[dict]]:
    """``[(row, record)]`` and the departments a file carries; ImportRefused if unreadable."""
    name = filename.lower()
    try:
        if name.endswith(".json"):
            return _parse_json(data)
        if name.endswith(".csv"):
            text = data.decode("utf-8-sig")
            return _parse_rows([[_unprefixed(v) for v in row]
                                for row in uploads.csv_rows(text)]), []
        if name.endswith(".xlsx"):
            uploads.check_xlsx(data)
            return _parse_rows(_xlsx_rows(data)), []
    except uploads.BadFile as bad:
        raise ImportRefused([Problem(0, "tệp", bad.message)]) from None
    except UnicodeDecodeError:
        raise ImportRefused([Problem(0, "tệp", "tệp không phải văn bản UTF-8")]) from None
    except json.JSONDecodeError as exc:
        raise ImportRefused([Problem(exc.lineno, "tệp",
                                     f"JSON không hợp lệ ({exc.msg}, cột {exc.colno})")]) from None
    raise ImportRefused([Problem(0, "tệp", "chỉ nhận tệp .json, .csv hoặc .xlsx")])


def _unprefixed(cell: str) -> str:
    """A CSV cell without the ``'`` a spreadsheet (and our export) writes before a text that
    would otherwise read as a formula (``'=…``, ``'+…``, ``'-…``, ``'@…``, ``''…``)."""
    return cell[1:] if cell.startswith("'") else cell


def _xlsx_rows(data: bytes) -> list[list]:
    import openpyxl  # lazy: a spreadsheet library, loaded on the first import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRefused([Problem(0, "tệp", "không đọc được tệp Excel (.xlsx)")]) from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else v for v in row])
        if len(rows) > MAX_ROWS:
            raise BadFile(f"Tệp có quá {MAX_ROWS:,} dòng.".replace(",", "."))
    return rows


def _parse_json(data: bytes):
    doc = load_json(data.decode("utf-8-sig"))
    departments = []
    if isinstance(doc, dict):
        departments = doc.get("departments") or []
        doc = doc.get("procedures")
    if not isinstance(doc, list):
        raise ImportRefused([Problem(0, "procedures", "cần một danh sách thủ tục")])
    records = []
    for i, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            records.append((i, {"_not_object": True}))
            continue
        record = {ALIASES.get(k, k): v for k, v in item.items()}
        if isinstance(record.get("details"), dict):  # an export of this hub's rows
            record = {**record.pop("details"), **record}
        records.append((i, nfc(record)))
    return records, nfc(departments if isinstance(departments, list) else [])


def _split(cell) -> list[str]:
    """A list cell: one item a line; without a new line, ``;`` separates items (an
    item's own ``;`` then written ``\\;``). The items are still escaped."""
    text = "" if cell is None else str(cell)
    parts = text.split("\n") if "\n" in text else split_cell(text, ";")
    return [part.strip() for part in parts if part.strip()]


def _parse_rows(rows: list[list]) -> list[tuple[int, dict]]:
    if not rows:
        raise ImportRefused([Problem(1, "tệp", "tệp trống")])
    header = [str(h or "").strip() for h in rows[0]]
    header = [ALIASES.get(h, h) for h in header]
    unknown = [h for h in header if h and h not in KNOWN_COLUMNS]
    if unknown:
        raise ImportRefused([Problem(1, h, "cột này không có trong danh mục; các cột hợp lệ: "
                                     + ", ".join(COLUMNS)) for h in unknown])
    missing = [c for c in ("code", "name", "field", "level") if c not in header]
    if missing:
        raise ImportRefused([Problem(1, c, "thiếu cột này ở dòng tiêu đề") for c in missing])
    records = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {h: ("" if i >= len(row) or row[i] is None else row[i])
                 for i, h in enumerate(header)}
        if not any(str(v).strip() for v in cells.values()):
            continue
        records.append((line, nfc(record_from_cells(cells))))
    return records


def _text_cells(c: dict, name: str, keys) -> dict:
    """A text named in ``{name}_{key}`` columns (``decision_number``, ``withdrawn_date``…)
    as a dict of its non-empty cells; a spreadsheet's date cell reads as YYYY-MM-DD."""
    out = {}
    for key in keys:
        value = c.get(f"{name}_{key}", "")
        if isinstance(value, dt.datetime | dt.date):
            value = value.strftime("%Y-%m-%d")
        if str(value).strip():
            out[key] = str(value).strip()
    return out


def record_from_cells(c: dict) -> dict:
    """One CSV/XLSX row (or the admin edit form) as a record, unchecked."""
    record = {k: str(c.get(k, "")).strip() for k in ("code", "name", "field", "department",
                                                       "level", "local_code", "service_code",
                                                       "online_level", "effective_from",
                                                       "effective_to", "replaced_by")}
    record = {k: v for k, v in record.items() if v != "" or k in ("code", "name", "field",
                                                                  "level")}
    for key in ("agencies", "steps", "conditions", "results", "legal_basis", "unconfirmed",
                "applicants"):
        if str(c.get(key, "")).strip():
            record[key] = [unescape(item) for item in _split(c[key])]
    fee = c.get("fee", "")
    fees = [{"name": "Lệ phí", "amount": cell_number(fee)}] if str(fee).strip() else []
    if str(c.get("channels", "")).strip():
        record["channels"] = parse_channels(c["channels"])
    elif str(c.get("time_limit", "")).strip() or str(c.get("unit", "")).strip():
        terms = {"time_limit": cell_number(c.get("time_limit", "")),
                 "unit": str(c.get("unit", "")).strip(), "fees": fees}
        channels = [{"channel": "in_person", **terms}]
        if str(c.get("online", "")).strip().lower() in ("1", "x", "yes", "có", "true"):
            channels.append({"channel": "online", **terms})
        record["channels"] = channels
    components = []
    for part in _split(c.get("components", "")):
        bits = [unescape(b.strip()) for b in split_cell(part, "|")]
        comp = {"name": bits[0], "originals": cell_number(bits[1]) if len(bits) > 1 else 1,
                "copies": cell_number(bits[2]) if len(bits) > 2 else 0}
        if len(bits) > 3 and bits[3]:
            comp["form"] = bits[3]
        components.append(comp)
    if components:
        record["components"] = components
    for name, keys in (("decision", DECISION_KEYS), ("withdrawn", WITHDRAWN_KEYS)):
        text = _text_cells(c, name, keys)
        if text:
            record[name] = text
    if str(c.get("sources", "")).strip():
        record["sources"] = parse_sources(c["sources"])
    for key in ("effective_from", "effective_to"):
        if isinstance(c.get(key), dt.datetime | dt.date):
            record[key] = c[key].strftime("%Y-%m-%d")
    for key in FLAGS:
        if str(c.get(key, "")).strip():
            flag = str(c[key]).strip().lower()
            record[key] = True if flag in YES else False if flag in ("0", "không", "khong",
                                                                     "no", "false") else flag
    return record


# --- Checking -----------------------------------------------------------------

def _level(value) -> str | None:
    if value in LEVELS:
        return value
    return LEVEL_WORDS.get(fold(str(value or "")).strip())


def check(records: list[tuple[int, dict]], known_departments: set[str]) -> list[Problem]:
    """Every problem of every record (empty list: the file may be imported)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}

    def bad(row, field, message):
        problems.append(Problem(row, field, message))

    for row, r in records:
        if r.get("_not_object"):
            bad(row, "thủ tục", "cần một đối tượng JSON")
            continue
        for key in r:
            if key not in FIELDS and key not in EXPORT_ONLY:
                bad(row, key, "trường này không có trong danh mục thủ tục, tệp không được "
                              "nhập; các trường hợp lệ: " + ", ".join(FIELDS))
        for key in FLAGS:
            if key in r and not isinstance(r[key], bool):
                bad(row, key, f"cần “có” hoặc “không” (true/false), nhận được “{r[key]}”")
        _check_decision(row, r.get("decision"), bad)
        _check_withdrawn(row, r, bad)
        _check_sources(row, r.get("sources"), bad)
        _check_characters(row, "", r, bad)
        code = r.get("code")
        if not isinstance(code, str) or not code:
            bad(row, "code", "thiếu mã thủ tục")
        elif not CODE_PATTERN.match(code):
            bad(row, "code", f"mã “{code}” chỉ được gồm chữ, số, dấu chấm, gạch (tối đa 40 ký tự)")
        elif code in seen:
            bad(row, "code", f"mã “{code}” trùng với dòng {seen[code]}")
        else:
            seen[code] = row
        for key in ("name", "field"):
            value = r.get(key)
            if not isinstance(value, str) or not value:
                bad(row, key, "bắt buộc, không được để trống")
            elif len(value) > 500:
                bad(row, key, "dài quá 500 ký tự")
        if _level(r.get("level")) is None:
            bad(row, "level", f"cấp “{r.get('level', '')}” không hợp lệ; dùng province, "
                              "district hoặc commune (Cấp tỉnh, Cấp huyện, Cấp xã)")
        department = r.get("department")
        if department not in (None, "") and department not in known_departments:
            bad(row, "department", f"không có đơn vị mã “{department}”")
        if r.get("online_level", "partial") not in ONLINE_LEVELS:
            bad(row, "online_level", f"“{r['online_level']}” không hợp lệ; dùng full, partial "
                                     "hoặc info")
        applicants = r.get("applicants", [])
        if not isinstance(applicants, list) or any(a not in APPLICANTS for a in applicants):
            bad(row, "applicants", "chỉ gồm citizen, business, organisation")
        for key in LIST_FIELDS:
            value = r.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                bad(row, key, "cần một danh sách văn bản")
        # A part the rule does not know would be "unconfirmed" on paper and shown to
        # citizens all the same ("agencies" was, before it became a part).
        listed = r.get("unconfirmed", [])
        for part in listed if isinstance(listed, list) else []:
            if isinstance(part, str) and part not in PARTS:
                bad(row, "unconfirmed", f"“{part}” không phải một phần của thủ tục; các phần "
                                        "có thể chưa xác nhận: " + ", ".join(PARTS))
        for key in ("effective_from", "effective_to"):
            value = r.get(key)
            if value not in (None, ""):
                _check_date(row, key, str(value), bad)
        _check_channels(row, r.get("channels", []), bad)
        _check_components(row, r.get("components", []), bad)
    # The same mistake on two channels of one row is one message.
    return list(dict.fromkeys(problems))


def _check_channels(row, channels, bad) -> None:
    if not isinstance(channels, list):
        bad(row, "channels", "cần một danh sách cách nộp hồ sơ")
        return
    for i, c in enumerate(channels, start=1):
        where = f"channels[{i}]"
        if not isinstance(c, dict):
            bad(row, where, "cần một đối tượng")
            continue
        _unknown_keys(row, where, c, CHANNEL_KEYS, bad)
        if c.get("channel") not in CHANNELS:
            bad(row, f"{where}.channel", f"“{c.get('channel')}” không hợp lệ; dùng "
                                         + ", ".join(CHANNELS))
        limit = c.get("time_limit")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            bad(row, "time_limit", f"thời hạn phải là số nguyên không âm, nhận được “{limit}”")
        if c.get("unit") not in TIME_UNITS:
            bad(row, "unit", f"đơn vị thời hạn “{c.get('unit')}” không hợp lệ; dùng "
                             + ", ".join(TIME_UNITS))
        fees = c.get("fees", []) if isinstance(c.get("fees", []), list) else [None]
        for n, fee in enumerate(fees, start=1):
            amount = fee.get("amount") if isinstance(fee, dict) else fee
            if isinstance(fee, dict):
                _unknown_keys(row, f"{where}.fees[{n}]", fee, FEE_KEYS, bad)
                _check_fee_period(row, f"{where}.fees[{n}]", fee, bad)
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                bad(row, "fee", f"phí, lệ phí phải là số đồng nguyên không âm, nhận được "
                                f"“{amount}”")


def _check_fee_period(row, where: str, fee: dict, bad) -> None:
    """A fee item's ``from``/``until``: ISO dates (inclusive), the first not after the last."""
    days = {}
    for key, what in (("from", "áp dụng từ ngày"), ("until", "áp dụng đến hết ngày")):
        value = fee.get(key)
        if value in (None, ""):
            continue
        try:
            days[key] = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            days[key] = None
        if days[key] is None:
            bad(row, f"{where}.{key}", f"ngày {what} “{value}” của khoản phí “"
                                      f"{fee.get('name', '')}” không hợp lệ; dùng YYYY-MM-DD "
                                      "(trong ô: DD/MM/YYYY)")
    if days.get("from") and days.get("until") and days["from"] > days["until"]:
        bad(row, f"{where}.from", f"khoản phí “{fee.get('name', '')}”: ngày áp dụng từ "
                                  f"{days['from']:%d/%m/%Y} sau ngày áp dụng đến hết "
                                  f"{days['until']:%d/%m/%Y}")


def _check_components(row, components, bad) -> None:
    if not isinstance(components, list):
        bad(row, "components", "cần một danh sách thành phần hồ sơ")
        return
    for i, comp in enumerate(components, start=1):
        where = f"components[{i}]"
        if not isinstance(comp, dict) or not isinstance(comp.get("name"), str) \
                or not comp.get("name"):
            bad(row, where, "thành phần hồ sơ cần có tên")
            continue
        _unknown_keys(row, where, comp, COMPONENT_KEYS, bad)
        for key in ("originals", "copies"):
            n = comp.get(key, 0)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                bad(row, f"{where}.{key}", f"số bản phải là số nguyên không âm, nhận được “{n}”")


def _unknown_keys(row, where, item: dict, known, bad) -> None:
    for key in item:
        if key not in known:
            bad(row, f"{where}.{key}", "trường này không có trong danh mục thủ tục; dùng "
                                       + ", ".join(known))


def _check_decision(row, decision, bad) -> None:
    if decision is None:
        return
    if not isinstance(decision, dict):
        bad(row, "decision", "cần một đối tượng: number, date, issuer, url")
        return
    _check_text(row, "decision", decision, DECISION_KEYS, bad)


def _check_text(row, name: str, text: dict, keys, bad) -> None:
    """A text's fields (``decision``, ``withdrawn``): known keys, strings, an ISO date."""
    _unknown_keys(row, name, text, keys, bad)
    for key in keys:
        if text.get(key) is not None and not isinstance(text[key], str):
            bad(row, f"{name}.{key}", "cần một chuỗi văn bản")
    _check_date(row, f"{name}.date", text.get("date"), bad)


def _check_date(row, where: str, value, bad) -> None:
    """A text's date: an ISO date (YYYY-MM-DD) when it is a string that says anything
    (other values are refused as not strings where strings are wanted)."""
    if isinstance(value, str) and value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            bad(row, where, f"ngày “{value}” không đúng dạng YYYY-MM-DD")


def _check_withdrawn(row, r: dict, bad) -> None:
    """``withdrawn`` names the text (number and date at least); ``replaced_by`` a code."""
    withdrawn, replaced_by = r.get("withdrawn"), r.get("replaced_by")
    if withdrawn is not None:
        if not isinstance(withdrawn, dict):
            bad(row, "withdrawn", "cần một đối tượng: " + ", ".join(WITHDRAWN_KEYS))
        else:
            for key, what in (("number", "số hiệu"), ("date", "ngày")):
                if not str(withdrawn.get(key) or "").strip():
                    bad(row, f"withdrawn.{key}", f"bãi bỏ, thay thế thủ tục: cần {what} của "
                                                 "văn bản quyết định việc này")
            _check_text(row, "withdrawn", withdrawn, WITHDRAWN_KEYS, bad)
    if replaced_by not in (None, ""):
        if not isinstance(replaced_by, str) or not CODE_PATTERN.match(replaced_by):
            bad(row, "replaced_by", f"mã thủ tục thay thế “{replaced_by}” không hợp lệ")
        elif replaced_by == r.get("code"):
            bad(row, "replaced_by", "thủ tục không thể thay thế chính nó")
        elif not withdrawn:
            bad(row, "replaced_by", "cần văn bản bãi bỏ, thay thế (withdrawn) của thủ tục cũ")


def _check_sources(row, sources, bad) -> None:
    if sources is None:
        return
    if not isinstance(sources, list):
        bad(row, "sources", "cần một danh sách nguồn: parts, number, date, issuer, url, quote")
        return
    for i, source in enumerate(sources, start=1):
        where = f"sources[{i}]"
        if isinstance(source, dict) and "_bad" in source:
            bad(row, where, f"dòng “{source['_bad']}” có quá nhiều dấu “|”; mỗi dòng: phần | "
                            "tên văn bản | số | ngày | cơ quan | điều | URL | trích dẫn | ghi chú"
                            " (dấu “|” trong một giá trị viết là “\\|”)")
            continue
        if not isinstance(source, dict):
            bad(row, where, "cần một đối tượng: parts, number, date, issuer, url, quote")
            continue
        _unknown_keys(row, where, source, SOURCE_KEYS, bad)
        parts = source.get("parts")
        if not isinstance(parts, list) or not parts or any(p not in PARTS for p in parts):
            bad(row, f"{where}.parts", "cần ít nhất một phần trong: " + ", ".join(PARTS))
        for key in SOURCE_KEYS[1:]:
            value = source.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                bad(row, f"{where}.{key}", "cần một chuỗi văn bản")
        if not str(source.get("number") or "").strip():
            bad(row, f"{where}.number", "thiếu số hiệu văn bản")
        _check_date(row, f"{where}.date", source.get("date"), bad)


# What XML 1.0 (so XLSX) cannot hold: C0 controls but tab and line breaks, lone surrogates,
# U+FFFE and U+FFFF. JSON and CSV could, but a catalog must export to every format.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _check_characters(row, where: str, value, bad) -> None:
    """Every text of a record, nested ones by their place (``sources[1].quote``)."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found:
            bad(row, where, f"chứa ký tự không in được U+{ord(found.group()):04X}, không lưu "
                            "được trong tệp Excel (thường do dán từ phần mềm khác); hãy xóa ký "
                            "tự này rồi nhập lại")
    elif isinstance(value, list):
        for i, item in enumerate(value, start=1):
            _check_characters(row, f"{where}[{i}]", item, bad)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_characters(row, f"{where}.{key}" if where else str(key), item, bad)


def normalise(record: dict) -> dict:
    """A checked record in the stored shape: columns plus the ``details`` JSON."""
    details = {k: record[k] for k in DETAIL_KEYS if k in record}
    for key in FLAGS:  # a flag is stored only when set: one shape for "off"
        if not details.get(key):
            details.pop(key, None)
    if isinstance(details.get("decision"), dict):  # empty parts say nothing
        details["decision"] = {k: v for k, v in details["decision"].items() if v}
    if not details.get("sources"):
        details.pop("sources", None)
    if isinstance(details.get("withdrawn"), dict):
        details["withdrawn"] = {k: v for k, v in details["withdrawn"].items() if v}
    for key in ("withdrawn", "replaced_by"):  # stored only when set: one shape for "in force"
        if not details.get(key):
            details.pop(key, None)
    details.setdefault("channels", [])
    details.setdefault("components", [])
    return {**_columns(record), "details": canonical(details)}


def canonical(details: dict) -> dict:
    """One stored shape for "nothing said": an empty list or channel note is left out.

    A sheet cannot tell an empty list from a missing one, so without this a
    catalog exported to CSV or XLSX and read back would publish a new version
    of every record that had an empty ``conditions`` or note::

        >>> canonical({"steps": [], "channels": [{"channel": "post", "note": ""}]})
        {'channels': [{'channel': 'post'}], 'unconfirmed': []}
    """
    out = {k: v for k, v in details.items()
           if not (k in LISTS and k != "unconfirmed" and v == [])}
    # ...but "nothing unconfirmed" is said, not implied by a missing list.
    out.setdefault("unconfirmed", [])
    if isinstance(out.get("channels"), list):
        out["channels"] = [{k: _fees(v) if k == "fees" else v for k, v in c.items()
                            if not (k == "note" and v == "")}
                           if isinstance(c, dict) else c for c in out["channels"]]
    return out


def _fees(fees):
    """A fee item with no period says so by leaving ``from``/``until`` out."""
    if not isinstance(fees, list):
        return fees
    return [{k: v for k, v in f.items() if not (k in ("from", "until") and v in (None, ""))}
            if isinstance(f, dict) else f for f in fees]


def _columns(record: dict) -> dict:
    return {
        "code": record["code"],
        "local_code": record.get("local_code") or None,
        "name": record["name"],
        "field": record["field"],
        "department": record.get("department") or None,
        "level": _level(record["level"]),
        "service_code": record.get("service_code") or None,
        "effective_from": record.get("effective_from") or None,
        "effective_to": record.get("effective_to") or None,
    }
