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
