"""Booking an appointment at the kiosk (issue 26): service, day, slot, name and phone.

Each step asks the hub (``request.appointment_slots``, then ``request.appointment_book``)
on the kiosk's worker thread; the screen shows "Đang tải…" meanwhile and the hub's
Vietnamese refusal when there is one. The result shows the booking's code and its QR
(the citizen photographs it, or gets it by SMS), to scan here on the day::

    ui.open_booking()                  # loads the services
    ui.tap_button("service:ho-tich"); ui.tap_button("day:2026-12-07")
    ui.tap_button("slot:2026-12-07T01:00:00.000+00:00")
    ... type the name and the phone ...; ui.tap_button("book")
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pygame

from motcua import clock, wording

from .screens import keyboard_area
from .ticket_screens import draw_qr
from .widgets import (
    BRAND,
    BRAND_INK,
    INK,
    LATE,
    MUTED,
    OK,
    TILE,
    Button,
    draw_button,
    draw_text,
    draw_text_field,
)

OFFLINE = ("Chưa kết nối được máy chủ trung tâm nên chưa đặt lịch được. Xin thử lại sau hoặc "
           "hỏi quầy hướng dẫn.")


def day_label(text: str) -> str:
    day = dt.date.fromisoformat(text)
    return f"{wording.weekday(day)} {day:%d/%m}"


class Booking:
    name = "booking"
    scrollable = False

    def __init__(self, ui):
        self.ui = ui
        self.step = "service"
        self.services: list[dict] = []
        self.days: list[dict] = []
        self.slots: list[dict] = []
        self.service: dict | None = None
        self.day = ""
        self.slot: dict | None = None
        self.full_name = ""
        self.phone = ""
        self.focus = "full_name"
        self.problem = ""
        self.pending: concurrent.futures.Future | None = None
        self._then = None
        self.version = 0  # moved on by every change, so the kiosk draws it at once
        self.ask("appointment_slots", {}, lambda r: setattr(self, "services", r["services"]))

    # Talking to the hub, on the kiosk's worker thread ---------------------------------
    def ask(self, name: str, data: dict, then) -> None:
        self.version += 1
        if self.ui.booking is None or not self.ui.hub_online():
            self.problem = OFFLINE
            return
        self.problem = ""
        self._then = then
        self.pending = self.ui._pool.submit(self.ui.booking, name, data)

    def poll(self) -> None:
        """The hub's answer, when it has come (the kiosk's tick asks every frame)."""
        if self.pending is None or not self.pending.done():
            return
        future, self.pending = self.pending, None
        self.version += 1
        try:
            answer = future.result()
        except Exception as failure:  # the hub's refusal, or no answer
            self.problem = str(failure) or OFFLINE
            return
        self._then(answer)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until the hub has answered (tests)."""
        if self.pending is not None:
            concurrent.futures.wait([self.pending], timeout)
        self.poll()

    # The steps ---------------------------------------------------------------------------
    def choose_service(self, service: dict) -> None:
        self.service, self.step = service, "day"
        self.ask("appointment_slots", {"service": service["code"]},
                 lambda r: setattr(self, "days", r["days"]))

    def choose_day(self, day: str) -> None:
        self.day, self.step = day, "slot"
        self.ask("appointment_slots", {"service": self.service["code"], "day": day},
                 lambda r: setattr(self, "slots", r["slots"]))

    def choose_slot(self, slot: dict) -> None:
        self.slot, self.step = slot, "person"
        self.version += 1

    def back_step(self) -> None:
        order = ["service", "day", "slot", "person"]
        self.problem = ""
        self.step = order[max(0, order.index(self.step) - 1)]
        self.version += 1

    def key(self, key) -> None:
        value = getattr(self, self.focus)
        if key == "BACKSPACE":
            value = value[:-1]
        elif key == "CLEAR":
            value = ""
        elif self.focus == "phone":
            value += key if key.isdigit() and len(value) < 12 else ""
        elif len(value) < 100:
            value = self.ui.type_into(value, key.lower())
        setattr(self, self.focus, value)
        self.version += 1

    def send(self) -> None:
        name = " ".join(self.full_name.split()).title()
        if len(name) < 2 or len(self.phone) < 10:
            self.problem = "Xin nhập họ tên và số điện thoại (10 số)."
            self.version += 1
            return
        self.ask("appointment_book", {"service": self.service["code"],
                                      "starts_at": self.slot["starts_at"], "name": name,
                                      "phone": self.phone},
                 lambda r: self.ui.show_booking(BookingResult(r)))

    # Drawing -----------------------------------------------------------------------------
    def draw(self, ui, surface, area):
        self.poll()
        title = ui.fonts.get(ui.u(44), True)
        y = draw_text(surface, title, "Đặt lịch hẹn", area.topleft, INK, width=area.w)
        chosen = " · ".join(x for x in (
            self.service and self.service["name"], self.day and day_label(self.day),
            self.slot and self.slot["label"]) if x)
        if chosen:
            y = draw_text(surface, ui.fonts.get(ui.u(32)), chosen, (area.x, y + ui.u(6)), MUTED,
                          width=area.w)
        y += ui.u(16)
        buttons = []
        if self.problem:
            y = draw_text(surface, ui.fonts.get(ui.u(32), True), self.problem, (area.x, y),
                          LATE, width=area.w) + ui.u(12)
        if self.step != "service":
            back = pygame.Rect(area.x, y, ui.u(260), ui.u(70))
            draw_button(surface, ui.fonts, back, "‹ Bước trước", size=ui.u(30), fill=TILE,
                        ink=INK)
            buttons.append(Button(back, self.back_step, "back_step"))
            y = back.bottom + ui.u(16)
        if self.pending is not None:
            draw_text(surface, ui.fonts.get(ui.u(36)), "Đang tải, xin chờ trong giây lát…",
                      (area.x, y), MUTED, width=area.w)
            return buttons
        body = pygame.Rect(area.x, y, area.w, area.bottom - y)
        if self.step == "person":
            return buttons + self._person(ui, surface, body)
        if self.step == "service":
            items = [(s["name"], "", f"service:{s['code']}", lambda s=s: self.choose_service(s))
                     for s in self.services]
            empty = "Trung tâm chưa nhận đặt lịch hẹn."
        elif self.step == "day":
            items = [(day_label(d["day"]), f"còn {d['free']} chỗ", f"day:{d['day']}",
                      lambda d=d: self.choose_day(d["day"])) for d in self.days if d["free"]]
            empty = "Không còn ngày nào nhận đặt lịch."
        else:
            items = [(s["label"], f"còn {s['free']}", f"slot:{s['starts_at']}",
                      lambda s=s: self.choose_slot(s)) for s in self.slots if s["free"]]
            empty = "Ngày này đã hết chỗ. Xin chọn ngày khác."
        if not items and not self.problem:
            draw_text(surface, ui.fonts.get(ui.u(36)), empty, body.topleft, MUTED, width=body.w)
        return buttons + self._grid(ui, surface, body, items)

    def _grid(self, ui, surface, area, items):
        columns = 1 if self.step == "service" else (3 if ui.portrait else 5)
        gap = ui.u(16)
        w = (area.w - gap * (columns - 1)) // columns
        h = ui.u(90) if self.step == "service" else ui.u(100)
        buttons = []
        for i, (label, sub, key, action) in enumerate(items):
            r, c = divmod(i, columns)
            rect = pygame.Rect(area.x + c * (w + gap), area.y + r * (h + gap), w, h)
            if rect.bottom > area.bottom:
                break  # a month of working days (5 × 5 on a landscape screen) fits
            draw_button(surface, ui.fonts, rect, label, size=ui.u(32), fill=TILE, ink=INK,
                        sub=sub)
            buttons.append(Button(rect, action, key))
        return buttons

    def _field(self, ui, surface, rect, label, value, name):
        draw_text_field(surface, ui, rect, label, value, self.focus == name)
        return Button(rect, lambda: self._focus(name), f"field:{name}")

    def _focus(self, name: str) -> None:
        self.focus = name
        self.version += 1

    def _person(self, ui, surface, area):
        kb, left = keyboard_area(ui, area, area.y)
        gap = ui.u(14)
        h = ui.u(80)
        name_rect = pygame.Rect(left.x, left.y, left.w, h)
        phone_rect = name_rect.move(0, h + gap)
        buttons = [self._field(ui, surface, name_rect, "Họ và tên…", self.full_name,
                               "full_name"),
                   self._field(ui, surface, phone_rect, "Số điện thoại…", self.phone, "phone")]
        note = draw_text(surface, ui.fonts.get(ui.u(28)), "Số điện thoại dùng để đổi, hủy lịch "
                         "và nhận tin nhắc lịch.", (left.x, phone_rect.bottom + gap), MUTED,
                         width=left.w)
        send = pygame.Rect(left.x, note + gap, left.w, ui.u(96))
        draw_button(surface, ui.fonts, send, "Đặt lịch", size=ui.u(40), fill=OK)
        buttons.append(Button(send, self.send, "book"))
        return buttons + ui.keyboard(surface, kb, self.key,
                                     vietnamese=self.focus == "full_name")


