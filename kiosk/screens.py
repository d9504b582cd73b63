"""The kiosk's screens. Each draws itself and returns its touch targets.

A screen is small: ``draw(ui, surface, area)`` paints inside ``area`` (below
the header) and returns the :class:`~kiosk.widgets.Button` list the UI hit-tests
against; ``scrollable`` screens also honour ``ui.scroll``.
"""

from __future__ import annotations

import pygame

from motcua import clock
from motcua.public_terms import (
    ASK_OFFICER,
    channel_notes,
    confirmed,
    fee_items,
    fee_line,
    public_details,
    source_phrase,
)
from motcua.search import note_for

from .widgets import (
    BG,
    BRAND,
    BRAND_INK,
    INK,
    MUTED,
    OK,
    TILE,
    Button,
    draw_button,
    draw_text,
    text_height,
    wrap,
)

UNITS = {"working_days": "ngày làm việc", "calendar_days": "ngày",
         "working_hours": "giờ làm việc", "same_day": "Trong ngày"}
CHANNELS = {"in_person": "Nộp trực tiếp", "online": "Nộp trực tuyến", "post": "Qua bưu chính"}
LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def time_limit(channel: dict) -> str:
    if channel.get("unit") == "same_day":
        return "Trong ngày"
    return f"{channel.get('time_limit')} {UNITS.get(channel.get('unit'), '')}"


