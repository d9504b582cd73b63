"""The dispenser's hardware faces: service buttons and the status LED (gpiozero).

Buttons only *ask*: each accepted press calls ``on_press(service, priority)``,
which must return at once (the node queues the ticket for its printing
worker). Presses are debounced by :class:`motcua.debounce.DebouncedPress`,
since gpiozero's mock pins ignore ``bounce_time`` and real contacts chatter::

    buttons = ServiceButtons([("ho-tich", 17)], on_press=print, pin_factory=MockFactory())
    indicator = Indicator([5, 6, 13], pin_factory=factory)
    indicator.show("printing")
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from gpiozero import RGBLED

from motcua.debounce import DebouncedPress
from motcua.keys import Key
from motcua.ticketing.issuer import STATE_NAMES  # noqa: F401  (the LED states' names)

log = logging.getLogger(__name__)

# (red, green, blue) on/off, and whether it blinks: readable from across the hall.
COLOURS = {
    "ready": ((0, 1, 0), False),       # green: press a button
    "printing": ((0, 0, 1), False),    # blue: a ticket is coming
    "offline": ((1, 1, 0), False),     # yellow: printing from the leased block
    "no_block": ((1, 0, 0), True),     # red, blinking: offline and no number left
    "fault": ((1, 0, 0), False),       # red: the printer needs someone
}
PRIORITY_WINDOW_S = 10.0  # priority button, then a service button within this


class ServiceButtons:
    def __init__(self, buttons: list[tuple[str, int]],
                 on_press: Callable[[str, bool], None], *, pin_factory=None,
                 priority_pin: int = 0, long_press_s: float = 0.0, settle: float = 0.05,
                 clock: Callable[[], float] = time.monotonic):
        self.on_press = on_press
        self.long_press_s = long_press_s
        self.clock = clock
        self._priority_armed_at: float | None = None
        self._lock = threading.Lock()
        self.devices: dict[str, Key] = {}
        self.debounced: dict[str, DebouncedPress] = {}  # keep references: gpiozero closes
        self._holds: dict[str, threading.Timer] = {}
        for service, pin in buttons:
            button = Key(pin, pin_factory=pin_factory)
            self.devices[service] = button
            self.debounced[service] = DebouncedPress(
                button, on_press=lambda s=service: self._pressed(s), settle=settle, clock=clock)
            if long_press_s:
                debounced = self.debounced[service]
                button.when_released = lambda s=service, d=debounced: (d._released_edge(),
                                                                       self._released(s))
        self.priority_button = None
        if priority_pin:
            self.priority_button = Key(priority_pin, pin_factory=pin_factory)
            self.debounced["*priority"] = DebouncedPress(self.priority_button, self._arm,
                                                         settle=settle, clock=clock)

    def close(self) -> None:
        for timer in self._holds.values():
            timer.cancel()
        for button in [*self.devices.values(), self.priority_button]:
            if button is not None:
                button.close()

    def _arm(self) -> None:
        with self._lock:
            self._priority_armed_at = self.clock()

    def _take_priority(self) -> bool:
        with self._lock:
            armed = (self._priority_armed_at is not None
                     and self.clock() - self._priority_armed_at <= PRIORITY_WINDOW_S)
            self._priority_armed_at = None
        return armed

    def _pressed(self, service: str) -> None:
        if not self.long_press_s:
            self.on_press(service, self._take_priority())
            return
        # Long press on: the kind of ticket is known only when the hold ends or lasts.
        timer = threading.Timer(self.long_press_s, self._held, args=(service,))
        timer.daemon = True
        with self._lock:
            old = self._holds.pop(service, None)
            self._holds[service] = timer
        if old:
            old.cancel()
        timer.start()

    def _held(self, service: str) -> None:
        with self._lock:
            timer = self._holds.pop(service, None)
        if timer is None:
            return
        if self.devices[service].is_pressed:
            self._take_priority()
            self.on_press(service, True)
        else:
            self.on_press(service, self._take_priority())

    def _released(self, service: str) -> None:
        # A short press: issue now (a chattering release followed by a press
        # within the settle time is still one press, DebouncedPress saw to that).
        with self._lock:
            timer = self._holds.pop(service, None)
        if timer is not None:
            timer.cancel()
            try:
                self.on_press(service, self._take_priority())
            except Exception:
                log.exception("button action failed")


class Indicator:
    """An RGB LED saying what the dispenser can do right now (or nothing, with no pins)."""

    def __init__(self, pins: list[int], *, pin_factory=None):
        self.led = RGBLED(*pins, pwm=False, pin_factory=pin_factory) if pins else None
        self.state = ""
        self._lock = threading.Lock()

    def show(self, state: str) -> bool:
        """Show a state; True when it changed."""
        with self._lock:
            if state == self.state:
                return False
            self.state = state
            if self.led is not None:
                colour, blink = COLOURS[state]
                if blink:
                    self.led.blink(on_time=0.5, off_time=0.5, on_color=colour,
                                   off_color=(0, 0, 0))
                else:
                    self.led.color = colour
            return True

    def close(self) -> None:
        if self.led is not None:
            self.led.close()
