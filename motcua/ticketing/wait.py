"""The wait a ticket printed offline says: the hub's rule on the last line state heard.

A dispenser or kiosk printing while the hub is away (``issuer._offline``) cannot
know what the counters did since: one may have paused, closed or opened. The
hub's own rule makes a ticket's estimate a range whenever a counter changed
unannounced lately (``central/queue/estimate.py``, ``wait_for``: not ``steady``),
so an offline ticket says a range, never a number: the 90% interval of the wait
computed from the last ``state.line`` the node heard (its open and idle counters,
its minutes per person, the changes announced, the bookings due), as the hub and
the ticket's web page (``central/static/ticket.js``, ``walkInWait``) compute it,
each end to the nearest five minutes.

With no line state heard since the node started there is nothing to compute
from (not even the service time): no estimate at all, rather than one made up::

    offline_range(line, ahead=7, now=now)   # (10, 20), or None with no line state

The node cannot import the hub's package, so the rule is copied here;
``tests/test_offline_wait.py`` holds it to ``central.queue.estimate`` over many
lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

Z90 = 1.6449  # the normal 5% / 95% quantile, as central/queue/estimate.py


def _quantile(calls: int, gap: float, z: float) -> float:
    """As ``estimate.wait_quantile`` (Wilson–Hilferty)."""
    if calls <= 0:
        return 0.0
    cube = 1 - 1 / (9 * calls) + z / (3 * math.sqrt(calls))
    return calls * gap * max(0.0, cube) ** 3


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


@dataclasses.dataclass(frozen=True)
class _Line:
    per: float
    open: int
    idle: int
    changes: tuple  # (minutes from now, back, gone)


def _facts(line: dict, now: dt.datetime) -> _Line:
    open_ = int(line.get("open_counters") or 0)
    per = float(line.get("minutes_per_person") or 0) * max(1, open_)
    changes = tuple(
        ((dt.datetime.fromisoformat(c["at"].replace("Z", "+00:00")) - now).total_seconds() / 60,
         int(c.get("back", 0)), int(c.get("gone", 0)))
        for c in (line.get("changes") or []))
    return _Line(per, open_, int(line.get("idle_counters") or 0), changes)


def _wait_at(f: _Line, ahead: int, z: float) -> float:
    """As ``estimate.wait_at``."""
    if not f.open and not any(back for _, back, _ in f.changes):
        return _quantile(ahead + 1, f.per, z)
    need, got, serving = ahead + 1, f.idle, f.open
    t = work = 0.0
    for at, back, gone in (*f.changes, (math.inf, 0, 0)):
        at = max(at, t)
        if need <= got:
            return t
        target = _quantile(need - got, 1.0, z)
        rate = serving / f.per if f.per > 0 else math.inf
        if work >= target:
            return t
        if rate > 0 and t + (target - work) / rate <= at:
            return t + (target - work) / rate
        if at == math.inf:
            return math.inf
        work += rate * (at - t)
        t = at
        got += back
        serving = max(0, serving + back - gone)
    return math.inf


def _range(f: _Line, ahead: int) -> tuple[int, int, int]:
    """As ``estimate.wait_for``: (minutes, low, high); never trusted here."""
    if f.changes and math.isinf(_wait_at(f, ahead, Z90)):
        f = dataclasses.replace(f, changes=(), open=f.open or 1)
    minutes = _wait_at(f, ahead, 0.0)
    early, slow = _wait_at(f, ahead, -Z90), _wait_at(f, ahead, Z90)
    low = min(5 * _half_up(early / 5), 5 * math.floor(minutes / 5))
    high = max(low + 5, 5 * _half_up(slow / 5), 5 * math.ceil(minutes / 5))
    return _half_up(minutes), low, high


def offline_wait(line: dict | None, ahead: int,
                 now: dt.datetime) -> tuple[int, tuple[int, int]] | None:
    """``(minutes, (low, high))`` for a ticket with ``ahead`` people before it, from the
    last ``state.line`` heard (``line``), counting its bookings as a walk-in's wait
    does (``estimate.walk_in_wait``); None when no line state was heard."""
    if not line or not line.get("minutes_per_person"):
        return None
    f = _facts(line, now)
    minutes, low, high = _range(f, ahead)
    b = line.get("bookings")
    if b:
        most = int(b["in_a_row"]) * (ahead + 1)
        since = now - dt.timedelta(minutes=int(b["late_min"]))
        slots = [(dt.datetime.fromisoformat(s["at"].replace("Z", "+00:00")), int(s["count"]))
                 for s in b["slots"]]
        counted = 0
        for _ in range(5):
            until = now if b.get("due_only") else now + dt.timedelta(minutes=minutes)
            due = min(most, sum(n for at, n in slots if since < at <= until))
            if due <= counted:
                break
            counted = due
            minutes, low, high = _range(f, ahead + counted)
    return minutes, (low, high)
