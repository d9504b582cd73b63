"""The kiosk's touch UI in pygame: navigation, scrolling, idle time-out, look-ups.

Portable between a 1080×1920 portrait and a 1920×1080 landscape screen; all
sizes scale from the short side. Inputs come in as pygame events (a touch
screen sends mouse events), time from injectable clocks, so tests drive it
with scripted touches and get the same pixels every run::

    ui = KioskUI((1080, 1920), replica, lookup=node.lookup_dossier,
                 center_name="Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa")
    ui.step(surface)            # handle pending events, time out, draw
    ui.tap(540, 960)            # what a finger does

``lookup(code)`` returns the hub's ``dossier_lookup`` result, raises
:class:`LookupOffline` when the hub cannot be reached, or :class:`LookupFailed`
with a message to show; it runs on a worker thread so the screen never freezes.
"""

from __future__ import annotations

import concurrent.futures
import re
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy
import pygame

from motcua import clock as motcua_clock

from . import (
    booking_screens,
    checkin_screens,
    dossier_screens,
    feedback_screens,
    idcard,
    idcard_screens,
    screens,
    ticket_screens,
    typing_vi,
)
from .hid import KeyStream
from .lookup import LookupFailed, LookupOffline
from .session import Session
from .widgets import (
    BG,
    BRAND,
    BRAND_INK,
    INK,
    LATE,
    TILE,
    Button,
    Fonts,
    draw_button,
    keyboard,
)

# Luật Người cao tuổi 39/2009/QH12, Điều 2: người cao tuổi là công dân Việt Nam từ đủ
# 60 tuổi trở lên (docs/kiosk.md). Configurable: KioskConfig.priority_age.
ELDERLY_AGE = 60
# A receipt's dossier code (e.g. 000.00.14.H56-261120-0118): letters, digits, . and -.
DOSSIER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{3,63}$")
UNKNOWN_CODE = ("Mã vừa quét không phải thẻ căn cước, cũng không phải mã trên Giấy tiếp nhận "
                "hồ sơ và hẹn trả kết quả.")

IDLE_SECONDS = 90
DEFAULT_INPUT_MODE = "telex"  # what most phones in Vietnam type with
HIGH_CONTRAST_INK = (255, 221, 0)   # yellow on black: the pairing low-vision readers ask for
HIGH_CONTRAST_BG = (0, 0, 0)


