"""The hall board drawn with pygame: what waiting citizens watch.

One frame is a pure function of a :class:`~display.model.BoardView` and the
time, so tests draw from a fixed clock and compare with golden images::

    renderer = BoardRenderer((1920, 1080))
    surface = pygame.Surface(renderer.size)
    renderer.draw(surface, model.view(), now)
    renderer.texts              # every text drawn in that frame, for tests

Layouts: landscape (1920×1080, 1280×720, or any 16:9-ish size, scaled) and
portrait (1080×1920). Text uses DejaVu Sans / Noto Sans (:mod:`motcua.fonts`),
which carry every Vietnamese letter; rendered texts are cached, so a frame is
mostly blits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pygame

from motcua import clock
from motcua.fonts import font_path

from .model import BLINK_SECONDS, BoardView

ZONE = ZoneInfo(clock.LOCAL_ZONE)
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]

BG = (12, 24, 48)
HEADER = (150, 18, 24)          # the red of public signage
PANEL = (24, 42, 78)
PANEL_LINE = (48, 72, 118)
WHITE = (255, 255, 255)
MUTED = (170, 186, 214)
YELLOW = (255, 214, 0)
DARK = (20, 20, 20)
GREEN = (72, 200, 110)
ORANGE = (255, 150, 40)
RED = (235, 64, 52)
OFFLINE = (200, 30, 30)

STATUS_NAMES = {"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng"}


def local(now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZONE)


def percent(rate) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


class BoardRenderer:
    """Draws a board of one size; keeps its fonts and rendered texts."""

    def __init__(self, size: tuple[int, int]):
        if not pygame.font.get_init():
            pygame.font.init()
        self.size = size
        self.width, self.height = size
        self.portrait = self.height > self.width
        self.u = min(size) / 1080  # one "unit" of a 1080-pixel-short-side screen
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: dict[tuple, pygame.Surface] = {}
        self._fits: dict[tuple, tuple[str, int]] = {}
        self.texts: list[str] = []
        self._base: pygame.Surface | None = None
        self._base_key = None
        self._base_texts: list[str] = []
        self._call_rect = (0, 0, 0, 0)

    # Text --------------------------------------------------------------------
    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        if key not in self._fonts:
            self._fonts[key] = pygame.font.Font(font_path(bold), size)
        return self._fonts[key]

    def fit(self, text: str, size: float, max_width: float, bold: bool = False
            ) -> tuple[str, int]:
        """The text and font size that fit ``max_width``: shrink to 70%, then cut with …"""
        key = (text, size, int(max_width), bold)
        if key not in self._fits:
            px = max(8, int(size * self.u))
            smallest = max(8, int(px * 0.7))
            while px > smallest and self.font(px, bold).size(text)[0] > max_width:
                px -= 1
            shown = text
            while shown and self.font(px, bold).size(shown)[0] > max_width:
                shown = shown[:-2].rstrip() + "…" if len(shown) > 2 else ""
            self._fits[key] = (shown, px)
        return self._fits[key]

    def text(self, surface, text: str, size: float, pos, colour=WHITE, bold=False,
             anchor="topleft", max_width: float | None = None) -> pygame.Rect:
        if max_width is not None:
            text, px = self.fit(text, size, max_width, bold)
        else:
            px = max(8, int(size * self.u))
        key = (text, px, bold, colour)
        rendered = self._texts.get(key)
        if rendered is None:
            if len(self._texts) > 4000:  # the clock makes new texts all day
                self._texts.clear()
            rendered = self._texts[key] = self.font(px, bold).render(text, True, colour)
        rect = rendered.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
        surface.blit(rendered, rect)
        self.texts.append(text)
        return rect

    def box(self, surface, colour, rect, radius: float = 12) -> None:
        pygame.draw.rect(surface, colour, pygame.Rect(*map(int, rect)),
                         border_radius=int(radius * self.u))

    # The frame ----------------------------------------------------------------
    def draw(self, surface: pygame.Surface, view: BoardView, now: dt.datetime) -> None:
        """Draw the whole board for ``view`` at ``now`` (UTC, aware).

        What only changes with the state is drawn once per state into a
        background layer; each frame blits it and draws the clock and the
        (blinking) newest call on top.
        """
        key = (view.source, view.version) if view.source else None
        if key is None or key != self._base_key:
            self._draw_base(view)
            self._base_key = key
        surface.blit(self._base, (0, 0))
        self.texts = list(self._base_texts)
        self._clock(surface, now)
        self._newest(surface, view, now, self._call_rect)

    def _draw_base(self, view: BoardView) -> None:
        if self._base is None:
            self._base = pygame.Surface(self.size)
        surface = self._base
        self.texts = []
        u, w, h = self.u, self.width, self.height
        surface.fill(BG)
        top = self._header(surface, view)
        if not view.online:
            top = self._offline(surface, view, top)
        margin = 24 * u
        foot_h = (330 if self.portrait else 190) * u
        body_bottom = h - foot_h - margin
        if self.portrait:
            self._call_rect = (margin, top + margin, w - 2 * margin, 330 * u)
            half = (w - 3 * margin) / 2
            lists_top = top + margin + 330 * u + margin
            self._recent(surface, view, (margin, lists_top, half, 560 * u))
            self._waiting(surface, view, (2 * margin + half, lists_top, half, 560 * u))
            counters_top = lists_top + 560 * u + margin
            self._counters(surface, view, (margin, counters_top, w - 2 * margin,
                                           body_bottom - counters_top), columns=3)
        else:
            left_w = w * 0.56 - 1.5 * margin
            right_x = left_w + 2 * margin
            right_w = w - right_x - margin
            self._call_rect = (margin, top + margin, left_w, 300 * u)
            call_bottom = top + margin + 300 * u
            self._recent(surface, view, (margin, call_bottom + margin, left_w,
                                         body_bottom - call_bottom - margin))
            counters_h = (body_bottom - top - margin) * 0.55
            self._counters(surface, view, (right_x, top + margin, right_w, counters_h),
                           columns=2)
            wait_top = top + margin + counters_h + margin
            self._waiting(surface, view, (right_x, wait_top, right_w, body_bottom - wait_top))
        self._departments(surface, view, (margin, h - foot_h - margin / 2, w - 2 * margin,
                                          foot_h))
        self._base_texts = self.texts

    def _header(self, surface, view: BoardView) -> float:
        u, w = self.u, self.width
        height = (150 if self.portrait else 110) * u
        self.box(surface, HEADER, (0, 0, w, height), 0)
        name = view.center_name or "Trung tâm Phục vụ hành chính công"
        if self.portrait:
            self.text(surface, name, 40, (w / 2, 18 * u), bold=True, anchor="midtop",
                      max_width=w - 48 * u)
        else:
            # DejaVu's digits are all one width: the clock never pushes the name.
            clock_w = self.font(max(8, int(54 * u)), True).size("00:00:00")[0]
            self.text(surface, name, 40, (28 * u, height / 2), bold=True, anchor="midleft",
                      max_width=w - 28 * u - clock_w - 70 * u)
        return height

    def _clock(self, surface, now: dt.datetime) -> None:
        u, w = self.u, self.width
        moment = local(now)
        clock_text = moment.strftime("%H:%M:%S")
        date_text = f"{WEEKDAYS[moment.weekday()]}, {moment.strftime('%d/%m/%Y')}"
        if self.portrait:
            self.text(surface, f"{clock_text}  ·  {date_text}", 36, (w / 2, 86 * u),
                      colour=YELLOW, anchor="midtop")
        else:
            clock_rect = self.text(surface, clock_text, 54, (w - 28 * u, 8 * u), bold=True,
                                   colour=YELLOW, anchor="topright")
            self.text(surface, date_text, 24, (w - 28 * u, clock_rect.bottom), anchor="topright")

    def _offline(self, surface, view: BoardView, top: float) -> float:
        u, w = self.u, self.width
        height = 64 * u
        self.box(surface, OFFLINE, (0, top, w, height), 0)
        since = ""
        if view.offline_since is not None:
            since = f" từ {local(view.offline_since).strftime('%H:%M')}"
        self.text(surface, f"MẤT KẾT NỐI{since} — bảng số dừng ở lần cập nhật cuối",
                  32, (w / 2, top + height / 2), bold=True, anchor="center",
                  max_width=w - 40 * u)
        return top + height

    def _newest(self, surface, view: BoardView, now: dt.datetime, rect) -> None:
        x, y, w, h = rect
        u = self.u
        call = view.newest
        fresh = (call is not None and view.newest_since is not None
                 and (now - view.newest_since).total_seconds() < BLINK_SECONDS)
        lit = fresh and int(now.timestamp() * 2) % 2 == 0
        self.box(surface, YELLOW if lit else PANEL, rect, 18)
        ink, label = (DARK, DARK) if lit else (YELLOW, MUTED)
        self.text(surface, "MỜI CÔNG DÂN CÓ SỐ", 30, (x + 28 * u, y + 18 * u), colour=label,
                  bold=True)
        if call is None:
            self.text(surface, "Chưa có số được gọi", 60, (x + w / 2, y + h / 2 + 20 * u),
                      colour=MUTED, anchor="center")
            return
        line = f"{call['display']} → {call.get('counter_name') or 'Quầy ' + str(call['counter'])}"
        self.text(surface, line, 130, (x + w / 2, y + h / 2 + 6 * u), colour=ink, bold=True,
                  anchor="center", max_width=w - 40 * u)
        self.text(surface, call.get("service_name") or "", 30, (x + w / 2, y + h - 20 * u),
                  colour=DARK if lit else WHITE, anchor="midbottom", max_width=w - 40 * u)

    def _title(self, surface, text: str, x: float, y: float) -> float:
        rect = self.text(surface, text, 30, (x, y), colour=MUTED, bold=True)
        return rect.bottom + 8 * self.u

    def _recent(self, surface, view: BoardView, rect) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        row_y = self._title(surface, "CÁC SỐ VỪA GỌI", x + 24 * u, y + 16 * u)
        row_h = 62 * u
        for call in view.calls[1:]:
            if row_y + row_h > y + h - 8 * u:
                break
            pygame.draw.line(surface, PANEL_LINE, (x + 20 * u, row_y), (x + w - 20 * u, row_y),
                             max(1, int(2 * u)))
            mid = row_y + row_h / 2
            self.text(surface, call["display"], 46, (x + 28 * u, mid), bold=True,
                      anchor="midleft")
            self.text(surface, "→ " + (call.get("counter_name") or f"Quầy {call['counter']}"),
                      40, (x + w * 0.36, mid), colour=YELLOW, anchor="midleft",
                      max_width=w * 0.62 - 28 * u)
            row_y += row_h

    def _counters(self, surface, view: BoardView, rect, columns: int) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        top = self._title(surface, "CÁC QUẦY ĐANG PHỤC VỤ SỐ", x + 24 * u, y + 16 * u)
        # Closed counters are left out: citizens look for where to go.
        counters = [c for c in view.counters if c["status"] != "closed"]
        if not counters:
            self.text(surface, "Chưa có quầy nào mở", 36, (x + w / 2, top + 40 * u),
                      colour=MUTED, anchor="midtop")
            return
        gap = 12 * u
        fit_rows = max(1, int((y + h - top - 16 * u + gap) // (64 * u + gap)))
        columns = max(columns, -(-len(counters) // fit_rows))
        rows = -(-len(counters) // columns)
        cell_w = (w - 2 * 20 * u - (columns - 1) * gap) / columns
        cell_h = min(110 * u, (y + h - top - 16 * u - (rows - 1) * gap) / rows)
        for i, counter in enumerate(counters):
            cx = x + 20 * u + (i % columns) * (cell_w + gap)
            cy = top + (i // columns) * (cell_h + gap)
            self.box(surface, BG, (cx, cy, cell_w, cell_h), 12)
            size = min(48, cell_h / u * 0.55)
            self.text(surface, counter["name"] or f"Quầy {counter['counter']}", size * 0.8,
                      (cx + 16 * u, cy + cell_h / 2), anchor="midleft",
                      max_width=cell_w * 0.5 - 16 * u)
            if counter["status"] != "open":
                label = counter["status_name"] or STATUS_NAMES.get(counter["status"], "")
                self.text(surface, label, size * 0.7, (cx + cell_w - 16 * u, cy + cell_h / 2),
                          colour=MUTED, anchor="midright", max_width=cell_w * 0.5 - 24 * u)
            else:
                self.text(surface, counter["display"] or "—", size,
                          (cx + cell_w - 16 * u, cy + cell_h / 2), colour=YELLOW, bold=True,
                          anchor="midright", max_width=cell_w * 0.5 - 24 * u)

    def _waiting(self, surface, view: BoardView, rect) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        row_y = self._title(surface, "SỐ NGƯỜI ĐANG CHỜ", x + 24 * u, y + 16 * u)
        rows = list(view.waiting)
        if not rows:
            return
        room = y + h - row_y - 10 * u
        fit = max(1, int(room // (46 * u)))
        if len(rows) > fit:  # too many services for the panel: those with people first
            rows = [wt for wt in rows if wt["waiting"]] or rows
            rows = rows[:fit]
        row_h = min(58 * u, room / len(rows))
        size = row_h / u * 0.55
        for wt in rows:
            if row_y + row_h > y + h + 1:
                break
            mid = row_y + row_h / 2
            count = str(wt["waiting"])
            estimate = wt.get("estimate_min")
            right = x + w - 24 * u
            if estimate is not None and wt["waiting"]:
                # A range when the hub cannot trust one number (issue 25).
                low_high = wt.get("estimate_range")
                said = f"{low_high[0]}–{low_high[1]} phút" if low_high else f"~{estimate} phút"
                est = self.text(surface, said, size * 0.75, (right, mid),
                                colour=MUTED, anchor="midright")
                right = est.left - 16 * u
            num = self.text(surface, count, size * 1.1, (right, mid), colour=YELLOW, bold=True,
                            anchor="midright")
            self.text(surface, wt["name"], size * 0.85, (x + 24 * u, mid), anchor="midleft",
                      max_width=num.left - x - 48 * u)
            row_y += row_h

    def _departments(self, surface, view: BoardView, rect) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        title = "HỒ SƠ GIẢI QUYẾT ĐÚNG HẠN"
        if view.period:
            title += f" — {view.period}"
        top = self._title(surface, title, x + 24 * u, y + 12 * u)
        departments = view.departments
        if not departments:
            self.text(surface, "Chưa có số liệu", 30, (x + 24 * u, top + 10 * u), colour=MUTED)
            return
        per_row = 3 if self.portrait else min(6, len(departments))
        departments = departments[:6]  # the LED board scrolls through all of them
        rows = -(-len(departments) // per_row)
        gap = 12 * u
        cell_w = (w - 40 * u - (per_row - 1) * gap) / per_row
        cell_h = (y + h - top - 12 * u - (rows - 1) * gap) / rows
        for i, dep in enumerate(departments):
            cx = x + 20 * u + (i % per_row) * (cell_w + gap)
            cy = top + (i // per_row) * (cell_h + gap)
            self.box(surface, BG, (cx, cy, cell_w, cell_h), 12)
            rate = dep.get("on_time_rate")
            colour = MUTED if rate is None else GREEN if rate >= 0.95 else \
                ORANGE if rate >= 0.8 else RED
            self.text(surface, dep.get("name", ""), 24, (cx + 14 * u, cy + 10 * u),
                      max_width=cell_w - 28 * u)
            size = min(48, (cell_h / u - 40) * 0.75)
            rate_rect = self.text(surface, percent(rate), size, (cx + 14 * u, cy + cell_h - 8 * u),
                                  colour=colour, bold=True, anchor="bottomleft")
            overdue = int(dep.get("overdue") or 0)
            self.text(surface, f"quá hạn: {overdue}", 24,
                      (cx + cell_w - 14 * u, rate_rect.centery),
                      colour=RED if overdue else MUTED, bold=bool(overdue), anchor="midright",
                      max_width=cell_w - rate_rect.width - 42 * u)
