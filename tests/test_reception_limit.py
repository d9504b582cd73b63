"""A due date from an unconfirmed time limit is the officer's to confirm (issue 24).

The sample's 1.012801 (Đăng ký thế chấp quyền sử dụng đất, 3 working days) has its
time limit unconfirmed: the reception printed "Thời gian trả kết quả … 15 giờ 15,
ngày 26/11/2026" from it, and /tra-cuu and the kiosk showed it. Now the officer
confirms the limit against the publishing decision for the dossier (prefilled,
editable, a ticked box), the dossier's history names who and when, and without it
the reception is refused and stores nothing. A confirmed limit needs no extra step.
"""

import datetime as dt
import re
import subprocess

import pytest

from central import catalog, dossiers
from central.accounts import users
from central.calendar.working_calendar import calendar_for
from central.calendar.working_time import VN
from central.catalog import procedures
from central.dossiers import reception
from central.errors import Refused
from motcua import clock
from motcua.public_terms import confirmed

from .dossier_helpers import APPLICANT

UNCONFIRMED = "1.012801"
CHECKED = "Tôi đã đối chiếu thời hạn giải quyết với quyết định công bố thủ tục"
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def sample(store):
    catalog.load_sample(store, "admin")
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    proc = procedures.current(store.db, UNCONFIRMED)
    assert not confirmed(proc["details"], "time_limit")
    assert procedures.channel(proc, "in_person")["time_limit"] == 3
    sure = next(p for p in (procedures.current(store.db, r["code"])
                            for r in catalog.browse(store.db, limit=500))
                if confirmed(p["details"], "time_limit")
                and (procedures.channel(p, "in_person") or {}).get("unit") == "working_days")
    return proc, sure


def counts(store) -> tuple:
    return tuple(store.db.execute(f"select count(*) from {t}").fetchone()[0]
                 for t in ("dossiers", "dossier_events", "dossier_sequences"))


def components(proc) -> list[str]:
    return [c["name"] for c in proc["details"]["components"]][:1]


def signed_in(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "lan.nt", "password": "mat-khau-lan",
                                "csrf_token": token})
    page = client.get("/worklists").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_without_the_officers_confirmation_the_reception_is_refused(store, hub_config, sample):
    proc, _ = sample
    before = counts(store)
    for value in (None, ""):
        with pytest.raises(Refused) as refused:
            reception.receive(store, hub_config, procedure_id=proc["id"], channel="in_person",
                              applicant=APPLICANT, components=components(proc),
                              actor="lan.nt", now=MONDAY, confirmed_time_limit=value)
        assert refused.value.code == "time_limit_unconfirmed"
        assert "chưa được xác nhận" in refused.value.message
        assert CHECKED in refused.value.message
    for bad in ("ba ngày", "0", "-2", "nan", "inf", "100000"):
        with pytest.raises(Refused) as refused:
            reception.receive(store, hub_config, procedure_id=proc["id"], channel="in_person",
                              applicant=APPLICANT, components=components(proc),
                              actor="lan.nt", now=MONDAY, confirmed_time_limit=bad)
        assert refused.value.code == "invalid_time_limit", bad
    assert counts(store) == before   # no dossier, no event, no code used up


def test_the_confirmed_limit_gives_the_date_and_the_history_names_the_officer(
        store, hub_config, sample):
    proc, _ = sample
    cal = calendar_for(store.db, hub_config)
    d = reception.receive(store, hub_config, procedure_id=proc["id"], channel="in_person",
                          applicant=APPLICANT, components=components(proc), actor="lan.nt",
                          now=MONDAY, confirmed_time_limit="3")
    assert clock.from_iso(d["due_at"]) == cal.due_at(MONDAY, 3, "working_days")
    (event,) = dossiers.events(store.db, d["id"])
    assert event["actor"] == "lan.nt" and event["at"] == clock.iso(MONDAY)
    assert event["detail"]["time_limit_confirmed"] == {
        "time_limit": 3, "unit": "working_days", "catalog_time_limit": 3, "by": "lan.nt"}
    assert "đã đối chiếu với quyết định công bố" in event["note"]
    # The officer read 5 days in the decision: the dossier runs on 5, the catalog says 3.
    d5 = reception.receive(store, hub_config, procedure_id=proc["id"], channel="in_person",
                           applicant=APPLICANT, components=components(proc), actor="lan.nt",
                           now=MONDAY, confirmed_time_limit="5")
    assert d5["time_limit"] == 5
    assert clock.from_iso(d5["due_at"]) == cal.due_at(MONDAY, 5, "working_days")
    assert "danh mục ghi 3 ngày làm việc" in dossiers.events(store.db, d5["id"])[0]["note"]


