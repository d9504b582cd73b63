"""Is a centre's record possible at all? The province's sanity checks.

A record that follows the catalogue can still be impossible: a ticket event a
week ahead, a ticket number of 400 characters, counter 70,000, more tickets
waiting than issued, a dossier resolved before it was received. Such a record
comes from a broken or stolen centre hub (docs/security.md, "A stolen centre at
the province"); it is refused alone and counted against its centre, with the
reason in Vietnamese, on /province::

    check_record("ticket_events", row, now)    # raises Implausible
    check_state("queue_stats", data, now)      # the same for a retained state

What passes is only *possible*: a centre that lies within these bounds is not
caught here (nothing above the centre can tell).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from motcua import clock

VN = ZoneInfo(clock.LOCAL_ZONE)
# A centre's clock may run a little ahead of the province's (NTP, a Pi without a
# battery clock just booted): that much is tolerated, no more.
SKEW = dt.timedelta(minutes=10)
MAX_COUNTER = 999            # counters numbered 1..999 at a centre
MAX_TICKETS_A_DAY = 100_000  # the busiest centres issue a few thousand
MAX_WAIT_MIN = 24 * 60       # an average or estimated wait over a day is no wait
MAX_SUPPLEMENTS = 20         # the rules allow one request; 20 is a broken counter
MAX_TIME_LIMIT = 10_000      # working days or hours
MAX_DISPLAY = 16             # "A007", "HT-0123": a ticket's printed number
TICKET_STATUSES = {"waiting", "called", "serving", "done", "no_show", "cancelled"}


class Implausible(ValueError):
    """A record no centre could have sent; ``vi`` says why, for the province's pages."""

    def __init__(self, text: str, vi: str):
        super().__init__(text)
        self.vi = vi


def _not_ahead(row: dict, field: str, now: dt.datetime, *, day: bool = False,
               required: bool = False):
    """The moment (an aware ISO time) or, with ``day``, the day (ISO, in Vietnam) in
    ``row[field]``, no later than ``now`` (and the centre's clock ``SKEW``); None
    when absent and not ``required``."""
    value = row.get(field)
    if value is None and not required:
        return None
    kind, noun = (dt.date, "ngày") if day else (dt.datetime, "thời điểm")
    try:
        parsed = kind.fromisoformat(str(value))
    except ValueError:
        raise Implausible(f"{field} is not a {'day' if day else 'time'}: {str(value)[:40]!r}",
                          f"{noun} không hợp lệ ({field})") from None
    if not day and parsed.tzinfo is None:
        raise Implausible(f"{field} has no time zone", f"{noun} không hợp lệ ({field})")
    latest = (now + SKEW).astimezone(VN).date() if day else now + SKEW
    if parsed > latest:
        raise Implausible(f"{field} in the future: {value}", f"{noun} trong tương lai ({field})")
    return parsed


def _count(row: dict, field: str, high: int, low: int = 0, required: bool = False,
           kinds: tuple = (int,)):
    value = row.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, kinds) or isinstance(value, bool) or not low <= value <= high:
        raise Implausible(f"{field} out of range {low}..{high}: {str(value)[:40]!r}",
                          f"số không hợp lý ({field} = {str(value)[:20]})")
    return value


def _minutes(row: dict, field: str) -> None:
    value = row.get(field)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not 0 <= value <= MAX_WAIT_MIN):
        raise Implausible(f"{field} out of range 0..{MAX_WAIT_MIN}: {str(value)[:40]!r}",
                          f"thời gian chờ không hợp lý ({field} = {str(value)[:20]})")


def check_record(kind: str, row: dict, now: dt.datetime) -> None:
    """Raise :class:`Implausible` for a summary record (``kind``: ticket_events,
    dossiers, dossier_events, ratings) no centre could have sent at ``now``."""
    if kind == "ticket_events":
        _count(row, "event_id", 2**62, 1, required=True)
        _count(row, "ticket_id", 2**62, 1, required=True)
        _count(row, "counter", MAX_COUNTER, 1)
        _not_ahead(row, "at", now, required=True)
        _not_ahead(row, "day", now, day=True)
        display = row.get("display")
        if not isinstance(display, str) or not 0 < len(display) <= MAX_DISPLAY \
                or not display.isprintable():
            raise Implausible(f"ticket number {str(display)[:40]!r}",
                              "số thứ tự không hợp lệ")
        if row.get("to_status") not in TICKET_STATUSES:
            raise Implausible(f"ticket status {str(row.get('to_status'))[:40]!r}",
                              "trạng thái số thứ tự không hợp lệ")
    elif kind == "dossiers":
        _count(row, "version", 2**62, 1, required=True)
        _count(row, "supplement_count", MAX_SUPPLEMENTS)
        _count(row, "time_limit", MAX_TIME_LIMIT, kinds=(int, float))  # 3.0, 0.5 days
        received = _not_ahead(row, "received_at", now)
        for field in ("result_at", "returned_at", "closed_at", "paused_at", "updated_at"):
            moment = _not_ahead(row, field, now)
            if moment is not None and received is not None and field != "updated_at" \
                    and moment < received - SKEW:
                raise Implausible(f"{field} before received_at",
                                  f"hồ sơ có {field} trước ngày tiếp nhận")
        due = row.get("due_at")
        if due is not None and received is not None:
            try:
                if dt.datetime.fromisoformat(str(due)) < received:
                    raise Implausible("due_at before received_at",
                                      "hồ sơ hẹn trả trước ngày tiếp nhận")
            except ValueError:
                raise Implausible(f"due_at is not a time: {str(due)[:40]!r}",
                                  "thời điểm không hợp lệ (due_at)") from None
    elif kind == "dossier_events":
        _count(row, "event_id", 2**62, 1, required=True)
        _not_ahead(row, "at", now, required=True)
    elif kind == "ratings":
        _count(row, "rating_id", 2**62, 1, required=True)
        _count(row, "counter", MAX_COUNTER, 1, required=True)
        _count(row, "score", 4, 1, required=True)
        _not_ahead(row, "rated_at", now, required=True)


def check_state(name: str, data: dict, now: dt.datetime) -> None:
    """Raise :class:`Implausible` for a retained state (``name``: what follows
    ``state/``) no centre's hub could have published at ``now``."""
    if name == "queue_stats":
        _not_ahead(data, "day", now, day=True)
        issued = _count(data, "issued", MAX_TICKETS_A_DAY) or 0
        parts = [_count(data, f, MAX_TICKETS_A_DAY) or 0
                 for f in ("waiting", "serving", "done", "no_show", "cancelled")]
        if sum(parts) > issued:
            raise Implausible(f"more tickets waiting, served or ended ({sum(parts)}) than "
                              f"issued ({issued})",
                              "số đang chờ, đã phục vụ và đã kết thúc nhiều hơn số đã cấp")
        for field in ("avg_wait_min", "p90_wait_min"):
            _minutes(data, field)
    elif name.startswith("line/"):
        _count(data, "waiting", MAX_TICKETS_A_DAY)
        _count(data, "open_counters", MAX_COUNTER)
        _minutes(data, "estimate_min")
    elif name.startswith("counter/"):
        number = name.split("/", 1)[1]
        if not number.isdigit() or not 1 <= int(number) <= MAX_COUNTER \
                or data.get("counter") != int(number):
            raise Implausible(f"counter {number[:20]!r} carries {str(data.get('counter'))[:20]}",
                              "số quầy không hợp lệ")
