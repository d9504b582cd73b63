"""The demo's booked citizens (issue 26): a share of the day's citizens book a slot,
then come and scan their booking at a dispenser.

Every half hour of the simulated day the desk books, through the hub's own booking
service (as the public page would), about ``share`` of the citizens expected in the
hour after next, on the busy services, each with a name and a phone of their own.
Each citizen then arrives around their slot (a few minutes early, most on time, a
few late, some never) and scans the booking's QR at a dispenser: the press goes
to that dispenser's stdin as ``hen <code>``, through its scanner path and the bus
to the hub's check-in, as a real scan would::

    desk = BookingDesk(hub_config, floor, press, seed=1)
    threading.Thread(target=desk.run, args=(stop_event,)).start()
    desk.counts     # booked, arrived, stayed_away, refused
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter
from zoneinfo import ZoneInfo

from central.appointments import bookings, slots
from central.errors import Refused
from central.queue import setup
from central.store import Store
from motcua import clock

from .dossiers import GIVEN, MIDDLE, SURNAMES
from .floor import ARRIVALS_PER_HOUR, DISPENSER_BUTTONS, SERVICE_WEIGHTS, open_at

log = logging.getLogger(__name__)
LOCAL = ZoneInfo(clock.LOCAL_ZONE)

BOOKED_SHARE = 0.15        # of the citizens expected, who booked beforehand
STAY_AWAY_SHARE = 0.08     # booked and never came (a no-show that frees the seat)
# Minutes from the slot's start a booked citizen scans (mostly within the window of
# -15 … +10 minutes; a few too early or too late, who are told so and may take a
# walk-in ticket).
ARRIVAL_MINUTES = (-25, -14, -10, -6, -3, 0, 2, 5, 8, 14)
BOOK_EVERY_MIN = 30


class BookingDesk:
    def __init__(self, config, floor, press, *, seed: int | None = None,
                 share: float = BOOKED_SHARE):
        self.config = config
        self.store = Store(config.database)
        self.floor = floor
        self.press = press
        self.rng = random.Random(seed)
        self.share = share
        self.counts: Counter = Counter()
        self.arrivals: list[tuple[dt.datetime, str]] = []  # (when, code), in order
        self._booked_until: dt.datetime | None = None
        self._n = 0

    def _services(self) -> list[tuple[str, int]]:
        """The services a dispenser offers, with their weight and id."""
        codes = [c for buttons in DISPENSER_BUTTONS.values() for c in buttons]
        ids = {s["code"]: s["id"] for s in setup.services(self.store.db)}
        return [(c, ids[c]) for c in codes if c in ids]

    def book_ahead(self, now: dt.datetime) -> int:
        """Book for the slots that start between one and two hours from ``now`` (a
        booking needs the centre's lead time), once per slot; how many were booked."""
        start = max(now + dt.timedelta(hours=1), self._booked_until or now)
        end = now + dt.timedelta(hours=2)
        if end <= start:
            return 0
        self._booked_until = end
        services = self._services()
        if not services:
            return 0
        weights = [SERVICE_WEIGHTS.get(code, 3) for code, _ in services]
        plans = slots.plan(self.store.db, self.config, [sid for _, sid in services],
                           start.astimezone(LOCAL).date(), end.astimezone(LOCAL).date(), now)
        booked = 0
        hour = start.astimezone(LOCAL).hour
        wanted = self.share * ARRIVALS_PER_HOUR.get(hour, 0) * (end - start) / dt.timedelta(
            hours=1)
        for _ in range(int(wanted) + (self.rng.random() < wanted % 1)):
            code, sid = self.rng.choices(services, weights)[0]
            free = [s for s in plans.get(sid, []) if start <= s.start < end and s.free > 0
                    and not s.closed and not s.too_late]
            if not free:
                self.counts["no_seat"] += 1
                continue
            slot = self.rng.choice(free)
            self._n += 1
            try:
                b = bookings.book(
                    self.store, self.config, service_code=code, starts_at=slot.starts_at,
                    name=" ".join([self.rng.choice(SURNAMES), self.rng.choice(MIDDLE),
                                   self.rng.choice(GIVEN)]),
                    phone=f"09{self.rng.randrange(10**8):08d}", client_key=f"demo:{self._n}",
                    now=now)
            except Refused as refusal:
                self.counts["refused"] += 1
                log.info("demo booking refused: %s", refusal.message)
                continue
            slot.booked += 1
            booked += 1
            self.counts["booked"] += 1
            if self.rng.random() < STAY_AWAY_SHARE:
                self.counts["stayed_away"] += 1
                continue
            when = slot.start + dt.timedelta(minutes=self.rng.choice(ARRIVAL_MINUTES))
            self.arrivals.append((when, b["code"]))
        self.arrivals.sort()
        return booked

    def arrive(self, now: dt.datetime) -> list[str]:
        """The booked citizens due by ``now`` scan their booking at a dispenser."""
        due = [code for when, code in self.arrivals if when <= now]
        self.arrivals = [(w, c) for w, c in self.arrivals if w > now]
        for code in due:
            node = self.rng.choice(sorted(DISPENSER_BUTTONS))
            try:
                self.press(node, f"hen {code}")
            except OSError as exc:  # the dispenser is gone: the demo is stopping
                log.info("demo bookings: %s", exc)
                return due
            self.counts["arrived"] += 1
        return due

    def run(self, stop: threading.Event) -> None:
        since_booking = BOOK_EVERY_MIN
        while not stop.is_set():
            try:
                now = clock.now()
                if since_booking >= BOOK_EVERY_MIN and open_at(self.floor.hour_of_day()):
                    self.book_ahead(now)
                    since_booking = 0
                self.arrive(now)
            except Exception:  # a bad minute must not end the demo
                log.exception("demo bookings failed")
            if self.floor.wait_minutes(1):
                return
            since_booking += 1
