"""The words every screen and page uses for a department's dossier figures.

One wording on the hall board, the LED board and the hub's pages (issue 22),
so a citizen never reads the same figure two ways::

    on_time_share(0.982, resolved=500)   # '98%'
    on_time_share(None, resolved=0)      # '—'  (nothing resolved: no share)
    overdue_in_progress(17)              # 'đang quá hạn: 17'
    weekday(dt.date(2026, 12, 13))       # 'Chủ nhật'

A department that has resolved nothing has no on-time share: "—", never
"0%" (which reads as every dossier late) nor the period report's "100"
(which the official template writes for an empty row).
"""

from __future__ import annotations

import datetime as dt

NOTHING_RESOLVED = "—"
# The days of the week, Monday first (``date.weekday()``), as every screen, ticket
# and page writes them: the hall board's date, the kiosk's and the booking page's
# days, the calendar page. CLDR (Babel's "vi") writes Sunday "Chủ Nhật"; the
# centre's pages and screens write "Chủ nhật", as Vietnamese prose does. (Babel is
# the hub's alone: the nodes have no copy of CLDR.)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def count(n: int) -> str:
    """A whole number the Vietnamese way: 1.234 (dot between thousands)."""
    return f"{int(n):,}".replace(",", ".")


def weekday(day: dt.date) -> str:
    """The day of the week of ``day``:

    >>> weekday(dt.date(2026, 12, 7)), weekday(dt.date(2026, 12, 13))
    ('Thứ Hai', 'Chủ nhật')
    """
    return WEEKDAYS[day.weekday()]


def on_time_share(rate: float | None, resolved: int | None = None) -> str:
    """The on-time share as the hall reads it; "—" when nothing was resolved."""
    if rate is None or resolved == 0:
        return NOTHING_RESOLVED
    return f"{round(rate * 100)}%"


def overdue_in_progress(n: int | None) -> str:
    """Dossiers in progress past their due time: 'đang quá hạn: N'."""
    return f"đang quá hạn: {count(n or 0)}"


# A line whose service no counter is open for: no wait is estimated (the hub's
# figure for it is what one counter opened now would give, not a wait anyone has).
# The hall board says the same when no counter of the hall is open.
NO_COUNTER_OPEN = "Chưa có quầy nào mở"


# What a ticket (its page, its paper) says instead of a wait when no counter serving its
# service is open (smallfix): before opening, over lunch, after hours. The hub's figure
# then is what one counter opened now would give; said as a wait it misled a citizen.
NO_COUNTER_FOR_SERVICE = "Chưa có quầy nào mở cho dịch vụ này"


def no_counter_for_service(opens_at: str | None = None) -> str:
    """A ticket's wait with no counter open for its service, with when one opens (local
    "HH:MM") when the counters' working hours or a pause say so.

    >>> no_counter_for_service("13:30")
    'Chưa có quầy nào mở cho dịch vụ này (quầy mở lúc 13:30)'
    """
    return NO_COUNTER_FOR_SERVICE + (f" (quầy mở lúc {opens_at})" if opens_at else "")


def line_estimate(line: dict) -> str:
    """A waiting line's estimate for a new ticket, in minutes, as the staff's pages show
    it (the retained ``state/line`` message): "Chưa có quầy nào mở" with no counter
    open for the service, the range ("5–20") when the hub cannot trust one number,
    else the number; "" when the hub sent none."""
    if not line.get("open_counters"):
        return NO_COUNTER_OPEN
    low_high = line.get("estimate_range")
    if low_high:
        return f"{count(low_high[0])}–{count(low_high[1])}"
    minutes = line.get("estimate_min")
    return "" if minutes is None else count(minutes)
