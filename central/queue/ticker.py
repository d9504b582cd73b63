"""Statistics published retained when they change, coalesced.

Statistics read the whole day (waits, percentiles), too much to recompute
on every key press at a busy hour. A ticker recomputes its figures when
nudged (the gateway nudges the tickers concerned by a state it publishes), when a
cheap ``fingerprint`` of the store moved (e.g. the newest event row's id,
for changes made through the web pages), or every ``interval`` seconds
(figures that move with the clock, like "overdue"); and publishes only when
the figures differ. After each computation it rests ``min_gap`` seconds:
nudges arriving meanwhile make one more computation, not one each, so a
busy morning does not flood the bus. Started and stopped with the gateway::

    ticker = StatsTicker(store, topics, publish).start()
    ticker.nudge()      # something changed: recompute soon
    ticker.stop()
"""

from __future__ import annotations

import logging
import threading
import time

from motcua.bus import Topics

from ..store import Store
from . import state

log = logging.getLogger(__name__)


class StatsTicker:
    """Publishes ``figures(db)`` on ``topic`` when it changed, every ``interval`` s.

    ``message`` turns figures into the payload (e.g. adding a timestamp that
    must not count as a change); by default the figures are the payload. The
    default figures are today's queue statistics on ``state/queue_stats``.
    """

    def __init__(self, store: Store, topics: Topics, publish, interval: float = 1.0,
                 topic: str | None = None, figures=None, message=None, name="queue-stats",
                 min_gap: float = 0.2, fingerprint=None, poll: float = 0.25,
                 nudged_by=None):
        self.store = store
        self.topics = topics
        self.publish = publish
        self.interval = interval
        self.topic = topic or topics.state("queue_stats")
        self.figures = figures or state.stats
        self.message = message or (lambda figures: figures)
        self.name = name
        self.min_gap = min_gap
        self.fingerprint = fingerprint
        self.poll = poll
        # Which published topics (None: a node's status) concern these figures.
        self.nudged_by = nudged_by or (lambda topic: True)
        self._stop = threading.Event()
        self._nudged = threading.Event()
        self._seen = None
        self._thread: threading.Thread | None = None
        self.last: dict | None = None
        self._seen: tuple | None = None

    REST_FACTOR = 9.0  # rest at least 9× the time the last computation took

    def tick(self) -> None:
        db = self.store.db
        if self.figures is state.stats:
            # Nothing committed since the last tick (SQLite's data_version moves
            # with every other connection's commit) and the same business day:
            # the figures are the same, and reading the whole day is skipped.
            seen = (db.execute("pragma data_version").fetchone()[0], state._day(db))
            if seen == self._seen and self.last is not None:
                return
            self._seen = seen
        figures = self.figures(db)
        if figures != self.last:
            self.publish(self.topic, self.message(figures), True)
            self.last = figures

    def nudge(self) -> None:
        """Something changed: recompute (once, however many nudges) soon."""
        if not self._nudged.is_set():  # set() takes a lock and notifies: not again
            self._nudged.set()

    def _due(self, last_tick: float) -> bool:
        if self._nudged.is_set() or time.monotonic() - last_tick >= self.interval:
            return True
        if self.fingerprint is not None:
            seen = self.fingerprint(self.store.db)
            if seen != self._seen:
                self._seen = seen
                return True
        return False

    def _run(self) -> None:
        # The first figures go out at once, not an interval after the start (an
        # empty store's fingerprint equals the "nothing seen yet" it starts from).
        last_tick = time.monotonic() - self.interval
        cpu = time.thread_time()
        while not self._stop.is_set():
            # Asleep until nudged or the clock's turn: a ticker with nothing to poll
            # does not wake to find it is not due (four tickers woke the idle hub
            # 20 times a second; issue 25). One with a fingerprint looks at it
            # every ``poll`` seconds.
            wait = max(0.0, last_tick + self.interval - time.monotonic())
            if self.fingerprint is not None:
                wait = min(wait, self.poll)
            self._nudged.wait(wait)
            if self._stop.is_set():
                break
            try:
                if not self._due(last_tick):
                    continue
                self._nudged.clear()
                last_tick = time.monotonic()
                cpu = time.thread_time()
                self.tick()
            except Exception:  # a bad second must not end the statistics
                log.exception("%s failed", self.name)
            # Figures that take long to reckon (a long day, a small machine)
            # are reckoned less often: at most a tenth of one core. The thread's
            # own CPU time, not the wall clock: on a busy machine the wall time
            # of a computation grows with others' work, and resting 9× that made
            # an alarm wait seconds for its turn on the dashboard.
            spent = time.thread_time() - cpu
            self._stop.wait(min(self.interval, max(self.min_gap, self.REST_FACTOR * spent)))

    def start(self) -> StatsTicker:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._nudged.set()
        if self._thread:
            self._thread.join(5)
