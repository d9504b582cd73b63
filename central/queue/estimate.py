"""The wait a new ticket can expect: a number when it can be trusted, else a range.

::

    wait = expected_wait(db, service, ahead=7)
    wait.minutes          # 6: the point estimate (stored on the ticket, measured)
    wait.trusted          # False: print wait.low–wait.high instead of a number
    wait.range            # [5, 10] (None when trusted)

A ticket is called when enough counters have finished: with ``c`` counters
open for its service, ``idle`` of them free now and ``ahead`` people before
it, that is the ``ahead - idle + 1``-th finish (none when a counter is free
for it). Counters finish one every ``per / c`` minutes on average, ``per``
being the service's recent service time. The old estimate, ``ahead * per / c``
rounded up, forgot the finish that frees a counter for the ticket itself and
the counters already free, and read ``per`` from only 20 finished tickets
(with service times as spread as a centre's, a fifth off either way).

Service times vary: the wait until the ``k``-th finish spreads like a sum of
``k`` service intervals (standard deviation ``sqrt(k) * per / c`` for
exponential service times, a cautious assumption). The number is that
spread's median (the estimate with the least mean absolute error), the range
printed its 90% interval, each end to the nearest five minutes (about eight
waits in ten inside). A ticket gets a range
instead of a number when nine numbers in ten like it would be off by more than
``NUMBER_P90_ERROR_MIN`` (half its 90% interval), when no counter is open for the
service, when its service time is not known yet (the configured figure), or when a
counter of the service opened, paused or closed unannounced in the last
``SETTLING_MIN`` minutes. (No estimate made at issue can do better than that spread:
how long each citizen ahead will take is not known to anyone. ``bench/waits.py``
measures it as the floor beside the estimates: on a busy day the best number
possible is off by 1.8 min on average, so the long lines of a busy day get a range.)

Changes announced ahead count (``LineFacts.changes``, ``motcua.waits.wait_at``): a
counter paused for a said time comes back then, and a counter's working hours (the
centre's setup) say when it leaves and comes back (:func:`hours_changes`).

The calculation itself is ``motcua/waits.py``, shared with the nodes: a ticket
printed while the hub is away says the range it gives (``motcua/ticketing/wait.py``).
This module reads the line's facts from the store and decides whether a number
can be trusted.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from motcua import clock, wording
from motcua.waits import Line, wait_spread, with_bookings

from . import setup

# Finished tickets that make the service time (more than the old 20: the mean
# of 20 exponential service times is off by 22% one time in three).
RECENT_FINISHED = 100
# A number only when nine times in ten it is off by at most this (else a range):
# most numbers are then for short waits, and bench/waits.py measures the numbers
# printed off by at most 1.5 min on average, 4 min at the p90, on every day it draws.
NUMBER_P90_ERROR_MIN = 4.5
SETTLING_MIN = 15.0      # a counter that opened, paused or closed this recently
_ZONE = ZoneInfo(clock.LOCAL_ZONE)  # a counter's working hours are local time


@dataclass(frozen=True)
class Wait:
    minutes: int
    low: int
    high: int
    trusted: bool
    # No counter serving the service is open now (smallfix): the figures above are
    # what one counter opened now would give, a wait nobody has; the ticket says so
    # (:func:`said`) and, when a counter's working hours or a pause say when one
    # comes, ``opens_in_min`` (minutes from now) for "quầy mở lúc HH:MM".
    no_counter: bool = False
    opens_in_min: float | None = None

    @property
    def range(self) -> list[int] | None:
        """``[low, high]`` to show instead of a number, or None when trusted."""
        return None if self.trusted else [self.low, self.high]


@dataclass(frozen=True, kw_only=True)
class LineFacts(Line):
    """What the estimate needs from the store about one service's line: the
    calculation's :class:`~motcua.waits.Line` (``per`` the recent mean service time,
    ``open``, ``idle``, ``changes``) and whether its figures can be trusted."""

    known: bool         # ``per`` from finished tickets (not the configured figure)
    settling: bool      # a counter changed status unannounced within SETTLING_MIN,
                        # or one paused is not back when planned

    @property
    def minutes_per_person(self) -> float:
        return self.per / max(1, self.open)

    @property
    def steady(self) -> bool:
        """Counters open, service time known, no counter just changed: a position's
        estimate may be a number when its own spread is small enough."""
        return self.open > 0 and self.known and not self.settling


def service_time(db, service: dict, limit: int = RECENT_FINISHED) -> tuple[float, bool]:
    """Mean minutes from call to finish of the ``limit`` newest done tickets of
    ``service``, and whether it is known (at least 3 done; else the configured
    figure)."""
    # `service_ms`: call to finish, kept when the ticket was finished (in the index).
    count, total_ms = db.execute(
        "select count(*), sum(service_ms) from (select service_ms from tickets "
        "where service_id = ? and status = 'done' and service_ms is not null "
        "order by finished_at desc limit ?)", [service["id"], limit]).fetchone()
    if count < 3:
        return float(service["default_service_min"]), False
    return max(0.5, total_ms / 60000 / count), True


def line_facts(db, service: dict, now: dt.datetime | None = None) -> LineFacts:
    per, known = service_time(db, service)
    now = now or clock.now()
    at = clock.iso(now)
    since = clock.iso(now - dt.timedelta(minutes=SETTLING_MIN))
    # Unsettled: a counter of the service opened, paused or closed unannounced
    # lately, or one paused for a planned time is not back when planned.
    open_, idle, settling, backs, hours = db.execute(
        "select coalesce(sum(c.status = 'open'), 0), "
        "coalesce(sum(c.status = 'open' and not exists (select 1 from tickets t "
        "  where t.id = c.current_ticket_id and t.status in ('called', 'serving'))), 0), "
        "coalesce(max((c.status_since > ? and not c.announced) or "
        "  (c.status = 'paused' and c.back_at <= ?)), 0), "
        "group_concat(case when c.status = 'paused' then c.back_at end), "
        "group_concat(case when c.hours is not null then c.status || '|' || "
        "  coalesce(c.status_since, '') || '|' || coalesce(c.back_at, '') || '|' || c.hours "
        "  end, ';') "
        "from counters c join counter_services cs on cs.counter_id = c.id "
        "where cs.service_id = ? and c.active = 1", [since, at, service["id"]]).fetchone()
    changes: tuple = ()
    if backs:
        # Paused counters come back when their officers said (one overdue: now,
        # ``motcua.waits.wait_at``).
        returns: dict[float, int] = {}
        for back in backs.split(","):
            minutes = (clock.from_iso(back) - now).total_seconds() / 60
            returns[minutes] = returns.get(minutes, 0) + 1
        changes = tuple((m, n, 0) for m, n in sorted(returns.items()))
    if hours:
        changes = tuple(sorted((*changes, *hours_changes(hours, now)), key=lambda c: c[0]))
    return LineFacts(per=per, known=known, open=open_, idle=idle, settling=bool(settling),
                     changes=changes)


@functools.lru_cache(maxsize=256)
def _sessions(spec: str, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The sessions of ``spec`` (hours as kept) on ``day``, as aware moments (a line's
    estimate reads them on every ticket: worked out once a day)."""
    return tuple(tuple(dt.datetime.combine(day, dt.time.fromisoformat(t), _ZONE)
                       for t in session.split("-")) for session in spec.split(","))


