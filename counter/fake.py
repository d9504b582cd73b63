"""``motcua counter --fake-hardware``: mock pins, keyboard keys, display images.

Keys (one counter at a time; Tab moves to the next counter this node drives):

    n  gọi tiếp (next)        r  gọi lại (recall)      v  vắng mặt (no-show)
    f  hoàn thành (finish)     t  chuyển (transfer)     p  tạm dừng / tiếp tục
    1  Rất hài lòng   2  Hài lòng   3  Bình thường   4  Không hài lòng

A key drives the key's gpiozero mock pin low then high, so the press goes
through the same debouncing as a real one. The displays are written to
``[display] image_dir`` as ``counter-<number>.png`` after every change.
Keys not given pins in the config get free mock pins here.

Without a terminal (stdin a pipe, as ``motcua demo`` runs it), each line on
stdin is one key, for the first counter or for the counter named first::

    n          counter 1 (the first this node drives): gọi tiếp
    2 f        counter 2: hoàn thành
    2 1        counter 2's rating keypad: Rất hài lòng

A bad line gets the list of keys on stderr and changes nothing.
"""

from __future__ import annotations

import logging
import sys
import termios
import threading
import time
import tty

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
    # Every BCM pin, 0 and 1 too: two counters' keys and rating keypads take
    # 28 mock pins (on a real Pi, two counters need an I/O expander or fewer keys).
    return iter([p for p in range(0, 28) if p not in used])


def fill_mock_pins(node) -> None:
    """Give every missing key and rating keypad a free mock pin."""
    pins = _free_pins(node)
    wanted = sum(len([a for a in KEYS if a not in u.keys]) + (8 if u.rating is None else 0)
                 for u in node.units.values())
    free = list(pins)
    if wanted > len(free):
        raise SystemExit(f"{node.config.node_id}: giả lập cần {wanted} chân GPIO cho "
                         f"{len(node.units)} quầy nhưng chỉ còn {len(free)}; hãy ghi chân "
                         "trong [keypad]/[rating] hoặc bớt quầy")
    pins = iter(free)
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


def line_key(node, line: str, out=None) -> bool:
    """Act on one line of stdin (``"<key>"`` or ``"<counter> <key>"``); False if bad.

    A node driving counter 6 whose "next" key is a mock pin (here a stand-in for
    :class:`counter.node.Node`, with the key's gpiozero button):

    >>> from types import SimpleNamespace as Stub
    >>> from gpiozero import Button
    >>> from gpiozero.pins.mock import MockFactory
    >>> button = Button(17, pin_factory=MockFactory())
    >>> presses = []
    >>> button.when_pressed = lambda: presses.append("next")
    >>> node = Stub(units={6: Stub(keys={"next": Stub(button=button)}, rating=None)},
    ...             config=Stub(keypad=Stub(settle_s=0.05)))
    >>> line_key(node, "6 n")   # counter 6's "next" key, through its mock pin
    True
    >>> presses
    ['next']

    A line for a counter this node does not drive gets the keys on ``out``:

    >>> line_key(node, "7 n", out=sys.stdout)   # doctest: +ELLIPSIS
    phím không hợp lệ: '7 n' (quầy: [6]). Phím: n gọi tiếp · r gọi lại · ...
    False
    >>> button.close()
    """
    words = line.split()
    numbers = list(node.units)
    number = numbers[0]
    if len(words) == 2 and words[0].isdigit():
        number = int(words[0])
        words = words[1:]
    unit = node.units.get(number)
    if len(words) == 1 and unit is not None and key(node, unit, words[0].lower()):
        # Released for longer than the debounce: the next line's press counts too.
        time.sleep(node.config.keypad.settle_s + 0.05)
        return True
    if words:
        print(f"phím không hợp lệ: {line.strip()!r} (quầy: {numbers}). {HELP}",
              file=out if out is not None else sys.stderr, flush=True)
    return False


def read_lines(node, stream) -> None:
    """Keys from a pipe, a line each, until it closes (the node keeps running)."""
    try:
        for line in stream:
            if node._stopping.is_set():
                return
            try:
                line_key(node, line)
            except Exception:  # one bad key must not end the reader
                log.exception("key %r failed", line)
    except (OSError, ValueError):  # no readable stdin (closed, or a test's stand-in)
        return


def attach_keyboard(node) -> threading.Thread | None:
    fill_mock_pins(node)
    numbers = list(node.units)
    print(HELP, f"(quầy {numbers[0]})", flush=True)
    print(f"Màn hình quầy: {node.config.display.image_dir}/counter-<số>.png", flush=True)
    if sys.stdin is None:
        return None
    if not sys.stdin.isatty():
        # ``motcua demo``'s simulated officers type keys on a pipe, a line each.
        thread = threading.Thread(target=read_lines, args=(node, sys.stdin), daemon=True,
                                  name="keys")
        thread.start()
        return thread

    def read():
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
