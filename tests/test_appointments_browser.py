"""Booking an appointment in a real headless Chromium at a phone's width (390×844):
choose the service, the day and the slot, get the code and its QR, move it, cancel it."""

import datetime as dt

import pytest

from central import create_app
from central.appointments import bookings
from motcua import clock

# CENTRE: the centre the `centre` fixture (tests/conftest.py) loads.
from .test_appointments import CENTRE, MONDAY, NOW, day_slots

pytestmark = pytest.mark.browser


@pytest.fixture
def app(centre, config, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW.astimezone(dt.UTC))
    config.feedback.min_fill_seconds = 1
    return create_app(config, store=centre)


def test_a_citizen_books_moves_and_cancels_on_a_phone(browser, live_server, centre, config):
    assert CENTRE["services"][0]["code"] == "ho-tich"
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                            has_touch=True)
    page.goto(f"{live_server}/dat-lich")
    page.get_by_role("link", name="Hộ tịch").click()
    page.get_by_role("link", name="Thứ Hai, 07/12/2026").click()
    page.locator("#chosen-day", has_text="Thứ Hai, 07/12/2026").wait_for(timeout=5_000)
    page.locator("label.slot", has_text="08:00–08:30").click()
    page.fill("#name", "Nguyễn Thị Lan")
    page.fill("#phone", "0912 345 678")
    page.wait_for_timeout(1200)  # a person takes longer than min_fill_seconds
    page.click("#book")
    code = page.locator("#booking-code").inner_text(timeout=5_000)
    assert bookings.CODE.match(code)
    assert "08:00–08:30, Thứ Hai, 07/12/2026" in page.locator("#booking-when").inner_text()
    # The QR is drawn (an SVG image the browser decoded) and nothing is wider than the phone.
    assert page.evaluate("document.querySelector('#booking-qr').naturalWidth") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert bookings.find(centre.db, code)["starts_at"] == \
        day_slots(centre, config, "ho-tich", MONDAY)[2].starts_at

    # Move to Tuesday 14:00.
    page.click("#move-link")
    page.get_by_role("link", name="Thứ Ba, 08/12/2026").click()
    page.locator("label.slot", has_text="14:00–14:30").click()
    page.click("#move")
    page.locator("#booking-when", has_text="14:00–14:30, Thứ Ba, 08/12/2026").wait_for(
        timeout=5_000)
    assert page.locator("#booking-code").inner_text() == code

    # Cancel: the booking shows as cancelled, and its seat is free again.
    page.click("#cancel")
    page.locator("#booking-status", has_text="Đã hủy").wait_for(timeout=5_000)
    assert bookings.find(centre.db, code)["status"] == "cancelled"
    assert page.locator("#cancel").count() == 0

    # A second phone with the code alone is asked for the phone number, and sees nothing.
    other = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    other.goto(f"{live_server}/dat-lich/lich-cua-toi?ma={code}")
    other.locator("#lookup-form").wait_for(timeout=5_000)
    assert "Nguyễn Thị Lan" not in other.content()
    other.fill("#lookup-phone", "0912345678")
    other.click("#lookup")
    other.locator("#booking-status", has_text="Đã hủy").wait_for(timeout=5_000)
    page.close()
    other.close()


def test_a_link_to_a_day_the_centre_is_closed_offers_no_booking(browser, live_server, centre):
    """``/dat-lich?ngay=`` a Saturday (a shared or typed link) showed the person's form
    and "Đặt lịch" under "Ngày này không có khung giờ nào": the citizen filled it in for
    nothing. Now the day list comes back with the reason, at a phone's width."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                            has_touch=True)
    for day, words in (("2026-12-12", "Thứ Bảy, 12/12/2026"), ("2026-12-13", "Chủ nhật"),
                       ("2027-06-01", "Thứ Ba, 01/06/2027"), ("2026-13-40", "không hợp lệ")):
        page.goto(f"{live_server}/dat-lich?dich-vu=ho-tich&ngay={day}")
        assert page.locator("#book").count() == 0, day
        assert page.locator("#name").count() == 0, day
        assert words in page.locator("#problem").inner_text(), day
        # The days that can be booked are offered instead, Monday among them.
        assert page.get_by_role("link", name="Thứ Hai, 07/12/2026").count() == 1, day
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_moving_a_booking_to_a_closed_day_offers_no_button(browser, live_server, centre,
                                                           config):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{live_server}/dat-lich?dich-vu=ho-tich&ngay=2026-12-07")
    page.locator("label.slot", has_text="08:00–08:30").click()
    page.fill("#name", "Nguyễn Thị Lan")
    page.fill("#phone", "0912 345 678")
    page.wait_for_timeout(1200)
    page.click("#book")
    code = page.locator("#booking-code").inner_text(timeout=5_000)
    page.goto(f"{live_server}/dat-lich/doi-gio?ma={code}&ngay=2026-12-12")
    assert page.locator("#move").count() == 0
    assert "Thứ Bảy, 12/12/2026" in page.locator("#problem").inner_text()
    assert page.get_by_role("link", name="Thứ Ba, 08/12/2026").count() == 1
    page.close()
