"""A procedure a centre withdraws (abolished, or replaced by the province's own).

It leaves every list a citizen or an officer picks from (search, the kiosk's
copy, the public pages, the reception's chooser, appointments), its old code's
page says what replaced it, and dossiers received under it keep their terms.
The sample withdraws five national land records that Thanh Hóa's Quyết định
2252/QĐ-VP replaced with its own (docs/catalog.md, "Withdrawing a procedure").
"""

import datetime as dt
import json
import re

import pytest

from central import catalog, dossiers
from central.accounts import users
from central.appointments.bookings import service_for
from central.calendar.working_time import VN
from central.catalog import file_format, procedures
from central.catalog.importing import ImportRefused
from central.dossiers import queries, reception
from central.errors import Refused
from central.statistics.popular import popular_procedures
from kiosk.replica import Replica

from .dossier_helpers import APPLICANT

# sample record withdrawn → Thanh Hóa's record that replaced it (Quyết định 2252/QĐ-VP)
REPLACED = {"1.012790": "1.115492", "1.012795": "1.115493", "1.012805": "1.115490",
            "1.012786": "1.115538", "1.012783": "1.115507"}
# What an officer or a citizen types for each of them.
TYPED = {"1.012790": "cap doi giay chung nhan", "1.012795": "cap lai giay chung nhan do bi mat",
         "1.012805": "tach thua", "1.012786": "chuyen nhuong quyen su dung dat",
         "1.012783": "dang ky dat dai lan dau to chuc dang su dung dat"}
DECISION = ("Quyết định 2252/QĐ-VP ngày 02/07/2026 của Văn phòng Ủy ban nhân dân tỉnh "
            "Thanh Hóa")
# Abolished by a national text: the dạy thêm licence (Thông tư 29/2024/TT-BGDĐT: a paid
# tutoring business registers as a business) → the household-business registration.
ABOLISHED = {"1.001622": ("1.001612", "Thông tư số 29/2024/TT-BGDĐT ngày 30/12/2024 của Bộ Giáo "
                                      "dục và Đào tạo")}


def _sample_without_withdrawals() -> bytes:
    """The sample as a centre held it before the withdrawals (the old records in force)."""
    doc = json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
    for p in doc["procedures"]:
        p.pop("withdrawn", None)
        p.pop("replaced_by", None)
    return json.dumps(doc, ensure_ascii=False).encode()


def signed_in(client, username="lan.nt", password="mat-khau-lan"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": password,
                                "csrf_token": token})


def test_the_sample_withdraws_the_five_duplicates_citing_the_decision():
    doc = json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))
    by_code = {p["code"]: p for p in doc["procedures"]}
    withdrawn = {c for c, p in by_code.items() if p.get("withdrawn")}
    assert withdrawn == set(REPLACED) | set(ABOLISHED)
    for old, new in REPLACED.items():
        assert by_code[old]["replaced_by"] == new
        # The same decision, as the record that replaced it cites it.
        cited = {k: by_code[new]["decision"][k] for k in ("number", "date", "issuer")}
        assert {k: by_code[old]["withdrawn"][k] for k in cited} == cited
        assert not by_code[new].get("withdrawn")
    # Kept: thế chấp has no counterpart among Thanh Hóa's land procedures.
    assert not by_code["1.012801"].get("withdrawn")


