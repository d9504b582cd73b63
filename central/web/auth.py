"""Signing in and out, roles, and CSRF protection for every form.

Views say who may see them::

    @bp.get("/admin/services")
    @login_required("admin")
    def services(): ...

    @bp.get("/console")
    @login_required(*STAFF)              # the role groups of .policy
    def console(): ...

Every POST/PUT/PATCH/DELETE must carry the session's CSRF token, as the form
field ``csrf_token`` (templates: ``{{ csrf_field() }}``) or the header
``X-CSRF-Token`` (scripts: read ``<meta name="csrf-token">``).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from urllib.parse import urlparse

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from ..accounts import throttle, users
from . import devices, store

bp = Blueprint("auth", __name__)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="csrf_token" value="{csrf_token()}">')


def _session_over(user: dict) -> bool:
    """Signed out elsewhere, a new password, or a shift since signing in."""
    if session.get("epoch") != user.get("session_epoch", 0):
        return True
    hours = current_app.config["MOTCUA"].http.session_hours
    return time.time() - session.get("since", 0) > hours * 3600


@bp.before_app_request
def load_user_and_check_csrf():
    user_id = session.get("user_id")
    g.user = users.public(users.get_user(store(), user_id=user_id)) if user_id else None
    if g.user is not None and (not g.user["active"] or _session_over(g.user)):
        session.clear()
        g.user = None
    if request.method in UNSAFE_METHODS:
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(400, description="Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                   "Xin tải lại trang và thử lại.")


def login_required(*roles: str):
    """Only signed-in users of these roles (any role when none is named)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and g.user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never redirect a signed-in officer elsewhere.
    if target and urlparse(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "")[:100]
        address = request.remote_addr
        # A browser this name signed in from before is judged on its own record, not on
        # its address's: the hall's Wi-Fi may leave through the same NAT as the desks.
        trusted = devices.read(devices.DEVICE)
        device = trusted.get(throttle.name_key(username))
        wait = throttle.wait_seconds(store(), username, address, device=device)
        if wait:
            return _too_many(wait)
        user = users.authenticate(store(), username, request.form.get("password", ""))
        if user is None:
            wait = throttle.failed(store(), username, address, device=device)
            if wait:
                return _too_many(wait)
            flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
            return render_template("login.html"), 401
        throttle.succeeded(store(), username, address, device=device)
        session.clear()
        session["user_id"] = user["id"]
        # Checked at every request: the user's epoch (signing out anywhere, a new
        # password end this session) and the shift's start (http.session_hours).
        session["epoch"] = user.get("session_epoch", 0)
        session["since"] = int(time.time())
        session.permanent = True
        csrf_token()
        response = redirect(_safe_next(request.args.get("next")))
        name = throttle.name_key(username)
        trusted.pop(name, None)        # newest last: the cookie keeps the newest names
        trusted[name] = device or secrets.token_urlsafe(16)
        devices.write(response, devices.DEVICE, trusted)
        return response
    return render_template("login.html")


def _too_many(wait: int):
    # Refused before the password is even checked: guessing gains nothing.
    flash(f"Đăng nhập sai quá nhiều lần. Xin thử lại sau {wait_text(wait)}.", "error")
    return render_template("login.html"), 429, {"Retry-After": str(wait)}


def wait_text(seconds: int) -> str:
    """A lock's wait as people say it: "40 giây", "15 phút" (not "900 giây")."""
    if seconds < 60:
        return f"{seconds} giây"
    return f"{-(-seconds // 60)} phút"


@bp.post("/logout")
def logout():
    # Every session of this account ends, not only this browser's cookie: a
    # copy of it taken before (a shared PC, a stolen cookie) opens nothing.
    if g.user is not None:
        users.end_sessions(store(), g.user["id"], actor=g.user["username"])
    session.clear()
    return redirect(url_for("public.index"))
