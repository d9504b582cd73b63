"""The bookable slots of a service, from the centre's real capacity.

A service's capacity is the counters that serve it (``counter_services``): an active
counter serving several services gives each its weight's share of its time, and a
citizen takes the service's ``default_service_min`` minutes. Within each working
session of the calendar (days off, make-up days and the admin's overrides included)
the day is cut into slots of ``slot_minutes`` (the service's own or the centre's); a
slot's seats are the minutes of service it holds, less the share kept for walk-ins,
rounded down::

    seats = floor(slot_minutes × Σ_counters (weight / counter's total weight)
                  / default_service_min × (1 − walk_in_share))

A slot closed by an administrator (the slot, or its whole day; for the service or
for all) has no seats. Only ``booked`` and ``checked_in`` bookings hold a seat::

    plan = slots.plan(db, config, [service_id], first_day, last_day, now=now)
    for slot in plan[service_id]: slot.label, slot.seats, slot.booked, slot.free
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from motcua import clock

from ..calendar.working_calendar import calendar_for
from ..calendar.working_time import VN
from ..config import HubConfig
from . import rules

HOLDING = ("booked", "checked_in")


@dataclass(slots=True)
class Slot:
    service_id: int
    day: dt.date
    start: dt.datetime       # local (Asia/Ho_Chi_Minh)
    end: dt.datetime
    starts_at: str           # UTC ISO, as the store keeps it
    ends_at: str
    seats: int
    booked: int = 0
    closed: bool = False
    too_late: bool = False   # starts before now + the lead time, or beyond days_ahead

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def free(self) -> int:
        if self.closed or self.too_late:
            return 0
        return max(0, self.seats - self.booked)


def minutes_per_seat(db) -> dict[int, float]:
    """Per service: counter-minutes of service per minute of opening (Σ weight shares)
    divided by the service's minutes per citizen. 0 for a service no active counter serves."""
    totals = dict(db.execute(
        "select cs.counter_id, sum(cs.weight) from counter_services cs "
        "join counters c on c.id = cs.counter_id where c.active = 1 "
        "group by cs.counter_id").fetchall())
    share: dict[int, float] = {}
    for counter_id, service_id, weight in db.execute(
            "select cs.counter_id, cs.service_id, cs.weight from counter_services cs "
            "join counters c on c.id = cs.counter_id where c.active = 1"):
        share[service_id] = share.get(service_id, 0.0) + weight / totals[counter_id]
    out = {}
    for service_id, minutes in db.execute(
            "select id, default_service_min from services where active = 1"):
        out[service_id] = share.get(service_id, 0.0) / max(float(minutes or 6), 0.5)
    return out


def seats(rate: float, slot_minutes: int, walk_in_share: float) -> int:
    # A hair above, so that 3.0 computed as 2.9999999 is still 3.
    return max(0, math.floor(rate * slot_minutes * (1 - walk_in_share) + 1e-9))


def _closures(db, first: dt.date, last: dt.date) -> tuple[set, set]:
    days, slots = set(), set()
    for service_id, day, start in db.execute(
            "select service_id, day, start from appointment_closures where day between ? and ?",
            [first.isoformat(), last.isoformat()]):
        if start:
            slots.add((service_id, day, start))
        else:
            days.add((service_id, day))
    return days, slots


def _booked(db, service_ids, start: dt.datetime, end: dt.datetime) -> dict:
    marks = ", ".join("?" * len(service_ids))
    return {(r[0], r[1]): r[2] for r in db.execute(
        f"select service_id, starts_at, count(*) from appointments "
        f"where status in ('booked', 'checked_in') and starts_at >= ? and starts_at < ? "
        f"and service_id in ({marks}) group by service_id, starts_at",
        [clock.iso(start), clock.iso(end), *service_ids])}


# The slot grid (days, starts, their UTC texts) per calendar, days and slot length: the
# same for every call until the calendar changes (calendar_for then gives a new object).
_grid_cache: dict[tuple, tuple] = {}


def _cells(cal, first: dt.date, last: dt.date, length: int) -> list[tuple]:
    key = (id(cal), first, last, length)
    hit = _grid_cache.get(key)
    if hit is not None and hit[0] is cal:
        return hit[1]
    step = dt.timedelta(minutes=length)
    cells = []
    day = first
    while day <= last:
        day_text = day.isoformat()
        for begin, finish in cal.sessions_on(day):
            start = begin
            while start + step <= finish:
                cells.append((day, day_text, f"{start:%H:%M}", start, start + step,
                              clock.iso(start), clock.iso(start + step)))
                start += step
        day += dt.timedelta(days=1)
    if len(_grid_cache) > 256:
        _grid_cache.clear()
    _grid_cache[key] = (cal, cells)
    return cells


