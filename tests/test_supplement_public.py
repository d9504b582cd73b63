"""A supplement request's reason (form 02) is public: the officer is told, nothing else goes out.

/tra-cuu, the kiosk and the bus's dossier_lookup show the reason of a dossier waiting for
a supplement to anyone who has its code. The officer's form says so (no ID numbers,
phone, health details), a reason holding what looks like an ID card or phone number is
refused, and an internal note beside it stays with the staff: the public look-up shows
the reason and never the officer's name or that note.
"""

import json
import re

import pytest

from central import dossiers
from central.accounts import users
from central.dossiers import queries, reception
from central.errors import Refused

from .dossier_helpers import APPLICANT, CHECKLIST, add_procedures

OFFICER = ("hung.pv", "Phạm Văn Hùng")
HINT = ("Nội dung này hiện công khai: bất kỳ ai có mã hồ sơ đều đọc được khi tra cứu "
        "(trang Tra cứu hồ sơ, kiosk). Không ghi thông tin cá nhân như số định danh/CCCD, "
        "số điện thoại, tình trạng sức khỏe.")
REASON = "Bổ sung bản sao Giấy chứng sinh có chứng thực"
INTERNAL = "Đã gọi điện cho người nộp, hẹn thứ Hai mang đến"


@pytest.fixture
def dossier(store, hub_config):
    users.create_user(store, OFFICER[0], OFFICER[1], "officer", "mat-khau-hung")
    ids = add_procedures(store)
    return reception.receive(store, hub_config, procedure_id=ids["1.001193"],
                             channel="in_person", applicant=APPLICANT,
                             components=[CHECKLIST[0]["name"]], actor=OFFICER[0])


def signed_in(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": OFFICER[0], "password": "mat-khau-hung",
                                "csrf_token": token})
    page = client.get("/worklists").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def public_text(client, store, code) -> str:
    """Everything a citizen with the code can read: the page (not signed in) and the bus's
    answer."""
    page = client.application.test_client().get(f"/tra-cuu?code={code}").get_data(as_text=True)
    answer = {k: v for k, v in queries.lookup(store.db, code).items()
              if k in queries.BUS_FIELDS}
    return page + json.dumps(answer, ensure_ascii=False)


def test_the_form_says_the_reason_is_public_and_keeps_the_internal_note_inside(
        client, store, dossier):
    token = signed_in(client)
    page = client.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert HINT in page and 'id="supplement-internal"' in page
    reply = client.post(f"/dossiers/{dossier['id']}/act", follow_redirects=True, data={
        "csrf_token": token, "action": "request_supplement", "note": REASON,
        "internal_note": INTERNAL})
    staff = reply.get_data(as_text=True)
    assert "Yêu cầu bổ sung hồ sơ" in staff
    assert f"Ghi chú nội bộ: {INTERNAL}" in staff   # the staff see it
    assert dossiers.get(store.db, dossier["id"])["status"] == 5
    public = public_text(client, store, dossier["code"])
    assert REASON in public
    for never in (INTERNAL, OFFICER[0], OFFICER[1], "Phạm", APPLICANT["id_number"],
                  APPLICANT["phone"]):
        assert never not in public, never


def test_a_reason_with_an_id_or_phone_number_is_refused_and_nothing_changes(
        client, store, hub_config, dossier):
    before = (dossiers.get(store.db, dossier["id"]),
              len(dossiers.events(store.db, dossier["id"])))
    for reason in ("Gọi lại số 0912 345 678 để hẹn", "CCCD 038190001234 hết hạn",
                   "Liên hệ +84 912.345.678", "CMND 123456789 mờ"):
        with pytest.raises(Refused) as refused:
            dossiers.act(store, hub_config, dossier["id"], "request_supplement",
                         actor=OFFICER[0], note=reason)
        assert refused.value.code == "personal_data_in_reason"
        assert "hiện công khai cho bất kỳ ai có mã hồ sơ" in refused.value.message
        assert "Ghi chú nội bộ" in refused.value.message
    assert (dossiers.get(store.db, dossier["id"]),
            len(dossiers.events(store.db, dossier["id"]))) == before
    # Amounts, dates and codes are not numbers of a person.
    dossiers.act(store, hub_config, dossier["id"], "request_supplement", actor=OFFICER[0],
                 note="Bổ sung giấy xác nhận vốn 100.000.000 đồng ngày 01.07.2025 theo "
                      "Quyết định 128/2025/QĐ-UBND, hồ sơ 000.00.14.H56-261127-0001")
    assert dossiers.get(store.db, dossier["id"])["status"] == 5
    # Through the page: the message, and the dossier unchanged.
    token = signed_in(client)
    dossiers.act(store, hub_config, dossier["id"], "resubmit", actor=OFFICER[0])
    reply = client.post(f"/dossiers/{dossier['id']}/act", follow_redirects=True, data={
        "csrf_token": token, "action": "request_supplement",
        "note": "Gọi 0912345678", "internal_note": ""})
    assert "không ghi số định danh, CCCD hay số điện thoại" in reply.get_data(as_text=True)
    assert dossiers.get(store.db, dossier["id"])["status"] != 5


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_hint_on_the_form_in_chromium(browser, live_server, store, dossier, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', OFFICER[0])
    page.fill('input[name="password"]', "mat-khau-hung")
    page.click('button[type="submit"]')
    page.goto(f"{live_server}/dossiers/{dossier['id']}")
    hint = page.locator("#supplement-public-hint")
    assert hint.is_visible() and hint.inner_text() == HINT
    for box in (hint.bounding_box(), page.locator("#supplement-reason").bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.fill("#supplement-reason", REASON)
    page.fill("#supplement-internal", INTERNAL)
    page.locator("#supplement-form").scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/webfix2-supplement-{width}.png", full_page=True)
    page.locator('form[data-action="request_supplement"] button[type="submit"]').click()
    page.get_by_text("Ghi chú nội bộ: " + INTERNAL).wait_for()
    page.close()
    citizen = browser.new_context(viewport={"width": width, "height": 900})   # not signed in
    page = citizen.new_page()
    page.goto(f"{live_server}/tra-cuu?code={dossier['code']}")
    assert REASON in page.inner_text("#supplement")
    body = page.inner_text("body")
    assert INTERNAL not in body and OFFICER[1] not in body
    page.screenshot(path=f"/tmp/webfix2-lookup-{width}.png", full_page=True)
    citizen.close()
