"""Appointments on the web: the citizen's booking pages, the staff's list of bookings a
change left without a seat, and the administrators' rules and closures.

Public (no account, phone first): ``/dat-lich`` choose a service (or come from a
procedure with ``?thu-tuc=<code>``), a day, a slot, then name and phone; the booking
code and its QR are shown on ``/dat-lich/lich-cua-toi``, which shows only bookings
this browser made or opened with the code *and* the phone (``/dat-lich/tra-cuu``);
from there the citizen moves (``/dat-lich/doi-gio``) or cancels (``/dat-lich/huy``).
Nobody can list other people's bookings. The booking form is guarded like the
feedback form (a signed token with the time it was shown, a hidden field, limits per
phone and per address); wrong code-and-phone pairs are throttled per code and per
address like sign-ins.

Staff: ``/appointments/affected`` (move to the nearest free slot, or cancel; the
citizen is told by SMS/e-mail). Admins: ``/appointments/setup``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io

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

from motcua import clock, wording

from .. import feedback
from ..accounts import throttle
from ..appointments import bookings, rules, slots
from ..calendar.working_time import VN
from ..documents.formats import parse_day
from ..errors import Refused
from . import config as _config
from . import devices, store
from .auth import login_required, wait_text

bp = Blueprint("appointments", __name__)
HONEYPOT = "website"
FORM_CONTEXT = "appointment"
MINE = "appointments"          # session: {code: phone} this browser may open


def _secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else key.encode()


def day_name(day: dt.date) -> str:
    return f"{wording.weekday(day)}, {day:%d/%m/%Y}"


def slot_text(booking: dict) -> str:
    start = clock.from_iso(booking["starts_at"]).astimezone(VN)
    end = clock.from_iso(booking["ends_at"]).astimezone(VN)
    return f"{start:%H:%M}–{end:%H:%M}, {day_name(start.date())}"


def qr_data_uri(text: str) -> str:
    """The QR as an SVG data address (the page's policy allows data: images only)."""
    # Loaded with the first booking shown: qrcode's SVG factory loads Pillow, ~7 MiB
    # of a hub's memory at start that a centre taking no bookings never uses (issue 25).
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10,
                        border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _client_key() -> str:
    return f"ip:{request.remote_addr}"


def _mine() -> dict[str, str]:
    """The bookings this browser may open: its session's, and those its long-lived
    cookie remembers (``devices.BOOKINGS``: a closed browser still has them)."""
    return {**devices.read(devices.BOOKINGS), **(session.get(MINE) or {})}


def _remember(code: str, phone: str) -> None:
    mine = _mine()
    mine.pop(code, None)
    mine[code] = phone
    session[MINE] = dict(list(mine.items())[-5:])
    g.remember_bookings = session[MINE]


@bp.after_request
def _keep_bookings(response):
    if getattr(g, "remember_bookings", None):
        devices.write(response, devices.BOOKINGS, g.remember_bookings)
    return response


def _own(code: str) -> dict | None:
    phone = _mine().get(code)
    return bookings.find_own(store().db, code, phone) if phone else None


def _days(service_id: int, now: dt.datetime) -> list[dict]:
    db = store().db
    today = now.astimezone(VN).date()
    last = today + dt.timedelta(days=rules.settings(db)["days_ahead"])
    plan = slots.plan(db, _config(), [service_id], today, last, now)[service_id]
    days: dict[dt.date, int] = {}
    for slot in plan:
        days[slot.day] = days.get(slot.day, 0) + slot.free
    return [{"day": d, "name": day_name(d), "free": free} for d, free in days.items()]


def _day_slots(service_id: int, day: dt.date, now: dt.datetime) -> list[slots.Slot]:
    return slots.plan(store().db, _config(), [service_id], day, day, now)[service_id]


def _chosen_day(text: str) -> dt.date | None:
    """The day asked for, when it is one that could be booked (today to days_ahead)."""
    try:
        day = dt.date.fromisoformat(text or "")
    except ValueError:
        return None
    today = clock.now().astimezone(VN).date()
    if not today <= day <= today + dt.timedelta(days=rules.settings(store().db)["days_ahead"]):
        return None
    return day


def _open_day(text: str, days: list[dict]) -> tuple[dt.date | None, str]:
    """The day asked for in the address, when it is one of ``days`` (those with
    slots); else None and what the citizen is told. A Saturday, a holiday or a
    day past the booking window typed or linked into ``?ngay=`` showed the form
    and its "Đặt lịch" button over "Ngày này không có khung giờ nào"."""
    if not text:
        return None, ""
    day = _chosen_day(text)
    if day is not None and any(d["day"] == day for d in days):
        return day, ""
    try:
        asked = day_name(dt.date.fromisoformat(text))
    except ValueError:
        return None, "Ngày đã chọn không hợp lệ. Xin chọn một ngày trong danh sách."
    return None, (f"Không nhận lịch hẹn vào {asked} (ngày trung tâm nghỉ, hoặc ngoài thời "
                  "gian nhận đặt lịch). Xin chọn một ngày trong danh sách.")


def _booking_page(values: dict, problem: str = "", status: int = 200, token: str = ""):
    db, now = store().db, clock.now()
    services = slots.bookable_services(db)
    procedure = None
    if values.get("procedure"):
        try:
            service, procedure = bookings.service_for(db, None, values["procedure"])
            values["service"] = values.get("service") or service["code"]
        except Refused as refusal:
            problem = problem or refusal.message
    service = next((s for s in services if s["code"] == values.get("service")), None)
    days = _days(service["id"], now) if service else []
    day, wrong_day = _open_day(values.get("day", ""), days) if service else (None, "")
    problem = problem or wrong_day
    day_slots = _day_slots(service["id"], day, now) if service and day else []
    return render_template(
        "appointments/book.html", values=values, problem=problem, services=services,
        service=service, procedure=procedure, days=days, day=day,
        day_label=day_name(day) if day else "", slots=day_slots,
        form_token=token or feedback.form_token(_secret(), FORM_CONTEXT), honeypot=HONEYPOT,
        limits=rules.settings(db)), status


@bp.get("/dat-lich")
def start():
    values = {"service": request.args.get("dich-vu", "")[:40],
              "procedure": request.args.get("thu-tuc", "")[:40],
              "day": request.args.get("ngay", "")[:10]}
    return _booking_page(values)


@bp.post("/dat-lich")
def submit():
    f = request.form
    values = {k: f.get(k, "")[:300] for k in ("service", "procedure", "day", "starts_at", "name",
                                              "phone", "email", "dossier_code")}
    if f.get(HONEYPOT):
        return _booking_page(values, "Không nhận được yêu cầu này. Xin tải lại trang và gửi "
                                     "lại.", 400)
    if not values["starts_at"]:
        return _booking_page(values, "Xin chọn một khung giờ.", 400)
    try:
        feedback.check_form_token(_secret(), f.get("form_token", ""), FORM_CONTEXT,
                                  _config().feedback.min_fill_seconds)
        booking = bookings.book(
            store(), _config(), service_code=values["service"] or None,
            procedure_code=values["procedure"] or None, starts_at=values["starts_at"],
            name=values["name"], phone=values["phone"], email=values["email"],
            dossier_code=values["dossier_code"], channel="web", client_key=_client_key())
    except Refused as refusal:
        status = 429 if refusal.code.startswith("too_many") else 400
        return _booking_page(values, refusal.message, status,
                             feedback.token_to_keep(f.get("form_token", ""), refusal))
    _remember(booking["code"], booking["phone"])
    flash(f"Đã đặt lịch hẹn. Mã lịch hẹn của bạn là {booking['code']}: hãy lưu lại mã này "
          "(chụp màn hình) và mang theo khi đến.", "ok")
    return redirect(url_for("appointments.mine", ma=booking["code"]))


@bp.get("/dat-lich/lich-cua-toi")
def mine():
    code = bookings.normalise_code(request.args.get("ma", "")) or ""
    booking = _own(code) if code else None
    if booking is None:
        known = [b for b in (_own(c) for c in _mine()) if b]
        if code or not known:
            return render_template("appointments/lookup.html", code=code, problem=""), 200
        booking = known[-1]
    return render_template("appointments/mine.html", booking=booking,
                           when=slot_text(booking), qr=qr_data_uri(
                               bookings.qr_payload(booking["code"])),
                           open=booking["status"] == "booked"
                           and booking["ends_at"] > clock.iso())


@bp.post("/dat-lich/tra-cuu")
def lookup():
    code = bookings.normalise_code(request.form.get("code", "")) or ""
    phone = request.form.get("phone", "")[:30]
    address = f"hen:{request.remote_addr}"
    if code and _own(code):
        # This browser made the booking or opened it before: no guessing to hold back,
        # and a stranger who saw the code cannot lock its owner out of it here.
        return redirect(url_for("appointments.mine", ma=code))
    wait = throttle.wait_seconds(store(), f"hen:{code}", address, per_place=False)
    if wait:
        return render_template("appointments/lookup.html", code=code, problem=(
            f"Nhập sai nhiều lần. Xin thử lại sau {wait_text(wait)}.")), 429
    booking = bookings.find_own(store().db, code, phone) if code else None
    if booking is None:
        throttle.failed(store(), f"hen:{code}", address, per_place=False)
        return render_template("appointments/lookup.html", code=code, problem=(
            "Không tìm thấy lịch hẹn với mã và số điện thoại này. Xin kiểm tra lại.")), 404
    _remember(booking["code"], booking["phone"])
    return redirect(url_for("appointments.mine", ma=booking["code"]))


@bp.get("/dat-lich/doi-gio")
def move_page():
    booking = _own(bookings.normalise_code(request.args.get("ma", "")) or "")
    if booking is None:
        return redirect(url_for("appointments.mine"))
    now = clock.now()
    days = _days(booking["service_id"], now)
    day, problem = _open_day(request.args.get("ngay", "")[:10], days)
    return render_template(
        "appointments/move.html", booking=booking, when=slot_text(booking),
        days=days, day=day, day_label=day_name(day) if day else "",
        slots=_day_slots(booking["service_id"], day, now) if day else [], problem=problem)


@bp.post("/dat-lich/doi-gio")
def move():
    code = bookings.normalise_code(request.form.get("code", "")) or ""
    phone = _mine().get(code)
    if not phone:
        return redirect(url_for("appointments.mine"))
    try:
        booking = bookings.move(store(), _config(), code, phone,
                                request.form.get("starts_at", "")[:40])
    except Refused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("appointments.move_page", ma=code,
                                ngay=request.form.get("day", "")[:10]))
    flash(f"Đã đổi lịch hẹn {code} sang {slot_text(booking)}.", "ok")
    return redirect(url_for("appointments.mine", ma=code))