def test_withdrawn_records_leave_every_list(store, client):
    catalog.load_sample(store, "admin")
    db = store.db
    version, exported = catalog.export_all(db)
    kiosk = Replica()
    kiosk.replace(version, exported)
    exported_codes = {p["code"] for p in exported}
    public_list = client.get("/thu-tuc?field=" + "Đất đai").get_data(as_text=True)
    browse_codes = {r["code"] for r in catalog.browse(db, limit=2000)}
    for old, new in REPLACED.items():
        q = TYPED[old]
        assert old not in [h["code"] for h in catalog.search(db, q, limit=50)], q
        assert new in [h["code"] for h in catalog.search(db, q, limit=3)], q
        assert old not in [h["code"] for h in kiosk.search(q, limit=50)], q
        assert new in [h["code"] for h in kiosk.search(q, limit=3)], q
        assert old not in exported_codes and new in exported_codes
        assert kiosk.get(old) is None
        assert old not in browse_codes and new in browse_codes
        assert f"/thu-tuc/{old}" not in public_list and f"/thu-tuc/{new}" in public_list
        searched = client.get("/thu-tuc", query_string={"q": q}).get_data(as_text=True)
        assert f"/thu-tuc/{old}\"" not in searched and f"/thu-tuc/{new}\"" in searched
        assert old not in [r["code"] for r in queries.search_procedures(db, q, limit=50)]
        assert new in [r["code"] for r in queries.search_procedures(db, q, limit=50)]
    assert not set(REPLACED) & {p["code"] for p in popular_procedures(db, dt.date(2026, 12, 7),
                                                                      limit=500)}
    # The kiosk's count is what it receives; the admin still sees all, marked.
    assert catalog.state(db)["count"] == len(exported) == kiosk.count()
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    signed_in(client, "admin", "mat-khau-admin")
    admin = client.get("/admin/catalog?field=" + "Đất đai").get_data(as_text=True)
    assert admin.count("(đã bãi bỏ, thay thế)") == len(REPLACED)
    assert "/admin/catalog/1.012805" in admin
    # The reception's chooser (the officer's list for a new dossier).
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    signed_in(client)
    chooser = client.get("/reception?q=tach thua").get_data(as_text=True)
    old_id = procedures.current(db, "1.012805")["id"]
    new_id = procedures.current(db, "1.115490")["id"]
    assert f"procedure_id={new_id}" in chooser and f"procedure_id={old_id}" not in chooser
    # The old code typed (from a paper), or its id in an old link: told, and sent on.
    for asked in ("q=1.012805", f"procedure_id={old_id}"):
        page = client.get(f"/reception?{asked}").get_data(as_text=True)
        assert "Thủ tục mã 1.012805 (Tách thửa hoặc hợp thửa đất) đã bãi bỏ" in page, asked
        assert f"procedure_id={new_id}" in page, asked
    # Nor can an appointment be booked for it.
    with pytest.raises(Refused) as refused:
        service_for(db, procedure_code="1.012805")
    assert refused.value.code == "unknown_procedure"


def test_a_dossier_received_before_keeps_its_terms_and_page(store, hub_config, client):
    catalog.import_file(store, "catalog.json", _sample_without_withdrawals(), "admin")
    before = procedures.current(store.db, "1.012805")
    first = [before["details"]["components"][0]["name"]]
    d = reception.receive(store, hub_config, procedure_id=before["id"], channel="in_person",
                          applicant=APPLICANT, components=first, actor="lan.nt",
                          now=dt.datetime(2026, 12, 7, 9, tzinfo=VN),  # limit unconfirmed:
                          confirmed_time_limit=procedures.channel(before, "in_person")
                          ["time_limit"])
    due = d["due_at"]
    # The centre loads the catalog with the withdrawals: a new version, the old row kept.
    result = catalog.load_sample(store, "admin")
    assert result.updated == len(REPLACED) + len(ABOLISHED)
    after = procedures.current(store.db, "1.012805")
    assert after["version"] == before["version"] + 1 and procedures.withdrawn(after)
    kept = dossiers.get(store.db, d["id"])
    assert kept["procedure_id"] == before["id"] and kept["due_at"] == due
    assert procedures.get(store.db, before["id"])["details"] == before["details"]
    # Its page still shows it under the terms it was received with.
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    signed_in(client)
    page = client.get(f"/dossiers/{d['id']}")
    assert page.status_code == 200
    assert "Tách thửa hoặc hợp thửa đất" in page.get_data(as_text=True)
    # It can still move on: the officer acts on it as before.
    moved = dossiers.act(store, hub_config, d["id"], "request_supplement", note="Thiếu bản vẽ",
                         actor="lan.nt", now=dt.datetime(2026, 12, 7, 10, tzinfo=VN))
    assert moved["procedure_id"] == before["id"]
    # No new dossier under it, by either version's id.
    for pid in (before["id"], after["id"]):
        with pytest.raises(Refused) as refused:
            reception.receive(store, hub_config, procedure_id=pid, channel="in_person",
                              applicant=APPLICANT, components=first, actor="lan.nt")
        assert "bãi bỏ" in refused.value.message


