"""The citizen's rating keypad: four keys with LEDs, lit only after a finish.

The officer's ``finish`` (or ``next`` over a current ticket) opens a window
for that ticket; the LEDs light for ``window_s`` seconds; the first key
pressed sends one rating (through the outbox) and puts the LEDs out. A key
pressed while the LEDs are dark does nothing::

    keypad = RatingKeypad(buttons, leds, window_s=30, on_rate=send)
    keypad.open({"ticket_id": 7, "display": "A001"}, now=time.monotonic())
    # citizen presses "Hài lòng" -> send({"ticket_id": 7, ...}, "satisfied")

After "Không hài lòng" the keys light once more, as reasons (issue 15):
``REASONS`` in key order; the key pressed calls ``on_reason(ticket, reason)``,
which sends it as a complaint. No key within the window: no reason, nothing sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from motcua.bus.messages import RATING_LEVELS
from motcua.debounce import DebouncedPress

log = logging.getLogger(__name__)

LEVEL_NAMES = {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng",
               "neutral": "Bình thường", "dissatisfied": "Không hài lòng"}
# The same four keys after "Không hài lòng": what was wrong (event.feedback_reason).
REASONS = ("waiting", "attitude", "guidance", "other")
REASON_NAMES = {"waiting": "Chờ lâu", "attitude": "Thái độ", "guidance": "Hướng dẫn chưa rõ",
                "other": "Lý do khác"}


class RatingKeypad:
    def __init__(self, buttons: list, leds: list, window_s: float,
                 on_rate: Callable[[dict, str], None], settle: float = 0.05,
                 clock: Callable[[], float] = time.monotonic,
                 on_reason: Callable[[dict, str], None] | None = None):
        self.leds = leds
        self.on_reason = on_reason
        self.asking_reason = False  # lit again after "Không hài lòng"
        self.window_s = window_s
        self.on_rate = on_rate
        self.clock = clock
        self._lock = threading.Lock()
        self.ticket: dict | None = None  # the finished ticket awaiting its rating
        self.until = 0.0
        self.presses = [
            DebouncedPress(button, (lambda level=level: self.press(level)), settle=settle)
            for button, level in zip(buttons, RATING_LEVELS, strict=False)
        ]
        self._light(False)

    @property
    def lit(self) -> bool:
        return self.ticket is not None

    def _light(self, on: bool) -> None:
        for led in self.leds:
            try:
                led.on() if on else led.off()
            except Exception:
                log.exception("rating LED failed")

    def open(self, ticket: dict, now: float | None = None) -> None:
        """Light the keys for ``ticket`` (``ticket_id``, ``display``)."""
        with self._lock:
            self.ticket = dict(ticket)
            self.until = (self.clock() if now is None else now) + self.window_s
        self._light(True)

    def close(self) -> None:
        with self._lock:
            self.ticket = None
            self.asking_reason = False
        self._light(False)

    def expire(self, now: float | None = None) -> None:
        """Put the keys out once the window has passed (called by the node's ticker)."""
        now = self.clock() if now is None else now
        if self.ticket is not None and now >= self.until:
            self.close()

    def press(self, level: str) -> None:
        with self._lock:
            ticket = self.ticket
            if ticket is None or self.clock() >= self.until:
                log.info("rating key %s pressed while dark; ignored", level)
                return
            answering = self.asking_reason
            ask = not answering and level == "dissatisfied" and self.on_reason is not None
            if ask:  # keep the keys lit for the reason, a fresh window
                self.asking_reason = True
                self.until = self.clock() + self.window_s
            else:
                self.ticket = None  # one rating (and one reason) per ticket
                self.asking_reason = False
        if not ask:
            self._light(False)
        if answering:
            self.on_reason(ticket, REASONS[RATING_LEVELS.index(level)])
        else:
            self.on_rate(ticket, level)
