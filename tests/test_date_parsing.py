"""Dates typed on the pages as Vietnamese write them (central/documents/formats.py)."""

import datetime as dt

import pytest

from central.documents.formats import date_input, day, parse_day, parse_moment


@pytest.mark.parametrize("typed, meant", [
    ("07/12/2026", dt.date(2026, 12, 7)), ("7/12/2026", dt.date(2026, 12, 7)),
    (" 07.12.2026 ", dt.date(2026, 12, 7)), ("07-12-2026", dt.date(2026, 12, 7)),
    ("2026-12-07", dt.date(2026, 12, 7)),  # a link's, or a bookmark's
])
def test_a_day_is_read_day_first(typed, meant):
    assert parse_day(typed) == meant


@pytest.mark.parametrize("typed", ["12/31/2026", "31/02/2026", "2026/12/07", "20261207",
                                   "7/12/26", "hôm nay"])
def test_a_bad_day_is_refused_in_vietnamese_naming_the_field(typed):
    with pytest.raises(ValueError) as refused:
        parse_day(typed, "Từ ngày")
    assert str(refused.value) == (f"Ngày không hợp lệ ở ô “Từ ngày”: “{typed}”. Nhập theo "
                                  "dạng ngày/tháng/năm, ví dụ 07/12/2026.")
    with pytest.raises(ValueError, match="^Chưa nhập ngày ở ô “Đến ngày”"):
        parse_day("  ", "Đến ngày")


def test_a_day_and_time_is_read_in_24_hours():
    meant = dt.datetime(2026, 12, 14, 16, 0)
    for typed in ("14/12/2026 16:00", "16:00 14/12/2026", "14/12/2026  16h00",
                  "2026-12-14T16:00"):
        assert parse_moment(typed) == meant, typed
    for typed in ("14/12/2026", "14/12/2026 4:00 PM", "14/12/2026 24:00", "16:00"):
        with pytest.raises(ValueError, match="^Ngày giờ không hợp lệ"):
            parse_moment(typed)


def test_the_field_shows_a_day_as_vietnamese_write_it_and_escapes_what_was_typed():
    assert 'value="01/12/2026"' in date_input("from", "2026-12-01")
    assert 'value="01/12/2026"' in date_input("from", dt.date(2026, 12, 1))
    assert 'value="14/12/2026 16:00"' in date_input("d", "2026-12-14T16:00", time=True)
    shown = date_input("from", '"><script>')
    assert 'type="text"' in shown and "<script>" not in shown
    assert " required" in date_input("day", required=True)
    assert day("2026-12-06") == day(dt.date(2026, 12, 6)) == "06/12/2026" and day("") == ""
