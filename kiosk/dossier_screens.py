"""The dossier screens: look-up by typed or scanned code, and the hub's answer.

A look-up needs the hub; when it cannot be reached the screen says so
plainly, while procedure search (local) keeps working.
"""

from __future__ import annotations

import pygame

from motcua import clock

from .screens import keyboard_area
from .widgets import (
    BRAND,
    BRAND_INK,
    INK,
    LATE,
    LINE,
    MUTED,
    OK,
    WARN_BG,
    Button,
    draw_button,
    draw_text,
    keyboard,
    text_height,
)


class Dossier:
    name = "dossier"

    def __init__(self):
        self.text = ""

    def key(self, ui, key):
        if key == "BACKSPACE":
            self.text = self.text[:-1]
        elif key == "CLEAR":
            self.text = ""
        elif key != " " and len(self.text) < 40:
            self.text += key

    def draw(self, ui, surface, area):
        kb, area = keyboard_area(ui, area, area.y)
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), "Tra cứu tình trạng hồ sơ",
                      area.topleft, INK, width=area.w)
        y = draw_text(surface, ui.fonts.get(ui.u(36)), "Đưa mã vạch hoặc mã QR trên Giấy tiếp "
                      "nhận hồ sơ và hẹn trả kết quả vào trước camera, hoặc nhập mã hồ sơ.",
                      (area.x, y + ui.u(10)), MUTED, width=area.w)
        if not ui.hub_online():
            y = offline_note(ui, surface, pygame.Rect(area.x, y + ui.u(16), area.w, 0))
        field = pygame.Rect(area.x, y + ui.u(20), area.w, ui.u(110))
        pygame.draw.rect(surface, BRAND, field, width=4, border_radius=14)
        font = ui.fonts.get(ui.u(46))
        surface.blit(font.render(self.text + "|" if self.text else "Mã hồ sơ…", True,
                                 INK if self.text else MUTED),
                     (field.x + ui.u(24), field.centery - font.get_linesize() // 2))
        go = pygame.Rect(area.x, field.bottom + ui.u(24), area.w, ui.u(120))
        draw_button(surface, ui.fonts, go, "Tra cứu", size=ui.u(46))
        buttons = [Button(go, lambda: ui.start_lookup(self.text), "lookup")]
        return buttons + keyboard(surface, ui.fonts, kb, lambda k: self.key(ui, k), extra=".-")


def offline_note(ui, surface, where: pygame.Rect) -> int:
    text = ("Chưa kết nối được máy chủ trung tâm. Tra cứu hồ sơ cần kết nối với máy chủ; "
            "tìm thủ tục vẫn dùng được.")
    font = ui.fonts.get(ui.u(36), True)
    h = text_height(font, text, where.w - ui.u(48)) + ui.u(30)
    box = pygame.Rect(where.x, where.y, where.w, h)
    pygame.draw.rect(surface, WARN_BG, box, border_radius=14)
    pygame.draw.rect(surface, LATE, box, width=3, border_radius=14)
    draw_text(surface, font, text, (box.x + ui.u(24), box.y + ui.u(15)), LATE,
              width=box.w - ui.u(48))
    return box.bottom


class DossierResult:
    name = "dossier_result"

    def __init__(self, code: str, outcome: dict | None = None, *, waiting=False,
                 offline=False, error: str = ""):
        self.code, self.outcome = code, outcome or {}
        self.waiting, self.offline, self.error = waiting, offline, error

    def draw(self, ui, surface, area):
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), f"Hồ sơ {self.code}",
                      area.topleft, INK, width=area.w)
        body = ui.fonts.get(ui.u(40))
        y += ui.u(20)
        if self.waiting:
            draw_text(surface, body, "Đang tra cứu, xin chờ trong giây lát…", (area.x, y), MUTED)
            return []
        if self.offline:
            offline_note(ui, surface, pygame.Rect(area.x, y, area.w, 0))
            return []
        if self.error:
            draw_text(surface, body, self.error, (area.x, y), LATE, width=area.w)
            return []
        o = self.outcome
        if not o.get("found"):
            draw_text(surface, body, "Không tìm thấy hồ sơ có mã này. Vui lòng kiểm tra lại "
                      "mã trên giấy hẹn hoặc hỏi cán bộ tại quầy.", (area.x, y), LATE,
                      width=area.w)
            return []
        late = bool(o.get("late"))
        badge = pygame.Rect(area.x, y, area.w, ui.u(120))
        pygame.draw.rect(surface, LATE if late else OK, badge, border_radius=14)
        label = ui.fonts.get(ui.u(50), True).render(
            o.get("status_name", ""), True, BRAND_INK)
        surface.blit(label, label.get_rect(center=badge.center))
        y = badge.bottom + ui.u(30)
        due = clock.show(o["due_at"], fmt="%H:%M ngày %d/%m/%Y") if o.get("due_at") else "—"
        received = (clock.show(o["received_at"], fmt="%H:%M ngày %d/%m/%Y")
                    if o.get("received_at") else "—")
        lines = [("Người nộp", o.get("applicant", "")), ("Ngày tiếp nhận", received),
                 ("Hẹn trả kết quả", due), ("Đơn vị đang xử lý", o.get("department", "")),
                 ("Tiến độ", "Quá hạn" if late else "Trong hạn")]
        label_font, value_font = ui.fonts.get(ui.u(34)), ui.fonts.get(ui.u(42), True)
        for title, value in lines:
            surface.blit(label_font.render(title, True, MUTED), (area.x, y))
            y += label_font.get_linesize()
            color = (LATE if late else OK) if title == "Tiến độ" else INK
            y = draw_text(surface, value_font, value, (area.x, y), color, width=area.w)
            pygame.draw.line(surface, LINE, (area.x, y + ui.u(8)), (area.right, y + ui.u(8)), 2)
            y += ui.u(24)
        return []
