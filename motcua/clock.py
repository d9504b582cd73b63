"""Time as the centre keeps it: stored in UTC, shown in Vietnam's time.

    >>> from_iso("2026-11-27T04:20:00+00:00").hour
    4
    >>> show("2026-11-27T04:20:00+00:00")
    '11:20:00 27/11/2026'

``motcua demo`` runs a working day faster than the wall clock. So that the
hub, its pages, the printed tickets, the charts and every node tell the same
time as the simulated day, the demo sets one :class:`DemoClock` for all its
processes (the environment variable ``MOTCUA_DEMO_CLOCK``, inherited by the
processes it starts), and :func:`now` follows it::

    demo = DemoClock(dt.date(2026, 12, 7), start_hour=7.0, speed=10, since=time.time())
    use_demo(demo)            # this process and the ones it starts from now on
    now()                     # 07:00 Vietnam time on 7 December, ten times faster
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOCAL_ZONE = "Asia/Ho_Chi_Minh"
DEMO_CLOCK_ENV = "MOTCUA_DEMO_CLOCK"


@dataclass(frozen=True)
class DemoClock:
    """Working days from ``first_day`` at ``start_hour``, ``speed`` times faster than
    the wall clock from the real moment ``since`` (seconds since the epoch).

    Only opening hours (``open_hour`` to ``close_hour``) are simulated: after
    closing the next working day (Monday to Friday) starts at opening, as the
    demo's floor does.
    """

    first_day: dt.date
    start_hour: float
    speed: float
    since: float
    open_hour: float = 7.0
    close_hour: float = 17.0

    def hours(self, real: float | None = None) -> float:
        """Simulated opening hours since midnight of the first day (07:00 = 7.0)."""
        real = time.time() if real is None else real
        return self.start_hour + (real - self.since) * self.speed / 3600

    def day_index(self, real: float | None = None) -> int:
        """0 on the first day, 1 on the next working day, …"""
        span = self.close_hour - self.open_hour
        return int((self.hours(real) - self.open_hour) // span)

    def hour_of_day(self, real: float | None = None) -> float:
        span = self.close_hour - self.open_hour
        return self.open_hour + (self.hours(real) - self.open_hour) % span

    def date(self, index: int) -> dt.date:
        day = self.first_day
        for _ in range(index):
            day += dt.timedelta(days=1)
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
        return day

    def now(self, real: float | None = None) -> dt.datetime:
        day = self.date(self.day_index(real))
        local = dt.datetime.combine(day, dt.time(), ZoneInfo(LOCAL_ZONE)) + \
            dt.timedelta(hours=self.hour_of_day(real))
        return local.astimezone(dt.UTC)

    def to_env(self) -> str:
        return (f"{self.first_day.isoformat()} {self.start_hour!r} {self.speed!r} "
                f"{self.since!r} {self.open_hour!r} {self.close_hour!r}")

    @classmethod
    def from_env(cls, text: str | None) -> DemoClock | None:
        if not text:
            return None
        day, start, speed, since, opening, closing = text.split()
        return cls(dt.date.fromisoformat(day), float(start), float(speed), float(since),
                   float(opening), float(closing))


_demo: DemoClock | None = DemoClock.from_env(os.environ.get(DEMO_CLOCK_ENV))


def use_demo(clock: DemoClock | None) -> None:
    """Tell the demo's time in this process and in the processes it starts."""
    global _demo
    _demo = clock
    if clock is None:
        os.environ.pop(DEMO_CLOCK_ENV, None)
    else:
        os.environ[DEMO_CLOCK_ENV] = clock.to_env()


def demo() -> DemoClock | None:
    return _demo


def seconds_to_next(period: float, moment: dt.datetime | None = None) -> float:
    """Wall-clock seconds until :func:`now` (or ``moment``, a time on it) next
    reaches a whole multiple of ``period`` seconds: when a clock shown to that
    resolution changes (60: the minute; Vietnam's offset is whole hours). A
    demo's day runs ``speed`` times faster than the wall clock."""
    moment = moment or now()
    left = period - moment.timestamp() % period
    return left / (_demo.speed if _demo is not None else 1.0)


def now() -> dt.datetime:
    """Now, in UTC: the wall clock, or the demo's day when a demo runs."""
    if _demo is not None:
        return _demo.now()
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today as the centre counts days (Vietnam time), on the demo's day when a demo runs."""
    return now().astimezone(ZoneInfo(LOCAL_ZONE)).date()


def iso(moment: dt.datetime | None = None) -> str:
    """UTC ISO 8601 with milliseconds: sortable as text, as the store keeps it."""
    global _last_iso
    moment = moment or now()
    # A command's moment is written out three times or more (the day's closing, the
    # command, the heads of the lines): 1.7 µs each (issue 25). The text of the last
    # moment written is kept; a datetime never changes, and the one kept cannot be
    # freed and its identity taken by another while it is kept here.
    last = _last_iso
    if moment is last[0]:
        return last[1]
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give it a time zone")
    text = moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    _last_iso = (moment, text)
    return text


_last_iso: tuple = (None, "")  # (the moment iso() wrote last, its text)


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def show(value: str | dt.datetime | None, zone: str = LOCAL_ZONE,
         fmt: str = "%H:%M:%S %d/%m/%Y") -> str:
    """A stored time as people in the centre read it (Vietnamese order, 24 h)."""
    if value is None:
        return ""
    moment = from_iso(value) if isinstance(value, str) else value
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)
