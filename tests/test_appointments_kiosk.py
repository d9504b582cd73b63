"""Booking an appointment at the kiosk (issue 26) through the real broker and hub: the
services, days and slots come from the hub, the citizen types a name and a phone on
the on-screen keyboard, and the screen shows the booking's code and a QR that reads
``MOTCUA-HEN:<code>``. A refusal (the phone's limit) is shown in Vietnamese.

The days are whatever the hub offers from today on: the test takes the first one with a
seat, so it does not depend on the date it runs.
"""

from __future__ import annotations

import pygame
from pyzbar import pyzbar

from central.appointments import bookings, rules

from .conftest import wait_until
from .test_kiosk_tickets import make_kiosk  # noqa: F401  (a fixture; own_broker, own_hub are conftest.py's)


def step(ui, surface):
    ui.step(surface)
    if ui.screen.name == "booking":
        ui.screen.wait()
        ui.step(surface)


def first(ui, prefix: str) -> str:
    return next(b.name for b in ui.buttons if b.name.startswith(prefix))


def type_on_keyboard(ui, surface, text: str) -> None:
    for ch in text:
        ui.tap_button("key: " if ch == " " else f"key:{ch.upper()}")
        ui.step(surface)


def book_at_the_kiosk(ui, surface, phone: str) -> None:
    ui.go_home()
    step(ui, surface)
    ui.tap_button("booking")
    step(ui, surface)
    assert ui.screen.name == "booking"
    ui.tap_button("service:ho-tich")
    step(ui, surface)
    ui.tap_button(first(ui, "day:"))
    step(ui, surface)
    ui.tap_button(first(ui, "slot:"))
    step(ui, surface)
    type_on_keyboard(ui, surface, "tran van an")
    ui.tap_button("field:phone")
    ui.step(surface)
    type_on_keyboard(ui, surface, phone)
    ui.tap_button("book")
    step(ui, surface)


def test_a_citizen_books_at_the_kiosk_and_sees_the_code_and_its_qr(own_broker, own_hub,  # noqa: F811
                                                                   make_kiosk):  # noqa: F811
    store = own_hub.store
    with store.write() as db:
        rules.save_settings(db, {"per_phone_active": "1"})
    node = make_kiosk(own_broker.port)
    surface = pygame.Surface((1080, 1920))
    node.open_screen(surface)
    wait_until(lambda: node.hub_online, timeout=10)
    ui = node.ui

    book_at_the_kiosk(ui, surface, "0912345678")
    assert ui.screen.name == "booking_result", getattr(ui.screen, "problem", "")
    code = ui.screen.outcome["code"]
    booking = bookings.find(store.db, code)
    assert booking["status"] == "booked" and booking["name"] == "Tran Van An"
    row = store.db.execute("select channel, client_key, phone from appointments where code = ?",
                           [code]).fetchone()
    assert row == ("kiosk", "node:kiosk-1", "0912345678")
    # The QR on the screen reads back as the booking's payload.
    ui.draw(surface)
    grey = pygame.surfarray.array3d(surface).transpose(1, 0, 2).mean(axis=2).astype("uint8")
    read = {r.data.decode() for r in pyzbar.decode(grey)}
    assert f"MOTCUA-HEN:{code}" in read

    # The same phone again: the hub's refusal, on the screen, and nothing booked.
    book_at_the_kiosk(ui, surface, "0912345678")
    assert ui.screen.name == "booking" and "tối đa 1" in ui.screen.problem
    assert store.db.execute("select count(*) from appointments").fetchone()[0] == 1

    # With the hub stopped, booking says it needs the hub (tickets still work offline).
    own_hub.stop()
    wait_until(lambda: not node.hub_online, timeout=10)
    ui.go_home()
    ui.step(surface)
    ui.tap_button("booking")
    ui.step(surface)
    assert ui.screen.name == "booking"
    assert "Chưa kết nối được máy chủ trung tâm" in ui.screen.problem