def hours_changes(counters: str, now: dt.datetime) -> list[tuple[float, int, int]]:
    """The changes a line's counters' working hours foretell: ``(minutes from now,
    back, gone)``. ``counters``: ``status|status_since|back_at|hours`` per counter,
    ``;`` between (as :func:`line_facts` reads them). A counter serving (or back from
    a pause of a said length before a session ends) leaves at the end of its
    session, and one staffed today comes back at the start of its next session
    today; a counter closed since before today is not staffed (nothing foretold),
    nor is one paused without saying for how long."""
    today = now.astimezone(_ZONE).date()
    out = []
    for entry in counters.split(";"):
        status, since, back_at, spec = entry.split("|")
        if status == "closed" and (not since or
                                   clock.from_iso(since).astimezone(_ZONE).date() != today):
            continue
        if status == "paused" and not back_at:
            continue
        on = status == "open"
        back = clock.from_iso(back_at) if status == "paused" else None
        for start, end in _sessions(spec, today):
            if end <= now:
                continue
            if back is not None:  # its return from the pause is counted already
                if back >= end:
                    continue
                on, back = True, None
            elif not on and start > now:
                out.append(((start - now).total_seconds() / 60, 1, 0))
                on = True
            if on:
                out.append(((end - now).total_seconds() / 60, 0, 1))
                on = False
    return out


