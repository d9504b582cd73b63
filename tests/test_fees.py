"""Fees: a day of receptions counted to the đồng, and the closing sheet that adds them up.

The expected totals below were worked out by hand from the receipts listed in
``day_of_receptions`` (see the comments there), not by the code under test.
"""

import datetime as dt
import io
import re
import sqlite3
import subprocess
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from central.accounts import users
from central.calendar.working_time import VN
from central.documents.letterhead import Letterhead
from central.dossiers import fees, reception
from central.errors import Refused

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures


def at(hour, minute=0, day=27):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=VN)


@pytest.fixture
def day_of_receptions(store, hub_config):
    ids = add_procedures(store)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    users.create_user(store, "hung.pv", "Phạm Văn Hùng", "officer", "mat-khau-dai-du")

    def receive(code, who, when):
        return reception.receive(
            store, hub_config, procedure_id=ids[code], channel="in_person",
            applicant=APPLICANT, components=[c["name"] for c in CHECKLIST], actor=who,
            now=when)["id"]

    def pay(dossier, who, when, amount, method, receipt, item="Lệ phí", stage="reception"):
        return fees.record(store, dossier, {"kind": "payment", "item": item, "amount": amount,
                                            "method": method, "receipt_no": receipt,
                                            "stage": stage}, officer=who, now=when)

    # Building permit (Sở Xây dựng, 75 000 đ), Lan, cash.
    d1 = receive("1.009994", "lan.nt", at(7, 40))
    pay(d1, "lan.nt", at(7, 45), "75.000", "cash", "0000101")
    # Certified copies (Sở Tư pháp, 2 000 đ a page), Hùng, 3 pages by transfer.
    d2 = receive("2.000908", "hung.pv", at(8, 10))
    pay(d2, "hung.pv", at(8, 12), 6000, "transfer", "0000102", item="Phí")
    # Building permit, Hùng, cash; refused later that day: the 75 000 đ goes back in cash.
    d3 = receive("1.009994", "hung.pv", at(9, 0))
    p3 = pay(d3, "hung.pv", at(9, 5), 75000, "cash", "0000103")
    fees.record(store, d3, {"kind": "refund", "refund_of": p3["id"], "amount": "75000đ",
                            "method": "cash", "receipt_no": "HT-0001",
                            "note": "Hồ sơ không thuộc thẩm quyền"}, officer="hung.pv",
                now=at(10, 30))
    # Building permit for a war veteran: exempted, no money.
    d4 = receive("1.009994", "lan.nt", at(13, 40))
    fees.record(store, d4, {"kind": "exemption", "item": "Lệ phí", "amount": 75000,
                            "note": "Người có công với cách mạng (Nghị định 131/2021)"},
                officer="lan.nt", now=at(13, 42))
    # Certified copies, Lan: 2 pages at reception, 1 more page at the return.
    d5 = receive("2.000908", "lan.nt", at(14, 0))
    pay(d5, "lan.nt", at(14, 2), 4000, "cash", "0000104", item="Phí")
    pay(d5, "lan.nt", at(16, 30), "2,000", "cash", "0000105", item="Phí", stage="return")
    # The next morning: not on the 27th's sheet.
    pay(d5, "lan.nt", at(7, 30, day=28), 2000, "cash", "0000106", item="Phí", stage="return")
    return {"d1": d1, "d3": d3, "d4": d4, "p3": p3}


