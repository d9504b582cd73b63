"""Bookings: book, move, cancel; what the floor calls; what a change leaves without a seat.

A citizen books a slot of a service (or of a procedure: its department's service)
with a name and a phone, and gets a code (``H`` + 7 characters, no 0/1/I/L/O) and a QR
(``MOTCUA-HEN:<code>``). The code and the phone together open the booking (cancel,
move); the code alone opens nothing but a check-in at the centre, which shows a
masked name. Limits: ``per_phone_active`` bookings not yet past per phone,
``per_address_per_day`` per client address (``per_kiosk_per_day`` per kiosk).

Every writer takes the write lock first (``BEGIN IMMEDIATE``, :meth:`Store.write`),
counts the seats taken and inserts in the same transaction: two citizens racing for
the last seat are served one after the other, and the second is refused::

    b = bookings.book(store, config, service_code="ho-tich", starts_at=slot.starts_at,
                      name="Nguyễn Thị Lan", phone="0912345678", client_key="ip:10.0.0.7")
    bookings.move(store, config, b["code"], "0912345678", other.starts_at)
    bookings.cancel(store, b["code"], "0912345678")

For the floor (inside the caller's ``store.write()``): :func:`find`,
:func:`mark_checked_in`, :func:`mark_no_show`, :func:`bookings_between`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import secrets
import sqlite3
import threading

from motcua import clock
from motcua.text import nfc

from ..accounts import audit
from ..calendar.working_time import VN
from ..config import HubConfig
from ..errors import Refused
from ..queue import setup as queue_setup
from ..store import Store, sql
from . import rules, slots

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE = re.compile(rf"^H[{ALPHABET}]{{7}}$")
QR_PREFIX = "MOTCUA-HEN:"
PHONE = re.compile(r"^0\d{9,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOSSIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/_]{0,63}$")
STATUS_NAMES = {"booked": "Đã đặt", "checked_in": "Đã đến", "cancelled": "Đã hủy",
                "no_show": "Không đến"}
FIELDS = ("a.id, a.code, a.status, a.service_id, s.code as service_code, "
          "s.name as service_name, a.procedure_code, a.procedure_name, a.day, a.starts_at, "
          "a.ends_at, a.name, a.dossier_code, a.ticket_id, a.checked_in_at, a.affected, "
          "a.affected_reason, a.channel, a.created_at")


def normalise_code(text) -> str | None:
    """A booking code from what was typed or scanned (the QR's text, any case, spaces or
    dashes); None when it cannot be one."""
    text = nfc(text).upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):]
    text = re.sub(r"[\s\-.]", "", text)
    return text if CODE.match(text) else None


def qr_payload(code: str) -> str:
    return f"{QR_PREFIX}{code}"


def normalise_phone(text) -> str | None:
    """'0912 345 678', '+84912345678', '84-912-345-678' → '0912345678'; None if not a phone."""
    digits = re.sub(r"[\s.\-()]", "", nfc(text))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if PHONE.match(digits) else None


def mask_name(name: str) -> str:
    """``Nguyễn Thị Lan`` → ``Nguyễn T. L.``"""
    words = nfc(name).split()
    if not words:
        return ""
    return " ".join([words[0]] + [w[0] + "." for w in words[1:]])


def _rows(db, query: str, args=()) -> list[dict]:
    """Bookings as dicts, each with its masked name and its status in Vietnamese."""
    found = sql.rows(db, query, args)
    for row in found:
        row["masked_name"] = mask_name(row.get("name", ""))
        row["status_name"] = STATUS_NAMES.get(row.get("status"), "")
    return found


def _event(db, booking_id: int, action: str, at: str, detail: dict | None = None,
           actor: str | None = None) -> None:
    db.execute("insert into appointment_events (appointment_id, at, action, detail, actor) "
               "values (?, ?, ?, ?, ?)",
               [booking_id, at, action, json.dumps(detail or {}, ensure_ascii=False), actor])


# --- What the floor calls --------------------------------------------------------------

def find(db, code) -> dict | None:
    """A booking by its code (typed or scanned); no phone or e-mail in it."""
    code = normalise_code(code)
    if code is None:
        return None
    found = _rows(db, f"select {FIELDS} from appointments a join services s "
                      "on s.id = a.service_id where a.code = ?", [code])
    return found[0] if found else None


def get(db, booking_id: int) -> dict | None:
    found = _rows(db, f"select {FIELDS}, a.phone, a.email from appointments a join services s "
                      "on s.id = a.service_id where a.id = ?", [booking_id])
    return found[0] if found else None


def _set_status(db, booking_id: int, new: str, column: str, at: dt.datetime | None,
                action: str, detail: dict, extra: dict | None = None) -> None:
    when = clock.iso(at)
    sets = ", ".join(f"{k} = ?" for k in (extra or {}))
    cur = db.execute(
        f"update appointments set status = ?, {column} = ?, updated_at = ?"
        f"{', ' + sets if sets else ''} where id = ? and status = 'booked'",
        [new, when, when, *(extra or {}).values(), booking_id])
    if cur.rowcount != 1:
        raise Refused("not_booked", "Lịch hẹn này không còn ở trạng thái đã đặt (đã đến, đã "
                                    "hủy hoặc không đến).")
    _event(db, booking_id, action, when, detail)


def mark_checked_in(db, booking_id: int, ticket_id: int | None, at: dt.datetime | None = None
                    ) -> None:
    """booked → checked_in, with the ticket printed for it (caller's transaction)."""
    _set_status(db, booking_id, "checked_in", "checked_in_at", at, "check_in",
                {"ticket_id": ticket_id}, {"ticket_id": ticket_id})


def mark_no_show(db, booking_id: int, at: dt.datetime | None = None, reason: str = "") -> None:
    """booked → no_show: the seat is free again (caller's transaction)."""
    _set_status(db, booking_id, "no_show", "no_show_at", at, "no_show", {"reason": reason})


def bookings_between(db, start, end, service_ids=None,
                     statuses=slots.HOLDING) -> list[dict]:
    """Bookings whose slot starts in [start, end) (aware datetimes or UTC ISO), by start."""
    start = start if isinstance(start, str) else clock.iso(start)
    end = end if isinstance(end, str) else clock.iso(end)
    query = (f"select {FIELDS} from appointments a join services s on s.id = a.service_id "
             f"where a.starts_at >= ? and a.starts_at < ? "
             f"and a.status in ({', '.join('?' * len(statuses))})")
    args = [start, end, *statuses]
    if service_ids is not None:
        service_ids = list(service_ids)
        if not service_ids:
            return []
        query += f" and a.service_id in ({', '.join('?' * len(service_ids))})"
        args += service_ids
    return _rows(db, query + " order by a.starts_at, a.id", args)


# --- Booking -----------------------------------------------------------------------------

def _person(name, phone, email, dossier_code) -> dict:
    name = re.sub(r"\s+", " ", nfc(name))
    if not 2 <= len(name) <= 100:
        raise Refused("invalid_name", "Xin nhập họ và tên (2–100 ký tự).")
    number = normalise_phone(phone)
    if number is None:
        raise Refused("invalid_phone", "Số điện thoại không hợp lệ (ví dụ 0912345678).")
    email = nfc(email)
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise Refused("invalid_email", "Địa chỉ thư điện tử không hợp lệ.")
    dossier_code = nfc(dossier_code)
    if dossier_code and not DOSSIER.match(dossier_code):
        raise Refused("invalid_dossier", "Mã hồ sơ không hợp lệ (chữ, số, dấu chấm, gạch).")
    return {"name": name, "phone": number, "email": email, "dossier_code": dossier_code}


def line_for(db, department_id: int | None) -> str | None:
    """The code of the first active service (line) taking a department's procedures, or
    None when no line at the centre takes them::

        line_for(db, dept_id("STP"))   # "ho-tich"
        line_for(db, dept_id("CAT"))   # None: the Công an tỉnh works at its own desk
    """
    row = db.execute(
        "select s.code from services s join service_departments sd "
        "on sd.service_id = s.id where sd.department_id = ? and s.active = 1 "
        "order by s.sort_order, s.id limit 1", [department_id]).fetchone()
    return row[0] if row else None


# How a citizen names the level that resolves a procedure (catalog.procedures.LEVELS).
LEVEL_WORDS = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}


