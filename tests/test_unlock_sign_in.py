"""An administrator lifts a sign-in lock: the officer on a new PC behind a locked NAT.

Over real HTTP on loopback (every browser is 127.0.0.1 to the hub, as the hall's
Wi-Fi and the desks are behind one router), with the hub's clock held, as in
``tests/test_attack_one_address.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from central.accounts import users
from motcua import clock
from tests.test_attack_one_address import Browser, serve, sign_in  # noqa: F401 (serve: fixture)

PAGE = "/admin/users/"


@pytest.fixture
def hub(hub_config, store, serve, monkeypatch):  # noqa: F811
    from central import create_app

    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    users.create_user(store, "hung.gs", "Trần Văn Hùng", "supervisor", "mat-khau-hung")
    users.create_user(store, "quan.tri", "Lê Văn Quản", "admin", "mat-khau-quan")
    base = serve(create_app(hub_config, store=store))
    admin, supervisor = Browser(base), Browser(base)
    # Both signed in before the guessing began (their sessions go on).
    assert sign_in(admin, "quan.tri", "mat-khau-quan") == 302
    assert sign_in(supervisor, "hung.gs", "mat-khau-hung") == 302
    return base, admin, supervisor, moment


def lock_lan(base: str) -> Browser:
    """A phone on the Wi-Fi guesses lan.nt's password 12 times: her name is locked at
    the address (15 s: tries while locked are refused unchecked, uncounted; the clock
    is held); her new PC there is refused the right password."""
    phone = Browser(base)
    guesses = [sign_in(phone, "lan.nt", f"doan-{i}") for i in range(12)]
    assert guesses[:5] == [401] * 4 + [429] and set(guesses[5:]) == {429}
    assert sign_in(Browser(base), "lan.nt", "mat-khau-lan") == 429
    return phone


def unlock(browser: Browser, name: str) -> tuple[int, str]:
    return browser.post(f"/admin/users/locks/{name}/unlock", {}, page=PAGE)


def locked_row(html: str, name: str) -> str | None:
    found = re.search(rf'<tr data-locked-name="{re.escape(name)}">(.*?)</tr>', html, re.S)
    return found.group(1) if found else None


def test_the_admin_sees_the_lock_in_vietnamese_and_lifts_it(hub, store, hub_config):
    base, admin, _, moment = hub
    phone = lock_lan(base)

    status, html = admin.get(PAGE)
    assert status == 200
    row = locked_row(html, "lan.nt")
    assert row is not None, html
    until = clock.show(moment + dt.timedelta(seconds=15), hub_config.timezone)
    assert re.match(r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4}$", until)
    assert "từ địa chỉ 127.0.0.1" in row
    assert f"đến {until} (còn 15 giây)" in row
    assert "Mở khóa đăng nhập" in row

    status, _ = unlock(admin, "lan.nt")
    assert status == 302
    _, html = admin.get(PAGE)
    assert "Đã mở khóa đăng nhập cho lan.nt" in html
    assert locked_row(html, "lan.nt") is None

    # Her right password works at once, on a new PC behind the same address.
    assert sign_in(Browser(base), "lan.nt", "mat-khau-lan") == 302
    # The guesser starts from zero and is locked again after the free tries.
    again = [sign_in(phone, "lan.nt", f"lai-{i}") for i in range(6)]
    assert again == [401] * 4 + [429, 429]
    assert locked_row(admin.get(PAGE)[1], "lan.nt") is not None

    # Recorded, with who did it, and named on the audit page.
    entries = list(store.db.query(
        "select username, target, detail from audit_log where action = 'signin.unlocked'"))
    assert [(e["username"], e["target"]) for e in entries] == [("quan.tri", "lan.nt")]
    assert json.loads(entries[0]["detail"])["keys"] >= 1
    status, html = admin.get("/admin/audit?action=signin.unlocked")
    assert status == 200 and "Mở khóa đăng nhập cho một tên" in html and "Lê Văn Quản" in html


def test_a_locked_address_is_lifted_for_the_new_pc(hub, store):
    base, admin, _, _ = hub
    phone = Browser(base)
    names = [sign_in(phone, f"ten-{i}", "sai") for i in range(25)]
    assert names[-1] == 429
    assert sign_in(Browser(base), "hung.gs", "mat-khau-hung") == 429   # a new PC, never his
    _, html = admin.get(PAGE)
    assert 'data-locked-address="127.0.0.1"' in html and "Mọi tên từ địa chỉ 127.0.0.1" in html
    status, _ = admin.post("/admin/users/locks/address", {"address": "127.0.0.1"}, page=PAGE)
    assert status == 302
    assert sign_in(Browser(base), "hung.gs", "mat-khau-hung") == 302
    assert [r["username"] for r in store.db.query(
        "select username from audit_log where action = 'signin.address_unlocked'")] \
        == ["quan.tri"]


def _still_locked(base: str) -> bool:
    return sign_in(Browser(base), "lan.nt", "mat-khau-lan") == 429


def test_an_officer_supervisor_or_stranger_cannot_lift_a_lock(hub, store):
    base, _, supervisor, _ = hub
    lock_lan(base)
    # A supervisor (signed in, with the session's CSRF token): refused.
    _, home = supervisor.get("/")
    token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    import urllib.parse
    import urllib.request
    body = urllib.parse.urlencode({"csrf_token": token}).encode()
    status, _ = supervisor._open(urllib.request.Request(
        f"{base}/admin/users/locks/lan.nt/unlock", data=body))
    assert status == 403
    assert supervisor.get(PAGE)[0] == 403
    # A signed-out browser: sent to the sign-in page (its own CSRF token sent).
    stranger = Browser(base)
    status, _ = stranger.post("/admin/users/locks/lan.nt/unlock", {}, page="/login")
    assert status == 302
    assert _still_locked(base)
    assert not list(store.db.query(
        "select * from audit_log where action like 'signin.%unlocked'"))


def test_an_unlock_without_its_csrf_token_is_refused(hub, store):
    base, admin, _, _ = hub
    lock_lan(base)
    import urllib.parse
    import urllib.request
    for form in ({}, {"csrf_token": "forged"}):
        status, html = admin._open(urllib.request.Request(
            f"{base}/admin/users/locks/lan.nt/unlock",
            data=urllib.parse.urlencode(form).encode()))
        assert status == 400 and "Xin tải lại trang" in html
    assert _still_locked(base)
    assert locked_row(admin.get(PAGE)[1], "lan.nt") is not None
