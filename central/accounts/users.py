"""People who sign in: admins, supervisors (inspection team, director), officers.

::

    create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mật-khẩu-dài")
    authenticate(store, "lan.nt", "mật-khẩu-dài")["role"]   # 'officer'
"""

from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from motcua import clock
from motcua.text import nfc

from ..errors import Refused
from ..store import Store
from . import audit

ROLES = {"admin": "Quản trị", "supervisor": "Giám sát", "officer": "Cán bộ"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8
# Checked against when the user does not exist, so a wrong name costs as much
# time as a wrong password and does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("motcua-no-such-user")


def _check_name_and_role(full_name: str, role: str) -> None:
    """A user's full name (NFC) and role as a new or edited account may have them."""
    if not full_name:
        raise Refused("invalid_name", "Cần nhập họ và tên.")
    if len(full_name) > 100:
        raise Refused("invalid_name", "Họ và tên dài quá 100 ký tự.")
    if role not in ROLES:
        raise Refused("invalid_role", "Vai trò phải là quản trị, giám sát hoặc cán bộ.")


def create_user(store: Store, username: str, full_name: str, role: str, password: str,
                actor: str | None = None) -> dict:
    username = username.strip().lower()
    full_name = nfc(full_name)
    if not USERNAME.match(username):
        raise Refused("invalid_username",
                      "Tên đăng nhập gồm 2–40 chữ thường không dấu, số, dấu chấm, gạch.")
    _check_name_and_role(full_name, role)
    if len(password) < MIN_PASSWORD:
        raise Refused("weak_password", f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    with store.write() as db:
        if db.execute("select 1 from users where username = ?", [username]).fetchone():
            raise Refused("username_taken", f"Tên đăng nhập '{username}' đã có.")
        row = {
            "username": username,
            "full_name": full_name,
            "role": role,
            "password_hash": generate_password_hash(password),
            "active": 1,
            "created_at": clock.iso(),
        }
        db["users"].insert(row)
        audit.record(db, actor, "user.create", f"user:{username}", {"role": role})
    return public(get_user(store, username=username))


def set_password(store: Store, username: str, password: str, actor: str | None = None) -> None:
    if len(password) < MIN_PASSWORD:
        raise Refused("weak_password", f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    with store.write() as db:
        # A new password ends every session of the account (its epoch moves on).
        changed = db.execute("update users set password_hash = ?, "
                             "session_epoch = session_epoch + 1 where username = ?",
                             [generate_password_hash(password), username]).rowcount
        if not changed:
            raise Refused("no_such_user", f"Không có người dùng '{username}'.")
        audit.record(db, actor, "user.password", f"user:{username}")


def end_sessions(store: Store, user_id: int, actor: str | None = None) -> None:
    """End every session of this user, on every browser (signing out does this)::

        users.end_sessions(store, g.user["id"], actor=g.user["username"])
    """
    with store.write() as db:
        db.execute("update users set session_epoch = session_epoch + 1 where id = ?", [user_id])
        audit.record(db, actor, "user.sessions_ended", f"user:{user_id}")


def get_user(store: Store, user_id: int | None = None, username: str | None = None):
    if user_id is not None:
        rows = list(store.db.query("select * from users where id = ?", [user_id]))
    else:
        rows = list(store.db.query("select * from users where username = ?", [username]))
    return rows[0] if rows else None


def authenticate(store: Store, username: str, password: str) -> dict | None:
    """The user when the password is right and the account active, else ``None``."""
    user = get_user(store, username=(username or "").strip().lower())
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user["password_hash"], password or "") or not user["active"]:
        return None
    return public(user)


def public(user: dict | None) -> dict | None:
    """A user without the password hash: what views and templates may see."""
    if user is None:
        return None
    return {k: v for k, v in user.items() if k != "password_hash"} | {
        "role_name": ROLES[user["role"]]
    }


def list_users(store: Store) -> list[dict]:
    return [public(u) for u in store.db.query("select * from users order by role, username")]


def update_user(store: Store, username: str, *, full_name: str, role: str, active: bool,
                actor: str | None) -> dict:
    """Change a user's name, role or whether they may sign in (audited).

    The centre never loses its last active admin, and an admin cannot lock
    themselves out.
    """
    full_name = nfc(full_name)
    _check_name_and_role(full_name, role)
    with store.write() as db:
        rows = list(db.query("select * from users where username = ?", [username]))
        if not rows:
            raise Refused("no_such_user", f"Không có người dùng '{username}'.")
        user = rows[0]
        if username == actor and (role != user["role"] or not active):
            raise Refused("own_account", "Không thể tự đổi vai trò hoặc khóa tài khoản của mình.")
        if user["role"] == "admin" and user["active"] and (role != "admin" or not active):
            admins = db.execute("select count(*) from users where role = 'admin' and active = 1"
                                ).fetchone()[0]
            if admins <= 1:
                raise Refused("last_admin", "Trung tâm cần ít nhất một quản trị viên hoạt động.")
        new = {"full_name": full_name, "role": role, "active": 1 if active else 0}
        changes = {k: [user[k], v] for k, v in new.items() if user[k] != v}
        if changes:
            db["users"].update(user["id"], new)
            audit.record(db, actor, "user.update", f"user:{username}", changes)
    return public(get_user(store, username=username))