def received_here(db, level: str | None, code: str | None = None) -> bool:
    """Does this centre receive procedures of ``level`` (queue setting
    ``procedure_levels``), or this one (``code``) whatever its level? Since 01/07/2025 a
    procedure the province lists as done "không phụ thuộc vào địa giới hành chính" may
    be submitted at any one-stop desk, whatever the level of government (Nghị định
    118/2025/NĐ-CP; docs/appointments.md, "Levels"): the centre names those it receives
    in ``boundary_free_codes``. Any other procedure of a level it does not receive would
    bring the citizen to a centre that sends them away."""
    return level in queue_setup.procedure_levels(db) or (
        code is not None and code in queue_setup.boundary_free_codes(db))


def level_words(level: str | None) -> str:
    return LEVEL_WORDS.get(level or "", level or "")


def bookable_line(db, procedure: dict) -> str | None:
    """The line a booking for ``procedure`` (a catalog row) goes to, or None when none
    is offered: a level this centre does not receive (and not on its list of procedures
    received whatever their level), or no line for its department."""
    if not received_here(db, procedure.get("level"), procedure.get("code")):
        return None
    return line_for(db, procedure.get("department_id"))


def service_for(db, service_code: str | None = None, procedure_code: str | None = None
                ) -> tuple[dict, dict | None]:
    """The bookable service chosen, or the one serving a procedure's department."""
    procedure = None
    if procedure_code:
        found = db.execute("select code, name, department_id, level from procedures "
                           "where code = ? and current = 1 "
                           "and json_extract(details, '$.withdrawn') is null",
                           [nfc(procedure_code)]).fetchone()
        if found is None:  # unknown, or withdrawn: no new dossier under it
            raise Refused("unknown_procedure", "Không tìm thấy thủ tục này.")
        if not received_here(db, found[3], found[0]):
            level = level_words(found[3])
            raise Refused("not_received_here", (
                f"Thủ tục “{found[1]}” do {level} giải quyết; Trung tâm này không nhận đặt "
                f"lịch hẹn cho thủ tục {level}. Xin nộp hồ sơ tại Trung tâm Phục vụ hành "
                f"chính công {level}, hoặc hỏi quầy hướng dẫn của Trung tâm nếu thủ tục "
                "thuộc danh mục không phụ thuộc địa giới hành chính của tỉnh."))
        procedure = {"code": found[0], "name": found[1]}
        if not service_code:
            service_code = line_for(db, found[2])
            if service_code is None:
                # No line at the centre takes it (a unit at its own desk, such as the
                # Công an tỉnh for driving licences since 2025): "come and take a number"
                # would send the citizen to a dispenser with no button for it.
                who = db.execute("select name from departments where id = ?",
                                 [found[2]]).fetchone()
                raise Refused("not_bookable", (
                    f"{who[0] if who else 'Cơ quan giải quyết thủ tục này'} không có quầy "
                    "lấy số tại Trung tâm nên không đặt lịch hẹn được; xin hỏi quầy "
                    "hướng dẫn."))
    for service in slots.bookable_services(db):
        if service["code"] == service_code:
            return service, procedure
    raise Refused("not_bookable", "Dịch vụ này chưa nhận đặt lịch hẹn; xin chọn dịch vụ khác "
                                  "hoặc đến Trung tâm lấy số trực tiếp.")


