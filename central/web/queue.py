"""The queue's pages: officer console, supervisor live view, public ticket page.

Pages are drawn from the store, then kept current by ``static/live.js``,
which reads the hub's retained state straight from the broker over
MQTT-over-WebSockets (read-only: in development broker-config/web.acl, in
production the broker's `web` user, see broker-config/websockets.conf). Officer actions
are POSTs here, carried out by the same service functions as the bus routes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from motcua import clock
from motcua.bus import Topics
from motcua.bus.topics import ticket_key

from ..appointments import checkin
from ..errors import Refused
from ..queue import api, estimate, setup, state, tickets
from ..queue.commands import ACTIONS
from . import gateway, store, whole_number
from .auth import login_required
from .policy import STAFF, SUPERVISION

bp = Blueprint("queue", __name__)


def _config():
    return current_app.config["MOTCUA"]


def _topics() -> Topics:
    return Topics(_config().center)


def live_url() -> str:
    """Where pages read the live state: hub.toml's live_mqtt_url, else the relay
    broker on this host: port 9001 over ws, or ``wss://<host>/mqtt`` through the
    HTTPS proxy when the page itself came over https."""
    configured = _config().live_mqtt_url
    if configured:
        return configured
    if request.is_secure:
        return f"wss://{request.host}/mqtt"
    return f"ws://{request.host.split(':')[0]}:9001"


def live_auth() -> dict | None:
    """The read-only web user live pages log in to the broker with, if hub.toml names one.

    A production broker (a centre's or a province's) has no anonymous access;
    ``motcua provision`` writes ``live_mqtt_username`` and the password file.
    The password goes into every live page, the public ticket page included:
    the broker lets that user read the retained state and nothing else.
    """
    config = _config()
    if not config.live_mqtt_username:
        return None
    try:
        password = Path(config.live_mqtt_password_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        # The page still shows what the hub stored; only the live updates are lost.
        logging.getLogger(__name__).error("live_mqtt_password_file: %s", exc)
        password = ""
    return {"username": config.live_mqtt_username, "password": password}


def _live_page(html: str):
    """A page that opens a websocket to the broker: say so in its CSP."""
    response = make_response(html)
    ws = urlparse(live_url())
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        f"connect-src 'self' {ws.scheme}://{ws.netloc}; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return response


def publish(out: list) -> None:
    gw = gateway()
    if gw is None:
        return
    for topic, payload, retain in out:
        gw.publish_state(topic, payload, retain)


def _live_context() -> dict:
    return {"live_url": live_url(), "live_base": _topics().base, "live_auth": live_auth()}


# --- Public: one ticket's live page (from the QR code) --------------------------------

@bp.get("/t/<token>")
def ticket_page(token: str):
    if not token.isalnum() or len(token) > 64:
        abort(404)
    db = store().db
    ticket = tickets.by_token(db, token)
    if ticket is None:
        abort(404, description="Không tìm thấy số thứ tự này. Xin kiểm tra lại mã trên phiếu.")
    now = state.ticket_state(db, ticket)
    line = state.line(db, now["service"], day=ticket["day"])
    # A walk-in also waits for the bookings due before its call, as its ticket printed.
    moment = clock.now()
    wait = (estimate.expected_wait if ticket.get("slot_at") else
            estimate.walk_in_wait)(db, setup.service_by_code(db, now["service"]),
                                   now["people_ahead"], moment)
    # With no counter open for the service, no wait (said as static/ticket.js says it).
    wait = (estimate.said(wait, moment) if wait.no_counter
            else f"Thời gian chờ ước tính: {estimate.said(wait)}")
    # Issue 26: a booked ticket says so, with its slot's time.
    booked_slot = (clock.from_iso(ticket["slot_at"]).astimezone(ZoneInfo(clock.LOCAL_ZONE))
                   .strftime("%H:%M") if ticket.get("slot_at") else None)
    return _live_page(render_template("queue/ticket.html", ticket=now, token=token, line=line,
                                      wait=wait, booked_slot=booked_slot,
                                      ticket_key=ticket_key(token),
                                      **_live_context()))


# --- Officer console ---------------------------------------------------------------------

@bp.get("/console")
@login_required(*STAFF)
def console():
    db = store().db
    number = session.get("counter")
    counter = setup.counter_by_number(db, number) if number else None
    if counter is None or counter["officer_id"] != g.user["id"]:
        session.pop("counter", None)
        # Officers read names, not the setup's codes (issue 22).
        return render_template("queue/choose.html", counters=setup.counters(db),
                               service_names={s["code"]: s["name"] for s in setup.services(db)})
    services = [s for s in setup.services(db)
                if s["code"] in setup.counters_services(db, counter["id"])]
    demo = clock.demo()
    return _live_page(render_template(
        "queue/console.html", counter=state.counter_state(db, counter["number"]),
        # The call's timer counts on the hub's clock (the demo's day in a demo).
        hub_now=clock.iso(clock.now()), hub_speed=demo.speed if demo else 1,
        services=services, lines=[state.line(db, s["code"]) for s in services],
        all_services=setup.services(db), counters=setup.counters(db),
        bookings=_next_hour(db, [s["id"] for s in services]), **_live_context()))


def _next_hour(db, service_ids=None) -> list[dict]:
    """Issue 26: who is booked for the next hour (the counter's services, or all)."""
    return checkin.next_hour(db, clock.now(), service_ids)


@bp.get("/console/lich-hen")
@login_required(*STAFF)
def next_hour_bookings():
    """The list of the next hour's bookings alone, redrawn by the console and /live
    when a line changes (a check-in, a call): ``?services=ho-tich,dat-dai``."""
    db = store().db
    codes = [c for c in request.args.get("services", "").split(",") if c]
    ids = [s["id"] for s in setup.services(db) if s["code"] in codes] if codes else None
    return render_template("queue/_next_hour.html", bookings=_next_hour(db, ids))


@bp.post("/console/counter")
@login_required(*STAFF)
def take_counter():
    number = whole_number(request.form.get("counter", "")) or 0
    try:
        with store().write() as db:
            out = api.sign_in(db, _topics(), number, g.user["id"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("queue.console"))
    publish(out)
    session["counter"] = number
    return redirect(url_for("queue.console"))


# The console's text fields, as long as COUNTER_COMMAND allows, and what a bad one is told.
_TEXT_FIELDS = {"number": (16, "Số thứ tự không hợp lệ."),
                "reason": (200, "Lý do phải là một đoạn chữ, dài không quá 200 ký tự."),
                "target_service": (32, "Dịch vụ chuyển đến không hợp lệ.")}


@bp.post("/console/command")
@login_required(*STAFF)
def command():
    data = request.get_json(silent=True) or request.form.to_dict()
    if not isinstance(data, dict):  # a JSON list or string
        data = {}
    action = str(data.get("action", ""))
    number = session.get("counter")
    if action not in ACTIONS:
        return jsonify(ok=False, error={"code": "unknown_action",
                                        "message": "Thao tác không hợp lệ."}), 400
    target_counter = whole_number(data["target_counter"]) if data.get("target_counter") else None
    if data.get("target_counter") and target_counter is None:
        return jsonify(ok=False, error={"code": "invalid", "message": "Số quầy không hợp lệ."}), 400
    # A pause's length (the hub refuses one out of 1–240 in its own words).
    minutes = whole_number(data["minutes"]) if data.get("minutes") not in (None, "") else None
    if data.get("minutes") not in (None, "") and minutes is None:
        return jsonify(ok=False, error={"code": "invalid",
                                        "message": "Thời gian tạm nghỉ không hợp lệ."}), 400
    for field, (longest, message) in _TEXT_FIELDS.items():
        value = data.get(field)
        # As the bus's counter_command takes them: text, at most so long. A list or
        # a number came back as Python's repr in the answer ("Không có số [1] đang
        # chờ.") or was kept as a reason ("['x']").
        if value not in (None, "") and (not isinstance(value, str) or len(value) > longest):
            return jsonify(ok=False, error={"code": "invalid", "message": message}), 400
    try:
        with store().write() as db:
            counter = setup.counter_by_number(db, number) if number else None
            if counter is None or counter["officer_id"] != g.user["id"]:
                raise Refused("not_signed_in", "Bạn chưa nhận quầy nào; xin chọn quầy.")
            result, out = api.counter_command(
                db, _topics(), counter, action, officer_id=g.user["id"],
                number=data.get("number") or None, reason=data.get("reason") or None,
                target_service=data.get("target_service") or None,
                target_counter=target_counter, minutes=minutes, pressed=True)
    except Refused as refusal:
        return jsonify(ok=False, error={"code": refusal.code, "message": refusal.message}), 409
    publish(out)
    return jsonify(ok=True, result=result)


# --- Supervisor: every counter and line, live -----------------------------------------------

@bp.get("/live")
@login_required(*SUPERVISION)
def supervisor():
    db = store().db
    return _live_page(render_template(
        "queue/live.html", counters=[state.counter_state(db, c["number"])
                                     for c in setup.counters(db)],
        lines=[state.line(db, s["code"]) for s in setup.services(db)], stats=state.stats(db),
        bookings=_next_hour(db), officers=state.officer_names(db), **_live_context()))


@bp.get("/live/can-bo")
@login_required(*SUPERVISION)
def officers():
    """Who is signed in at each counter (``{"5": "Nguyễn Thị Lan"}``), for the staff
    pages' counters table: the counters' retained state, which anyone on the hall's
    Wi-Fi can read through the live pages' relay, carries no names."""
    return jsonify({str(k): v for k, v in state.officer_names(store().db).items()})
