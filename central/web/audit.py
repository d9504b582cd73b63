"""The audit log page: who changed what, for supervisors and admins."""

from flask import Blueprint, render_template, request

from ..accounts import audit
from . import store
from .auth import login_required
from .policy import SUPERVISION

# How each recorded action reads on the page; other areas add theirs here.
ACTION_NAMES = {
    "user.create": "Tạo người dùng",
    "user.update": "Sửa người dùng",
    "user.password": "Đặt mật khẩu",
    "user.sessions_ended": "Đăng xuất (mọi phiên)",
    "signin.locked": "Tạm khóa đăng nhập sau nhiều lần sai",
    "signin.unlocked": "Mở khóa đăng nhập cho một tên",
    "signin.address_unlocked": "Mở khóa đăng nhập từ một địa chỉ",
    "lookup.locked": "Tạm khóa tra cứu hồ sơ từ một địa chỉ tra cứu quá nhiều",
}

DETAIL_NAMES = {
    "role": "vai trò",
    "full_name": "họ tên",
    "active": "hoạt động",
    "failures": "số lần sai",
    "seconds": "khóa (giây)",
    "keys": "số khóa được mở",
}

bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@login_required(*SUPERVISION)
def page():
    who = request.args.get("username", "").strip()[:40] or None
    action = request.args.get("action", "").strip()[:60] or None
    entries = audit.search(store().db, username=who, action_prefix=action, limit=200)
    return render_template("admin/audit.html", entries=entries, who=who or "",
                           action=action or "", action_names=ACTION_NAMES,
                           detail_names=DETAIL_NAMES)