class KioskUI:
    def __init__(self, size: tuple[int, int], catalog, *, lookup: Callable[[str], dict]
                 | None = None, center_name: str = "", hub_online: Callable[[], bool]
                 = lambda: True, monotonic: Callable[[], float] = time.monotonic,
                 now=motcua_clock.now, idle_seconds: float = IDLE_SECONDS,
                 feedback: Callable[[dict], dict] | None = None,
                 services: Callable[[], list[dict]] = lambda: [],
                 take_ticket: Callable | None = None, has_printer: bool = False,
                 lookup_by_id: Callable[[str], dict] | None = None,
                 priority_age: int = ELDERLY_AGE, check_in: Callable | None = None,
                 booking: Callable[[str, dict], dict] | None = None):
        pygame.font.init()
        if not pygame.display.get_init():
            pygame.display.init()  # the event queue lives in the video subsystem
        self.size = size
        self.catalog = catalog
        self.lookup = lookup
        self.feedback = feedback  # sends request.feedback (issue 15)
        self.booking = booking  # asks request.appointment_* (issue 26): (name, data) -> result
        self._feedback_pending: concurrent.futures.Future | None = None
        self.center_name = center_name
        self.hub_online = hub_online
        self.monotonic = monotonic
        self.now = now
        self.idle_seconds = idle_seconds
        self.fonts = Fonts()
        self.stack: list = [screens.Attract()]
        self.scroll = 0
        self.content_height = 0
        self.buttons: list[Button] = []
        self.last_touch = monotonic()
        self._press: tuple[int, int] | None = None
        self._dragged = False
        self._pending: concurrent.futures.Future | None = None
        self._drawn: tuple | None = None
        self._drawn_at = float("-inf")
        # What wakes the node's loop when something is ready to show (Kiosk.wake):
        # a look-up's, feedback's, booking's or ticket's answer, a posted touch.
        self.wake: Callable[[], None] = lambda: None
        self._pool = _WakingPool(self)
        # Tickets (issue 27): the node's shared ticket worker answers on its own thread.
        self.services = services
        self.take_ticket = take_ticket
        self.check_in = check_in  # a booking's check-in (issue 26), same worker
        self.has_printer = has_printer
        self._ticket_pending = False
        self._ticket_done: list = []
        self.session = Session()
        self.on_ticket: Callable | None = None  # e.g. the node speaks the number
        # The ID card (issue 27): one scan, by camera or a USB scanner's key stream.
        self.keys = KeyStream(monotonic)
        self.lookup_by_id = lookup_by_id  # the holder's dossiers, where the centre allows
        self.priority_age = priority_age
        # Further uses of a scanned card, e.g. appointment check-in:
        # (key, Vietnamese label, action) tuples, shown on the card's screen.
        self.card_actions: list[tuple[str, str, Callable[[], None]]] = []
        # Vietnamese on the on-screen keyboard (issue 22): Telex, VNI or none.
        self.input_mode = DEFAULT_INPUT_MODE
        self.high_contrast = False
        self.keep_rects: list[pygame.Rect] = []

    # Layout ----------------------------------------------------------------
    @property
    def portrait(self) -> bool:
        return self.size[1] > self.size[0]

    @property
    def columns(self) -> int:
        return 2 if self.portrait else 4

    def u(self, n: float) -> int:
        """A length designed for a 1080-pixel short side, scaled to this screen."""
        return max(1, round(n * min(self.size) / 1080))

    @property
    def screen(self):
        return self.stack[-1]

    # Navigation --------------------------------------------------------------
    def push(self, screen) -> None:
        self.stack.append(screen)
        self.scroll = 0

    def back(self) -> None:
        if len(self.stack) > 2:
            self.stack.pop()
            self.scroll = 0
        else:
            self.go_home()

    def go_home(self) -> None:
        self.stack = [screens.Attract(), screens.Home()]
        self.scroll = 0

    def go_attract(self) -> None:
        """Back to the attract screen; the visit is over, so everything read is forgotten."""
        self.stack = [screens.Attract()]
        self.scroll = 0
        self.session.forget()
        self.keys.clear()
        self.input_mode = DEFAULT_INPUT_MODE
        # The next citizen starts with the usual screen: the choices were this one's.
        self.high_contrast = False
        if self.large_text:
            self.toggle_large_text()

    def open_tickets(self, procedure: dict | None = None) -> None:
        self.push(ticket_screens.TicketServices(procedure))

    # Tickets (issue 27) --------------------------------------------------------
    def start_ticket(self, service: str, priority: bool = False) -> None:
        """Take a ticket through the node's ticket worker; the number shows when it comes."""
        self.last_touch = self.monotonic()
        if self.take_ticket is None or self._ticket_pending:
            return  # one ticket at a time: a second tap while printing takes nothing
        self._ticket_pending = True
        self.push(ticket_screens.TicketResult(service, waiting=True))
        self.take_ticket(service, priority, self._ticket_answer)

    # A booking's check-in (issue 26) -----------------------------------------------
    def open_check_in(self) -> None:
        if self.screen.name in ("check_in", "check_in_result"):
            self.stack[-1] = checkin_screens.CheckIn()
        else:
            self.push(checkin_screens.CheckIn())

    def start_check_in(self, code: str) -> None:
        """Check a booking in through the node's ticket worker; the answer shows when it
        comes (a booked ticket, or why not with a walk-in ticket offered)."""
        code = code.strip()
        self.last_touch = self.monotonic()
        if not code or self.check_in is None or self._ticket_pending:
            return
        screen = checkin_screens.CheckInResult(waiting=True)
        if self.screen.name in ("check_in", "check_in_result", "scan_problem"):
            self.stack[-1] = screen
        else:
            if self.screen.name == "attract":
                self.go_home()
            self.push(screen)
        self._ticket_pending = True
        self.check_in(code, self._ticket_answer)

    def _ticket_answer(self, printed) -> None:
        """The ticket worker's answer (on its thread): shown at the next frame."""
        self._ticket_done.append(printed)
        self.wake()

    def _collect_ticket(self) -> None:
        if not self._ticket_done:
            return
        printed = self._ticket_done.pop(0)
        self._ticket_pending = False
        self.last_touch = self.monotonic()  # the citizen reads the number from now
        if self.screen.name == "check_in_result":
            self.stack[-1] = (ticket_screens.TicketResult(printed.service, printed)
                              if printed.ticket is not None
                              else checkin_screens.CheckInResult(printed))
        elif self.screen.name == "ticket_result":
            self.stack[-1] = ticket_screens.TicketResult(printed.service, printed)
        if printed.ticket is not None and self.on_ticket is not None:
            self.on_ticket(printed)

    def wait_ticket(self, timeout: float = 10.0) -> None:
        """Block until a pending ticket has been served (tests)."""
        deadline = time.monotonic() + timeout
        while self._ticket_pending and not self._ticket_done and time.monotonic() < deadline:
            time.sleep(0.01)
        self._collect_ticket()

    def open_search(self) -> None:
        self.push(screens.Search())

    def open_dossier(self) -> None:
        self.push(dossier_screens.Dossier())

    def open_feedback(self, dossier: str = "") -> None:
        form = feedback_screens.FeedbackForm()
        if dossier:  # from a dossier's status: the complaint is about it
            form.dossier, form.topic = dossier, "late"
        if self.session.card is not None:
            form.contact_name = self.session.card.name  # from the card; the citizen may remove it
        self.push(form)

    def open_booking(self) -> None:
        """Book an appointment (issue 26): the services that take bookings, from the hub."""
        self.push(booking_screens.Booking(self))

    def show_booking(self, result) -> None:
        if self.screen.name == "booking":
            self.stack[-1] = result

    def open_department(self, code: str) -> None:
        department = next(d for d in self.catalog.departments() if d["code"] == code)
        fields = self.catalog.fields(code)
        if len(fields) == 1:
            self.push(screens.ProcedureList(department, fields[0]["name"]))
        else:
            self.push(screens.Fields(department))

    def open_list(self, department: dict, field: str) -> None:
        self.push(screens.ProcedureList(department, field))

    def open_procedure(self, code: str) -> None:
        proc = self.catalog.get(code)
        if proc is not None:
            self.push(screens.Procedure(proc))

    # Typing ----------------------------------------------------------------------
    def type_into(self, text: str, key: str) -> str:
        """``text`` after a key of the on-screen keyboard, in the chosen typing mode."""
        return typing_vi.type_key(text, key, self.input_mode)

    def cycle_input_mode(self) -> None:
        modes = typing_vi.MODES
        self.input_mode = modes[(modes.index(self.input_mode) + 1) % len(modes)]
        self.last_touch = self.monotonic()

    def keyboard(self, surface, area, on_key, extra: str = "", vietnamese: bool = True):
        """The on-screen keyboard; with ``vietnamese``, its typing-mode key too."""
        return keyboard(surface, self.fonts, area, on_key, extra=extra,
                        mode=typing_vi.MODE_NAMES[self.input_mode],
                        on_mode=self.cycle_input_mode if vietnamese else None)

    # Scans: the ID card or a receipt, by camera or USB scanner -------------------
    def scanned(self, text: str) -> None:
        """A code was read: an ID card fills the session, a booking is checked in, a
        receipt's code is looked up."""
        text = text.strip()
        if not text:
            return
        self.last_touch = self.monotonic()
        if self.screen.name == "attract":
            self.go_home()
        if idcard.looks_like_id_card(text):
            try:
                card = idcard.parse(text, today=self.today())
            except idcard.NotAnIdCard as problem:
                self._show_scan(idcard_screens.ScanProblem(str(problem)))
                return
            self.use_card(card)
        elif checkin_screens.looks_like_booking(text):
            self.start_check_in(text)
        elif DOSSIER_CODE.match(text.upper()):
            self.start_lookup(text)
        else:
            self._show_scan(idcard_screens.ScanProblem(UNKNOWN_CODE))

    def today(self):
        return self.now().astimezone(ZoneInfo(motcua_clock.LOCAL_ZONE)).date()

    def use_card(self, card) -> None:
        """One scan fills what this visit needs: the name, the priority offered."""
        self.session.card = card
        today = self.today()
        self.session.priority_reason = (
            f"Người cao tuổi (từ đủ {self.priority_age} tuổi)"
            if idcard.priority_by_age(card, today, self.priority_age) else None)
        if self.screen.name == "feedback":
            self.screen.contact_name = card.name  # filled in, the citizen may remove it
            return
        self._show_scan(idcard_screens.IdCardWelcome())

    def _show_scan(self, screen) -> None:
        if self.screen.name in ("idcard", "scan_problem"):
            self.stack[-1] = screen
        else:
            self.push(screen)

    def start_lookup_by_id(self) -> None:
        """The card holder's latest dossier, by identity number (where the centre allows)."""
        card = self.session.card
        if card is None or self.lookup_by_id is None:
            return
        self.last_touch = self.monotonic()
        if not self.hub_online():
            self._show_result(dossier_screens.DossierResult("", offline=True))
            return
        self._show_result(dossier_screens.DossierResult("", waiting=True))
        self._pending = self._pool.submit(self.lookup_by_id, card.number)

    # Dossier look-up -----------------------------------------------------------
    def start_lookup(self, code: str) -> None:
        """Ask the hub about a dossier (typed or scanned); the answer shows when it comes."""
        code = code.strip().upper()
        if not code:
            return
        self.last_touch = self.monotonic()
        if self.lookup is None or not self.hub_online():
            self._show_result(dossier_screens.DossierResult(code, offline=True))
            return
        self._show_result(dossier_screens.DossierResult(code, waiting=True))
        self._pending = self._pool.submit(self.lookup, code)

    def _show_result(self, result) -> None:
        if self.screen.name == "dossier_result":
            self.stack[-1] = result
        else:
            if self.screen.name == "attract":
                self.go_home()
            self.push(result)

    def _collect_lookup(self) -> None:
        if self._pending is None or not self._pending.done():
            return
        code = self.screen.code if self.screen.name == "dossier_result" else ""
        future, self._pending = self._pending, None
        try:
            result = dossier_screens.DossierResult(code, future.result())
        except LookupOffline:
            result = dossier_screens.DossierResult(code, offline=True)
        except LookupFailed as failure:
            result = dossier_screens.DossierResult(code, error=str(failure))
        except Exception:
            result = dossier_screens.DossierResult(
                code, error="Không tra cứu được hồ sơ lúc này. Vui lòng hỏi cán bộ tại quầy.")
        if self.screen.name == "dossier_result":
            self.stack[-1] = result

    # Feedback (issue 15) ---------------------------------------------------------
    def start_feedback(self, form) -> None:
        """Send the form's complaint or suggestion to the hub on the worker thread."""
        self.last_touch = self.monotonic()
        data = form.payload()
        if data is None:
            return  # the form shows what is missing
        if self.feedback is None or not self.hub_online():
            self.push(feedback_screens.FeedbackResult(offline=True))
            return
        self.push(feedback_screens.FeedbackResult(waiting=True))
        self._feedback_pending = self._pool.submit(self.feedback, data)

    def _collect_feedback(self) -> None:
        if self._feedback_pending is None or not self._feedback_pending.done():
            return
        future, self._feedback_pending = self._feedback_pending, None
        try:
            result = feedback_screens.FeedbackResult(future.result())
        except LookupOffline:
            result = feedback_screens.FeedbackResult(offline=True)
        except LookupFailed as failure:
            result = feedback_screens.FeedbackResult(error=str(failure))
        except Exception:
            result = feedback_screens.FeedbackResult(
                error="Chưa gửi được góp ý lúc này. Vui lòng gửi tại quầy hướng dẫn.")
        if self.screen.name == "feedback_result":
            self.stack[-1] = result

    def wait_feedback(self, timeout: float = 10.0) -> None:
        """Block until a pending feedback has been answered (tests)."""
        if self._feedback_pending is not None:
            concurrent.futures.wait([self._feedback_pending], timeout)
        self._collect_feedback()

    def wait_lookup(self, timeout: float = 10.0) -> None:
        """Block until a pending look-up has answered (tests, benchmarks)."""
        if self._pending is not None:
            concurrent.futures.wait([self._pending], timeout)
        self._collect_lookup()

    # Input ---------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.TEXTINPUT or (event.type == pygame.KEYDOWN and event.key in (
                pygame.K_RETURN, pygame.K_KP_ENTER)):
            scan = self.keys.feed(event.text if event.type == pygame.TEXTINPUT else "\n")
            if scan:
                self.scanned(scan)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.last_touch = self.monotonic()
            self._press, self._dragged = event.pos, False
        elif event.type == pygame.MOUSEMOTION and self._press and event.buttons[0]:
            dy = event.pos[1] - self._press[1]
            if abs(dy) > self.u(24) or self._dragged:
                self._dragged = True
                self._scroll_by(-dy)
                self._press = event.pos
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.last_touch = self.monotonic()
            if self._press and not self._dragged:
                self._tap(event.pos)
            self._press = None

    def tap(self, x: int, y: int) -> None:
        """Post a finger's press and release at (x, y) to pygame's queue."""
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1))
        self.wake()

    def _tap(self, pos) -> None:
        for button in reversed(self.buttons):
            if button.rect.collidepoint(pos):
                button.action()
                return

    def _scroll_by(self, dy: int) -> None:
        area = self.content_area()
        limit = max(0, self.content_height - area.h + self.u(40))
        self.scroll = max(0, min(limit, self.scroll + dy))

    def find(self, name: str) -> Button:
        """The on-screen button called ``name`` (tests tap it by name, like a person)."""
        for button in self.buttons:
            if button.name == name:
                return button
        raise LookupError(f"no button {name!r} on screen {self.screen.name}: "
                          f"{[b.name for b in self.buttons]}")

    def tap_button(self, name: str) -> None:
        self.tap(*self.find(name).rect.center)

    # Time ----------------------------------------------------------------------
    def tick(self) -> None:
        self._collect_lookup()
        self._collect_feedback()
        self._collect_ticket()
        poll = getattr(self.screen, "poll", None)  # a screen waiting on the hub (booking)
        if poll is not None:
            poll()
        if self.screen.name != "attract" and self._pending is None \
                and self._feedback_pending is None and not self._ticket_pending \
                and self.monotonic() - self.last_touch > self.idle_seconds:
            self.go_attract()

    def due_in(self) -> float | None:
        """Seconds until the screen changes by itself: the header's clock (minutes),
        the idle time-out, a screen that shows live figures (each second); None:
        nothing changes until a touch or an answer comes."""
        if self.screen.name == "attract":
            return None  # no clock, nothing that times out
        now = self.monotonic()
        waits = [motcua_clock.seconds_to_next(60, self.now()) + 0.01]
        if self._pending is None and self._feedback_pending is None \
                and not self._ticket_pending:  # an answer awaited holds the time-out
            waits.append(self.last_touch + self.idle_seconds - now + 0.01)
        if getattr(self.screen, "live", False):
            waits.append(self._drawn_at + 1.0 - now)
        return max(0.0, min(waits))

    # Drawing -------------------------------------------------------------------
    def header_height(self) -> int:
        return self.u(120)

    def nav_height(self) -> int:
        return self.u(110)

    def content_area(self) -> pygame.Rect:
        w, h = self.size
        pad = self.u(40)
        top = self.header_height() + self.nav_height() + pad
        bottom = h - pad - (self.u(100) if getattr(self.screen, "scrollable", False) else 0)
        return pygame.Rect(pad, top, w - 2 * pad, bottom - top)

    def draw(self, surface: pygame.Surface) -> None:
        self.keep_rects = []  # drawn as they are even in high contrast (a QR code)
        surface.fill(BG)
        if self.screen.name == "attract":
            self.buttons = self.screen.draw(self, surface, surface.get_rect())
            self.buttons += self._view_toggles(surface, pygame.Rect(
                self.u(80), self.size[1] - self.u(190), self.size[0] - self.u(160),
                self.u(110)), on_brand=True, size=36)
            self._contrast(surface)
            return
        w, h = self.size
        header = pygame.Rect(0, 0, w, self.header_height())
        pygame.draw.rect(surface, BRAND, header)
        # The header keeps its size in large-text mode: it is the same on every screen.
        font = self.fonts.get(self.u(34), True, fixed=True)
        surface.blit(font.render(self.center_name, True, BRAND_INK),
                     (self.u(40), header.centery - font.get_linesize() // 2 - self.u(18)))
        small = self.fonts.get(self.u(28), fixed=True)
        when = motcua_clock.show(self.now(), fmt="%H:%M  %d/%m/%Y")
        status = "Đã kết nối máy chủ" if self.hub_online() else "Mất kết nối máy chủ"
        line = small.render(f"{when}  ·  {status}", True, BRAND_INK)
        surface.blit(line, (self.u(40), header.centery + self.u(10)))
        if not self.hub_online():
            pygame.draw.circle(surface, LATE, (w - self.u(50), header.centery), self.u(16))
        buttons: list[Button] = []
        nav = pygame.Rect(self.u(40), header.bottom + self.u(20), w - self.u(80),
                          self.nav_height() - 10)
        if self.screen.name != "home":
            back = pygame.Rect(nav.x, nav.y, self.u(250), nav.h)
            home = pygame.Rect(back.right + self.u(20), nav.y, self.u(250), nav.h)
            draw_button(surface, self.fonts, back, "‹ Quay lại", size=self.u(36), fixed=True)
            draw_button(surface, self.fonts, home, "Trang chủ", size=self.u(36), fixed=True)
            buttons += [Button(back, self.back, "back"), Button(home, self.go_home, "home")]
        # Large text and high contrast, reachable from every screen (issue 27).
        toggles = pygame.Rect(nav.right - self.u(438), nav.y, self.u(438), nav.h)
        buttons += self._view_toggles(surface, toggles)
        area = self.content_area()
        buttons += self.screen.draw(self, surface, area)
        if getattr(self.screen, "scrollable", False) and self.content_height > area.h:
            up = pygame.Rect(area.x, area.bottom + self.u(16), (area.w - self.u(24)) // 2,
                             self.u(84))
            down = up.move(up.w + self.u(24), 0)
            draw_button(surface, self.fonts, up, "▲ Lên", size=self.u(36), fixed=True)
            draw_button(surface, self.fonts, down, "▼ Xuống", size=self.u(36), fixed=True)
            step = area.h * 2 // 3
            buttons += [Button(up, lambda: self._scroll_by(-step), "up"),
                        Button(down, lambda: self._scroll_by(step), "down")]
        self.buttons = buttons
        self._contrast(surface)

    # Seeing the screen (issue 27) ---------------------------------------------------
    LARGE_TEXT = 1.3

    @property
    def large_text(self) -> bool:
        return self.fonts.scale > 1.0

    def toggle_large_text(self) -> None:
        self.fonts.scale = 1.0 if self.large_text else self.LARGE_TEXT
        self.last_touch = self.monotonic()
        self.scroll = 0
        for screen in self.stack:  # pages drawn once at the old size are drawn again
            if hasattr(screen, "_page"):
                screen._page = None

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.last_touch = self.monotonic()

    def _view_toggles(self, surface, rect: pygame.Rect, on_brand: bool = False,
                      size: int = 26) -> list:
        gap = self.u(14)
        half = (rect.w - gap) // 2
        buttons = []
        for i, (label, on, action, name) in enumerate([
                ("Chữ lớn", self.large_text, self.toggle_large_text, "view:large"),
                ("Tương phản", self.high_contrast, self.toggle_high_contrast,
                 "view:contrast")]):
            r = pygame.Rect(rect.x + i * (half + gap), rect.y, half, rect.h)
            fill = (BRAND_INK if on_brand else BRAND) if on else (BRAND if on_brand else TILE)
            ink = (BRAND if on_brand else BRAND_INK) if on else (BRAND_INK if on_brand
                                                                 else INK)
            draw_button(surface, self.fonts, r, label, size=self.u(size), fill=fill, ink=ink,
                        fixed=True)
            if on_brand and not on:
                pygame.draw.rect(surface, BRAND_INK, r, width=3, border_radius=14)
            buttons.append(Button(r, action, name))
        return buttons

    def _contrast(self, surface: pygame.Surface) -> None:
        """High contrast: yellow on black, every colour mapped by its lightness.

        What was dark (text, the brand's buttons) turns yellow, what was light
        (the page, tiles) black; lines between tiles stay visible. A QR code
        keeps its own black on white so phones still read it.
        """
        if not self.high_contrast:
            return
        kept = [(r, surface.subsurface(r).copy()) for r in self.keep_rects]
        # One 32-bit integer per pixel, changed in place: a frame in a few ms on a Pi.
        mapped = pygame.surfarray.pixels2d(surface)
        fmt = surface.get_shifts()
        channels = [(mapped >> shift) & 0xFF for shift in fmt[:3]]
        light = channels[0] * 77 + channels[1] * 150 + channels[2] * 29  # of 256
        ink, bg = surface.map_rgb(HIGH_CONTRAST_INK), surface.map_rgb(HIGH_CONTRAST_BG)
        mapped[...] = numpy.where(light < 225 * 256, numpy.uint32(ink), numpy.uint32(bg))
        del mapped, channels  # unlock the surface
        for r, image in kept:
            surface.blit(image, r)

    def step(self, surface: pygame.Surface) -> bool:
        """One frame: every pending event, the idle clock and look-ups, then draw.

        Draws only when something changed: an event, the screen, the hub's
        status, the minute the header's clock shows, and once a second a screen
        that shows live figures (``live``, the lines' waiting counts). So an
        idle kiosk leaves the Pi's CPU alone. Returns whether it drew.
        """
        events = pygame.event.get()
        for event in events:
            self.handle(event)
            if event.type == pygame.MOUSEBUTTONUP:
                self.draw(surface)  # the next tap must hit what is now on screen
        self.tick()
        minute = (None if self.screen.name == "attract"
                  else motcua_clock.show(self.now(), fmt="%H:%M %d/%m/%Y"))
        seen = (id(self.screen), self.scroll, self.hub_online(), surface.get_size(),
                getattr(self.screen, "version", 0), minute, self.center_name)
        now = self.monotonic()
        live = getattr(self.screen, "live", False) and now - self._drawn_at >= 1.0
        if events or seen != self._drawn or live or now < self._drawn_at:
            self.draw(surface)
            self._drawn, self._drawn_at = seen, now
            return True
        return False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _WakingPool(concurrent.futures.ThreadPoolExecutor):
    """The look-up worker: each answer wakes the kiosk's loop to show it."""

    def __init__(self, ui: KioskUI):
        super().__init__(1, thread_name_prefix="lookup")
        self.ui = ui

    def submit(self, fn, /, *args, **kwargs):
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: self.ui.wake())
        return future
