"""Issuing tickets: numbers unique per service and business day, durably.

::

    with store.write() as db:
        ticket = issue(db, "ho-tich", priority=None, node_id="dispenser-1")
    ticket["display"], ticket["people_ahead"], ticket["estimate_min"]

Runs inside the caller's write transaction (the gateway's ``apply_once``),
so the number, the ticket row, its first event and the request's id commit
together: a redelivered request gets the stored answer, never a new number.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from zoneinfo import ZoneInfo

from motcua import clock
from motcua.tickets import display_number

from ..errors import Refused
from ..store import sql
from . import setup
from .estimate import expected_wait, walk_in_wait

ACTIVE = ("waiting", "called", "serving")
_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(ensure_ascii=False) builds per call
FINAL = ("done", "no_show", "cancelled")
STATUS_NAMES = {
    "waiting": "Đang chờ",
    "called": "Đã gọi",
    "serving": "Đang phục vụ",
    "done": "Đã xong",
    "no_show": "Vắng mặt",
    "cancelled": "Đã hủy",
}


# The business day starts this long before opening time. Citizens queue at the
# door before a centre opens: a ticket taken at 06:50 belongs to the day that
# opens at 07:00. (With the day starting at opening, it belonged to the day
# before, was cancelled by the first ticket after opening, and a second A001
# was printed for the same day.) Numbers restart at 03:00 for a 07:00 opening.
EARLY_ARRIVALS = dt.timedelta(hours=4)


def day_start(opening_time: str) -> dt.timedelta:
    """When a business day starts, from local midnight: ``EARLY_ARRIVALS`` before opening.

    >>> day_start("07:00")
    datetime.timedelta(seconds=10800)
    """
    hours, minutes = map(int, opening_time.split(":"))
    return dt.timedelta(hours=hours, minutes=minutes) - EARLY_ARRIVALS


def business_day(now: dt.datetime, opening_time: str, zone: str = clock.LOCAL_ZONE) -> str:
    """The day a ticket belongs to: the local date, starting four hours before opening.

    >>> t = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)   # 06:30 on the 28th in Hà Nội
    >>> business_day(t, "07:00")                                # before opening: that day's queue
    '2026-11-28'
    >>> t = dt.datetime(2026, 11, 27, 19, 30, tzinfo=dt.UTC)   # 02:30 on the 28th
    >>> business_day(t, "07:00"), business_day(t, "06:00")
    ('2026-11-27', '2026-11-28')
    """
    # Worked out up to three times per request (6 µs each, issue 25): kept for the
    # minute. A day starts at a whole local minute (opening_time is HH:MM), which
    # is a whole UTC minute in every zone (offsets are whole minutes), so no
    # minute holds two business days.
    minute = now.timestamp() // 60
    key = (opening_time, zone)
    hit = _days.get(key)
    if hit is not None and hit[0] == minute:
        return hit[1]
    day = _business_day(now, opening_time, zone)
    _days[key] = (minute, day)
    return day


_days: dict = {}  # (opening_time, zone) -> (UTC minute, business day)


def _business_day(now: dt.datetime, opening_time: str, zone: str) -> str:
    local = now.astimezone(ZoneInfo(zone))
    return (local - day_start(opening_time)).date().isoformat()


def today(db, now: dt.datetime | None = None, zone: str = clock.LOCAL_ZONE) -> str:
    return business_day(now or clock.now(), setup.settings(db)["opening_time"], zone)


def record_event(db, ticket: dict, action: str, to_status: str, *, now: str,
                 counter_id=None, officer_id=None, node_id=None, reason=None,
                 detail: dict | None = None, later: list | None = None) -> None:
    """Write a ticket's event; with ``later``, append it there instead, for
    :func:`record_events` to write with the next (one statement for a `next`'s
    finish and call, issue 25)."""
    row = (ticket["id"], now, action, ticket.get("status") if action != "issue" else None,
           to_status, counter_id, officer_id, node_id, reason,
           _JSON.encode(detail) if detail else "{}")
    if later is not None:
        later.append(row)
    else:
        db.execute(_EVENT, row)


_EVENT_COLUMNS = ("ticket_id", "at", "action", "from_status", "to_status", "counter_id",
                  "officer_id", "node_id", "reason", "detail")
_EVENT_ROW = f"({', '.join('?' * len(_EVENT_COLUMNS))})"
_EVENT = f"insert into ticket_events ({', '.join(_EVENT_COLUMNS)}) values {_EVENT_ROW}"
_EVENTS_2 = f"{_EVENT}, {_EVENT_ROW}"


def record_events(db, rows: list) -> None:
    """Write the events :func:`record_event` kept in ``rows`` (``later``), in order."""
    if len(rows) == 2:
        db.execute(_EVENTS_2, [*rows[0], *rows[1]])
    else:
        for row in rows:
            db.execute(_EVENT, row)
    rows.clear()


# Per connection, the business day for which no earlier day was found open:
# looking means walking the index over every ticket of every earlier day, a
# cost that grows with the centre's history, on every ticket. Only a ticket of
# another day (issued by this same function, which looks again then) can open
# an earlier day, so the answer holds for as long as the day is the same. Kept
# only when nothing was closed: a closing rolled back must be done again.
_none_open_before: dict = {}


def close_old_days(db, day: str, now: str) -> list[str]:
    """Archive every earlier business day not yet closed: tickets left active are
    cancelled (with an event), the day's figures are kept in ``queue_days``.
    Nothing is deleted."""
    if _none_open_before.get(db.conn) == day:
        return []
    closed = []
    for (old,) in db.execute(
        "select distinct day from tickets where day < ? and day not in "
        "(select day from queue_days)", [day]).fetchall():
        for ticket in db.query("select * from tickets where day = ? and status in "
                               "('waiting', 'called', 'serving')", [old]):
            record_event(db, ticket, "day_closed", "cancelled", now=now,
                         counter_id=ticket["counter_id"], reason="Hết ngày làm việc")
            db.execute("update tickets set status = 'cancelled', finished_at = ? where id = ?",
                       [now, ticket["id"]])
        db.execute("update counters set current_ticket_id = null where current_ticket_id in "
                   "(select id from tickets where day = ?)", [old])
        counts = dict(db.execute("select status, count(*) from tickets where day = ? "
                                 "group by status", [old]).fetchall())
        db["queue_days"].insert({
            "day": old, "closed_at": now, "issued": sum(counts.values()),
            "done": counts.get("done", 0), "no_show": counts.get("no_show", 0),
            "cancelled": counts.get("cancelled", 0),
            "summary": json.dumps(day_summary(db, old), ensure_ascii=False),
        })
        closed.append(old)
    if not closed:
        _none_open_before[db.conn] = day
    return closed


def day_summary(db, day: str) -> dict:
    rows = db.execute(
        "select s.code, count(*), sum(t.status = 'done') from tickets t "
        "join services s on s.id = t.issued_service_id where t.day = ? group by s.code",
        [day]).fetchall()
    return {code: {"issued": issued, "done": done or 0} for code, issued, done in rows}


def lowest_leased(db, day: str, service: dict) -> int | None:
    """The first number of the lowest block leased today (blocks grow down from the top)."""
    return db.execute(
        "select min(first) from number_blocks where day = ? and service_id = ?",
        [day, service["id"]]).fetchone()[0]


def last_online(db, day: str, service: dict, below: int | None) -> int | None:
    """The highest number the hub issued itself today (those below every leased block)."""
    return db.execute(
        "select max(number) from tickets where day = ? and issued_service_id = ? "
        "and number < ?", [day, service["id"], below if below is not None else 1 << 62],
    ).fetchone()[0]


_NEXT = ("select (select min(first) from number_blocks where day = ?1 and service_id = ?2), "
         "(select max(number) from tickets where day = ?1 and issued_service_id = ?2 and "
         "number < coalesce((select min(first) from number_blocks where day = ?1 and "
         "service_id = ?2), ?3))")


def next_number(db, day: str, service: dict) -> int:
    """The next number the hub issues: up from the range's start, below every leased block.

    Dispensers' offline blocks are leased from the top of the range down
    (:mod:`central.queue.leases`), so the morning's first ticket is the range's
    first number and online numbering never jumps over a block. (One statement:
    :func:`lowest_leased` and :func:`last_online` together.)
    """
    low, used = db.execute(_NEXT, [day, service["id"], 1 << 62]).fetchone()
    number = service["range_start"] if used is None else used + 1
    limit = service["range_end"] if low is None else low - 1
    if number > limit:
        raise Refused("range_exhausted", f"Dịch vụ '{service['name']}' đã hết số trong ngày "
                                         f"(dãy {service['range_start']}–{service['range_end']}).")
    return number


# A new ticket's people ahead are counted before its row is written: every
# ticket in the store then has a lower id than it will get.
_NOT_YET = 1 << 62
_AHEAD_BOOKED = (
    "select count(*) from tickets where status = 'waiting' and service_id = ? and day = ? "
    "and slot_at is not null and (slot_at, id) < (?, ?)")
_AHEAD = ("select count(*) from tickets where status = 'waiting' and service_id = ? "
          "and day = ? and (issued_at, id) < (?, ?)")
_AHEAD_PRIORITY = _AHEAD + " and priority_class_id is not null"
# A ticket not written yet is behind every waiting ticket issued at or before its
# moment: the line's length as kept in ``queue_lines`` (migration 0153), less the
# waiting issued later (none, unless the clock went back; an index seek).
_AHEAD_NEW = ("select coalesce((select {kept} from queue_lines where service_id = ?1 and day = ?2),"
              " 0) - (select count(*) from tickets where status = 'waiting' and service_id = ?1 "
              "and day = ?2 and issued_at > ?3{only})")
_AHEAD_NEW_NORMAL = _AHEAD_NEW.format(kept="waiting", only="")
_AHEAD_NEW_PRIORITY = _AHEAD_NEW.format(kept="priority",
                                        only=" and priority_class_id is not null")


def people_ahead(db, ticket: dict) -> int:
    """Waiting tickets of the same service (and business day) issued earlier; a
    priority ticket counts only the priority tickets before it, a booked ticket
    (issue 26) the booked tickets of earlier slots. A ticket being issued (no
    id yet) reads its line's length kept by SQLite (``queue_lines``); one
    already in the line is counted from the index of the waiting lines
    (``tickets_waiting_line``) without reading a row."""
    tid = ticket.get("id") or _NOT_YET
    if ticket.get("slot_at"):
        return db.execute(_AHEAD_BOOKED, [ticket["service_id"], ticket["day"],
                                          ticket["slot_at"], tid]).fetchone()[0]
    if tid == _NOT_YET:
        query = _AHEAD_NEW_NORMAL if ticket["priority_class_id"] is None else _AHEAD_NEW_PRIORITY
        return db.execute(query, [ticket["service_id"], ticket["day"],
                                  ticket["issued_at"]]).fetchone()[0]
    query = _AHEAD if ticket["priority_class_id"] is None else _AHEAD_PRIORITY
    return db.execute(query, [ticket["service_id"], ticket["day"], ticket["issued_at"],
                              tid]).fetchone()[0]


_INSERTED = ("day", "service_id", "issued_service_id", "number", "display", "priority_class_id",
             "status", "issued_at", "token", "source_node", "booking_code", "slot_at",
             "estimate_min")
_INSERT = (f"insert into tickets ({', '.join(_INSERTED)}) "
           f"values ({', '.join('?' * len(_INSERTED))})")
# The row of the ticket :func:`issue` wrote last, per connection: what
# :func:`issued_row` gives the caller instead of reading it back.
_last_issued: dict = {}


def issued_row(db, ticket_id: int) -> dict:
    """The row of a ticket :func:`issue` has just written on this connection (as
    ``select *`` reads it), without a query; read when it is another."""
    row = _last_issued.get(db.conn)
    return dict(row) if row is not None and row["id"] == ticket_id else get(db, ticket_id)


def issue(db, service_code: str, priority: str | None = None, node_id: str | None = None,
          now: dt.datetime | None = None, zone: str = clock.LOCAL_ZONE, *,
          booking_code: str | None = None, slot_at: str | None = None) -> dict:
    """Issue the next ticket of a service (inside the caller's write transaction).

    With ``booking_code`` and ``slot_at`` (the slot's start, UTC ISO) it is a
    booked ticket, issued at the booking's check-in (issue 26): from its slot's
    start it is called ahead of walk-ins (:mod:`.strategy`)."""
    moment = now or clock.now()
    at = clock.iso(moment)
    service = setup.service_by_code(db, service_code)
    if service is None:
        raise Refused("unknown_service", f"Không có dịch vụ mã '{service_code}'.")
    priority_row = None
    if priority:
        rows = sql.rows(db, "select * from priority_classes where code = ? and active = 1",
                          [priority])
        if not rows:
            raise Refused("unknown_priority", f"Không có đối tượng ưu tiên mã '{priority}'.")
        priority_row = rows[0]
    # A booked ticket too is the day it is issued in: its check-in window opens no
    # earlier than its slot's business day (central.appointments.checkin.window).
    day = business_day(moment, setup.settings(db)["opening_time"], zone)
    closed = close_old_days(db, day, at)
    number = next_number(db, day, service)
    ticket = {
        "day": day, "service_id": service["id"], "issued_service_id": service["id"],
        "number": number,
        "display": display_number(service["prefix"], number, service["range_end"]),
        "priority_class_id": priority_row["id"] if priority_row else None,
        "status": "waiting", "issued_at": at, "token": setup.new_token(),
        "source_node": node_id, "booking_code": booking_code,
        "slot_at": slot_at if booking_code else None,
    }
    # Counted and estimated before the row is written, so the row is written once.
    ahead = people_ahead(db, ticket)
    # A walk-in also waits for the bookings that fall due before its call.
    wait = (expected_wait if booking_code else walk_in_wait)(db, service, ahead, moment)
    minutes = wait.minutes
    if booking_code and slot_at:
        # Not called ahead of walk-ins before its slot starts.
        minutes = max(minutes, math.ceil((clock.from_iso(slot_at) - moment).total_seconds()
                                         / 60))
    ticket["estimate_min"] = minutes
    ticket["id"] = db.execute(_INSERT, [ticket[k] for k in _INSERTED]).lastrowid
    ticket.update(called_at=None, first_called_at=None, finished_at=None, counter_id=None,
                  target_counter_id=None, officer_id=None, recalls=0, service_ms=None,
                  wait_ms=None)
    _last_issued[db.conn] = ticket
    record_event(db, ticket, "issue", "waiting", now=at, node_id=node_id,
                 detail={"estimate_min": minutes, "people_ahead": ahead,
                         **({"estimate_range": wait.range} if wait.range else {}),
                         **({"booking": booking_code, "slot_at": slot_at}
                            if booking_code else {})})
    return {
        "ticket_id": ticket["id"], "number": number, "display": ticket["display"],
        "service": service["code"], "service_name": service["name"],
        "priority": priority_row["code"] if priority_row else None,
        "priority_name": priority_row["name"] if priority_row else None,
        "people_ahead": ahead, "estimate_min": minutes, "estimate_range": wait.range,
        # No counter open for the service: the paper says so, not a wait (smallfix).
        **({"no_counter_open": True,
            "opens_at": (clock.iso(moment + dt.timedelta(minutes=wait.opens_in_min))
                         if wait.opens_in_min is not None else None)}
           if wait.no_counter else {}),
        "issued_at": at, "day": day,
        "token": ticket["token"], "live_path": f"/t/{ticket['token']}",
        "booked": bool(booking_code), "slot_at": slot_at if booking_code else None,
        "closed_days": closed,
    }


def get(db, ticket_id: int) -> dict | None:
    found = sql.rows(db, "select * from tickets where id = ?", [ticket_id])
    return found[0] if found else None


def by_token(db, token: str) -> dict | None:
    found = sql.rows(db, "select * from tickets where token = ?", [token])
    return found[0] if found else None


def count(db) -> int:
    """How many tickets the store holds, every day together."""
    return db.execute("select count(*) from tickets").fetchone()[0]


def totals(db) -> tuple[int, int, int]:
    """``(issued, called, done)``: tickets in the store, every day together, those
    ever called, and those served to the end."""
    return db.execute("select count(*), count(first_called_at), "
                      "coalesce(sum(status = 'done'), 0) from tickets").fetchone()


def latest(db) -> dict | None:
    """The newest ticket issued (the demo's page links to its live page)."""
    found = sql.rows(db, "select * from tickets order by id desc limit 1")
    return found[0] if found else None


def replay(db, day: str | None = None) -> dict[int, dict]:
    """Each ticket's live state rebuilt from its events alone (``ticket_events``).

    Used to check the store (and for a recovery tool): status, current service
    (code) and counter (id) of every ticket, as the events tell them::

        replay(db)[ticket_id] == {"status": "done", "service": "ho-tich", "counter": 3}
    """
    issued = {r[0]: r[1] for r in db.execute(
        "select t.id, s.code from tickets t join services s on s.id = t.issued_service_id"
        + (" where t.day = ?" if day else ""), [day] if day else [])}
    out: dict[int, dict] = {}
    for ticket_id, to_status, counter_id, detail in db.execute(
            "select ticket_id, to_status, counter_id, detail from ticket_events order by id"):
        if ticket_id not in issued:
            continue
        now = out.setdefault(ticket_id, {"status": None, "service": issued[ticket_id],
                                         "counter": None})
        facts = json.loads(detail or "{}")
        if facts.get("to_service"):
            now["service"] = facts["to_service"]
        now["status"] = to_status
        if to_status == "called":
            now["counter"] = counter_id
        elif to_status == "waiting":
            now["counter"] = None
    return out
