"""Today's queue statistics, published at most once a second, when they changed.

Statistics read the whole day (waits, percentiles), too much to recompute
on every key press at a busy hour; a second's delay on an LED board is
invisible. Started and stopped with the gateway::

    ticker = StatsTicker(store, topics, publish).start()
    ticker.stop()
"""

from __future__ import annotations

import logging
import threading

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
                 topic: str | None = None, figures=None, message=None, name="queue-stats"):
        self.store = store
        self.topics = topics
        self.publish = publish
        self.interval = interval
        self.topic = topic or topics.state("queue_stats")
        self.figures = figures or state.stats
        self.message = message or (lambda figures: figures)
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: dict | None = None
        self._seen: tuple | None = None

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

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a bad second must not end the statistics
                log.exception("%s failed", self.name)

    def start(self) -> StatsTicker:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
