"""The SMS and e-mail pages: the delivery log for staff, and a ticket's phone.

``/sms`` (staff): every message in and out, newest first, filtered by state;
supervisors may send a failed (or uncertain) message again. ``POST
/t/<token>/sms`` (public, from the ticket's own page): the ticket's holder
leaves a phone number for "your turn is near". The dashboard section
"Tin nhắn không gửi được" lists failed deliveries (:mod:`central.web.dashboard`).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from ..queue import tickets
from ..sms import notices, outbox
from . import store
from .auth import login_required
from .dashboard import section
from .policy import STAFF, SUPERVISION

bp = Blueprint("sms", __name__)
PHONE = re.compile(r"^(0\d{9,10}|\+84\d{9,10})$")


def _config():
    return current_app.config["MOTCUA"]


@bp.app_context_processor
def sms_names():
    def ticket_has_phone(token: str) -> bool:
        ticket = tickets.by_token(store().db, token)
        return bool(ticket and store().db.execute(
            "select 1 from ticket_contacts where ticket_id = ?", [ticket["id"]]).fetchone())

    def dossier_notices(dossier_id: int) -> dict:
        db = store().db
        row = db.execute("select sms, email from dossier_contacts where dossier_id = ?",
                         [dossier_id]).fetchone()
        return {"sms": bool(row and row[0]), "email": row[1] if row else "",
                "messages": outbox.for_dossier(db, dossier_id)}

    return {"message_state_names": outbox.STATE_NAMES, "message_kind_names": outbox.KIND_NAMES,
            "sms_enabled": _config().sms.enabled, "email_enabled": bool(_config().email.host),
            "ticket_has_phone": ticket_has_phone,
            "dossier_notices": dossier_notices}


@section("sms", "Tin nhắn, thư thông báo không gửi được", "sms/_dashboard.html", order=60)
def failed_deliveries(db):
    return {"items": outbox.failures(db, limit=20), "counts": outbox.counts(db)}


@bp.get("/sms")
@login_required(*STAFF)
def log_page():
    db = store().db
    state = request.args.get("state", "")
    if state not in outbox.STATE_NAMES:
        state = ""
    channel = request.args.get("channel", "")
    if channel not in ("sms", "email"):
        channel = ""
    return render_template("sms/log.html", rows=outbox.listing(db, state=state, channel=channel),
                           state=state, channel=channel, counts=outbox.counts(db),
                           config=_config())


@bp.post("/sms/<int:message_id>/retry")
@login_required(*SUPERVISION)
def retry(message_id: int):
    if outbox.retry(store(), message_id):
        flash(f"Tin nhắn #{message_id} sẽ được gửi lại.", "ok")
    else:
        flash(f"Tin nhắn #{message_id} không ở trạng thái gửi lỗi.", "error")
    return redirect(url_for("sms.log_page", state=request.form.get("state", "")))


@bp.post("/t/<token>/sms")
def ticket_phone(token: str):
    if not token.isalnum() or len(token) > 64:
        abort(404)
    ticket = tickets.by_token(store().db, token)
    if ticket is None:
        abort(404, description="Không tìm thấy số thứ tự này.")
    phone = re.sub(r"[\s.-]", "", request.form.get("phone", ""))
    if not _config().sms.enabled:
        flash("Trung tâm chưa bật nhắn tin SMS.", "error")
    elif ticket["status"] != "waiting":
        flash("Số thứ tự này không còn chờ gọi.", "error")
    elif not PHONE.match(phone):
        flash("Số điện thoại không hợp lệ (ví dụ 0912345678).", "error")
    else:
        with store().write() as db:
            notices.add_ticket_contact(db, ticket["id"], phone)
        flash(f"Sẽ nhắn tin khi còn {_config().sms.turn_near_ahead} người trước bạn.", "ok")
    return redirect(url_for("queue.ticket_page", token=token))
