"""Every rule the hub reads from a procedure is data a centre can set and keep.

Each field of :data:`central.catalog.file_format.FIELDS` is imported, exported and
imported again through JSON, CSV and XLSX, and must come back unchanged; a
field the catalog does not know is refused by name; the per-procedure clock
rules survive the trip and move due dates as the hand-worked cases say.
"""

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from central import catalog, dossiers
from central.calendar.working_time import VN
from central.catalog import file_format, importing, procedures
from central.catalog.importing import ImportRefused
from central.dossiers import reception
from motcua import clock

ROOT = Path(__file__).resolve().parent.parent

# Every field set to something other than its default, with the awkward cases:
# two channels with different terms, several fee items (three with periods), a note, a list item
# holding a ';', a component without a form, a full decision, both flags on.
FULL = {
    "code": "1.009999", "name": "Thủ tục thử mọi trường", "field": "Hộ tịch",
    "department": "STP", "level": "commune", "local_code": "TH-HT-99",
    "service_code": "HT", "effective_from": "2025-07-01", "effective_to": "2027-12-31",
    "agencies": ["Ủy ban nhân dân cấp xã", "Sở Tư pháp"],
    "applicants": ["citizen", "organisation"], "online_level": "full",
    "channels": [
        {"channel": "in_person", "time_limit": 3, "unit": "working_days",
         "fees": [{"name": "Lệ phí", "amount": 50000},
                  {"name": "Phí cấp bản sao", "amount": 8000},
                  # Fees for a period (Thông tư 64/2025/TT-BTC): both ends, one, the other.
                  {"name": "Phí thẩm định (mức giảm)", "amount": 25000,
                   "from": "2025-07-01", "until": "2026-12-31"},
                  {"name": "Phí thẩm định", "amount": 50000, "from": "2027-01-01"},
                  {"name": "Phí; đến hết năm", "amount": 1000, "until": "2026-12-31"}],
         "note": "Trả kết quả tại Trung tâm"},
        {"channel": "online", "time_limit": 16, "unit": "working_hours",
         "fees": [{"name": "Miễn lệ phí", "amount": 0}]},
        {"channel": "post", "time_limit": 5, "unit": "calendar_days", "fees": []},
    ],
    "steps": ["Nộp hồ sơ; nhận phiếu hẹn", "Nhận kết quả"],
    "components": [{"name": "Tờ khai", "originals": 1, "copies": 0, "form": "Mẫu TP/HT-01"},
                   {"name": "Bản sao giấy tờ tùy thân", "originals": 0, "copies": 2}],
    "conditions": ["Có nơi cư trú tại địa phương"],
    "results": ["Giấy xác nhận"],
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
    "decision": {"number": "1234/QĐ-UBND", "date": "2025-06-23",
                 "issuer": "Ủy ban nhân dân tỉnh Thanh Hóa",
                 "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html",
                 "title": "Quyết định"},
    "sources": [
        {"parts": ["time_limit", "legal_basis"], "title": "Luật Hộ tịch",
         "number": "60/2014/QH13", "date": "2014-11-20", "issuer": "Quốc hội",
         "article": "Điều 28 khoản 2", "url": "https://vbpl.vn/luat-ho-tich",
         "quote": "Trong thời hạn 03 ngày làm việc", "note": "Bản pháp điển"},
        {"parts": ["fees"], "number": "85/2019/TT-BTC", "issuer": "Bộ Tài chính"},
    ],
    "unconfirmed": ["fees", "agencies"],
    "supplement_restarts": True,
    "fees_pause_clock": True,
    "withdrawn": {"number": "2252/QĐ-VP", "date": "2026-07-02",
                  "issuer": "Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa",
                  "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html",
                  "title": "Quyết định", "note": "Thay bằng thủ tục của tỉnh"},
    "replaced_by": "1.115490",
}
# FULL as a record in force (the pages of a withdrawn record say only that it was withdrawn).
IN_FORCE = {k: v for k, v in FULL.items() if k not in ("withdrawn", "replaced_by")}
DEPARTMENTS = [{"code": "STP", "name": "Sở Tư pháp", "short_name": "Tư pháp"}]


