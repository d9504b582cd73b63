"""Sign-in limits, the admin's user pages and the audit log page."""

import datetime as dt
import re

import pytest

from central import create_app
from central.accounts import throttle, users
from motcua import clock


@pytest.fixture
def web(hub_config, store):
    app = create_app(hub_config, store=store)
    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    users.create_user(store, "hung.gs", "Trần Văn Hùng", "supervisor", "mat-khau-hung")
    return app


def token_of(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token_of(client)})


@pytest.fixture
def later(monkeypatch):
    """Move the hub's clock forward: ``later(minutes=1)``."""
    offset = dt.timedelta(0)
    real_now = clock.now

    def move(**delta):
        nonlocal offset
        offset += dt.timedelta(**delta)
        monkeypatch.setattr(clock, "now", lambda: real_now() + offset)

    return move


def test_ten_wrong_passwords_slow_down_the_eleventh(web, later):
    client = web.test_client()
    replies = [sign_in(client, "lan.nt", f"doan-sai-{i}").status_code for i in range(10)]
    assert replies[:5] == [401] * 4 + [429]  # four free mistakes, the fifth locks
    assert set(replies[5:]) == {429}
    eleventh = sign_in(client, "lan.nt", "mat-khau-lan")  # even the right password waits
    assert eleventh.status_code == 429
    assert int(eleventh.headers["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần. Xin thử lại sau" in eleventh.get_data(as_text=True)
    # Others are not held up by lan.nt's lock.
    assert sign_in(web.test_client(), "admin", "mat-khau-admin").status_code == 302
    later(seconds=int(eleventh.headers["Retry-After"]) + 1)
    assert sign_in(client, "lan.nt", "mat-khau-lan").status_code == 302


def test_locks_grow_and_survive_a_restart(web, hub_config, store, later):
    client = web.test_client()
    waits = []
    for _ in range(8):
        reply = sign_in(client, "lan.nt", "sai-mat-khau")
        if reply.status_code == 429:
            waits.append(int(reply.headers["Retry-After"]))
            later(seconds=waits[-1] + 1)
    assert waits == sorted(waits) and waits[-1] > waits[0]  # doubling each time
    sign_in(client, "lan.nt", "sai-mat-khau")
    # A restarted hub (new app, same database) still refuses.
    restarted = create_app(hub_config, store=store).test_client()
    assert sign_in(restarted, "lan.nt", "mat-khau-lan").status_code == 429
    # The lock was recorded for the supervisors.
    actions = [e["action"] for e in store.db.query("select action from audit_log")]
    assert "signin.locked" in actions


def test_one_address_guessing_many_names_is_locked_out(web):
    intruder = web.test_client()
    intruder.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    codes = [sign_in(intruder, f"nguoi{i}", "123456").status_code for i in range(25)]
    assert 429 in codes and codes[-1] == 429
    assert sign_in(intruder, "admin", "mat-khau-admin").status_code == 429
    colleague = web.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.20.0.50"
    assert sign_in(colleague, "admin", "mat-khau-admin").status_code == 302


def from_address(web, address):
    client = web.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_on_the_wifi_cannot_lock_an_officer_out_of_her_desk(web, store):
    # Before: the name's lock held everywhere, so five wrong guesses at "lan.nt" from
    # a phone on the hall's Wi-Fi kept Lan out of the hub at her own counter's PC.
    desk = from_address(web, "10.20.0.50")
    assert sign_in(desk, "lan.nt", "mat-khau-lan").status_code == 302   # her usual place
    desk.post("/logout", data={"csrf_token": token_of(desk, "/")})
    phone = from_address(web, "10.9.9.9")
    codes = [sign_in(phone, "lan.nt", f"doan-{i}").status_code for i in range(10)]
    assert codes[:5] == [401] * 4 + [429] and set(codes[5:]) == {429}
    assert sign_in(phone, "lan.nt", "mat-khau-lan").status_code == 429  # the guesser waits
    assert sign_in(from_address(web, "10.20.0.50"), "lan.nt", "mat-khau-lan").status_code == 302
    # Many addresses guessing one name: each address locks at its fifth, and past 30
    # failures the name locks at every address it never signed in from ...
    for n in range(1, 8):
        guesser = from_address(web, f"10.9.8.{n}")
        assert [sign_in(guesser, "lan.nt", "sai").status_code for _ in range(5)][-1] == 429
    assert sign_in(from_address(web, "10.9.8.99"), "lan.nt", "mat-khau-lan").status_code == 429
    assert sign_in(from_address(web, "10.20.0.77"), "lan.nt", "mat-khau-lan").status_code == 429
    # ... but not at her desk, and other officers are not held up.
    assert sign_in(from_address(web, "10.20.0.50"), "lan.nt", "mat-khau-lan").status_code == 302
    assert sign_in(from_address(web, "10.9.8.99"), "hung.gs", "mat-khau-hung").status_code == 302
    assert throttle.wait_seconds(store, "lan.nt", "10.20.0.50") == 0
    assert throttle.wait_seconds(store, "lan.nt", "10.20.0.77") > 0


def test_a_name_that_does_not_exist_costs_a_password_check_too(web, monkeypatch):
    # Otherwise the answer's time tells a stranger which names are officers' (a
    # scrypt check takes tens of milliseconds, a missing row none), and the names
    # to aim the guessing at. Same page, same status, one check each.
    checked = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda h, p: checked.append(h) or real(h, p))
    known = sign_in(from_address(web, "10.9.7.1"), "lan.nt", "sai-mat-khau")
    unknown = sign_in(from_address(web, "10.9.7.2"), "khong.co.ai", "sai-mat-khau")
    assert len(checked) == 2 and checked[0] != checked[1]
    assert known.status_code == unknown.status_code == 401
    assert known.get_data(as_text=True).count("Tên đăng nhập hoặc mật khẩu không đúng") == 1
    assert unknown.get_data(as_text=True).count("Tên đăng nhập hoặc mật khẩu không đúng") == 1


def test_a_right_password_resets_the_name_count(web, store):
    client = web.test_client()
    for _ in range(4):
        sign_in(client, "lan.nt", "sai")
    assert sign_in(client, "lan.nt", "mat-khau-lan").status_code == 302
    assert throttle.wait_seconds(store, "lan.nt", None) == 0
    other = web.test_client()
    assert [sign_in(other, "lan.nt", "sai").status_code for _ in range(4)] == [401] * 4


def test_admin_adds_edits_locks_and_resets_a_user_and_each_is_audited(web, store):
    admin = web.test_client()
    sign_in(admin, "admin", "mat-khau-admin")
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and "Thêm người dùng" in page
    token = token_of(admin, "/admin/users/")
    reply = admin.post("/admin/users/", data={
        "csrf_token": token, "username": "mai.pt", "full_name": "Phạm Thị Mai",
        "role": "officer", "password": "mat-khau-mai"})
    assert reply.status_code == 302
    assert users.authenticate(store, "mai.pt", "mat-khau-mai")["full_name"] == "Phạm Thị Mai"
    # A bad form says why, in Vietnamese, and changes nothing.
    bad = admin.post("/admin/users/", data={
        "csrf_token": token, "username": "Mai PT", "full_name": "X", "role": "officer",
        "password": "mat-khau-mai"})
    assert bad.status_code == 400 and "Tên đăng nhập gồm" in bad.get_data(as_text=True)
    short = admin.post("/admin/users/", data={
        "csrf_token": token, "username": "tuan", "full_name": "Tuấn", "role": "officer",
        "password": "ngan"})
    assert short.status_code == 400 and "ít nhất 8 ký tự" in short.get_data(as_text=True)
    assert users.get_user(store, username="tuan") is None
    # Promote, then lock; a locked user can no longer sign in.
    admin.post("/admin/users/mai.pt", data={"csrf_token": token, "full_name": "Phạm Thị Mai",
                                            "role": "supervisor", "active": "1"})
    assert users.get_user(store, username="mai.pt")["role"] == "supervisor"
    admin.post("/admin/users/mai.pt", data={"csrf_token": token, "full_name": "Phạm Thị Mai",
                                            "role": "supervisor", "active": "0"})
    assert users.authenticate(store, "mai.pt", "mat-khau-mai") is None
    mismatch = admin.post("/admin/users/lan.nt/password", data={
        "csrf_token": token, "password": "mat-khau-moi", "password2": "mat-khau-khac"})
    assert mismatch.status_code == 400 and "không khớp" in mismatch.get_data(as_text=True)
    admin.post("/admin/users/lan.nt/password", data={
        "csrf_token": token, "password": "mat-khau-moi", "password2": "mat-khau-moi"})
    assert users.authenticate(store, "lan.nt", "mat-khau-moi") is not None
    log = [(e["username"], e["action"], e["target"])
           for e in store.db.query("select * from audit_log order by id")]
    assert ("admin", "user.create", "user:mai.pt") in log
    assert log.count(("admin", "user.update", "user:mai.pt")) == 2
    assert ("admin", "user.password", "user:lan.nt") in log
    assert not [e for e in log if e[2] == "user:tuan"]
    # No password or hash ever appears in the audit log.
    details = " ".join(e["detail"] for e in store.db.query("select detail from audit_log"))
    assert "mat-khau" not in details and "scrypt" not in details


def test_the_last_admin_cannot_be_demoted_nor_lock_themself_out(web, store):
    admin = web.test_client()
    sign_in(admin, "admin", "mat-khau-admin")
    token = token_of(admin, "/admin/users/")
    own = admin.post("/admin/users/admin", data={"csrf_token": token, "full_name": "Lê Văn Quản",
                                                 "role": "officer", "active": "1"})
    assert own.status_code == 400
    assert "Không thể tự đổi vai trò" in own.get_data(as_text=True)
    assert users.get_user(store, username="admin")["role"] == "admin"
    users.create_user(store, "admin2", "Quản Trị Hai", "admin", "mat-khau-admin2")
    users.update_user(store, "admin2", full_name="Quản Trị Hai", role="admin", active=False,
                      actor="admin")
    with pytest.raises(users.Refused, match="ít nhất một quản trị"):
        users.update_user(store, "admin", full_name="Lê Văn Quản", role="officer", active=True,
                          actor="admin2")


def test_supervisors_read_the_audit_log_officers_do_not(web, store):
    admin = web.test_client()
    sign_in(admin, "admin", "mat-khau-admin")
    token = token_of(admin, "/admin/users/")
    admin.post("/admin/users/lan.nt", data={"csrf_token": token, "full_name": "Nguyễn Thị Lan",
                                            "role": "supervisor", "active": "1"})
    supervisor = web.test_client()
    sign_in(supervisor, "hung.gs", "mat-khau-hung")
    page = supervisor.get("/admin/audit").get_data(as_text=True)
    assert "Sửa người dùng" in page and "user:lan.nt" in page
    assert "vai trò: officer → supervisor" in page
    only_creations = supervisor.get("/admin/audit?action=user.create").get_data(as_text=True)
    assert "Tạo người dùng" in only_creations and "Sửa người dùng" not in only_creations
    officer = web.test_client()
    users.create_user(store, "mai", "Phạm Mai", "officer", "mat-khau-mai")
    sign_in(officer, "mai", "mat-khau-mai")
    assert officer.get("/admin/audit").status_code == 403
    assert officer.get("/admin/users/").status_code == 403
