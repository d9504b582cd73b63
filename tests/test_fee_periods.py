"""A fee item charged for a period only (Thông tư 64/2025/TT-BTC halves many fees from
01/07/2025 to 31/12/2026): every surface shows and uses the items in force on the day.

On 31/12/2026 a citizen reads, and a dossier received that day is charged, 25.000 đồng;
from 01/01/2027 (Vietnam time: 17:00 UTC on the 31st) 50.000 đồng. The period survives
import, export and import again in every format, and a bad one is refused by name.
"""

import datetime as dt
import json
import re

import pytest

from central import catalog
from central.accounts import users
from central.calendar.working_time import VN
from central.catalog import file_format, procedures
from central.catalog.importing import ImportRefused
from central.dossiers import fees, reception
from motcua import clock
from motcua.public_terms import ASK_OFFICER, fee_line, public_details

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

# The last minute of 31/12/2026 and the first of 01/01/2027, in Vietnam time.
LAST_DAY = dt.datetime(2026, 12, 31, 23, 59, tzinfo=VN)
NEXT_DAY = dt.datetime(2027, 1, 1, 0, 0, tzinfo=VN)
HALVED = [{"name": "Lệ phí (mức giảm)", "amount": 25000, "from": "2025-07-01",
           "until": "2026-12-31"},
          {"name": "Lệ phí", "amount": 50000, "from": "2027-01-01"}]


def set_clock(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment.astimezone(dt.UTC))


def test_the_day_decides_which_items_a_line_shows():
    assert fee_line(HALVED, LAST_DAY.date()) == \
        "Lệ phí (mức giảm): 25.000 đồng (áp dụng đến hết 31/12/2026)"
    assert fee_line(HALVED, NEXT_DAY.date()) == "Lệ phí: 50.000 đồng"
    assert fee_line(HALVED, dt.date(2025, 6, 30)) == ASK_OFFICER   # none in force: not "free"
    details = {"decision": {"number": "1/QĐ-UBND"}, "unconfirmed": [],
               "channels": [{"channel": "in_person", "fees": HALVED}]}
    assert public_details(details, NEXT_DAY.date())["channels"][0]["fees"] == [HALVED[1]]


@pytest.fixture(scope="module")
def sample_replica(tmp_path_factory):
    from central.store import Store
    from kiosk.replica import Replica

    store = Store(tmp_path_factory.mktemp("hub") / "hub.db")
    catalog.load_sample(store, "admin")
    version, procs = catalog.export_all(store.db)
    r = Replica()
    r.replace(version, procs, catalog.withdrawn_codes(store.db))
    store.close()
    return r


@pytest.mark.parametrize(("code", "reduced", "full"), [
    ("1.004756", "25.000 đồng", "50.000 đồng"),   # Chứng chỉ hành nghề thú y
    ("1.005319", "25.000 đồng", "50.000 đồng"),
    ("1.002010", "25.000 đồng", "50.000 đồng"),   # tổ chức hành nghề luật sư
])
def test_the_kiosk_shows_the_reduced_fee_until_31_12_2026_then_the_full_one(
        sample_replica, monkeypatch, code, reduced, full):
    from kiosk.screens import Procedure

    proc = sample_replica.get(code)
    set_clock(monkeypatch, LAST_DAY)
    text = " ".join(t for _, t in Procedure(proc).blocks())
    assert reduced in text and "đến hết 31/12/2026" in text and full not in text
    set_clock(monkeypatch, NEXT_DAY)
    text = " ".join(t for _, t in Procedure(proc).blocks())
    assert full in text and reduced not in text


@pytest.mark.parametrize("code", ["1.004756", "1.005319"])
def test_the_public_page_shows_the_reduced_fee_until_31_12_2026_then_the_full_one(
        client, store, monkeypatch, code):
    catalog.load_sample(store, "admin")
    set_clock(monkeypatch, LAST_DAY)
    page = client.get(f"/thu-tuc/{code}").get_data(as_text=True)
    assert "25.000 đồng (áp dụng đến hết 31/12/2026)" in page and "50.000" not in page
    set_clock(monkeypatch, NEXT_DAY)
    page = client.get(f"/thu-tuc/{code}").get_data(as_text=True)
    assert "50.000 đồng" in page and "25.000" not in page


