"""The dossier screens: look-up by typed or scanned code, and the hub's answer.

A look-up needs the hub; when it cannot be reached the screen says so
plainly, while procedure search (local) keeps working.
"""

from __future__ import annotations

import pygame

from motcua import clock
from motcua.public_terms import ASK_OFFICER

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
    draw_code_field,
    draw_note,
    draw_text,
    edit_code,
    keyboard,
)


class Dossier:
    name = "dossier"

    def __init__(self):
        self.text = ""

    def key(self, ui, key):
        self.text = edit_code(self.text, key, 40)

    def draw(self, ui, surface, area):
        kb, area = keyboard_area(ui, area, area.y)
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), "Tra cứu tình trạng hồ sơ",
                      area.topleft, INK, width=area.w)
        y = draw_text(surface, ui.fonts.get(ui.u(36)), "Đưa mã vạch hoặc mã QR trên Giấy tiếp "
                      "nhận hồ sơ và hẹn trả kết quả vào trước camera, hoặc nhập mã hồ sơ.",
                      (area.x, y + ui.u(10)), MUTED, width=area.w)
        if not ui.hub_online():
            y = offline_note(ui, surface, pygame.Rect(area.x, y + ui.u(16), area.w, 0))
        field = draw_code_field(surface, ui, area.x, y + ui.u(20), area.w, self.text,
                                "Mã hồ sơ…")
        go = pygame.Rect(area.x, field.bottom + ui.u(24), area.w, ui.u(120))
        draw_button(surface, ui.fonts, go, "Tra cứu", size=ui.u(46))
        buttons = [Button(go, lambda: ui.start_lookup(self.text), "lookup")]
        return buttons + keyboard(surface, ui.fonts, kb, lambda k: self.key(ui, k), extra=".-")


def offline_note(ui, surface, where: pygame.Rect) -> int:
    text = ("Chưa kết nối được máy chủ trung tâm. Tra cứu hồ sơ cần kết nối với máy chủ; "
            "tìm thủ tục vẫn dùng được.")
    return draw_note(surface, ui, ui.fonts.get(ui.u(36), True), text, where.x, where.y,
                     where.w, ink=LATE, border=LATE)


