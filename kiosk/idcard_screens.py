"""After a scan of the citizen's ID card: what it does for them, in one place.

The card fills the session (:mod:`kiosk.session`); this screen greets the
holder by name and offers what the card makes quicker: a ticket (with the
elderly's priority when the date of birth qualifies), feedback with the name
filled in, the holder's own dossiers where the centre allows the look-up by
identity number, and whatever other actions the kiosk registers
(``ui.card_actions``: e.g. appointment check-in). "Xong" forgets it all.
"""

from __future__ import annotations

import pygame

from .widgets import (
    BRAND,
    INK,
    LATE,
    MUTED,
    OK,
    TILE,
    Button,
    button_height,
    draw_button,
    draw_note,
    draw_text,
)

PRIVACY_NOTE = ("Thông tin trên thẻ chỉ dùng cho việc bạn chọn dưới đây, không được lưu lại, "
                "và được xóa khi bạn bấm “Xong” hoặc rời máy.")


class IdCardWelcome:
    name = "idcard"

    def draw(self, ui, surface, area):
        card = ui.session.card
        if card is None:  # forgotten meanwhile
            return []
        y = draw_text(surface, ui.fonts.get(ui.u(40)), "Xin chào", area.topleft, MUTED,
                      width=area.w)
        y = draw_text(surface, ui.fonts.get(ui.u(56), True), card.name, (area.x, y), INK,
                      width=area.w)
        y = draw_text(surface, ui.fonts.get(ui.u(30)), PRIVACY_NOTE, (area.x, y + ui.u(10)),
                      MUTED, width=area.w)
        if ui.session.priority_reason:
            y = draw_note(surface, ui, ui.fonts.get(ui.u(36), True),
                          f"Bạn được ưu tiên khi lấy số: {ui.session.priority_reason}.",
                          area.x, y + ui.u(20), area.w)
        actions = [("Lấy số thứ tự", ui.open_tickets, "card:ticket", OK),
                   ("Góp ý, phản ánh", ui.open_feedback, "card:feedback", BRAND)]
        if ui.lookup_by_id is not None:
            actions.append(("Tra cứu hồ sơ của tôi", ui.start_lookup_by_id, "card:dossiers",
                            BRAND))
        actions += [(label, action, f"card:{key}", BRAND)
                    for key, label, action in ui.card_actions]
        actions.append(("Xong – xóa thông tin", ui.go_attract, "card:done", TILE))
        y += ui.u(30)
        buttons = []
        # Portrait: one under the other; landscape: three across (height is short there).
        columns = 1 if ui.portrait else 3
        gap = ui.u(20)
        w = (area.w - gap * (columns - 1)) // columns
        h = max([ui.u(120)] + [button_height(ui.fonts, a[0], w, size=ui.u(44))
                               for a in actions])
        for i, (label, action, name, fill) in enumerate(actions):
            r, c = divmod(i, columns)
            rect = pygame.Rect(area.x + c * (w + gap), y + r * (h + gap), w, h)
            draw_button(surface, ui.fonts, rect, label, size=ui.u(44), fill=fill,
                        **({"ink": INK} if fill == TILE else {}))
            buttons.append(Button(rect, action, name))
        return buttons


class ScanProblem:
    """A scan that could not be used, said plainly; nothing else changes."""

    name = "scan_problem"

    def __init__(self, message: str):
        self.message = message

    def draw(self, ui, surface, area):
        y = draw_text(surface, ui.fonts.get(ui.u(48), True), "Chưa đọc được mã",
                      area.topleft, LATE, width=area.w)
        draw_text(surface, ui.fonts.get(ui.u(40)), self.message, (area.x, y + ui.u(20)), INK,
                  width=area.w)
        return []
