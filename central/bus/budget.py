"""What one node may cost the hub: a stolen Pi is a small loss.

Mosquitto 2.0.11 cannot limit a client's message rate, nor forbid the retain
flag on some topics only, so the hub does it, first thing when a message
arrives and before it is even decoded:

- an event or request that a node sent **retained** is cleared on the broker
  (an empty retained publish) and dropped: never kept, never replayed into
  the hub at its next connection;
- every node has a budget of messages and of bytes (token buckets: a burst,
  then a steady rate) for its events, requests and statuses; what is over
  budget is dropped before decoding;
- a dispenser has a budget of tickets: a burst for a queue of people, then a
  limit; a ticket over it is refused with a Vietnamese answer;
- a node has a budget of dossier look-ups (codes can be walked): a burst, then
  a few a minute; over it, ``too_many_lookups`` with a Vietnamese answer.

Each breach raises one alarm per node and writes one log line per period
(``period`` seconds), not one per message::

    budget = NodeBudget(config.budget, topics, clear=publish_empty_retained)
    bus.admit = budget.admit            # False: drop it
    budget.ticket_refusal(incoming)     # None, or the error answer to send
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable

from motcua.bus import Topics
from motcua.bus.client import Incoming

from .. import alarms

log = logging.getLogger(__name__)


class TokenBucket:
    """``burst`` tokens at most, refilled at ``rate`` per second."""

    __slots__ = ("burst", "rate", "tokens", "stamp")

    def __init__(self, burst: float, rate: float, now: float):
        self.burst, self.rate = burst, rate
        self.tokens, self.stamp = float(burst), now

    def take(self, amount: float, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= amount:
            self.tokens -= amount
            return True
        return False


class _Breach:
    """One node's breaches of one kind: one alarm, one log line per period."""

    __slots__ = ("last", "unlogged", "logged_at")

    def __init__(self, now: float):
        self.last = now
        self.unlogged = 0
        self.logged_at = now


