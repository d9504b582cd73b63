"""The hub's MQTT gateway: a thin adapter between the bus and the services.

One client per hub (client id ``motcua-hub-<center>``) with a persistent
session, so events sent while the hub restarts wait at the broker. It is
started by the serving entry point (:mod:`central.serve`), never by
``create_app``: a second client with the same id would knock the first off
the broker about once a second.

Handlers are plain service calls; the gateway adds what every message needs:
the topic's node id must match the payload's, events and state-changing
requests are applied once (:func:`central.bus.idempotency.apply_once`), and a
refusal becomes an error response the node can show.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import queue
import threading
import time

from motcua import __version__, clock
from motcua.bus import BusClient, Incoming, Topics
from motcua.bus.client import Transport
from motcua.bus.messages import HUB_STATUS, REQUEST_RESULTS, error_response, ok_response
from motcua.bus.paho import PahoTransport

from ..appointments import checkin
from ..config import HubConfig
from ..devices import nodes
from ..errors import Refused
from ..province.uplink import BRIDGE_STATE, Uplink
from ..queue import api as queue_api
from ..queue import state
from ..queue.ticker import StatsTicker
from ..statistics import dossier_figures, live
from ..store import Store
from . import reliability, routes
from .broker_link import BrokerLink
from .budget import NodeBudget
from .idempotency import apply_once
from .routes import Context, Route

log = logging.getLogger(__name__)
# The statistics tickers a gateway runs (attributes), stopped and nudged together.
TICKERS = ("stats_ticker", "dossier_ticker", "supervision_ticker", "booking_ticker")
# Retained state goes out at QoS 0: it is rebuilt from the store and published
# whole again whenever the hub (re)connects (_republish_queue_state), so a
# message lost with a dropped link is replaced by the next one anyway, and
# the broker keeps the newest retained copy whatever its QoS. It saves the
# PUBACK round of every state message (paho builds two property objects per
# PUBACK: a third of the hub's CPU per ticket went there). Answers and
# announcements (not retained, not rebuilt) stay QoS 1.
STATE_QOS = 0
STATS_MIN_GAP_S = 1.0  # today's queue figures at most once a second
SWEEP_EVERY_S = 60.0  # no-show bookings released (central/appointments/checkin.py)


_QUEUE_STATE = tuple(f"/state/{kind}/" for kind in ("counter", "line", "board", "ticket"))


def _queue_topic(topic: str | None) -> bool:
    return topic is not None and any(part in topic for part in _QUEUE_STATE)



class Gateway:
    def __init__(self, config: HubConfig, store: Store, transport: Transport | None = None):
        self.config = config
        self.store = store
        self.topics = Topics(config.center)
        if transport is None:
            transport = PahoTransport(
                config.mqtt, client_id=f"motcua-hub-{config.center}", persistent=True
            )
        self.bus = BusClient(
            transport,
            self.topics,
            status_topic=self.topics.hub_status(),
            online=HUB_STATUS.make(
                state="online", version=__version__, center_name=config.center_name,
                ts=clock.iso(),
            ),
            offline=HUB_STATUS.make(state="offline"),
        )
        self.events: dict[str, Route] = dict(routes.EVENTS)
        self.requests: dict[str, Route] = dict(routes.REQUESTS)
        missing = set(self.requests) - set(REQUEST_RESULTS)
        assert not missing, f"requests not in the catalogue: {missing}"
        # What one node may cost (a stolen Pi): checked before anything else.

        self.budget = NodeBudget(config.budget, self.topics, clear=self._clear_retained)
        self.bus.admit = self.budget.admit
        if hasattr(transport, "retain_as_published"):
            transport.retain_as_published |= {self.topics.all_nodes("event"),
                                              self.topics.all_nodes("request")}
        self.bus.subscribe(self.topics.all_nodes("status"), self._on_status)
        self.bus.subscribe(self.topics.all_nodes("event"), self._on_event)
        self._requests: queue.Queue[Incoming] = queue.Queue()
        # With a transport that runs a hook on its network thread (paho's), the
        # requests read are answered right there: collected here, answered after
        # the read (see _serve_reads). Otherwise a worker thread takes them from
        # _requests.
        self._inbox: list[Incoming] = []
        self._on_network_thread = False
        self._pending: list = []  # retained state and announcements not yet published
        self._pending_since = 0.0  # when the oldest of them was answered
        # A publication of the pending state under way on the network thread: what
        # is left of it, one state built and sent per call of _serve_reads (see there).
        self._flushing: collections.deque = collections.deque()
        self._flushing_since = 0.0
        self._last_published = 0.0
        self._last_retry = 0.0
        self._unstored_events: collections.deque[Incoming] = collections.deque()
        # The retained payload last published per topic (see publish_state).
        self._published: dict[str, dict] = {}
        self._published_lock = threading.Lock()
        self._tickers = None  # (tickers, their topics) once all are started: nudge_statistics
        self._ticket_prefix = self.topics.state("ticket") + "/"
        self.skipped_unchanged = 0
        self._stopping = threading.Event()
        self._stop_seen = threading.Event()  # the network thread saw _stopping
        self._worker: threading.Thread | None = None
        self.bus.subscribe(self.topics.all_nodes("request"), self._enqueue_request)
        # Losses of the link over the last minutes, for /healthz and an alarm: told
        # first, before the republishing of the whole state (long on a busy day).
        self.link = BrokerLink()
        self.heard: dict[str, dt.datetime] = {}
        self.bus.on_connection_change(self.link.record)
        self.bus.on_connection_change(self._republish_queue_state)
        self._allowed: dict[tuple, bool] = {}  # see _response_allowed
        self.bus.response_allowed = self._response_allowed
        self.uplink = None
        if config.uplink:
            # Summaries for the province (issue 12); the broker's bridge carries them.

            self.uplink = Uplink(store, self.topics, self.publish_state, config.center_name)
            self.bus.subscribe(BRIDGE_STATE.format(center=config.center),
                               self.uplink.on_bridge_state, checked=False)
            # Retained state goes out at QoS 0 (STATE_QOS), which the bridge
            # does not queue while the link is down: all of it again once up.
            self.bus.subscribe(BRIDGE_STATE.format(center=config.center),
                               self._on_bridge_state, checked=False)
            self.bus.on_connection_change(self.uplink.reconnected)

    # Life --------------------------------------------------------------------
    def start(self) -> Gateway:
        self._stopping.clear()
        self._stop_seen.clear()
        self._on_network_thread = self.bus.transport.after_reads(self._serve_reads)
        # Before the network thread's connection is made: the WAL is copied into
        # the database file by the store's own thread, not inside the commit a
        # request waits for (one ticket in ~90 paid it; central/store).
        self.store.checkpoint_in_background()
        if not self._on_network_thread:
            self._worker = threading.Thread(target=self._work, name="hub-requests",
                                            daemon=True)
            self._worker.start()
        self.bus.start()
        # Today's queue figures read the whole day: at a busy hour, recomputed
        # after every batch 10 times a second, they cost a tenth of the hub's CPU
        # per ticket (issue 25). A dashboard and the province's summary follow
        # within a second (as the booking figures do).
        self.stats_ticker = StatsTicker(self.store, self.topics, self.publish_state,
                                        nudged_by=_queue_topic,
                                        min_gap=STATS_MIN_GAP_S).start()
        # Departments' dossier figures for the hall screens: overdue grows with
        # the clock, not only with actions, so they are looked at every 10 s.
        self.dossier_ticker = StatsTicker(
            self.store, self.topics, self.publish_state, interval=10.0,
            topic=self.topics.state("dossier_stats"), figures=dossier_figures.department_figures,
            message=dossier_figures.as_message, name="dossier-stats",
            nudged_by=lambda topic: False).start()
        # The supervisor dashboard's counts and the alarms (issue 9).
        self.supervision_ticker = live.supervision_ticker(self).start()
        # Issue 26: today's booked and walk-in figures (bridged to the province);
        # seats and no-shows move with the clock too, so looked at every 30 s.
        from ..appointments import figures as booking_figures

        config = self.config
        self.booking_ticker = StatsTicker(
            self.store, self.topics, self.publish_state, interval=30.0,
            topic=self.topics.state("booking_stats"), name="booking-stats", min_gap=1.0,
            figures=lambda db: booking_figures.today_message(db, config),
            nudged_by=_queue_topic).start()
        if self.config.uplink:
            self.uplink.start()
        self._sweeper = threading.Thread(target=self._sweep_bookings, name="booking-no-shows",
                                         daemon=True)
        self._sweeper.start()
        self._tickers = self._find_tickers()
        return self

    def _sweep_bookings(self) -> None:
        """Issue 26: a booking whose check-in window closed unused, or whose booked
        ticket was a no-show at its counter, frees its seat, within a minute.

        And the day's turn: the days before today are closed within a minute of
        it, so nothing of last evening is still "waiting" or "called" on the hall
        board, the lines, the counters and the ticket pages at opening."""
        while not self._stopping.wait(SWEEP_EVERY_S):
            try:
                with self.store.write() as db:
                    checkin.release_no_shows(db)
            except Exception:  # a locked or full disk now: next minute
                log.exception("releasing no-show bookings failed")
            try:
                with self.store.write() as db:
                    out = queue_api.turn_the_day(db, self.topics)
                for topic, payload, retain in out:
                    self.publish_state(topic, payload, retain)
            except Exception:  # as above: tried again next minute
                log.exception("closing the days before today failed")

    def stop(self) -> None:
        self._tickers = None
        self.link.close()
        self.budget.close()
        if self.uplink is not None:
            self.uplink.stop()
        for name in TICKERS:
            ticker = getattr(self, name, None)
            if ticker is not None:
                ticker.stop()
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(5)
        elif self._on_network_thread and (self._pending or self._flushing) and self.connected:
            # The network thread, woken, publishes the state still pending once
            # it sees _stopping; not if the link is down meanwhile (all of it is
            # published again at the next connect anyway).
            self.bus.transport.wake()
            self._stop_seen.wait(1.0)
        if getattr(self, "_sweeper", None) is not None:
            self._sweeper.join(5)
        self.bus.stop()
        self.store.stop_checkpointing()

    def _republish_queue_state(self, up: bool) -> None:
        # Retained state equal to the store whenever the hub (re)connects: a
        # broker that lost its snapshot, or a hub restarted mid-day, heals here.
        # What was published before is forgotten, so all of it goes out again.
        with self._published_lock:
            self._published.clear()
        if not up:
            return
        for topic, payload, retain in state.everything(self.store.db, self.topics):
            self.publish_state(topic, payload, retain)
        for name in TICKERS:  # their figures again at next tick
            ticker = getattr(self, name, None)
            if ticker is not None:
                ticker.last = None
                ticker.nudge()

    def _on_bridge_state(self, incoming: Incoming) -> None:
        if incoming.payload.strip() == b"1" and self.connected:
            self._republish_queue_state(True)

    @property
    def connected(self) -> bool:
        return self.bus.connected

    def publish_state(self, topic: str, payload, retain: bool = True,
                      nudged: set | None = None) -> None:
        """Publish shared state (retained); used after a change committed.

        ``payload`` may be a function building it, called now (state built from
        the store after the commit). A retained payload equal to the one last
        published on its topic is not sent again: the broker holds it already,
        and every screen subscribed would only decode it for nothing.

        ``nudged``: within a publication of many (``_publish_one``), the kinds of
        topic (all but the last level) that nudged the tickers already: they are
        asked once per kind, not per message (a ticket's page, an announcement:
        ~4 messages a call; the tickers' ``nudged_by`` read a topic's kind alone)."""
        if callable(payload):
            payload = payload()
        with self._published_lock:
            if payload == b"":  # clears a retained topic
                self._published.pop(topic, None)
                self.bus.transport.publish(topic, b"", 1, retain)
                return
            remember = retain and self._remembers(topic)
            if remember and self._published.get(topic) == payload:
                self.skipped_unchanged += 1
                return
            self.bus.publish(topic, payload, qos=STATE_QOS if retain else 1, retain=retain)
            if remember:
                self._published[topic] = payload
        if nudged is not None:
            kind = topic.rpartition("/")[0]
            if kind in nudged:
                return
            nudged.add(kind)
        self.nudge_statistics(topic)

    def nudge_statistics(self, topic: str | None = None) -> None:
        """Something changed: the statistics tickers recompute (coalesced) soon.

        Their own publications nudge nobody (figures follow from changes, not
        from other figures)."""
        # Called for every state published (several per ticket): the tickers and
        # their topics found once all are started, not per call (3.0 → 1.2 µs of
        # CPU a call; issue 25).
        tickers = self._tickers or self._find_tickers()
        if topic in tickers[1]:
            return
        for ticker in tickers[0]:
            if ticker.nudged_by(topic):
                ticker.nudge()

    def _find_tickers(self) -> tuple[list, set]:
        """The tickers running, and their topics."""
        found = [t for t in (getattr(self, name, None) for name in TICKERS) if t is not None]
        return found, {t.topic for t in found}

    def _remembers(self, topic: str) -> bool:
        # Shared state (boards, counters, lines, statistics) is republished
        # often and mostly unchanged; a ticket's own state changes each time it
        # is published, and there is one per ticket of the day: not kept.
        return not topic.startswith(self._ticket_prefix)

    def _response_allowed(self, incoming: Incoming) -> bool:
        """Answers go only to the asking node's own ``response/<name>`` topic."""
        # The verdict for a (request topic, response topic) pair is kept: both topics
        # were parsed again for every answer (issue 25). Bounded, as a node can name
        # any response topic.
        key = (incoming.topic, incoming.response_topic)
        allowed = self._allowed.get(key)
        if allowed is None:
            parts = self.topics.parse(incoming.topic)
            wanted = incoming.response_topic or ""
            own = self.topics.parse(wanted)
            allowed = (parts is not None and parts.node_id is not None and own is not None
                       and own.node_id == parts.node_id and own.kind == "response"
                       and "+" not in wanted and "#" not in wanted)
            if len(self._allowed) >= 4096:
                self._allowed = {}
            self._allowed[key] = allowed
        return allowed

    # Handlers (each on paho's thread; BusClient catches what escapes) ------
    def _on_status(self, incoming: Incoming) -> None:
        node_id = incoming.parts.node_id
        if incoming.data["node_id"] != node_id:
            self.bus.dropped += 1
            log.warning("status on %s names node %s; dropped", incoming.topic,
                        incoming.data["node_id"])
            return
        nodes.record_status(self.store, node_id, incoming.data, replayed=incoming.retain)
        self.nudge_statistics()  # nodes online, printers' paper

    def _run(self, route: Route, incoming: Incoming,
             outbox: list | None = None) -> tuple[object, bool]:
        """Run a route, once per message id when it changes state; then publish its
        state (or, given ``outbox``, leave it there for the caller to publish after
        its own commit)."""
        node_id, data = incoming.parts.node_id, incoming.data
        ctx = Context(node_id=node_id, data=data, db=self.store.db, store=self.store,
                      config=self.config)
        if route.changes_state:

            def change(db):
                ctx.db = db
                return {"result": route.handle(ctx)}

            stored, fresh = apply_once(self.store, node_id, data["id"], incoming.topic, change)
            if stored and "refused" in stored:
                # A tombstone (central.bus.reliability): its sender gave up on it.
                raise Refused(stored["refused"]["code"], stored["refused"]["message"])
            result = (stored or {}).get("result")
        else:
            result, fresh = route.handle(ctx), True
        if outbox is not None:
            outbox.extend(ctx.outbox)
            return result, fresh
        for topic, payload, retain in ctx.outbox:
            self.publish_state(topic, payload, retain)
        return result, fresh

    def _on_event(self, incoming: Incoming) -> None:
        name = incoming.parts.name
        route = self.events.get(name)
        if route is None:  # in the catalogue but not routed: a bug of ours
            log.error("no route for event %s", name)
            return
        try:
            _, fresh = self._run(route, incoming)
        except Refused as refusal:
            log.warning("event %s from %s refused: %s", name, incoming.parts.node_id, refusal)
            return
        except Exception as exc:
            if not reliability.storage_failed(exc):
                raise
            # Not stored: kept here and tried again when the store takes writes
            # (a hub that dies meanwhile loses these; see docs/reliability.md).
            self._unstored_events.append(incoming)
            return
        if fresh:  # it wrote: the store takes writes (clears the alarm if it was up)
            reliability.storage_ok()
        if not fresh:
            log.info("event %s from %s already applied; ignored", incoming.data["id"],
                     incoming.parts.node_id)

    def _on_request(self, incoming: Incoming, outbox: list | None = None) -> dict:
        name, data = incoming.parts.name, incoming.data
        route = self.requests.get(name)
        if route is None:
            return error_response(data["id"], "unknown", f"Không có yêu cầu '{name}'.")
        try:
            result, _ = self._run(route, incoming, outbox)
        except Refused as refusal:
            return error_response(data["id"], refusal.code, refusal.message)
        return ok_response(data["id"], result if result is not None else {})

    # Requests: answered by a worker in batches, one commit per batch ---------
    # A durable commit (synchronous=FULL) costs milliseconds of fsync; at a
    # busy hour requests arrive faster than that. The worker takes whatever
    # has queued up, applies each in its own savepoint inside one
    # transaction, commits once, and only then publishes the state and the
    # answers: nothing is acknowledged before it is on disk.
    MAX_BATCH = 64

    def _clear_retained(self, topic: str) -> None:
        """An empty retained publish: the broker forgets what a node retained there."""
        self.bus.transport.publish(topic, b"", 1, True)

    def _enqueue_request(self, incoming: Incoming) -> None:
        # When each node was last heard, for /nodes: kept in memory (a request is a
        # key press or a ticket; a write per request would cost the hot path), the
        # store's last_seen moving only with status and events.
        self.heard[incoming.parts.node_id] = clock.now()
        if not incoming.response_topic:
            log.warning("request on %s has no response topic; dropped", incoming.topic)
            self.bus.dropped += 1
            return
        if incoming.parts.name == "ticket":
            refusal = self.budget.ticket_refusal(incoming.parts.node_id)
            if refusal:
                self.bus.respond(incoming, error_response(
                    incoming.data.get("id"), "too_many_tickets", refusal))
                return
        if incoming.parts.name in ("dossier_lookup", "dossier_lookup_by_id"):
            refusal = self.budget.lookup_refusal(incoming.parts.node_id)
            if refusal:
                self.bus.respond(incoming, error_response(
                    incoming.data.get("id"), "too_many_lookups", refusal))
                return
        if self._on_network_thread:
            self._inbox.append(incoming)  # answered once the read is done (_serve_reads)
        else:
            self._requests.put(incoming)

    def _retry_unstored_events(self) -> None:
        """Events the store refused, tried again (on the worker) once it takes writes."""
        while self._unstored_events:
            incoming = self._unstored_events.popleft()
            self._on_event(incoming)
            if self._unstored_events and self._unstored_events[-1] is incoming:
                return  # refused again: the store is still not writable

    # Under load the state is coalesced too: the retained state of every batch
    # answered within STATE_GAP of the last publication waits for the next one
    # (at most STATE_GAP later), built once from the newest store. A lone
    # request (the last publication older than that) publishes at once. While
    # more requests are already waiting, their answers go first, for at most
    # STATE_DELAY. A busy hall's board and a line listing 200 tickets are then
    # built and sent once per STATE_GAP rather than once per batch: with 10
    # dispensers asking, batches of ~4 tickets, that was a quarter of the
    # request worker's CPU per ticket (issue 25). 20 ms late is not something
    # a hall's board or a counter's display can show.
    #
    # On the network thread a publication goes one built state at a time, one
    # per call of _serve_reads, and paho reads the socket before each call: a
    # request that arrives meanwhile is answered before the next state is
    # built (the same STATE_DELAY bound), instead of waiting for the whole of
    # it (a board, a line, a ticket's page: ~1.3 ms in all, once every few
    # tickets, was the hub's own share of a ticket's p99; issue 25, session 23).
    # What paho reads in between is what the socket holds: the broker's PUBACKs
    # only cost that read, where a check of the socket alone could not tell
    # them from a request.
    STATE_GAP = 0.02  # seconds
    STATE_DELAY = 0.05  # seconds

    def _retry_if_due(self) -> None:
        if self._unstored_events and time.monotonic() - self._last_retry > 2.0:
            self._last_retry = time.monotonic()
            try:
                self._retry_unstored_events()
            except Exception:
                log.exception("could not store a held event")

    def _answered(self, batch: list[Incoming]) -> None:
        """Answer a batch; keep the state it changed for _publish_due."""
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending += self._answer_batch(batch)

    def _publish_due(self, more_waiting) -> bool:
        """The pending state is due: STATE_GAP has passed since the last
        publication, and no more requests wait (``more_waiting()``) unless the
        oldest pending state is older than STATE_DELAY."""
        if not self._pending or self._flushing:
            return False
        now = time.monotonic()
        return now - self._last_published >= self.STATE_GAP and (
            now - self._pending_since > self.STATE_DELAY or not more_waiting())

    def _flush_pending(self) -> None:
        """Publish all that is pending now (the worker thread; at stop)."""
        pending = [*self._flushing, *self._pending]
        self._flushing, self._pending = collections.deque(), []
        nudged: set = set()
        with self.bus.transport.corked():
            for item in self._latest(pending):
                self._publish_one(item, nudged)
        self._last_published = time.monotonic()

    def _start_flush(self) -> None:
        """Begin publishing the pending state, a built state per _flush_step."""
        self._flushing = collections.deque(self._latest(self._pending))
        self._flushing_since = self._pending_since
        self._pending = []

    def _flush_step(self, overdue: bool = False) -> None:
        """Publish the next state to build (a board, a line: built from the store
        now), with what is ready before it (announcements, a new ticket's page);
        go on to the next while nothing waits to be read (a request, or a
        PUBACK: paho reads it before the next step, which tells them apart).
        ``overdue``: all that is left, whatever waits."""
        more_waiting = self.bus.transport.more_waiting
        nudged: set = set()
        with self.bus.transport.corked():
            while self._flushing:
                item = self._flushing.popleft()
                self._publish_one(item, nudged)
                if callable(item[1]) and not overdue and more_waiting():
                    break
        if not self._flushing:
            self._last_published = time.monotonic()

    def _state_wait(self) -> float | None:
        """Seconds until the pending state is due (None: nothing pending)."""
        if self._flushing:
            return 0.0
        if not self._pending:
            return None
        return max(0.0, self._last_published + self.STATE_GAP - time.monotonic())

    def _serve_reads(self) -> float | None:
        """On the network thread, after each read (Transport.after_reads): answer
        the requests read, in batches, and publish the state when it is due, one
        built state per call (paho reads the socket between two calls: a request
        that came meanwhile goes first, see STATE_DELAY).
        Returns within how many seconds it wants to be called again."""
        try:
            self._retry_if_due()
            answered = bool(self._inbox)
            if answered:
                # One batch per call: paho's loop runs between two (keep-alive,
                # what else arrived), however long a locked store makes each.
                batch = self._inbox[:self.MAX_BATCH]
                del self._inbox[:self.MAX_BATCH]
                self._answered(batch)
            if self._stopping.is_set():
                if self._pending or self._flushing:
                    self._flush_pending()
                self._stop_seen.set()
            elif self._flushing:
                # Not right after a batch (paho reads first: its PUBACKs, and any
                # request that came meanwhile). Once the state is STATE_DELAY old
                # with requests still coming (a busy hall), all of it at once, as
                # before: interleaved with batches it made them smaller, more
                # commits for as many tickets (~8% more CPU a ticket, 10
                # dispensers in a closed loop).
                if not answered:
                    self._flush_step()
                elif time.monotonic() - self._flushing_since > self.STATE_DELAY:
                    self._flush_step(overdue=True)
            elif self._publish_due(lambda: bool(self._inbox) or self.bus.transport.more_waiting()):
                self._start_flush()  # its first topic at the next call, after paho's read
        except Exception:  # never into paho's loop
            log.exception("answering requests failed")
        if self._inbox:
            return 0.0
        wait = self._state_wait()
        if self._unstored_events:
            wait = min(wait if wait is not None else 2.0, 2.0)
        return wait

    def _work(self) -> None:
        """The worker thread, with a transport that has no after-reads hook."""
        while not self._stopping.is_set():
            self._retry_if_due()
            wait = self._state_wait()
            if wait is None:
                wait = 0.2
            try:
                batch = [self._requests.get(timeout=wait) if wait else
                         self._requests.get_nowait()]
            except queue.Empty:
                if self._pending:  # its time has come, and nothing else is waiting
                    self._flush_pending()
                continue
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._requests.get_nowait())
                except queue.Empty:
                    break
            self._answered(batch)
            if self._publish_due(lambda: not self._requests.empty()):
                self._flush_pending()
        if self._pending:
            self._flush_pending()

    def _answer_batch(self, batch: list[Incoming], publish: bool = False) -> list:
        """Apply a batch in one transaction, commit, answer each request; return
        the state to publish (``(topic, payload, retain)``), or publish it now."""
        answers: list[tuple[Incoming, dict]] = []
        outbox: list = []
        self.store.savepoints_in_memory()
        changes_before = self.store.db.conn.total_changes
        try:
            with self.store.write():
                for incoming in batch:
                    try:
                        response = self._on_request(incoming, outbox)
                    except Exception as exc:  # its savepoint is rolled back; the rest go on
                        if reliability.storage_failed(exc):
                            raise  # no write will do: refuse the whole batch, clearly
                        log.exception("request handler failed for %s", incoming.topic)
                        response = error_response(incoming.data.get("id"), "internal",
                                                  "Lỗi hệ thống, xin thử lại sau.")
                    answers.append((incoming, response))
        except Exception as exc:  # the commit itself failed: nothing of the batch holds
            outbox = []
            if reliability.storage_failed(exc):
                answers = [(i, error_response(i.data.get("id"), reliability.STORAGE_CODE,
                                              reliability.STORAGE_REFUSAL)) for i in batch]
            else:
                log.exception("batch of %d requests not committed", len(batch))
                answers = [(i, error_response(i.data.get("id"), "internal",
                                              "Lỗi hệ thống, xin thử lại sau.")) for i in batch]
        else:
            if self.store.db.conn.total_changes > changes_before:
                # Something was written and committed: the store takes writes again.
                reliability.storage_ok()
                self._retry_unstored_events()
        # Answers first (the askers wait on them), then the state; each written
        # together (transport.corked).
        with self.bus.transport.corked():
            for incoming, response in answers:
                try:
                    self.bus.respond(incoming, response)
                except Exception:
                    log.exception("could not answer %s", incoming.topic)
        if publish:
            self._publish_outbox(outbox)
            return []
        return outbox

    def _publish_outbox(self, outbox: list) -> None:
        """Publish what committed batches touched: each retained topic once, built
        now from the store (only the newest matters); announcements all, in order."""
        nudged: set = set()
        with self.bus.transport.corked():
            for item in self._latest(outbox):
                self._publish_one(item, nudged)

    @staticmethod
    def _latest(outbox: list) -> list:
        """``outbox`` with each retained topic once, where it came last;
        announcements all, in order."""
        latest: dict[str, tuple] = {}
        for topic, payload, retain in outbox:
            key = topic if retain else f"{len(latest)}:{topic}"
            latest.pop(key, None)
            latest[key] = (topic, payload, retain)
        return list(latest.values())

    def _publish_one(self, item: tuple, nudged: set | None = None) -> None:
        topic, payload, retain = item
        try:
            self.publish_state(topic, payload, retain, nudged)
        except Exception:  # one state that fails to build must not hold the others
            log.exception("could not publish %s", topic)
