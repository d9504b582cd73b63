"""Numbers, shares, dates and times as a Vietnamese reader writes them, from
Babel's ``vi`` locale data (CLDR): the pages, the charts and the exports all
format through here, so "1.234", "83,3%" and "06/12/2026" read the same
everywhere::

    number(1234)                    # '1.234'
    number(12.345, 1)               # '12,3'
    percent(0.8333)                 # '83,3%'
    percent(None)                   # '—'  (no denominator: nothing to divide)
    share(5, 6)                     # 0.8333...
    share(0, 0)                     # None
    day(dt.date(2026, 12, 6))       # '06/12/2026'
    parse_day("6/12/2026")          # dt.date(2026, 12, 6), or ValueError in Vietnamese

A date field on a page is a text box in that same form, ``{{ date_input("from",
first) }}``, not ``<input type="date">``: a browser draws that one in its own
locale (mm/dd/yyyy in an en-US Chromium), whatever the page's language.

A share whose denominator is zero is ``None`` and reads "—", never 100% or
0%: a department that resolved nothing has no on-time rate, and an officer
with nothing to measure has no score. :data:`NO_RESOLVED` and friends are the
reasons shown beside the dash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from motcua.wording import NO_COUNTER_OPEN, line_estimate

LOCALE = Locale.parse("vi")
DECIMAL = LOCALE.number_symbols["latn"]["decimal"]   # ','
GROUP = LOCALE.number_symbols["latn"]["group"]       # '.'
PERCENT_PATTERN = LOCALE.percent_formats[None].pattern  # '#,##0%' in CLDR's vi data
DASH = "—"

# Why a figure is "—": said beside it (a title) and under the table (a note).
NO_RESOLVED = "Chưa có hồ sơ nào được giải quyết trong kỳ: không tính tỷ lệ."
NO_RATINGS = "Chưa có lượt đánh giá nào: không tính tỷ lệ."
NO_ACTIVITY = "Không có hoạt động trong kỳ: không xếp hạng."
NO_TICKETS = "Chưa có số thứ tự nào: không tính tỷ lệ."
NO_CALLS = "Chưa có số nào được gọi: chưa tính thời gian chờ."
NO_SERVED = "Chưa phục vụ xong số nào: chưa tính thời gian phục vụ."
NO_BOOKINGS_ENDED = "Chưa có lịch hẹn nào đã đến hoặc không đến: không tính tỷ lệ."
NO_SEATS = "Không có chỗ nào mở cho đặt lịch trong kỳ (hoặc kỳ dài quá 3 tháng): không tính tỷ lệ."


def share(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


TARGET, WARN = 0.90, 0.80  # on-time shares: the centre's target (DOMAIN.md), and a warning


def band(fraction: float | None) -> str:
    """The colour class of an on-time share (0–1): 'good' (≥ 90 %), 'warn' (80–90 %),
    'bad' (below), 'none' (no share)."""
    if fraction is None:
        return "none"
    return "good" if fraction >= TARGET else "warn" if fraction >= WARN else "bad"


def _round(value: float, decimals: int) -> Decimal:
    # Half up, as a person rounds (Python's round() is half-even on binary floats).
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float | int | None, decimals: int | None = 0, *, group: bool = True) -> str:
    """A number with Vietnamese separators: ``number(1234567.891, 2)`` → '1.234.567,89'.

    ``decimals=None`` keeps up to three significant decimals, as given.
    ``group=False`` leaves out the thousands separator (CSV cells).
    """
    if value is None:
        return DASH
    if decimals is None:
        return format_decimal(value, locale=LOCALE, group_separator=group)
    pattern = "#,##0" if group else "0"
    if decimals:
        pattern += "." + "0" * decimals
    return format_decimal(_round(value, decimals), format=pattern, locale=LOCALE,
                          decimal_quantization=True, group_separator=group)


def percent(fraction: float | None, decimals: int = 1) -> str:
    """A share (0–1) as a Vietnamese percentage in CLDR's pattern: ``percent(0.8333)``
    → '83,3%'; None → '—'."""
    if fraction is None:
        return DASH
    text = number(fraction * 100, decimals)
    return PERCENT_PATTERN.replace("#,##0", text, 1) if "#,##0" in PERCENT_PATTERN \
        else f"{text}%"


def day(value: dt.date | dt.datetime | str | None) -> str:
    """'06/12/2026' (CLDR's vi short date is d/M/yy; documents write two-digit days),
    from a date, a datetime or a stored ISO day ('2026-12-06')."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


# A day as typed: 06/12/2026 (also 6/12/2026, 06.12.2026, 06-12-2026); links and
# bookmarks carry 2026-12-06, which is read too.
_TYPED_DAY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_LINKED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPED_TIME = re.compile(r"(\d{1,2})[:hg](\d{2})")
DAY_EXAMPLE = "ngày/tháng/năm, ví dụ 07/12/2026"
MOMENT_EXAMPLE = "ngày/tháng/năm giờ:phút, ví dụ 14/12/2026 16:00"


def parse_day(text: str | None, field: str = "") -> dt.date:
    """The day a person typed as they write it, '07/12/2026' (or a link's '2026-12-07');
    a ValueError saying in Vietnamese what is wrong, in which ``field``, and how to
    write it::

        parse_day("7/12/2026")               # dt.date(2026, 12, 7)
        parse_day("31/02/2026", "Từ ngày")   # ValueError: Ngày không hợp lệ ở ô “Từ ngày”: …
    """
    typed = (text or "").strip()
    try:
        found = _TYPED_DAY.fullmatch(typed)
        if found:
            return dt.date(int(found[3]), int(found[2]), int(found[1]))
        if _LINKED_DAY.fullmatch(typed):
            return dt.date.fromisoformat(typed)
    except ValueError:
        pass
    raise ValueError(_bad("Ngày", typed, field, DAY_EXAMPLE))


def parse_moment(text: str | None, field: str = "") -> dt.datetime:
    """A day and a time typed as a person writes them, '14/12/2026 16:00' (24-hour; also
    '16:00 14/12/2026', or a link's '2026-12-14T16:00'), naive (the caller's zone); a
    ValueError in Vietnamese otherwise."""
    typed = " ".join((text or "").replace("T", " ").split())
    parts = typed.split(" ")
    times = [p for p in parts if _TYPED_TIME.fullmatch(p)]
    days = [p for p in parts if p not in times]
    try:
        if len(times) != 1 or len(days) != 1:
            raise ValueError
        found = _TYPED_TIME.fullmatch(times[0])
        return dt.datetime.combine(parse_day(days[0]), dt.time(int(found[1]), int(found[2])))
    except ValueError:
        raise ValueError(_bad("Ngày giờ", typed, field, MOMENT_EXAMPLE)) from None


def _bad(what: str, typed: str, field: str, example: str) -> str:
    where = f" ở ô “{field}”" if field else ""
    if not typed:
        return f"Chưa nhập {what.lower()}{where}: nhập theo dạng {example}."
    return f"{what} không hợp lệ{where}: “{typed[:40]}”. Nhập theo dạng {example}."


def date_input(name: str, value=None, *, required: bool = False, time: bool = False) -> Markup:
    """A date field the way a Vietnamese reader writes a date, whatever the browser's
    locale: a text box showing ``value`` (a date, a datetime or an ISO string) as
    06/12/2026 (with ``time``, 06/12/2026 16:00), read back by :func:`parse_day`
    (:func:`parse_moment`); any other text as it is (what was typed, refused)."""
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError):  # else what was typed, shown to be mended
            value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y %H:%M") if time else day(value)
    shown = (value or "")[:40]
    hint = "ngày/tháng/năm giờ:phút" if time else "ngày/tháng/năm"
    # No inputmode="numeric": a phone's number pad may have no "/" to type.
    return Markup('<input type="text" name="{}" value="{}" class="date" '
                  'maxlength="{}" size="{}" placeholder="{}" title="{}" autocomplete="off"{}>'
                  ).format(name, shown, 24 if time else 10,
                           16 if time else 10, hint,
                           "Ví dụ 14/12/2026 16:00" if time else "Ví dụ 07/12/2026",
                           Markup(" required") if required else "")


