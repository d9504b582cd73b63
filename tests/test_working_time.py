"""The working calendar: holidays, swaps, lunch breaks, after hours, same day.

Every expected moment below was worked out by hand from the 2024–2026
calendars (holidays 0.109 for VN): sessions 07:00–11:30 and 13:30–17:00.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.calendar.working_time import VN, WorkingCalendar

H = dt.timedelta(hours=1)


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Tết 2024: Thu 8/2 – Wed 14/2 off. Wed 15:00 + 2 h, then Thu 15/2.
        (at(2024, 2, 7, 15), 1, at(2024, 2, 15, 15)),
        # Hùng Kings 2024: Thu 18/4 off.
        (at(2024, 4, 17, 10), 1, at(2024, 4, 19, 10)),
        # 30/4–1/5 2024 with the swap: Mon 29/4 off, Sat 4/5 worked instead.
        (at(2024, 4, 26, 14), 3, at(2024, 5, 4, 14)),
        # 2025: Sat 26/4 is a compensatory working Saturday.
        (at(2025, 4, 25, 16), 1, at(2025, 4, 26, 16)),
        # Tết 2026: Mon 16/2 – Fri 20/2 off.
        (at(2026, 2, 13, 16, 30), 2, at(2026, 2, 24, 16, 30)),
        # Hùng Kings 2026 falls on Sunday 26/4: Monday 27/4 off in lieu.
        (at(2026, 4, 24, 9), 1, at(2026, 4, 28, 9)),
        # 2026: the 22/8 ↔ 31/8 swap is known only from press reports of
        # Thông báo 9441/TB-BNV: it waits for an administrator, Sat 22/8 stays off.
        (at(2026, 8, 21, 15), 1, at(2026, 8, 24, 15)),
        # Tết Dương lịch 2026: Fri 2/1 off, Sat 10/1 worked (12729/VPCP-KGVX).
        (at(2026, 1, 9, 15), 1, at(2026, 1, 10, 15)),
        # Received after hours: the clock starts at 07:00 next morning.
        (at(2025, 3, 11, 18, 45), 1, at(2025, 3, 12, 17)),
        # Received on an ordinary Saturday: starts Monday.
        (at(2025, 3, 15, 10), 1, at(2025, 3, 17, 17)),
    ],
)
def test_working_days_skip_holidays_and_use_swapped_saturdays(cal, received, days, due):
    assert cal.due_at(received, days, "working_days") == due


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (at(2025, 3, 10, 11), 2, at(2025, 3, 10, 15)),        # across lunch
        (at(2025, 3, 10, 12, 15), 1, at(2025, 3, 10, 14, 30)),  # received at lunch
        (at(2025, 3, 12, 6, 10), 1, at(2025, 3, 12, 8)),      # before opening
        (at(2025, 3, 10, 9), 2.5, at(2025, 3, 10, 11, 30)),   # ends at the session's end
        (at(2025, 3, 14, 16), 1, at(2025, 3, 14, 17)),        # Friday close, not Monday 07:00
        (at(2025, 3, 14, 16, 30), 1, at(2025, 3, 17, 7, 30)),  # over the weekend
    ],
)
def test_working_hours_respect_lunch_and_after_hours(cal, received, hours, due):
    assert cal.due_at(received, hours, "working_hours") == due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2025, 3, 10, 14, 59), at(2025, 3, 10, 17)),
        (at(2025, 3, 10, 15, 0), at(2025, 3, 11, 17)),    # the cut-off itself is "after"
        (at(2025, 3, 10, 6, 30), at(2025, 3, 10, 17)),    # before opening: same day
        # Friday 25/4/2025 after 15:00: next working day is the swapped Saturday.
        (at(2025, 4, 25, 15, 30), at(2025, 4, 26, 17)),
        # Tue 29/4/2025 after 15:00: 30/4, 1/5, 2/5 off, then the weekend.
        (at(2025, 4, 29, 15, 10), at(2025, 5, 5, 17)),
        # Received online on a holiday: due at the close of the next working day.
        (at(2026, 9, 2, 9), at(2026, 9, 3, 17)),
    ],
)
def test_same_day_rule_with_cutoff(cal, received, due):
    assert cal.due_at(received, 0, "same_day") == due


def test_calendar_days_move_off_a_day_off(cal):
    # Mon 28/4/2025 + 2 days = Wed 30/4 (holiday) → next working day Mon 5/5.
    assert cal.due_at(at(2025, 4, 28, 10), 2, "calendar_days") == at(2025, 5, 5, 17)
    assert cal.due_at(at(2025, 3, 10, 10), 3, "calendar_days") == at(2025, 3, 13, 17)


def test_overrides_win_over_the_sourced_days():
    plain = WorkingCalendar()
    # Công văn 12729/VPCP-KGVX: Fri 2/1/2026 off, Sat 10/1 worked instead (the
    # holidays package does not know it). 31/12/2025 16:00 + 8 h: 1 h, then Mon 5/1.
    assert plain.due_at(at(2025, 12, 31, 16), 1, "working_days") == at(2026, 1, 5, 16)
    assert plain.is_working_day(dt.date(2026, 1, 10))
    # An administrator's override wins over the table.
    declared = WorkingCalendar(overrides={dt.date(2026, 1, 2): True})
    assert declared.due_at(at(2025, 12, 31, 16), 1, "working_days") == at(2026, 1, 2, 16)
    # 24/11 (Ngày Văn hóa Việt Nam) is off only in the package: not applied
    # until an administrator decides it.
    assert plain.is_working_day(dt.date(2026, 11, 24))
    off = WorkingCalendar(overrides={dt.date(2026, 11, 24): False})
    assert off.due_at(at(2026, 11, 23, 17), 1, "working_hours") == at(2026, 11, 25, 8)


def test_years_outside_the_table_follow_the_package():
    cal = WorkingCalendar()
    assert not cal.is_working_day(dt.date(2024, 4, 29))   # swapped Monday, 2024
    assert cal.is_working_day(dt.date(2024, 5, 4))        # its Saturday
    assert cal.holiday_name(dt.date(2024, 9, 2)) == "Quốc khánh"


def test_per_weekday_sessions():
    # A centre that opens Saturday mornings only on a working Saturday.
    cal = WorkingCalendar(sessions={5: ["07:30-11:30"]})
    # Fri 25/4/2025 16:00 + 8 h: 1 h Friday, 4 h Saturday morning, 3 h Monday 28/4.
    assert cal.due_at(at(2025, 4, 25, 16), 1, "working_days") == at(2025, 4, 28, 10)


@pytest.mark.parametrize(
    ("finished", "due", "session_class", "day_class"),
    [
        (at(2025, 3, 12, 7, 30), at(2025, 3, 12, 10), "on_time", "on_time"),
        (at(2025, 3, 11, 16), at(2025, 3, 12, 10), "early", "early"),
        (at(2025, 3, 12, 10, 1), at(2025, 3, 12, 10), "late", "late"),
        (at(2025, 3, 12, 11), at(2025, 3, 12, 16), "early", "on_time"),
        (at(2025, 3, 12, 13, 30), at(2025, 3, 12, 16), "on_time", "on_time"),
        (at(2025, 3, 12, 7), at(2025, 3, 12, 11, 30), "on_time", "on_time"),
        (at(2025, 3, 12, 17), at(2025, 3, 12, 17), "on_time", "on_time"),
    ],
)
def test_classification(cal, finished, due, session_class, day_class):
    assert cal.classify(finished, due) == session_class
    assert cal.classify(finished, due, mode="day") == day_class


def test_working_time_between_counts_only_sessions(cal):
    # Wed 7/2/2024 15:00 → Thu 15/2/2024 15:00 across Tết: one working day.
    assert cal.working_time_between(at(2024, 2, 7, 15), at(2024, 2, 15, 15)) == 8 * H
    assert cal.working_time_between(at(2025, 3, 10, 12), at(2025, 3, 10, 13)) == dt.timedelta(0)
    assert cal.working_time_between(at(2025, 3, 10, 17), at(2025, 3, 10, 9)) == -6 * H


def test_bad_sessions_are_refused():
    with pytest.raises(ValueError, match="HH:MM"):
        WorkingCalendar(default_sessions=["7h-11h"])
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(default_sessions=["07:00-12:00", "11:00-17:00"])


moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 31)
).map(lambda m: m.replace(second=0, microsecond=0, tzinfo=VN))
amounts = st.integers(min_value=0, max_value=60 * 8 * 40).map(lambda m: dt.timedelta(minutes=m))
PROPERTY_CAL = WorkingCalendar()


@settings(max_examples=300, deadline=None)
@given(moments, amounts)
def test_adding_then_counting_back_gives_the_same_amount(start, amount):
    end = PROPERTY_CAL.add_working_time(start, amount)
    assert end >= start
    assert PROPERTY_CAL.working_time_between(start, end) == amount


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=0, max_value=30),
       st.sampled_from(["working_days", "working_hours", "calendar_days", "same_day"]))
def test_a_due_date_never_falls_outside_working_time(received, limit, unit):
    due = PROPERTY_CAL.due_at(received, limit, unit)
    assert PROPERTY_CAL.is_working_time(due)
    assert due >= received


def test_a_zero_calendar_day_limit_received_after_closing_falls_on_the_next_day(cal):
    # Found by the property test: Tue 2/1/2024 17:01 + 0 days → Wed 3/1 17:00.
    assert cal.due_at(at(2024, 1, 2, 17, 1), 0, "calendar_days") == at(2024, 1, 3, 17)
