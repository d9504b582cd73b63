"""Taking a queue ticket at the kiosk: choose the service, then the number.

The kiosk issues tickets as a dispenser does (the shared
:class:`motcua.ticketing.issuer.TicketIssuer`): printed on its own printer
when it has one, otherwise (or when the printer fails) shown on screen with
its QR code, which a phone can photograph::

    ui.open_tickets()                       # "Lấy số" on the home screen
    ui.open_tickets(procedure=proc)         # from a procedure: its services first
    ui.tap_button("service:ho-tich")        # → TicketResult, then the number
"""

from __future__ import annotations

import pygame
import qrcode

from motcua.ticketing.ticket import HUB_DOWN_WAIT, ahead_text, booked_text, expected_wait

from .widgets import (
    BG,
    BRAND,
    BRAND_INK,
    INK,
    LATE,
    MUTED,
    OK,
    TILE,
    WARN_BG,
    Button,
    button_height,
    draw_button,
    draw_text,
    text_height,
)

ERRORS = {
    "no_block": "Máy đang mất kết nối với máy chủ và đã hết số dự phòng cho dịch vụ này. "
                "Xin lấy số ở máy lấy số hoặc hỏi quầy hướng dẫn.",
    "refused": "Dịch vụ này hiện không nhận thêm số. Xin hỏi quầy hướng dẫn.",
}
GENERIC_ERROR = "Chưa lấy được số lúc này. Xin thử lại hoặc hỏi quầy hướng dẫn."


def services_for(procedure: dict, services: list[dict]) -> list[dict]:
    """The services whose departments handle this procedure (all of them when none does).

    >>> services_for({"department_name": "Sở Tư pháp"},
    ...              [{"code": "ho-tich", "departments": ["Sở Tư pháp"]},
    ...               {"code": "dat-dai", "departments": ["Sở Nông nghiệp và Môi trường"]}])
    [{'code': 'ho-tich', 'departments': ['Sở Tư pháp']}]
    """
    return handling(procedure, services) or services


def handling(procedure: dict, services: list[dict]) -> list[dict]:
    """The services whose departments handle this procedure: none for a department with
    no line of its own here (a unit at its own desk, such as the Công an tỉnh for driving
    licences since 2025)."""
    department = (procedure.get("department_name") or "").strip().casefold()
    return [s for s in services
            if department and department in {d.casefold() for d in s.get("departments", [])}]


class TicketServices:
    """Which service's line to join; a procedure narrows it to the services handling it."""

    name = "ticket_services"
    scrollable = True
    live = True  # each line's waiting count, drawn again every second

    def __init__(self, procedure: dict | None = None):
        self.procedure = procedure
        self.no_line = False  # the procedure's department has no line here
        self.priority = None  # None: not offered; True/False: the citizen's choice

    def draw(self, ui, surface, area):
        services = ui.services()
        self.no_line = bool(self.procedure and services
                            and not handling(self.procedure, services))
        if self.procedure:
            services = services_for(self.procedure, services)
        offer = ui.session.priority_reason
        if offer and self.priority is None:
            self.priority = True  # offered, and taken unless the citizen says no
        y = draw_text(surface, ui.fonts.get(ui.u(48), True), "Lấy số thứ tự", area.topleft,
                      INK, width=area.w)
        sub = (f"Thủ tục: {self.procedure['name']}. Chọn dịch vụ:" if self.procedure
               else "Chọn dịch vụ bạn cần:")
        if self.no_line:  # every line is offered, and the citizen is told why
            who = self.procedure.get("department_name") or "Cơ quan giải quyết thủ tục này"
            sub = (f"Thủ tục: {self.procedure['name']}. {who} không có dịch vụ lấy số riêng "
                   "tại Trung tâm: xin hỏi quầy hướng dẫn, hoặc chọn dịch vụ:")
        y = draw_text(surface, ui.fonts.get(ui.u(36)), sub, (area.x, y + ui.u(6)), MUTED,
                      width=area.w)
        buttons = []
        if ui.check_in is not None and not self.procedure:
            # Issue 26: a citizen who booked takes a booked ticket here instead.
            booked = pygame.Rect(area.x, y + ui.u(16), area.w, ui.u(100))
            draw_button(surface, ui.fonts, booked, "Đã đặt lịch hẹn? Nhận số theo lịch hẹn",
                        size=ui.u(36), fill=BRAND, ink=BRAND_INK)
            buttons.append(Button(booked, ui.open_check_in, "check_in"))
            y = booked.bottom
        if offer:
            y, chips = self._priority_offer(ui, surface, area, y + ui.u(16), offer)
            buttons += chips
        grid = pygame.Rect(area.x, y + ui.u(20), area.w, area.bottom - y - ui.u(20))
        if not services:
            draw_text(surface, ui.fonts.get(ui.u(40)), "Máy chưa nhận được danh sách dịch vụ "
                      "từ máy chủ. Xin lấy số ở máy lấy số hoặc hỏi quầy hướng dẫn.",
                      grid.topleft, LATE, width=grid.w)
            return buttons
        gap = ui.u(20)
        tile_h = max([ui.u(150)] + [button_height(ui.fonts, s["name"], grid.w, size=ui.u(40),
                                                  sub="Đang chờ: 00 người") for s in services])
        y = grid.y - ui.scroll
        surface.set_clip(grid)
        for s in services:
            rect = pygame.Rect(grid.x, y, grid.w, tile_h)
            waiting = s.get("waiting")
            sub = ("Chưa có ai đang chờ" if waiting == 0 else
                   f"Đang chờ: {waiting} người" if waiting else "")
            if rect.bottom > grid.y and rect.top < grid.bottom:
                draw_button(surface, ui.fonts, rect, s["name"], size=ui.u(40), fill=TILE,
                            ink=INK, sub=sub)
                visible = rect.clip(grid)
                if visible.h >= 64:
                    buttons.append(Button(visible, lambda c=s["code"]: ui.start_ticket(
                        c, bool(self.priority)), f"service:{s['code']}"))
            y += tile_h + gap
        surface.set_clip(None)
        ui.content_height = (grid.y - ui.content_area().y) + len(services) * (tile_h + gap)
        return buttons

    def _priority_offer(self, ui, surface, area, y, reason):
        font = ui.fonts.get(ui.u(34), True)
        text = f"Bạn được ưu tiên: {reason}. Lấy số ưu tiên?"
        box = pygame.Rect(area.x, y, area.w, text_height(font, text, area.w - ui.u(48))
                          + ui.u(30) + ui.u(96))
        pygame.draw.rect(surface, WARN_BG, box, border_radius=14)
        yy = draw_text(surface, font, text, (box.x + ui.u(24), box.y + ui.u(15)), INK,
                       width=box.w - ui.u(48))
        w = (box.w - ui.u(48) - ui.u(20)) // 2
        chips = []
        for i, (value, label) in enumerate([(True, "Có, số ưu tiên"), (False, "Không")]):
            chip = pygame.Rect(box.x + ui.u(24) + i * (w + ui.u(20)), yy, w, ui.u(80))
            chosen = self.priority is value
            draw_button(surface, ui.fonts, chip, label, size=ui.u(34),
                        fill=BRAND if chosen else BG, ink=BRAND_INK if chosen else INK)
            chips.append(Button(chip, lambda v=value: setattr(self, "priority", v),
                                f"priority:{'yes' if value else 'no'}"))
        return box.bottom, chips


