"""One truth on every device (issue 22): whatever changes a counter, its own
number display, the hall board and the officer's console agree within a second.

Everything is real: Mosquitto from broker-config/, the hub's gateway and web
app, a counter node per counter (MAX7219 seven-segment modules on luma's dummy
device, read back from the module's picture), a hall display node, and the
console in headless Chromium over MQTT-over-WebSockets. Each path that changes
a counter is driven as a person would: the counter's keypad, the officer's
console (buttons and shortcut keys), a supervisor taking the counter over, a
transfer, a pause and resume, and a restart of the counter node.
"""

from __future__ import annotations

import time

import pytest
from luma.led_matrix.segment_mapper import dot_muncher

from central.accounts import users
from counter.display import decode_segments, segment_bytes

from .conftest import wait_until
from .test_counter import counter_settings, take_ticket, tap
from .test_queue_browser import PASSWORD, queue_site, sign_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
WITHIN = 1.0  # seconds: the promise


def module(node, number):
    """What counter ``number``'s seven-segment module shows, read from its picture
    (a guess: 5 and S look alike)."""
    return decode_segments(node.units[number].display.device.image).strip()


def lit(node, number, text):
    """Counter ``number``'s module lights exactly the segments of ``text``."""
    return segment_bytes(node.units[number].display.device.image) == list(dot_muncher(text))


def board(display, number):
    """What the hall display's board holds for counter ``number``: (status, number)."""
    for c in display.model.view().counters:
        if c["counter"] == number:
            return c["status"], c["display"] or "—"
    return None


def console(page):
    return page.locator("#current").inner_text().strip()


def agree(page, node, display, number, ticket, status="open", within=WITHIN):
    """All three show ``ticket`` (or nothing: None) for counter ``number`` within a second."""
    seg = {"open": ticket or "----", "paused": "PAUSE", "closed": "CLOSEd"}[status]
    want = ticket or "—"
    start = time.monotonic()
    try:
        wait_until(lambda: lit(node, number, seg) and console(page) == want
                   and board(display, number) == (status, want), timeout=within + 4)
    except AssertionError:
        raise AssertionError(
            f"counter {number} should show {want} ({status}): module {module(node, number)!r},"
            f" board {board(display, number)}, console {console(page)!r}") from None
    took = time.monotonic() - start
    assert took <= within, f"counter {number}: the devices agreed only after {took:.2f} s"


def test_the_counter_display_the_board_and_the_console_follow_every_path(
        browser, queue_site, store, queue_hub, make_node, tmp_path):  # noqa: F811
    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", PASSWORD)
    users.create_user(store, "giamsat", "Trần Văn Giám", "supervisor", PASSWORD)
    dispenser = make_node("dispenser", "dispenser-1")
    tickets = [take_ticket(dispenser, "dat-dai")["display"] for _ in range(5)]
    seven = make_node("counter", "counter-7",
                      **counter_settings(tmp_path, number=7, driver="segment"))
    eight = make_node("counter", "counter-8",
                      **counter_settings(tmp_path, number=8, driver="segment"))
    display = make_node("display", "display-1", width=1280, height=720,
                        voice={"enabled": False})

    officer = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(officer, queue_site, "lan.nt")
    officer.goto(f"{queue_site}/console")
    officer.select_option("#counter", "8")
    officer.click("#take")
    officer.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    agree(officer, eight, display, 8, None, within=5)

    # The counter's keypad.
    tap(eight.units[8].keys["next"].button)
    agree(officer, eight, display, 8, tickets[0])
    # The console finishes it (the bug: the module kept showing it for minutes).
    officer.keyboard.press("h")
    agree(officer, eight, display, 8, None)
    # ... and pause / resume does not bring it back.
    officer.click("#btn-pause")
    agree(officer, eight, display, 8, None, status="paused")
    officer.keyboard.press("t")
    agree(officer, eight, display, 8, None)
    officer.keyboard.press("n")
    agree(officer, eight, display, 8, tickets[1])

    # A transfer to counter 7: counter 8 is free, counter 7 calls it.
    officer.select_option("#transfer-counter", "7")
    officer.click("#btn-transfer")
    agree(officer, eight, display, 8, None)
    tap(seven.units[7].keys["next"].button)
    start = time.monotonic()
    wait_until(lambda: lit(seven, 7, tickets[1]) and board(display, 7)
               == ("open", tickets[1]), timeout=5)
    assert time.monotonic() - start <= WITHIN

    # A supervisor takes counter 8 over on their own console and calls.
    supervisor = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(supervisor, queue_site, "giamsat")
    supervisor.goto(f"{queue_site}/console")
    supervisor.select_option("#counter", "8")
    supervisor.click("#take")
    supervisor.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
    supervisor.keyboard.press("n")
    agree(supervisor, eight, display, 8, tickets[2])
    # The officer's console still watching counter 8 says the same.
    wait_until(lambda: console(officer) == tickets[2], timeout=WITHIN)

    # The counter node restarts: its module shows the counter's state at once.
    eight.stop()
    again = make_node("counter", "counter-8",
                      **counter_settings(tmp_path, number=8, driver="segment"))
    agree(supervisor, again, display, 8, tickets[2], within=2)
    supervisor.keyboard.press("h")
    agree(supervisor, again, display, 8, None)
    tap(again.units[8].keys["pause"].button)  # the keypad's pause key: for how long?
    wait_until(lambda: again.units[8].choices is not None, timeout=WITHIN)
    tap(again.units[8].keys["pause"].button)  # again: 15 minutes
    agree(supervisor, again, display, 8, None, status="paused")
    tap(again.units[8].keys["pause"].button)  # pressed again: resume
    agree(supervisor, again, display, 8, None)
