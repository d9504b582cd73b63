"""Ingest workers: several processes sharing the provincial broker's stream of summaries.

Every centre's bridge delivers its summaries (``province/<centre>/up/...``:
ticket events, dossiers, dossier events, ratings) to the provincial broker.
The workers subscribe to them as one MQTT 5 *shared subscription*
(``$share/motcua-ingest-<province>/province/+/up/+``, the group named after
the provincial hub's own ``center``): the broker hands each message to one
worker of the group, so adding a worker adds writers. Each worker::

    worker = IngestWorker(config, store, name="2").start()
    ...
    worker.stop()

- keeps a persistent session (its own client id): what the broker assigned to
  it while it was away waits for it;
- acknowledges a message only after the transaction that stored it has
  committed (paho's manual acknowledgement): a worker killed mid-batch has
  acknowledged nothing of that batch, and the broker delivers it again when
  the worker's session resumes (systemd restarts it);
- stores through :func:`central.province.ingest.apply`, which keys every
  record by (centre, the centre's own id) and lets a dossier row replace the
  stored one only when it is not older: a message delivered twice, or to two
  workers, changes nothing twice, and order between workers does not matter.

The provincial hub itself is one member of the group (``name="hub"``), so a
province with no extra worker ingests as before; ``motcua ingest --name N``
starts another. The retained floor state and the bridges' 1/0 are not shared:
their order matters, and the hub's own gateway reads them.

Mosquitto 2.0.11 (measured): a member that disconnects keeps being assigned
its share of new messages, queued in its session until it comes back (up to
``max_queued_messages``); a worker taken away for good should be removed with
its session (connect once with a clean start) or its share waits.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from pathlib import Path

from motcua import clock, logs
from motcua.bus import BusClient, Topics
from motcua.bus.paho import PahoTransport

from ..store import Store
from . import ingest
from .stores import open_store

log = logging.getLogger(__name__)



def shared_filter(config) -> str:
    """The ingest group's subscription for the hub whose ``center`` names the province
    (or the country): ``$share/motcua-ingest-<center>/province/+/up/+``, or
    ``.../vn/+/+/up/+`` for the national hub."""
    return f"$share/motcua-ingest-{config.center}/{ingest.tier(config.role).up_filter()}"


def next_batch(source: queue.Queue, most: int, wait_s: float = 0.2) -> list:
    """What is queued, at most ``most`` items, waiting up to ``wait_s`` for the
    first; empty when nothing came, so the caller's loop can look up::

        while not stopping.is_set():
            if batch := next_batch(incoming, 500):
                store(batch)
    """
    try:
        batch = [source.get(timeout=wait_s)]
    except queue.Empty:
        return []
    while len(batch) < most:
        try:
            batch.append(source.get_nowait())
        except queue.Empty:
            break
    return batch


class IngestWorker:
    MAX_BATCH = 500
    RETRY_SECONDS = (0.5, 1, 2, 5, 10)

    def __init__(self, config, store, name: str, transport=None, bus=None, on_stored=None):
        self.config = config
        self.on_stored = on_stored  # called after a commit that stored new records
        self.store = store
        self.name = name
        self.client_id = f"motcua-ingest-{config.center}-{name}"
        # ``bus``: a connection of the hub's own that this worker shares (its
        # transport acknowledges by hand); else a connection of its own.
        self._own_bus = bus is None
        if bus is None:
            if transport is None:
                transport = PahoTransport(config.mqtt, client_id=self.client_id,
                                          persistent=True, manual_ack=True)
            bus = BusClient(transport, Topics(config.center))
        self.bus = bus
        self.bus.subscribe(shared_filter(config), self._enqueue, checked=False)
        self._queue: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.stored = 0       # records newly stored
        self.messages = 0     # messages committed (stored, already held, or refused)
        self.refused = 0
        self.failed_commits = 0

    @property
    def connected(self) -> bool:
        return self.bus.connected

    def start(self) -> IngestWorker:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name=f"ingest-{self.name}",
                                        daemon=True)
        self._worker.start()
        if self._own_bus:
            self.bus.start()
        return self

    def stop(self) -> None:
        """Stop taking messages, finish the batch in hand, then leave. What was
        received but not committed is not acknowledged: the broker keeps it."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(15)
        if self._own_bus:
            self.bus.stop()

    def _enqueue(self, incoming) -> None:
        self._queue.put(incoming)

    def _work(self) -> None:
        while not self._stopping.is_set():
            if batch := next_batch(self._queue, self.MAX_BATCH):
                self._commit_until_done(batch)

    def _commit_until_done(self, batch: list) -> None:
        """Store the batch, retrying while the database refuses; then acknowledge it."""
        stored_now = 0
        for attempt in range(10**9):
            try:
                stored_now = self.apply_batch([(m.topic, m.payload) for m in batch])
                self.stored += stored_now
                break
            except Exception:
                self.failed_commits += 1
                pause = self.RETRY_SECONDS[min(attempt, len(self.RETRY_SECONDS) - 1)]
                log.exception("ingest %s: a batch of %d messages not committed; again in %s s",
                              self.name, len(batch), pause)
                if self._stopping.wait(pause):
                    return  # not acknowledged: delivered again when the session resumes
        self.messages += len(batch)
        if self.on_stored is not None and stored_now:
            self.on_stored()
        for message in batch:
            if message.ack is not None:
                message.ack()

    def apply_batch(self, batch: list[tuple[str, bytes]]) -> int:
        """One transaction for the batch (:func:`central.province.ingest.apply_many`):
        a refused message changes nothing and the others are stored. Raises when the
        commit fails."""
        now = clock.iso()
        with self.store.write() as db:
            budget = self.config.budget
            stored, refused = ingest.apply_many(db, batch, now, ingest.Budget(
                db, now, budget.centre_records_burst, budget.centre_records_per_second))
            centres = []
            for refusal in refused:  # counted against its centre, for the pages
                try:
                    with db.atomic():
                        centres.append(ingest.record_refusal(db, refusal, now))
                except Exception:  # noqa: BLE001 - the count is not worth the batch
                    log.exception("province: a refusal not recorded")
                    centres.append(None)
        for refusal, center in zip(refused, centres, strict=True):
            self.refused += 1
            log.warning("province: từ chối bản tin của trung tâm %s: %s (%s)",
                        center or "?", ingest.reason(refusal), refusal)
        return stored


def run(config, name: str) -> None:
    """``motcua ingest --name N``: one worker until SIGTERM."""
    logs.setup(config.log_level, f"ingest-{name}")
    if config.mqtt.username and config.mqtt.password_file:
        # A production broker names a client after its user: worker N logs in as
        # its own user ingest-N, whose password `motcua provision` wrote beside the
        # hub's (an inventory's ingest_workers = N).
        config.mqtt.username = f"ingest-{name}"
        config.mqtt.password_file = str(
            Path(config.mqtt.password_file).with_name(f"ingest-{name}-mqtt-password"))
    hub_store = None if config.province_store else Store(config.database)
    store = open_store(config.province_store, hub_store)
    worker = IngestWorker(config, store, name).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("ingest worker %s: %s into %s", name, shared_filter(config),
             "PostgreSQL" if config.province_store else config.database)
    last = time.monotonic()
    while not stop.wait(1):
        if time.monotonic() - last > 60:
            last = time.monotonic()
            log.info("ingest worker %s: %d messages, %d records stored, %d refused",
                     name, worker.messages, worker.stored, worker.refused)
    worker.stop()
    store.close()