def test_a_dossier_is_charged_the_items_in_force_on_the_day_it_was_received(
        store, hub_config, monkeypatch):
    ids = add_procedures(store)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-dai-du")
    with store.write() as db:
        row = db["procedures"].get(ids["1.009994"])
        details = json.loads(row["details"])
        details["channels"][0]["fees"] = HALVED
        db["procedures"].update(ids["1.009994"], {"details": json.dumps(details)})

    def receive(when):
        set_clock(monkeypatch, when)
        return reception.receive(
            store, hub_config, procedure_id=ids["1.009994"], channel="in_person",
            applicant=APPLICANT, components=[c["name"] for c in CHECKLIST], actor="lan.nt",
            now=when)["id"]

    before = receive(dt.datetime(2026, 12, 31, 16, 30, tzinfo=VN))
    after = receive(dt.datetime(2027, 1, 4, 8, 0, tzinfo=VN))
    # Looked at later (at the return, in 2027), the first still owes what it did that day.
    set_clock(monkeypatch, dt.datetime(2027, 1, 5, 9, 0, tzinfo=VN))
    assert fees.items_for(store.db, before) == [{"name": "Lệ phí (mức giảm)", "amount": 25000}]
    assert fees.items_for(store.db, after) == [{"name": "Lệ phí", "amount": 50000}]
    assert fees.balance(store.db, before)["due"] == 25000
    assert fees.balance(store.db, after)["due"] == 50000
    assert procedures.get(store.db, ids["1.009994"])["details"]["channels"][0]["fees"] == HALVED


ROW = {"code": "1.009990", "name": "Thủ tục có phí theo thời gian", "field": "Thú y",
       "level": "province"}


def _csv(channels: str) -> bytes:
    header = list(ROW) + ["channels"]
    values = list(ROW.values()) + [channels]
    quoted = ",".join(f'"{v}"' for v in values)
    return (",".join(header) + "\n" + quoted + "\n").encode()


def test_a_sheet_cell_reads_a_period_and_old_cells_read_as_before():
    (channel,) = file_format.parse_channels(
        "Trực tiếp | 5 | ngày làm việc | Lệ phí (mức giảm) = 25000 (01/07/2025–31/12/2026); "
        "Lệ phí = 50.000 (từ 01/01/2027); Phí A (x; y) = 2000 (đến 31/12/2026)")
    assert channel["fees"] == [*HALVED, {"name": "Phí A (x; y)", "amount": 2000,
                                         "until": "2026-12-31"}]
    assert file_format.row_cells({"channels": [channel]})["channels"] == (
        "Trực tiếp | 5 | ngày làm việc | Lệ phí (mức giảm) = 25000 (01/07/2025–31/12/2026); "
        "Lệ phí = 50000 (từ 01/01/2027); Phí A (x; y) = 2000 (đến 31/12/2026)")
    (old,) = file_format.parse_channels(
        "Trực tiếp | 3 | ngày làm việc | Phí chứng thực (2.000 đồng/trang; từ trang thứ ba "
        "1.000 đồng/trang) = 2000; Lệ phí = 0")
    assert old["fees"] == [{"name": "Phí chứng thực (2.000 đồng/trang; từ trang thứ ba "
                                    "1.000 đồng/trang)", "amount": 2000},
                           {"name": "Lệ phí", "amount": 0}]


@pytest.mark.parametrize(("cell", "field", "words"), [
    ("Lệ phí = 25000 (01/07/2025–31/13/2026)", "channels[1].fees[1].until", "31/13/2026"),
    ("Lệ phí = 25000 (từ 2027-02-30)", "channels[1].fees[1].from", "2027-02-30"),
    ("Lệ phí = 25000; Lệ phí = 50000 (01/01/2027–31/12/2026)", "channels[1].fees[2].from",
     "01/01/2027 sau ngày áp dụng đến hết 31/12/2026"),
])
def test_a_bad_period_is_refused_naming_the_item_and_nothing_changes(store, cell, field, words):
    before = file_format.records(store.db)[0]
    with pytest.raises(ImportRefused) as refused:
        catalog.import_file(store, "c.csv", _csv(f"Trực tiếp | 5 | ngày làm việc | {cell}"),
                            "admin")
    said = [str(p) for p in refused.value.problems]
    assert any(f"trường “{field}”" in s and words in s for s in said), said
    assert file_format.records(store.db)[0] == before


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx"])
def test_a_period_round_trips_through_every_format(store, tmp_path, kind):
    record = {**ROW, "channels": [{"channel": "in_person", "time_limit": 5,
                                   "unit": "working_days", "fees": HALVED}]}
    catalog.import_records(store, [(1, record)], "admin", [])
    exported = file_format.export_file(store.db, kind)
    again = catalog.import_file(store, f"c.{kind}", exported, "admin")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    (stored,) = [r for r in file_format.records(store.db)[0] if r["code"] == ROW["code"]]
    assert stored["channels"][0]["fees"] == HALVED


