"""Ratings kept on the node until the broker has them.

A rating pressed while the link is down must still reach the hub, once. It
is written to a local SQLite file first (stdlib ``sqlite3``, so the Pi needs
no more), published when the link is up, and deleted only after the broker
acknowledged it (QoS 1 PUBACK). A copy sent twice (ack lost, node restarted)
carries the same message id, which the hub applies once::

    box = Outbox("var/counter-outbox.sqlite")
    box.add(topic, payload)          # survives a power cut from here on
    box.flush(bus)                   # publishes what waits; returns how many left
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

from motcua import clock

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode = wal")
        self._db.execute("pragma synchronous = full")  # a pressed rating survives power loss
        self._db.execute(
            "create table if not exists outbox (id text primary key, topic text not null, "
            "payload text not null, created_at text not null, attempts integer not null "
            "default 0)")
        self._lock = threading.Lock()

    def add(self, topic: str, payload: dict) -> None:
        with self._lock:
            self._db.execute(
                "insert or ignore into outbox (id, topic, payload, created_at) values (?,?,?,?)",
                [payload["id"], topic, json.dumps(payload, ensure_ascii=False), clock.iso()])

    def pending(self) -> list[tuple[str, str, dict]]:
        with self._lock:
            rows = self._db.execute(
                "select id, topic, payload from outbox order by created_at, id").fetchall()
        return [(i, t, json.loads(p)) for i, t, p in rows]

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("select count(*) from outbox").fetchone()[0]

    def flush(self, bus, timeout: float = 5.0) -> int:
        """Publish every waiting message (QoS 1); drop each the broker acknowledged.

        Returns how many still wait. Call it from a worker thread, never from
        the network thread (it waits for the acknowledgements).
        """
        for msg_id, topic, payload in self.pending():
            if not bus.connected:
                break
            try:
                info = bus.publish(topic, payload, qos=1)
                acked = bus.transport.wait_published(info, timeout)
            except Exception:
                log.exception("could not publish %s from the outbox", msg_id)
                acked = False
            with self._lock:
                if acked:
                    self._db.execute("delete from outbox where id = ?", [msg_id])
                else:
                    self._db.execute("update outbox set attempts = attempts + 1 where id = ?",
                                     [msg_id])
            if not acked:
                break
        return len(self)

    def close(self) -> None:
        with self._lock:
            self._db.close()
