"""The hall board drawn with pygame: what waiting citizens watch.

One frame is a pure function of a :class:`~display.model.BoardView` and the
time, so tests draw from a fixed clock and compare with golden images::

    renderer = BoardRenderer((1920, 1080))
    surface = pygame.Surface(renderer.size)
    renderer.draw(surface, model.view(), now)
    renderer.texts              # every text drawn in that frame, for tests
    renderer.reports            # every text it had to cut (should be empty)
    renderer.inks               # where each text's ink fell, and renderer.boxes the
                                # panels and tiles: tests check nothing overlaps

Readable from across the hall (docs/display.md, :mod:`display.legibility`):
counter labels, their numbers and the newest call are never smaller than a
capital letter of 16′ at 8 m, everything else 16′ at 5 m. A text that does
not fit its box shrinks down to that size, no further; one that still does
not fit is cut with "…" and *reported* in :attr:`BoardRenderer.reports`
(the tests fail on any). What does not fit on one screen is paged, with the
page shown ("Trang 1/3"): the counters' grid (closed counters are left
out), and the strip at the bottom, which goes through the people waiting per
service (a service with nobody waiting only while a counter calls one of its
numbers) and then every department's on-time share, a page every
:data:`PAGE_SECONDS`.

Layouts: landscape (1920×1080, 1280×720, or any 16:9-ish size, scaled) and
portrait (1080×1920). Text uses DejaVu Sans / Noto Sans (:mod:`motcua.fonts`),
which carry every Vietnamese letter; rendered texts are cached, so a frame is
mostly blits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pygame

from motcua import clock, wording
from motcua.fonts import font_path

from .legibility import Legibility
from .model import BLINK_SECONDS, BoardView

ZONE = ZoneInfo(clock.LOCAL_ZONE)
# How long each page of the counters' grid and of the strip stays: long enough to
# find one's own line on a page and read its figures (a page has at most seven
# rows), short enough that the whole strip goes round in STRIP_CYCLE_SECONDS.
PAGE_SECONDS = 5.0
# The strip shows every service's queue (where anybody waits or is being called)
# and every department's on-time share
# at least once in this time (docs/display.md): it is given the height that
# takes, so a citizen who looks up finds their department within 40 s. The
# counters' grid gets the rest, keeping at least MIN_COUNTER_ROWS.
STRIP_CYCLE_SECONDS = 40.0
MIN_COUNTER_ROWS = {"landscape": 2, "portrait": 3}
# The strip's one row of the people waiting when no service has anybody waiting.
NOBODY_WAITING = "Hiện không có ai đang chờ"

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

COUNTERS_TITLES = ("CÁC QUẦY ĐANG PHỤC VỤ SỐ", "SỐ ĐANG PHỤC VỤ")
STATUS_NAMES = {"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng"}


def local(now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZONE)


def percent(rate, resolved=None) -> str:
    return wording.on_time_share(rate, resolved)


@dataclass(frozen=True)
class Cut:
    """A text the board could not show whole at its minimum size."""

    text: str
    shown: str
    px: int
    min_px: int
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} cut to {self.shown!r} at {self.px} px " \
               f"(minimum {self.min_px} px)"


def _chunks(items: list, size: int) -> list[list]:
    size = max(1, size)
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


class BoardRenderer:
    """Draws a board of one size; keeps its fonts and rendered texts."""

    def __init__(self, size: tuple[int, int], legibility: Legibility | None = None,
                 page_seconds: float = PAGE_SECONDS):
        if not pygame.font.get_init():
            pygame.font.init()
        self.size = size
        self.width, self.height = size
        self.portrait = self.height > self.width
        self.u = min(size) / 1080  # one "unit" of a 1080-pixel-short-side screen
        self.legibility = legibility or Legibility()
        self.min = {role: self.legibility.min_px(role, size) for role in ("far", "near")}
        self.page_seconds = page_seconds
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: dict[tuple, pygame.Surface] = {}
        self._fits: dict[tuple, tuple[str, int, Cut | None]] = {}
        self._wraps: dict[tuple, tuple[list[str], int, Cut | None]] = {}
        self.texts: list[str] = []
        self.sizes: list[tuple[str, int, str]] = []  # (text, font px, role) of this frame
        self.reports: list[Cut] = []
        # Where this frame's ink fell: each text's inked pixels, and the boxes
        # (header, panels, tiles) drawn under them; tests check that no two texts
        # overlap and no text crosses a box's edge or the screen's.
        self.inks: list[tuple[str, pygame.Rect]] = []
        self.boxes: list[pygame.Rect] = []
        self._inked: dict[tuple, pygame.Rect] = {}
        self.pages: dict[str, tuple[int, int]] = {}  # panel -> (page, of pages) now shown
        self._base: pygame.Surface | None = None
        self._base_key = None
        self._base_texts: list[str] = []
        self._base_sizes: list[tuple[str, int, str]] = []
        self._base_reports: list[Cut] = []
        self._base_inks: list[tuple[str, pygame.Rect]] = []
        self._base_boxes: list[pygame.Rect] = []
        self._call_rect = (0, 0, 0, 0)

    # Text --------------------------------------------------------------------
    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        if key not in self._fonts:
            self._fonts[key] = pygame.font.Font(font_path(bold), size)
        return self._fonts[key]

    def px(self, size: float, role: str = "near") -> int:
        """Pixels of a font of ``size`` units, never under the role's minimum."""
        return max(self.min[role], int(size * self.u))

    def line(self, size: float, role: str = "near", bold: bool = False) -> int:
        return self.font(self.px(size, role), bold).get_linesize()

    def fit(self, text: str, size: float, max_width: float, bold: bool = False,
            role: str = "near", where: str = "") -> tuple[str, int]:
        """The text and font size that fit ``max_width``: shrink down to the role's
        minimum; what still does not fit is cut with … and reported."""
        key = (text, size, int(max_width), bold, role)
        if key not in self._fits:
            px = self.px(size, role)
            smallest = self.min[role]
            while px > smallest and self.font(px, bold).size(text)[0] > max_width:
                px -= 1
            shown = text
            while shown and self.font(px, bold).size(shown)[0] > max_width:
                shown = shown[:-2].rstrip() + "…" if len(shown) > 2 else ""
            cut = None if shown == text else Cut(text, shown, px, smallest, where)
            self._fits[key] = (shown, px, cut)
        shown, px, cut = self._fits[key]
        if cut is not None:
            self.reports.append(cut)
        return shown, px

    def fits(self, text: str, size: float, max_width: float, bold: bool = False,
             role: str = "near") -> bool:
        """Whether :meth:`fit` would show ``text`` whole (shrunk at most to the role's
        minimum), without reporting anything."""
        px = min(self.px(size, role), self.min[role])
        return self.font(px, bold).size(text)[0] <= max_width

    def wrap(self, text: str, size: float, max_width: float, max_lines: int,
             bold: bool = False, role: str = "near", where: str = "") -> tuple[list[str], int]:
        """``text`` in at most ``max_lines`` lines no wider than ``max_width``, at the
        largest size from ``size`` down to the role's minimum; cut and reported
        when even that is not enough."""
        key = (text, size, int(max_width), max_lines, bold, role)
        if key not in self._wraps:
            smallest = self.min[role]
            px = self.px(size, role)
            while True:
                lines = self._wrap_at(text, self.font(px, bold), max_width)
                if (len(lines) <= max_lines and all(self.font(px, bold).size(ln)[0] <= max_width
                                                    for ln in lines)) or px <= smallest:
                    break
                px -= 1
            font = self.font(px, bold)
            cut = None
            if len(lines) > max_lines or any(font.size(ln)[0] > max_width for ln in lines):
                kept = lines[:max_lines]
                kept[-1] = " ".join([kept[-1], *lines[max_lines:]])
                shown = []
                for ln in kept:
                    while ln and font.size(ln)[0] > max_width:
                        ln = ln[:-2].rstrip() + "…" if len(ln) > 2 else ""
                    shown.append(ln)
                if len(lines) > max_lines and not shown[-1].endswith("…"):
                    shown[-1] = shown[-1][:-1].rstrip() + "…"
                cut = Cut(text, " / ".join(shown), px, smallest, where)
                lines = shown
            self._wraps[key] = (lines, px, cut)
        lines, px, cut = self._wraps[key]
        if cut is not None:
            self.reports.append(cut)
        return list(lines), px

    @staticmethod
    def _wrap_at(text: str, font: pygame.font.Font, max_width: float) -> list[str]:
        lines: list[str] = []
        line = ""
        for word in text.split():
            candidate = f"{line} {word}".strip()
            if not line or font.size(candidate)[0] <= max_width:
                line = candidate
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
        return lines or [""]

    def render(self, text: str, px: int, bold: bool, colour) -> pygame.Surface:
        key = (text, px, bold, colour)
        rendered = self._texts.get(key)
        if rendered is None:
            if len(self._texts) > 4000:  # the clock makes new texts all day
                self._texts.clear()
                self._inked.clear()
            rendered = self._texts[key] = self.font(px, bold).render(text, True, colour)
        return rendered

    def _ink(self, text: str, px: int, bold: bool, colour, rendered: pygame.Surface,
             topleft) -> None:
        key = (text, px, bold, colour)
        ink = self._inked.get(key)
        if ink is None:
            ink = self._inked[key] = rendered.get_bounding_rect()
        self.inks.append((text, ink.move(int(topleft[0]), int(topleft[1]))))

    def text(self, surface, text: str, size: float, pos, colour=WHITE, bold=False,
             anchor="topleft", max_width: float | None = None, role: str = "near",
             where: str = "") -> pygame.Rect:
        if max_width is not None:
            text, px = self.fit(text, size, max_width, bold, role, where or text)
        else:
            px = self.px(size, role)
        rendered = self.render(text, px, bold, colour)
        rect = rendered.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
        surface.blit(rendered, rect)
        self.texts.append(text)
        self.sizes.append((text, px, role))
        self._ink(text, px, bold, colour, rendered, rect.topleft)
        return rect

    def lines(self, surface, lines: list[str], px: int, x: float, y: float, colour=WHITE,
              bold=False, align="left", width: float = 0, role: str = "near") -> float:
        """Draw ``lines`` from ``y`` down; returns the bottom."""
        step = self.font(px, bold).get_linesize()
        for ln in lines:
            rendered = self.render(ln, px, bold, colour)
            left = x if align == "left" else x + (width - rendered.get_width()) / 2 \
                if align == "center" else x + width - rendered.get_width()
            surface.blit(rendered, (int(left), int(y)))
            self.texts.append(ln)
            self.sizes.append((ln, px, role))
            self._ink(ln, px, bold, colour, rendered, (left, y))
            y += step
        return y

    def box(self, surface, colour, rect, radius: float = 12) -> None:
        rect = pygame.Rect(*map(int, rect))
        pygame.draw.rect(surface, colour, rect, border_radius=int(radius * self.u))
        self.boxes.append(rect)

    # The frame ----------------------------------------------------------------
    def draw(self, surface: pygame.Surface, view: BoardView, now: dt.datetime) -> None:
        """Draw the whole board for ``view`` at ``now`` (UTC, aware).

        What only changes with the state (and the page shown) is drawn once
        into a background layer; each frame blits it and draws the clock and
        the (blinking) newest call on top.
        """
        tick = int(now.timestamp() // self.page_seconds)
        key = (view.source, view.version, tick) if view.source else None
        if key is None or key != self._base_key:
            self._draw_base(view, tick)
            self._base_key = key
        surface.blit(self._base, (0, 0))
        self.texts = list(self._base_texts)
        self.sizes = list(self._base_sizes)
        self.reports = list(self._base_reports)
        self.inks = list(self._base_inks)
        self.boxes = list(self._base_boxes)
        self._clock(surface, now)
        self._newest(surface, view, now, self._call_rect)

    def _draw_base(self, view: BoardView, tick: int) -> None:
        if self._base is None:
            self._base = pygame.Surface(self.size)
        surface = self._base
        self.texts = []
        self.sizes = []
        self.reports = []
        self.inks = []
        self.boxes = []
        u, w, h = self.u, self.width, self.height
        surface.fill(BG)
        top = self._header(surface, view)
        if not view.online:
            top = self._offline(surface, view, top)
        margin, gap = 24 * u, 16 * u
        near = self.line(51)
        if self.portrait:
            # Two lines for the service: the longest names do not fit one.
            call_h = self.line(51, bold=True) + self.line(130, "far", True) + 2 * near + 36 * u
        else:
            call_h = 24 * u + max(self.line(130, "far", True), 2 * near + self.line(51, bold=True))
        self._call_rect = (margin, top + gap, w - 2 * margin, call_h)
        middle = top + gap + call_h + gap
        bottom = h - 12 * u
        # The strip takes the height its full cycle needs (STRIP_CYCLE_SECONDS), the
        # counters' grid what is left, never fewer than MIN_COUNTER_ROWS rows.
        counters_min = self._counters_height(
            MIN_COUNTER_ROWS["portrait" if self.portrait else "landscape"])
        counters_w = w - 2 * margin if self.portrait else (w - 2 * margin - gap) * 0.72
        room = bottom - gap - middle
        strip_w = w - 2 * margin
        # What the counters do not need (all on one page) goes to the strip too.
        spare = room - max(counters_min, self._counters_wanted(
            view, counters_w, room - self._strip_plan(view, strip_w, room - counters_min)[0]))
        strip_h, plan = self._strip_plan(view, strip_w, room - counters_min, spare)
        strip_top = bottom - strip_h
        if self.portrait:
            # An upright screen is narrow: one counter a row, and the whole middle
            # for them (the grid shows every counter's number; no "last calls").
            self._counters(surface, view, (margin, middle, w - 2 * margin,
                                           strip_top - gap - middle), tick)
        else:
            self._counters(surface, view, (margin, middle, counters_w, strip_top - gap - middle),
                           tick)
            recent_x = margin + counters_w + gap
            self._recent(surface, view, (recent_x, middle, w - margin - recent_x,
                                         strip_top - gap - middle), columns=1)
        self._strip(surface, view, (margin, strip_top, strip_w, strip_h), plan, tick)
        self._base_texts = self.texts
        self._base_sizes = self.sizes
        self._base_reports = self.reports
        self._base_inks = self.inks
        self._base_boxes = self.boxes

    def _header(self, surface, view: BoardView) -> float:
        u, w = self.u, self.width
        name = view.center_name or "Trung tâm Phục vụ hành chính công"
        near = self.line(51, bold=True)
        if self.portrait:
            height = 2 * near + self.line(51) + 28 * u
            self.box(surface, HEADER, (0, 0, w, height), 0)
            lines, px = self.wrap(name, 51, w - 48 * u, 2, bold=True, where="tên trung tâm")
            self.lines(surface, lines, px, 24 * u, 10 * u, bold=True, align="center",
                       width=w - 48 * u)
        else:
            height = max(near, self.line(60, bold=True)) + 16 * u
            self.box(surface, HEADER, (0, 0, w, height), 0)
            room = w - 28 * u - self._clock_width() - 60 * u
            lines, px = self.wrap(name, 51, room, 2, bold=True, where="tên trung tâm")
            step = self.font(px, True).get_linesize()
            if len(lines) > 1:  # a long name: the header grows a line
                height = step * len(lines) + 16 * u
                self.box(surface, HEADER, (0, 0, w, height), 0)
            self.lines(surface, lines, px, 28 * u, (height - step * len(lines)) / 2, bold=True)
        return height

    def _clock_width(self) -> float:
        # DejaVu's digits are all one width: the clock never pushes the name.
        return self.font(self.px(60), True).size("00:00")[0]

    def _clock(self, surface, now: dt.datetime) -> None:
        u, w = self.u, self.width
        moment = local(now)
        # Hours and minutes, as the kiosk's header and the LED board show them: a
        # hall reads the time of day, and the board wakes once a minute for it.
        clock_text = moment.strftime("%H:%M")
        date_text = f"{wording.weekday(moment)}, {moment.strftime('%d/%m/%Y')}"
        if self.portrait:
            y = 10 * u + 2 * self.line(51, bold=True) + 4 * u
            self.text(surface, f"{clock_text}  ·  {date_text}", 51, (w / 2, y),
                      colour=YELLOW, anchor="midtop", max_width=w - 48 * u, where="đồng hồ")
        else:
            # Landscape has no room for the date at a size read from the hall:
            # the clock alone (portrait shows both).
            self.text(surface, clock_text, 60, (w - 28 * u, 8 * u), bold=True, colour=YELLOW,
                      anchor="topright")

    def _offline(self, surface, view: BoardView, top: float) -> float:
        u, w = self.u, self.width
        since = ""
        if view.offline_since is not None:
            since = f" từ {local(view.offline_since).strftime('%H:%M')}"
        lines, px = self.wrap(f"MẤT KẾT NỐI{since} — bảng số dừng ở lần cập nhật cuối", 51,
                              w - 40 * u, 2, bold=True, where="mất kết nối")
        height = len(lines) * self.font(px, True).get_linesize() + 16 * u
        self.box(surface, OFFLINE, (0, top, w, height), 0)
        self.lines(surface, lines, px, 20 * u, top + 8 * u, bold=True, align="center",
                   width=w - 40 * u)
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
        title = "MỜI CÔNG DÂN CÓ SỐ"
        if call is None:
            top = self.text(surface, title, 51, (x + 28 * u, y + 12 * u), colour=label,
                            bold=True, max_width=w - 56 * u, where="số mới gọi")
            self.text(surface, "Chưa có số được gọi", 81, (x + w / 2, (top.bottom + y + h) / 2),
                      colour=MUTED, anchor="center", max_width=w - 56 * u, role="far",
                      where="số mới gọi")
            return
        counter = call.get("counter_name") or f"Quầy {call['counter']}"
        line = f"{call['display']} → {counter}"
        service = call.get("service_name") or ""
        paper = DARK if lit else WHITE
        if self.portrait:
            top = self.text(surface, title, 51, (x + 28 * u, y + 12 * u), colour=label,
                            bold=True, max_width=w - 56 * u, where="số mới gọi")
            big = self.text(surface, line, 130, (x + w / 2, top.bottom), colour=ink,
                            bold=True, anchor="midtop", max_width=w - 56 * u, role="far",
                            where="số mới gọi")
            lines, px = self.wrap(service, 51, w - 56 * u, 2, where="dịch vụ của số mới gọi")
            self.lines(surface, lines, px, x + 28 * u, big.bottom, colour=paper,
                       align="center", width=w - 56 * u)
            return
        # Landscape: the number and counter big on the left; what is called and
        # its service on the right.
        # A long service name takes room from the big line (never under its
        # reading minimum) rather than being cut.
        font = self.font(self.px(51))
        big_size = 130.0
        while big_size > 81:
            px = self.px(big_size, "far")
            width = min(self.font(px, True).size(line)[0], w * 0.6)
            room = x + w - 28 * u - (x + 28 * u + width + 48 * u)
            wrapped = self._wrap_at(service, font, room)
            if len(wrapped) <= 2 and all(font.size(ln)[0] <= room for ln in wrapped):
                break
            big_size -= 7
        big = self.text(surface, line, big_size, (x + 28 * u, y + h / 2), colour=ink,
                        bold=True, anchor="midleft", max_width=w * 0.6, role="far",
                        where="số mới gọi")
        left = big.right + 48 * u
        room = x + w - 28 * u - left
        if self.font(self.px(51), True).size(title)[0] > room:
            title = "MỜI SỐ"
        top = self.text(surface, title, 51, (left, y + 14 * u), colour=label, bold=True,
                        max_width=room, where="số mới gọi")
        lines, px = self.wrap(service, 51, room, 2, where="dịch vụ của số mới gọi")
        self.lines(surface, lines, px, left, top.bottom + 2 * u, colour=paper)

    def _panel_title(self, surface, titles, rect, page: int = 0, pages: int = 1) -> float:
        """A panel's title (the first of ``titles`` that fits whole) and, when it
        pages, which page it shows; returns where its content starts."""
        x, y, w, _ = rect
        u = self.u
        titles = [titles] if isinstance(titles, str) else list(titles)
        marks = [f"Trang {page + 1}/{pages}", f"{page + 1}/{pages}"] if pages > 1 else [""]
        title_font, mark_font = self.font(self.px(51), True), self.font(self.px(51))
        room = w - 48 * u
        choice = (titles[-1], marks[-1])
        for mark in marks:
            fits = [t for t in titles if title_font.size(t)[0]
                    + (mark_font.size(mark)[0] + 24 * u if mark else 0) <= room]
            if fits:
                choice = (fits[0], mark)
                break
        title, mark = choice
        right = x + w - 24 * u
        if mark:
            shown = self.text(surface, mark, 51, (right, y + 10 * u), colour=YELLOW,
                              anchor="topright")
            right = shown.left - 24 * u
        rect = self.text(surface, title, 51, (x + 24 * u, y + 10 * u), colour=MUTED, bold=True,
                         max_width=right - x - 24 * u, where="tiêu đề")
        return rect.bottom + 6 * u

    def _recent(self, surface, view: BoardView, rect, columns: int) -> None:
        x, y, w, h = rect
        u = self.u
        row_h = self.line(51, bold=True) + 8 * u
        calls = list(view.calls[1:])
        if h < self.line(51, bold=True) + 16 * u + row_h:
            return  # no room for even one row on this screen: the grid says it all
        self.box(surface, PANEL, rect, 18)
        top = self._panel_title(surface, ("CÁC SỐ VỪA GỌI", "SỐ VỪA GỌI"), rect)
        rows = max(0, int((y + h - 8 * u - top) // row_h))
        col_w = (w - 20 * u) / columns
        for i, call in enumerate(calls[:rows * columns]):
            cx = x + 10 * u + (i // rows) * col_w
            ry = top + (i % rows) * row_h
            pygame.draw.line(surface, PANEL_LINE, (cx + 10 * u, ry), (cx + col_w - 10 * u, ry),
                             max(1, int(2 * u)))
            mid = ry + row_h / 2
            num = self.text(surface, call["display"], 51, (cx + 16 * u, mid), bold=True,
                            anchor="midleft", max_width=col_w * 0.45, where="số vừa gọi")
            self.text(surface, "→ " + (call.get("counter_name") or f"Quầy {call['counter']}"),
                      51, (cx + col_w - 16 * u, mid), colour=YELLOW, anchor="midright",
                      max_width=cx + col_w - 16 * u - num.right - 16 * u, where="số vừa gọi")

    def _tile_h(self) -> float:
        return self.font(self.px(81, "far"), True).get_linesize() + 6 * self.u

    def _counters_height(self, rows: int) -> float:
        """The counters' panel height that holds ``rows`` rows of tiles."""
        u = self.u
        pad, gap = 14 * u, 8 * u
        title_h = self.line(51, bold=True) + 16 * u
        return title_h + pad - gap + rows * (self._tile_h() + gap) + 1

    def _counter_columns(self, counters: list[dict], width: float) -> int:
        """How many tiles a row of the counters' panel ``width`` wide holds."""
        u = self.u
        far = self.px(81, "far")
        label_font, number_font = self.font(far), self.font(far, True)
        label_w = max((label_font.size(c["name"] or f"Quầy {c['counter']}")[0]
                       for c in counters), default=0)
        number_w = max((number_font.size(c["display"] or "—")[0] for c in counters
                        if c["status"] == "open"), default=0)
        # A paused counter's tile shows its state where the number goes: "Tạm dừng"
        # is wider than "—" or a short number (a morning before the first call, a
        # commune's "12"), and a wide screen, whose tiles are just as wide as
        # needed, cut it to "Tạm…" (3840×1080). The plain state always fits; a
        # longer "Tạm nghỉ đến 09:45" only where the tile has room.
        status_w = max((self.font(self.px(51)).size(STATUS_NAMES.get(c["status"], ""))[0]
                        for c in counters if c["status"] != "open"), default=0)
        number_w = max(number_w, status_w)
        pad, gap = 14 * u, 8 * u
        tile_w = label_w + number_w + 3 * pad
        return max(1, int((width - 2 * pad + gap) // (tile_w + gap)))

    def _counters_wanted(self, view: BoardView, width: float, most: float) -> float:
        """The counters' panel height its pages use, at most ``most``: every counter
        on one page if they fit, else the rows of the evenly filled pages."""
        counters = [c for c in view.counters if c["status"] != "closed"]
        columns = self._counter_columns(counters, width)
        rows = 1
        while self._counters_height(rows + 1) <= most:
            rows += 1
        pages = -(-len(counters) // (columns * rows))
        per_page = -(-len(counters) // max(1, pages))
        return self._counters_height(max(1, -(-per_page // columns)))

    def _counters(self, surface, view: BoardView, rect, tick: int) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        # Closed counters are left out: citizens look for where to go.
        counters = [c for c in view.counters if c["status"] != "closed"]
        if not counters:
            top = self._panel_title(surface, COUNTERS_TITLES, rect)
            self.text(surface, "Chưa có quầy nào mở", 51, (x + w / 2, top + 30 * u),
                      colour=MUTED, anchor="midtop", max_width=w - 48 * u)
            return
        far = self.px(81, "far")
        label_font = self.font(far)
        pad, gap = 14 * u, 8 * u
        tile_h = self._tile_h()
        title_h = self.line(51, bold=True) + 16 * u
        inner_w = w - 2 * pad
        columns = self._counter_columns(counters, w)
        rows = max(1, int((h - title_h - pad + gap) // (tile_h + gap)))
        # As many pages as needed, filled evenly (ten counters at six a page: five and five).
        per_page = columns * rows
        count = -(-len(counters) // per_page)
        pages = _chunks(counters, -(-len(counters) // count))
        page = tick % len(pages)
        self.pages["counters"] = (page, len(pages))
        top = self._panel_title(surface, COUNTERS_TITLES, rect, page, len(pages))
        cell_w = (inner_w - (columns - 1) * gap) / columns
        for i, counter in enumerate(pages[page]):
            cx = x + pad + (i % columns) * (cell_w + gap)
            cy = top + (i // columns) * (tile_h + gap)
            self.box(surface, BG, (cx, cy, cell_w, tile_h), 12)
            mid = cy + tile_h / 2
            name = counter["name"] or f"Quầy {counter['counter']}"
            if counter["status"] != "open":
                status = counter["status_name"] or STATUS_NAMES.get(counter["status"], "")
                room = cell_w - label_font.size(name)[0] - 3 * pad
                if not self.fits(status, 51, room):
                    # "Tạm nghỉ đến 09:45" where it fits, else the plain "Tạm dừng".
                    status = STATUS_NAMES.get(counter["status"], status)
                shown = self.text(surface, status, 51, (cx + cell_w - pad, mid), colour=MUTED,
                                  anchor="midright", max_width=room, where="trạng thái quầy")
            else:
                shown = self.text(surface, counter["display"] or "—", 81,
                                  (cx + cell_w - pad, mid), colour=YELLOW, bold=True,
                                  anchor="midright", max_width=cell_w - 2 * pad, role="far",
                                  where="số của quầy")
            self.text(surface, name, 81, (cx + pad, mid), anchor="midleft", role="far",
                      max_width=shown.left - cx - 2 * pad, where="tên quầy")

    # The strip at the bottom: who waits per service, then every department, one
    # row each, in pages of rows. A row is the name on the left and two figures in
    # columns on the right (the number waiting and the wait; the on-time share and
    # the overdue count); a name too long for its room goes on its own line(s),
    # with the figures on the line under it.
    def _strip_rows(self, view: BoardView, width: float) -> list[dict]:
        u = self.u
        px = self.px(51)
        regular, bold = self.font(px), self.font(px, True)
        pad, colgap = 20 * u, 28 * u
        line = self.line(51, bold=True)
        rows = []
        # A service with nobody waiting is left out, an empty row a citizen reads for
        # nothing; unless a counter is calling one of its numbers now (its citizen may
        # still be on the way, and the line is shown to be empty).
        calling = {c.get("service_name") for c in view.calls if c.get("status") == "called"}
        shown = [wt for wt in view.waiting if wt.get("waiting") or wt["name"] in calling]
        if view.waiting and not shown:
            rows.append({"kind": "waiting", "name": NOBODY_WAITING, "first": ("", MUTED, True),
                         "second": ("", MUTED, False)})
        for wt in sorted(shown, key=lambda s: not s.get("waiting")):
            estimate, said = wt.get("estimate_min"), ""
            if estimate is not None and wt["waiting"]:
                # A range when the hub cannot trust one number (issue 25).
                low_high = wt.get("estimate_range")
                said = (f"chờ {low_high[0]}–{low_high[1]} phút" if low_high
                        else f"chờ khoảng {estimate} phút")
            rows.append({"kind": "waiting", "name": wt["name"],
                         "first": (f"{wording.count(wt['waiting'])} người", YELLOW, True),
                         "second": (said, MUTED, False)})
        for dep in view.departments:
            rate, resolved = dep.get("on_time_rate"), dep.get("resolved")
            nothing = rate is None or resolved == 0
            colour = MUTED if nothing else GREEN if rate >= 0.95 else ORANGE if rate >= 0.8 \
                else RED
            overdue = int(dep.get("overdue") or 0)
            rows.append({"kind": "departments", "name": dep.get("name", ""),
                         "first": (wording.on_time_share(rate, resolved), colour, True),
                         "second": (wording.overdue_in_progress(overdue),
                                    RED if overdue else MUTED, bool(overdue))})
        # Each kind's figures in two columns as wide as their widest text.
        columns = {}
        for kind in ("waiting", "departments"):
            mine = [r for r in rows if r["kind"] == kind]
            first = max((bold.size(r["first"][0])[0] for r in mine), default=0)
            second = max(((bold if r["second"][2] else regular).size(r["second"][0])[0]
                          for r in mine), default=0)
            name_w = width - 2 * pad - first - colgap - (second + colgap if second else 0)
            columns[kind] = (first, second, name_w)
        for r in rows:
            first, second, name_w = columns[r["kind"]]
            r["columns"] = (first, second)
            if name_w > width / 4 and regular.size(r["name"])[0] <= name_w:
                r["name_lines"], r["stacked"] = [r["name"]], False
                r["height"] = line + 8 * u
            else:
                lines = self._wrap_at(r["name"], regular, width - 2 * pad)
                r["name_lines"], r["stacked"] = lines, True
                r["height"] = (min(len(lines), 2) + 1) * line + 8 * u
        return rows

    def _strip_pages(self, rows: list[dict], room: float) -> list[list[dict]]:
        """Rows in pages no taller than ``room``, one kind a page, each kind's rows
        spread evenly over its pages."""
        pages: list[list[dict]] = []
        for kind in ("waiting", "departments"):
            mine = [r for r in rows if r["kind"] == kind]
            if not mine:
                continue
            # The fewest pages: filled in order, a row to the next page when the
            # page is full...
            greedy: list[list[dict]] = [[]]
            for r in mine:
                if greedy[-1] and sum(x["height"] for x in greedy[-1]) + r["height"] > room:
                    greedy.append([])
                greedy[-1].append(r)
            # ...then as many rows on each of them as the room allows (ten rows on
            # two pages: five and five, not seven and three).
            size = -(-len(mine) // len(greedy))
            even = [mine[i:i + size] for i in range(0, len(mine), size)]
            fits = len(even) == len(greedy) and all(
                sum(r["height"] for r in c) <= room for c in even)
            pages += even if fits else greedy
        return pages

    def _strip_plan(self, view: BoardView, width: float, most: float, spare: float = 0):
        """The strip's height and pages: the lowest height (in whole rows) whose pages
        go round in STRIP_CYCLE_SECONDS, at most ``most``; at least ``spare`` (what
        the counters do not need) when that is more, for fewer pages."""
        u = self.u
        rows = self._strip_rows(view, width)
        chrome = self.line(51, bold=True) + 16 * u + 12 * u  # the title and the padding
        line = self.line(51, bold=True) + 8 * u
        tallest = max((r["height"] for r in rows), default=line)
        height = chrome + max(2 * line, tallest)
        while True:
            pages = self._strip_pages(rows, height - chrome)
            if len(pages) * self.page_seconds <= STRIP_CYCLE_SECONDS or height + line > most:
                break
            height += line
        if spare > height:
            # Never taller than all rows need, nor than the room left.
            needed = chrome + max((sum(r["height"] for r in rows if r["kind"] == kind)
                                   for kind in ("waiting", "departments")), default=line)
            height = max(height, min(spare, needed, most))
            pages = self._strip_pages(rows, height - chrome)
        return height, pages

    def _strip(self, surface, view: BoardView, rect, plan: list[list[dict]],
               tick: int) -> None:
        x, y, w, h = rect
        u = self.u
        self.box(surface, PANEL, rect, 18)
        title = "HỒ SƠ GIẢI QUYẾT ĐÚNG HẠN"
        short = "HỒ SƠ ĐÚNG HẠN"
        titles = {"waiting": ("SỐ NGƯỜI ĐANG CHỜ",),
                  "departments": (f"{title} — {view.period}", title, f"{short} — {view.period}",
                                  short) if view.period else (title, short)}
        if not plan:
            self.pages["strip"] = (0, 1)
            top = self._panel_title(surface, titles["departments"], rect)
            self.text(surface, "Chưa có số liệu", 51, (x + 24 * u, top + 10 * u), colour=MUTED)
            return
        page = tick % len(plan)
        self.pages["strip"] = (page, len(plan))
        rows = plan[page]
        kind = rows[0]["kind"]
        same = [p for p in plan if p[0]["kind"] == kind]
        top = self._panel_title(surface, titles[kind], rect, same.index(rows), len(same))
        pad, colgap = 20 * u, 28 * u
        right = x + w - pad
        line = self.line(51, bold=True)
        for i, r in enumerate(rows):
            if i:
                pygame.draw.line(surface, PANEL_LINE, (x + pad, top), (right, top),
                                 max(1, int(2 * u)))
            first_w, second_w = r["columns"]
            first_right = right - (second_w + colgap if second_w else 0)
            y0 = top + 4 * u
            if r["stacked"]:
                lines, px = self.wrap(r["name"], 51, right - x - pad, 2,
                                      where="tên sở" if kind == "departments" else "dịch vụ")
                self.lines(surface, lines, px, x + pad, y0)
                y0 += len(lines) * line
            else:
                name_room = first_right - first_w - colgap - x - pad
                self.text(surface, r["name"], 51, (x + pad, y0), max_width=name_room,
                          where="tên sở" if kind == "departments" else "dịch vụ")
            mid = y0 + line / 2
            text, colour, bold = r["first"]
            if text:
                self.text(surface, text, 51, (first_right, mid), colour=colour, bold=True,
                          anchor="midright")
            text, colour, bold = r["second"]
            if text:
                self.text(surface, text, 51, (right, mid), colour=colour, bold=bold,
                          anchor="midright",
                          where="hồ sơ quá hạn" if kind == "departments" else "thời gian chờ")
            top += r["height"]


def board_pages(renderer: BoardRenderer, view: BoardView) -> int:
    """How many page turns show everything once (for tests and the README pictures)."""
    surface = pygame.Surface(renderer.size)
    renderer.draw(surface, view, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return max((n for _, n in renderer.pages.values()), default=1)
