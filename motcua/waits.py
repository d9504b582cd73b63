"""How long a ticket waits: the one calculation behind every wait a ticket says.

The hub's estimate (``central/queue/estimate.py``: the number or range printed on
a ticket, on the board and in the line's state) and a node's ticket printed while
the hub is away (``motcua/ticketing/wait.py``) both call it; the ticket's web page
does the same sums in the citizen's browser (``central/static/ticket.js``).

::

    line = Line(per=12.0, open=2, idle=1)    # two counters of 12 minutes, one free
    wait_spread(line, ahead=3)                # Spread(minutes=16, low=5, high=40, ...)

A ticket is called at the ``ahead + 1``-th call. Counters free now call at once
(``idle``), a counter coming back calls at its return, and the counters serving
finish one after another: with exponential service times (a cautious
assumption), ``n`` counters finish as a Poisson process of rate ``n / per``.
So the wait until the ``k``-th finish spreads like a sum of ``k`` intervals
(:func:`wait_quantile`); the number is its median (the estimate with the least
mean absolute error), the range its 90% interval, each end to the nearest five
minutes (:func:`wait_spread`). Whether the number can be trusted is the hub's
call (it knows whether the counters changed lately); a node offline never
trusts it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from typing import Protocol, TypeVar

Z90 = 1.6449  # the normal 5% / 95% quantile


@dataclasses.dataclass(frozen=True)
class Line:
    """What the calculation needs of one service's line."""

    per: float          # mean service time of one counter, minutes (> 0)
    open: int           # counters open for the service
    idle: int           # of those, counters calling or serving nobody now
    # Changes to come, announced: ``(minutes from now, counters back, counters
    # gone)`` in time order (a paused counter's planned return, working hours).
    changes: tuple = ()


@dataclasses.dataclass(frozen=True)
class Spread:
    """A wait as the calculation gives it, before anyone decides to trust it."""

    minutes: int        # the median, to the nearest minute
    low: int            # the 90% interval, each end to the nearest five minutes,
    high: int           # holding the median
    off90: float        # half the 90% interval, unrounded: nine numbers in ten are
                        # off by at most this
    as_announced: bool  # False: no counter would be there for it as announced, so
                        # this is what one counter open now would give


def wait_quantile(finishes: int, gap: float, z: float) -> float:
    """The wait below which a share ``Φ(z)`` of such tickets are called: the sum of
    ``finishes`` exponential intervals of mean ``gap`` (a gamma distribution) by
    the Wilson–Hilferty approximation (within 2% of the exact quantile from one
    finish on). ``z = 0`` is the median, the estimate with the smallest mean
    absolute error: below the mean (``finishes * gap``), as a few citizens who
    take much longer pull the mean up.

    >>> wait_quantile(0, 6.0, 0.0), round(wait_quantile(1, 6.0, 0.0), 2)
    (0.0, 4.21)
    """
    if finishes <= 0:
        return 0.0
    cube = 1 - 1 / (9 * finishes) + z / (3 * math.sqrt(finishes))
    return finishes * gap * max(0.0, cube) ** 3


def half_up(x: float) -> int:
    """Rounded as JavaScript's ``Math.round`` (half up, not to even).

    >>> half_up(2.5), half_up(-2.5), round(2.5)
    (3, -2, 2)
    """
    return math.floor(x + 0.5)


def wait_at(line: Line, ahead: int, z: float) -> float:
    """The wait by which a share ``Φ(z)`` of tickets with ``ahead`` people before them
    are called, counting the changes to come (``line.changes``); ``inf`` when no
    counter will be there for it.

    The wait is the first moment ``t`` at which the finishes' expected count
    ``Λ(t)`` (the integral of the rate ``serving / per``, changing as counters come
    and go) reaches the ``Φ(z)`` quantile of a sum of the calls still missing
    exponential intervals of mean 1 (:func:`wait_quantile`). With no change to come
    that is ``wait_quantile(ahead - idle + 1, per / open, z)``; with no counter open
    and none coming back, as if one counter opened now.
    """
    if not line.open and not any(back for _, back, _ in line.changes):
        return wait_quantile(ahead + 1, line.per, z)  # as if one counter opened now
    need, got, serving = ahead + 1, line.idle, line.open
    t = work = 0.0
    for at, back, gone in (*line.changes, (math.inf, 0, 0)):
        at = max(at, t)
        if need <= got:
            return t
        target = wait_quantile(need - got, 1.0, z)
        rate = serving / line.per
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


def wait_spread(line: Line, ahead: int) -> Spread:
    """The wait of a ticket with ``ahead`` people before it: the median and the 90%
    interval. When no counter will be there for it as announced, what one counter
    open now would give (``as_announced`` False)."""
    as_announced = not (line.changes and math.isinf(wait_at(line, ahead, Z90)))
    if not as_announced:
        line = Line(per=line.per, open=line.open or 1, idle=line.idle)
    minutes = wait_at(line, ahead, 0.0)
    early, slow = wait_at(line, ahead, -Z90), wait_at(line, ahead, Z90)
    # Each end to the nearest five minutes, holding the number it is about: about
    # eight waits in ten fall inside (the 80% interval so rounded held seven;
    # rounded outwards, it was 15 minutes wide for most ranges of a busy day).
    low = min(5 * half_up(early / 5), 5 * math.floor(minutes / 5))
    high = max(low + 5, 5 * half_up(slow / 5), 5 * math.ceil(minutes / 5))
    return Spread(minutes=half_up(minutes), low=low, high=high, off90=(slow - early) / 2,
                  as_announced=as_announced)


class _Minutes(Protocol):
    minutes: int


W = TypeVar("W", bound=_Minutes)


def with_bookings(wait_of: Callable[[int], W], ahead: int, now: dt.datetime, *,
                  in_a_row: int, due_only: bool,
                  due_by: Callable[[dt.datetime], int]) -> W:
    """A walk-in's wait (``wait_of(people ahead)``), counting the bookings that fall
    due before it is called.

    A booking not yet checked in whose slot starts before the walk-in's call will be
    called ahead of it: under the "mixed" order at most ``in_a_row`` for each call
    of a walk-in up to this one; under "first_come" (``due_only``) only those due
    already. So they count as people ahead, and the window grows with the wait they
    add (five rounds at most). ``due_by(until)``: the bookings still to come whose
    slot starts by ``until``."""
    wait = wait_of(ahead)
    most = in_a_row * (ahead + 1)
    counted = 0
    for _ in range(5):
        until = now if due_only else now + dt.timedelta(minutes=wait.minutes)
        due = min(most, due_by(until))
        if due <= counted:
            break
        counted = due
        wait = wait_of(ahead + counted)
    return wait