@bp.post("/dat-lich/huy")
def cancel():
    code = bookings.normalise_code(request.form.get("code", "")) or ""
    phone = _mine().get(code)
    if not phone:
        return redirect(url_for("appointments.mine"))
    try:
        bookings.cancel(store(), code, phone)
    except Refused as refusal:
        flash(refusal.message, "error")
    else:
        flash(f"Đã hủy lịch hẹn {code}.", "ok")
    return redirect(url_for("appointments.mine", ma=code))


@bp.post("/dat-lich/quen")
def forget():
    """A shared PC: this browser forgets every booking it could open (the session's and
    the long-lived cookie's). The bookings themselves are unchanged."""
    session.pop(MINE, None)
    response = redirect(url_for("appointments.mine"))
    response.delete_cookie(devices.BOOKINGS[0], path="/")
    flash("Đã xóa lịch hẹn khỏi máy này. Lịch hẹn vẫn giữ nguyên; mở lại bằng mã và số "
          "điện thoại.", "ok")
    return response


# --- Staff and administrators ---------------------------------------------------------------

@bp.get("/appointments/affected")
@login_required()
def affected():
    bookings.recheck(store(), _config(), actor=g.user["username"])
    rows = bookings.affected(store().db)
    for row in rows:
        row["when"] = slot_text(row)
    return render_template("appointments/affected.html", rows=rows)