class BookingResult:
    name = "booking_result"

    def __init__(self, outcome: dict):
        self.outcome = outcome

    def draw(self, ui, surface, area):
        o = self.outcome
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), "Đã đặt lịch hẹn", area.topleft,
                      OK, width=area.w)
        day = clock.show(o["starts_at"], fmt="%Y-%m-%d")
        when = (f"{clock.show(o['starts_at'], fmt='%H:%M')}–{clock.show(o['ends_at'], fmt='%H:%M')}"
                f", {day_label(day)}/{day[:4]}")
        y = draw_text(surface, ui.fonts.get(ui.u(36)), f"{o['service_name']}, {when}",
                      (area.x, y + ui.u(10)), INK, width=area.w)
        code_box = pygame.Rect(area.x, y + ui.u(20), area.w, ui.u(120))
        pygame.draw.rect(surface, BRAND, code_box, border_radius=16)
        label = ui.fonts.get(ui.u(72), True).render(o["code"], True, BRAND_INK)
        surface.blit(label, label.get_rect(center=code_box.center))
        side = min(area.w, ui.u(420))
        qr = pygame.Rect(area.x + (area.w - side) // 2, code_box.bottom + ui.u(20), side, side)
        draw_qr(surface, o["qr"], qr)
        ui.keep_rects.append(qr)
        draw_text(surface, ui.fonts.get(ui.u(32)),
                  "Chụp ảnh mã này (tin nhắn cũng gửi mã về điện thoại). Khi đến, quét mã ở "
                  "kiosk hoặc nhập mã để lấy số trong khung giờ của bạn.",
                  (area.x, qr.bottom + ui.u(20)), MUTED, width=area.w)
        return []
