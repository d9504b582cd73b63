"""The feedback screens: a complaint or suggestion in a few taps, and the hub's answer.

Made for someone who does not type: choose "Phản ánh" or "Kiến nghị", tap
what it is about, optionally type a few words and the ticket number, then
"Gửi góp ý". The hub answers with the feedback's code and its deadline::

    ui.open_feedback()
    ui.tap_button("topic:waiting"); ui.tap_button("send")
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
    MUTED,
    OK,
    TILE,
    Button,
    draw_button,
    draw_text,
    draw_text_field,
    wrap,
)

KINDS = [("complaint", "Phản ánh"), ("suggestion", "Kiến nghị")]
TOPICS = [("waiting", "Chờ đợi quá lâu"), ("attitude", "Thái độ phục vụ"),
          ("guidance", "Hướng dẫn chưa rõ"), ("paperwork", "Giấy tờ phức tạp"),
          ("late", "Trả kết quả trễ hẹn"), ("fees", "Phí, lệ phí"),
          ("facilities", "Cơ sở vật chất"), ("other", "Khác")]


class FeedbackForm:
    name = "feedback"

    def __init__(self):
        self.kind = "complaint"
        self.topic = ""
        self.text = ""
        self.ticket = ""
        self.focus = "text"
        self.problem = ""
        # From a scanned ID card only (issue 27): shown, removable, sent when kept.
        self.contact_name = ""
        self.dossier = ""  # set when opened from a dossier's status

    def key(self, key, ui=None):
        value = getattr(self, self.focus)
        limit = 300 if self.focus == "text" else 8
        if key == "BACKSPACE":
            value = value[:-1]
        elif key == "CLEAR":
            value = ""
        elif self.focus == "ticket":
            value += key.upper() if len(value) < limit and key != " " else ""
        elif len(value) < limit:
            # The citizen's own words, in Vietnamese (Telex or VNI, as on a phone).
            value = ui.type_into(value, key.lower()) if ui else value + key.lower()
        setattr(self, self.focus, value)

    def payload(self) -> dict | None:
        if not self.topic:
            self.problem = "Xin chọn nội dung góp ý."
            return None
        if self.topic == "other" and not self.text.strip():
            self.problem = "Xin gõ vài chữ khi chọn “Khác”."
            return None
        self.problem = ""
        data = {"kind": self.kind, "topic": self.topic, "text": self.text.strip()}
        if self.ticket:
            data["ticket"] = self.ticket
        if self.contact_name:
            data["contact_name"] = self.contact_name
        if self.dossier:
            data["dossier"] = self.dossier
        return data

    def _field(self, ui, surface, rect, label, value, name):
        draw_text_field(surface, ui, rect, label, value, self.focus == name)
        return Button(rect, lambda: setattr(self, "focus", name), f"field:{name}")

    def draw(self, ui, surface, area):
        kb, left = keyboard_area(ui, area, area.y)
        gap = ui.u(14)
        y = draw_text(surface, ui.fonts.get(ui.u(42), True), "Góp ý, phản ánh, kiến nghị",
                      left.topleft, INK, width=left.w)
        if self.dossier:
            y = draw_text(surface, ui.fonts.get(ui.u(32)), f"Về hồ sơ {self.dossier}",
                          (left.x, y), MUTED, width=left.w)
        buttons = []
        chip_w = (left.w - gap) // 2
        for i, (code, label) in enumerate(KINDS):
            chip = pygame.Rect(left.x + i * (chip_w + gap), y + gap, chip_w, ui.u(80))
            chosen = code == self.kind
            draw_button(surface, ui.fonts, chip, label, size=ui.u(34),
                        fill=BRAND if chosen else TILE, ink=BRAND_INK if chosen else INK)
            buttons.append(Button(chip, lambda c=code: setattr(self, "kind", c), f"kind:{code}"))
        y += gap + ui.u(80) + gap
        topic_font = ui.fonts.get(ui.u(30), True)
        lines = max(len(wrap(topic_font, label, chip_w - 2 * max(16, ui.u(30) // 2)))
                    for _, label in TOPICS)
        tile_h = max(ui.u(76), lines * topic_font.get_linesize() + ui.u(12))
        for i, (code, label) in enumerate(TOPICS):
            tile = pygame.Rect(left.x + (i % 2) * (chip_w + gap), y + (i // 2) * (tile_h + gap),
                               chip_w, tile_h)
            chosen = code == self.topic
            draw_button(surface, ui.fonts, tile, label, size=ui.u(30),
                        fill=BRAND if chosen else TILE, ink=BRAND_INK if chosen else INK)
            buttons.append(Button(tile, lambda c=code: setattr(self, "topic", c),
                                  f"topic:{code}"))
        y += 4 * (tile_h + gap) + gap
        field_h = ui.u(80)
        if ui.portrait:
            text_rect = pygame.Rect(left.x, y, left.w, field_h)
            ticket_rect = text_rect.move(0, field_h + gap)
        else:  # side by side: a landscape screen has width to spare, not height
            text_rect = pygame.Rect(left.x, y, (left.w - gap) * 3 // 5, field_h)
            ticket_rect = pygame.Rect(text_rect.right + gap, y, left.right - text_rect.right
                                      - gap, field_h)
        buttons.append(self._field(ui, surface, text_rect, "Nội dung (không bắt buộc)…",
                                   self.text, "text"))
        buttons.append(self._field(ui, surface, ticket_rect,
                                   "Số thứ tự trên phiếu (nếu có)…" if ui.portrait
                                   else "Số thứ tự (nếu có)…", self.ticket, "ticket"))
        y = ticket_rect.bottom + gap
        if self.contact_name:
            label = f"Họ tên (từ thẻ căn cước): {self.contact_name}"
            drop = pygame.Rect(left.right - ui.u(200), y, ui.u(200), ui.u(76))
            draw_text(surface, ui.fonts.get(ui.u(30)), label, (left.x, y + ui.u(6)), INK,
                      width=left.w - drop.w - gap)
            draw_button(surface, ui.fonts, drop, "Bỏ tên", size=ui.u(30), fill=TILE, ink=INK)
            buttons.append(Button(drop, lambda: setattr(self, "contact_name", ""),
                                  "drop_name"))
            y += ui.u(76) + gap
        if self.problem:
            y = draw_text(surface, ui.fonts.get(ui.u(32), True), self.problem, (left.x, y),
                          LATE, width=left.w) + gap
        send = pygame.Rect(left.x, y, left.w, ui.u(96))
        draw_button(surface, ui.fonts, send, "Gửi góp ý", size=ui.u(40))
        buttons.append(Button(send, lambda: ui.start_feedback(self), "send"))
        return buttons + ui.keyboard(surface, kb, lambda k: self.key(k, ui),
                                     vietnamese=self.focus == "text")


class FeedbackResult:
    name = "feedback_result"

    def __init__(self, outcome: dict | None = None, *, waiting=False, offline=False,
                 error: str = ""):
        self.outcome = outcome or {}
        self.waiting, self.offline, self.error = waiting, offline, error

    def draw(self, ui, surface, area):
        title = ui.fonts.get(ui.u(44), True)
        body = ui.fonts.get(ui.u(38))
        if self.waiting:
            draw_text(surface, body, "Đang gửi góp ý, xin chờ trong giây lát…", area.topleft,
                      MUTED, width=area.w)
            return []
        if self.offline or self.error:
            text = self.error or ("Chưa kết nối được máy chủ trung tâm nên chưa gửi được góp "
                                  "ý. Xin thử lại sau hoặc gửi tại quầy hướng dẫn.")
            draw_text(surface, body, text, area.topleft, LATE, width=area.w)
            return []
        o = self.outcome
        y = draw_text(surface, title, "Cảm ơn bạn đã góp ý!", area.topleft, OK, width=area.w)
        due = clock.show(o["due_at"], fmt="%d/%m/%Y") if o.get("due_at") else ""
        y = draw_text(surface, body, f"Mã góp ý: {o.get('code', '')}", (area.x, y + ui.u(20)),
                      INK, width=area.w)
        draw_text(surface, body, f"Trung tâm sẽ trả lời chậm nhất ngày {due}. Câu trả lời "
                  "được đăng trên trang Góp ý của Trung tâm, tra cứu theo mã trên.",
                  (area.x, y + ui.u(10)), MUTED, width=area.w)
        return []