class TicketResult:
    """The number taken: where the paper is, or the number and QR code on screen."""

    name = "ticket_result"

    def __init__(self, service: str, printed=None, *, waiting=False):
        self.service, self.printed, self.waiting = service, printed, waiting

    def draw(self, ui, surface, area):
        body = ui.fonts.get(ui.u(40))
        if self.waiting:
            draw_text(surface, body, "Đang lấy số, xin chờ trong giây lát…", area.topleft,
                      MUTED, width=area.w)
            return []
        p = self.printed
        ticket = getattr(p, "ticket", None)
        if ticket is None:
            draw_text(surface, body, ERRORS.get(p.error or "", GENERIC_ERROR), area.topleft,
                      LATE, width=area.w)
            return []
        # Portrait: the QR code under the text; landscape: beside it.
        text_area, qr_area = area, None
        if not p.on_paper and not ui.portrait:
            side = min(area.h, area.w * 2 // 5)
            text_area = pygame.Rect(area.x, area.y, area.w - side - ui.u(40), area.h)
            qr_area = pygame.Rect(area.right - side, area.y, side, side)
        a = text_area
        y = draw_text(surface, ui.fonts.get(ui.u(40), True), ticket.service_name,
                      a.topleft, INK, width=a.w)
        y = draw_text(surface, ui.fonts.get(ui.u(36)), "Số thứ tự của bạn", (a.x, y + ui.u(10)),
                      MUTED, width=a.w)
        big = ui.fonts.get(ui.u(220), True)
        number = big.render(ticket.number, True, BRAND)
        surface.blit(number, number.get_rect(midtop=(a.centerx, y)))
        y += number.get_height()
        lines = []
        if ticket.booked_slot:
            lines.append((booked_text(ticket.booked_slot), OK))
        if ticket.priority:
            lines.append((f"Ưu tiên: {ticket.priority}", INK))
        lines.append((ahead_text(ticket.people_ahead), INK))
        if (wait := expected_wait(ticket)) is not None:
            lines.append((wait, INK))
        elif ticket.hub_down:
            lines.append((HUB_DOWN_WAIT, INK))
        if ticket.offline:
            lines.append(("Phát khi mất kết nối – số vẫn hợp lệ", LATE))
        for text, color in lines:
            y = draw_text(surface, ui.fonts.get(ui.u(40), True), text, (a.x, y + ui.u(8)),
                          color, width=a.w)
        y += ui.u(24)
        if p.on_paper:
            draw_text(surface, ui.fonts.get(ui.u(44), True), "Mời bạn nhận vé ở khe máy in "
                      "bên dưới màn hình.", (a.x, y), OK, width=a.w)
            return []
        note = ("Máy in đang gặp sự cố: xin ghi nhớ số trên, hoặc chụp ảnh mã QR để theo dõi "
                "lượt của bạn." if ui.has_printer else
                "Xin ghi nhớ số trên, hoặc chụp ảnh mã QR để theo dõi lượt của bạn.")
        y = draw_text(surface, ui.fonts.get(ui.u(36)), note, (a.x, y), INK, width=a.w)
        if qr_area is None:
            side = min(area.w, area.bottom - y - ui.u(20), ui.u(480))
            qr_area = pygame.Rect(area.centerx - side // 2, y + ui.u(20), side, side)
        if qr_area.w >= ui.u(200):
            draw_qr(surface, ticket.url, qr_area)
            ui.keep_rects.append(qr_area)
        return []


def draw_qr(surface, text: str, rect: pygame.Rect) -> None:
    """A QR code filling ``rect`` (square), dark on white with its quiet zone."""
    code = qrcode.QRCode(border=2)
    code.add_data(text)
    matrix = code.get_matrix()
    n = len(matrix)
    cell = rect.w // n
    left = rect.x + (rect.w - cell * n) // 2
    top = rect.y + (rect.h - cell * n) // 2
    pygame.draw.rect(surface, BG, rect)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pygame.draw.rect(surface, (0, 0, 0), (left + c * cell, top + r * cell, cell, cell))