def at_session_edge(hours: str | None, moment: dt.datetime, edge: int) -> bool:
    """Whether ``moment`` is within :data:`SETTLING_MIN` of the start (``edge`` 0) or
    the end (1) of one of the sessions of ``hours`` (as kept): a counter opening or
    closing then does as its hours foretold."""
    if not hours:
        return False
    return any(abs((moment - session[edge]).total_seconds()) <= SETTLING_MIN * 60
               for session in _sessions(hours, moment.astimezone(_ZONE).date()))


def announced_changes(facts: LineFacts, now: dt.datetime) -> list[dict] | None:
    """``facts.changes`` as a line's state carries them (``changes``: ``at``, ISO 8601
    UTC, ``back``, ``gone``), for the ticket page to count as the hub does; None
    when none is announced."""
    if not facts.changes:
        return None
    return [{"at": clock.iso(now + dt.timedelta(minutes=m)), "back": back, "gone": gone}
            for m, back, gone in facts.changes]


def wait_for(facts: LineFacts, ahead: int) -> Wait:
    """The wait of a ticket with ``ahead`` people before it (see the module's text):
    ``motcua.waits.wait_spread``'s median and 90% interval, a number when it can be
    trusted."""
    spread = wait_spread(facts, ahead)
    # Nine numbers in ten are off by at most half the 90% interval. A counter not
    # back when its officer said makes it a range (as `steady` would, published
    # before it was late); so does a line no counter will serve as announced.
    late = any(at <= 0 and back for at, back, _ in facts.changes)
    trusted = (facts.steady and spread.as_announced and not late
               and spread.off90 <= NUMBER_P90_ERROR_MIN)
    no_counter = not facts.open
    opens = [at for at, back, _ in facts.changes if back and at > 0] if no_counter else []
    return Wait(minutes=spread.minutes, low=spread.low, high=spread.high, trusted=trusted,
                no_counter=no_counter, opens_in_min=opens[0] if opens else None)


def expected_wait(db, service: dict, ahead: int, now: dt.datetime | None = None) -> Wait:
    return wait_for(line_facts(db, service, now), ahead)


def walk_in_wait(db, service: dict, ahead: int, now: dt.datetime) -> Wait:
    """A walk-in's wait, counting the bookings that fall due before it is called.

    A booking not yet checked in whose slot starts before the walk-in's call
    (:func:`wait_for`'s minutes from ``now``) will be called ahead of it (issue 26,
    :mod:`.strategy`): under the "mixed" order at most ``booked_in_a_row`` for each
    call of a walk-in up to this one; under "first_come" only those due already. So
    they count as people ahead, and the window grows with the wait they add (a few
    rounds at most). Bookings whose check-in window closed (``checkin_late_min``
    ago) will not come."""
    settings = setup.settings(db)
    since = clock.iso(now - dt.timedelta(minutes=int(settings["checkin_late_min"])))
    return _with_bookings(line_facts(db, service, now), ahead, now, settings,
                          lambda until: bookings_due(db, service["id"], since, until))


def _with_bookings(facts: LineFacts, ahead: int, now: dt.datetime, settings: dict,
                   due_until) -> Wait:
    """:func:`walk_in_wait` with ``due_until(until)``: the bookings still to come
    (window open at ``now``) whose slot starts by ``until`` (UTC ISO). The live
    ticket page does the same with the line state's ``bookings`` (static/ticket.js),
    a ticket printed offline with the last one heard (``motcua.waits.with_bookings``)."""
    return with_bookings(lambda people: wait_for(facts, people), ahead, now,
                         in_a_row=int(settings["booked_in_a_row"]),
                         due_only=settings["strategy"] == "first_come",
                         due_by=lambda until: due_until(clock.iso(until)))


