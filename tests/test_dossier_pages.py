"""Dossier pages through Flask's test client, and the bus lookup over Mosquitto."""

import datetime as dt
import re

import pytest

from central import dossiers
from central.accounts import users
from central.calendar import working_calendar
from central.dossiers import queries, reception
from motcua import clock
from motcua.bus.messages import DOSSIER_LOOKUP
from motcua.bus.topics import Topics

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures


@pytest.fixture
def ids(store):
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    return add_procedures(store)


def received(store, hub_config, ids, proc="1.001193"):
    return reception.receive(
        store, hub_config, procedure_id=ids[proc], channel="in_person", applicant=APPLICANT,
        components=[CHECKLIST[0]["name"]], actor="lan.nt")


def signed_in(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "lan.nt", "password": "mat-khau-lan",
                                "csrf_token": token})
    page = client.get("/worklists").get_data(as_text=True)   # signing in made a new token
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_reception_form_receives_a_dossier(client, ids):
    assert client.get("/reception").status_code == 302   # sign in first
    token = signed_in(client)
    chooser = client.get("/reception?q=khai sinh").get_data(as_text=True)
    assert "Đăng ký khai sinh" in chooser and "Chứng thực" not in chooser
    form = client.get(f"/reception?procedure_id={ids['1.001193']}").get_data(as_text=True)
    assert "Giấy chứng sinh" in form and "Trực tuyến" in form
    # Its fees are unconfirmed: the officer is told before collecting them.
    assert 'id="unconfirmed-note"' in form
    data = {"csrf_token": token, "procedure_id": ids["1.001193"], "channel": "in_person",
            **APPLICANT, "component": [CHECKLIST[0]["name"]],
            "extra_name": ["Sổ hộ khẩu", ""], "extra_reason": ["", ""]}
    refused = client.post("/reception", data=data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "cần ghi lý do" in text and 'value="Nguyễn Thị Lan"' in text
    data["extra_name"] = ["", ""]
    done = client.post("/reception", data=data, follow_redirects=True)
    page = done.get_data(as_text=True)
    code = re.search(r'id="dossier-code">([^<]+)<', page).group(1)
    assert f"Đã tiếp nhận hồ sơ {code}" in page
    # The scan field: a code + Enter opens the dossier.
    scanned = client.get(f"/scan?code={code}")
    dossier_id = dossiers.by_code(client.application.extensions["motcua.store"].db, code)["id"]
    assert scanned.status_code == 302 and scanned.location.endswith(f"/dossiers/{dossier_id}")
    missing = client.get("/scan?code=XYZ", follow_redirects=True).get_data(as_text=True)
    assert "Không tìm thấy hồ sơ có mã “XYZ”" in missing


def test_an_illegal_action_from_the_page_is_refused_with_a_message(client, ids, store,
                                                                     hub_config):
    d = received(store, hub_config, ids)
    token = signed_in(client)
    reply = client.post(f"/dossiers/{d['id']}/act", data={"csrf_token": token,
                                                         "action": "return_result"},
                        follow_redirects=True)
    assert "Không thể “trả kết quả” hồ sơ đang ở trạng thái “Đã tiếp nhận”" in reply.get_data(
        as_text=True)
    assert dossiers.get(store.db, d["id"])["status"] == 2


def test_public_lookup_page_needs_no_sign_in_and_hides_personal_data(client, ids, store,
                                                                     hub_config):
    d = received(store, hub_config, ids)
    page = client.get(f"/tra-cuu?code={d['code']}").get_data(as_text=True)
    assert "Nguyễn T** L**" in page and "Đã tiếp nhận" in page and "Sở Tư pháp" in page
    for secret in [APPLICANT["id_number"], APPLICANT["phone"], "Lê Lợi", "Nguyễn Thị Lan"]:
        assert secret not in page
    assert "Không tìm thấy hồ sơ" in client.get("/tra-cuu?code=nope").get_data(as_text=True)


def test_walking_a_days_codes_on_the_public_page_is_held_back(client, app, ids, store,
                                                                 hub_config):
    # Codes are agency-day-sequence: a stranger asking for -0001, -0002, ... read every
    # dossier of the day (procedure, masked name, supplement note), as fast as asked.
    codes = [received(store, hub_config, ids)["code"] for _ in range(3)]
    walk = [codes[0][:-4] + f"{n:04d}" for n in range(1, 41)]
    replies = [client.get(f"/tra-cuu?code={c}") for c in walk]
    statuses = [r.status_code for r in replies]
    assert statuses[:29] == [200] * 29 and set(statuses[30:]) == {429}, statuses
    page = replies[-1].get_data(as_text=True)
    assert "Tra cứu quá nhiều lần. Xin thử lại sau" in page and "Nguyễn T**" not in page
    assert int(replies[-1].headers["Retry-After"]) > 0
    actions = [r[0] for r in store.db.execute("select action from audit_log")]
    assert "lookup.locked" in actions and "signin.locked" not in actions  # as it reads
    # A citizen elsewhere (another address) still reads her own dossier.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.0.7"
    assert "Nguyễn T** L**" in other.get(f"/tra-cuu?code={codes[1]}").get_data(as_text=True)


def test_kiosk_looks_a_dossier_up_over_the_bus(gateway, store, hub_config, ids, make_node,
                                               center):
    d = received(store, hub_config, ids)
    node = make_node("kiosk", "kiosk-1")
    t = Topics(center)
    reply = node.bus.request(t.node_request("kiosk-1", "dossier_lookup"),
                             DOSSIER_LOOKUP.make(code=d["code"]),
                             response_topic=t.node_response("kiosk-1", "dossier_lookup"))
    result = reply["result"]
    assert reply["ok"] and result["found"] and result["code"] == d["code"]
    assert result["applicant"] == "Nguyễn T** L**" and result["department"] == "Sở Tư pháp"
    assert set(result) == {"found", "code", "status", "status_name", "received_at", "due_at",
                           "department", "late", "progress", "applicant", "supplement"}
    assert result["supplement"] == ""   # not waiting for a supplement
    assert result["progress"] == "Trong hạn"
    missing = node.bus.request(t.node_request("kiosk-1", "dossier_lookup"),
                               DOSSIER_LOOKUP.make(code="000.00.00.H56-000000-0000"),
                               response_topic=t.node_response("kiosk-1", "dossier_lookup"))
    assert missing["result"] == {"found": False}


def test_work_list_page_warns_of_dossiers_due_soon(client, ids, store, hub_config):
    soon, later = [
        reception.receive(store, hub_config, procedure_id=ids[p], channel="in_person",
                         applicant=APPLICANT, components=[CHECKLIST[0]["name"]], actor="lan.nt")
        for p in ("1.001193", "1.009994")]
    # Whatever the time of day the test runs: one due in two working hours from now.
    cal = working_calendar.calendar_for(store.db, hub_config)
    with store.write() as db:
        db["dossiers"].update(soon["id"], {"due_at": clock.iso(
            cal.add_working_time(clock.now(), dt.timedelta(hours=2)))})
    signed_in(client)
    page = client.get(f"/worklists?department_id={ids['STP']}").get_data(as_text=True)
    assert "Có 1 hồ sơ đến hạn trong vòng một ngày làm việc." in page
    assert "Chờ bổ sung hồ sơ" in page and soon["code"] in page
    assert later["code"] not in page   # another department's


def test_admin_declares_a_day_off_on_the_calendar_page(client, store, hub_config, ids):
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    assert client.get("/admin/calendar").status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "admin", "password": "mat-khau-admin",
                                "csrf_token": token})
    page = client.get("/admin/calendar").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    no_decision = client.post("/admin/calendar", data={
        "csrf_token": token, "day": "2026-03-03", "working": "0", "decision": ""},
        follow_redirects=True).get_data(as_text=True)
    assert "Cần ghi số văn bản" in no_decision
    saved = client.post("/admin/calendar", data={
        "csrf_token": token, "day": "2026-03-03", "working": "0",
        "decision": "Quyết định 12/QĐ-UBND"}, follow_redirects=True).get_data(as_text=True)
    assert "Quyết định 12/QĐ-UBND" in saved
    cal = working_calendar.calendar_for(store.db, hub_config)
    assert not cal.is_working_day(dt.date(2026, 3, 3))
    assert store.db.execute(
        "select action from audit_log order by id desc limit 1").fetchone()[0] == \
        "calendar.override"