def test_the_days_closing_sheet_adds_up_to_the_hand_computed_totals(
        day_of_receptions, store, tmp_path):
    rep = fees.report(store.db, "2026-11-27")
    t = rep["totals"]
    # Payments 75 000 + 6 000 + 75 000 + 4 000 + 2 000 = 162 000 on 5 receipts.
    assert (t["payments"], t["receipts"]) == (162000, 5)
    # One refund of 75 000; net 87 000 = cash 156 000 − 75 000 + transfer 6 000.
    assert (t["refunds"], t["net"], t["cash_net"], t["transfer_net"]) == (75000, 87000, 81000,
                                                                         6000)
    assert (t["exemptions"], t["exemption_count"]) == (75000, 1)
    by_dep = {g["name"]: (g["receipts"], g["payments"], g["refunds"], g["net"])
              for g in rep["by_department"]}
    assert by_dep == {"Sở Xây dựng": (2, 150000, 75000, 75000),
                      "Sở Tư pháp": (3, 12000, 0, 12000)}
    by_officer = {g["name"]: (g["receipts"], g["net"]) for g in rep["by_officer"]}
    assert by_officer == {"Nguyễn Thị Lan": (3, 81000), "Phạm Văn Hùng": (2, 6000)}
    # Every receipt of the day is listed; the 28th's is not.
    assert [e["receipt_no"] for e in rep["entries"] if e["kind"] == "payment"] == [
        "0000101", "0000102", "0000103", "0000104", "0000105"]

    head = Letterhead.of(SimpleNamespace(
        center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"))
    pdf = fees.closing_pdf(rep, head, "Nguyễn Thị Lan", today=dt.date(2026, 11, 27))
    path = tmp_path / "closing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "BẢNG TỔNG HỢP THU PHÍ, LỆ PHÍ" in text and "Ngày 27/11/2026" in text
    # The official heading block, as Biểu 06 prints it (issue 23), and the signatures.
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    assert re.match(r"UBND TỈNH THANH HÓA\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lines[0])
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH" in lines[1]
    assert "Độc lập – Tự do – Hạnh phúc" in text and "Độc lập - Tự do" not in text
    assert "Thanh Hóa, ngày 27 tháng 11 năm 2026" in text
    assert text.index("Thanh Hóa, ngày 27") < text.index("BẢNG TỔNG HỢP")
    signers = next(x for x in text.splitlines() if "NGƯỜI LẬP BẢNG" in x)
    assert "KẾ TOÁN" in signers and text.index("KẾ TOÁN") > text.index("HT-0001")
    assert "Nguyễn Thị Lan" in text[text.index("NGƯỜI LẬP BẢNG"):]
    for line, amount in (("Tổng số đã thu (5 biên lai)", "162.000 đ"),
                         ("Hoàn trả (1 biên lai)", "75.000 đ"), ("Thực thu", "87.000 đ"),
                         ("trong đó tiền mặt", "81.000 đ"),
                         ("trong đó chuyển khoản", "6.000 đ")):
        row = next(x for x in text.splitlines() if line in x)
        assert row.rstrip().endswith(amount), row
    assert "0000105" in text and "0000106" not in text and "HT-0001" in text

    # The workbook: the accountant's own SUM of the amount column is the net.
    wb = load_workbook(io.BytesIO(fees.report_xlsx(rep, head, today=dt.date(2026, 11, 27))))
    cells = list(wb["Biên lai"].iter_rows(values_only=True))
    assert cells[0][0] == "UBND TỈNH THANH HÓA" and cells[0][5] == \
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert cells[1][5] == "Độc lập – Tự do – Hạnh phúc"
    assert cells[2][5] == "Thanh Hóa, ngày 27 tháng 11 năm 2026"
    assert cells[4][0] == "BẢNG KÊ THU PHÍ, LỆ PHÍ"
    top = next(i for i, row in enumerate(cells) if row[0] == "Ngày")
    receipts = [row for row in cells[top + 1:] if isinstance(row[10], int)]
    amounts = [row[10] for row in receipts if row[6] != "Miễn, giảm"]
    assert sum(amounts) == 87000 and all(isinstance(a, int) for a in amounts)
    assert any(row[0] == "NGƯỜI LẬP BẢNG" and row[5] == "KẾ TOÁN" for row in cells[top:])
    last = list(wb["Theo cán bộ"].iter_rows(values_only=True))[-1]
    assert last[0] == "Tổng cộng" and last[1:5] == (5, 162000, 75000, 87000)


def test_a_period_report_per_officer_and_department(day_of_receptions, store):
    rep = fees.report(store.db, "2026-11-27", "2026-11-28", officer="lan.nt")
    assert (rep["totals"]["receipts"], rep["totals"]["net"]) == (4, 83000)
    assert fees.balance(store.db, day_of_receptions["d4"]) == {
        "due": 75000, "paid": 0, "exempted": 75000, "refunded": 0, "net": 0, "outstanding": 0,
        "over": 0}


def test_the_report_lists_departments_and_officers_in_vietnamese_order(
        day_of_receptions, store):
    """The accountant reads the per-department totals in the alphabet's order: by code
    point "Văn phòng…" came before "Ủy ban…" (Ủ is U+1EE6) and "Đài…" after both."""
    with store.write() as db:
        db.execute("update departments set name = 'Văn phòng Đăng ký đất đai' where code = 'STP'")
        db.execute("update departments set name = 'Ủy ban nhân dân tỉnh' where code = 'SXD'")
    users.create_user(store, "zz.an", "Trần Thị Ánh", "officer", "mat-khau-dai-du")
    fees.record(store, day_of_receptions["d1"], {
        "kind": "payment", "item": "Lệ phí", "amount": 1000, "method": "cash",
        "receipt_no": "0000107"}, officer="zz.an", now=at(15, 0))
    rep = fees.report(store.db, "2026-11-27")
    assert [g["name"] for g in rep["by_department"]] == [
        "Ủy ban nhân dân tỉnh", "Văn phòng Đăng ký đất đai"]
    # People by given name, then the whole name, as a Vietnamese list of staff is read.
    assert [g["name"] for g in rep["by_officer"]] == [
        "Trần Thị Ánh", "Phạm Văn Hùng", "Nguyễn Thị Lan"]


@pytest.mark.parametrize("amount, message", [
    (75000.5, "số nguyên đồng"),
    (75000.0, "số nguyên đồng"),
    ("75000,5", "số nguyên đồng"),
    (-75000, "không được âm"),
    ("-75.000", "không được âm"),
    ("bảy lăm nghìn", "không hợp lệ"),
])
def test_a_float_or_negative_amount_is_refused_and_nothing_is_recorded(
        day_of_receptions, store, amount, message):
    before = store.db.execute("select count(*) from fee_entries").fetchone()[0]
    with pytest.raises(Refused) as refusal:
        fees.record(store, day_of_receptions["d1"], {
            "kind": "payment", "item": "Lệ phí", "amount": amount, "method": "cash",
            "receipt_no": "0000999"}, officer="lan.nt")
    assert message in refusal.value.message
    assert store.db.execute("select count(*) from fee_entries").fetchone()[0] == before


def test_entries_are_never_edited_and_refunds_cannot_exceed_the_payment(
        day_of_receptions, store):
    d = day_of_receptions
    with pytest.raises(Refused, match="lớn hơn số còn lại"):
        fees.record(store, d["d3"], {"kind": "refund", "refund_of": d["p3"]["id"],
                                     "amount": 1000, "method": "cash", "receipt_no": "HT-0002",
                                     "note": "Thử hoàn lần hai"}, officer="hung.pv")
    with pytest.raises(Refused, match="đã được ghi"):
        fees.record(store, d["d1"], {"kind": "payment", "item": "Lệ phí", "amount": 75000,
                                     "method": "cash", "receipt_no": "0000101"},
                    officer="lan.nt")
    with pytest.raises(Refused, match="căn cứ miễn"):
        fees.record(store, d["d1"], {"kind": "exemption", "item": "Lệ phí", "amount": 75000},
                    officer="lan.nt")
    with pytest.raises(sqlite3.IntegrityError, match="never edited"):
        store.db.execute("update fee_entries set amount = 1 where id = ?", [d["p3"]["id"]])
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.db.execute("delete from fee_entries")
