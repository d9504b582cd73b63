"""The admin's user pages and the sign-in lock, in a real headless Chromium."""

import pytest

from central.accounts import users

from .conftest import PROJECT

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")


def test_an_admin_adds_an_officer_who_then_signs_in(browser, live_server, store):
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    errors = []
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "admin", "mat-khau-admin")
    page.locator("header summary", has_text="Quản trị").click()  # the staff menus
    page.get_by_role("link", name="Người dùng").click()
    form = page.locator("#new-user")
    form.locator("input[name=username]").fill("mai.pt")
    form.locator("input[name=full_name]").fill("Phạm Thị Mai")
    form.locator("select[name=role]").select_option("officer")
    form.locator("input[name=password]").fill("mat-khau-mai")
    form.locator("button").click()
    page.get_by_text("Đã tạo người dùng mai.pt.").wait_for()
    row = page.locator('tr[data-user="mai.pt"]')
    assert "Phạm Thị Mai" in row.inner_text() and "Cán bộ" in row.inner_text()
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "admin-users.png"), full_page=True)
    page.locator("header details.user summary").click()
    page.get_by_role("button", name="Đăng xuất").click()

    # Five wrong passwords lock the name, even for the right one.
    for _ in range(5):
        sign_in(page, live_server, "mai.pt", "sai-mat-khau")
    sign_in(page, live_server, "mai.pt", "mat-khau-mai")
    page.get_by_text("Đăng nhập sai quá nhiều lần. Xin thử lại sau").wait_for()
    page.screenshot(path=str(artifacts / "sign-in-locked.png"), full_page=True)
    assert "Phạm Thị Mai" not in page.locator("header").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_sees_a_sign_in_lock_and_lifts_it(browser, live_server, store, width):
    from central.accounts import throttle

    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    users.create_user(store, "mai.pt", "Phạm Thị Mai", "officer", "mat-khau-mai")
    for _ in range(12):                    # a guesser on the hall's Wi-Fi: 15 min
        throttle.failed(store, "mai.pt", "203.0.113.7")
    errors = []
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "admin", "mat-khau-admin")
    page.goto(f"{live_server}/admin/users/")
    row = page.locator('tr[data-locked-name="mai.pt"]')
    text = row.inner_text()
    assert "từ địa chỉ 203.0.113.7" in text and "(còn 15 phút)" in text, text
    button = row.get_by_role("button", name="Mở khóa đăng nhập")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    # Nothing on the page runs off the screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"admin-sign-in-locks-{width}.png"), full_page=True)
    button.click()
    page.get_by_text("Đã mở khóa đăng nhập cho mai.pt").wait_for()
    assert page.locator('tr[data-locked-name="mai.pt"]').count() == 0
    assert throttle.wait_seconds(store, "mai.pt", "203.0.113.7") == 0
    assert not [e for e in errors if "Content Security Policy" in e], errors
