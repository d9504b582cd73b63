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

import datetime as dt
import logging
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

from motcua.bus.client import Incoming, NotConnected, RequestTimeout
from motcua.bus.messages import COUNTER_COMMAND, RATING
from motcua.debounce import DebouncedPress
from motcua.node import Node

from .config import KEYS, CounterConfig
from .display import NumberDisplay, View, dummy_device, open_device
from .outbox import Outbox
from .rating import LEVEL_NAMES, RatingKeypad

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 5.0
# In the transfer chooser the officer's keys change meaning.
CHOOSER_KEYS = {"next": "forward", "recall": "back", "finish": "choose"}


class CounterUnit:
    """One counter driven by this node: its keys, its display, its rating keypad."""

    def __init__(self, node: Counter, number: int, display: NumberDisplay):
        self.node = node
        self.number = number
        self.display = display
        self.state: dict | None = None  # the counter's retained state
        self.rating: RatingKeypad | None = None
        self.keys: dict[str, DebouncedPress] = {}
        self.message: tuple[str, bool, float] | None = None  # text, error, until
        self.blink_until = 0.0
        self._call_key = None
        self.choices: list[tuple[str, str, dict]] | None = None  # label, short, fields
        self.choice = 0
        self.choosing_until = 0.0
        self.finished_seen: set[int] = set()  # tickets the rating keypad was lit for
        self.lock = threading.RLock()

    # Keys ---------------------------------------------------------------------
    def press(self, action: str) -> None:
        """A key of this counter's keypad was pressed (debounced)."""
        self.node.work.put((self, action))

    def handle(self, action: str) -> None:
        """Carry out a key press (on the node's worker thread)."""
        cfg = self.node.config
        if self.choices is not None:
            self._choose(CHOOSER_KEYS.get(action, "cancel"))
            return
        if action == "transfer":
            current = (self.state or {}).get("current")
            if not current:
                self.show("Quầy chưa gọi số nào.", error=True)
                return
            choices = self.node.transfer_choices(self.number)
            if not choices:
                self.show("Chưa có dịch vụ hoặc quầy nào để chuyển.", error=True)
                return
            with self.lock:
                self.choices, self.choice = choices, 0
                self.choosing_until = time.monotonic() + cfg.keypad.transfer_timeout_s
            return
        if action == "pause":
            status = (self.state or {}).get("status")
            action = {"paused": "resume", "closed": "open"}.get(status, "pause")
        self.command(action)

    def _choose(self, what: str) -> None:
        with self.lock:
            choices = self.choices or []
            if what == "forward":
                self.choice = (self.choice + 1) % len(choices)
            elif what == "back":
                self.choice = (self.choice - 1) % len(choices)
            self.choosing_until = time.monotonic() + self.node.config.keypad.transfer_timeout_s
            if what in ("choose", "cancel"):
                chosen = choices[self.choice][2] if what == "choose" and choices else None
                self.choices = None
            else:
                return
        if chosen is None:
            self.show("Đã huỷ chuyển số.")
        else:
            self.command("transfer", **chosen)

    def command(self, action: str, **fields) -> dict | None:
        """Send one counter command; show the hub's answer or its refusal."""
        node = self.node
        if node.bus.connected and not node.hub_online:
            # The broker would keep the request for the hub's return and a stale
            # "next" would call someone minutes later: refuse it here instead.
            self.show("Máy chủ mất kết nối; lệnh chưa được gửi.", error=True)
            return None
        payload = COUNTER_COMMAND.make(action=action, counter=self.number, **fields)
        answer = None
        for _ in range(2):  # a retry keeps the id: the hub answers it once
            try:
                answer = node.bus.request(
                    node.topics.node_request(node.node_id, "counter_command"), payload,
                    response_topic=node.topics.node_response(node.node_id, "counter_command"),
                    timeout=COMMAND_TIMEOUT_S)
                break
            except NotConnected:
                self.show("Mất kết nối mạng; lệnh chưa được gửi.", error=True)
                return None
            except RequestTimeout:
                continue
        if answer is None:
            self.show("Máy chủ không trả lời; xin bấm lại.", error=True)
            return None
        if not answer.get("ok"):
            error = answer.get("error") or {}
            self.show(error.get("message") or "Máy chủ từ chối lệnh.", error=True)
            log.info("counter %s: %s refused: %s", self.number, action, error.get("code"))
            return answer
        result = answer.get("result") or {}
        self._apply(result)
        if result.get("message"):
            self.show(result["message"])
        self.finished(result.get("finished"), light=True)
        return answer

    def finished(self, ticket: dict | None, light: bool) -> None:
        """A ticket was finished here: light the rating keys for it, once."""
        if not ticket or self.rating is None:
            return
        with self.lock:
            fresh = ticket["ticket_id"] not in self.finished_seen
            self.finished_seen.add(ticket["ticket_id"])
        if fresh and light:
            self.rating.open(ticket)

    # State ----------------------------------------------------------------------
    def _apply(self, result: dict) -> None:
        """Take the counter's status and current ticket from an answer or retained state."""
        with self.lock:
            first = self.state is None
            fresh = dict(self.state or {})
            for key in ("status", "current"):
                if key in result:
                    fresh[key] = result[key]
            if "counter" in result and "name" in result:
                fresh.update(result)
            self.state = fresh
            current = fresh.get("current") or None
            key = (current or {}).get("display"), (current or {}).get("called_at")
            if current and key != self._call_key:
                age = _age_s(current.get("called_at"))
                blink = self.node.config.display.blink_s
                remaining = blink if not first else max(0.0, blink - age)
                self.blink_until = time.monotonic() + remaining
            self._call_key = key if current else None

    def on_state(self, data: dict) -> None:
        first = self.state is None
        self._apply(data)
        # Finished from the officer's web console lights the keys too; the
        # finish a rebooted node finds in the retained state does not (the
        # citizen has most likely left).
        self.finished(data.get("finished"), light=not first)
        if data.get("name"):
            self.display.name = data["name"]

    def show(self, text: str, error: bool = False) -> None:
        with self.lock:
            self.message = (text, error, time.monotonic() + self.node.config.display.message_s)

    def view(self, now: float) -> View:
        with self.lock:
            state = self.state or {}
            message = self.message if self.message and now < self.message[2] else None
            if self.choices is not None and now >= self.choosing_until:
                self.choices = None
                message = ("Hết giờ chọn; đã huỷ chuyển số.", False, now + 2)
                self.message = message
            choosing = self.choices[self.choice] if self.choices else None
            current = state.get("current") or {}
            return View(
                number=current.get("display"), status=state.get("status", "closed"),
                online=self.node.online, known=self.state is not None,
                blink_until=self.blink_until, message=message[0] if message else None,
                error=bool(message and message[1]),
                choosing=choosing[0] if choosing else None,
                choosing_short=choosing[1] if choosing else "",
                rating=bool(self.rating and self.rating.lit))

    def rate(self, ticket: dict, level: str) -> None:
        """The citizen pressed a lit rating key: keep it in the outbox, then send it."""
        node = self.node
        payload = RATING.make(ticket_id=ticket["ticket_id"], counter=self.number, level=level,
                              display=ticket.get("display"))
        node.outbox.add(node.topics.node_event(node.node_id, "rating"), payload)
        self.show(f"Cảm ơn quý khách! ({LEVEL_NAMES[level]})")
        node.wake()