def _slot(db, config: HubConfig, service_id: int, starts_at: str,
          now: dt.datetime) -> slots.Slot:
    """The slot asked for, when it takes bookings at all (read before the write lock)."""
    slot = slots.slot_at(db, config, service_id, starts_at, now)
    if slot is None or slot.closed:
        raise Refused("no_slot", "Khung giờ này không nhận đặt lịch. Xin chọn khung giờ khác.")
    if slot.too_late:
        raise Refused("too_late", "Khung giờ này đã qua hoặc quá sát giờ, hoặc còn quá xa để "
                                  "đặt trước. Xin chọn khung giờ khác.")
    return slot


def _take_seat(db, slot: slots.Slot, ignore_id: int | None = None) -> None:
    """Inside the write transaction: refuse when the slot's seats are all held."""
    held = db.execute("select count(*) from appointments where service_id = ? and "
                      "starts_at = ? and status in ('booked', 'checked_in') and id is not ?",
                      [slot.service_id, slot.starts_at, ignore_id]).fetchone()[0]
    if held >= slot.seats:
        raise Refused("slot_full", "Khung giờ này vừa hết chỗ. Xin chọn khung giờ khác.")


class _Turns:
    """A lock taken in the order asked (a ticket lock): the 20th of 20 waiting writers
    waits for 19 bookings, not for however many newcomers the scheduler lets past it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def __enter__(self):
        with self._cond:
            turn, self._next = self._next, self._next + 1
            while self._serving != turn:
                self._cond.wait()

    def __exit__(self, *exc):
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


# Writers of this process queue here, in turn, for the database's write lock: SQLite's
# busy handler sleeps in growing steps (up to 100 ms), which made the slowest of 20
# concurrent bookings wait seconds. Not taken inside a transaction already open (the
# bus gateway's): that one holds the lock already.
_WRITERS = _Turns()


@contextlib.contextmanager
def _writing(store: Store):
    if store.db.conn.in_transaction:
        with store.write() as db:
            yield db
        return
    with _WRITERS, store.write() as db:
        yield db


def _limits(db, opts: dict, phone: str, client_key: str, now: dt.datetime,
            ignore_id: int | None = None) -> None:
    active = db.execute("select count(*) from appointments where phone = ? and status = 'booked' "
                        "and ends_at > ? and id is not ?",
                        [phone, clock.iso(now), ignore_id]).fetchone()[0]
    if active >= opts["per_phone_active"]:
        raise Refused("too_many_for_phone",
                      f"Số điện thoại này đã có {active} lịch hẹn chưa đến ngày; mỗi số được giữ "
                      f"tối đa {opts['per_phone_active']}. Xin hủy bớt một lịch hẹn trước.")
    if client_key:
        day_start = dt.datetime.combine(now.astimezone(VN).date(), dt.time(), VN)
        made = db.execute("select count(*) from appointments where client_key = ? and "
                          "created_at >= ?", [client_key, clock.iso(day_start)]).fetchone()[0]
        limit = opts["per_kiosk_per_day"] if client_key.startswith("node:") \
            else opts["per_address_per_day"]
        if made >= limit:
            raise Refused("too_many", "Đã đặt quá nhiều lịch hẹn từ nơi này trong hôm nay. "
                                      "Xin thử lại vào ngày mai hoặc gọi cho Trung tâm.")


def book(store: Store, config: HubConfig, *, starts_at: str, name: str, phone: str,
         service_code: str | None = None, procedure_code: str | None = None, email: str = "",
         dossier_code: str = "", channel: str = "web", client_key: str = "",
         now: dt.datetime | None = None, actor: str | None = None) -> dict:
    """Book a seat of a slot; the booking (with its ``code``). Refused (Vietnamese) when the
    input is wrong, the slot is full, closed or past, or a limit is reached."""
    now = now or clock.now()
    person = _person(name, phone, email, dossier_code)
    if channel not in ("web", "kiosk", "staff"):
        raise ValueError(channel)
    # What does not change under a booking is read first, without the write lock: the
    # service and the slot (calendar, counters, closures). A change of those between here
    # and the commit is caught by recheck(), as for every booking already made.
    service, procedure = service_for(store.db, service_code, procedure_code)
    slot = _slot(store.db, config, service["id"], starts_at, now)
    opts = rules.settings(store.db)
    at = clock.iso(now)
    with _writing(store) as db:
        _limits(db, opts, person["phone"], client_key, now)
        _take_seat(db, slot)
        for attempt in range(5):  # a new code; the unique index says when one is taken
            code = "H" + "".join(secrets.choice(ALPHABET) for _ in range(7))
            try:
                booking_id = db.execute(
                    "insert into appointments (code, service_id, procedure_code, "
                    "procedure_name, day, starts_at, ends_at, name, phone, email, dossier_code, "
                    "status, channel, client_key, created_at, updated_at) values (?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)",
                    [code, service["id"], (procedure or {}).get("code", ""),
                     (procedure or {}).get("name", ""), slot.day.isoformat(), slot.starts_at,
                     slot.ends_at, person["name"], person["phone"], person["email"],
                     person["dossier_code"], channel, client_key, at, at]).lastrowid
                break
            except sqlite3.IntegrityError as clash:
                if "appointments.code" not in str(clash) or attempt == 4:
                    raise
        _event(db, booking_id, "book", at, {"starts_at": slot.starts_at, "channel": channel},
               actor)
    return {"id": booking_id, "code": code, "status": "booked", "service_id": service["id"],
            "service_code": service["code"], "service_name": service["name"],
            "procedure_code": (procedure or {}).get("code", ""),
            "procedure_name": (procedure or {}).get("name", ""), "day": slot.day.isoformat(),
            "starts_at": slot.starts_at, "ends_at": slot.ends_at, **person,
            "masked_name": mask_name(person["name"]), "status_name": STATUS_NAMES["booked"],
            "ticket_id": None, "checked_in_at": None, "affected": 0, "affected_reason": "",
            "channel": channel, "created_at": at}


def find_own(db, code, phone) -> dict | None:
    """A booking by its code and the phone it was made with (both must match)."""
    code, number = normalise_code(code), normalise_phone(phone)
    if code is None or number is None:
        return None
    found = _rows(db, f"select {FIELDS}, a.phone, a.email from appointments a join services s "
                      "on s.id = a.service_id where a.code = ? and a.phone = ?", [code, number])
    return found[0] if found else None


def _own_open(db, code, phone, now: dt.datetime) -> dict:
    booking = find_own(db, code, phone)
    if booking is None:
        raise Refused("not_found", "Không tìm thấy lịch hẹn với mã và số điện thoại này.")
    if booking["status"] != "booked":
        raise Refused("not_booked", f"Lịch hẹn này {STATUS_NAMES[booking['status']].lower()}, "
                                    "không thay đổi được nữa.")
    if booking["ends_at"] <= clock.iso(now):
        raise Refused("past", "Giờ hẹn đã qua, không thay đổi được nữa.")
    return booking


def move(store: Store, config: HubConfig, code, phone, starts_at: str, *,
         now: dt.datetime | None = None, actor: str | None = None) -> dict:
    """Move a booking (same service, same code) to another slot with a free seat."""
    now = now or clock.now()
    booking = _own_open(store.db, code, phone, now)
    slot = _slot(store.db, config, booking["service_id"], starts_at, now)
    with _writing(store) as db:
        booking = _own_open(db, code, phone, now)
        return _move(db, config, booking, slot, now, actor)


def _move(db, config, booking: dict, slot: slots.Slot, now: dt.datetime, actor) -> dict:
    if slot.starts_at == booking["starts_at"]:
        raise Refused("same_slot", "Lịch hẹn đã ở khung giờ này.")
    _take_seat(db, slot, ignore_id=booking["id"])
    at = clock.iso(now)
    db.execute("update appointments set day = ?, starts_at = ?, ends_at = ?, affected = 0, "
               "affected_reason = '', updated_at = ? where id = ?",
               [slot.day.isoformat(), slot.starts_at, slot.ends_at, at, booking["id"]])
    _event(db, booking["id"], "move", at, {"from": booking["starts_at"], "to": slot.starts_at},
           actor)
    return get(db, booking["id"])


def cancel(store: Store, code, phone, *, now: dt.datetime | None = None,
           actor: str | None = None) -> dict:
    """The citizen cancels (code and phone); the seat is free again."""
    now = now or clock.now()
    with _writing(store) as db:
        booking = _own_open(db, code, phone, now)
        _set_status(db, booking["id"], "cancelled", "cancelled_at", now, "cancel",
                    {"by": "citizen" if actor is None else "staff"})
        if actor:
            audit.record(db, actor, "appointment.cancel", f"appointment:{booking['code']}")
        return get(db, booking["id"])


# --- Staff: closures and bookings a change leaves without a seat -------------------------

def recheck(store: Store, config: HubConfig, now: dt.datetime | None = None,
            actor: str | None = None) -> int:
    """Mark bookings that no longer hold a seat (the slot is gone, closed, or has fewer seats
    than bookings after a change of counters, calendar or rules): the newest bookings of a
    slot lose first. Each gets an ``affected`` event (the citizen is told); none is dropped.
    Returns how many were newly marked."""
    now = now or clock.now()
    with store.write() as db:
        rows = list(db.execute(
            "select id, service_id, starts_at, day, affected from appointments "
            "where status = 'booked' and ends_at > ? order by starts_at, created_at, id",
            [clock.iso(now)]))
        if not rows:
            return 0
        days = sorted({dt.date.fromisoformat(r[3]) for r in rows})
        services = sorted({r[1] for r in rows})
        plan = slots.plan(db, config, services, days[0], days[-1], now, count_booked=False)
        seat_of = {(sid, s.starts_at): (0 if s.closed else s.seats)
                   for sid, ss in plan.items() for s in ss}
        # Checked-in bookings of the same slots hold their seats first.
        held = {(r[0], r[1]): r[2] for r in db.execute(
            "select service_id, starts_at, count(*) from appointments where status = "
            "'checked_in' and ends_at > ? group by service_id, starts_at", [clock.iso(now)])}
        marked = 0
        used: dict = {}
        at = clock.iso(now)
        for booking_id, service_id, starts_at, _day, affected in rows:
            key = (service_id, starts_at)
            used[key] = used.get(key, held.get(key, 0)) + 1
            if key not in seat_of:
                reason = "Khung giờ không còn (lịch làm việc hoặc quầy phục vụ đã thay đổi)."
            elif used[key] > seat_of[key]:
                reason = (_closure_reason(db, service_id, starts_at) or
                          "Khung giờ không còn đủ chỗ (số quầy phục vụ đã giảm).")
            else:
                continue
            if affected:
                continue
            db.execute("update appointments set affected = 1, affected_reason = ?, "
                       "updated_at = ? where id = ?", [reason, at, booking_id])
            _event(db, booking_id, "affected", at, {"reason": reason}, actor)
            marked += 1
        return marked


def _closure_reason(db, service_id: int, starts_at: str) -> str | None:
    start = clock.from_iso(starts_at).astimezone(VN)
    row = db.execute("select reason from appointment_closures where day = ? and "
                     "(service_id is null or service_id = ?) and (start is null or start = ?) "
                     "order by id desc limit 1",
                     [start.date().isoformat(), service_id, f"{start:%H:%M}"]).fetchone()
    return f"Trung tâm đóng khung giờ này: {row[0]}" if row else None


# The capacity the last recheck of this process saw, per database file.
_seen_capacity: dict[str, tuple] = {}


def capacity_fingerprint(db, config: HubConfig) -> tuple:
    """What the seats depend on: counters and their services, the services' minutes,
    the calendar's overrides and sessions, the rules, the closures."""
    one = lambda query: tuple(db.execute(query).fetchone())  # noqa: E731
    return (
        one("select count(*), total(cs.weight * cs.counter_id * cs.service_id), "
            "total(c.active * c.id) from counter_services cs "
            "join counters c on c.id = cs.counter_id"),
        one("select group_concat(id || ':' || active || ':' || default_service_min) "
            "from services"),
        one("select count(*), max(set_at), group_concat(day || working) "
            "from calendar_overrides"),
        one("select group_concat(service_id || bookable || walk_in_share || "
            "coalesce(slot_minutes, '')) from appointment_services"),
        one("select group_concat(key || value) from appointment_settings"),
        one("select count(*), max(id) from appointment_closures"),
        tuple(config.calendar.sessions),
    )