# What a centre's staff paste from legal texts, in every text and list field: the cells'
# own separators ("|", ";", new lines, a backslash before "n" and "|"), quotes, a leading
# "=", "+", "-", "@" or "'" (a formula to a spreadsheet), non-breaking spaces, Excel's
# own escape "_x0041_", and Vietnamese typed decomposed (stored composed, NFC).
AWKWARD_TEXTS = [
    'Điều 5 | khoản 2 || điểm a; b "trích" ‘nháy’',
    "=HYPERLINK(\"http://x\";\"bấm\")",
    "+84 912 345 678",
    "-5 ngày; kể cả ngày nghỉ",
    "@Sở Tư pháp",
    "'đã trích' | ; |",
    "dòng một\ndòng hai\r\ndòng ba\rdòng ba rưỡi\n\n| dòng bốn",
    "không\u00a0ngắt\u00a0dòng; 50.000\u00a0đồng",
    "Nguye\u0302\u0303n Va\u0306n A\u0300 — Đơn đề nghị",
    "C:\\mẫu\\n\\| và \\; cuối \\",
    "_x0041_ ô Excel\tcó tab",
]


def _awkward(i: int) -> str:
    return AWKWARD_TEXTS[i % len(AWKWARD_TEXTS)]


def _awkward_record() -> dict:
    """FULL with an awkward text in every text field and list item, each in turn."""
    n = iter(range(1000))
    texts = lambda k: [_awkward(next(n)) for _ in range(k)]  # noqa: E731
    return {
        **FULL, "code": "1.009998", "name": _awkward(1), "field": _awkward(6),
        "local_code": _awkward(5),
        "agencies": texts(len(AWKWARD_TEXTS)), "steps": texts(3), "conditions": [_awkward(3)],
        "results": texts(2), "legal_basis": texts(4),
        "channels": [
            {"channel": "in_person", "time_limit": 3, "unit": "working_days",
             "fees": [{"name": t, "amount": 1000 + i} for i, t in enumerate(AWKWARD_TEXTS)]
             + [{"name": "Phí = A; B", "amount": 5, "from": "2027-01-01"},
                {"name": "2000; trang", "amount": 6}],
             "note": _awkward(0)},
            {"channel": "online", "time_limit": 1, "unit": "working_days", "fees": [],
             "note": _awkward(6)},
        ],
        "components": [{"name": t, "originals": 1, "copies": 2, "form": _awkward(i + 1)}
                       for i, t in enumerate(AWKWARD_TEXTS)]
        + [{"name": _awkward(3), "originals": 0, "copies": 1}],
        "decision": {"number": _awkward(0), "date": "2025-06-23", "issuer": _awkward(2),
                     "url": _awkward(9), "title": _awkward(6)},
        "sources": [{"parts": ["time_limit", "fees"], "number": "60/2014/QH13",
                     **{k: _awkward(i + j) for j, k in enumerate(
                         ("title", "issuer", "article", "url", "quote", "note"))}}
                    for i in range(len(AWKWARD_TEXTS))],
        "withdrawn": {"number": _awkward(4), "date": "2026-07-02", "issuer": _awkward(8),
                      "url": _awkward(3), "title": _awkward(1), "note": _awkward(6)},
    }


def test_the_full_record_sets_every_field():
    assert set(FULL) == set(file_format.FIELDS)


def _stored(store, code="1.009999") -> dict:
    (record,) = [r for r in file_format.records(store.db)[0] if r["code"] == code]
    return record


