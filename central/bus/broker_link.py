"""The hub's link to the broker, as it has been lately, not only at this instant.

A link that is knocked off and comes back within a second looks "connected"
nearly every time anyone asks; meanwhile requests go unanswered. So the hub
keeps the times its link was lost, and ``/healthz`` and the supervisor's
dashboard (an alarm) say "unstable" while there were losses in the last
``window`` seconds::

    link = BrokerLink(window=600)
    gateway.bus.on_connection_change(link.record)
    link.describe(gateway.connected)
    # {'state': 'unstable', 'lost_recently': 3, 'last_lost': '2026-…', ...}
"""

from __future__ import annotations

import collections
import logging
import threading
import time

from motcua import clock

from .. import alarms

log = logging.getLogger(__name__)
ALARM = "broker.link"


class BrokerLink:
    """Losses of the hub's broker link over the last ``window`` seconds."""

    def __init__(self, window: float = 600.0, *, alarm: bool = True):
        self.window = window
        self.alarm = alarm
        self._lock = threading.Lock()
        self._losses: collections.deque[float] = collections.deque(maxlen=10_000)
        self.lost_total = 0
        self.last_lost: str | None = None
        self.connected_since: str | None = None
        self._timer: threading.Timer | None = None

    def record(self, up: bool) -> None:
        """A connection listener: ``up`` True when the link came, False when it went."""
        with self._lock:
            if up:
                # Unless /healthz saw the link up a moment before this call came.
                self.connected_since = self.connected_since or clock.iso(clock.now())
            else:
                self._losses.append(time.monotonic())
                self.lost_total += 1
                self.last_lost = clock.iso(clock.now())
                self.connected_since = None
        if not up:
            self._raise()
        self._schedule_check()

    def lost_recently(self) -> int:
        cutoff = time.monotonic() - self.window
        with self._lock:
            while self._losses and self._losses[0] < cutoff:
                self._losses.popleft()
            return len(self._losses)

    def state(self, connected: bool) -> str:
        """``connected`` (and steady), ``unstable`` (connected, lost lately) or ``disconnected``."""
        if not connected:
            return "disconnected"
        return "unstable" if self.lost_recently() else "connected"

    def describe(self, connected: bool) -> dict:
        """The link as ``/healthz`` shows it. ``connected`` is the client's word, which
        it gives a moment before its listeners (:meth:`record`) hear it: a link said
        connected has a ``connected_since`` (from the first time it is seen so), one
        said disconnected has none."""
        with self._lock:
            if connected and self.connected_since is None:
                self.connected_since = clock.iso(clock.now())
            since = self.connected_since if connected else None
        return {"state": self.state(connected), "lost_recently": self.lost_recently(),
                "window_seconds": int(self.window), "lost_total": self.lost_total,
                "last_lost": self.last_lost, "connected_since": since}

    # The supervisor's alarm: raised at a loss, cleared once a window passed without one.
    def _raise(self) -> None:
        if not self.alarm:
            return
        n = self.lost_recently()
        minutes = max(1, round(self.window / 60))
        alarms.raise_alarm(
            ALARM, f"Máy chủ trung tâm mất kết nối tới MQTT broker {n} lần trong "
                   f"{minutes} phút qua: thiết bị có thể không được trả lời.", source="broker")
        if n in (1, 10, 100, 1000):  # one log line per order of magnitude, not per loss
            log.warning("broker link lost %d times in the last %d s", n, int(self.window))

    def _schedule_check(self) -> None:
        if not self.alarm:
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.window + 1, self._check)
            self._timer.daemon = True
            self._timer.start()

    def _check(self) -> None:
        if self.lost_recently() == 0:
            alarms.clear(ALARM)
        else:
            self._schedule_check()

    def close(self) -> None:
        """The gateway stops: its link's alarm goes with it."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if self.alarm:
            alarms.clear(ALARM)
