"""Alarms and dashboard sections: the extension points other parts build on."""

import pytest

from central import alarms
from central.web.dashboard import SECTIONS, section, sections


@pytest.fixture(autouse=True)
def fresh_alarms():
    alarms.reset()
    yield
    alarms.reset()


def test_an_alarm_stays_until_cleared_and_keeps_its_first_time():
    seen = []
    alarms.on_change(lambda: seen.append(len(alarms.active())))
    alarms.raise_alarm("disk", "Ổ đĩa đầy", source="store")
    first = alarms.active()[0]
    alarms.raise_alarm("disk", "Ổ đĩa đầy", source="store")
    again = alarms.active()[0]
    assert again.since == first.since and again.count == 2
    assert seen == [1]  # the same message again is not news
    alarms.clear("disk")
    alarms.clear("disk")
    assert alarms.active() == [] and seen == [1, 0]


def test_errors_come_before_warnings_and_bad_severity_is_refused():
    alarms.raise_alarm("paper", "Máy lấy số sắp hết giấy", severity="warning")
    alarms.raise_alarm("db", "Cơ sở dữ liệu không ghi được")
    assert [a.key for a in alarms.active()] == ["db", "paper"]
    with pytest.raises(ValueError):
        alarms.raise_alarm("x", "y", severity="loud")


def test_a_failing_listener_does_not_stop_the_alarm():
    alarms.on_change(lambda: 1 / 0)
    alarms.raise_alarm("modem", "Modem SMS lỗi")
    assert [a.key for a in alarms.active()] == ["modem"]


def test_sections_register_and_sort():
    try:
        section("zz-test", "Thử", "x.html", order=5)(lambda db: {"n": 1})
        found = [s for s in sections() if s.key == "zz-test"][0]
        assert found.title == "Thử" and found.context(None) == {"n": 1}
    finally:
        SECTIONS.pop("zz-test", None)
