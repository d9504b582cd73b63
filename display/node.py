"""The hall display node (màn hình sảnh): the board, the voice, the LED board.

It only listens. At start (and after every reconnect) the broker hands it the
hub's retained state, so it draws the whole board without asking anything:

- ``state/board/{hall}``: the newest calls, each counter's number, who waits;
- ``state/counter/+``: each counter's state (paused, closed);
- ``state/line/+``: each service's line and wait estimate;
- ``state/queue_stats`` and ``state/dossier_stats``: the day's figures and each
  department's on-time rate and overdue dossiers;
- ``hub/event/announce`` (not retained): each call and recall, spoken in order.

When the broker or the hub goes away the board keeps its last picture under an
offline mark. ``motcua display --config display.toml``; with
``--fake-hardware`` (``simulate = true``) see :mod:`display.hardware`.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from motcua import clock, voice
from motcua.bus.client import Incoming
from motcua.config import NodeConfig, section, setting
from motcua.node import Node
from motcua.sdnotify import Watchdog

from .board import BoardRenderer
from .hardware import Hardware, open_hardware
from .led import LedBoard
from .legibility import Legibility
from .model import BLINK_SECONDS, BoardModel

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.004
# A frame due when the clock's minute (a page, a blink) changes is drawn this long
# after it.
REDRAW_AFTER_S = 0.002


def _one_of(*choices):
    return lambda v: None if v in choices else f"expected one of {', '.join(choices)}"


@dataclass(kw_only=True)
class VoiceConfig:
    enabled: bool = setting(True, doc="announce calls and recalls")
    clips: str = setting("var/voice", doc="folder of word clips (recorded or made by "
                                         "`python -m motcua.voice make-clips`)")
    language: str = setting("vi", doc="espeak-ng voice for generated clips: vi, "
                                      "vi-vn-x-central or vi-vn-x-south",
                            check=_one_of("vi", "vi-vn-x-central", "vi-vn-x-south"))
    volume: float = setting(1.0, doc="0.0 to 1.0",
                            check=lambda v: None if 0 <= v <= 1 else "expected 0.0 to 1.0")
    zero_tens: str = setting("linh", doc="105 read as 'một trăm linh năm' or '… lẻ năm'",
                             check=_one_of("linh", "lẻ"))
    thousand: str = setting("nghìn", doc="'nghìn' (North) or 'ngàn' (South)",
                            check=_one_of("nghìn", "ngàn"))
    wav_dir: str = setting("var/display/sound", doc="fake hardware: where announcements go")


@dataclass(kw_only=True)
class LedConfig:
    enabled: bool = setting(False, doc="drive a HUB75 LED statistics board")
    rows: int = setting(32, doc="pixel rows of one panel")
    cols: int = setting(64, doc="pixel columns of one panel")
    chain: int = setting(2, doc="panels chained")
    parallel: int = setting(1, doc="parallel chains")
    brightness: int = setting(60, doc="1 to 100",
                              check=lambda v: None if 1 <= v <= 100 else "expected 1 to 100")
    hardware_mapping: str = setting("regular", doc="rpi-rgb-led-matrix mapping, e.g. "
                                                   "adafruit-hat")
    gpio_slowdown: int = setting(2, doc="rpi-rgb-led-matrix GPIO slowdown (Pi 4: 2-4)")
    speed: float = setting(40.0, doc="scrolling speed, pixels per second")
    pitch_mm: float = setting(4.0, doc="distance between two LEDs (P4 panel: 4 mm): sets the "
                                       "smallest text read from 8 m",
                              check=lambda v: None if 1 <= v <= 20 else "expected 1 to 20 mm")
    fps: int = setting(30, doc="frames per second of the scrolling")
    frames_dir: str = setting("var/display/led", doc="fake hardware: where frames go")


def _check_size(value: int) -> str | None:
    return None if 320 <= value <= 7680 else "expected 320 to 7680 pixels"


@dataclass(kw_only=True)
class DisplayConfig(NodeConfig):
    hall: str = setting("main", doc="the hall whose board this screen shows")
    width: int = setting(1920, doc="screen width in pixels (landscape)", check=_check_size)
    height: int = setting(1080, doc="screen height in pixels (landscape)", check=_check_size)
    portrait: bool = setting(False, doc="the screen is mounted upright (board drawn "
                                        "height × width)")
    screen_inches: float = setting(55.0, doc="the screen's diagonal: sets the smallest text, "
                                             "read from 8 m / 5 m (docs/display.md)",
                                   check=lambda v: None if 10 <= v <= 400
                                   else "expected 10 to 400 inches")
    fps: int = setting(30, doc="most frames per second when the board changes",
                       check=lambda v: None if 1 <= v <= 60 else "expected 1 to 60")
    frames_dir: str = setting("var/display/frames",
                              doc="fake hardware without a screen: where frames go")
    voice: VoiceConfig = section(VoiceConfig, doc="the voice that calls numbers")
    led: LedConfig = section(LedConfig, doc="the LED statistics board")


class HallDisplay(Node):
    """màn hình sảnh: draws the hall's board from retained state and calls numbers."""

    role = "display"
    config_class = DisplayConfig
    loop_interval = 0  # loop_once waits for the next frame itself

    def __init__(self, config: DisplayConfig, transport=None, hardware: Hardware | None = None,
                 now=None):
        super().__init__(config, transport)
        self.now = now or clock.now
        w, h = config.width, config.height
        self.size = (min(w, h), max(w, h)) if config.portrait else (w, h)
        self.model = BoardModel(config.hall)
        self.model.on_change = self._wake_screen
        self.renderer = BoardRenderer(self.size, Legibility(config.screen_inches))
        self._reported: set[str] = set()
        self.frame = pygame.Surface(self.size)
        self.hardware = hardware or open_hardware(config, self.size)
        if hasattr(self.hardware.screen, "on_input"):
            self.hardware.screen.on_input = self.wake  # a key on KMS/DRM: see to it
        self._longest_wait: float | None = None
        self._watchdog = Watchdog().enabled
        self.frames = 0
        self.frame_texts: list[str] = []
        self._drawn_version = -1
        self._redraw_at = 0.0  # time.monotonic() when the picture changes by itself
        self._blink_until: dt.datetime | None = None
        self._last_frame = 0.0
        self._seen = collections.deque(maxlen=200)
        self.led = None
        if self.hardware.panel is not None:
            led = config.led
            self.led = LedBoard(led.cols * led.chain, led.rows * led.parallel, led.speed,
                                led.pitch_mm)
        self.announcer = None
        if config.voice.enabled and self.hardware.player is not None:
            self.announcer = voice.Announcer(
                Path(config.voice.clips), self.hardware.player, volume=config.voice.volume,
                zero_tens=config.voice.zero_tens, thousand=config.voice.thousand,
                on_error=self._voice_failed)
        base = self.topics.base
        state = f"{base}/state"
        self.bus.subscribe(f"{state}/board/{config.hall}", self._on_state)
        for name in ("counter/+", "line/+", "queue_stats", "dossier_stats"):
            self.bus.subscribe(f"{state}/{name}", self._on_state)
        self.bus.subscribe(self.topics.hub_event("announce"), self._on_announce)
        self.bus.on_connection_change(lambda up: self._update_online())

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate), "hall": self.config.hall,
                "voice": self.config.voice.enabled, "led": self.config.led.enabled}

    # From the bus (network thread) ------------------------------------------------
    def _on_state(self, incoming: Incoming) -> None:
        name = incoming.topic[len(self.topics.base) + len("/state/"):]
        self.model.update(name, incoming.data, live=not incoming.retain, now=self.now())

    def _on_hub_status(self, incoming: Incoming) -> None:
        super()._on_hub_status(incoming)
        self.model.set_center_name(self.center_name)
        self._update_online()

    def _update_online(self) -> None:
        self.model.set_online(self.bus.connected and self.hub_online, self.now())

    def _on_announce(self, incoming: Incoming) -> None:
        data = incoming.data
        if data.get("hall", self.config.hall) != self.config.hall or data["id"] in self._seen:
            return
        self._seen.append(data["id"])
        if self.announcer is not None:
            try:
                self.announcer.call(data["display"], data["counter"],
                                    recall=data["kind"] == "recall")
            except ValueError as exc:  # a number the voice cannot read: the board shows it
                self._voice_failed(exc)

    def _voice_failed(self, exc: Exception) -> None:
        try:
            self.report_fault("voice", f"Không phát được lời mời: {exc}", severity="warning")
        except Exception:
            log.exception("could not report the voice fault")

    # Frames (main thread) ---------------------------------------------------------
    def render_frame(self, now=None) -> pygame.Surface:
        """Draw the board as it is now and show it; returns the frame."""
        now = now or self.now()
        view = self.model.view()
        self.renderer.draw(self.frame, view, now)
        self._blink_until = (view.newest_since + dt.timedelta(seconds=BLINK_SECONDS)
                             if view.newest_since is not None else None)
        # The picture changes by itself when the clock's minute does, at the next
        # half second while the newest call blinks, and at the next page while a
        # panel has more rows than fit (a hair after, so the frame is drawn in the
        # new one).
        self._redraw_at = time.monotonic() + clock.seconds_to_next(
            self.redraw_period(now), now) + REDRAW_AFTER_S
        self._report([str(cut) for cut in self.renderer.reports])
        changed = view.version != self._drawn_version
        self._drawn_version = view.version
        self.hardware.screen.present(self.frame, changed)
        # Counted, then what it shows: whoever reads the texts (a test, from another
        # thread) finds the frame shown and counted, not one still being presented
        # (saving it as a PNG took long enough beside two busy loops to be caught).
        self.frames += 1
        self.frame_texts = self.renderer.texts
        return self.frame

    def redraw_period(self, now: dt.datetime) -> float:
        """Seconds between two frames the board changes by itself, as last drawn:
        0.5 while the newest call blinks, a page while a panel pages, else a minute
        (the clock shows hours and minutes)."""
        if self._blink_until is not None and now < self._blink_until:
            return 0.5
        if any(of > 1 for _, of in self.renderer.pages.values()):
            return self.renderer.page_seconds
        return 60.0

    def render_led(self, now=None):
        now = now or self.now()
        image = self.led.frame(self.model.view(), now)
        self._report(self.led.reports)
        self.hardware.panel.show(image)
        return image

    def _report(self, cuts: list[str]) -> None:
        # A text the board had to cut is a setup to fix (a name too long for
        # the screen): said once, not at every frame.
        for cut in cuts:
            if cut not in self._reported:
                self._reported.add(cut)
                log.warning("the board cut a text: %s", cut)

    def loop_once(self) -> None:
        """Wait for a change or the moment the picture changes by itself, then draw.

        The board is redrawn when the state changed, when the clock's minute
        changes, at each page while a panel pages, and twice a second while the
        newest call blinks (its first :data:`~display.model.BLINK_SECONDS`); the LED
        board at its own rate. Nothing else wakes it (an idle board that fits its
        rows draws one frame a minute) but a key or the window (Esc or closing it
        quits at once: :class:`~display.hardware.WindowScreen`), SIGTERM, and the
        watchdog's feeding under systemd (:meth:`rest`).
        """
        wait = self._redraw_at - time.monotonic()
        if self.led is not None:
            tick = 1.0 / max(1, self.config.led.fps)
            wait = min(wait, tick - (time.monotonic() % tick))
        if self._longest_wait is not None:
            wait = min(wait, self._longest_wait)
        screen = self.hardware.screen
        rest = getattr(screen, "rest", None)
        woken = (rest(max(0.0, wait), self.model.changed) if rest is not None
                 else self.model.changed.wait(max(0.0, wait)))
        if woken:
            # The hub publishes a change as a burst (counter, board, line, figures):
            # a few milliseconds gather it into one frame.
            time.sleep(SETTLE_SECONDS)
            self.model.changed.clear()
        poll = getattr(screen, "poll", None)
        if poll is not None:
            poll()  # a technician's Esc, the window closed
        if getattr(screen, "quit_requested", False) or self._stopping.is_set():
            self._stopping.set()
            return
        if self.model.version != self._drawn_version or time.monotonic() >= self._redraw_at:
            # Changes in a burst are drawn at most ``fps`` times a second.
            rest = self._last_frame + 1.0 / self.config.fps - time.monotonic()
            if rest > 0:
                time.sleep(rest)
            self._last_frame = time.monotonic()
            self.render_frame()
        if self.led is not None:
            self.render_led()
        if getattr(self.hardware.screen, "quit_requested", False):
            self._stopping.set()

    def rest(self, most: float) -> None:
        """:meth:`loop_once` rests till its next frame, but under systemd no longer
        than ``most`` from now on: the loop feeds the watchdog (WatchdogSec=30; a
        minute's rest would have it restart a quiet board). Without a watchdog
        ``Node.run`` offers its idle nodes' 5 s turn, which the board does not need."""
        self._longest_wait = most if self._watchdog else None

    def wake(self) -> None:
        """End the wait for the next frame (SIGTERM, a key: the board rests up to a
        minute)."""
        self.model.changed.set()
        self._wake_screen()

    def _wake_screen(self) -> None:
        wake = getattr(self.hardware.screen, "wake", None)
        if wake is not None:
            wake()

    # Life -------------------------------------------------------------------------
    def start(self) -> HallDisplay:
        if self.announcer is not None:
            self._prepare_clips()
            self.announcer.start()
        super().start()
        return self

    def _prepare_clips(self) -> None:
        clips = Path(self.config.voice.clips)
        if voice.clip_path(clips, voice.CHIME).exists():
            return
        if self.config.simulate:
            # Fake hardware (demo, a developer's machine): make the clips once.
            threading.Thread(target=self._make_clips, args=(clips,), daemon=True,
                             name="make-clips").start()
        else:
            log.error("no voice clips in %s: run python -m motcua.voice make-clips", clips)

    def _make_clips(self, clips: Path) -> None:
        try:
            voice.make_clips(clips, self.config.voice.language)
        except Exception as exc:
            log.warning("could not make voice clips in %s: %s", clips, exc)

    def stop(self) -> None:
        super().stop()
        if self.announcer is not None and self.announcer._thread.is_alive():
            self.announcer.stop()
        self.hardware.close()
