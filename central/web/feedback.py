"""Feedback pages: the public form and answers, and the inspection team's desk.

Public (no sign-in, no personal data shown): ``/gop-y`` the form (opened
from a ticket's live page with ``?ticket=<token>`` or from a dossier lookup
with ``?dossier=<code>``), ``/gop-y/<token>`` the citizen's own page with the
published answer, ``/gop-y/cong-khai`` every published answer.
Inspection (supervisors and admins): ``/feedback`` the list, one item's page,
assign, answer and publish.

The public form is guarded without puzzles: a signed token with the time the
form was shown (sent back sooner than ``feedback.min_fill_seconds`` is
refused, kindly, keeping what was typed), a hidden field people never fill,
and per-address, per-ticket and per-dossier limits.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from motcua import clock

from .. import feedback
from ..accounts import users
from ..calendar.working_time import VN
from ..documents.formats import parse_day
from ..errors import Refused
from . import config as _config
from . import store
from .auth import login_required
from .dashboard import section
from .policy import SUPERVISION

bp = Blueprint("feedback", __name__)
HONEYPOT = "website"
FORM_CONTEXT = "feedback"


def _secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else key.encode()


def _ticket_for(token: str):
    if not token or not token.isalnum() or len(token) > 64:
        return None
    rows = list(store().db.query("select display, token from tickets where token = ?",
                                 [token]))
    return rows[0] if rows else None


def _form(values: dict, problem: str = "", status: int = 200, token: str = ""):
    return render_template(
        "feedback/form.html", values=values, problem=problem, kinds=feedback.KINDS,
        topics=feedback.TOPICS, ticket=_ticket_for(values.get("ticket", "")),
        form_token=token or feedback.form_token(_secret(), FORM_CONTEXT), honeypot=HONEYPOT,
    ), status


@bp.get("/gop-y")
def form():
    values = {"ticket": request.args.get("ticket", "")[:64],
              "dossier": request.args.get("dossier", "")[:64], "kind": "complaint"}
    return _form(values)


@bp.post("/gop-y")
def submit():
    f = request.form
    values = {k: f.get(k, "") for k in ("kind", "topic", "text", "ticket", "dossier",
                                        "contact_name", "contact_phone", "contact_email")}
    if f.get(HONEYPOT):
        # Only scripts fill a field people cannot see; say no plainly, keep nothing.
        return _form(values, "Không nhận được góp ý này. Xin tải lại trang và gửi lại.", 400)
    try:
        feedback.check_form_token(_secret(), f.get("form_token", ""), FORM_CONTEXT,
                                  _config().feedback.min_fill_seconds)
        item = feedback.submit(
            store(), _config(), source="web", kind=values["kind"] or "complaint",
            topic=values["topic"] or "", text=values["text"],
            ticket_token=values["ticket"] or None, dossier_code=values["dossier"] or None,
            contact_name=values["contact_name"], contact_phone=values["contact_phone"],
            contact_email=values["contact_email"], client_key=f"ip:{request.remote_addr}")
    except Refused as refusal:
        status = 429 if refusal.code.startswith("too_many") else 400
        return _form(values, refusal.message, status,
                     feedback.token_to_keep(f.get("form_token", ""), refusal))
    flash(f"Đã nhận góp ý của bạn, mã {item['code']}. Hãy lưu lại địa chỉ trang này để xem "
          "câu trả lời.", "ok")
    return redirect(url_for("feedback.status", token=item["public_token"]))


@bp.get("/gop-y/<token>")
def status(token: str):
    if len(token) > 64:
        abort(404)
    item = feedback.by_token(store().db, token)
    if item is None:
        abort(404, description="Không tìm thấy góp ý này. Xin kiểm tra lại địa chỉ.")
    return render_template("feedback/status.html", item=item)


@bp.get("/gop-y/cong-khai")
def published():
    return render_template("feedback/published.html", items=feedback.published(store().db))


# --- The inspection team -------------------------------------------------------------------

INSPECTION = SUPERVISION  # the inspection team: supervisors and admins


@bp.get("/feedback")
@login_required(*INSPECTION)
def desk():
    db = store().db
    today = clock.now().astimezone(VN).date()
    try:
        period = (parse_day(request.args.get("from") or today.replace(day=1).isoformat(),
                            "Từ ngày"),
                  parse_day(request.args.get("to") or today.isoformat(), "Đến ngày"))
        share = feedback.on_time_share(db, period[0].isoformat(), period[1].isoformat())
    except ValueError as bad:
        abort(400, description=str(bad))
    return render_template("feedback/desk.html", items=feedback.listing(db, request.args.get(
        "status") or None), share=share, period=period, statuses=feedback.STATUSES)


@bp.get("/feedback/<int:feedback_id>")
@login_required(*INSPECTION)
def show(feedback_id: int):
    db = store().db
    item = feedback.get(db, feedback_id)
    if item is None:
        abort(404)
    team = [u for u in users.list_users(store()) if u["active"]
            and u["role"] in INSPECTION]
    return render_template("feedback/show.html", item=item, events=feedback.events(db,
                           feedback_id), team=team)


def _act(feedback_id: int, do, done: str):
    try:
        do()
    except Refused as refusal:
        flash(refusal.message, "error")
    else:
        flash(done, "ok")
    return redirect(url_for("feedback.show", feedback_id=feedback_id))


@bp.post("/feedback/<int:feedback_id>/assign")
@login_required(*INSPECTION)
def assign(feedback_id: int):
    return _act(feedback_id, lambda: feedback.assign(
        store(), feedback_id, request.form.get("assignee", ""), actor=g.user["username"]),
        "Đã giao xử lý.")


@bp.post("/feedback/<int:feedback_id>/answer")
@login_required(*INSPECTION)
def answer(feedback_id: int):
    return _act(feedback_id, lambda: feedback.answer(
        store(), feedback_id, request.form.get("answer", ""), actor=g.user["username"],
        publish=bool(request.form.get("publish"))), "Đã lưu câu trả lời.")


@bp.post("/feedback/<int:feedback_id>/publish")
@login_required(*INSPECTION)
def publish(feedback_id: int):
    return _act(feedback_id, lambda: feedback.publish(
        store(), feedback_id, actor=g.user["username"]), "Đã công khai câu trả lời.")


# The supervisor's dashboard: feedback past its deadline, and this month's share on time.
@section("feedback", "Phản ánh, kiến nghị quá hạn trả lời", "feedback/_dashboard.html",
         order=60)
def dashboard_section(db) -> dict:
    today = clock.now().astimezone(VN).date()
    month = feedback.on_time_share(db, today.replace(day=1).isoformat(), today.isoformat())
    return {"items": feedback.overdue(db), "month": month}
