"""The provincial hub's MQTT client: everything under ``province/`` into the store.

One client (id ``motcua-province-<center>``) with a persistent session on the
provincial broker, so what arrives while the provincial hub restarts waits
there, for the ordered part (each centre's retained floor and its bridge's
1/0); and one member of the shared ingest group for the summaries
(:class:`central.province.workers.IngestWorker` named ``hub``), beside which
``motcua ingest`` processes may run. Messages are queued by paho's thread and
written in batches, one transaction per batch (a busy hour at 166 centres is
hundreds of messages a second; one fsync each would not keep up)::

    gateway = ProvinceGateway(config, store).start()
    gateway.stored          # records stored since start (by this process)
    gateway.stop()

``store`` is the province's store (:func:`central.province.stores.open_store`):
the hub's SQLite file or PostgreSQL.

Same surface as :class:`central.bus.gateway.Gateway` where the web app needs it
(``connected``, ``bus``, ``config``, ``store``), so ``create_app`` takes either.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from motcua import clock
from motcua.bus import BusClient, Topics
from motcua.bus.paho import PahoTransport

from ..config import HubConfig
from . import ingest
from .workers import IngestWorker, next_batch

log = logging.getLogger(__name__)


class ProvinceGateway:
    MAX_BATCH = 500

    def __init__(self, config: HubConfig, store, transport=None):
        self.config = config
        self.store = store
        self.topics = Topics(config.center)
        if transport is None:
            # One connection for the state and the shared summaries: a production
            # broker names a client after its user (use_username_as_clientid), so
            # two connections as "hub" would knock each other off. Acknowledged by
            # hand: the summaries once committed, the state on arrival.
            transport = PahoTransport(config.mqtt, client_id=f"motcua-province-{config.center}",
                                      persistent=True, manual_ack=True)
        self.bus = BusClient(transport, self.topics)
        for topic_filter in ingest.tier(config.role).state_filters():
            self.bus.subscribe(topic_filter, self._enqueue, checked=False)
        self.ingest = IngestWorker(config, store, "hub", bus=self.bus,
                                   on_stored=self.figures_changed)
        # The live pages' cue (province/<center>/state/reports): a version that
        # moves when stored figures change, published at most every few seconds.
        self.reports_version = 0
        self._published_version = -1
        self._own = f"{ingest.tier(config.role).root}/{config.center}/"
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._stored = 0

    @property
    def connected(self) -> bool:
        return self.bus.connected

    @property
    def stored(self) -> int:
        return self._stored + self.ingest.stored

    @property
    def refused(self) -> int:
        return self.ingest.refused

    def publish_state(self, topic, payload, retain=True) -> None:  # nothing to publish here
        return None

    def start(self) -> ProvinceGateway:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="province-ingest", daemon=True)
        self._worker.start()
        self.bus.start()
        self.ingest.start()
        return self

    def stop(self) -> None:
        self.ingest.stop()
        self.bus.stop()
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(10)

    REPORTS_EVERY_S = 5.0

    def figures_changed(self) -> None:
        self.reports_version += 1

    def _publish_reports(self) -> None:
        """Tell the live pages the figures moved (coalesced: one message for many
        batches). Only the provincial hub: its pages are the ones that follow."""
        if self.config.role != "province" or self.reports_version == self._published_version:
            return
        version = self.reports_version
        try:
            self.bus.publish(f"{self._own}state/reports", {"v": 1, "version": version,
                                                           "at": clock.iso()}, retain=True)
            self._published_version = version
        except Exception:
            log.exception("province: could not publish the reports' version")

    def _enqueue(self, incoming) -> None:
        # Retained state: the broker keeps the newest anyway, so it is acknowledged
        # on arrival (a hub that dies before storing it gets it again at subscribe).
        if not incoming.topic.startswith(self._own):  # our own cue is not a centre's
            # A retained copy handed over at subscription is marked: no news of the centre.
            self._queue.put((incoming.topic, incoming.payload, incoming.retain))
        if incoming.ack is not None:
            incoming.ack()

    def _work(self) -> None:
        # Drain what is queued even after stop was asked: nothing received is dropped.
        next_reports = time.monotonic() + self.REPORTS_EVERY_S
        while not (self._stopping.is_set() and self._queue.empty()):
            if time.monotonic() >= next_reports:
                self._publish_reports()
                next_reports = time.monotonic() + self.REPORTS_EVERY_S
            if batch := next_batch(self._queue, self.MAX_BATCH):
                self.apply_batch(batch)

    def apply_batch(self, batch: list[tuple]) -> int:
        """Store a batch in one transaction (the same as an ingest worker's); the state
        is retained at the broker, so a batch that could not be committed is logged
        and the next message of each topic brings it up to date."""
        try:
            stored = self.ingest.apply_batch(batch)
        except Exception:
            log.exception("province: a batch of %d messages not committed", len(batch))
            return 0
        self._stored += stored
        return stored
