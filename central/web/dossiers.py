"""Dossier pages: reception, a dossier and its actions, scanning, work lists,
printable forms, and the public lookup by code (no sign-in)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from motcua import clock, wording
from motcua.public_terms import confirmed

from .. import dossiers
from ..accounts import throttle
from ..appointments import bookings
from ..calendar import sources, working_calendar
from ..calendar.working_time import VN
from ..catalog import procedures
from ..documents.formats import parse_day, parse_moment
from ..dossiers import queries
from ..dossiers import reception as dossier_reception
from ..errors import Refused
from ..queue import setup
from . import config, store, whole_number
from .auth import login_required, wait_text
from .dashboard import section
from .people import full_names
from .policy import STAFF

bp = Blueprint("dossiers", __name__)
CLASS_NAMES = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


@bp.app_context_processor
def dossier_names():
    return {"dossier_status_names": dossiers.STATUSES, "classification_names": CLASS_NAMES,
            "channel_names": procedures.CHANNELS, "unit_names": procedures.TIME_UNITS}


# -- public -------------------------------------------------------------------


@bp.get("/tra-cuu")
def lookup():
    code = request.args.get("code", "").strip()[:100]
    if not code:
        return render_template("dossiers/lookup.html", code=code, found=None)
    # Codes are the agency, the day and a sequence number: anyone could walk a day's
    # codes and read every dossier's procedure, masked name and supplement note. Each
    # look-up counts for its address (30 in 15 minutes free, then waits that grow) ...
    key = request.args.get("k", "")[:40]
    if not (key and hmac.compare_digest(key, receipt_key(code))):
        wait = throttle.lookup_wait(store(), request.remote_addr)
        if wait:
            return render_template("dossiers/lookup.html", code=code, found=None, problem=(
                f"Tra cứu quá nhiều lần. Xin thử lại sau {wait_text(wait)}. Nếu bạn có giấy "
                "tiếp nhận hồ sơ, hãy quét mã QR trên giấy: tra cứu bằng mã QR không phải "
                "chờ.")), 429, {"Retry-After": str(wait)}
        throttle.looked_up(store(), request.remote_addr)
    # ... except with the key the receipt's QR carries: the citizen holding the paper
    # is not walking codes, and a stranger on the same Wi-Fi cannot lock her out.
    found = queries.lookup(store().db, code)
    return render_template("dossiers/lookup.html", code=code, found=found)


# -- reception ----------------------------------------------------------------


@bp.get("/reception")
@login_required(*STAFF)
def reception():
    db = store().db
    q = request.args.get("q", "")
    chosen = None
    if whole_number(request.args.get("procedure_id", "")) is not None:
        chosen = procedures.get(db, whole_number(request.args["procedure_id"]))
    matches = queries.search_procedures(db, q) if q or chosen is None else []
    return render_template("dossiers/reception.html", q=q, matches=matches, procedure=chosen,
                           form={}, withdrawn=_withdrawn(db, chosen or q.strip()),
                           other_level=_other_level(db, chosen))


def _other_level(db, chosen) -> dict | None:
    """The chosen procedure's level and the levels received here, in words, when the
    centre does not receive that level and has not listed it among those received
    whatever their level: a warning, not a refusal. Nghị định 118/2025/NĐ-CP lets a
    dossier of a procedure on the province's list "không phụ thuộc vào địa giới hành
    chính" be submitted at any one-stop desk, whatever the level, and the centre's list
    may be incomplete (docs/dossiers.md, "Levels")."""
    if chosen is None or bookings.received_here(db, chosen.get("level"), chosen.get("code")):
        return None
    received = [bookings.level_words(level) for level in setup.PROCEDURE_LEVELS
                if level in setup.procedure_levels(db)]
    return {"level": bookings.level_words(chosen.get("level")), "received": ", ".join(received)}


def _withdrawn(db, chosen) -> dict | None:
    """The procedure chosen (or its code typed) was withdrawn: what to tell the officer."""
    return procedures.withdrawal(db, procedures.current(
        db, chosen if isinstance(chosen, str) else chosen["code"]) if chosen else None)


@bp.post("/reception")
@login_required(*STAFF)
def receive():
    f = request.form
    extra = [{"name": n, "reason": r} for n, r in
             zip(f.getlist("extra_name"), f.getlist("extra_reason"), strict=False)]
    refusing = bool(f.get("refuse"))
    try:
        if refusing and not f.get("refuse_reason", "").strip():
            raise Refused("note_required", "Từ chối tiếp nhận: cần ghi lý do (mẫu 03).")
        d = dossier_reception.receive(
            store(), config(), procedure_id=f.get("procedure_id"), channel=f.get("channel", ""),
            applicant={k: f.get(k, "") for k in ("name", "id_number", "phone", "address")},
            components=f.getlist("component"), extra_components=extra,
            refuse_reason=f.get("refuse_reason", "") if refusing else "",
            actor=g.user["username"],
            notify={"sms": f.get("notify_sms") == "1", "email": f.get("notify_email", "")},
            confirmed_time_limit=None if refusing else _confirmed_limit(f))
    except Refused as exc:
        flash(exc.message, "error")
        chosen = procedures.get(store().db, whole_number(f["procedure_id"])) \
            if whole_number(f.get("procedure_id", "")) is not None else None
        if exc.code == "limit_for_another_channel":
            # Shown again with the chosen channel's limit, the tick to give again.
            f = f.copy()
            f.poplist("confirmed_time_limit")
            f.poplist("time_limit_checked")
        return render_template("dossiers/reception.html", q="", matches=[], procedure=chosen,
                               form=f), 400
    if refusing:
        flash(f"Đã từ chối tiếp nhận hồ sơ {d['code']}; in phiếu từ chối (mẫu 03).", "ok")
    else:
        flash(f"Đã tiếp nhận hồ sơ {d['code']}.", "ok")
    return redirect(url_for("dossiers.show", dossier_id=d["id"]))


def _confirmed_limit(f) -> str | None:
    """The time limit the officer confirmed against the publishing decision: the value
    entered counts only with the box "Tôi đã đối chiếu …" ticked (else None: refused
    by the reception when the catalog's limit is unconfirmed). A value confirmed for
    another channel than the one submitted (the channel changed and the page's script
    did not refill the field) is refused: its number may be another channel's, in
    another unit."""
    if f.get("time_limit_checked") != "1":
        return None
    for_channel = f.get("confirmed_channel", "")
    if for_channel and for_channel != f.get("channel", ""):
        names = procedures.CHANNELS
        raise Refused("limit_for_another_channel",
                      "Thời hạn giải quyết đã đối chiếu là của hình thức nộp "
                      f"“{names.get(for_channel, for_channel)}”, không phải "
                      f"“{names.get(f.get('channel', ''), f.get('channel', ''))}”: đối chiếu "
                      "lại thời hạn của hình thức nộp đã chọn. Hồ sơ chưa được tiếp nhận.")
    return f.get("confirmed_time_limit", "")


# -- one dossier ----------------------------------------------------------------


def _dossier_or_404(dossier_id: int) -> dict:
    d = dossiers.get(store().db, dossier_id)
    if d is None:
        abort(404, description="Không tìm thấy hồ sơ.")
    return d


@bp.get("/dossiers/<int:dossier_id>")
@login_required(*STAFF)
def show(dossier_id: int):
    db = store().db
    d = _dossier_or_404(dossier_id)
    return render_template(
        "dossiers/show.html", d=d, events=dossiers.events(db, dossier_id),
        transfers=dossiers.transfers(db, dossier_id), actions=dossiers.allowed_actions(d),
        action_names={k: v[2] for k, v in dossiers.ACTIONS.items()},
        departments=queries.departments(db), late=dossiers.is_late(d),
        limit_unconfirmed=d["status"] == 1 and not confirmed(
            (procedures.get(db, d["procedure_id"]) or {"details": {}})["details"], "time_limit"))


@bp.post("/dossiers/<int:dossier_id>/act")
@login_required(*STAFF)
def act(dossier_id: int):
    f = request.form
    action = f.get("action", "")
    try:
        new_due_at = None
        if action == "apologise":
            try:
                new_due_at = parse_moment(f.get("new_due_at"), "Ngày hẹn mới").isoformat()
            except ValueError as bad:
                raise Refused("invalid_date", str(bad)) from None
        d = dossiers.act(store(), config(), dossier_id, action, actor=g.user["username"],
                         note=f.get("note", ""), department_id=f.get("department_id"),
                         new_due_at=new_due_at, confirmed_time_limit=_confirmed_limit(f),
                         internal_note=f.get("internal_note", ""))
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(f"{dossiers.ACTIONS[action][2]}: hồ sơ {d['code']} — {d['status_name']}.", "ok")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id))


@bp.get("/scan")
@login_required(*STAFF)
def scan():
    code = request.args.get("code", "")
    d = dossiers.by_code(store().db, code)
    if d is None:
        flash(f"Không tìm thấy hồ sơ có mã “{code.strip()}”.", "error")
        return redirect(request.referrer or url_for("dossiers.work_lists"))
    return redirect(url_for("dossiers.show", dossier_id=d["id"]))


# -- work lists -------------------------------------------------------------------


@bp.get("/worklists")
@login_required(*STAFF)
def work_lists():
    db = store().db
    deps = queries.departments(db)
    raw = request.args.get("department_id", "")
    department_id = whole_number(raw)
    wl = queries.work_list(db, config(), department_id)
    summary = None if department_id else queries.department_summary(db, config())
    return render_template("dossiers/worklists.html", wl=wl, departments=deps,
                           department_id=department_id, summary=summary)


# -- printable forms ------------------------------------------------------------------


def receipt_key(code: str) -> str:
    """The key a dossier's receipt carries in its QR code (72 bits of an HMAC of the
    code under the hub's secret key): a look-up with it is not counted against the
    address, so walking codes stays held back and the receipt's holder never is."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    digest = hmac.new(secret, b"dossier-receipt:" + code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def public_lookup_url(code: str) -> str:
    base = config().dossiers.public_url.rstrip("/") or request.host_url.rstrip("/")
    return f"{base}{url_for('dossiers.lookup', code=code, k=receipt_key(code))}"


@bp.get("/dossiers/<int:dossier_id>/receipt.pdf")
@login_required(*STAFF)
def receipt_pdf(dossier_id: int):
    # Lazy: the forms bring fpdf, barcode and Pillow's drawing, loaded on the first
    # receipt printed, not with the app (issue 25: the hub's memory).
    from ..dossiers import forms

    d = _dossier_or_404(dossier_id)
    proc = procedures.get(store().db, d["procedure_id"])
    d = {**d, "received_by_name": full_names(store().db).get(d.get("received_by") or ""),
         # The citizen's paper: an unconfirmed code is for staff only (motcua.public_terms).
         "procedure_code_confirmed": bool(proc) and confirmed(proc["details"], "code"),
         # A due date from a time limit nobody confirmed is not printed (docs/dossiers.md).
         "due_at": d["due_at"] if dossiers.due_shown(store().db, d) else None}
    pdf = forms.receipt_pdf(d, config(), public_lookup_url(d["code"]))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="Giay-tiep-nhan-{d["code"]}.pdf"'})


@bp.get("/dossiers/<int:dossier_id>/ticket.png")
@login_required(*STAFF)
def receipt_ticket(dossier_id: int):
    from ..dossiers import forms  # lazy, as in receipt_pdf

    d = _dossier_or_404(dossier_id)
    d = {**d, "due_at": d["due_at"] if dossiers.due_shown(store().db, d) else None}
    image = forms.receipt_ticket_image(d, config(), public_lookup_url(d["code"]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Response(out.getvalue(), mimetype="image/png")


FORMS = {"02": "request_supplement", "03": "refuse", "04": "apologise", "05": "stop"}


@bp.get("/dossiers/<int:dossier_id>/form/<number>")
@login_required(*STAFF)
def form(dossier_id: int, number: str):
    db = store().db
    d = _dossier_or_404(dossier_id)
    evs = dossiers.events(db, dossier_id)
    if number == "06":
        return render_template("dossiers/form06.html", d=d, transfers=dossiers.transfers(
            db, dossier_id), events=evs)
    if number not in FORMS:
        abort(404, description="Không có mẫu phiếu này.")
    event = next((e for e in reversed(evs) if e["action"] == FORMS[number]), None)
    if event is None:
        abort(404, description="Hồ sơ chưa có thao tác tương ứng với mẫu phiếu này.")
    return render_template("dossiers/form.html", d=d, number=number, event=event)


# -- the working calendar's overrides (admin) ----------------------------------------


@bp.route("/admin/calendar", methods=["GET", "POST"])
@login_required("admin")
def calendar_overrides():
    if request.method == "POST":
        f = request.form
        try:
            try:
                day = parse_day(f.get("day"))
            except ValueError as bad:
                raise Refused("invalid_date", str(bad)) from None
            if f.get("remove"):
                working_calendar.remove_override(store(), day, actor=g.user["username"])
                flash(f"Đã bỏ điều chỉnh ngày {day:%d/%m/%Y}.", "ok")
            else:
                working_calendar.set_override(
                    store(), day, working=f.get("working") == "1",
                    decision=f.get("decision", ""), note=f.get("note", ""),
                    actor=g.user["username"])
                flash(f"Đã lưu ngày {day:%d/%m/%Y}.", "ok")
            lost = bookings.recheck(store(), config(), actor=g.user["username"])
            if lost:
                flash(f"{lost} lịch hẹn không còn chỗ sau thay đổi này: xem “Lịch hẹn cần "
                      "xử lý”.", "error")
        except Refused as exc:
            flash(exc.message, "error")
        return redirect(url_for("dossiers.calendar_overrides"))
    db = store().db
    cal = working_calendar.calendar_for(db, config())
    today = clock.now().astimezone(VN).date()  # the demo's day in a demo
    table = sources.shipped()
    pending = sources.pending(db, table)
    # A day waiting for a decision is listed too, with what it would become: an
    # administrator reading "the next 12 months" must see Tết 2027 coming even
    # while it still counts as working days (the table applies only decided days).
    waiting = {p.day: p for p in pending}
    days_off = []
    day = today
    while day < today + dt.timedelta(days=366):
        name = cal.holiday_name(day)
        weekend = day.weekday() >= 5
        working = cal.is_working_day(day)
        if (name and not working) or (weekend and working) or day in waiting:
            days_off.append({"day": day, "working": working, "pending": waiting.get(day),
                             "name": name or (waiting[day].name if day in waiting
                                              else "Ngày làm việc bù")})
        day += dt.timedelta(days=1)
    return render_template("dossiers/calendar.html",
                           overrides=working_calendar.list_overrides(db), days=days_off,
                           pending=pending, table=table,
                           sourced=sorted(table.days.values(), key=lambda e: e.day),
                           weekday_names=wording.WEEKDAYS)


# The supervisor's dashboard: days off and make-up days awaiting an administrator.
@section("calendar_pending", "Ngày nghỉ, ngày làm bù chờ quyết định",
         "dossiers/_calendar_pending.html", order=20)
def pending_section(db) -> dict:
    return {"items": sources.pending(db)}
