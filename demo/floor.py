"""Simulated citizens and officers for ``motcua demo``: a day on the floor.

The day runs on its own clock, ``speed`` times faster than the wall clock,
from 07:00 to 17:00 with the lunch break of a Vietnamese centre, then starts
again. Citizens arrive by the hour (a morning peak, a smaller afternoon one),
choose a service (the busy ones more often), one in eight asks for priority,
and they press a real dispenser's buttons: ``press(node_id, key)`` types the
key on that simulated dispenser's stdin, so the press goes through its mock
pins, debounce, printer and the hub as a real finger's would. Officers sit at
every counter of the sample centre and press the keys of its counter node the
same way (``press("counter-5", "6 n")``: counter 6's "next" key on the node
counter-5): call the next, serve for a time drawn per service, sometimes recall
an absent citizen and mark a no-show, sometimes transfer to another service
through the keypad's chooser, once a morning take a break of a said length
(the pause chooser: 5, 10, 15 or 30 minutes); citizens then press the lit rating keypad. What
happened they read, as anyone would, from the counter's retained state.
Whoever took a ticket before the lunch break or closing time is still served::

    floor = DemoFloor(mqtt, "thanhhoa", sample, press=type_key, speed=20, seed=1,
                      counter_nodes={1: "counter-1", 2: "counter-1"}).start()
    floor.clock()          # '08:42', the simulated time of day
    floor.summary()        # citizens per dispenser, calls, no-shows, transfers, ratings
    floor.stop()
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from motcua import clock
from motcua.bus import BusClient, Topics
from motcua.bus.paho import PahoTransport
from motcua.config import MqttConfig

log = logging.getLogger(__name__)

OPEN_H, LUNCH_FROM_H, LUNCH_TO_H, CLOSE_H = 7.0, 11.5, 13.5, 17.0
# Citizens per hour of the day (a provincial centre of twenty counters).
ARRIVALS_PER_HOUR = {7: 30, 8: 70, 9: 80, 10: 60, 11: 25, 12: 0, 13: 20, 14: 45, 15: 40,
                     16: 20}
# How often each service is chosen; what is not listed weighs 3.
SERVICE_WEIGHTS = {"ho-tich": 20, "dang-ky-kinh-doanh": 12, "dat-dai": 14,
                   "giao-thong": 12, "lao-dong": 8, "xay-dung": 7, "dau-tu": 5, "y-te": 5,
                   "giao-duc": 5}
# Minutes at the counter, a log-normal around this median.
SERVICE_MINUTES = {"ho-tich": 6, "dang-ky-kinh-doanh": 12, "dau-tu": 18, "dat-dai": 15,
                   "xay-dung": 14, "giao-thong": 8}
PRIORITY_SHARE = 0.12
NO_SHOW_SHARE = 0.06
TRANSFER_SHARE = 0.06
RATING_SHARE = 0.75
RATING_MIX = (0.55, 0.3, 0.1, 0.05)  # very satisfied … dissatisfied: keys 1 … 4
# Each officer takes one short break a day, some time in the morning, and says for
# how long through the keypad's pause chooser (issue 25: the wait estimates count on
# the return; the console shows "Tạm nghỉ đến …", the counter's OLED "Quay lại lúc
# …"), coming back after 0.8 to 1.5 times what was said (as bench/waits.py's day 2).
BREAK_FROM_H, BREAK_TO_H = 7.5, 10.5
BREAK_MINUTES = {5: 1, 10: 3, 15: 4, 30: 1}  # said length -> weight
# The chooser's lengths in key order (counter/unit.py PAUSE_MINUTES; "next" moves on,
# "finish" chooses); tests/test_demo.py holds the two equal.
PAUSE_KEY_ORDER = (15, 30, 60, 90, 5, 10, None)
# How long (real seconds) an officer waits to see a key's effect in the counter's
# state before taking it as "nothing happened" (nobody waiting, say).
KEY_TIMEOUT_S = 4.0
# Each dispenser's buttons, in key order (the demo writes them into its config).
DISPENSER_BUTTONS = {
    "dispenser-1": ["ho-tich", "dang-ky-kinh-doanh", "dau-tu", "dat-dai", "xay-dung",
                    "giao-thong"],
    "dispenser-2": ["lao-dong", "y-te", "giao-duc", "cong-thuong", "nong-nghiep",
                    "noi-vu-tai-chinh"],
}


def open_at(hour: float) -> bool:
    return OPEN_H <= hour < LUNCH_FROM_H or LUNCH_TO_H <= hour < CLOSE_H


class DemoFloor:
    def __init__(self, mqtt: MqttConfig, center: str, sample: dict,
                 press: Callable[[str, str], None], *, speed: float = 10.0,
                 seed: int | None = None, start_hour: float = OPEN_H,
                 officers: dict[int, str] | None = None,
                 counter_nodes: dict[int, str] | None = None):
        self.topics = Topics(center)
        self.bus = BusClient(PahoTransport(mqtt, client_id=f"demo-floor-{center}"), self.topics)
        self.services = [s["code"] for s in sample["services"]]
        self.counters = {c["number"]: c for c in sample["counters"]}
        self.press = press
        self.speed = speed
        self.seed = seed
        self.rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.start_hour = start_hour
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.counts: Counter = Counter()
        self._counts_lock = threading.Lock()
        self.first_ticket = threading.Event()
        # Since when the simulated officer at each counter is signed in (the counter
        # state's `signed_in`): when someone else signs in there (a person on
        # /console), the simulated one steps away.
        self.officers = officers or {}
        self.counter_state: dict[int, dict] = {}
        self.breaks: list[dict] = []  # each break's paused state (status_name, back_at)
        self._state_seen: Counter = Counter()  # counter -> states received
        self._state_changed = threading.Condition()
        # Which counter node drives each counter's keypad (its own by default).
        self.counter_nodes = {n: (counter_nodes or {}).get(n) or c.get("node") or f"counter-{n}"
                              for n, c in self.counters.items()}
        self.bus.subscribe(f"{self.topics.base}/state/counter/+", self._on_counter)
        # The ratings the keypads sent, counted as the hub hears them.
        self.bus.subscribe(f"{self.topics.base}/node/+/event/rating", self._on_rating)

    # The simulated clock ----------------------------------------------------------
    def hours(self) -> float:
        """Simulated hours since midnight of day 1 (07:00 = 7.0): the demo's
        clock (:func:`motcua.clock.demo`) when one is set, as the hub tells it."""
        demo = clock.demo()
        if demo is not None:
            return demo.hours()
        return self.start_hour + (time.monotonic() - self._t0) * self.speed / 3600

    def hour_of_day(self) -> float:
        h = self.hours()
        # After closing the next day starts at opening: nights are skipped.
        span = CLOSE_H - OPEN_H
        return OPEN_H + (h - OPEN_H) % span

    def day(self) -> int:
        return 1 + int((self.hours() - OPEN_H) // (CLOSE_H - OPEN_H))

    def clock(self) -> str:
        h = self.hour_of_day()
        return f"{int(h):02d}:{int(h * 60) % 60:02d}"

    def wait_minutes(self, minutes: float) -> bool:
        """Sleep ``minutes`` of the simulated day; True when asked to stop."""
        return self._stop.wait(max(0.05, minutes * 60 / self.speed))

    def _count(self, key: str, n: int = 1) -> None:
        with self._counts_lock:
            self.counts[key] += n

    def summary(self) -> dict:
        with self._counts_lock:
            return {"clock": self.clock(), "day": self.day(), "speed": self.speed,
                    **dict(self.counts)}

    # The counters' keys and state -----------------------------------------------------
    def _on_counter(self, incoming) -> None:
        with self._state_changed:
            self.counter_state[incoming.data["counter"]] = incoming.data
            self._state_seen[incoming.data["counter"]] += 1
            self._state_changed.notify_all()

    def _on_rating(self, incoming) -> None:
        self._count("ratings")

    def taken_over(self, number: int) -> bool:
        """A person signed in at this counter instead of its simulated officer."""
        expected = self.officers.get(number)
        state = self.counter_state.get(number)
        return expected is not None and state is not None and \
            state.get("signed_in") != expected

    def _key(self, number: int, key: str) -> bool:
        """Press one key of counter ``number``'s keypad (or its rating keypad, 1-4)."""
        if self.taken_over(number):
            return False  # a person has this counter now: hands off, even mid-service
        try:
            self.press(self.counter_nodes[number], f"{number} {key}")
        except OSError as exc:  # the node is gone: the demo is stopping
            log.info("demo floor: %s", exc)
            return False
        return True

    def _press_and_see(self, number: int, key: str, changed) -> dict | None:
        """Press a key, then wait for the counter's state to show ``changed(before, now)``;
        the new state, or None when nothing changed in time (or the key was not pressed)."""
        with self._state_changed:
            before = self.counter_state.get(number) or {}
            seen = self._state_seen[number]
        if not self._key(number, key):
            return None
        deadline = time.monotonic() + KEY_TIMEOUT_S
        with self._state_changed:
            while not self._stop.is_set():
                now = self.counter_state.get(number) or {}
                if self._state_seen[number] > seen and changed(before, now):
                    return now
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._state_changed.wait(min(left, 0.5))
        return None

    @staticmethod
    def _call_of(state: dict) -> tuple | None:
        current = state.get("current") or None
        return (current["display"], current.get("called_at")) if current else None

    @staticmethod
    def _finished_of(state: dict) -> int | None:
        return (state.get("finished") or {}).get("ticket_id")

    # Officers -----------------------------------------------------------------------
    def _service_minutes(self, service: str, rng: random.Random) -> float:
        median = SERVICE_MINUTES.get(service, 10)
        return min(60.0, median * math.exp(rng.gauss(0, 0.45)))

    def _officer(self, number: int) -> None:
        rng = random.Random(None if self.seed is None else self.seed * 1000 + number)
        # Officers sit down in their first minutes, not all at once.
        if self.wait_minutes(rng.uniform(0, 10)):
            return
        break_day, break_at = 0, 0.0
        while not self._stop.is_set():
            if self.day() != break_day:
                break_day, break_at = self.day(), rng.uniform(BREAK_FROM_H, BREAK_TO_H)
            elif break_at and break_at <= self.hour_of_day() < LUNCH_FROM_H and \
                    (self.counter_state.get(number) or {}).get("status") == "open" and \
                    not (self.counter_state.get(number) or {}).get("current") and \
                    not self.taken_over(number):
                break_at = 0.0  # today's break: taken, or tried
                if self._take_break(number, rng):
                    return
            if self.taken_over(number):
                if self.wait_minutes(2):
                    return
                continue
            before = self.counter_state.get(number) or {}
            # Whoever took a ticket before the break or closing time is served:
            # officers call as long as someone waits, and rest when nobody does.
            # ("next" on a closed counter opens it.)
            # The hub publishes the counter's state after every command, a
            # "nobody is waiting" too: the first state after the key is its answer.
            state = self._press_and_see(number, "n", lambda b, a: True)
            current = (state or {}).get("current")
            if not current or current.get("status") not in ("called", "serving") \
                    or self._call_of(state) == self._call_of(before):
                rest = rng.uniform(1, 3) if open_at(self.hour_of_day()) else 5
                if self.wait_minutes(rest):
                    return
                continue
            self._count("calls")
            self._serve(number, current, rng)
            if self.wait_minutes(rng.uniform(0.3, 1.5)):
                return

    def _take_break(self, number: int, rng: random.Random) -> bool:
        """Pause for a said length through the keypad's chooser, then resume ("pause"
        again on a paused counter). True when asked to stop."""
        minutes = rng.choices(list(BREAK_MINUTES), list(BREAK_MINUTES.values()))[0]
        if not self._key(number, "p"):
            return False
        for _ in range(PAUSE_KEY_ORDER.index(minutes)):
            if not self._key(number, "n"):
                return False
        paused = self._press_and_see(number, "f", lambda b, a: a.get("status") == "paused")
        if paused is None:
            return False
        self._count("pauses")
        self.breaks.append(paused)  # the counter's state as the hub said it
        if self.wait_minutes(minutes * rng.uniform(0.8, 1.5)):
            return True
        for _ in range(3):  # back: "pause" on a paused counter resumes it
            if self._press_and_see(number, "p", lambda b, a: a.get("status") == "open") \
                    or self.taken_over(number) or self._stop.is_set():
                break
        return False

    def _serve(self, number: int, current: dict, rng: random.Random) -> None:
        gone = lambda b, a: not a.get("current")  # noqa: E731 - the ticket left the counter
        if rng.random() < NO_SHOW_SHARE:
            # Absent: called twice more, a minute apart, then marked absent.
            for _ in range(2):
                if self.wait_minutes(1):
                    return
                self._key(number, "r")
            if self.wait_minutes(1):
                return
            if self._press_and_see(number, "v", gone) is not None:
                self._count("no_shows")
            return
        # The keypad has no "serving" key: the citizen walks up, is served, and
        # "finish" ends the call.
        if self.wait_minutes(rng.uniform(0.3, 1.2) + self._service_minutes(
                current.get("service", ""), rng)):
            return
        if rng.random() < TRANSFER_SHARE:
            if self._transfer(number, current, rng):
                self._count("transfers")
            return
        state = self._press_and_see(
            number, "f", lambda b, a: self._finished_of(a) != self._finished_of(b))
        if state is None:
            return
        self._count("served")
        if rng.random() < RATING_SHARE:
            # The citizen presses a key of the rating keypad, lit by the finish
            # (a moment for the node to light it); after "Không hài lòng" a reason.
            time.sleep(0.3)
            level = rng.choices(range(1, 5), RATING_MIX)[0]
            self._key(number, str(level))
            if level == 4:
                time.sleep(0.3)
                self._key(number, str(rng.randint(1, 4)))

    def _transfer(self, number: int, current: dict, rng: random.Random) -> bool:
        """Transfer through the keypad's chooser: services first, in code order;
        "next" moves on, "finish" chooses."""
        codes = sorted(self.services)
        others = [i for i, code in enumerate(codes) if code != current.get("service")]
        if not others or not self._key(number, "t"):
            return False
        for _ in range(rng.choice(others)):
            if not self._key(number, "n"):
                return False
        return self._press_and_see(number, "f", lambda b, a: not a.get("current")) is not None

    # Citizens -----------------------------------------------------------------------
    def _citizens(self) -> None:
        weights = [SERVICE_WEIGHTS.get(s, 3) for s in self.services]
        placed = {s: (node, i + 1) for node, codes in DISPENSER_BUTTONS.items()
                  for i, s in enumerate(codes)}
        while not self._stop.is_set():
            rate = ARRIVALS_PER_HOUR.get(int(self.hour_of_day()), 0)
            if rate <= 0 or not open_at(self.hour_of_day()):
                if self.wait_minutes(5):
                    return
                continue
            # Poisson arrivals: exponential gaps at this hour's rate.
            if self.wait_minutes(self.rng.expovariate(rate / 60)):
                return
            if not open_at(self.hour_of_day()):
                continue
            service = self.rng.choices(self.services, weights)[0]
            if service not in placed:
                continue
            node, key = placed[service]
            priority = self.rng.random() < PRIORITY_SHARE
            try:
                if priority:
                    self.press(node, "p")
                self.press(node, str(key))
            except OSError as exc:  # the dispenser is gone: the demo is stopping
                log.info("demo floor: %s", exc)
                return
            self._count("citizens")
            self._count(f"citizens_{node}")
            if priority:
                self._count("priority")
            self.first_ticket.set()

    # Life ---------------------------------------------------------------------------
    def start(self) -> DemoFloor:
        self.bus.start()
        self.bus.wait_connected(10)
        self._t0 = time.monotonic()
        self._threads = [threading.Thread(target=self._citizens, daemon=True,
                                          name="demo-citizens")]
        self._threads += [threading.Thread(target=self._officer, args=(n,), daemon=True,
                                           name=f"demo-officer-{n}")
                          for n in sorted(self.counters)]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(12)
        self.bus.stop()