def moment(value: dt.datetime | None, tz=None) -> str:
    """'14:05 06/12/2026' in ``tz`` (default: the value's own zone)."""
    if value is None:
        return ""
    return format_datetime(value, "HH:mm dd/MM/yyyy", tzinfo=tz, locale=LOCALE)


def long_day(value: dt.date) -> str:
    """'ngày 06 tháng 12 năm 2026', the place-and-date line of an official document."""
    return f"ngày {value:%d} tháng {value:%m} năm {value:%Y}"


def install(app) -> None:
    """Register the filters on a Flask app: ``{{ x|number }}``, ``{{ s|percent }}``,
    ``{{ d|day }}``; ``{{ dash(reason) }}`` draws '—' with its reason as a title."""
    def dash(reason: str = "") -> Markup:
        return Markup('<span class="none" title="{}">{}</span>').format(escape(reason), DASH)

    def rate(value, reason: str = NO_RESOLVED, decimals: int = 1, scale: float = 1):
        """``rate(0.83)`` → '83,0%'; ``rate(r.on_time_rate, scale=100)`` for 0–100 figures;
        None → '—' titled with the reason."""
        return dash(reason) if value is None else percent(value / scale, decimals)

    def measure(value, reason: str = NO_CALLS, decimals: int = 1):
        """``measure(4.25)`` → '4,3'; None (nothing to average yet) → '—' titled with
        the reason."""
        # A figure the hub left out (nothing measured) is undefined in a template.
        measured = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number(value, decimals) if measured else dash(reason)

    def rate_band(rate, scale: float = 100) -> str:
        """The colour class of an on-time figure (0–100 by default): good, warn, bad, none."""
        return band(None if rate is None else rate / scale)

    app.add_template_global(rate_band, "band")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(day, "day")
    app.add_template_global(dash, "dash")
    app.add_template_global(date_input, "date_input")
    app.add_template_global(rate, "rate")
    app.add_template_global(measure, "measure")
    app.add_template_global(line_estimate, "line_estimate")
    app.jinja_env.globals["NO_COUNTER_OPEN"] = NO_COUNTER_OPEN
    for name in ("NO_RESOLVED", "NO_RATINGS", "NO_ACTIVITY", "NO_TICKETS", "NO_CALLS",
                 "NO_SERVED", "NO_BOOKINGS_ENDED", "NO_SEATS"):
        app.jinja_env.globals[name] = globals()[name]