# How far ahead a line's state lists the bookings to come (a walk-in's wait is
# shorter), in slots at most.
BOOKINGS_AHEAD = dt.timedelta(hours=12)
BOOKING_SLOTS = 48


def line_wait(db, service: dict, facts: LineFacts, waiting: int,
              now: dt.datetime) -> tuple[Wait, dict | None]:
    """The wait of a walk-in joining the line now (as :func:`walk_in_wait`) and the
    bookings a line's state carries so a ticket's page counts them as its paper did:
    ``{"slots": [{"at": slot start, "count": n}], "late_min", "in_a_row", "due_only"}``
    (None when no booking is to come). One statement for both."""
    settings = setup.settings(db)
    late = int(settings["checkin_late_min"])
    rows = db.execute(
        "select starts_at, count(*) from appointments where service_id = ? and "
        "status = 'booked' and starts_at > ? and starts_at <= ? group by starts_at "
        "order by starts_at limit ?",
        [service["id"], clock.iso(now - dt.timedelta(minutes=late)),
         clock.iso(now + BOOKINGS_AHEAD), BOOKING_SLOTS]).fetchall()
    if not rows:
        return wait_for(facts, waiting), None
    wait = _with_bookings(facts, waiting, now, settings,
                          lambda until: sum(n for at, n in rows if at <= until))
    return wait, {"slots": [{"at": at, "count": n} for at, n in rows], "late_min": late,
                  "in_a_row": int(settings["booked_in_a_row"]),
                  "due_only": settings["strategy"] == "first_come"}


def bookings_due(db, service_id: int, since: str, until: str) -> int:
    """Bookings of the service not checked in yet whose slot starts in (since, until]
    (UTC ISO; the appointments' own index)."""
    return db.execute(
        "select count(*) from appointments where service_id = ? and status = 'booked' "
        "and starts_at > ? and starts_at <= ?", [service_id, since, until]).fetchone()[0]


def opens_at(wait: Wait, now: dt.datetime) -> str | None:
    """When a counter for the service opens, local "HH:MM", when no counter is open and
    one is foretold (working hours, a pause's planned end); else None."""
    if not wait.no_counter or wait.opens_in_min is None:
        return None
    return (now + dt.timedelta(minutes=wait.opens_in_min)).astimezone(_ZONE).strftime("%H:%M")


def said(wait: Wait, now: dt.datetime | None = None) -> str:
    """The estimate as a web page says it (``static/ticket.js`` says it the same way);
    with no counter open for the service, no wait at all (no one is serving: a number
    would be made up) but that, and when one opens if known.

    >>> said(Wait(7, 5, 10, True)), said(Wait(14, 10, 20, False)), said(Wait(2, 0, 5, False))
    ('khoảng 7 phút', 'khoảng 10–20 phút', 'dưới 5 phút')
    """
    if wait.no_counter:
        return wording.no_counter_for_service(opens_at(wait, now or clock.now()))
    if wait.trusted:
        return "dưới 5 phút" if wait.minutes <= 0 else f"khoảng {wait.minutes} phút"
    if wait.low <= 0:
        return f"dưới {wait.high} phút"
    return f"khoảng {wait.low}–{wait.high} phút"


def legacy_minutes(db, service: dict, ahead: int) -> int:
    """The plain estimate before issue 25: ``ahead`` times the mean service time of
    the ``recent_for_estimate`` newest done tickets, over the counters open for
    the service (one when none is), rounded up. What a ticket printed offline
    records (:mod:`.leases`), and what ``bench/waits.py`` measures against."""
    per, _ = service_time(db, service, setup.setting_int(db, "recent_for_estimate"))
    servers = db.execute(
        "select count(*) from counters c join counter_services cs on cs.counter_id = c.id "
        "where cs.service_id = ? and c.status = 'open' and c.active = 1",
        [service["id"]]).fetchone()[0]
    return math.ceil(ahead * per / max(1, servers))
