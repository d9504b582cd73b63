"""``motcua counter --fake-hardware``: mock pins, keyboard keys, display images.

Keys (one counter at a time; Tab moves to the next counter this node drives):

    n  gọi tiếp (next)        r  gọi lại (recall)      v  vắng mặt (no-show)
    f  hoàn thành (finish)     t  chuyển (transfer)     p  tạm dừng / tiếp tục
    1  Rất hài lòng   2  Hài lòng   3  Bình thường   4  Không hài lòng

A key drives the key's gpiozero mock pin low then high, so the press goes
through the same debouncing as a real one. The displays are written to
``[display] image_dir`` as ``counter-<number>.png`` after every change.
Keys not given pins in the config get free mock pins here.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from .config import KEYS

log = logging.getLogger(__name__)

KEYMAP = {"n": "next", "r": "recall", "v": "no_show", "f": "finish", "t": "transfer",
          "p": "pause"}
RATING_KEYMAP = {"1": 0, "2": 1, "3": 2, "4": 3}
HELP = ("Phím: n gọi tiếp · r gọi lại · v vắng mặt · f hoàn thành · t chuyển · "
        "p tạm dừng/tiếp tục · 1-4 đánh giá · Tab đổi quầy · q thoát")


def _free_pins(node):
    used = {p for k in KEYS for p in getattr(node.config.keypad, k)}
    used |= set(node.config.rating.buttons) | set(node.config.rating.leds)
    return iter([p for p in range(2, 28) if p not in used])


def fill_mock_pins(node) -> None:
    """Give every missing key and rating keypad a free mock pin."""
    pins = _free_pins(node)
    for unit in node.units.values():
        for action in KEYS:
            if action not in unit.keys:
                node.add_key(unit, action, next(pins))
        if unit.rating is None:
            node.add_rating(unit, [next(pins) for _ in range(4)], [next(pins) for _ in range(4)])


def tap(button, hold: float = 0.08) -> None:
    """Press and release a mock button as a finger would."""
    button.pin.drive_low()
    time.sleep(hold)
    button.pin.drive_high()


def key(node, unit, char: str) -> bool:
    """Act on one keyboard key for ``unit``; False for an unknown key."""
    if char in KEYMAP and KEYMAP[char] in unit.keys:
        tap(unit.keys[KEYMAP[char]].button)
        return True
    if char in RATING_KEYMAP and unit.rating is not None:
        tap(unit.rating.presses[RATING_KEYMAP[char]].button)
        return True
    return False


def attach_keyboard(node) -> threading.Thread | None:
    fill_mock_pins(node)
    numbers = list(node.units)
    print(HELP, f"(quầy {numbers[0]})", flush=True)
    print(f"Màn hình quầy: {node.config.display.image_dir}/counter-<số>.png", flush=True)
    if sys.stdin is None or not sys.stdin.isatty():
        return None  # the demo runs nodes without a terminal: mock pins only

    def read():
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        selected = 0
        try:
            tty.setcbreak(fd)
            while not node._stopping.is_set():
                char = sys.stdin.read(1)
                if char in ("q", ""):
                    node._stopping.set()
                    return
                if char == "\t":
                    selected = (selected + 1) % len(numbers)
                    print(f"Quầy {numbers[selected]}", flush=True)
                    continue
                if not key(node, node.units[numbers[selected]], char.lower()):
                    print(HELP, flush=True)
        except Exception:
            log.exception("keyboard reader failed")
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    thread = threading.Thread(target=read, daemon=True, name="keyboard")
    thread.start()
    return thread