class NodeBudget:
    """``limits``: a central.config.BudgetConfig (``[budget]`` in hub.toml)."""

    def __init__(self, limits, topics: Topics,
                 clear: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.topics = topics
        self.clear = clear
        self.clock = clock
        self._prefix = f"motcua/{topics.center}/node/"
        self._lock = threading.Lock()
        self._messages: dict[str, TokenBucket] = {}
        self._bytes: dict[str, TokenBucket] = {}
        self._tickets: dict[str, TokenBucket] = {}
        self._lookups: dict[str, TokenBucket] = {}
        self._breaches: dict[tuple[str, str], _Breach] = {}
        self._timer: threading.Timer | None = None
        self.dropped = 0
        self.cleared = 0
        # Per node, the events and requests let through (what /healthz and the tests
        # hold against the budget's promise: a burst, then a rate).
        self.admitted: collections.Counter[str] = collections.Counter()

    # The gate, on the network thread: cheap, and before any decoding.
    def admit(self, incoming: Incoming) -> bool:
        topic = incoming.topic
        if not topic.startswith(self._prefix):
            return True
        node_id, _, rest = topic[len(self._prefix):].partition("/")
        kind = rest.partition("/")[0]
        if kind not in ("event", "request", "status"):
            return True
        if not incoming.payload:
            return False  # an empty message clears a retained topic: nothing to do
        # A status is retained on purpose (one topic per node), but counted like the
        # rest: a stolen node could otherwise send the hub a database write per
        # message, as fast and as big (max_packet_size) as it liked.
        if incoming.retain and kind != "status":
            # Events and requests are never retained (docs/mqtt.md): clear it on the
            # broker, so that it is neither kept nor sent again at every connection.
            self._clear(topic)
            self._breach(node_id, "retained", "gửi tin nhắn lưu giữ (retained) không được phép")
            return False
        now = self.clock()
        size = len(incoming.payload)
        with self._lock:
            messages = self._messages.get(node_id)
            if messages is None:
                messages = self._messages[node_id] = TokenBucket(
                    self.limits.messages_burst, self.limits.messages_per_second, now)
                self._bytes[node_id] = TokenBucket(
                    self.limits.bytes_burst, self.limits.bytes_per_second, now)
            too_big = size > self.limits.message_max_bytes
            within = (not too_big and messages.take(1, now)
                      and self._bytes[node_id].take(size, now))
        if within:
            self.admitted[node_id] += 1
            return True
        if too_big:
            self._breach(node_id, "size", f"gửi tin nhắn quá lớn ({size:,} byte)".replace(",", "."))
        else:
            self._breach(node_id, "rate", "gửi quá nhiều tin nhắn")
        return False

    def ticket_refusal(self, node_id: str) -> str | None:
        """None when the dispenser may issue one more ticket now; else why not (Vietnamese)."""
        return self._refusal(
            self._tickets, node_id, self.limits.tickets_burst, self.limits.tickets_per_minute,
            "tickets", "lấy số quá nhanh",
            "Máy lấy số đang cấp số quá nhanh, xin chờ ít phút rồi thử lại "
            "hoặc liên hệ cán bộ hướng dẫn.")

    def lookup_refusal(self, node_id: str) -> str | None:
        """None when the node may look one more dossier up now; else why not (Vietnamese).
        A dossier's code is the agency, the day and a sequence number: without this a
        stolen kiosk could read every dossier's public status, 20 a second."""
        return self._refusal(
            self._lookups, node_id, self.limits.lookups_burst, self.limits.lookups_per_minute,
            "lookups", "tra cứu hồ sơ quá nhiều",
            "Máy này đã tra cứu quá nhiều hồ sơ, xin chờ ít phút rồi thử lại "
            "hoặc hỏi cán bộ hướng dẫn.")

    def _refusal(self, buckets: dict[str, TokenBucket], node_id: str, burst: float,
                 per_minute: float, kind: str, what: str, answer: str) -> str | None:
        """Take one token from the node's bucket in ``buckets`` (made at its first use:
        ``burst``, then ``per_minute``): None, or the breach recorded and ``answer``."""
        now = self.clock()
        with self._lock:
            bucket = buckets.get(node_id)
            if bucket is None:
                bucket = buckets[node_id] = TokenBucket(burst, per_minute / 60.0, now)
            if bucket.take(1, now):
                return None
        self._breach(node_id, kind, what)
        return answer

    # Breaches: one alarm per node and kind, one log line per period.
    def _clear(self, topic: str) -> None:
        self.cleared += 1
        if self.clear is not None:
            try:
                self.clear(topic)
            except Exception:  # never let the gate fail the network thread
                log.exception("could not clear the retained message on %s", topic)

    def _breach(self, node_id: str, kind: str, what: str) -> None:
        now = self.clock()
        key = (node_id, kind)
        count = 0
        with self._lock:
            self.dropped += 1
            breach = self._breaches.get(key)
            fresh = breach is None
            if fresh:
                breach = self._breaches[key] = _Breach(now)
                count = 1
            else:
                breach.unlogged += 1
                if now - breach.logged_at >= self.limits.period:
                    count, breach.unlogged, breach.logged_at = breach.unlogged, 0, now
            breach.last = now
            if self._timer is None:
                self._timer = threading.Timer(self.limits.period, self._tick)
                self._timer.daemon = True
                self._timer.start()
        if fresh:
            alarms.raise_alarm(f"budget.{node_id}.{kind}",
                               f"Thiết bị {node_id} {what}: tin nhắn bị bỏ qua. "
                               "Kiểm tra thiết bị (có thể đã bị lấy cắp hoặc hỏng).",
                               severity="warning", source=node_id)
        if count:
            self._log(node_id, kind, count)

    def _log(self, node_id: str, kind: str, count: int) -> None:
        log.warning("node %s over its budget (%s): %d message(s) dropped in the last %d s",
                    node_id, kind, count, int(self.limits.period))

    def _tick(self) -> None:
        """Every period while there are breaches: log what was not logged yet, and
        clear the alarm of a node quiet for ten periods."""
        now = self.clock()
        logs, quiet = [], []
        with self._lock:
            self._timer = None
            for key, b in list(self._breaches.items()):
                if b.unlogged and now - b.logged_at >= self.limits.period * 0.9:
                    logs.append((*key, b.unlogged))
                    b.unlogged, b.logged_at = 0, now
                if now - b.last > self.limits.period * 10 and not b.unlogged:
                    quiet.append(key)
                    del self._breaches[key]
            if self._breaches:
                self._timer = threading.Timer(self.limits.period, self._tick)
                self._timer.daemon = True
                self._timer.start()
        for node_id, kind, count in logs:
            self._log(node_id, kind, count)
        for node_id, kind in quiet:
            alarms.clear(f"budget.{node_id}.{kind}")

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            keys = list(self._breaches)
            self._breaches.clear()
        for node_id, kind in keys:
            alarms.clear(f"budget.{node_id}.{kind}")


# For benchmarks, the demo at ten times real speed and tests that are not
# about budgets: they send what no real node sends. ``from_dict(HubConfig,
# {..., "budget": UNLIMITED})``, or the same as a hub.toml table.
UNLIMITED = {"messages_burst": 10**9, "messages_per_second": 1e9, "bytes_burst": 10**12,
             "bytes_per_second": 1e12, "tickets_burst": 10**9, "tickets_per_minute": 1e9,
             "lookups_burst": 10**9, "lookups_per_minute": 1e9}
UNLIMITED_TOML = "[budget]\n" + "".join(f"{k} = {v!r}\n" for k, v in UNLIMITED.items())