def test_a_confirmed_limit_needs_no_extra_step(store, hub_config, sample):
    _, sure = sample
    terms = procedures.channel(sure, "in_person")
    d = reception.receive(store, hub_config, procedure_id=sure["id"], channel="in_person",
                          applicant=APPLICANT, components=components(sure), actor="lan.nt",
                          now=MONDAY)
    cal = calendar_for(store.db, hub_config)
    assert clock.from_iso(d["due_at"]) == cal.due_at(MONDAY, float(terms["time_limit"]),
                                                       terms["unit"])
    (event,) = dossiers.events(store.db, d["id"])
    assert "time_limit_confirmed" not in event["detail"] and event["note"] == ""


def test_a_dossier_registered_online_is_received_only_with_the_confirmation(
        store, hub_config, sample):
    proc, _ = sample
    d = reception.register_online(store, hub_config, procedure_id=proc["id"],
                                  applicant=APPLICANT, components=components(proc))
    assert d["due_at"] is None   # no clock yet: nothing to confirm
    before = counts(store)
    with pytest.raises(Refused) as refused:
        dossiers.act(store, hub_config, d["id"], "receive", actor="lan.nt", now=MONDAY)
    assert refused.value.code == "time_limit_unconfirmed"
    assert counts(store) == before and dossiers.get(store.db, d["id"])["status"] == 1
    d = dossiers.act(store, hub_config, d["id"], "receive", actor="lan.nt", now=MONDAY,
                     confirmed_time_limit=4)
    assert d["status"] == 2 and d["time_limit"] == 4
    cal = calendar_for(store.db, hub_config)
    assert clock.from_iso(d["due_at"]) == cal.due_at(MONDAY, 4, "working_days")
    event = dossiers.events(store.db, d["id"])[-1]
    assert event["action"] == "receive" and event["actor"] == "lan.nt"
    assert event["detail"]["time_limit_confirmed"]["time_limit"] == 4


