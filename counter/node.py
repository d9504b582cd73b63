"""The counter node (thiết bị quầy): keypad, number display, rating keypad.

One process drives one or more neighbouring counters (``[keypad] counters``).
For each it keeps a :class:`CounterUnit`: the keys send ``counter_command``
requests, the display follows the counter's retained state
(``state/counter/{number}``, so it is right again seconds after a reboot),
and a finish lights the rating keypad for that ticket::

    node = Counter(load(CounterConfig, "counter.toml")).start()
    node.units[5].press("next")        # what the "next" key does
    node.units[5].display.device.image # what the number display shows

Key presses run on one worker thread, so gpiozero's callback thread never
waits for the hub.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

from gpiozero import LED

from motcua.bus.client import Incoming
from motcua.debounce import DebouncedPress
from motcua.keys import Key
from motcua.node import Node

from .config import KEYS, CounterConfig
from .display import NumberDisplay, dummy_device, open_device
from .fake import attach_keyboard
from .outbox import Outbox
from .rating import RatingKeypad
from .unit import CounterUnit

log = logging.getLogger(__name__)


class Counter(Node):
    """thiết bị quầy: keypad, number display and rating keypad of one or more counters."""

    role = "counter"
    config_class = CounterConfig

    def __init__(self, config: CounterConfig, transport=None, pin_factory=None,
                 devices: dict | None = None):
        super().__init__(config, transport)
        if pin_factory is None and config.simulate:
            from gpiozero.pins.mock import MockFactory  # lazy: fake hardware only

            pin_factory = MockFactory()
        self.pin_factory = pin_factory
        self.work: queue.Queue = queue.Queue()
        self._wake = threading.Event()
        self._redraw = threading.Event()  # something a display shows has changed
        self._threads: list[threading.Thread] = []
        self.outbox: Outbox | None = None
        self.services: dict[str, str] = {}  # code -> name, from state/line/+
        self.counters: dict[int, dict] = {}  # number -> retained state, from state/counter/+
        self.units: dict[int, CounterUnit] = {}
        for index, number in enumerate(config.keypad.counters):
            device = (devices or {}).get(number)
            if device is None:
                device = dummy_device(config) if config.simulate else open_device(config, index)
            display = NumberDisplay(device, config.display.driver, number,
                                    on_drawn=self._image_writer(number))
            unit = CounterUnit(self, number, display)
            self.units[number] = unit
            for action in KEYS:
                pins = getattr(config.keypad, action)
                if pins:
                    self.add_key(unit, action, pins[index])
            if config.rating.buttons:
                four = slice(4 * index, 4 * index + 4)
                self.add_rating(unit, config.rating.buttons[four], config.rating.leds[four])
        self.bus.subscribe(f"{self.topics.base}/state/counter/+", self._on_counter_state)
        self.bus.subscribe(f"{self.topics.base}/state/line/+", self._on_line_state)
        self.bus.on_connection_change(lambda up: (self.wake(), self.redraw()))
        self.bus.subscribe(self.topics.hub_status(), lambda incoming: self.redraw())

    # Hardware -------------------------------------------------------------------
    def add_key(self, unit: CounterUnit, action: str, pin: int) -> DebouncedPress:
        button = Key(pin, pull_up=True, pin_factory=self.pin_factory)
        press = DebouncedPress(button, lambda: unit.press(action),
                               settle=self.config.keypad.settle_s)
        unit.keys[action] = press
        return press

    def add_rating(self, unit: CounterUnit, buttons: list[int], leds: list[int]) -> None:
        if self.outbox is None:
            self.outbox = Outbox(self.config.rating.outbox)
        unit.rating = RatingKeypad(
            [Key(p, pull_up=True, pin_factory=self.pin_factory) for p in buttons],
            [LED(p, pin_factory=self.pin_factory) for p in leds],
            window_s=self.config.rating.window_s, on_rate=unit.rate,
            settle=self.config.keypad.settle_s, on_reason=unit.reason)

    def _image_writer(self, number: int):
        if not self.config.simulate:
            return None
        folder = Path(self.config.display.image_dir)

        def write(device) -> None:
            # Fake hardware: the display as a picture a person can open.
            from .display import preview

            try:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"counter-{number}.png"
                tmp = target.with_suffix(".tmp.png")
                preview(device, self.config.display.driver).save(tmp)
                tmp.replace(target)
            except OSError:
                log.exception("could not write the display image")

        return write

    # Bus ----------------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self.bus.connected and self.hub_online

    def _on_counter_state(self, incoming: Incoming) -> None:
        data = incoming.data
        self.counters[data["counter"]] = data
        unit = self.units.get(data["counter"])
        if unit is not None:
            unit.on_state(data)
            self.redraw()

    def _on_line_state(self, incoming: Incoming) -> None:
        self.services[incoming.data["service"]] = incoming.data["name"]

    def transfer_choices(self, number: int) -> list[tuple[str, str, dict]]:
        """Where a ticket of counter ``number`` may go: services, then other counters."""
        out = [(name, f"d{i}", {"target_service": code})
               for i, (code, name) in enumerate(sorted(self.services.items()), start=1)]
        out += [(state["name"], f"q{n}", {"target_counter": n})
                for n, state in sorted(self.counters.items()) if n != number]
        return out

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate),
                "counters": list(self.config.keypad.counters),
                "display": self.config.display.driver}

    # Life ---------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def redraw(self) -> None:
        """Draw the displays now (after a key, a retained state, the link moving)."""
        self._redraw.set()

    def start(self) -> Counter:
        super().start()
        for target in (self._worker, self._ticker, self._flusher):
            thread = threading.Thread(target=target, daemon=True,
                                      name=f"{self.node_id}-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.work.put(None)
        self._wake.set()
        self._redraw.set()
        for thread in self._threads:
            thread.join(5)
        super().stop()
        now = time.monotonic()
        for unit in self.units.values():
            try:
                # A MAX7219 keeps its last picture after we are gone: say offline.
                unit.display.draw(replace(unit.view(now), online=False, message=None,
                                          blink_until=0.0), now)
                for press in [*unit.keys.values(), *(unit.rating.presses if unit.rating else [])]:
                    press.button.close()
                for led in unit.rating.leds if unit.rating else []:
                    led.close()
            except Exception:
                log.exception("counter %s: could not close its devices", unit.number)
        if self.outbox is not None:
            self.outbox.close()

    def _worker(self) -> None:
        while not self._stopping.is_set():
            item = self.work.get()
            if item is None:
                return
            unit, action = item
            try:
                unit.handle(action)
            except Exception:
                log.exception("counter %s: key %s failed", unit.number, action)
            self.redraw()

    # Longest sleep of the display thread when nothing is due: a safety net
    # only, every change that shows wakes it (redraw()).
    IDLE_WAKE_S = 5.0
    # An empty outbox is looked at this often even if no wake came (belt and braces).
    OUTBOX_IDLE_S = 60.0

    def _ticker(self) -> None:
        # Draws the displays and puts out expired rating keys, when something
        # changed (redraw()) or at the next moment the picture changes by the
        # clock (a blink phase, a message or a rating window running out); an
        # idle counter sleeps instead of waking 20 times a second to blink.
        while not self._stopping.is_set():
            self._redraw.clear()
            now = time.monotonic()
            due = now + self.IDLE_WAKE_S
            for unit in self.units.values():
                try:
                    if unit.rating is not None:
                        unit.rating.expire(now)
                    unit.display.draw(unit.view(now), now)
                    due = min(due, unit.next_change(now))
                except Exception:
                    log.exception("counter %s: display failed", unit.number)
            self._redraw.wait(max(0.01, due - time.monotonic()))

    def _flusher(self) -> None:
        # Empties the outbox when the link is up: at once when woken (a rating,
        # a reconnect), and every 2 s while something is left to send; an empty
        # outbox sleeps till woken (it woke every 2 s at rest; issue 25). Waiting
        # for PUBACKs never delays the display.
        while not self._stopping.is_set():
            left = self.outbox is not None and len(self.outbox) > 0
            self._wake.wait(2.0 if left else self.OUTBOX_IDLE_S)
            self._wake.clear()
            if self.outbox is None or self._stopping.is_set():
                continue
            if self.bus.connected and len(self.outbox):
                try:
                    self.outbox.flush(self.bus)
                except Exception:
                    log.exception("outbox flush failed")

    def run(self) -> None:
        if self.config.simulate:
            attach_keyboard(self)
        super().run()
