"""Numbers typed into a URL, a form or a console's JSON that the store cannot hold.

Found walking the hub as an officer would: ``/dossiers/99999999999999999999``,
``/reception?procedure_id=…``, the console's "Nhận quầy" with a long counter
number, ``/console/command`` with a JSON list all answered 500 (SQLite's INTEGER
is 64-bit; ``"²".isdigit()`` is true but ``int("²")`` raises). They must be
"not found" or a Vietnamese error, and change nothing.
"""

import re
from urllib.parse import quote

import pytest

from central.accounts import users

HUGE = "99999999999999999999"  # > 2**63 - 1
PASSWORD = "mat-khau-thu-1"


@pytest.fixture
def web(app, sample_centre):
    # As a user meets it: an error is a page with a status, not an exception in the test.
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    return app


def sign_in(client, role):
    users.create_user(client.application.extensions["motcua.store"], f"u-{role}", "Người Thử",
                      role, PASSWORD)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": f"u-{role}", "password": PASSWORD,
                                "csrf_token": token})
    with client.session_transaction() as s:
        return s["csrf"]


def test_every_route_with_a_number_in_its_address_says_not_found_for_a_huge_one(web):
    client = web.test_client()
    token = sign_in(client, "admin")
    tried = []
    for rule in web.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:[^>]+>", HUGE, rule.rule)
        path = re.sub(r"<(?:[a-z]+:)?[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reply = client.open(path, method=method, data={"csrf_token": token})
            tried.append(path)
            assert reply.status_code in (404, 405), (method, path, reply.status_code)
    assert len(tried) > 10  # the dossiers', the feedback desk's, the fee pages' …


def test_query_and_form_numbers_too_long_for_the_store(web, sample_centre):
    client = web.test_client()
    token = sign_in(client, "admin")
    for path in (f"/reception?procedure_id={HUGE}", f"/worklists?department_id={HUGE}",
                 "/reception?procedure_id=" + quote("²")):
        assert client.get(path).status_code == 200, path
    reply = client.post("/reception", data={"csrf_token": token, "procedure_id": HUGE})
    assert reply.status_code < 500
    # The console: "Nhận quầy" with a counter that cannot exist.
    reply = client.post("/console/counter", data={"csrf_token": token, "counter": HUGE},
                        follow_redirects=True)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert "Chọn quầy làm việc" in page  # still choosing: no counter was taken
    # The admin's keypad link: a Vietnamese error, nothing linked.
    reply = client.post("/admin/keypads", data={"csrf_token": token, "node": "counter-1",
                                                "number": HUGE})
    assert reply.status_code == 422
    assert "Số quầy phải là số nguyên." in reply.get_data(as_text=True)


def test_console_commands_that_are_not_an_object(web):
    client = web.test_client()
    token = sign_in(client, "officer")
    client.post("/console/counter", data={"csrf_token": token, "counter": "1"})
    headers = {"X-CSRF-Token": token}
    for body in ([1], "next", None):
        reply = client.post("/console/command", json=body, headers=headers)
        assert reply.status_code == 400, body
        assert reply.get_json()["error"]["message"] == "Thao tác không hợp lệ."
    # A field that is not text is refused in words, never echoed as Python's repr
    # ("Không có số [1] đang chờ.") nor kept as a reason ("['x']").
    for body, message in (({"action": "call", "number": [1]}, "Số thứ tự không hợp lệ."),
                          ({"action": "call", "number": {"a": 1}}, "Số thứ tự không hợp lệ."),
                          ({"action": "call", "number": True}, "Số thứ tự không hợp lệ."),
                          ({"action": "call", "number": "A001", "reason": ["x"]}, "Lý do"),
                          ({"action": "no_show", "reason": "x" * 201}, "200 ký tự"),
                          ({"action": "transfer", "target_service": ["ho-tich"]},
                           "Dịch vụ chuyển đến không hợp lệ.")):
        reply = client.post("/console/command", json=body, headers=headers)
        assert reply.status_code == 400, body
        text = reply.get_json()["error"]["message"]
        assert message in text and "[" not in text and "{" not in text and "True" not in text
    for target in ([1], {"so": 2}, HUGE, "²", True):
        reply = client.post("/console/command", headers=headers,
                            json={"action": "transfer", "target_counter": target})
        assert reply.status_code == 400, target
        assert reply.get_json()["error"]["message"] == "Số quầy không hợp lệ."


def test_a_transfer_to_a_department_number_too_long_is_refused_in_vietnamese(web, hub_config):
    from central.dossiers import reception

    from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

    store = web.extensions["motcua.store"]
    ids = add_procedures(store)
    d = reception.receive(store, hub_config, procedure_id=ids["1.009994"], channel="in_person",
                          applicant=APPLICANT, components=[c["name"] for c in CHECKLIST],
                          extra_components=[], actor="lan.nt")
    client = web.test_client()
    token = sign_in(client, "officer")
    reply = client.post(f"/dossiers/{d['id']}/act", follow_redirects=True, data={
        "csrf_token": token, "action": "transfer", "department_id": HUGE})
    assert reply.status_code == 200
    assert "Không tìm thấy cơ quan nhận hồ sơ." in reply.get_data(as_text=True)
    assert store.db.execute("select count(*) from dossier_transfers").fetchone() == (0,)


def test_a_number_too_long_that_slips_past_a_door_is_a_vietnamese_400(web, monkeypatch):
    # The safety net behind the parsers: whatever door forgets, the citizen or officer
    # reads Vietnamese and the write rolls back.
    from central.web import dossiers as web_dossiers

    def overflow(*args, **kwargs):
        with web.extensions["motcua.store"].write() as db:
            db.execute("insert into audit_log (at, username, action) values ('x', 'x', 'x')")
            db.execute("select 1 from departments where id = ?", [10**20])

    monkeypatch.setattr(web_dossiers.queries, "work_list", overflow)
    client = web.test_client()
    sign_in(client, "officer")
    before = web.extensions["motcua.store"].db.execute("select count(*) from audit_log").fetchone()
    reply = client.get("/worklists")
    assert reply.status_code == 400
    assert "Một giá trị số đã nhập quá lớn." in reply.get_data(as_text=True)
    after = web.extensions["motcua.store"].db.execute("select count(*) from audit_log").fetchone()
    assert after == before