def test_the_old_codes_page_sends_the_visitor_to_the_new_one(store, client):
    catalog.load_sample(store, "admin")
    for old, new in REPLACED.items():
        response = client.get(f"/thu-tuc/{old}")
        assert response.status_code == 410
        page = response.get_data(as_text=True)
        assert "Thủ tục này không còn áp dụng" in page
        assert DECISION in page
        assert f'href="/thu-tuc/{new}"' in page
        assert procedures.current(store.db, new)["name"] in page
        # The centre's own remark on how it read the decision is for staff.
        assert "chưa được đọc" not in page
        assert client.get(f"/thu-tuc/{new}").status_code == 200
        # The old code typed in the search (read off a paper): told, and sent on.
        searched = client.get("/thu-tuc", query_string={"q": old}).get_data(as_text=True)
        assert f"Thủ tục mã {old}" in searched and "không còn áp dụng theo " + DECISION in searched
        assert f'href="/thu-tuc/{new}"' in searched


def test_a_kiosk_receives_the_old_codes_and_answers_them(store, client):
    # The kiosk's copy holds only procedures in force; the last page of its fetch also
    # carries the withdrawn codes, so a citizen typing an old code off a paper is told
    # what replaced it, with or without the code's dot (the keyboard has one since).
    catalog.load_sample(store, "admin")
    pages, after = [], ""
    while True:
        page = catalog.export_page(store.db, after=after, max_bytes=20_000)
        pages.append(page)
        after = page.get("next")
        if not after:
            break
    assert len(pages) > 3 and all("withdrawn" not in p for p in pages[:-1])
    abolished = {old: new for old, (new, _) in ABOLISHED.items()}
    assert {w["code"]: w["replaced_by"] for w in pages[-1]["withdrawn"]} == REPLACED | abolished
    assert all(DECISION in w["line"] for w in pages[-1]["withdrawn"] if w["code"] in REPLACED)
    assert all(ABOLISHED[w["code"]][1] in w["line"] for w in pages[-1]["withdrawn"]
               if w["code"] in ABOLISHED)
    kiosk = Replica()
    kiosk.replace(pages[-1]["version"], [p for page in pages for p in page["procedures"]],
                  pages[-1]["withdrawn"])
    for old, new in REPLACED.items():
        for typed in (old, old.replace(".", ""), f" {old} "):
            said = kiosk.withdrawn(typed)
            assert said["code"] == old and said["replacement"]["code"] == new, typed
        assert kiosk.get(old) is None
        searched = client.get("/thu-tuc", query_string={"q": old.replace(".", "")})
        assert f"Thủ tục mã {old}" in searched.get_data(as_text=True)
    assert kiosk.withdrawn("1.115492") is None and kiosk.withdrawn("khai sinh") is None
    # A code in force typed without its dot is found as the code.
    assert kiosk.search("1001193")[0]["code"] == "1.001193"
    # No page, the last included, outgrows the limit with the list on it.
    from motcua.bus.messages import encode
    assert all(len(encode(p)) <= 20_000 + 1024 for p in pages)
    # A withdrawal with no replacement: told to ask.
    catalog.edit(store, "1.012801", {"withdrawn": {"number": "99/QĐ-UBND", "date": "2026-11-30",
                                                   "issuer": "Ủy ban nhân dân tỉnh Thanh Hóa"}},
                 "admin")
    assert {"code": "1.012801", "replaced_by": None}.items() <= next(
        w for w in catalog.withdrawn_codes(store.db) if w["code"] == "1.012801").items()


