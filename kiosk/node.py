"""The kiosk node (kiosk tra cứu): touch UI, local catalog replica, camera scanner.

::

    kiosk = Kiosk(config).start()       # connects; the replica syncs when the
    kiosk.run()                          # hub's retained catalog version changes

- The catalog replica (:mod:`kiosk.replica`) follows ``state/catalog``: when the
  hub's version differs from the replica's, a background thread fetches the
  catalog page by page (``request/catalog_fetch``) and swaps it in at once.
- Search is local, so it works while the hub is down; a dossier look-up
  (``request/dossier_lookup``) needs the hub, and the screen says so.
- Frames come from :class:`kiosk.scanner.Camera` or any injected frame source.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from motcua import voice
from motcua.bus import Incoming
from motcua.bus.client import BusError, NotConnected, RequestTimeout
from motcua.bus.messages import (
    APPOINTMENT_BOOK,
    APPOINTMENT_SLOTS,
    CATALOG_FETCH,
    DOSSIER_LOOKUP,
    DOSSIER_LOOKUP_BY_ID,
    FEEDBACK,
)
from motcua.config import section, setting
from motcua.node import Node
from motcua.screen_wait import open_for as open_screen_wait
from motcua.ticketing.config import TicketingConfig
from motcua.ticketing.issuer import Printed, TicketIssuer
from motcua.ticketing.outbox import Outbox
from motcua.ticketing.printer_config import PrinterConfig

from .lookup import LookupFailed, LookupOffline
from .replica import Replica

log = logging.getLogger(__name__)
# A screen's touches and keys are read this often where they cannot be waited
# for: SDL hands them over only when asked (pygame's event.wait(timeout) asks every
# millisecond). On X11 and Wayland the kiosk sleeps in SDL's own wait, on KMS/DRM in
# poll on the input devices SDL reads (motcua/screen_wait.py,
# motcua/input_devices.py). OpenCV too hands a camera's frames over only when asked:
# the camera is read on its own clock, every 0.5 s at rest and every 0.1 s while
# something moves in its view (kiosk/scanner.py). Nothing else is read on a clock:
# the bus, the look-ups and the ticket worker wake the kiosk when they have
# something to show.
INPUT_POLL_S = 0.1


@dataclass(kw_only=True)
class KioskVoiceConfig:
    enabled: bool = setting(False, doc="say the ticket number aloud when one is taken (the "
                                       "kiosk has a speaker)")
    clips: str = setting("var/voice", doc="folder of word clips, as the hall display's "
                                         "(`python -m motcua.voice make-clips`)")
    volume: float = setting(1.0, doc="0.0 to 1.0",
                            check=lambda v: None if 0 <= v <= 1 else "expected 0.0 to 1.0")
    zero_tens: str = setting("linh", doc="105 read as 'một trăm linh năm' or '… lẻ năm'",
                             check=lambda v: None if v in ("linh", "lẻ") else
                             "expected linh or lẻ")
    thousand: str = setting("nghìn", doc="'nghìn' (North) or 'ngàn' (South)",
                            check=lambda v: None if v in ("nghìn", "ngàn") else
                            "expected nghìn or ngàn")
    wav_dir: str = setting("var/kiosk/sound", doc="fake hardware: where the spoken numbers "
                                                  "go, as WAV files")


@dataclass(kw_only=True)
class KioskConfig(TicketingConfig):
    """The screen, camera and catalog; tickets as a dispenser prints them (issue 27):
    printer, outbox and number blocks are :class:`TicketingConfig`'s."""

    replica: str = setting("var/kiosk-replica.db", doc="the kiosk's own SQLite copy of the catalog")
    screen_width: int = setting(1080, doc="screen width in pixels (1080 portrait, 1920 landscape)")
    screen_height: int = setting(1920, doc="screen height in pixels")
    fullscreen: bool = setting(True, doc="take the whole screen (no window frame)")
    camera: int = setting(0, doc="V4L2 camera index for the barcode scanner; -1 for none")
    idle_seconds: int = setting(90, doc="seconds without a touch before the attract screen")
    lookup_timeout: int = setting(5, doc="seconds to wait for the hub's answer to a look-up")
    outbox: str = setting("var/kiosk-outbox-{center}-{node_id}.db",
                          doc="SQLite file keeping number blocks and offline tickets")
    # A kiosk without a printer shows the ticket's number and QR code on screen.
    printer: PrinterConfig = field(default_factory=lambda: PrinterConfig(kind="none"),
                                   metadata={"doc": "the kiosk's ticket printer (kind none: "
                                                    "tickets shown on screen)", "check": None})
    priority_age: int = setting(
        60, doc="a scanned ID card whose holder is this old or more is offered a priority "
                "ticket (Luật Người cao tuổi 39/2009/QH12, Điều 2: từ đủ 60 tuổi); 0: never",
        check=lambda v: None if 0 <= v <= 120 else "expected 0 to 120")
    input_poll_s: float = setting(
        -1.0, doc="seconds between two reads of the touch screen and keys (SDL hands them "
                  "over only when asked): the longest a touch waits before the kiosk sees "
                  "it; -1: none on X11 and Wayland (SDL wakes the kiosk for a touch) and "
                  "on KMS/DRM (the kiosk waits on the input devices, input_devices), 0.1 "
                  "where it may not read them and on screens SDL cannot wait on, never "
                  "with fake hardware's dummy screen (it has no input to read)",
        check=lambda v: None if v == -1 or 0.01 <= v <= 1 else "expected -1 or 0.01 to 1")
    input_devices: str = setting(
        "/dev/input", doc="folder of the evdev devices (event*) SDL reads the touch screen "
                          "and keys from on KMS/DRM: the kiosk waits on them too (read-only, "
                          "each open has its own copy of the events)")
    dossier_lookup_by_id: bool = setting(
        False, doc="offer 'Tra cứu hồ sơ của tôi' after an ID card scan (the hub must allow "
                   "it too: hub.toml [dossiers] lookup_by_id)")
    voice: KioskVoiceConfig = section(KioskVoiceConfig, doc="the ticket number, spoken")
    ticket_services: list[str] = setting(
        [], doc="service codes the kiosk issues tickets for ([]: every service the hub "
                "announces)")