def test_refusal_at_the_counter_from_the_reception_page(client, ids, store):
    token = signed_in(client)
    data = {"csrf_token": token, "procedure_id": ids["1.001193"], "channel": "in_person",
            **APPLICANT, "refuse": "1", "refuse_reason": ""}
    assert client.post("/reception", data=data).status_code == 400
    data["refuse_reason"] = "Không thuộc thẩm quyền"
    page = client.post("/reception", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Đã từ chối tiếp nhận hồ sơ" in page and "Từ chối tiếp nhận" in page
    d = store.db.execute("select id, status from dossiers").fetchone()
    assert d[1] == 3
    form03 = client.get(f"/dossiers/{d[0]}/form/03").get_data(as_text=True)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in form03
    assert "Không thuộc thẩm quyền" in form03


def _lookup_rows(client, code) -> dict[str, str]:
    html = client.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    return {re.sub(r"<[^>]+>", "", th).strip(): re.sub(r"<[^>]+>", "", td).strip()
            for th, td in re.findall(r"<tr><th>(.*?)</th>\s*<td[^>]*>(.*?)</td></tr>", html,
                                     re.S)}


def test_the_public_lookup_says_how_a_finished_dossier_ended(client, ids, store, hub_config):
    # Found walking the demo as a citizen: a result returned early read "Cơ quan đang xử
    # lý … Tiến độ: Trong hạn", as if still in hand; a refused one said "Trong hạn" too.
    from kiosk.dossier_screens import dossier_facts

    d = received(store, hub_config, ids)
    rows = _lookup_rows(client, d["code"])
    assert rows["Tiến độ"] == "Trong hạn" and rows["Cơ quan đang xử lý"] == "Sở Tư pháp"
    for action in ("result_ready", "return_result"):
        dossiers.act(store, hub_config, d["id"], action, actor="lan.nt")
    rows = _lookup_rows(client, d["code"])
    assert rows["Tiến độ"] == "Trước hạn", rows          # done long before its due time
    assert rows["Cơ quan giải quyết"] == "Sở Tư pháp" and "Cơ quan đang xử lý" not in rows
    result = queries.lookup(store.db, d["code"])
    assert ("Tiến độ", "Trước hạn") in dossier_facts(result)
    assert ("Đơn vị giải quyết", "Sở Tư pháp") in dossier_facts(result)
    # Refused at the counter: no time limit ran, so no progress is claimed.
    token = signed_in(client)
    client.post("/reception", data={"csrf_token": token, "procedure_id": ids["1.001193"],
                                    "channel": "in_person", **APPLICANT, "refuse": "1",
                                    "refuse_reason": "Không thuộc thẩm quyền"})
    (refused,) = store.db.execute("select code from dossiers where status = 3").fetchone()
    rows = _lookup_rows(client, refused)
    assert rows["Trạng thái"] == "Từ chối tiếp nhận" and "Tiến độ" not in rows, rows
    result = queries.lookup(store.db, refused)
    assert "Tiến độ" not in dict(dossier_facts(result))
    # An older hub sends no progress: the kiosk says what it can from `late`.
    assert ("Tiến độ", "Quá hạn") in dossier_facts({"late": True, "status": 4})


def test_the_lookup_says_what_a_supplement_asks_for(client, ids, store, hub_config):
    """/tra-cuu said only "Yêu cầu bổ sung": the citizen could not tell what to bring. It
    shows the officer's reason (form 02), escaped; the kiosk's look-up too."""
    from kiosk.dossier_screens import SUPPLEMENT_CHARS, supplement_advice

    d = received(store, hub_config, ids)
    reason = "Thiếu bản sao <b>Giấy chứng sinh</b> & Sổ hộ khẩu"
    dossiers.act(store, hub_config, d["id"], "request_supplement", actor="lan.nt",
                 note=reason)
    page = client.get(f"/tra-cuu?code={d['code']}").get_data(as_text=True)
    rows = _lookup_rows(client, d["code"])
    assert rows["Trạng thái"] == "Yêu cầu bổ sung hồ sơ"
    assert rows["Cần bổ sung"].startswith(
        "Thiếu bản sao &lt;b&gt;Giấy chứng sinh&lt;/b&gt; &amp; Sổ hộ khẩu"), rows
    assert "<b>Giấy" not in page
    result = {k: v for k, v in queries.lookup(store.db, d["code"]).items()
              if k in queries.BUS_FIELDS}
    assert result["supplement"] == reason
    assert supplement_advice(result).startswith(f"Cần bổ sung: {reason} — Mang")
    # A second request says its own reason, the latest.
    dossiers.act(store, hub_config, d["id"], "resubmit", actor="lan.nt")
    assert "Cần bổ sung" not in _lookup_rows(client, d["code"])   # no longer waiting
    long = "Bổ sung " + "giấy tờ chứng minh nơi cư trú, " * 20
    dossiers.act(store, hub_config, d["id"], "request_supplement", actor="lan.nt", note=long)
    rows = _lookup_rows(client, d["code"])
    assert rows["Cần bổ sung"].startswith(long.strip()[:200])
    advice = supplement_advice(queries.lookup(store.db, d["code"]))
    assert len(advice) < SUPPLEMENT_CHARS + 160
    assert "… (xem đủ trên phiếu yêu cầu bổ sung)" in advice
