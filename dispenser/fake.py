"""Pressing a simulated dispenser's buttons from the keyboard (``--fake-hardware``).

Each line typed on stdin is one key (then Enter)::

    1 … 9    press service button 1 … 9 (in the order of ``buttons`` in the config)
    p        press the priority button (then a service button)
    h1       hold service button 1 for a long press (``long_press_s``)
    giay     the printer runs out of paper / has paper again (toggles)
    nap      the printer's cover opens / closes (toggles)
    hen CODE scan a booking's QR code (check-in), e.g. hen H7K3QX9M
    ?        show this list

The pins are gpiozero mock pins, driven as a finger would (low, a moment,
high), so the keys go through the same debounce and worker as real buttons.
Tickets land in the printer's folder as ``ticket-NNNNN.bin`` (the printer's
bytes) and ``ticket-NNNNN.png`` (what the paper shows).
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from motcua.ticketing.printer import FolderPrinter

log = logging.getLogger(__name__)
HELP = __doc__.split("::")[1].split("The pins")[0].rstrip()


class KeyMap:
    def __init__(self, node, stream=None, out=None):
        self.node = node
        self.stream = stream if stream is not None else sys.stdin
        self.out = out if out is not None else sys.stderr
        self.pins = [pin for _, pin in node.config.button_pins()]

    def start(self) -> KeyMap:
        threading.Thread(target=self._read, name="dispenser-keys", daemon=True).start()
        return self

    def _read(self) -> None:
        self.say("máy lấy số (giả lập): gõ phím rồi Enter; ? để xem danh sách" + HELP)
        for line in self.stream:
            try:
                self.key(line.strip().lower())
            except Exception:
                log.exception("key %r failed", line)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def push(self, pin: int, hold: float = 0.05) -> None:
        device = self.node.pin_factory.pin(pin)
        device.drive_low()
        time.sleep(hold)
        device.drive_high()

    def key(self, key: str) -> None:
        """Act on one key; unknown keys get the list, and change nothing."""
        printer = self.node.printer
        if key.isdigit() and 1 <= int(key) <= len(self.pins):
            self.push(self.pins[int(key) - 1])
        elif key.startswith("h") and key[1:].isdigit() and 1 <= int(key[1:]) <= len(self.pins):
            self.push(self.pins[int(key[1:]) - 1], hold=self.node.config.long_press_s + 0.3)
        elif key.startswith("hen ") and key[4:].strip():
            self.node.scan(key[4:].strip())
        elif key == "p" and self.node.config.priority_pin:
            self.push(self.node.config.priority_pin)
        elif key in ("giay", "nap") and isinstance(printer, FolderPrinter):
            if key == "giay":
                out = printer.paper_bytes == FolderPrinter.PAPER_OUT
                printer.paper_bytes = FolderPrinter.PAPER_OK if out else FolderPrinter.PAPER_OUT
                self.say("máy in: có giấy" if out else "máy in: hết giấy")
            else:
                printer.online = not printer.online
                self.say("máy in: đóng nắp" if printer.online else "máy in: mở nắp")
            self.node.check_printer_soon()
        elif key:
            services = ", ".join(f"{i}={s}" for i, (s, _) in
                                 enumerate(self.node.config.button_pins(), 1))
            self.say(f"phím không hợp lệ: {key!r}. Nút: {services}" + HELP)
