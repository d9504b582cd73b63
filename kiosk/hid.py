"""A USB barcode scanner that types: its key stream turned back into one scan.

Most USB QR scanners are HID keyboards: they type the code's text, fast, then
Enter. The kiosk has no keyboard of its own, so a burst of keys ending in
Enter is a scan; keys typed slowly (a person at a maintenance keyboard) are
not, and are dropped::

    keys = KeyStream()
    for char in "038190001234||…|15062021":
        keys.feed(char)
    keys.feed("\\n")          # -> the whole text, once
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_GAP_S = 0.1     # scanners type a key every few ms; people take 100 ms or more
MIN_LENGTH = 8      # shorter bursts are stray keys, not a code


class KeyStream:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic,
                 max_gap: float = MAX_GAP_S, min_length: int = MIN_LENGTH):
        self.monotonic = monotonic
        self.max_gap = max_gap
        self.min_length = min_length
        self._buffer: list[str] = []
        self._last = float("-inf")

    def feed(self, text: str) -> str | None:
        """Keys as typed (``"\\n"`` or ``"\\r"`` for Enter); the scan when one is complete."""
        scan = None
        for char in text:
            now = self.monotonic()
            if now - self._last > self.max_gap:
                self._buffer = []  # too slow to be the same scan: start again
            self._last = now
            if char in "\r\n":
                if len(self._buffer) >= self.min_length:
                    scan = "".join(self._buffer)
                self._buffer = []
            else:
                self._buffer.append(char)
        return scan

    def clear(self) -> None:
        """Forget a half-typed scan (the session ended)."""
        self._buffer = []
