"""One action per real press, whatever the contacts do.

gpiozero's mock pins ignore ``bounce_time`` and real contacts chatter, so
the application debounces as well: a press counts only when the button had
been released, steadily, for ``settle`` seconds before it. Chatter (five
edges in 100 ms) is one press; a held button never repeats; two real presses
a quarter of a second apart are two::

    from gpiozero import Button

    button = Button(17, pin_factory=factory)
    press = DebouncedPress(button, on_press=lambda: dispenser.issue("HT"))

Works with anything that has ``when_pressed`` and ``when_released``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class DebouncedPress:
    def __init__(self, button, on_press: Callable[[], None], settle: float = 0.05,
                 clock: Callable[[], float] = time.monotonic):
        self.button = button  # keep a reference: gpiozero closes unreferenced devices
        self.on_press = on_press
        self.settle = settle
        self.clock = clock
        self._released_at: float | None = None  # None: never pressed yet
        self._pressed = False
        self._lock = threading.Lock()
        self.accepted = 0
        self.ignored = 0
        button.when_pressed = self._pressed_edge
        button.when_released = self._released_edge

    def _pressed_edge(self, *args) -> None:
        now = self.clock()
        with self._lock:
            if self._pressed:
                accept = False  # a second "pressed" with no release between: noise
            else:
                accept = self._released_at is None or now - self._released_at >= self.settle
            self._pressed = True
            if accept:
                self.accepted += 1
            else:
                self.ignored += 1
        if accept:
            try:
                self.on_press()
            except Exception:  # a failing action must not kill gpiozero's thread
                log.exception("button action failed")

    def _released_edge(self, *args) -> None:
        with self._lock:
            self._pressed = False
            self._released_at = self.clock()
