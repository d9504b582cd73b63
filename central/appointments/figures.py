"""Booked and walk-in citizens in figures, over a range of business days (issue 26, B).

::

    f = figures(db, config, "2026-12-01", "2026-12-31")
    f["booked"]["avg_wait_min"], f["walk_in"]["avg_wait_min"]   # minutes, or None
    f["no_show_rate"]        # of the bookings whose day is in the range; None: none ended
    f["share_booked"]        # bookings made / seats offered for booking; None: no seats

- **Waits.** A walk-in waits from its ticket to its first call. A booked citizen
  waits from the later of their check-in and their slot's start (what the booking
  promised) to the first call; called before the slot (checked in early, a short
  line) counts as no wait. ``within_window`` is the share of booked tickets first
  called no later than the slot's start + ``checkin_late_min``.
- **No-show rate of bookings** = no-shows / (checked in + no-shows), bookings of
  the days in the range (a booking still ``booked`` has not ended yet; a cancelled
  one was never expected).
- **Share of capacity booked** = bookings made for those days (all but the
  cancelled) / the seats offered for booking on them, the seats counted from the
  counters, calendar and walk-in shares as configured now
  (:func:`.slots.day_capacity`).

Every share whose denominator is zero is None (the pages show "—").
Input tables: ``tickets`` (``booking_code``, ``slot_at``), ``appointments``.
"""

from __future__ import annotations

import datetime as dt

from motcua import clock
from motcua.bus.messages import STATE_BOOKING_STATS

from ..config import HubConfig
from ..queue import setup as queue_setup
from ..queue import tickets
from . import slots

# Seats are counted day by day (the calendar decides each); a longer range leaves
# the share out rather than make a statistics page slow.
MAX_CAPACITY_DAYS = 93


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(0.9 * (len(values) - 1) + 0.5))]


def _waits(values: list[float], extra: dict | None = None) -> dict:
    return {"called": len(values), "wait_sum_min": round(sum(values), 1),
            "avg_wait_min": round(sum(values) / len(values), 1) if values else None,
            "p90_wait_min": round(_p90(values), 1) if values else None, **(extra or {})}


def _rank90(n: int) -> int:
    """The position of the 90th percentile among ``n`` sorted values (as :func:`_p90`)."""
    return min(n - 1, int(0.9 * (n - 1) + 0.5))


def waits(db, start_day: str, end_day: str) -> dict:
    """Booked and walk-in waits until the first call, for tickets of the days."""
    late = dt.timedelta(minutes=int(queue_setup.settings(db)["checkin_late_min"]))
    booked, booked_ms, in_window = [], 0, 0
    for issued, called, slot, wait_ms in db.execute(
            "select issued_at, first_called_at, slot_at, wait_ms from tickets where day >= ? "
            "and day <= ? and wait_ms is not null and slot_at is not null",
            [start_day, end_day]):
        called_at, slot_at = clock.from_iso(called), clock.from_iso(slot)
        start = max(slot_at, clock.from_iso(issued))
        booked.append(max(0.0, (called_at - start).total_seconds() / 60))
        in_window += called_at <= slot_at + late
        booked_ms += wait_ms
    # A walk-in's wait is issue to first call, kept at the first call (`wait_ms`,
    # migration 0154) in an index of the day's waits: counted, summed and ranked
    # by SQLite, the booked tickets' taken out. Reading every called ticket's two
    # dates in Python cost ~2 ms a thousand tickets, once a second at a busy hour
    # (the booking figures' ticker; issue 25).
    called, total_ms = db.execute(
        "select count(*), coalesce(sum(wait_ms), 0) from tickets where day >= ? and day <= ? "
        "and wait_ms is not null", [start_day, end_day]).fetchone()
    n = called - len(booked)
    walk_in = {"called": n, "wait_sum_min": round((total_ms - booked_ms) / 60000, 1),
               "avg_wait_min": round((total_ms - booked_ms) / n / 60000, 1) if n else None,
               "p90_wait_min": None}
    if n:
        # One day: the index holds its waits in order (no sort); a range is sorted.
        days, args = (("day = ?", [start_day]) if start_day == end_day else
                      ("day >= ? and day <= ?", [start_day, end_day]))
        only_walk_ins = " and slot_at is null" if booked else ""
        p90_ms = db.execute(
            f"select wait_ms from tickets where {days} and wait_ms is not null"
            f"{only_walk_ins} order by wait_ms limit 1 offset ?", [*args, _rank90(n)]
        ).fetchone()[0]
        walk_in["p90_wait_min"] = round(p90_ms / 60000, 1)
    return {
        "booked": _waits(booked, {"within_window": round(in_window / len(booked), 3)
                                  if booked else None}),
        "walk_in": walk_in,
    }


def figures(db, config: HubConfig, start_day: str, end_day: str) -> dict:
    counts = dict(db.execute(
        "select status, count(*) from appointments where day >= ? and day <= ? "
        "group by status", [start_day, end_day]).fetchall())
    ended = counts.get("checked_in", 0) + counts.get("no_show", 0)
    made = sum(counts.values()) - counts.get("cancelled", 0)
    first, last = dt.date.fromisoformat(start_day), dt.date.fromisoformat(end_day)
    seats = None
    if (last - first).days < MAX_CAPACITY_DAYS:
        seats, day = 0, first
        while day <= last:
            seats += sum(s["seats"] for s in slots.day_capacity(db, config, day).values())
            day += dt.timedelta(days=1)
    return {
        **waits(db, start_day, end_day),
        "bookings": made, "checked_in": counts.get("checked_in", 0),
        "no_show": counts.get("no_show", 0), "cancelled": counts.get("cancelled", 0),
        "no_show_rate": round(counts.get("no_show", 0) / ended, 3) if ended else None,
        "seats": seats,
        "share_booked": round(made / seats, 3) if seats else None,
    }


def as_message(f: dict, day: str) -> dict:
    """:func:`figures` as ``state/booking_stats`` carries it (figures left out when None)."""
    values = {"day": day}
    for side in ("booked", "walk_in"):
        for key in ("called", "wait_sum_min", "avg_wait_min", "p90_wait_min", "within_window"):
            if key in f[side]:
                values[f"{side}_{key}"] = f[side][key]
    for key in ("bookings", "checked_in", "no_show", "cancelled", "no_show_rate",
                "share_booked"):
        values[key] = f[key]
    values["seats"] = f["seats"] or 0
    return STATE_BOOKING_STATS.make(**values)


def today_message(db, config: HubConfig, now: dt.datetime | None = None) -> dict:
    """Today's figures as a message (the hub's ticker publishes it when it changes)."""
    day = tickets.today(db, now)
    return as_message(figures(db, config, day, day), day)
