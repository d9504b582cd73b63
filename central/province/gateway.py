"""The provincial hub's MQTT client: everything under ``province/`` into the store.

One client (id ``motcua-province-<center>``) with a persistent session on the
provincial broker, so what arrives while the provincial hub restarts waits
there. Messages are queued by paho's thread and written by one worker in
batches, one transaction per batch (a busy hour at 30 centres is hundreds of
messages a second; one fsync each would not keep up)::

    gateway = ProvinceGateway(config, store).start()
    gateway.stored          # records stored since start
    gateway.stop()

Same surface as :class:`central.bus.gateway.Gateway` where the web app needs it
(``connected``, ``bus``, ``config``, ``store``), so ``create_app`` takes either.
"""

from __future__ import annotations

import logging
import queue
import threading

from motcua import clock
from motcua.bus import BusClient, Topics

from ..config import HubConfig
from ..store import Store
from . import ingest

log = logging.getLogger(__name__)


class ProvinceGateway:
    MAX_BATCH = 500

    def __init__(self, config: HubConfig, store: Store, transport=None):
        self.config = config
        self.store = store
        self.topics = Topics(config.center)
        if transport is None:
            from motcua.bus.paho import PahoTransport

            transport = PahoTransport(config.mqtt, client_id=f"motcua-province-{config.center}",
                                      persistent=True)
        self.bus = BusClient(transport, self.topics)
        for topic_filter in ingest.FILTERS:
            self.bus.subscribe(topic_filter, self._enqueue, checked=False)
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.stored = 0
        self.refused = 0

    @property
    def connected(self) -> bool:
        return self.bus.connected

    def publish_state(self, topic, payload, retain=True) -> None:  # nothing to publish here
        return None

    def start(self) -> ProvinceGateway:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="province-ingest", daemon=True)
        self._worker.start()
        self.bus.start()
        return self

    def stop(self) -> None:
        self.bus.stop()
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(10)

    def _enqueue(self, incoming) -> None:
        self._queue.put((incoming.topic, incoming.payload))

    def _work(self) -> None:
        # Drain what is queued even after stop was asked: nothing received is dropped.
        while not (self._stopping.is_set() and self._queue.empty()):
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self.apply_batch(batch)

    def apply_batch(self, batch: list[tuple[str, bytes]]) -> int:
        stored = 0
        try:
            with self.store.write() as db:
                now = clock.iso()
                for topic, payload in batch:
                    try:
                        with db.atomic():
                            stored += ingest.apply(db, topic, payload, now)
                    except ingest.Refused as refusal:
                        self.refused += 1
                        log.warning("province: refused %s", refusal)
                    except Exception:
                        self.refused += 1
                        log.exception("province: could not store %s", topic)
        except Exception:
            log.exception("province: a batch of %d messages not committed", len(batch))
            return 0
        self.stored += stored
        return stored