def test_a_withdrawal_with_no_replacement_and_withdrawing_it_back(store, client):
    catalog.load_sample(store, "admin")
    withdrawal = {"number": "99/QĐ-UBND", "date": "2026-11-30",
                  "issuer": "Ủy ban nhân dân tỉnh Thanh Hóa", "title": "Quyết định"}
    catalog.edit(store, "1.012801", {"withdrawn": withdrawal}, "admin")
    assert "1.012801" not in [h["code"] for h in catalog.search(store.db, "the chap", limit=50)]
    page = client.get("/thu-tuc/1.012801").get_data(as_text=True)
    assert "không còn áp dụng</strong> theo Quyết định 99/QĐ-UBND ngày 30/11/2026" in page
    assert 'id="replaced-by"' not in page
    # Published again (the withdrawal cleared): back in every list.
    catalog.edit(store, "1.012801", {"withdrawn": None}, "admin")
    assert "1.012801" in [h["code"] for h in catalog.search(store.db, "the chap", limit=3)]
    assert client.get("/thu-tuc/1.012801").status_code == 200
    assert [v["version"] for v in catalog.versions(store.db, "1.012801")] == [3, 2, 1]


@pytest.mark.parametrize(("change", "field"), [
    ({"replaced_by": "1.115490"}, "replaced_by"),                 # replaced, but by what text?
    ({"withdrawn": {"number": "2252/QĐ-VP"}}, "withdrawn.date"),  # a text without its date
    ({"withdrawn": {"number": "1/QĐ", "date": "02/07/2026"}}, "withdrawn.date"),
    ({"withdrawn": {"number": "1/QĐ", "date": "2026-07-02", "reason": "x"}},
     "withdrawn.reason"),
    ({"withdrawn": {"number": "1/QĐ", "date": "2026-07-02"}, "replaced_by": "1.012801"},
     "replaced_by"),                                              # itself
])
def test_a_withdrawal_must_name_its_text(store, change, field):
    catalog.load_sample(store, "admin")
    before = catalog.state(store.db)
    with pytest.raises(ImportRefused) as refused:
        catalog.edit(store, "1.012801", change, "admin")
    assert [p.field for p in refused.value.problems] == [field]
    assert catalog.state(store.db) == before


# The whole sample, through every format: its fee names hold ';' ("Phí chứng thực
# (2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang)") and some records have empty
# lists and notes, which a sheet cannot tell from missing ones.
@pytest.mark.parametrize("kind", ["json", "csv", "xlsx"])
def test_the_sample_exports_and_reads_back_with_its_withdrawals(store, tmp_path, kind):
    from central.store import Store

    catalog.load_sample(store, "admin")
    before = file_format.records(store.db)[0]
    assert any(";" in f["name"] for r in before for c in r["channels"] for f in c["fees"])
    data = file_format.export_file(store.db, kind)
    again = catalog.import_file(store, f"c.{kind}", data, "admin")
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(before))
    fresh = Store(str(tmp_path / f"fresh-{kind}.db"))
    try:
        catalog.import_records(fresh, [], "admin", catalog.departments(store.db),
                               source="departments")
        catalog.import_file(fresh, f"c.{kind}", data, "admin")
        assert file_format.records(fresh.db)[0] == before
    finally:
        fresh.close()
    records = {r["code"]: r for r in file_format.records(store.db)[0]}
    assert records["1.012805"]["replaced_by"] == "1.115490"
    assert records["1.012805"]["withdrawn"]["number"] == "2252/QĐ-VP"


def test_the_abolished_tutoring_licence_sends_the_visitor_to_household_business_registration(
        store, client):
    # The sample's "Cấp phép hoạt động dạy thêm, học thêm ngoài nhà trường": since Thông tư
    # 29/2024/TT-BGDĐT (30/12/2024, in force 14/02/2025) a paid tutoring business registers as
    # a business; a citizen who looks the old licence up is told so and sent on.
    catalog.load_sample(store, "admin")
    for old, (new, text) in ABOLISHED.items():
        response = client.get(f"/thu-tuc/{old}")
        assert response.status_code == 410
        page = response.get_data(as_text=True)
        assert "Thủ tục này không còn áp dụng" in page and text in page
        assert f'href="/thu-tuc/{new}"' in page
        assert "Đăng ký thành lập hộ kinh doanh" in page
        assert "chưa đọc" not in page
        listed = client.get("/thu-tuc", query_string={"q": "day them hoc them"})
        listed = listed.get_data(as_text=True)
        assert "Cấp phép hoạt động dạy thêm" not in listed
