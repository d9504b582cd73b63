"""A QR scanner on the dispenser, for bookings' check-in (issue 26).

Most 2D scanners sold for kiosks can be switched to their serial mode (USB
CDC: ``/dev/ttyACM0``), where each scan arrives as one line of text. That
needs no keyboard focus on a Pi without a screen, and pyserial is already in
the dispenser's extra (serial printers)::

    scanner = SerialScanner("/dev/ttyACM0", on_scan=node.scan).start()
    ...
    scanner.close()

The same code read twice within :data:`REPEAT_AFTER` seconds (a citizen
holding the paper under the window) counts once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
REPEAT_AFTER = 3.0
MAX_LINE = 256


class SerialScanner:
    def __init__(self, port: str, on_scan: Callable[[str], None], baudrate: int = 9600,
                 monotonic: Callable[[], float] = time.monotonic):
        self.port, self.on_scan, self.baudrate = port, on_scan, baudrate
        self.monotonic = monotonic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial = None
        self._last: tuple[str, float] = ("", float("-inf"))

    def start(self) -> SerialScanner:
        self._thread = threading.Thread(target=self._run, name="dispenser-scanner",
                                        daemon=True)
        self._thread.start()
        return self

    def feed(self, line: bytes | str) -> str | None:
        """One line from the scanner; the code when it is a new scan."""
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        text = text.strip()[:MAX_LINE]
        if not text:
            return None
        now = self.monotonic()
        if text == self._last[0] and now - self._last[1] < REPEAT_AFTER:
            self._last = (text, now)
            return None
        self._last = (text, now)
        return text

    def _run(self) -> None:
        import serial  # lazy: pyserial, only where a serial scanner is fitted

        while not self._stop.is_set():
            try:
                if self._serial is None:
                    self._serial = serial.Serial(self.port, self.baudrate, timeout=0.5)
                line = self._serial.readline()
                if line:
                    code = self.feed(line)
                    if code:
                        self.on_scan(code)
            except Exception as exc:  # unplugged: try again in a moment
                log.warning("scanner %s: %s", self.port, exc)
                self._close_port()
                self._stop.wait(2.0)

    def _close_port(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(Exception):  # already gone with the cable
                self._serial.close()
            self._serial = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3)
        self._close_port()