@pytest.mark.parametrize("code", ["1.004756", "1.005319", "1.002010"])
def test_the_page_lists_only_the_items_in_force_and_never_an_empty_cell(
        client, store, monkeypatch, code):
    # Two items on file, one in force: one line, not a list of one; none in force (a day
    # before the period began): "ask the officer", not an empty cell a citizen reads as free.
    import re

    catalog.load_sample(store, "admin")

    def fee_cell(moment):
        set_clock(monkeypatch, moment)
        page = client.get(f"/thu-tuc/{code}").get_data(as_text=True)
        table = re.search(r'<table class="terms">(.*?)</table>', page, re.S).group(1)
        return re.findall(r"<td>((?:(?!<td>).)*?)</td></tr>", table, re.S)[0]

    cell = fee_cell(LAST_DAY)
    assert "<ul" not in cell and "25.000 đồng" in cell and "50.000" not in cell
    cell = fee_cell(dt.datetime(2025, 6, 30, 9, 0, tzinfo=VN))
    assert cell.strip() == ASK_OFFICER


def _sample_records() -> dict[str, dict]:
    sample = json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
    return {r["code"]: r for r in sample["procedures"]}


def test_every_sample_fee_limited_in_time_carries_its_period_and_no_note_asks_for_a_hand_edit():
    # A fee that its words limit in time (Thông tư 64/2025/TT-BTC, "đến 31/12/2026") is an item
    # with from/until, so that on 01/01/2027 nobody has to change an amount by hand.
    for code, record in _sample_records().items():
        for channel in record.get("channels", []):
            for item in channel.get("fees", []):
                if re.search(r"64/2025|31/12/2026|mức giảm", item["name"]):
                    assert "from" in item or "until" in item, (code, channel["channel"], item)
        for source in record.get("sources") or []:
            assert "cần sửa số tiền" not in source.get("note", "").replace(
                "không cần sửa số tiền", ""), (code, source["note"])


@pytest.mark.parametrize("code", ["2.001610", "2.001583", "2.001199", "2.002043"])
def test_enterprise_registration_fee_periods_for_staff(code):
    # Lệ phí đăng ký doanh nghiệp in person: 50 % (Thông tư 64/2025/TT-BTC) until 31/12/2026, then
    # the full amount of Thông tư 47/2019/TT-BTC. The amount was not read in the circular, so the
    # fee stays with the officer (the public page says "Xin hỏi cán bộ tiếp nhận").
    record = _sample_records()[code]
    assert "fees" in record["unconfirmed"]
    (in_person,) = [c for c in record["channels"] if c["channel"] == "in_person"]
    assert "Lệ phí đăng ký doanh nghiệp (mức giảm 50% theo Thông tư 64/2025/TT-BTC): 25.000 đồng" \
        in fee_line(in_person["fees"], LAST_DAY.date())
    after = fee_line(in_person["fees"], NEXT_DAY.date())
    assert "Lệ phí đăng ký doanh nghiệp (điểm 1 Biểu phí" in after and "50.000 đồng" in after
    assert "25.000" not in after
    shown = public_details(record, LAST_DAY.date())
    assert all("fees" not in c for c in shown.get("channels", [])), shown.get("channels")


def test_the_digital_citizen_exemption_is_shown_only_in_its_period(client, store, monkeypatch):
    # Thông tư 117/2026/TT-BTC ngày 14/08/2026: from 15/08/2026 to 28/02/2027 a citizen with a
    # level-2 electronic identity meeting Nghị quyết 66.22/2026/NQ-CP's conditions pays no phí
    # khai thác thông tin hộ tịch (the trích lục's 8.000 đồng). The page says so in that period,
    # beside the fee everyone else pays, and no longer from 01/03/2027.
    catalog.load_sample(store, "admin")
    set_clock(monkeypatch, dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN))
    page = client.get("/thu-tuc/2.000635").get_data(as_text=True)
    assert "8.000 đồng" in page and "định danh điện tử mức độ 2" in page
    assert "(áp dụng đến hết 28/02/2027)" in page and "117/2026/TT-BTC" in page
    set_clock(monkeypatch, dt.datetime(2027, 3, 1, 9, 0, tzinfo=VN))
    page = client.get("/thu-tuc/2.000635").get_data(as_text=True)
    assert "8.000 đồng" in page and "định danh điện tử mức độ 2" not in page
    record = _sample_records()["2.000635"]
    (source,) = [s for s in record["sources"] if s.get("number") == "117/2026/TT-BTC"]
    assert "Miễn phí khai thác, sử dụng thông tin trong cơ sở dữ liệu hộ tịch" in source["quote"]
    assert "15 tháng 8 năm 2026 đến hết ngày 28 tháng 02 năm 2027" in source["quote"]
