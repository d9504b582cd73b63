"""Fees (phí, lệ phí): what the officer collected, counted to the đồng.

A procedure's fee items per channel come from the catalog
(``details.channels[].fees``, see :mod:`central.catalog.procedures`). At reception or
at the return of the result the officer records what was actually collected,
one entry per receipt: the item, the amount in đồng (an integer, never a
float, never negative), cash or transfer, and the receipt number. An
exemption and a refund are entries of their own; nothing is ever edited or
deleted (the database refuses it), so the day's closing sheet can always be
rebuilt from the entries::

    items = fees.items_for(store.db, dossier_id)      # [{"name": "Lệ phí", "amount": 75000}]
    p = fees.record(store, dossier_id, {"kind": "payment", "item": "Lệ phí",
                    "amount": "75.000", "method": "cash", "receipt_no": "0000123"},
                    officer="lan.nt")
    fees.record(store, dossier_id, {"kind": "refund", "refund_of": p["id"], "amount": 75000,
                "method": "cash", "receipt_no": "HT-0004", "note": "Từ chối tiếp nhận"},
                officer="lan.nt")
    r = fees.report(store.db, "2026-11-27", "2026-11-27")
    r["totals"]["net"], r["by_officer"], r["by_department"]

Amounts typed by people may carry Vietnamese thousands separators
(``75.000`` or ``75,000``) and a trailing ``đ``; anything with a fractional
part, a minus sign or a float is refused with a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlite_utils

from motcua import clock
from motcua.public_terms import fees_on
from motcua.text import nfc, sort_key

from ..accounts import audit
from ..calendar.working_time import VN
from ..catalog import procedures as procedures_module
from ..documents.letterhead import Letterhead
from ..errors import Refused
from ..store import Store

KINDS = {"payment": "Thu phí, lệ phí", "exemption": "Miễn, giảm", "refund": "Hoàn trả"}
METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}
STAGES = {"reception": "Khi tiếp nhận", "return": "Khi trả kết quả"}
# Above any fee in the national catalog (the largest are a few tens of millions).
MAX_AMOUNT = 10_000_000_000
RECEIPT = re.compile(r"^[0-9A-Za-z][0-9A-Za-z./_-]{0,39}$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")




def money(amount: int) -> str:
    """``1250000`` → ``'1.250.000 đ'`` (Vietnamese grouping)."""
    return f"{amount:,}".replace(",", ".") + " đ"


def parse_amount(value) -> int:
    """An amount of đồng as an ``int``; :class:`Refused` for a float, a fraction or < 0.

    >>> parse_amount("75.000 đ"), parse_amount(2000)
    (75000, 2000)
    """
    if isinstance(value, bool):
        raise Refused("invalid_amount", "Số tiền phải là một số đồng.")
    if isinstance(value, float):
        raise Refused("amount_not_integer",
                      f"Số tiền phải là số nguyên đồng, không có phần lẻ (nhận được {value!r}).")
    if isinstance(value, int):
        amount = value
    else:
        text = nfc(value).lower().replace(" ", "")
        text = re.sub(r"(đồng|đ|vnđ|vnd)$", "", text)
        if not text:
            raise Refused("amount_required", "Cần nhập số tiền (đồng).")
        if text.startswith("-"):
            raise Refused("amount_negative",
                          "Số tiền không được âm. Tiền trả lại cho công dân ghi thành một "
                          "khoản hoàn trả riêng.")
        if _GROUPED.match(text):
            amount = int(re.sub(r"[.,]", "", text))
        elif text.isdigit():
            amount = int(text)
        elif re.match(r"^\d+[.,]\d+$", text):
            raise Refused("amount_not_integer",
                          f"Số tiền phải là số nguyên đồng, không có phần lẻ (nhận được "
                          f"“{nfc(value)}”).")
        else:
            raise Refused("invalid_amount",
                          f"Số tiền “{nfc(value)}” không hợp lệ; ví dụ: 75000 hoặc 75.000.")
    if amount < 0:
        raise Refused("amount_negative",
                      "Số tiền không được âm. Tiền trả lại cho công dân ghi thành một khoản "
                      "hoàn trả riêng.")
    if amount > MAX_AMOUNT:
        raise Refused("amount_too_large", f"Số tiền {money(amount)} vượt mức cho phép.")
    return amount


# --- The catalog's fee items ---------------------------------------------------------


def catalog_items(procedure: dict, channel: str, day: dt.date | None = None) -> list[dict]:
    """The fee items the catalog lists for a procedure's channel that are in force on
    ``day`` (an item's optional ``from``/``until``; today in Vietnam time by default)."""
    terms = procedures_module.channel(procedure, channel) or {}
    return [{"name": nfc(f.get("name")), "amount": int(f.get("amount") or 0)}
            for f in fees_on(terms.get("fees", []), day) if isinstance(f, dict)]


def receipt_day(d: dict) -> dt.date:
    """The day a dossier was received (Vietnam time): the day its fees are those of.
    One not received yet (an appointment) is charged as of today."""
    if d.get("received_at"):
        return clock.from_iso(d["received_at"]).astimezone(VN).date()
    return clock.today()


def _dossier(db, dossier_id: int) -> dict:
    row = db.execute("select id, code, procedure_id, procedure_code, department_id, channel, "
                     "received_at from dossiers where id = ?", [dossier_id]).fetchone()
    if row is None:
        raise Refused("unknown_dossier", f"Không có hồ sơ mã số {dossier_id}.")
    return dict(zip(("id", "code", "procedure_id", "procedure_code", "department_id",
                     "channel", "received_at"), row, strict=True))


def items_for(db: sqlite_utils.Database, dossier_id: int) -> list[dict]:
    """The fee items of a dossier: its procedure version's, for its channel, in force
    on the day it was received."""
    d = _dossier(db, dossier_id)
    procedure = procedures_module.get(db, d["procedure_id"])
    return catalog_items(procedure, d["channel"], receipt_day(d)) if procedure else []


# --- Recording -------------------------------------------------------------------------


def _officer_name(db, username: str) -> str:
    row = db.execute("select full_name from users where username = ?", [username]).fetchone()
    return row[0] if row else ""


def record(store: Store, dossier_id: int, entry: dict, *, officer: str,
           now: dt.datetime | None = None) -> dict:
    """Append one entry (payment, exemption or refund); refuse a bad one, changing nothing.

    ``entry``: ``kind``, ``item`` (payment, exemption), ``amount``, ``method``
    (payment, refund), ``receipt_no`` (payment, refund), ``refund_of`` (refund:
    the payment's id), ``stage`` (``reception`` or ``return``), ``note``
    (required for an exemption, its legal basis, and for a refund, its reason).
    """
    kind = entry.get("kind")
    if kind not in KINDS:
        raise Refused("invalid_kind", "Loại khoản phải là thu, miễn giảm hoặc hoàn trả.")
    amount = parse_amount(entry.get("amount"))
    stage = entry.get("stage") or "reception"
    if stage not in STAGES:
        raise Refused("invalid_stage", "Thời điểm thu phải là khi tiếp nhận hoặc khi trả kết quả.")
    note = nfc(entry.get("note"))[:500]
    method = entry.get("method") or None
    receipt_no = nfc(entry.get("receipt_no")) or None
    if not officer:
        raise Refused("officer_required", "Cần đăng nhập để ghi khoản thu.")
    moment = now or clock.now()
    with store.write() as db:
        d = _dossier(db, dossier_id)
        refund_of = None
        item = nfc(entry.get("item"))
        if kind == "refund":
            refund_of, item = _check_refund(db, d, entry.get("refund_of"), amount)
        elif not item:
            raise Refused("item_required", "Cần chọn khoản phí, lệ phí.")
        if kind in ("payment", "refund"):
            if amount == 0:
                raise Refused("amount_zero", "Số tiền thu hoặc hoàn trả phải lớn hơn 0 đồng; "
                                             "khoản không thu ghi là miễn, giảm.")
            if method not in METHODS:
                raise Refused("invalid_method", "Hình thức phải là tiền mặt hoặc chuyển khoản.")
            if not receipt_no:
                raise Refused("receipt_required", "Cần ghi số biên lai.")
            if not RECEIPT.match(receipt_no):
                raise Refused("invalid_receipt", f"Số biên lai “{receipt_no}” không hợp lệ "
                                                 "(chữ số, chữ cái, dấu . / _ -).")
            if db.execute("select 1 from fee_entries where kind = ? and receipt_no = ?",
                          [kind, receipt_no]).fetchone():
                raise Refused("receipt_used", f"Biên lai số {receipt_no} đã được ghi trước đó.")
        else:  # exemption: no money moves
            method, receipt_no = None, None
            if amount == 0:
                raise Refused("amount_zero", "Số tiền miễn, giảm phải lớn hơn 0 đồng.")
            if not note:
                raise Refused("basis_required", "Cần ghi căn cứ miễn, giảm (đối tượng, văn bản).")
        if kind == "refund" and not note:
            raise Refused("reason_required", "Cần ghi lý do hoàn trả.")
        row = {"dossier_id": d["id"], "dossier_code": d["code"],
               "procedure_code": d["procedure_code"], "department_id": d["department_id"],
               "stage": stage, "kind": kind, "item": item[:200], "amount": amount,
               "method": method, "receipt_no": receipt_no, "refund_of": refund_of,
               "note": note, "officer": officer, "officer_name": _officer_name(db, officer),
               "day": moment.astimezone(VN).date().isoformat(), "recorded_at": clock.iso(moment)}
        row["id"] = db["fee_entries"].insert(row).last_pk
        audit.record(db, officer, f"fee.{kind}", f"dossier:{d['code']}",
                     {"amount": amount, "receipt_no": receipt_no, "entry": row["id"]})
    return row


def _check_refund(db, dossier: dict, refund_of, amount: int) -> tuple[int, str]:
    try:
        payment_id = int(refund_of)
    except (TypeError, ValueError):
        raise Refused("refund_of_required", "Cần chọn khoản đã thu được hoàn trả.") from None
    row = db.execute("select amount, item, dossier_id from fee_entries where id = ? and "
                     "kind = 'payment'", [payment_id]).fetchone()
    if row is None or row[2] != dossier["id"]:
        raise Refused("unknown_payment", "Không có khoản đã thu này trong hồ sơ.")
    refunded = db.execute("select coalesce(sum(amount), 0) from fee_entries where "
                          "refund_of = ?", [payment_id]).fetchone()[0]
    if amount > row[0] - refunded:
        raise Refused("refund_too_large",
                      f"Số tiền hoàn trả ({money(amount)}) lớn hơn số còn lại của khoản đã thu "
                      f"({money(row[0] - refunded)}).")
    return payment_id, row[1]


# --- Reading -----------------------------------------------------------------------------


def entries_for(db: sqlite_utils.Database, dossier_id: int) -> list[dict]:
    return [_decorate(r) for r in db.query(
        "select * from fee_entries where dossier_id = ? order by id", [dossier_id])]


def _decorate(row: dict) -> dict:
    return {**row, "kind_name": KINDS[row["kind"]],
            "method_name": METHODS.get(row["method"] or "", ""),
            "stage_name": STAGES[row["stage"]], "amount_text": money(row["amount"])}


def balance(db: sqlite_utils.Database, dossier_id: int) -> dict:
    """Due (catalog), paid, exempted, refunded, and what is still outstanding."""
    due = sum(i["amount"] for i in items_for(db, dossier_id))
    sums = dict(db.execute("select kind, sum(amount) from fee_entries where dossier_id = ? "
                           "group by kind", [dossier_id]).fetchall())
    paid, exempted, refunded = (sums.get(k, 0) for k in ("payment", "exemption", "refund"))
    return {"due": due, "paid": paid, "exempted": exempted, "refunded": refunded,
            "net": paid - refunded, "outstanding": max(0, due - paid - exempted),
            # Kept beyond the catalog's amount (a 1.234.567 đ typed for 80.000 đ): the
            # page asks the officer to check it, the way out being a refund.
            "over": max(0, paid - refunded + exempted - due)}


def _totals(rows: list[dict]) -> dict:
    t = {"payments": 0, "refunds": 0, "exemptions": 0, "cash_in": 0, "cash_out": 0,
         "transfer_in": 0, "transfer_out": 0, "receipts": 0, "refund_receipts": 0,
         "exemption_count": 0}
    for r in rows:
        if r["kind"] == "payment":
            t["payments"] += r["amount"]
            t["receipts"] += 1
            t[f"{r['method']}_in"] += r["amount"]
        elif r["kind"] == "refund":
            t["refunds"] += r["amount"]
            t["refund_receipts"] += 1
            t[f"{r['method']}_out"] += r["amount"]
        else:
            t["exemptions"] += r["amount"]
            t["exemption_count"] += 1
    t["net"] = t["payments"] - t["refunds"]
    t["cash_net"] = t["cash_in"] - t["cash_out"]
    t["transfer_net"] = t["transfer_in"] - t["transfer_out"]
    return t


NO_DEPARTMENT = "(không rõ đơn vị)"


def _person_key(name: str) -> tuple:
    """A Vietnamese list of people: by given name (the last word), then the whole name."""
    return sort_key(name.split()[-1] if name.split() else ""), sort_key(name)


def report(db: sqlite_utils.Database, first_day: str, last_day: str | None = None, *,
           department_id: int | None = None, officer: str | None = None) -> dict:
    """Entries from ``first_day`` to ``last_day`` (local dates, inclusive) and their totals.

    ``by_department`` and ``by_officer`` each add up to ``totals`` (every entry
    has one department and one officer); ``entries`` lists every receipt, so
    the totals can be checked against the receipt books line by line.
    """
    last_day = last_day or first_day
    for day in (first_day, last_day):
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise Refused("invalid_day", f"Ngày “{day}” không hợp lệ (năm-tháng-ngày).") from None
    if last_day < first_day:
        raise Refused("invalid_period", "Ngày cuối kỳ phải sau ngày đầu kỳ.")
    sql = ("select e.*, coalesce(d.name, ?) as department_name "
           "from fee_entries e left join departments d on d.id = e.department_id "
           "where e.day between ? and ?")
    args: list = [NO_DEPARTMENT, first_day, last_day]
    if department_id:
        sql += " and e.department_id = ?"
        args.append(department_id)
    if officer:
        sql += " and e.officer = ?"
        args.append(officer)
    rows = [_decorate(r) for r in db.query(sql + " order by e.day, e.recorded_at, e.id", args)]
    groups: dict[str, dict[tuple, list]] = {"department": {}, "officer": {}}
    for r in rows:
        groups["department"].setdefault((r["department_name"],), []).append(r)
        groups["officer"].setdefault((r["officer"], r["officer_name"]), []).append(r)
    return {
        "first_day": first_day, "last_day": last_day, "entries": rows,
        "totals": _totals(rows),
        # In the Vietnamese alphabet's order, as the accountant's lists are: by code
        # point "Ủy ban…" and "Đài…" came after "Văn phòng…" (an entry with no
        # department last).
        "by_department": [{"name": k[0], **_totals(v)} for k, v in sorted(
            groups["department"].items(),
            key=lambda kv: (kv[0][0] == NO_DEPARTMENT, sort_key(kv[0][0])))],
        "by_officer": [{"username": k[0], "name": k[1] or k[0], **_totals(v)} for k, v in sorted(
            groups["officer"].items(), key=lambda kv: _person_key(kv[0][1] or kv[0][0]))],
    }


# --- Exports -------------------------------------------------------------------------------


def _day_text(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%d/%m/%Y")


def period_text(rep: dict) -> str:
    if rep["first_day"] == rep["last_day"]:
        return f"ngày {_day_text(rep['first_day'])}"
    return f"từ ngày {_day_text(rep['first_day'])} đến ngày {_day_text(rep['last_day'])}"


SUMMARY_COLUMNS = [("receipts", "Số biên lai"), ("payments", "Đã thu"),
                   ("refunds", "Hoàn trả"), ("net", "Thực thu"), ("cash_net", "Tiền mặt"),
                   ("transfer_net", "Chuyển khoản"), ("exemptions", "Miễn, giảm")]


def report_xlsx(rep: dict, head=None, today: dt.date | None = None) -> bytes:
    """The report as a workbook: the receipts, then totals per department and per officer.

    The receipts' sheet has the official heading block (governing body, centre,
    national motto, place and date; ``head`` is a
    :class:`~central.documents.letterhead.Letterhead` or the centre's name) and
    the two signature blocks, as the closing sheet's PDF. Amounts are written as
    integer cells with a thousands format, so the accountant's own SUM over the
    column gives the same totals.
    """
    # Lazy: the spreadsheet library, loaded on the first workbook asked for (issue 25).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..documents import sheets  # text cells stay text: a payer's name is never a formula

    head, today = _letterhead(head), today or clock.now().astimezone(VN).date()
    wb = Workbook()
    ws = wb.active
    ws.title = "Biên lai"
    bold = Font(bold=True)
    row = sheets.official_heading(ws, head, today, 12, 5)
    row = sheets.title_lines(ws, row, 12, "BẢNG KÊ THU PHÍ, LỆ PHÍ",
                             period_text(rep).capitalize())
    ws.append([])  # a blank row between the heading and the table
    header = ["Ngày", "Giờ", "Mã hồ sơ", "Thủ tục", "Đơn vị", "Cán bộ", "Loại", "Khoản",
              "Hình thức", "Số biên lai", "Số tiền (đồng)", "Ghi chú"]
    sheets.append(ws, header)
    first = ws._current_row + 1
    for cell in ws[first - 1]:
        cell.font = bold
    for row_number, r in enumerate(rep["entries"], start=first):
        sheets.append(ws, [_day_text(r["day"]), clock.show(r["recorded_at"], fmt="%H:%M"),
                   r["dossier_code"], r["procedure_code"], r["department_name"],
                   r["officer_name"] or r["officer"], r["kind_name"], r["item"],
                   r["method_name"], r["receipt_no"] or "",
                   -r["amount"] if r["kind"] == "refund" else r["amount"], r["note"]])
        # By row number: ws.max_row scans every cell, quadratic over a month.
        ws.cell(row_number, 11).number_format = "#,##0"
    sheets.signature_rows(ws, ws._current_row + 2, CLOSING_SIGNERS, 12, 5)
    for column, chars in zip("ABCDEFGHIJKL", (11, 7, 24, 12, 28, 22, 12, 24, 14, 12, 14, 24),
                             strict=True):
        ws.column_dimensions[column].width = chars
    for title, key, label in (("Theo đơn vị", "by_department", "Đơn vị"),
                              ("Theo cán bộ", "by_officer", "Cán bộ")):
        sheet = wb.create_sheet(title)
        sheets.append(sheet, [label] + [name for _, name in SUMMARY_COLUMNS])
        for cell in sheet[1]:
            cell.font = bold
        for g in rep[key]:
            sheets.append(sheet, [g["name"]] + [g[k] for k, _ in SUMMARY_COLUMNS])
        sheets.append(sheet, ["Tổng cộng"] + [rep["totals"][k] for k, _ in SUMMARY_COLUMNS])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in sheet.iter_rows(min_row=2, min_col=2):
            for cell in row:
                cell.number_format = "#,##0"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CLOSING_SIGNERS = (("NGƯỜI LẬP BẢNG", "(Ký, ghi rõ họ tên)"), ("KẾ TOÁN", "(Ký, ghi rõ họ tên)"))


def _letterhead(head):
    return head if isinstance(head, Letterhead) else Letterhead(centre=head or "")


def closing_pdf(rep: dict, head=None, printed_by: str = "",
                today: dt.date | None = None) -> bytes:
    """The printable daily closing sheet (Bảng tổng hợp thu phí, lệ phí cuối ngày).

    A PDF (fpdf2, DejaVu Sans for every Vietnamese letter) rather than a print
    stylesheet: the sheet is signed by the officer and the accountant and filed,
    so it must print the same from any browser and be kept as a file. It opens
    with the official heading block Biểu 06 has (:func:`central.documents.pdf.heading`:
    governing body and centre, national motto, place and date; ``head`` is a
    Letterhead or the centre's name) and ends with the two signature blocks.
    """
    from ..documents.pdf import document, heading, signatures  # lazy: fpdf, on the first PDF

    pdf = document()
    heading(pdf, _letterhead(head), today or clock.now().astimezone(VN).date())
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, "BẢNG TỔNG HỢP THU PHÍ, LỆ PHÍ", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 6, period_text(rep).capitalize(), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    t = rep["totals"]
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "I. Tổng hợp", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in (
            (f"Tổng số đã thu ({t['receipts']} biên lai)", t["payments"]),
            (f"Hoàn trả ({t['refund_receipts']} biên lai)", t["refunds"]),
            ("Thực thu", t["net"]),
            ("  trong đó tiền mặt", t["cash_net"]),
            ("  trong đó chuyển khoản", t["transfer_net"]),
            (f"Miễn, giảm ({t['exemption_count']} khoản, không thu tiền)", t["exemptions"])):
        pdf.cell(120, 6, label)
        pdf.cell(0, 6, money(value), new_x="LMARGIN", new_y="NEXT", align="R")
    for title, key in (("II. Theo đơn vị", "by_department"), ("III. Theo cán bộ", "by_officer")):
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        widths = (70, 18, 34, 34, 34)
        pdf.set_font("DejaVu", "B", 9)
        for w, h in zip(widths, ("Tên", "Biên lai", "Đã thu", "Hoàn trả", "Thực thu"),
                        strict=True):
            pdf.cell(w, 6, h, border=1, align="C")
        pdf.ln()
        pdf.set_font("DejaVu", "", 9)
        if not rep[key]:
            pdf.cell(sum(widths), 6, "Không có khoản thu nào.", border=1,
                     new_x="LMARGIN", new_y="NEXT")
        for g in rep[key]:
            pdf.cell(widths[0], 6, g["name"][:45], border=1)
            pdf.cell(widths[1], 6, str(g["receipts"]), border=1, align="R")
            for w, k in zip(widths[2:], ("payments", "refunds", "net"), strict=True):
                pdf.cell(w, 6, money(g[k]), border=1, align="R")
            pdf.ln()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "IV. Chi tiết biên lai", new_x="LMARGIN", new_y="NEXT")
    widths = (14, 46, 30, 22, 26, 22, 30)
    pdf.set_font("DejaVu", "B", 8)
    for w, h in zip(widths, ("Giờ", "Mã hồ sơ", "Cán bộ", "Loại", "Hình thức", "Biên lai",
                             "Số tiền"), strict=True):
        pdf.cell(w, 6, h, border=1, align="C")
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    if not rep["entries"]:
        pdf.cell(sum(widths), 6, "Không có biên lai nào.", border=1, new_x="LMARGIN",
                 new_y="NEXT")
    for r in rep["entries"]:
        amount = r["amount"] if r["kind"] != "refund" else -r["amount"]
        values = (clock.show(r["recorded_at"], fmt="%H:%M"), r["dossier_code"][:30],
                  (r["officer_name"] or r["officer"])[:20], r["kind_name"], r["method_name"],
                  r["receipt_no"] or "", f"{amount:,}".replace(",", "."))
        for i, (w, v) in enumerate(zip(widths, values, strict=True)):
            pdf.cell(w, 6, v, border=1, align="R" if i == 6 else "L")
        pdf.ln()
    pdf.ln(6)
    if pdf.will_page_break(40):  # the signatures never sit alone at a page's top
        pdf.add_page()
    signatures(pdf, *CLOSING_SIGNERS, size=10, note_size=8)
    pdf.ln(16)
    pdf.set_font("DejaVu", "B", 10)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.cell(half, 6, printed_by, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
