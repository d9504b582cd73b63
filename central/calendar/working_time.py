"""The working calendar: when the centre's clock runs, and what a deadline means.

Working sessions per weekday (default 07:00–11:30 and 13:30–17:00, so one
working day is 8 working hours), Vietnam's days off and make-up working days,
and an admin-edited overrides table that wins over everything (a government
notice can be newer than any list). In a year the sourced table
(:mod:`central.calendar.sources`) covers, the days come from it: each with
the text that decides it, weekends off otherwise; the ``holidays`` package is
used only for the other years (lunar Tết, Hùng Kings' day, swaps)::

    cal = WorkingCalendar()
    start = dt.datetime(2025, 4, 25, 16, 0, tzinfo=VN)       # Friday 16:00
    cal.add_working_time(start, dt.timedelta(hours=8))        # Sat 26/04 (swapped) 16:00
    cal.due_at(start, 3, "working_days")
    cal.classify(finished, due)                               # 'early' | 'on_time' | 'late'

All moments given are time-zone aware; results are in Vietnam's time
(UTC+7 all year, no daylight saving), so they compare and store as UTC too.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from .sources import shipped

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_SESSIONS = ("07:00-11:30", "13:30-17:00")
HOURS_PER_DAY = 8
UNITS = ("working_days", "working_hours", "calendar_days", "same_day")
CLASSES = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
# A far bound so a corrupt calendar (no working day at all) fails loudly.
MAX_SCAN_DAYS = 3660


def parse_sessions(texts: Iterable[str]) -> tuple[tuple[dt.time, dt.time], ...]:
    """``["07:00-11:30", "13:30-17:00"]`` → ordered (start, end) pairs, checked."""
    sessions = []
    for text in texts:
        try:
            a, b = (part.strip() for part in text.split("-"))
            start, end = dt.time.fromisoformat(a), dt.time.fromisoformat(b)
        except ValueError:
            raise ValueError(f"session {text!r}: expected HH:MM-HH:MM") from None
        if end <= start:
            raise ValueError(f"session {text!r}: ends before it starts")
        sessions.append((start, end))
    sessions.sort()
    for (_, end), (start, _) in zip(sessions, sessions[1:], strict=False):
        if start < end:
            raise ValueError("sessions overlap")
    return tuple(sessions)


def check_sessions(texts: list[str]) -> str | None:
    """Config check: None when fine, else the problem."""
    try:
        parse_sessions(texts)
    except ValueError as exc:
        return str(exc)
    return None


class WorkingCalendar:
    """Working days and sessions, with overrides that win over the package.

    ``sessions`` maps weekday (0 = Monday) to session texts; a weekday not in it
    uses ``default_sessions`` (a compensatory working Saturday works the
    default sessions). ``overrides`` maps a date to True (working day) or
    False (day off).
    """

    def __init__(
        self,
        *,
        default_sessions: Iterable[str] = DEFAULT_SESSIONS,
        sessions: Mapping[int, Iterable[str]] | None = None,
        overrides: Mapping[dt.date, bool] | None = None,
        same_day_cutoff: str = "15:00",
        classification: str = "session",
        country: str = "VN",
        official: Mapping[dt.date, bool] | None = None,
        checked_years: Iterable[int] | None = None,
    ):
        if classification not in ("session", "day"):
            raise ValueError("classification: expected 'session' or 'day'")
        default = parse_sessions(default_sessions)
        self._sessions = {
            wd: parse_sessions(sessions[wd]) if sessions and sessions.get(wd) else default
            for wd in range(7)
        }
        self.overrides = dict(overrides or {})
        self.same_day_cutoff = dt.time.fromisoformat(same_day_cutoff)
        self.classification = classification
        self._country = country
        self._package = None  # the holidays package's calendar, once a day needs it
        if official is None:
            table = shipped()
            official, checked_years = table.official(), table.years
            self._names = {d: e.name for d, e in table.days.items() if e.status == "official"}
        else:
            self._names = {}
        self.official = dict(official)
        self.checked_years = frozenset(checked_years or ())
        self._working: dict[dt.date, bool] = {}

    # -- days -------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        known = self._working.get(day)
        if known is None:
            if day in self.overrides:
                known = self.overrides[day]
            elif day.year in self.checked_years:
                # Only days a text confirms (central/data/calendar.json).
                known = self.official.get(day, day.weekday() < 5)
            else:
                known = bool(self._holidays().is_working_day(day))
            self._working[day] = known
        return known

    def holiday_name(self, day: dt.date) -> str | None:
        if day.year in self.checked_years:
            return self._names.get(day)
        return self._holidays().get(day)

    def _holidays(self):
        """The ``holidays`` package's calendar of the country, made when a day of a
        year no text confirms is asked about. The package loads every country it
        knows and its calendar keeps each year asked: ~9 MiB of a hub's memory
        (issue 25), for years the shipped table (central/data/calendar.json) does
        not cover."""
        if self._package is None:
            import holidays  # lazy: ~9 MiB, for years no text confirms (see above)

            self._package = holidays.country_holidays(self._country, language="vi")
        return self._package

    def sessions_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's working sessions as local moments (empty on a day off)."""
        if not self.is_working_day(day):
            return []
        return [
            (dt.datetime.combine(day, a, VN), dt.datetime.combine(day, b, VN))
            for a, b in self._sessions[day.weekday()]
        ]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for _ in range(MAX_SCAN_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within ten years: check the calendar overrides")

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Inside a session (both ends included)."""
        moment = _local(moment)
        return any(a <= moment <= b for a, b in self.sessions_on(moment.date()))

    # -- time arithmetic ---------------------------------------------------

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The moment when ``amount`` of working time has passed since ``start``.

        Time outside sessions does not count. The result always lies inside a
        session; when the amount runs out exactly at a session's end, the
        result is that end (17:00), not the next session's start.
        """
        if amount < dt.timedelta(0):
            raise ValueError("negative working time")
        moment = _local(start)
        left = amount
        day = moment.date()
        for _ in range(MAX_SCAN_DAYS):
            for a, b in self.sessions_on(day):
                if b <= moment and not (b == moment and left == dt.timedelta(0)):
                    continue
                begin = max(a, moment)
                if left <= b - begin:
                    return begin + left
                left -= b - begin
            day += dt.timedelta(days=1)
        raise ValueError("no working time within ten years: check the calendar overrides")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        a, b = _local(start), _local(end)
        if b < a:
            return -self.working_time_between(b, a)
        total = dt.timedelta(0)
        day = a.date()
        while day <= b.date():
            for s, e in self.sessions_on(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    def day_close(self, day: dt.date) -> dt.datetime:
        """The end of a working day's last session."""
        return self.sessions_on(day)[-1][1]

    # -- deadlines ---------------------------------------------------------

    def due_at(self, received: dt.datetime, time_limit: float, unit: str) -> dt.datetime:
        """A dossier's due moment from its reception and its procedure's time limit.

        - ``working_days``: limit × 8 working hours from reception (received
          after hours, the clock starts at the next session);
        - ``working_hours``: that many working hours;
        - ``calendar_days``: the close of the day ``limit`` days later, or of
          the next working day when that day is off;
        - ``same_day``: the close of the reception day when received on a
          working day before the cut-off (default 15:00), otherwise the close
          of the next working day.
        """
        received = _local(received)
        if unit == "working_days":
            return self.add_working_time(received, dt.timedelta(hours=HOURS_PER_DAY * time_limit))
        if unit == "working_hours":
            return self.add_working_time(received, dt.timedelta(hours=time_limit))
        if unit == "calendar_days":
            day = received.date() + dt.timedelta(days=int(time_limit))
            if not self.is_working_day(day) or self.day_close(day) < received:
                day = self.next_working_day(day)
            return self.day_close(day)
        if unit == "same_day":
            day = received.date()
            if self.is_working_day(day) and received.time() < self.same_day_cutoff:
                return self.day_close(day)
            return self.day_close(self.next_working_day(day))
        raise ValueError(f"unknown time unit {unit!r}; expected one of {', '.join(UNITS)}")

    def session_of(self, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        """The session a due moment belongs to (a session's end belongs to it)."""
        moment = _local(moment)
        sessions = self.sessions_on(moment.date())
        starts = [a for a, _ in sessions]
        i = bisect.bisect_left(starts, moment)
        # The session starting at or before the moment.
        for a, b in reversed(sessions[: i + 1]):
            if a <= moment <= b:
                return a, b
        return None

    def classify(self, finished: dt.datetime, due: dt.datetime, mode: str | None = None) -> str:
        """``late`` after the due moment; ``on_time`` within the half-day session
        (or, day-based, the day) holding it; ``early`` before that."""
        mode = mode or self.classification
        finished, due = _local(finished), _local(due)
        if finished > due:
            return "late"
        if mode == "day":
            window_start = dt.datetime.combine(due.date(), dt.time(0), VN)
        else:
            session = self.session_of(due)
            window_start = session[0] if session else due
        return "on_time" if finished >= window_start else "early"


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give it a time zone")
    return moment.astimezone(VN)