class Kiosk(Node):
    """kiosk tra cứu: procedure search from a local replica, dossier status by barcode."""

    role = "kiosk"
    config_class = KioskConfig

    def __init__(self, config: KioskConfig, transport=None, *, frame_source=None,
                 replica: Replica | None = None, printer=None):
        self.replica = replica or Replica(":memory:" if config.simulate and config.replica
                                          == "var/kiosk-replica.db" else config.replica)
        self.hub_catalog_version: int | None = None
        self.syncs = 0
        super().__init__(config, transport)
        self.frame_source = frame_source
        # Tickets: the dispenser's own worker, outbox and printer handling (issue 27).
        # With fake hardware and the default file, the outbox lives in memory (as the replica).
        outbox = (Outbox(":memory:") if config.simulate and config.outbox
                  == KioskConfig.__dataclass_fields__["outbox"].default else None)
        self.issuer = TicketIssuer(self, config, services=self.ticket_service_codes,
                                   printer=printer, outbox=outbox, screen_fallback=True)
        self.scanner = None
        self.announcer = None
        self.ui = None
        self.surface = None
        self._sync_wanted = threading.Event()
        self._wake = threading.Event()
        self.screen_wait = None  # SDL's blocking wait, where the screen's driver has one
        self._sync_done = threading.Condition()
        self.bus.subscribe(self.topics.state("catalog"), self._on_catalog_state)
        self.bus.on_connection_change(lambda up: self.wake())  # the header shows the link
        self._sync_thread = threading.Thread(target=self._sync_loop, name="catalog-sync",
                                             daemon=True)

    def status_detail(self) -> dict:
        detail = {"simulated": bool(self.config.simulate)}
        if getattr(self, "replica", None) is not None:
            detail.update(catalog_version=self.replica.version(), procedures=self.replica.count())
        if getattr(self, "issuer", None) is not None:
            detail.update(self.issuer.status_detail())
        return detail

    # Tickets (issue 27) ------------------------------------------------------------
    def ticket_services(self) -> list[dict]:
        """The services a citizen may take a ticket for: code, name, waiting, departments.

        From the hub's retained lines; offline, from the number blocks held.
        """
        known = {code: {"code": code, "name": line.get("name", code),
                        "waiting": line.get("waiting"), "departments": line.get("departments", [])}
                 for code, line in list(self.issuer.lines.items())}
        for code, name in self.issuer.outbox.services():
            known.setdefault(code, {"code": code, "name": name, "waiting": None,
                                    "departments": []})
        wanted = self.config.ticket_services
        chosen = [known[c] for c in wanted if c in known] if wanted else list(known.values())
        return sorted(chosen, key=lambda s: s["name"]) if not wanted else chosen

    def ticket_service_codes(self) -> list[str]:
        return self.config.ticket_services or sorted(self.issuer.lines)

    def take_ticket(self, service: str, priority: bool = False,
                    done: Callable[[Printed], None] | None = None) -> None:
        """A citizen touched "Lấy số": printed (or shown) by the shared ticket worker."""
        self.issuer.press(service, priority, done)

    def check_in(self, code: str, done: Callable[[Printed], None] | None = None) -> None:
        """A booking's QR scanned or code typed (issue 26): the hub checks it in; the
        booked ticket is printed or shown, or ``done`` hears why not."""
        self.issuer.check_in(code, done)

    def _on_hub_status(self, incoming: Incoming) -> None:
        was = self.hub_online
        super()._on_hub_status(incoming)
        if getattr(self, "issuer", None) is not None:
            self.issuer.hub_status_changed(was)
        self.wake()  # the header shows the hub's link and the centre's name

    # The catalog replica ---------------------------------------------------------
    def _on_catalog_state(self, incoming: Incoming) -> None:
        self.hub_catalog_version = incoming.data["version"]
        if incoming.data["version"] != self.replica.version():
            self._sync_wanted.set()  # fetched on our own thread: paho's must keep flowing

    def _sync_loop(self) -> None:
        while True:
            self._sync_wanted.wait()  # a new version, or stop()
            if self._stopping.is_set():
                return
            self._sync_wanted.clear()
            try:
                self.sync()
            except BusError as exc:
                log.warning("catalog sync failed (%s); retrying on the next change", exc)
            except Exception:
                log.exception("catalog sync failed")

    def sync(self, timeout: float = 10.0) -> int:
        """Fetch the whole current catalog from the hub into the replica; its version."""
        for _ in range(3):  # a publication during the fetch: start again
            procedures, after, version = [], None, None
            while True:
                answer = self.bus.request(
                    self.topics.node_request(self.node_id, "catalog_fetch"),
                    CATALOG_FETCH.make(after=after),
                    response_topic=self.topics.node_response(self.node_id, "catalog_fetch"),
                    timeout=timeout)
                if not answer.get("ok"):
                    raise BusError(answer.get("error", {}).get("message", "refused"))
                page = answer["result"]
                if version is not None and page["version"] != version:
                    break
                version = page["version"]
                procedures += page["procedures"]
                after = page.get("next")
                if not after:
                    self.replica.replace(version, procedures, page.get("withdrawn") or [])
                    self.syncs += 1
                    log.info("catalog replica at version %s (%d procedures)", version,
                             len(procedures))
                    with self._sync_done:
                        self._sync_done.notify_all()
                    self.wake()  # the screen shows the new catalog
                    self.refresh_status()
                    return version
        raise BusError("the catalog kept changing during the fetch")

    def wait_synced(self, version: int, timeout: float = 10.0) -> bool:
        with self._sync_done:
            return self._sync_done.wait_for(lambda: self.replica.version() == version, timeout)

    # Requests a citizen waits for -------------------------------------------------
    def _ask(self, name: str, message, data: dict, failed: str) -> dict:
        """The hub's result for request ``name`` (``message`` made of ``data``):
        LookupOffline when the hub cannot be reached, LookupFailed with the hub's
        Vietnamese refusal (``failed`` when it gives none)."""
        if not self.bus.connected or not self.hub_online:
            raise LookupOffline()
        try:
            answer = self.bus.request(
                self.topics.node_request(self.node_id, name), message.make(**data),
                response_topic=self.topics.node_response(self.node_id, name),
                timeout=self.config.lookup_timeout)
        except (NotConnected, RequestTimeout):
            raise LookupOffline() from None
        if not answer.get("ok"):
            raise LookupFailed(answer.get("error", {}).get("message") or failed)
        return answer["result"]

    # Dossier look-up ---------------------------------------------------------------
    def lookup_dossier(self, code: str) -> dict:
        """The hub's public status of a dossier; LookupOffline when the hub is unreachable."""
        return self._ask("dossier_lookup", DOSSIER_LOOKUP, {"code": code[:64]},
                         "Không tra cứu được hồ sơ.")

    def lookup_dossiers_by_id(self, id_number: str) -> dict:
        """The card holder's dossiers (``dossier_lookup_by_id``); the number goes in the
        request only, never in a log (the errors say nothing of it)."""
        return self._ask("dossier_lookup_by_id", DOSSIER_LOOKUP_BY_ID,
                         {"id_number": id_number}, "Không tra cứu được hồ sơ.")

    # Feedback (issue 15) ----------------------------------------------------------------
    def send_feedback(self, data: dict) -> dict:
        """Send a citizen's complaint or suggestion; the hub's ``code``, ``due_at``."""
        return self._ask("feedback", FEEDBACK, data, "Chưa gửi được góp ý.")

    def ask_booking(self, name: str, data: dict) -> dict:
        """``request.appointment_slots`` or ``request.appointment_book`` (issue 26); the
        hub's result, or LookupFailed with its Vietnamese refusal."""
        message = {"appointment_slots": APPOINTMENT_SLOTS,
                   "appointment_book": APPOINTMENT_BOOK}[name]
        return self._ask(name, message, data, "Chưa đặt được lịch hẹn.")

    # Screen and camera -----------------------------------------------------------------
    def start(self) -> Kiosk:
        super().start()
        self._sync_thread.start()
        self.issuer.start()
        return self

    def open_screen(self, surface=None):
        """Make the UI (and the window unless ``surface`` is given)."""
        # Lazy: a kiosk runs on the bus before (and without) a screen.
        import pygame

        from .scanner import Camera, Scanner
        from .ui import KioskUI

        size = (self.config.screen_width, self.config.screen_height)
        if surface is None:
            if self.config.simulate and not os.environ.get("DISPLAY"):
                os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            pygame.display.init()
            flags = pygame.FULLSCREEN if self.config.fullscreen and not self.config.simulate \
                else 0
            surface = pygame.display.set_mode(size, flags)
            pygame.display.set_caption("motcua kiosk")
            if self.config.input_poll_s == -1:
                self.screen_wait = open_screen_wait(pygame, self.config.input_devices)
        self.surface = surface
        self.ui = KioskUI(size, self.replica, lookup=self.lookup_dossier,
                          center_name=self.center_name or "Trung tâm Phục vụ hành chính công",
                          hub_online=lambda: self.hub_online and self.bus.connected,
                          idle_seconds=self.config.idle_seconds, feedback=self.send_feedback,
                          booking=self.ask_booking,
                          services=self.ticket_services, take_ticket=self.take_ticket,
                          has_printer=self.issuer.has_printer,
                          priority_age=self.config.priority_age,
                          lookup_by_id=(self.lookup_dossiers_by_id
                                        if self.config.dossier_lookup_by_id else None),
                          check_in=self.check_in)
        source = self.frame_source
        if source is None and not self.config.simulate and self.config.camera >= 0:
            camera = Camera(self.config.camera)
            if camera.ok:
                source = camera
            else:
                self.report_fault("camera_missing", "Không mở được camera đọc mã vạch",
                                  severity="warning")
        self.scanner = Scanner(source) if source is not None else None
        self.announcer = self._open_voice()
        if self.announcer is not None:
            self.ui.on_ticket = self.say_number
        self.ui.wake = self.wake
        return self.ui

    # Resting between two frames -------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()
        screen_wait = self.screen_wait
        if screen_wait is not None:
            screen_wait.wake()

    def input_poll(self) -> float | None:
        """Seconds between two reads of the screen's input; None: nothing to read,
        or SDL wakes the kiosk for it."""
        if self.config.input_poll_s > 0:
            return self.config.input_poll_s
        if self.screen_wait is not None:
            return None  # the wait ends at a touch (or reads on its own clock)
        import pygame  # lazy, as in open_screen

        if not pygame.display.get_init() or pygame.display.get_driver() in ("dummy",
                                                                             "offscreen"):
            return None  # fake hardware: only this process posts events, and wakes us
        return INPUT_POLL_S

    def due_in(self) -> float | None:
        """Seconds until the kiosk must look again without being woken: its input and
        camera, the screen's clock and idle time-out; None: only when woken."""
        waits = [self.ui.due_in()] if self.ui is not None else [0.0]
        if self.scanner is not None:
            waits.append(self.scanner.due_in())  # 0.5 s at rest, 0.1 s while decoding
        waits.append(self.input_poll())
        waits = [w for w in waits if w is not None]
        return min(waits) if waits else None

    def rest(self, most: float) -> None:
        """Sleep till the next thing due (:meth:`due_in`), or till woken: a touch
        posted, the hub's link, a look-up's or a ticket's answer, a new catalog."""
        due = self.due_in()
        wait = most if due is None else min(most, due)
        screen_wait = self.screen_wait
        if wait > 0 and not self._stopping.is_set() and not self._wake.is_set():
            if screen_wait is not None:
                screen_wait.wait(wait)  # a touch, a key, a wake (posted) or the time
            else:
                self._wake.wait(wait)
        self._wake.clear()  # before the next frame reads what woke us

    # The ticket number, spoken (issue 27) ------------------------------------------
    def _open_voice(self):
        cfg = self.config.voice
        if not cfg.enabled:
            return None
        try:
            player = (voice.FilePlayer(Path(cfg.wav_dir)) if self.config.simulate
                      else voice.PygamePlayer())
        except Exception as exc:  # no sound device: the number is still on screen
            log.warning("no sound for the kiosk's voice: %s", exc)
            self.report_fault("sound_missing", "Kiosk không phát được âm thanh",
                              severity="warning")
            return None
        return voice.Announcer(Path(cfg.clips), player, volume=cfg.volume,
                               zero_tens=cfg.zero_tens, thousand=cfg.thousand,
                               on_error=lambda exc: self.report_fault(
                                   "voice_failed", f"Kiosk không đọc được số: {exc}",
                                   severity="warning")).start()

    def say_number(self, printed) -> None:
        """Say "Số thứ tự của bạn là …" for a ticket just taken (queued, never blocks)."""
        try:
            self.announcer.say(voice.your_number(printed.display, self.config.voice.zero_tens,
                                                 self.config.voice.thousand))
        except ValueError as exc:  # a number the voice cannot read: the screen shows it
            log.warning("cannot say ticket %s: %s", printed.display, exc)

    def loop_once(self) -> None:
        if self.ui is None:
            self.open_screen()
        if self.center_name:
            self.ui.center_name = self.center_name
        if self.scanner is not None and self.scanner.due_in() == 0:
            code = self.scanner.poll()
            if code:
                self.ui.scanned(code)  # an ID card or a receipt
        if self.screen_wait is not None:
            self.screen_wait.drain()  # a wake posted since the rest is no touch
        if self.ui.step(self.surface):
            import pygame  # lazy, as in open_screen

            if pygame.display.get_surface() is self.surface:
                pygame.display.flip()

    def stop(self) -> None:
        super().stop()
        self._sync_wanted.set()  # its thread sees _stopping and ends
        self.issuer.stop()
        if self.announcer is not None:
            self.announcer.stop()
        if self.ui is not None:
            self.ui.close()
        if self.screen_wait is not None:
            self.screen_wait.close()