def plan(db, config: HubConfig, service_ids: list[int], first: dt.date, last: dt.date,
         now: dt.datetime | None = None, *, count_booked: bool = True) -> dict[int, list[Slot]]:
    """Every slot of the services from ``first`` to ``last`` (local days, both included)."""
    now = now or clock.now()
    cal = calendar_for(db, config)
    opts = rules.settings(db)
    per_service = rules.service_rules(db)
    rate = minutes_per_seat(db)
    closed_days, closed_slots = _closures(db, first, last)
    closing = bool(closed_days or closed_slots)
    earliest = now + dt.timedelta(minutes=opts["min_lead_minutes"])
    today = now.astimezone(VN).date()
    latest_day = today + dt.timedelta(days=opts["days_ahead"])
    booked = {}
    if count_booked and service_ids:
        booked = _booked(db, service_ids,
                         dt.datetime.combine(first, dt.time(), VN),
                         dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), VN))
    grids: dict[int, list[tuple]] = {}  # slot length -> the slots of every day, once

    def grid(length: int) -> list[tuple]:
        if length not in grids:
            grids[length] = [(*cell, cell[3] < earliest or cell[0] > latest_day)
                             for cell in _cells(cal, first, last, length)]
        return grids[length]

    out: dict[int, list[Slot]] = {}
    for service_id in service_ids:
        rule = per_service.get(service_id)
        found: list[Slot] = []
        out[service_id] = found
        if rule is None or not rule["bookable"] or service_id not in rate:
            continue
        length = rule["slot_minutes"] or opts["slot_minutes"]
        n = seats(rate[service_id], length, rule["walk_in_share"])
        for day, day_text, hhmm, start, end, starts_at, ends_at, too_late in grid(length):
            closed = ((service_id, day_text) in closed_days or (None, day_text) in closed_days
                      or (service_id, day_text, hhmm) in closed_slots
                      or (None, day_text, hhmm) in closed_slots) if closing else False
            found.append(Slot(service_id, day, start, end, starts_at, ends_at, n,
                              booked.get((service_id, starts_at), 0), closed, too_late))
    return out


def slot_at(db, config: HubConfig, service_id: int, starts_at: str,
            now: dt.datetime | None = None) -> Slot | None:
    """The slot of a service starting at ``starts_at`` (UTC ISO), or None when there is
    no such slot (not a working time, not on the slot grid, service not bookable)."""
    try:
        start = clock.from_iso(starts_at)
        day = start.astimezone(VN).date() if start.tzinfo is not None else None
    except (TypeError, ValueError, OverflowError):
        return None
    if day is None or not 2000 <= day.year <= 2999:
        return None
    for slot in plan(db, config, [service_id], day, day, now)[service_id]:
        if slot.starts_at == clock.iso(start):
            return slot
    return None


def bookable_services(db) -> list[dict]:
    """Active services that take bookings and whose slots hold at least one seat."""
    per_service = rules.service_rules(db)
    rate = minutes_per_seat(db)
    length = rules.settings(db)["slot_minutes"]
    out = []
    for r in db.execute("select id, code, name from services where active = 1 "
                        "order by sort_order, id"):
        rule = per_service.get(r[0])
        if rule and rule["bookable"] and seats(rate.get(r[0], 0.0), rule["slot_minutes"] or length,
                                               rule["walk_in_share"]) > 0:
            out.append({"id": r[0], "code": r[1], "name": r[2]})
    return out


def day_capacity(db, config: HubConfig, day: dt.date) -> dict[str, dict]:
    """Per service code: seats offered for bookings on a day and seats booked (statistics)."""
    services = {r[0]: r[1] for r in db.execute("select id, code from services")}
    result = plan(db, config, list(services), day, day,
                  now=dt.datetime.combine(day, dt.time(), VN) - dt.timedelta(days=1))
    return {services[sid]: {"seats": sum(s.seats for s in ss if not s.closed),
                            "booked": sum(s.booked for s in ss)}
            for sid, ss in result.items() if ss}
