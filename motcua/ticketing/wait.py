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
from (not even the service time): no estimate at all, rather than one made up.

**The range widens with the state's age.** The state held when the node last
heard the hub (the link lost, or the hub gone: ``issuer``); ``age_min`` minutes
later the counters may have called people, paused, closed or opened, unheard:

- the low end counts the line as having moved on at its known pace all along:
  ``⌊age / minutes_per_person⌋`` fewer people ahead (never below none);
- the high end counts the counters as having served at ``1 − age / 60`` of their
  known pace (one counter in two away by half an hour: a counter's break is 5 to
  30 minutes, the keypad's pause chooser), the people ahead all still there;
- **older than** :data:`STALE_AFTER_MIN` **(30 minutes): no estimate.** By then
  every counter of the state may have taken a break and come back or closed, and
  the people then waiting have mostly been called (the simulated day's waits are
  about 10 minutes): the state no longer says how the line stands, and a range
  wide enough to hold any of that would tell the citizen nothing;
- a state of unknown age (heard only from the broker's retained store, with no
  hub online since the node started) gives no estimate either.

At age 0 the range is the hub's own::

    line = {"open_counters": 2, "idle_counters": 0, "minutes_per_person": 3.0}
    offline_wait(line, ahead=7, now=now)    # (23, (10, 40)): "khoảng 10–40 phút"
    offline_wait(line, 7, now, age_min=12)  # (23, (5, 50)): wider
    offline_wait(line, 7, now, age_min=31)  # None: too old to say
    offline_wait(None, ahead=7, now=now)    # None: no line state heard
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from motcua.waits import Line, wait_spread, with_bookings

# Past this age (minutes since the line state was known to hold) an offline ticket
# says nothing of its wait (see above).
STALE_AFTER_MIN = 30.0
# The high end's counters serve at 1 - age / SLOWER_OVER_MIN of their known pace.
SLOWER_OVER_MIN = 60.0


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


def offline_wait(line: dict | None, ahead: int, now: dt.datetime,
                 age_min: float | None = 0.0) -> tuple[int, tuple[int, int]] | None:
    """``(minutes, (low, high))`` for a ticket with ``ahead`` people before it, from the
    last ``state.line`` heard (``line``), counting its bookings as a walk-in's wait
    does (``estimate.walk_in_wait``), the range widened with the state's age
    (``age_min``: minutes since it was known to hold); None when no line state was
    heard (or one without a service time), when its age is unknown (``None``) or
    over :data:`STALE_AFTER_MIN`."""
    if not line or not float(line.get("minutes_per_person") or 0) > 0:
        return None
    if age_min is None:
        return None
    age = max(0.0, age_min)
    if age > STALE_AFTER_MIN:
        return None
    facts = line_of(line, now)
    moved = math.floor(age / float(line["minutes_per_person"]))
    slower = dataclasses.replace(facts, per=facts.per / (1 - age / SLOWER_OVER_MIN))
    b = line.get("bookings")

    def spread(of: Line, called: int = 0):
        def wait_of(people: int):
            return wait_spread(of, max(0, people - called))
        if not b:
            return wait_of(ahead)
        since = now - dt.timedelta(minutes=int(b["late_min"]))
        slots = [(_moment(s["at"]), int(s["count"])) for s in b["slots"]]
        return with_bookings(
            wait_of, ahead, now, in_a_row=int(b["in_a_row"]), due_only=bool(b.get("due_only")),
            due_by=lambda until: sum(n for at, n in slots if since < at <= until))

    middle = spread(facts)
    low = spread(facts, moved).low if moved else middle.low
    high = spread(slower).high if age else middle.high
    return middle.minutes, (low, high)