def _age_s(called_at: str | None) -> float:
    if not called_at:
        return 1e9
    try:
        moment = dt.datetime.fromisoformat(called_at)
    except ValueError:
        return 1e9
    return (dt.datetime.now(dt.UTC) - moment).total_seconds()


class Counter(Node):
    """thiết bị quầy: keypad, number display and rating keypad of one or more counters."""

    role = "counter"
    config_class = CounterConfig

    def __init__(self, config: CounterConfig, transport=None, pin_factory=None,
                 devices: dict | None = None):
        super().__init__(config, transport)
        if pin_factory is None and config.simulate:
            from gpiozero.pins.mock import MockFactory

            pin_factory = MockFactory()
        self.pin_factory = pin_factory
        self.work: queue.Queue = queue.Queue()
        self._wake = threading.Event()
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
        self.bus.on_connection_change(lambda up: self.wake())

    # Hardware -------------------------------------------------------------------
    def add_key(self, unit: CounterUnit, action: str, pin: int) -> DebouncedPress:
        from gpiozero import Button

        button = Button(pin, pull_up=True, pin_factory=self.pin_factory)
        press = DebouncedPress(button, lambda: unit.press(action),
                               settle=self.config.keypad.settle_s)
        unit.keys[action] = press
        return press

    def add_rating(self, unit: CounterUnit, buttons: list[int], leds: list[int]) -> None:
        from gpiozero import LED, Button

        if self.outbox is None:
            self.outbox = Outbox(self.config.rating.outbox)
        unit.rating = RatingKeypad(
            [Button(p, pull_up=True, pin_factory=self.pin_factory) for p in buttons],
            [LED(p, pin_factory=self.pin_factory) for p in leds],
            window_s=self.config.rating.window_s, on_rate=unit.rate,
            settle=self.config.keypad.settle_s)

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

    def _ticker(self) -> None:
        # Draws the displays (blinking needs a clock) and puts out expired rating keys.
        while not self._stopping.is_set():
            now = time.monotonic()
            for unit in self.units.values():
                try:
                    if unit.rating is not None:
                        unit.rating.expire(now)
                    unit.display.draw(unit.view(now), now)
                except Exception:
                    log.exception("counter %s: display failed", unit.number)
            self._stopping.wait(0.05)

    def _flusher(self) -> None:
        # Empties the outbox when the link is up: at once when woken (a rating,
        # a reconnect), else every 2 s. Waiting for PUBACKs never delays the display.
        while not self._stopping.is_set():
            self._wake.wait(2.0)
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
            from .fake import attach_keyboard

            attach_keyboard(self)
        super().run()
