"""Admin pages for the queue's setup: services, counters, settings, file import.

Every form is validated by the same functions as the file loader
(:mod:`central.queue.setup`); a mistake is shown in Vietnamese and changes
nothing. Every change is in the audit log with the admin's name.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from ..appointments import bookings
from ..errors import Refused
from ..queue import setup, state
from . import store
from .auth import login_required
from .queue import _topics, publish

bp = Blueprint("queue_admin", __name__)


def _page(status=200):
    db = store().db
    return render_template("queue/admin.html", services=setup.services(db),
                           counters=setup.counters(db), settings=setup.settings(db),
                           priority_classes=setup.priority_classes(db),
                           form=request.form if request.method == "POST" else {}), status


@bp.get("/admin/queue")
@login_required("admin")
def setup_page():
    return _page()


def _republish() -> None:
    publish(state.everything(store().db, _topics()))
    # Fewer counters or another weight: bookings left without a seat go to staff's list.
    lost = bookings.recheck(store(), current_app.config["MOTCUA"], actor=g.user["username"])
    if lost:
        flash(f"{lost} lịch hẹn không còn chỗ sau thay đổi này: xem “Lịch hẹn cần xử lý”.",
              "error")


def _apply(change, done_message):
    try:
        with store().write() as db:
            change(db)
    except Refused as refusal:
        flash(refusal.message, "error")
        return _page(422)
    finally:
        # After the commit (or the rollback), not inside the transaction: another
        # thread reading settings between a clear inside it and the commit would
        # cache the old values for CACHE_SECONDS.
        setup.forget_settings()
    _republish()
    flash(done_message, "ok")
    return redirect(url_for("queue_admin.setup_page"))


@bp.post("/admin/queue/service")
@login_required("admin")
def save_service():
    f = request.form
    data = {"code": f.get("code", ""), "name": f.get("name", ""), "prefix": f.get("prefix", ""),
            "range": [f.get("range_start", ""), f.get("range_end", "")],
            "target_wait_min": f.get("target_wait_min"), "max_wait_min": f.get("max_wait_min")}
    return _apply(lambda db: setup.save_service(db, data, actor=g.user["username"]),
                  f"Đã lưu dịch vụ {data['name'].strip()}.")


@bp.post("/admin/queue/counter")
@login_required("admin")
def save_counter():
    f = request.form
    services = {}
    for code in f.getlist("services"):
        services[code] = f.get(f"weight_{code}") or 1
    data = {"number": f.get("number"), "name": f.get("name"), "hall": f.get("hall"),
            "node": f.get("node"), "services": services}
    if "hours" in f:  # a page older than the field leaves them as they are
        data["hours"] = f.get("hours", "")
    return _apply(lambda db: setup.save_counter(db, data, actor=g.user["username"]),
                  f"Đã lưu quầy {f.get('number', '')}.")


@bp.post("/admin/queue/priority")
@login_required("admin")
def save_priority():
    data = {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
    return _apply(lambda db: setup.save_priority_class(db, data, actor=g.user["username"]),
                  f"Đã lưu đối tượng ưu tiên {data['name'].strip()}.")


@bp.post("/admin/queue/settings")
@login_required("admin")
def save_settings():
    # A form without a setting leaves it as it is (a page older than the setting).
    values = {k: request.form[k] for k in setup.DEFAULT_SETTINGS if k in request.form}
    return _apply(lambda db: setup.save_settings(db, values, actor=g.user["username"]),
                  "Đã lưu thiết lập hàng chờ.")


@bp.post("/admin/queue/import")
@login_required("admin")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Xin chọn tệp cấu hình (TOML hoặc JSON).", "error")
        return _page(422)
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        flash("Tệp phải là văn bản UTF-8.", "error")
        return _page(422)
    try:
        counts = setup.load(store(), setup.parse(text, upload.filename),
                            actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        # A file that cannot be read is a bad request; a readable one that
        # describes an impossible centre is unprocessable.
        return _page(400 if refusal.code == "invalid_file" else 422)
    _republish()
    flash(f"Đã nạp {counts['services']} dịch vụ, {counts['counters']} quầy.", "ok")
    return redirect(url_for("queue_admin.setup_page"))
