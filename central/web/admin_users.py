"""Admin pages for the people who sign in: list, add, edit, lock, reset password.

Every change goes through :mod:`central.accounts.users`, which records it in the
audit log inside the same transaction.
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from ..accounts import throttle, users
from ..errors import Refused
from . import store
from .auth import login_required, wait_text

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


@bp.get("/")
@login_required("admin")
def index():
    return _page(form={})


def _page(form, status: int = 200):
    return render_template("admin/users.html", users=users.list_users(store()),
                           roles=users.ROLES, form=form,
                           **_locks()), status


def _locks() -> dict:
    """The locks in force, grouped as the page shows them: per name (each with its
    places and browsers, one button), then the addresses locked as a whole."""
    names: dict[str, list[dict]] = {}
    addresses = []
    for lock in throttle.locks(store()):
        if lock["name"] is None:
            addresses.append(lock)
        else:
            names.setdefault(lock["name"], []).append(lock)
    return {"locked_names": names, "locked_addresses": addresses, "wait_text": wait_text}


@bp.post("/")
@login_required("admin")
def create():
    form = request.form
    try:
        users.create_user(store(), form.get("username", ""), form.get("full_name", ""),
                          form.get("role", ""), form.get("password", ""),
                          actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return _page(form, 400)
    flash(f"Đã tạo người dùng {form.get('username', '').strip().lower()}.", "ok")
    return redirect(url_for(".index"))


def _user_or_404(username: str) -> dict:
    user = users.public(users.get_user(store(), username=username))
    if user is None:
        abort(404)
    return user


@bp.get("/<username>")
@login_required("admin")
def edit(username):
    return render_template("admin/user_edit.html", user=_user_or_404(username),
                           roles=users.ROLES)


@bp.post("/<username>")
@login_required("admin")
def update(username):
    user = _user_or_404(username)
    form = request.form
    try:
        users.update_user(store(), username, full_name=form.get("full_name", ""),
                          role=form.get("role", ""), active=form.get("active") == "1",
                          actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return render_template("admin/user_edit.html", user=user, roles=users.ROLES), 400
    flash("Đã lưu thay đổi.", "ok")
    return redirect(url_for(".edit", username=username))


@bp.post("/<username>/password")
@login_required("admin")
def password(username):
    user = _user_or_404(username)
    new, again = request.form.get("password", ""), request.form.get("password2", "")
    try:
        if new != again:
            raise Refused("mismatch", "Hai lần nhập mật khẩu không khớp.")
        users.set_password(store(), username, new, actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return render_template("admin/user_edit.html", user=user, roles=users.ROLES), 400
    flash(f"Đã đặt mật khẩu mới cho {username}.", "ok")
    return redirect(url_for(".edit", username=username))


@bp.post("/locks/<path:username>/unlock")
@login_required("admin")
def unlock(username):
    # Any name the sign-in locked, a user or a guessed one: the lock is on the name.
    name = throttle.name_key(username)
    if not name:
        abort(404)
    throttle.unlock_name(store(), name, actor=g.user["username"])
    flash(f"Đã mở khóa đăng nhập cho {name}: lần đăng nhập sau được thử ngay.", "ok")
    return redirect(url_for(".index") + "#sign-in-locks")


@bp.post("/locks/address")
@login_required("admin")
def unlock_address():
    address = request.form.get("address", "").strip()[:64]
    if not address:
        flash("Chưa chọn địa chỉ để mở khóa.", "error")
        return _page({}, 400)
    throttle.unlock_address(store(), address, actor=g.user["username"])
    flash(f"Đã mở khóa đăng nhập từ địa chỉ {address}.", "ok")
    return redirect(url_for(".index") + "#sign-in-locks")