def test_the_reception_page_refuses_then_receives_with_the_box_ticked(
        client, store, sample, tmp_path):
    proc, _ = sample
    token = signed_in(client)
    form = client.get(f"/reception?procedure_id={proc['id']}").get_data(as_text=True)
    assert 'id="limit-confirm"' in form and CHECKED in form
    assert re.search(r'name="confirmed_time_limit"[^>]*value="3"', form)
    data = {"csrf_token": token, "procedure_id": proc["id"], "channel": "in_person",
            **APPLICANT, "component": components(proc), "confirmed_time_limit": "3"}
    before = counts(store)
    refused = client.post("/reception", data=data)   # the value, but the box not ticked
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "chưa được xác nhận trong danh mục" in page and 'value="Nguyễn Thị Lan"' in page
    assert counts(store) == before
    done = client.post("/reception", data={**data, "time_limit_checked": "1"},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    code = re.search(r'id="dossier-code">([^<]+)<', page).group(1)
    assert "Nguyễn Thị Lan" in page and "đã đối chiếu với quyết định công bố" in page
    d = dossiers.by_code(store.db, code)
    reply = client.get(f"/dossiers/{d['id']}/receipt.pdf")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(reply.data)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    due = clock.show(d["due_at"], "Asia/Ho_Chi_Minh", "%H giờ %M, ngày %d/%m/%Y")
    assert f"Thời gian trả kết quả giải quyết hồ sơ: {due}" in text, text
    # The citizen's look-up shows the officer's appointment.
    lookup = client.get("/tra-cuu", query_string={"code": code}).get_data(as_text=True)
    assert clock.show(d["due_at"], "Asia/Ho_Chi_Minh", "%d/%m/%Y") in lookup


def test_a_confirmed_procedure_page_has_no_confirmation_field(client, store, sample):
    _, sure = sample
    signed_in(client)
    form = client.get(f"/reception?procedure_id={sure['id']}").get_data(as_text=True)
    assert 'id="limit-confirm"' not in form and CHECKED not in form


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_confirmation_field_in_chromium(browser, live_server, store, sample, width):
    proc, _ = sample
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', "lan.nt")
    page.fill('input[name="password"]', "mat-khau-lan")
    page.click('button[type="submit"]')
    page.goto(f"{live_server}/reception?procedure_id={proc['id']}")
    box = page.locator("#limit-confirm")
    assert box.is_visible()
    assert page.input_value("#confirmed_time_limit") == "3"
    page.fill("#name", "Trần Văn Bình")
    page.locator('input[name="component"]').first.check()
    field = page.locator("#confirmed_time_limit").bounding_box()
    assert field["x"] >= 0 and field["x"] + field["width"] <= width   # not off the screen
    page.screenshot(path=f"/tmp/duedate-reception-{width}.png", full_page=True)
    page.click("#receive")
    page.get_by_text("chưa được xác nhận trong danh mục").wait_for()
    assert counts(store)[0] == 0   # refused: nothing stored
    page.get_by_label(CHECKED).check()
    page.click("#receive")
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    assert "đã đối chiếu với quyết định công bố" in page.inner_text("#events")
    page.close()


def test_a_date_from_an_unconfirmed_limit_received_before_the_rule_is_not_shown(
        client, store, hub_config, sample, tmp_path):
    """A dossier received before the officer had to confirm the limit (its receive
    event names no confirmation) keeps its date for staff; the citizen's look-up, the
    kiosk and a reprinted receipt say "Xin hỏi cán bộ tiếp nhận" instead of it."""
    from central.dossiers import queries
    from kiosk.dossier_screens import dossier_facts

    proc, _ = sample
    d = reception.receive(store, hub_config, procedure_id=proc["id"], channel="in_person",
                          applicant=APPLICANT, components=components(proc), actor="lan.nt",
                          now=MONDAY, confirmed_time_limit=3)
    date = clock.show(d["due_at"], "Asia/Ho_Chi_Minh", "%d/%m/%Y")
    assert queries.lookup(store.db, d["code"])["due_at"] == d["due_at"]   # confirmed: shown
    with store.write() as db:   # as a dossier received before the rule was written
        db.execute("update dossier_events set detail = json_remove(detail, "
                   "'$.time_limit_confirmed') where dossier_id = ?", [d["id"]])
    found = queries.lookup(store.db, d["code"], now=MONDAY + dt.timedelta(days=30))
    assert found["due_at"] is None and found["progress"] == "" and found["late"] is False
    facts = dict(dossier_facts({k: v for k, v in found.items() if k in queries.BUS_FIELDS}))
    assert facts["Hẹn trả kết quả"] == "Xin hỏi cán bộ tiếp nhận" and "Tiến độ" not in facts
    signed_in(client)
    page = client.get("/tra-cuu", query_string={"code": d["code"]}).get_data(as_text=True)
    assert d["code"] in page and "Xin hỏi cán bộ tiếp nhận" in page and date not in page
    path = tmp_path / "receipt.pdf"
    path.write_bytes(client.get(f"/dossiers/{d['id']}/receipt.pdf").data)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Thời gian trả kết quả giải quyết hồ sơ: Xin hỏi cán bộ tiếp nhận" in text, text
    assert clock.show(d["due_at"], "Asia/Ho_Chi_Minh", "%H giờ %M, ngày %d/%m/%Y") not in text
    staff = client.get(f"/dossiers/{d['id']}").get_data(as_text=True)
    assert date in staff   # the staff page keeps it


def test_receiving_an_online_dossier_on_its_page_asks_the_same(client, store, hub_config,
                                                              sample):
    proc, _ = sample
    d = reception.register_online(store, hub_config, procedure_id=proc["id"],
                                  applicant=APPLICANT, components=components(proc))
    token = signed_in(client)
    page = client.get(f"/dossiers/{d['id']}").get_data(as_text=True)
    assert 'id="limit-confirm"' in page and CHECKED in page
    data = {"csrf_token": token, "action": "receive", "confirmed_time_limit": "3"}
    page = client.post(f"/dossiers/{d['id']}/act", data=data,
                       follow_redirects=True).get_data(as_text=True)
    assert "chưa được xác nhận trong danh mục" in page
    assert dossiers.get(store.db, d["id"])["status"] == 1
    client.post(f"/dossiers/{d['id']}/act", data={**data, "time_limit_checked": "1"})
    got = dossiers.get(store.db, d["id"])
    assert got["status"] == 2 and got["due_at"] and got["received_by"] == "lan.nt"
    assert dossiers.events(store.db, d["id"])[-1]["detail"]["time_limit_confirmed"]["by"] \
        == "lan.nt"


# -- the channel chosen is the channel confirmed ----------------------------------------
# A procedure whose channels differ: 5 working days in person, 24 working hours online,
# the same day by post. Changing "Hình thức nộp" used to leave the first channel's "5"
# (with "ngày làm việc" beside it) in the field: ticked and sent with "online", the
# dossier ran on 5 working hours.

def _channels(limit_in_person=5):
    fee = [{"name": "Lệ phí", "amount": 80000}]
    return [{"channel": "in_person", "time_limit": limit_in_person, "unit": "working_days",
             "fees": fee, "note": ""},
            {"channel": "online", "time_limit": 24, "unit": "working_hours", "fees": fee,
             "note": ""},
            {"channel": "post", "time_limit": 0, "unit": "same_day", "fees": fee, "note": ""}]


@pytest.fixture
def differing(store, sample):
    catalog.edit(store, UNCONFIRMED, {"channels": _channels()}, "admin")
    proc = procedures.current(store.db, UNCONFIRMED)
    assert not confirmed(proc["details"], "time_limit")
    return proc


def test_a_limit_confirmed_for_another_channel_is_refused_without_the_script(
        client, store, differing):
    token = signed_in(client)
    data = {"csrf_token": token, "procedure_id": differing["id"], "channel": "online",
            **APPLICANT, "component": components(differing),
            "confirmed_channel": "in_person", "confirmed_time_limit": "5",
            "time_limit_checked": "1"}
    before = counts(store)
    refused = client.post("/reception", data=data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "đối chiếu lại thời hạn của hình thức nộp đã chọn" in page
    assert "“Trực tiếp”" in page and "“Trực tuyến”" in page
    assert counts(store) == before
    # Shown again on the channel sent, with its limit and unit, the tick to give again.
    assert re.search(r'name="confirmed_time_limit"[^>]*value="24"', page)
    assert re.search(r'id="confirmed_unit">giờ làm việc<', page)
    assert not re.search(r'id="time_limit_checked"[^>]*checked', page)
    done = client.post("/reception", data={**data, "confirmed_channel": "online",
                                            "confirmed_time_limit": "24"})
    assert done.status_code == 302
    (d,) = store.db.query("select * from dossiers")
    assert (d["channel"], d["time_limit"], d["time_unit"]) == ("online", 24, "working_hours")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_changing_the_channel_refills_the_limit_in_chromium(browser, live_server, store,
                                                            differing, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', "lan.nt")
    page.fill('input[name="password"]', "mat-khau-lan")
    page.click('button[type="submit"]')
    page.goto(f"{live_server}/reception?procedure_id={differing['id']}")
    assert page.input_value("#confirmed_time_limit") == "5"
    assert page.inner_text("#confirmed_unit") == "ngày làm việc"
    page.get_by_label(CHECKED).check()
    page.select_option("#channel", "online")
    assert page.input_value("#confirmed_time_limit") == "24"
    assert page.inner_text("#confirmed_unit") == "giờ làm việc"
    assert not page.is_checked("#time_limit_checked")   # checked for another channel
    page.select_option("#channel", "post")
    assert not page.is_visible("#confirmed_time_limit")
    assert page.is_visible("#confirmed_same_day")
    page.select_option("#channel", "online")
    assert page.is_visible("#confirmed_time_limit") and not page.is_visible(
        "#confirmed_same_day")
    page.fill("#name", "Trần Văn Bình")
    page.locator('input[name="component"]').first.check()
    page.get_by_label(CHECKED).check()
    page.screenshot(path=f"/tmp/webfix-reception-channel-{width}.png", full_page=True)
    page.click("#receive")
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    (d,) = store.db.query("select * from dossiers")
    assert (d["channel"], d["time_limit"], d["time_unit"]) == ("online", 24, "working_hours")
    assert "24 giờ làm việc" in page.inner_text("#events")
    page.close()
