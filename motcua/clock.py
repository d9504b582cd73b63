"""Time as the centre keeps it: stored in UTC, shown in Vietnam's time.

    >>> from_iso("2026-11-27T04:20:00+00:00").hour
    4
    >>> show("2026-11-27T04:20:00+00:00")
    '11:20:00 27/11/2026'
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_ZONE = "Asia/Ho_Chi_Minh"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None = None) -> str:
    """UTC ISO 8601 with milliseconds: sortable as text, as the store keeps it."""
    moment = moment or now()
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give it a time zone")
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def from_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def show(value: str | dt.datetime | None, zone: str = LOCAL_ZONE,
         fmt: str = "%H:%M:%S %d/%m/%Y") -> str:
    """A stored time as people in the centre read it (Vietnamese order, 24 h)."""
    if value is None:
        return ""
    moment = from_iso(value) if isinstance(value, str) else value
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)