def _load(store, filename, data):
    return catalog.import_file(store, filename, data, "admin")


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx"])
def test_every_field_round_trips_through_every_format(store, tmp_path, kind):
    _load(store, "c.json", json.dumps({"departments": DEPARTMENTS, "procedures": [FULL]},
                                      ensure_ascii=False).encode())
    assert _stored(store) == FULL
    exported = file_format.export_file(store.db, kind)
    # Read back into a fresh hub (departments as the JSON carries them), and
    # into the same hub, where it must publish nothing.
    from central.store import Store

    fresh = Store(str(tmp_path / f"fresh-{kind}.db"))
    try:
        catalog.import_records(fresh, [], "admin", DEPARTMENTS, source="departments")
        result = _load(fresh, f"c.{kind}", exported)
        assert result.added == 1
        assert _stored(fresh) == FULL
    finally:
        fresh.close()
    again = _load(store, f"c.{kind}", exported)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx"])
def test_awkward_text_in_every_field_round_trips_through_every_format(store, tmp_path, kind):
    # A quote holding "|" refused every import that carried it (issue 24): the sheet's
    # cells split values at "|" and new lines, and the check then refused the text.
    awkward = _awkward_record()
    _load(store, "c.json", json.dumps({"departments": DEPARTMENTS,
                                       "procedures": [FULL, awkward]},
                                      ensure_ascii=False).encode())
    stored = _stored(store, "1.009998")
    assert stored == importing.nfc(awkward)  # composed, and nothing else changed
    assert "Nguyễn Văn À — Đơn đề nghị" in stored["agencies"]
    exported = file_format.export_file(store.db, kind)
    if kind == "csv":
        cells = [c for row in csv.reader(io.StringIO(exported.decode("utf-8-sig")))
                 for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
        assert "'=HYPERLINK(\"http://x\";\"bấm\")" in cells
    elif kind == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(exported)).worksheets[0]
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row
                    if c.data_type == "f"]
        assert formulas == []
        starts = [c for row in sheet.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
        assert starts and all(c.quotePrefix for c in starts)
    from central.store import Store

    fresh = Store(str(tmp_path / f"fresh-{kind}.db"))
    try:
        catalog.import_records(fresh, [], "admin", DEPARTMENTS, source="departments")
        assert _load(fresh, f"c.{kind}", exported).added == 2
        assert _stored(fresh, "1.009998") == stored
        assert _stored(fresh) == FULL
    finally:
        fresh.close()
    again = _load(store, f"c.{kind}", exported)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_character_no_format_can_hold_is_refused_by_field_and_row(store, kind):
    # A control character pasted from another program: JSON and CSV carry it, XLSX
    # cannot (XML 1.0; openpyxl reads "_x0007_" as those seven letters), and a catalog
    # must export to every format.
    _load(store, "c.json", json.dumps({"departments": DEPARTMENTS, "procedures": [FULL]},
                                      ensure_ascii=False).encode())
    before = catalog.state(store.db)
    good = {**FULL, "code": "1.009997", "name": "Thủ tục tốt"}
    bad = {**FULL, "code": "1.009996",
           "sources": [FULL["sources"][0], {**FULL["sources"][1], "quote": "Điều 5\x07 | a"}]}
    if kind == "json":
        data = json.dumps([good, bad], ensure_ascii=False).encode()
        row = 2
    else:
        cells = [file_format.row_cells(r) for r in (good, bad)]
        rows = [list(file_format.COLUMNS)] + [[c[k] for k in file_format.COLUMNS]
                                              for c in cells]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        data = out.getvalue().encode()
        row = 3
    with pytest.raises(ImportRefused) as refused:
        _load(store, f"c.{kind}", data)
    (problem,) = refused.value.problems
    assert (problem.row, problem.field) == (row, "sources[2].quote")
    assert "U+0007" in str(problem) and "Excel" in str(problem)
    # As any bad row: the file is refused whole, with the row named, and nothing changes.
    assert catalog.state(store.db) == before
    assert procedures.current(store.db, "1.009997") is None


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_sheet_shows_channels_in_vietnamese(store, kind):
    _load(store, "c.json", json.dumps({"departments": DEPARTMENTS, "procedures": [FULL]},
                                      ensure_ascii=False).encode())
    data = file_format.export_file(store.db, kind)
    if kind == "csv":
        text = data.decode("utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "Trực tiếp | 3 | ngày làm việc | Lệ phí = 50000; Phí cấp bản sao = 8000" in text
    assert "supplement_restarts" in text and "có" in text


def _sheet(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx"])
def test_an_unknown_field_is_refused_by_name_and_nothing_changes(store, kind):
    catalog.load_sample(store, "admin")
    before = catalog.state(store.db)
    record = {"code": "1.000777", "name": "Thủ tục", "field": "Hộ tịch", "level": "commune",
              "supplement_restart": "có"}      # a slip of the real field's name
    if kind == "json":
        data = json.dumps([record], ensure_ascii=False).encode()
    elif kind == "csv":
        data = ("\n".join([",".join(record), ",".join(record.values())])).encode()
    else:
        data = _sheet([list(record), list(record.values())])
    with pytest.raises(ImportRefused) as refused:
        _load(store, f"c.{kind}", data)
    (problem,) = refused.value.problems
    assert problem.field == "supplement_restart"
    assert "không có trong danh mục" in str(problem)
    assert catalog.state(store.db) == before
    assert procedures.current(store.db, "1.000777") is None


def test_unknown_keys_inside_channels_fees_components_and_decision_are_named(store):
    record = {**FULL, "code": "1.000778",
              "channels": [{"channel": "in_person", "time_limit": 3, "unit": "working_days",
                            "fees": [{"name": "Lệ phí", "amount": 1, "currency": "VND"}],
                            "deadline": 3}],
              "components": [{"name": "Tờ khai", "originals": 1, "copy": 1}],
              "decision": {"number": "1/QĐ", "signed_by": "Chủ tịch"}}
    with pytest.raises(ImportRefused) as refused:
        catalog.import_records(store, [(1, record)], "admin", DEPARTMENTS)
    fields = {p.field for p in refused.value.problems}
    # The fee item is named by its place, as its period's problems are (check24 saw
    # "channels[1].fees.currency" for a channel of five items).
    assert fields == {"channels[1].deadline", "channels[1].fees[1].currency",
                      "components[1].copy", "decision.signed_by"}


def test_a_flag_must_say_yes_or_no(store):
    record = {**FULL, "fees_pause_clock": "đôi khi"}
    with pytest.raises(ImportRefused) as refused:
        catalog.import_records(store, [(1, record)], "admin", DEPARTMENTS)
    assert [p.field for p in refused.value.problems] == ["fees_pause_clock"]


def test_every_rule_the_dossier_code_reads_is_a_catalog_field():
    # The clock rules read from a procedure: `_procedure_flag(store, d, "name")`.
    source = (ROOT / "central").rglob("*.py")
    read = set()
    for path in source:
        read |= set(re.findall(r"_procedure_flag\([^)]*\"(\w+)\"\)", path.read_text()))
    assert read == set(file_format.FLAGS)
    assert read <= set(file_format.FIELDS)


def test_docs_describe_every_field():
    text = (ROOT / "docs" / "catalog.md").read_text()
    missing = [f for f in file_format.FIELDS if f"`{f}`" not in text]
    assert missing == []
    missing_columns = [c for c in file_format.COLUMNS if f"`{c}`" not in text]
    assert missing_columns == []


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


@pytest.mark.parametrize(("restarts", "due"), [
    # The hand-worked case of issue 24: received Mon 02/03/2026 09:00, 3
    # working days (due Thu 05/03 09:00); supplement asked Tue 03/03 10:00;
    # resubmitted Mon 16/03 09:00. Restarting: 3 full working days → Thu 19/03 09:00.
    ("có", at(2026, 3, 19, 9)),
    # Resuming instead: 15 working hours were left (03/03 10:00–11:30 and
    # 13:30–17:00, all of 04/03, 05/03 07:00–09:00) → Wed 18/03 08:00.
    ("", at(2026, 3, 18, 8)),
])
def test_supplement_restarts_imported_from_a_sheet_moves_the_due_date(
        store, hub_config, restarts, due):
    rows = [["code", "name", "field", "department", "level", "channels", "components",
             "decision_number", "supplement_restarts"],
            ["1.001193", "Đăng ký khai sinh", "Hộ tịch", "STP", "Cấp xã",
             "Trực tiếp | 3 | ngày làm việc | Lệ phí = 0", "Tờ khai | 1 | 0",
             "1234/QĐ-UBND", restarts]]
    catalog.import_records(store, [], "admin", DEPARTMENTS)
    _load(store, "c.xlsx", _sheet(rows))
    proc = procedures.current(store.db, "1.001193")
    assert proc["details"].get("supplement_restarts", False) is bool(restarts)
    d = reception.receive(
        store, hub_config, procedure_id=proc["id"], channel="in_person",
        applicant={"name": "Nguyễn Thị Lan"}, components=["Tờ khai"], actor="lan.nt",
        now=at(2026, 3, 2, 9))
    assert d["due_at"] == clock.iso(at(2026, 3, 5, 9))
    dossiers.act(store, hub_config, d["id"], "request_supplement", note="Thiếu giấy",
                 actor="hung.pv", now=at(2026, 3, 3, 10))
    back = dossiers.act(store, hub_config, d["id"], "resubmit", actor="lan.nt",
                        now=at(2026, 3, 16, 9))
    assert back["due_at"] == clock.iso(due)


def test_the_sample_says_what_it_was_checked_against(store):
    """A record either names its decision (number, date, issuer) or is unconfirmed in full."""
    from motcua.public_terms import PARTS, unconfirmed

    doc = json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
    for record in doc["procedures"]:
        decision = record.get("decision")
        if decision:
            assert decision.get("number") and decision.get("date") and decision.get("issuer")
        else:
            assert unconfirmed(record) == set(PARTS), record["code"]


def test_a_citizen_never_sees_an_unconfirmed_value(client, store):
    record = {**IN_FORCE, "unconfirmed": ["time_limit", "fees", "components"]}
    catalog.import_records(store, [(1, record)], "admin", DEPARTMENTS)
    page = client.get("/thu-tuc/1.009999").get_data(as_text=True)
    assert "Xin hỏi cán bộ tiếp nhận" in page
    for hidden in ("ngày làm việc", "50.000", "Phí cấp bản sao", "Mẫu TP/HT-01"):
        assert hidden not in page, hidden
    assert "chưa xác nhận" not in page.lower() and "unconfirmed" not in page
    # What was checked is shown, with the decision it was checked against.
    assert "Luật Hộ tịch số 60/2014/QH13" in page
    assert "Quyết định 1234/QĐ-UBND ngày 23/06/2025 của Ủy ban nhân dân tỉnh Thanh Hóa" in page
    # Each confirmed part names the text it was read in; a hidden part's source is not
    # shown (the time limit is hidden here, so its source names only the legal basis).
    assert ("<li>Căn cứ pháp lý: Luật Hộ tịch số 60/2014/QH13 ngày 20/11/2014 của Quốc hội, "
            "Điều 28 khoản 2</li>") in page
    assert "85/2019/TT-BTC" not in page
    # Nothing confirmed without a decision: the whole record is for staff only.
    no_source = {**IN_FORCE, "code": "1.009998", "unconfirmed": []}
    del no_source["decision"]
    catalog.import_records(store, [(1, no_source)], "admin", DEPARTMENTS)
    bare = client.get("/thu-tuc/1.009998").get_data(as_text=True)
    assert "Luật Hộ tịch" not in bare and "ngày làm việc" not in bare


@pytest.mark.browser
def test_the_admin_edit_page_saves_every_field_back_unchanged(browser, live_server, store):
    from central.accounts import users

    catalog.import_records(store, [(1, FULL)], "admin", DEPARTMENTS)
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/catalog/1.009999")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "mat-khau-admin")
    page.click("form.login button[type=submit]")
    page.locator("#edit").wait_for()
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "catalog-edit-every-field.png"), full_page=True)
    page.click("#edit button[type=submit]")
    page.get_by_text("thủ tục được công bố phiên bản mới").wait_for()
    # Saved as shown: the same record, and no new version was published.
    assert _stored(store) == FULL
    assert procedures.current(store.db, "1.009999")["version"] == 1
    # A change made on the page is kept, the rest stays as it was.
    page.uncheck("input[name=fees_pause_clock]")
    page.click("#edit button[type=submit]")
    page.get_by_text("thủ tục được công bố phiên bản mới").wait_for()
    expected = {k: v for k, v in FULL.items() if k != "fees_pause_clock"}
    assert _stored(store) == expected
    assert procedures.current(store.db, "1.009999")["version"] == 2
    # "Cơ quan thực hiện" is confirmed on the page like the time limit and the fees.
    assert page.is_checked("input[name=unconfirmed_agencies]")
    page.uncheck("input[name=unconfirmed_agencies]")
    page.click("#edit button[type=submit]")
    page.get_by_text("thủ tục được công bố phiên bản mới").wait_for()
    assert _stored(store) == {**expected, "unconfirmed": ["fees"]}


def test_unconfirmed_agencies_are_for_staff_only(client, store):
    """"Cơ quan thực hiện" can be unconfirmed like the time limit, the fee and the legal
    basis: then the public page and the kiosk say "ask the officer", never the names."""
    from kiosk.screens import Procedure

    catalog.import_records(store, [(1, IN_FORCE)], "admin", DEPARTMENTS)
    page = client.get("/thu-tuc/1.009999").get_data(as_text=True)
    agencies = re.search(r'<h2>Cơ quan thực hiện</h2>\s*<p id="agencies">([^<]*)</p>', page)
    assert agencies and agencies.group(1) == "Xin hỏi cán bộ tiếp nhận."
    assert "Ủy ban nhân dân cấp xã" not in page
    proc = procedures.current(store.db, "1.009999")
    lines = [text for kind, text in Procedure(proc).blocks() if kind == "meta"]
    assert "Cơ quan thực hiện: Xin hỏi cán bộ tiếp nhận" in lines, lines
    # Confirmed: shown, on both.
    catalog.edit(store, "1.009999", {"unconfirmed": ["fees"]}, "admin")
    page = client.get("/thu-tuc/1.009999").get_data(as_text=True)
    assert re.search(r'<ul id="agencies"><li>Ủy ban nhân dân cấp xã</li><li>Sở Tư pháp</li>',
                     page)
    proc = procedures.current(store.db, "1.009999")
    lines = [text for kind, text in Procedure(proc).blocks() if kind == "meta"]
    assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã, Sở Tư pháp" in lines


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_an_unconfirmed_part_the_catalog_does_not_know_is_refused_by_name(store, kind):
    record = {**IN_FORCE, "unconfirmed": ["fees", "co_quan"]}
    if kind == "json":
        data = json.dumps({"departments": DEPARTMENTS, "procedures": [record]},
                          ensure_ascii=False).encode()
    else:
        catalog.import_records(store, [], "admin", DEPARTMENTS, source="departments")
        data = ("code,name,field,level,unconfirmed\n"
                "1.009999,Thủ tục thử,Hộ tịch,commune,fees;co_quan\n").encode()
    with pytest.raises(ImportRefused) as refused:
        _load(store, f"c.{kind}", data)
    (problem,) = [str(p) for p in refused.value.problems]
    assert "“co_quan” không phải một phần của thủ tục" in problem and "agencies" in problem
    assert procedures.current(store.db, "1.009999") is None
