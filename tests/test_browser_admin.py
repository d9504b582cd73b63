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
