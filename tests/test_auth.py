"""Signing in, roles, CSRF, and the headers every page carries."""

import re
import subprocess

import pytest

from central import create_app
from central.accounts import users
from central.errors import Refused
from central.web.auth import login_required

from .conftest import MOTCUA


@pytest.fixture
def web(hub_config, store):
    app = create_app(hub_config, store=store)

    @app.get("/test/admin-only")
    @login_required("admin")
    def admin_only():
        return "bí mật"

    @app.post("/test/change")
    @login_required()
    def change():
        return "đã đổi"

    users.create_user(store, "admin", "Lê Văn Quản", "admin", "mat-khau-admin")
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan")
    return app.test_client()


def token_of(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token_of(client)})


def test_sign_in_with_the_right_password_only(web):
    reply = sign_in(web, "admin", "sai-mat-khau")
    assert reply.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in reply.get_data(as_text=True)
    assert sign_in(web, "nobody", "whatever1").status_code == 401
    assert sign_in(web, "admin", "mat-khau-admin").status_code == 302
    assert "Lê Văn Quản" in web.get("/").get_data(as_text=True)


def test_roles_decide_who_sees_what(web):
    assert web.get("/test/admin-only").status_code == 302  # to the sign-in page
    sign_in(web, "lan.nt", "mat-khau-lan")
    forbidden = web.get("/test/admin-only")
    assert forbidden.status_code == 403
    assert "Bạn không có quyền xem trang này" in forbidden.get_data(as_text=True)
    web.post("/logout", data={"csrf_token": token_of(web, "/")})
    sign_in(web, "admin", "mat-khau-admin")
    assert web.get("/test/admin-only").get_data(as_text=True) == "bí mật"


def test_a_form_without_its_csrf_token_is_refused(web):
    sign_in(web, "lan.nt", "mat-khau-lan")
    refused = web.post("/test/change")
    assert refused.status_code == 400
    assert "Xin tải lại trang" in refused.get_data(as_text=True)
    assert web.post("/test/change", data={"csrf_token": "forged"}).status_code == 400
    ok = web.post("/test/change", headers={"X-CSRF-Token": token_of(web, "/")})
    assert ok.get_data(as_text=True) == "đã đổi"
    assert web.post("/login", data={"username": "admin",
                                    "password": "mat-khau-admin"}).status_code == 400


def test_sign_in_goes_back_only_to_this_site(web):
    token = token_of(web)
    reply = web.post("/login?next=https://evil.example/", data={
        "username": "admin", "password": "mat-khau-admin", "csrf_token": token})
    assert reply.headers["Location"] == "/"


def test_every_page_carries_security_headers_and_a_safe_cookie(web):
    reply = sign_in(web, "admin", "mat-khau-admin")
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    for path in ["/", "/nodes", "/login", "/no-such-page"]:
        headers = web.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_passwords_are_stored_as_slow_salted_hashes(store):
    users.create_user(store, "an", "Trần An", "supervisor", "mot-mat-khau")
    stored = store.db.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("scrypt:") and "mot-mat-khau" not in stored
    with pytest.raises(Refused, match="ít nhất"):
        users.create_user(store, "binh", "Bình", "officer", "ngan")
    with pytest.raises(Refused, match="đã có"):
        users.create_user(store, "an", "Trần An", "officer", "mot-mat-khau")
    assert store.db["audit_log"].count == 1  # refused changes leave no trace


def test_user_command_reads_the_password_from_stdin(tmp_path, hub_config):
    config = tmp_path / "hub.toml"
    config.write_text(f'center = "{hub_config.center}"\ndatabase = "{hub_config.database}"\n')
    added = subprocess.run([*MOTCUA, "user", "add", "hoa.pt", "--role", "officer", "--name",
                            "Phạm Thị Hoa", "--config", str(config)], input="mat-khau-hoa\n",
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    listed = subprocess.run([*MOTCUA, "user", "list", "--config", str(config)],
                            capture_output=True, text=True, timeout=60).stdout
    assert "hoa.pt" in listed and "Phạm Thị Hoa" in listed and "Cán bộ" in listed
    weak = subprocess.run([*MOTCUA, "user", "add", "x1", "--role", "officer", "--name", "X",
                           "--config", str(config)], input="123\n", capture_output=True,
                          text=True, timeout=60)
    assert weak.returncode == 1 and "ít nhất 8" in weak.stderr
