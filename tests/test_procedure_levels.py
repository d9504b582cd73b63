"""Which procedures a centre receives: its levels, and those received whatever their level.

Nghị định 118/2025/NĐ-CP (Chính phủ, 09/06/2025, in force 01/07/2025) lets a dossier of a
procedure that the province lists as done "không phụ thuộc vào địa giới hành chính" be
submitted at any one-stop desk, "không phân biệt cấp chính quyền" (docs/appointments.md,
"Levels"). The sample provincial centre receives the province's procedures
(``procedure_levels``); a commune procedure is still booked and received here when the
centre lists it (``boundary_free_codes``). At the reception a procedure of another level is
a warning to check the province's list, not a refusal: the list may hold it.
"""

import re

import pytest

from central import catalog
from central.accounts import users
from central.appointments import bookings
from central.catalog import procedures
from central.errors import Refused
from central.queue import setup

COMMUNE = "1.001193"      # Đăng ký khai sinh: cấp xã
PROVINCE = "1.000689"     # Đăng ký khai sinh có yếu tố nước ngoài: cấp tỉnh
WARNING = ("Thủ tục này do cấp xã giải quyết; Trung tâm tiếp nhận thủ tục cấp tỉnh. Chỉ "
           "tiếp nhận khi thủ tục thuộc danh mục thủ tục hành chính không phụ thuộc vào "
           "địa giới hành chính của tỉnh (Nghị định 118/2025/NĐ-CP)")


@pytest.fixture
def centre(store):
    catalog.load_sample(store, "admin")
    setup.load_file(store, setup.SAMPLE, actor="test")
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    assert procedures.current(store.db, COMMUNE)["level"] == "commune"
    assert procedures.current(store.db, PROVINCE)["level"] == "province"
    return store


def test_a_listed_commune_procedure_is_booked_at_the_provincial_centre(centre):
    db = centre.db
    assert setup.settings(db)["procedure_levels"] == "province"
    with pytest.raises(Refused) as refused:
        bookings.service_for(db, None, COMMUNE)
    assert refused.value.code == "not_received_here"
    assert "Trung tâm Phục vụ hành chính công cấp xã" in refused.value.message
    assert "không phụ thuộc địa giới hành chính" in refused.value.message
    # The province's list names it: received here whatever its level, booked.
    with centre.write() as w:
        setup.save_settings(w, {"boundary_free_codes": f" {COMMUNE}, 2.000908,{COMMUNE}"})
    assert setup.settings(db)["boundary_free_codes"] == f"{COMMUNE},2.000908"
    assert bookings.service_for(db, None, COMMUNE)[0]["code"] == "ho-tich"
    assert bookings.bookable_line(db, procedures.current(db, COMMUNE)) == "ho-tich"


def test_a_bad_code_in_the_list_is_refused_in_vietnamese_and_changes_nothing(centre):
    with centre.write() as w:
        setup.save_settings(w, {"boundary_free_codes": COMMUNE})
    for bad in ("khai sinh", "1.001193; 2.000908", "1001193"):
        with pytest.raises(Refused) as refused, centre.write() as w:
            setup.save_settings(w, {"boundary_free_codes": bad})
        assert "Mã thủ tục không phụ thuộc địa giới hành chính không hợp lệ" in \
            refused.value.message
        assert setup.settings(centre.db)["boundary_free_codes"] == COMMUNE


def signed_in(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "lan.nt", "password": "mat-khau-lan",
                                "csrf_token": token})


def test_the_reception_warns_for_another_level_and_still_receives(client, centre):
    signed_in(client)
    commune = procedures.current(centre.db, COMMUNE)
    page = client.get(f"/reception?procedure_id={commune['id']}").get_data(as_text=True)
    assert WARNING in page and 'id="reception-form"' in page   # a warning, the form stays
    province = procedures.current(centre.db, PROVINCE)
    page = client.get(f"/reception?procedure_id={province['id']}").get_data(as_text=True)
    assert 'id="level-warning"' not in page and 'id="reception-form"' in page
    with centre.write() as w:
        setup.save_settings(w, {"boundary_free_codes": COMMUNE})
    page = client.get(f"/reception?procedure_id={commune['id']}").get_data(as_text=True)
    assert 'id="level-warning"' not in page


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_level_warning_in_chromium(browser, live_server, centre, width):
    commune = procedures.current(centre.db, COMMUNE)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', "lan.nt")
    page.fill('input[name="password"]', "mat-khau-lan")
    page.click('button[type="submit"]')
    page.goto(f"{live_server}/reception?procedure_id={commune['id']}")
    warning = page.locator("#level-warning")
    assert warning.is_visible() and WARNING in warning.inner_text()
    box = warning.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=f"/tmp/webfix2-level-{width}.png", full_page=True)
    page.fill("#name", "Trần Văn Bình")
    page.locator('input[name="component"]').first.check()
    if page.locator("#limit-confirm").count():
        page.get_by_label("Tôi đã đối chiếu thời hạn giải quyết").check()
    page.click("#receive")
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()   # warned, not refused
    page.close()