def recheck_if_changed(store: Store, config: HubConfig, now: dt.datetime | None = None
                       ) -> int:
    """:func:`recheck` when the capacity changed since this process last looked (a change
    made elsewhere: ``motcua queue load``, another process). Cheap when nothing did."""
    seen = capacity_fingerprint(store.db, config)
    key = str(store.path)
    if _seen_capacity.get(key) == seen:
        return 0
    marked = recheck(store, config, now)
    _seen_capacity[key] = seen
    return marked


def affected(db) -> list[dict]:
    """Bookings staff must move or cancel (with the contact to reach the citizen)."""
    return _rows(db, f"select {FIELDS}, a.phone, a.email from appointments a join services s "
                     "on s.id = a.service_id where a.affected = 1 and a.status = 'booked' "
                     "order by a.starts_at, a.id")


def staff_cancel(store: Store, booking_id: int, *, actor: str, reason: str = "",
                 now: dt.datetime | None = None) -> None:
    with store.write() as db:
        _set_status(db, booking_id, "cancelled", "cancelled_at", now, "cancel",
                    {"by": "staff", "reason": nfc(reason)[:300]})
        audit.record(db, actor, "appointment.cancel", f"appointment:{booking_id}",
                     {"reason": nfc(reason)[:300]})


def staff_move_nearest(store: Store, config: HubConfig, booking_id: int, *, actor: str,
                       now: dt.datetime | None = None) -> dict:
    """Move a booking to the nearest later slot of its service with a free seat
    (within the booking horizon)."""
    now = now or clock.now()
    with store.write() as db:
        booking = get(db, booking_id)
        if booking is None or booking["status"] != "booked":
            raise Refused("not_booked", "Lịch hẹn này không còn ở trạng thái đã đặt.")
        first = max(now.astimezone(VN).date(), dt.date.fromisoformat(booking["day"]))
        last = now.astimezone(VN).date() + dt.timedelta(days=rules.settings(db)["days_ahead"])
        for slot in slots.plan(db, config, [booking["service_id"]], first, last,
                               now)[booking["service_id"]]:
            if slot.free > 0 and slot.starts_at >= booking["starts_at"] \
                    and slot.starts_at != booking["starts_at"]:
                moved = _move(db, config, booking, slot, now, actor)
                audit.record(db, actor, "appointment.move", f"appointment:{booking['code']}",
                             {"to": slot.starts_at})
                return moved
        raise Refused("no_free_slot", "Không còn khung giờ trống nào của dịch vụ này trong thời "
                                      "gian nhận đặt lịch; xin hủy và báo công dân.")


