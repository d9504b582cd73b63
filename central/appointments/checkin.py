"""A booking checked in on the floor: a booked ticket, or a clear no (issue 26, part B).

::

    with store.write() as db:
        result, out = check_in(db, topics, "MOTCUA-HEN:H7K3QX9M", node_id="kiosk-1")
    result["outcome"]     # 'checked_in' | 'early' | 'late'
    result["ticket"]      # with 'checked_in': the booked ticket, as request/ticket answers

The window is the centre's queue settings ``checkin_early_min`` before the
slot's start (not before its business day starts) to ``checkin_late_min`` after
(15 and 10 by default). Inside it
the booking's service gets a booked ticket (:func:`central.queue.tickets.issue`
with the booking's code and slot), which the calling order puts ahead of
walk-ins from the slot's start (:mod:`central.queue.strategy`). Early, nothing
is issued and the citizen is told when to come back; late, the booking becomes
a no-show, which frees its seat. Either way the node offers a walk-in ticket
of the same service. A booking not checked in by its window's end is a
no-show too, and so is a booking whose booked ticket its counter marked as one:
:func:`release_no_shows`, run by the hub's gateway every minute and before each
check-in (the queue itself knows nothing of bookings).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from motcua import clock

from ..errors import Refused
from ..queue import api as queue_api
from ..queue import setup as queue_setup
from ..queue import tickets
from . import bookings

LOCAL = ZoneInfo(clock.LOCAL_ZONE)
# Bookings older than this are not looked at by the no-show sweep (a hub that was
# off for a long holiday still releases the week's, not the year's).
SWEEP_DAYS = 7


def _hhmm(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%H:%M")


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%d/%m/%Y")


def window(db, starts_at: str) -> tuple[dt.datetime, dt.datetime]:
    """When a booking whose slot starts at ``starts_at`` (UTC ISO) may check in.

    Never before the slot's business day starts (``tickets.EARLY_ARRIVALS`` before
    opening time): a booked ticket is always its slot's day's, like every ticket
    issued then. (Slots follow the working sessions, opening time is a queue
    setting: a 07:00 slot with 240 min early and an 08:00 opening would otherwise
    take check-ins from 03:00, in the day before, whose numbers still run.)"""
    start = clock.from_iso(starts_at)
    settings = queue_setup.settings(db)
    opening = settings["opening_time"]
    day = dt.date.fromisoformat(tickets.business_day(start, opening))
    day_opens = dt.datetime.combine(day, dt.time(), LOCAL) + tickets.day_start(opening)
    return (max(start - dt.timedelta(minutes=int(settings["checkin_early_min"])), day_opens),
            start + dt.timedelta(minutes=int(settings["checkin_late_min"])))


def check_in(db, topics, text: str, node_id: str | None = None,
             now: dt.datetime | None = None) -> tuple[dict, list]:
    """Check in the booking whose QR text or typed code is ``text`` (inside the
    caller's write transaction); the answer and the retained state to publish."""
    moment = now or clock.now()
    code = bookings.normalise_code(text or "")
    if code is None:
        raise Refused("bad_code", "Mã lịch hẹn không đúng. Mã gồm 8 ký tự, bắt đầu bằng chữ "
                                  "H, in trên xác nhận đặt lịch (ví dụ H7K3QX9M).")
    release_no_shows(db, moment)
    booking = bookings.find(db, code)
    if booking is None:
        raise Refused("unknown_booking", f"Không tìm thấy lịch hẹn mã {code}. Xin kiểm tra "
                                         "lại mã hoặc hỏi quầy hướng dẫn.")
    start = clock.from_iso(booking["starts_at"])
    if booking["status"] == "checked_in":
        ticket = tickets.get(db, booking["ticket_id"]) if booking["ticket_id"] else None
        number = f" số {ticket['display']}" if ticket else ""
        at = (f" lúc {_hhmm(clock.from_iso(booking['checked_in_at']))}"
              if booking.get("checked_in_at") else "")
        raise Refused("already_checked_in", f"Lịch hẹn {code} đã nhận{number}{at}. Xin chờ "
                                            "gọi số trên màn hình.")
    if booking["status"] == "cancelled":
        raise Refused("cancelled", f"Lịch hẹn {code} đã bị hủy. Bạn có thể lấy số thường.")
    opens, closes = window(db, booking["starts_at"])
    answer = {
        "code": code, "service": booking["service_code"],
        "service_name": booking["service_name"], "slot_at": booking["starts_at"],
        "slot_time": _hhmm(start), "window_from": clock.iso(opens),
        "window_until": clock.iso(closes),
    }
    # The slot's day, said when it is not today.
    day = "" if start.astimezone(LOCAL).date() == moment.astimezone(LOCAL).date() \
        else f" ngày {_date(start)}"
    if booking["status"] == "no_show" or moment > closes:
        if booking["status"] == "booked":
            bookings.mark_no_show(db, booking["id"], at=moment,
                                  reason="Đến muộn quá khung giờ nhận số")
        return {**answer, "outcome": "late", "message": (
            f"Bạn đến muộn: lịch hẹn lúc {_hhmm(start)}{day} chỉ nhận số đến "
            f"{_hhmm(closes)}, chỗ hẹn đã được trả lại. Bạn có thể lấy số thường "
            f"({booking['service_name']}) ngay bây giờ hoặc đặt lịch khác.")}, []
    if moment < opens:
        return {**answer, "outcome": "early", "message": (
            f"Bạn đến sớm: lịch hẹn lúc {_hhmm(start)}{day}, nhận số theo lịch hẹn từ "
            f"{_hhmm(opens)}{day}. Bạn có thể quay lại lúc đó, hoặc lấy số thường "
            f"({booking['service_name']}) ngay bây giờ.")}, []
    ticket, out = queue_api.issue_ticket(db, topics, booking["service_code"], node_id=node_id,
                                         now=moment, booking_code=code,
                                         slot_at=booking["starts_at"])
    bookings.mark_checked_in(db, booking["id"], ticket["ticket_id"], at=moment)
    return {**answer, "outcome": "checked_in", "ticket": ticket, "message": (
        f"Đã nhận lịch hẹn lúc {_hhmm(start)}. Số của bạn: {ticket['display']}; "
        "bạn được gọi trước khách chưa đặt lịch từ giờ hẹn.")}, out


def release_no_shows(db, now: dt.datetime | None = None) -> int:
    """Every booking still not checked in when its window closed, and every booking whose
    booked ticket its counter marked as a no-show (called, never came), becomes a
    no-show: its seat is free again. How many."""
    moment = now or clock.now()
    late = int(queue_setup.settings(db)["checkin_late_min"])
    closed_before = moment - dt.timedelta(minutes=late)
    since = moment - dt.timedelta(days=SWEEP_DAYS)
    gone = bookings.bookings_between(db, since, closed_before, statuses=("booked",))
    for booking in gone:
        bookings.mark_no_show(db, booking["id"], at=moment,
                              reason="Không đến nhận số trong khung giờ hẹn")
    called = db.execute(
        "select a.id, t.display from appointments a join tickets t on t.id = a.ticket_id "
        "where a.starts_at >= ? and a.status = 'checked_in' and t.status = 'no_show'",
        [clock.iso(since)]).fetchall()
    for booking_id, display in called:
        _checked_in_no_show(db, booking_id, moment, f"Số {display} vắng mặt khi được gọi")
    return len(gone) + len(called)


def _checked_in_no_show(db, booking_id: int, at: dt.datetime, reason: str) -> None:
    # bookings.mark_no_show takes only a booking not checked in; this one came, took
    # its booked ticket and did not answer the call: it ends a no-show all the same.
    when = clock.iso(at)
    db.execute("update appointments set status = 'no_show', no_show_at = ?, updated_at = ? "
               "where id = ? and status = 'checked_in'", [when, when, booking_id])
    bookings._event(db, booking_id, "no_show", when, {"reason": reason})


def next_hour(db, now: dt.datetime | None = None, service_ids=None, minutes: int = 60
              ) -> list[dict]:
    """Who is booked from now to ``minutes`` ahead (and whose window is still open), for
    the officer's console and the supervisor's ``/live``: the slot's time, the masked
    name, the service, and whether they came (their ticket's number and state)."""
    moment = now or clock.now()
    late = int(queue_setup.settings(db)["checkin_late_min"])
    rows = bookings.bookings_between(db, moment - dt.timedelta(minutes=late),
                                     moment + dt.timedelta(minutes=minutes), service_ids,
                                     statuses=("booked", "checked_in"))
    for row in rows:
        row["slot_time"] = _hhmm(clock.from_iso(row["starts_at"]))
        ticket = tickets.get(db, row["ticket_id"]) if row["ticket_id"] else None
        row["display"] = ticket["display"] if ticket else None
        if ticket is None:
            row["state"] = "Chưa đến"
        else:
            row["state"] = (f"Đã nhận số {ticket['display']} – "
                            f"{tickets.STATUS_NAMES[ticket['status']].lower()}")
    return rows