@bp.post("/appointments/<int:booking_id>/cancel")
@login_required()
def staff_cancel(booking_id: int):
    try:
        bookings.staff_cancel(store(), booking_id, actor=g.user["username"],
                              reason=request.form.get("reason", "")[:300])
    except Refused as refusal:
        flash(refusal.message, "error")
    else:
        flash("Đã hủy lịch hẹn; công dân sẽ được báo qua tin nhắn/thư điện tử (nếu có).", "ok")
    return redirect(url_for("appointments.affected"))


@bp.post("/appointments/<int:booking_id>/move")
@login_required()
def staff_move(booking_id: int):
    try:
        moved = bookings.staff_move_nearest(store(), _config(), booking_id,
                                            actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
    else:
        flash(f"Đã chuyển lịch hẹn {moved['code']} sang {slot_text(moved)}; công dân sẽ được "
              "báo.", "ok")
    return redirect(url_for("appointments.affected"))


def _setup_page(status: int = 200):
    db = store().db
    services = list(db.query("select id, code, name from services where active = 1 "
                             "order by sort_order, id"))
    per_service = rules.service_rules(db)
    rate = slots.minutes_per_seat(db)
    settings = rules.settings(db)
    for s in services:
        s.update(per_service[s["id"]])
        s["seats"] = slots.seats(rate.get(s["id"], 0.0),
                                 s["slot_minutes"] or settings["slot_minutes"],
                                 s["walk_in_share"])
    return render_template("appointments/setup.html", services=services, settings=settings,
                           labels={k: v[3] for k, v in rules.SETTINGS.items()},
                           closures=bookings.closures(db, clock.now().astimezone(VN).date())
                           ), status


@bp.get("/appointments/setup")
@login_required("admin")
def setup_page():
    return _setup_page()


def _admin_change(change, done: str):
    try:
        with store().write() as db:
            change(db)
    except Refused as refusal:
        flash(refusal.message, "error")
        return _setup_page(422)
    n = bookings.recheck(store(), _config(), actor=g.user["username"])
    flash(done + (f" {n} lịch hẹn không còn chỗ: xem danh sách cần xử lý." if n else ""), "ok")
    return redirect(url_for("appointments.setup_page"))


@bp.post("/appointments/setup/settings")
@login_required("admin")
def save_settings():
    values = {k: request.form.get(k, "") for k in rules.SETTINGS if k in request.form}
    return _admin_change(lambda db: rules.save_settings(db, values, actor=g.user["username"]),
                         "Đã lưu quy định đặt lịch.")


@bp.post("/appointments/setup/service")
@login_required("admin")
def save_service():
    f = request.form
    return _admin_change(lambda db: rules.save_service_rule(
        db, f.get("service", ""), bookable=f.get("bookable") == "1",
        walk_in_share=f.get("walk_in_share", ""), slot_minutes=f.get("slot_minutes", ""),
        actor=g.user["username"]), "Đã lưu quy định của dịch vụ.")


@bp.post("/appointments/setup/close")
@login_required("admin")
def close():
    f = request.form
    try:
        try:
            day = parse_day(f.get("day"))
        except ValueError as bad:
            raise Refused("invalid_date", str(bad)) from None
        n = bookings.close(store(), _config(), day=day, start=f.get("start", "").strip() or None,
                           service_code=f.get("service", "") or None,
                           reason=f.get("reason", ""), actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return _setup_page(422)
    flash("Đã đóng." + (f" {n} lịch hẹn cần xử lý: xem danh sách." if n else ""), "ok")
    return redirect(url_for("appointments.setup_page"))


@bp.post("/appointments/setup/reopen/<int:closure_id>")
@login_required("admin")
def reopen(closure_id: int):
    if store().db.execute("select 1 from appointment_closures where id = ?",
                          [closure_id]).fetchone() is None:
        abort(404)
    bookings.reopen(store(), closure_id, actor=g.user["username"])
    flash("Đã mở lại.", "ok")
    return redirect(url_for("appointments.setup_page"))