def close(store: Store, config: HubConfig, *, day: dt.date, start: str | None = None,
          service_code: str | None = None, reason: str, actor: str,
          now: dt.datetime | None = None) -> int:
    """Close a slot (``start`` 'HH:MM') or a whole day, for one service or all. Bookings
    there become ``affected`` (listed for staff, citizens told). Returns how many."""
    reason = nfc(reason)
    if not reason:
        raise Refused("reason_required", "Xin ghi lý do đóng (công dân sẽ được báo).")
    if start and not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", start):
        raise Refused("invalid_time", "Giờ bắt đầu khung phải có dạng HH:MM, ví dụ 08:30.")
    with store.write() as db:
        service_id = None
        if service_code:
            row = db.execute("select id from services where code = ?", [service_code]).fetchone()
            if row is None:
                raise Refused("unknown_service", f"Không có dịch vụ mã '{service_code}'.")
            service_id = row[0]
        db.execute("insert into appointment_closures (service_id, day, start, reason, "
                   "closed_by, closed_at) values (?, ?, ?, ?, ?, ?)",
                   [service_id, day.isoformat(), start or None, reason[:300], actor,
                    clock.iso(now)])
        audit.record(db, actor, "appointments.close", f"day:{day.isoformat()}",
                     {"start": start, "service": service_code, "reason": reason})
        return recheck(store, config, now, actor)


