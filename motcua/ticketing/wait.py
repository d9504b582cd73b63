"""The wait a ticket printed offline says: the hub's rule on the last line state heard.

A dispenser or kiosk printing while the hub is away (``issuer._offline``) cannot
know what the counters did since: one may have paused, closed or opened. The
hub's own rule makes a ticket's estimate a range whenever a counter changed
unannounced lately (``central/queue/estimate.py``, ``wait_for``: not ``steady``),
so an offline ticket says a range, never a number: the 90% interval of the wait
(``motcua.waits.wait_spread``, the calculation the hub calls) from the last
``state.line`` the node heard (its open and idle counters, its minutes per person,
the changes announced, the bookings due), as the hub and the ticket's web page
(``central/static/ticket.js``, ``walkInWait``) count them.

With no line state heard since the node started there is nothing to compute
from (not even the service time): no estimate at all, rather than one made up::

    line = {"open_counters": 2, "idle_counters": 0, "minutes_per_person": 3.0}
    offline_wait(line, ahead=7, now=now)    # (23, (10, 40)): "khoảng 10–40 phút"
    offline_wait(None, ahead=7, now=now)    # None: no line state heard
"""

from __future__ import annotations

import datetime as dt

from motcua.waits import Line, wait_spread, with_bookings


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def line_of(state: dict, now: dt.datetime) -> Line:
    """The calculation's line from a ``state.line`` message (minutes per person
    times the counters open, the changes' moments as minutes from ``now``)."""
    open_ = int(state.get("open_counters") or 0)
    per = float(state.get("minutes_per_person") or 0) * max(1, open_)
    changes = tuple(((_moment(c["at"]) - now).total_seconds() / 60,
                     int(c.get("back", 0)), int(c.get("gone", 0)))
                    for c in (state.get("changes") or []))
    return Line(per=per, open=open_, idle=int(state.get("idle_counters") or 0),
                changes=changes)


def offline_wait(line: dict | None, ahead: int,
                 now: dt.datetime) -> tuple[int, tuple[int, int]] | None:
    """``(minutes, (low, high))`` for a ticket with ``ahead`` people before it, from the
    last ``state.line`` heard (``line``), counting its bookings as a walk-in's wait
    does (``estimate.walk_in_wait``); None when no line state was heard (or one
    without a service time)."""
    if not line or not float(line.get("minutes_per_person") or 0) > 0:
        return None
    facts = line_of(line, now)
    b = line.get("bookings")
    if b:
        since = now - dt.timedelta(minutes=int(b["late_min"]))
        slots = [(_moment(s["at"]), int(s["count"])) for s in b["slots"]]
        spread = with_bookings(
            lambda people: wait_spread(facts, people), ahead, now,
            in_a_row=int(b["in_a_row"]), due_only=bool(b.get("due_only")),
            due_by=lambda until: sum(n for at, n in slots if since < at <= until))
    else:
        spread = wait_spread(facts, ahead)
    return spread.minutes, (spread.low, spread.high)