class DossierResult:
    """The hub's answer, using the screen: status, dates, who has it, and what next.

    ``outcome`` is a ``dossier_lookup`` result, or a ``dossier_lookup_by_id`` one
    (``dossiers``: the card holder's dossiers, newest first), where each dossier
    is a tile and the first is shown in full.
    """

    name = "dossier_result"

    def __init__(self, code: str, outcome: dict | None = None, *, waiting=False,
                 offline=False, error: str = ""):
        self.code, self.outcome = code, outcome or {}
        self.waiting, self.offline, self.error = waiting, offline, error

    def draw(self, ui, surface, area):
        o = self.outcome
        mine = "dossiers" in o  # by the ID card: the holder's own dossiers
        title = (f"Hồ sơ {self.code}" if self.code else "Hồ sơ của bạn")
        y = draw_text(surface, ui.fonts.get(ui.u(48), True), title, area.topleft, INK,
                      width=area.w)
        body = ui.fonts.get(ui.u(42))
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
        if mine:
            dossiers = o.get("dossiers") or []
            if not dossiers:
                draw_text(surface, body, "Không có hồ sơ nào đứng tên người có thẻ căn cước "
                          "này tại Trung tâm. Nếu bạn nộp hồ sơ cho người khác, xin dùng mã "
                          "trên Giấy tiếp nhận hồ sơ.", (area.x, y), INK, width=area.w)
                return []
            o = dossiers[0]
            if len(dossiers) > 1:
                others = ", ".join(d["code"] for d in dossiers[1:])
                y = draw_text(surface, ui.fonts.get(ui.u(32)), f"Hồ sơ mới nhất; các hồ sơ "
                              f"khác: {others}", (area.x, y), MUTED, width=area.w) + ui.u(10)
        if not o.get("found"):
            draw_text(surface, body, "Không tìm thấy hồ sơ có mã này. Vui lòng kiểm tra lại "
                      "mã trên giấy hẹn hoặc hỏi cán bộ tại quầy.", (area.x, y), LATE,
                      width=area.w)
            return []
        if mine:
            y = draw_text(surface, ui.fonts.get(ui.u(40), True), f"Mã hồ sơ {o['code']}",
                          (area.x, y), INK, width=area.w) + ui.u(10)
        return self._dossier(ui, surface, pygame.Rect(area.x, y, area.w, area.bottom - y), o)

    def _dossier(self, ui, surface, area, o):
        """One dossier: portrait top to bottom; landscape status left, facts right."""
        late = bool(o.get("late"))
        gap = ui.u(36)
        if ui.portrait:
            left = right = area
        else:
            left = pygame.Rect(area.x, area.y, area.w * 9 // 20, area.h)
            right = pygame.Rect(left.right + ui.u(40), area.y, area.right - left.right
                                - ui.u(40), area.h)
        badge = pygame.Rect(left.x, left.y, left.w, ui.u(150))
        pygame.draw.rect(surface, LATE if late else OK, badge, border_radius=14)
        font = ui.fonts.get(ui.u(58), True)
        for size in (58, 48, 40):  # a long status name must fit its badge
            font = ui.fonts.get(ui.u(size), True)
            if font.size(o.get("status_name", ""))[0] <= badge.w - ui.u(40):
                break
        label = font.render(o.get("status_name", ""), True, BRAND_INK)
        surface.blit(label, label.get_rect(center=badge.center))
        lines = dossier_facts(o)
        label_font, value_font = ui.fonts.get(ui.u(36)), ui.fonts.get(ui.u(46), True)
        y = badge.bottom + gap if ui.portrait else right.y
        for name, value in lines:
            surface.blit(label_font.render(name, True, MUTED), (right.x, y))
            y += label_font.get_linesize()
            color = (LATE if late else OK) if name == "Tiến độ" else INK
            y = draw_text(surface, value_font, value, (right.x, y), color, width=right.w)
            pygame.draw.line(surface, LINE, (right.x, y + ui.u(6)), (right.right, y + ui.u(6)),
                             2)
            y += ui.u(24)
        y = y + ui.u(12) if ui.portrait else badge.bottom + gap
        advice = ADVICE_LATE if late else supplement_advice(o) or ADVICE.get(
            o.get("status"), ADVICE_ON_TIME)
        y = draw_note(surface, ui, ui.fonts.get(ui.u(36)), advice, left.x, y, left.w,
                      fill=WARN_BG if late else CALM_BG)
        complain = pygame.Rect(left.x, y + ui.u(24), left.w, ui.u(110))
        draw_button(surface, ui.fonts, complain, "Gửi phản ánh về hồ sơ này", size=ui.u(40),
                    fill=LATE if late else BRAND)
        return [Button(complain, lambda: ui.open_feedback(dossier=o["code"]),
                       "feedback_dossier")]


CALM_BG = (235, 246, 238)
ADVICE_ON_TIME = ("Hồ sơ đang được giải quyết trong thời hạn. Kết quả trả theo ngày hẹn trên "
                  "Giấy tiếp nhận; Trung tâm báo tin khi có kết quả.")
ADVICE_LATE = ("Hồ sơ đã quá ngày hẹn trả kết quả. Bạn có thể hỏi quầy hướng dẫn về lý do và "
               "ngày hẹn mới, hoặc gửi phản ánh ngay tại đây.")
ADVICE = {
    5: "Hồ sơ cần bổ sung giấy tờ: xin xem thông báo của Trung tâm hoặc hỏi quầy tiếp nhận.",
    9: "Đã có kết quả: mời bạn đến quầy trả kết quả, mang theo Giấy tiếp nhận hồ sơ và "
       "giấy tờ tùy thân.",
    10: "Kết quả đã được trả. Cảm ơn bạn đã sử dụng dịch vụ.",
}


def dossier_facts(o: dict) -> list[tuple[str, str]]:
    """The (name, value) lines of a looked-up dossier, as the kiosk shows them."""
    late = bool(o.get("late"))
    due = clock.show(o["due_at"], fmt="%H:%M ngày %d/%m/%Y") if o.get("due_at") else (
        # Received, yet the hub sends no date: computed from a time limit nobody
        # confirmed (motcua.public_terms), the officer's to say.
        ASK_OFFICER if o.get("status") in (2, 4, 5, 6) else "—")
    received = (clock.show(o["received_at"], fmt="%H:%M ngày %d/%m/%Y")
                if o.get("received_at") else "—")
    # The hub says the progress (resolved: trước hạn, đúng hạn, quá hạn; refused or
    # withdrawn: nothing); an older hub does not, and late / on time is all there is.
    progress = o.get("progress", "Quá hạn" if late else "Trong hạn")
    handling = "Đơn vị đang xử lý" if o.get("status") in (2, 4, 5, 6) else "Đơn vị giải quyết"
    lines = [("Người nộp", o.get("applicant", "")), ("Ngày tiếp nhận", received),
             ("Hẹn trả kết quả", due), (handling, o.get("department", "")),
             ("Tiến độ", progress)]
    return [(name, value) for name, value in lines if value or name != "Tiến độ"]


SUPPLEMENT_CHARS = 140


def supplement_advice(o: dict) -> str:
    """What a dossier waiting for a supplement asks the citizen to bring (the officer's
    reason on form 02, from the hub's ``supplement``), in the advice box under the
    status; a long reason is cut (the box has room for a few lines) and says where the
    rest is. "" when there is none (not waiting, or an older hub)."""
    if o.get("status") != 5 or not o.get("supplement"):
        return ""
    return (f"Cần bổ sung: {_cut(str(o['supplement']).strip(), SUPPLEMENT_CHARS)} — Mang "
            "giấy tờ này và Giấy tiếp nhận hồ sơ đến quầy tiếp nhận.")


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "… (xem đủ trên phiếu yêu cầu bổ sung)"