def reopen(store: Store, closure_id: int, *, actor: str) -> None:
    with store.write() as db:
        db.execute("delete from appointment_closures where id = ?", [closure_id])
        audit.record(db, actor, "appointments.reopen", f"closure:{closure_id}")


def closures(db, since: dt.date) -> list[dict]:
    return _rows(db, "select c.*, s.name as service_name from appointment_closures c "
                     "left join services s on s.id = c.service_id where c.day >= ? "
                     "order by c.day, c.start", [since.isoformat()])


def reminders_due(db, now: dt.datetime) -> list[dict]:
    """Bookings still held whose slot is tomorrow (local): the day-before reminder."""
    tomorrow = (now.astimezone(VN).date() + dt.timedelta(days=1)).isoformat()
    return _rows(db, f"select {FIELDS}, a.phone, a.email from appointments a join services s "
                     "on s.id = a.service_id where a.day = ? and a.status = 'booked' "
                     "order by a.id", [tomorrow])


# --- The kiosk (over the bus) ----------------------------------------------------------------

def offer(db, config: HubConfig, service_code: str | None = None, day: str | None = None,
          now: dt.datetime | None = None) -> dict:
    """What a kiosk may show: the services, a service's days, or a day's slots (free seats
    only as numbers; no booking or person)."""
    now = now or clock.now()
    services = slots.bookable_services(db)
    if not service_code:
        return {"services": [{"code": s["code"], "name": s["name"]} for s in services]}
    service = next((s for s in services if s["code"] == service_code), None)
    if service is None:
        raise Refused("not_bookable", "Dịch vụ này chưa nhận đặt lịch hẹn.")
    today = now.astimezone(VN).date()
    if not day:
        last = today + dt.timedelta(days=rules.settings(db)["days_ahead"])
        free: dict[dt.date, int] = {}
        for slot in slots.plan(db, config, [service["id"]], today, last, now)[service["id"]]:
            free[slot.day] = free.get(slot.day, 0) + slot.free
        return {"days": [{"day": d.isoformat(), "free": n} for d, n in free.items()]}
    try:
        chosen = dt.date.fromisoformat(day)
    except ValueError:
        raise Refused("invalid_date", "Ngày không hợp lệ.") from None
    if not today <= chosen <= today + dt.timedelta(days=rules.settings(db)["days_ahead"]):
        raise Refused("invalid_date", "Ngày này không nhận đặt lịch hẹn.")
    return {"slots": [{"starts_at": s.starts_at, "label": s.label, "free": s.free}
                      for s in slots.plan(db, config, [service["id"]], chosen, chosen,
                                          now)[service["id"]]]}
