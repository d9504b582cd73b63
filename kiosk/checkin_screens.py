"""Checking a booking in at the kiosk (issue 26): scan its QR code or type its code.

The hub decides (``request.booking_check_in``): within the booking's window a
booked ticket comes back, printed or shown like any ticket with "Đã đặt lịch"
and the slot's time; early or late, the hub's Vietnamese message is shown with
a button for a walk-in ticket of the same service. Offline, the kiosk says a
check-in needs the hub, and walk-in tickets still work::

    ui.open_check_in()                   # "Nhận số theo lịch hẹn" on the ticket screen
    ui.scanned("MOTCUA-HEN:H7K3QX9M")    # or a scan, anywhere
"""

from __future__ import annotations

import re

import pygame

from .screens import keyboard_area
from .widgets import (
    INK,
    LATE,
    MUTED,
    OK,
    TILE,
    Button,
    draw_button,
    draw_code_field,
    draw_note,
    draw_text,
    edit_code,
)

QR_PREFIX = "MOTCUA-HEN:"
# The booking code (central/appointments): H and 7 of 23456789ABCDEFGHJKMNPQRSTUVWXYZ.
CODE = re.compile(r"^H[2-9A-HJKMNP-Z]{7}$")
OFFLINE = ("Nhận số theo lịch hẹn cần kết nối với máy chủ trung tâm, hiện chưa kết nối "
           "được. Bạn vẫn có thể lấy số thường.")


def looks_like_booking(text: str) -> bool:
    """A booking's QR text, or a code as a citizen may type it.

    >>> looks_like_booking("MOTCUA-HEN:H7K3QX9M"), looks_like_booking("h7k3-qx9m")
    (True, True)
    >>> looks_like_booking("000.00.14.H56-200203-0118"), looks_like_booking("H7K3QX9")
    (False, False)
    """
    text = text.strip().upper()
    if text.startswith(QR_PREFIX):
        return True
    return bool(CODE.match(re.sub(r"[\s\-]", "", text)))


class CheckIn:
    """Type the booking's code (or scan it: the scan works on any screen)."""

    name = "check_in"

    def __init__(self):
        self.text = ""

    def key(self, ui, key):
        self.text = edit_code(self.text, key, 16, upper=True)

    def draw(self, ui, surface, area):
        kb, area = keyboard_area(ui, area, area.y)
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), "Nhận số theo lịch hẹn",
                      area.topleft, INK, width=area.w)
        y = draw_text(surface, ui.fonts.get(ui.u(36)), "Đưa mã QR trên xác nhận đặt lịch vào "
                      "trước camera, hoặc nhập mã lịch hẹn (8 ký tự, bắt đầu bằng H).",
                      (area.x, y + ui.u(10)), MUTED, width=area.w)
        if not ui.hub_online():
            y = draw_note(surface, ui, ui.fonts.get(ui.u(36), True), OFFLINE, area.x,
                          y + ui.u(16), area.w, ink=LATE, border=LATE)
        field = draw_code_field(surface, ui, area.x, y + ui.u(20), area.w, self.text,
                                "Mã lịch hẹn…")
        go = pygame.Rect(area.x, field.bottom + ui.u(24), area.w, ui.u(120))
        draw_button(surface, ui.fonts, go, "Nhận số", size=ui.u(46))
        buttons = [Button(go, lambda: ui.start_check_in(self.text), "check_in_go")]
        # The code has no Vietnamese letters: no typing-mode key.
        return buttons + ui.keyboard(surface, kb, lambda k: self.key(ui, k), extra="-",
                                     vietnamese=False)


class CheckInResult:
    """No booked ticket this time: why (the hub's words), and a walk-in ticket instead."""

    name = "check_in_result"

    def __init__(self, printed=None, *, waiting=False):
        self.printed, self.waiting = printed, waiting

    @property
    def service(self) -> str:
        answer = getattr(self.printed, "check_in", None) or {}
        return answer.get("service", "")

    def draw(self, ui, surface, area):
        body = ui.fonts.get(ui.u(40))
        if self.waiting:
            draw_text(surface, body, "Đang kiểm tra lịch hẹn, xin chờ trong giây lát…",
                      area.topleft, MUTED, width=area.w)
            return []
        p = self.printed
        answer = getattr(p, "check_in", None) or {}
        title = {"early": "Bạn đến sớm", "late": "Đã quá giờ hẹn"}.get(
            answer.get("outcome"), "Chưa nhận được số theo lịch hẹn")
        y = draw_text(surface, ui.fonts.get(ui.u(48), True), title, area.topleft, LATE,
                      width=area.w)
        message = (p.message if p is not None and p.message else
                   "Chưa kiểm tra được lịch hẹn lúc này. Xin hỏi quầy hướng dẫn.")
        y = draw_text(surface, ui.fonts.get(ui.u(40)), message, (area.x, y + ui.u(16)), INK,
                      width=area.w)
        if p is not None and p.on_paper:
            y = draw_text(surface, ui.fonts.get(ui.u(36)), "Nội dung này đã được in ra giấy.",
                          (area.x, y + ui.u(10)), MUTED, width=area.w)
        buttons = []
        walk_in = pygame.Rect(area.x, y + ui.u(40), area.w, ui.u(130))
        if self.service:
            name = answer.get("service_name") or self.service
            draw_button(surface, ui.fonts, walk_in, f"Lấy số thường: {name}", size=ui.u(42),
                        fill=OK)
            buttons.append(Button(walk_in, lambda: ui.start_ticket(self.service), "walk_in"))
        else:
            draw_button(surface, ui.fonts, walk_in, "Lấy số thường", size=ui.u(44), fill=OK)
            buttons.append(Button(walk_in, ui.open_tickets, "walk_in"))
        again = pygame.Rect(area.x, walk_in.bottom + ui.u(24), area.w, ui.u(110))
        draw_button(surface, ui.fonts, again, "Nhập lại mã lịch hẹn", size=ui.u(40), fill=TILE,
                    ink=INK)
        buttons.append(Button(again, ui.open_check_in, "check_in_again"))
        return buttons