def tiles(ui, surface, area, items, columns, on_tap, *, size, min_h=None):
    """A grid of large tiles: ``items`` are (label, sub, key)."""
    gap = ui.u(24)
    rows = max(1, -(-len(items) // columns))
    tile_w = (area.w - gap * (columns - 1)) // columns
    tile_h = max(min_h or ui.u(150), min(ui.u(260), (area.h - gap * (rows - 1)) // rows))
    # Large text: a tile grows to hold its longest label (never cut).
    font, small = ui.fonts.get(size, True), ui.fonts.get(max(18, int(size * 0.7)))
    pad = max(16, size // 2)
    for label, sub, _ in items:
        need = (len(wrap(font, label, tile_w - 2 * pad)) * font.get_linesize()
                + (small.get_linesize() if sub else 0) + ui.u(16))
        tile_h = max(tile_h, need)
    buttons = []
    for i, (label, sub, key) in enumerate(items):
        r, c = divmod(i, columns)
        rect = pygame.Rect(area.x + c * (tile_w + gap), area.y + r * (tile_h + gap) - ui.scroll,
                           tile_w, tile_h)
        if rect.bottom < area.y or rect.top > area.bottom:
            continue
        draw_button(surface, ui.fonts, rect, label, size=size, fill=TILE, ink=INK, sub=sub)
        visible = rect.clip(area)
        if visible.h >= 64:
            buttons.append(Button(visible, lambda k=key: on_tap(k), f"tile:{key}"))
    # Measured from the top of the scrolling area, so the last row can be reached.
    ui.content_height = (area.y - ui.content_area().y) + rows * (tile_h + gap)
    return buttons


class Attract:
    name = "attract"

    def draw(self, ui, surface, area):
        w, h = surface.get_size()
        surface.fill(BRAND)
        gap = ui.u(80) if ui.portrait else ui.u(40)
        y = h // 4 if ui.portrait else h // 10
        y = draw_text(surface, ui.fonts.get(ui.u(84), True), "Lấy số thứ tự, tra cứu thủ tục",
                      (ui.u(80), y), BRAND_INK, width=w - ui.u(160))
        y = draw_text(surface, ui.fonts.get(ui.u(48)), ui.center_name, (ui.u(80), y + ui.u(30)),
                      BRAND_INK, width=w - ui.u(160))
        box = pygame.Rect(ui.u(80), y + gap, w - ui.u(160), ui.u(200))
        pygame.draw.rect(surface, BRAND_INK, box, border_radius=24)
        label = ui.fonts.get(ui.u(56), True).render("Chạm vào màn hình để bắt đầu", True, BRAND)
        if label.get_width() > box.w - ui.u(40):
            label = ui.fonts.get(ui.u(44), True).render("Chạm vào màn hình để bắt đầu", True,
                                                         BRAND)
        surface.blit(label, label.get_rect(center=box.center))
        draw_text(surface, ui.fonts.get(ui.u(42)),
                  "Đưa thẻ căn cước (mặt có mã QR), hoặc mã vạch trên Giấy tiếp nhận hồ sơ, "
                  "vào trước camera.", (ui.u(80), box.bottom + gap), BRAND_INK,
                  width=w - ui.u(160))
        return [Button(pygame.Rect(0, 0, w, h), ui.go_home, "start")]


class Home:
    name = "home"
    scrollable = True

    def draw(self, ui, surface, area):
        # Issue 15: a complaint or suggestion, for everyone, in a few taps: a row of
        # its own in portrait, a third button beside the others in landscape (where
        # the department grid has no height to spare).
        # Issue 27: a queue number is what most visitors come for; it leads in portrait.
        gap = ui.u(24)
        if ui.portrait:
            ticket = pygame.Rect(area.x, area.y, area.w, ui.u(150))
            big = pygame.Rect(area.x, ticket.bottom + ui.u(20), (area.w - gap) // 2, ui.u(150))
            second = big.move(big.w + gap, 0)
            talk = pygame.Rect(area.x, big.bottom + ui.u(20), area.w, ui.u(100))
            book = None
            if ui.booking is not None:  # issue 26: booking a time shares the row
                book = pygame.Rect(area.x, talk.y, (area.w - gap) // 2, talk.h)
                talk = book.move(book.w + gap, 0)
            draw_button(surface, ui.fonts, talk, "Góp ý, phản ánh" if book else
                        "Góp ý, phản ánh, kiến nghị", size=ui.u(40), fill=TILE, ink=INK)
        else:
            w = (area.w - gap * 3) // 4
            ticket = pygame.Rect(area.x, area.y, w, ui.u(170))
            big, second = ticket.move(w + gap, 0), ticket.move(2 * (w + gap), 0)
            talk = ticket.move(3 * (w + gap), 0)
            book = None
            if ui.booking is not None:  # issue 26: the fourth place, halved
                half = (ticket.h - ui.u(10)) // 2
                book = pygame.Rect(talk.x, talk.y, w, half)
                talk = book.move(0, half + ui.u(10))
            draw_button(surface, ui.fonts, talk, "Góp ý, phản ánh",
                        size=ui.u(36 if book else 44), fill=TILE, ink=INK)
        if book is not None:
            draw_button(surface, ui.fonts, book, "Đặt lịch hẹn", size=ui.u(36 if not
                        ui.portrait else 40), fill=TILE, ink=INK)
        draw_button(surface, ui.fonts, ticket, "Lấy số thứ tự", size=ui.u(52), fill=OK)
        draw_button(surface, ui.fonts, big, "Tìm thủ tục", size=ui.u(46))
        draw_button(surface, ui.fonts, second, "Tra cứu hồ sơ", size=ui.u(46))
        buttons = [Button(ticket, ui.open_tickets, "tickets"),
                   Button(big, ui.open_search, "search"),
                   Button(second, ui.open_dossier, "dossier")]
        buttons.append(Button(talk, ui.open_feedback, "feedback"))
        if book is not None:
            buttons.append(Button(book, ui.open_booking, "booking"))
        y = draw_text(surface, ui.fonts.get(ui.u(40), True), "Thủ tục theo cơ quan",
                      (area.x, talk.bottom + ui.u(30)))
        grid = pygame.Rect(area.x, y + ui.u(10), area.w, area.bottom - y - ui.u(10))
        items = [(d["name"] or "Khác", f"{d['count']} thủ tục", d["code"])
                 for d in ui.catalog.departments()]
        if not items:
            draw_text(surface, ui.fonts.get(ui.u(40)), "Chưa có danh mục thủ tục. Máy đang "
                      "chờ đồng bộ với máy chủ trung tâm.", grid.topleft, MUTED, width=grid.w)
            return buttons
        surface.set_clip(grid)
        buttons += tiles(ui, surface, grid, items, ui.columns, ui.open_department,
                         size=ui.u(34), min_h=ui.u(150))
        surface.set_clip(None)
        return buttons


class Fields:
    name = "fields"
    scrollable = True

    def __init__(self, department: dict):
        self.department = department

    def draw(self, ui, surface, area):
        y = draw_text(surface, ui.fonts.get(ui.u(48), True), self.department["name"],
                      area.topleft, INK, width=area.w)
        grid = pygame.Rect(area.x, y + ui.u(16), area.w, area.bottom - y - ui.u(16))
        items = [(f["name"], f"{f['count']} thủ tục", f["name"])
                 for f in ui.catalog.fields(self.department["code"])]
        surface.set_clip(grid)
        buttons = tiles(ui, surface, grid, items, ui.columns, lambda field: ui.open_list(
            self.department, field), size=ui.u(36), min_h=ui.u(140))
        surface.set_clip(None)
        return buttons


def result_rows(ui, surface, area, rows, *, offset=0):
    """Procedures as full-width rows (name, then code and level); returns buttons."""
    font, small = ui.fonts.get(ui.u(38), True), ui.fonts.get(ui.u(30))
    y = area.y - offset
    buttons = []
    for p in rows:
        height = max(ui.u(110), text_height(font, p["name"], area.w - ui.u(48))
                     + small.get_linesize() + ui.u(30))
        rect = pygame.Rect(area.x, y, area.w, height)
        if rect.bottom > area.y and rect.top < area.bottom:
            pygame.draw.rect(surface, TILE, rect, border_radius=14)
            yy = draw_text(surface, font, p["name"], (rect.x + ui.u(24), rect.y + ui.u(14)),
                           INK, width=area.w - ui.u(48))
            meta = (f"Mã {p['code']} · " if p.get("code_confirmed") else "") \
                + LEVELS.get(p["level"], p["level"])
            surface.blit(small.render(meta, True, MUTED), (rect.x + ui.u(24), yy - ui.u(4)))
            visible = rect.clip(area)
            if visible.h >= 64:
                buttons.append(Button(visible, lambda c=p["code"]: ui.open_procedure(c),
                                      f"proc:{p['code']}"))
        y += height + ui.u(16)
    ui.content_height = (area.y - ui.content_area().y) + y + offset - area.y
    return buttons


class ProcedureList:
    name = "list"
    scrollable = True

    def __init__(self, department: dict, field: str):
        self.department, self.field = department, field

    def draw(self, ui, surface, area):
        y = draw_text(surface, ui.fonts.get(ui.u(44), True), self.field, area.topleft, INK,
                      width=area.w)
        box = pygame.Rect(area.x, y + ui.u(10), area.w, area.bottom - y - ui.u(10))
        rows = ui.catalog.procedures(self.department["code"], self.field)
        surface.set_clip(box)
        buttons = result_rows(ui, surface, box, rows, offset=ui.scroll)
        surface.set_clip(None)
        return buttons


class Procedure:
    name = "procedure"
    scrollable = True

    def __init__(self, proc: dict):
        self.proc = proc
        self._page: pygame.Surface | None = None

    def blocks(self, centre: str = "") -> list[tuple[str, str]]:
        """What the screen says, as (kind, text): title, meta, head, item
        (``centre``: the centre's name, see ``source_phrase``).

        A citizen sees only what the publishing decision confirms; the rest is
        "ask the officer", never a value nobody checked (motcua.public_terms).
        """
        day = clock.today()  # the fee items in force today, in Vietnam time
        d = public_details(self.proc["details"], day)
        blocks = [("title", self.proc["name"]),
                  # An unconfirmed code is for staff only, as every unconfirmed part.
                  ("meta", (f"Mã thủ tục: {self.proc['code']} · "
                            if confirmed(self.proc["details"], "code") else "")
                           + f"{LEVELS.get(self.proc['level'])} · Lĩnh vực: {self.proc['field']}"),
                  # Unconfirmed agencies are staff-only too: "ask", never a guess.
                  ("meta", "Cơ quan thực hiện: " + (", ".join(d["agencies"])
                                                    if d.get("agencies") else ASK_OFFICER))]
        source = source_phrase(self.proc["details"], centre)
        if source:
            blocks.append(("meta", source))
        blocks.append(("head", "Thời hạn giải quyết và phí, lệ phí"))
        channels = d.get("channels", [])
        if all("time_limit" not in c and "fees" not in c for c in channels):
            blocks.append(("item", f"{ASK_OFFICER} về thời hạn giải quyết và phí, lệ phí."))
            channels = []
        general, own = channel_notes(self.proc["details"])
        for c in channels:
            limit = time_limit(c) if "time_limit" in c else ASK_OFFICER.lower()
            if own.get(c["channel"]):
                limit += f" ({own[c['channel']]})"
            items = fee_items(c.get("fees", []), day) if "fees" in c else []
            if "fees" not in c:
                fees = f"phí, lệ phí: {ASK_OFFICER.lower()}"
            elif len(items) > 1:
                fees = "phí, lệ phí:"   # one line each below: a run of ten reads as a wall
            else:
                fees = fee_line(c.get("fees", []), day)
            blocks.append(("item", f"{CHANNELS.get(c['channel'], c['channel'])}: "
                                   f"{limit}; {fees}"))
            if len(items) > 1:
                blocks += [("sub", item) for item in items]
        if general:
            blocks.append(("item", f"Lưu ý: {general}"))
        blocks.append(("head", "Hồ sơ cần mang theo"))
        if "components" not in d:
            blocks.append(("item", f"{ASK_OFFICER}."))
        for comp in d.get("components", []):
            copies = []
            if comp.get("originals"):
                copies.append(f"{comp['originals']} bản chính")
            if comp.get("copies"):
                copies.append(f"{comp['copies']} bản sao")
            form = f" — {comp['form']}" if comp.get("form") else ""
            blocks.append(("item", f"{comp['name']} ({', '.join(copies) or 'xuất trình'})"
                                   f"{form}"))
        for key, title in (("conditions", "Điều kiện"), ("steps", "Các bước thực hiện"),
                           ("results", "Kết quả"), ("legal_basis", "Căn cứ pháp lý")):
            if d.get(key):
                blocks.append(("head", title))
                blocks += [("item", text) for text in d[key]]
        return blocks

    def _render(self, ui, width):
        blocks = self.blocks(ui.center_name)
        fonts = {"title": ui.fonts.get(ui.u(50), True), "meta": ui.fonts.get(ui.u(32)),
                 "head": ui.fonts.get(ui.u(40), True), "item": ui.fonts.get(ui.u(36))}
        fonts["sub"] = ui.fonts.get(ui.u(32))
        spacing = {"title": ui.u(16), "meta": ui.u(6), "head": ui.u(34), "item": ui.u(10),
                   "sub": ui.u(6)}
        wraps = {k: width - ui.u(40) for k in fonts} | {"sub": width - ui.u(76)}
        height = sum(text_height(fonts[k], t, wraps[k]) + spacing[k] for k, t in blocks)
        page = pygame.Surface((width, height + ui.u(40)))
        page.fill(BG)
        y = 0
        for kind, text in blocks:
            y += spacing[kind] if kind == "head" else 0
            if kind == "item":
                pygame.draw.circle(page, BRAND, (ui.u(12), y + fonts[kind].get_linesize() // 2),
                                   ui.u(7))
                y = draw_text(page, fonts[kind], text, (ui.u(36), y), INK, width=width - ui.u(40))
            elif kind == "sub":   # a fee item under its channel: a dash, further in
                pygame.draw.line(page, BRAND, (ui.u(44), y + fonts[kind].get_linesize() // 2),
                                 (ui.u(58), y + fonts[kind].get_linesize() // 2), ui.u(3))
                y = draw_text(page, fonts[kind], text, (ui.u(72), y), INK, width=wraps[kind])
            else:
                color = MUTED if kind == "meta" else (BRAND if kind == "head" else INK)
                y = draw_text(page, fonts[kind], text, (0, y), color, width=width - ui.u(40))
            y += spacing[kind] if kind != "head" else 0
        return page

    def draw(self, ui, surface, area):
        # Issue 27: the ticket for this procedure's service, one tap from reading it.
        take = pygame.Rect(area.x, area.y, area.w, ui.u(100))
        draw_button(surface, ui.fonts, take, "Lấy số thứ tự cho thủ tục này", size=ui.u(40),
                    fill=OK)
        page = pygame.Rect(area.x, take.bottom + ui.u(20), area.w, area.bottom - take.bottom
                           - ui.u(20))
        if self._page is None or self._page.get_width() != area.w:
            self._page = self._render(ui, area.w)
        ui.content_height = self._page.get_height() + take.h + ui.u(20)
        surface.blit(self._page, page.topleft, pygame.Rect(0, ui.scroll, page.w, page.h))
        return [Button(take, lambda: ui.open_tickets(self.proc), "ticket_for_procedure")]


TYPING_HINTS = {
    "telex": "Gõ có dấu kiểu Telex như trên điện thoại: aa → â, aw → ă, ow → ơ, uw → ư, "
             "dd → đ; s f r x j → sắc, huyền, hỏi, ngã, nặng. Bấm “Gõ: Telex” để đổi.",
    "vni": "Gõ có dấu kiểu VNI: a6 → â, a8 → ă, o7 → ơ, u7 → ư, d9 → đ; 1 2 3 4 5 → sắc, "
           "huyền, hỏi, ngã, nặng. Bấm “Gõ: VNI” để đổi.",
    "plain": "Gõ không dấu: chữ gõ sao hiện vậy; tìm kiếm không cần dấu.",
}
SEARCH_LEVELS = [("", "Mọi cấp"), ("province", "Cấp tỉnh"), ("commune", "Cấp xã")]


class Search:
    name = "search"

    def __init__(self):
        self.text = ""
        self.level = ""

    def choose_level(self, ui, level):
        self.level = level
        ui.scroll = 0

    def key(self, ui, key):
        if key == "BACKSPACE":
            self.text = self.text[:-1]
        elif key == "CLEAR":
            self.text = ""
        elif len(self.text) < 60:
            self.text = ui.type_into(self.text, key.lower())
        ui.scroll = 0

    def draw(self, ui, surface, area):
        field = pygame.Rect(area.x, area.y, area.w, ui.u(110))
        pygame.draw.rect(surface, BG, field, border_radius=14)
        pygame.draw.rect(surface, BRAND, field, width=4, border_radius=14)
        font = ui.fonts.get(ui.u(48))
        shown = self.text + "|" if self.text else "Gõ tên thủ tục, có dấu hay không đều được…"
        surface.blit(font.render(shown, True, INK if self.text else MUTED),
                     (field.x + ui.u(24), field.centery - font.get_linesize() // 2))
        kb, left = keyboard_area(ui, area, field.bottom + ui.u(30))
        buttons = []
        gap = ui.u(16)
        chip_w = (left.w - gap * (len(SEARCH_LEVELS) - 1)) // len(SEARCH_LEVELS)
        for i, (level, label) in enumerate(SEARCH_LEVELS):
            chip = pygame.Rect(left.x + i * (chip_w + gap), field.bottom + ui.u(20), chip_w,
                               ui.u(84))
            chosen = level == self.level
            draw_button(surface, ui.fonts, chip, label, size=ui.u(34),
                        fill=BRAND if chosen else TILE, ink=BRAND_INK if chosen else INK)
            buttons.append(Button(chip, lambda v=level: self.choose_level(ui, v),
                                  f"level:{level or 'all'}"))
        top = field.bottom + ui.u(20) + ui.u(84) + ui.u(20)
        results = pygame.Rect(left.x, top, left.w, left.bottom - top)
        old = ui.catalog.withdrawn(self.text) if self.text.strip() else None
        if old:
            # A code from an old paper or receipt: say it is withdrawn, by which text, and
            # offer what replaced it, as the public page does (docs/catalog.md).
            said = (f"Thủ tục mã {old['code']} ({old['name']}) không còn áp dụng"
                    + (f" theo {old['line']}" if old["line"] else "") + ".")
            said += (" Thủ tục áp dụng thay thế:" if old["replacement"]
                     else f" {ASK_OFFICER} về thủ tục áp dụng thay thế.")
            y = draw_text(surface, ui.fonts.get(ui.u(36)), said, results.topleft, INK,
                          width=results.w)
            if old["replacement"]:
                below = pygame.Rect(results.x, y + ui.u(16), results.w,
                                    results.bottom - y - ui.u(16))
                buttons += result_rows(ui, surface, below, [old["replacement"]])
        elif self.text.strip():
            rows = ui.catalog.search(self.text, limit=20, level=self.level or None)
            area = results
            if note := note_for(self.text):  # a paper that no longer exists ("sổ hộ khẩu")
                y = draw_text(surface, ui.fonts.get(ui.u(34)), note, results.topleft, INK,
                              width=results.w)
                area = pygame.Rect(results.x, y + ui.u(16), results.w,
                                   max(0, results.bottom - y - ui.u(16)))
            if rows:
                surface.set_clip(area)
                buttons += result_rows(ui, surface, area, rows, offset=ui.scroll)
                surface.set_clip(None)
            else:
                draw_text(surface, ui.fonts.get(ui.u(40)), f"Không tìm thấy thủ tục nào cho "
                          f"“{self.text}”. Hãy thử ít chữ hơn hoặc tên gọi khác; nếu vẫn không "
                          "thấy, xin hỏi cán bộ hướng dẫn.", area.topleft, MUTED,
                          width=area.w)
        else:
            y = draw_text(surface, ui.fonts.get(ui.u(38)), "Ví dụ: khai sinh, ket hon, giay "
                          "phep lai xe, 1.001193", results.topleft, MUTED, width=results.w)
            draw_text(surface, ui.fonts.get(ui.u(32)), TYPING_HINTS[ui.input_mode],
                      (results.x, y + ui.u(20)), MUTED, width=results.w)
        # "." for a national code as printed ("1.001193"); without it the code is
        # found too (motcua.search.national_code).
        return buttons + ui.keyboard(surface, kb, lambda k: self.key(ui, k), extra=".")


def keyboard_area(ui, area: pygame.Rect, top: int) -> tuple[pygame.Rect, pygame.Rect]:
    """Where the keyboard goes and what is left: below in portrait, right in landscape."""
    if ui.portrait:
        kb_h = int(area.h * 0.36)
        kb = pygame.Rect(area.x, area.bottom - kb_h, area.w, kb_h)
        return kb, pygame.Rect(area.x, area.y, area.w, kb.top - area.y - ui.u(30))
    kb_w = int(area.w * (0.45 if ui.large_text else 0.55))  # large text needs the room
    kb = pygame.Rect(area.right - kb_w, top, kb_w, area.bottom - top)
    return kb, pygame.Rect(area.x, area.y, area.w - kb_w - ui.u(40), area.h)
