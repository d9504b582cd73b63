"""A centre's hub sends the province what it needs, in batches, once a second.

Started by the gateway when hub.toml says ``uplink = true`` (``motcua
provision`` writes it when the inventory has a ``[province]``)::

    uplink = Uplink(store, topics, gateway.publish_state, "Trung tâm ...").start()
    uplink.link_changed(True)     # the bridge came up: resend today's records
    uplink.stop()

Each kind of record is read from its own table by id (ticket_events,
dossier_events, ratings) past a mark kept in ``uplink_marks``; a batch is
published (QoS 1, to the local broker, which holds it for the bridge while
the province is away) and the mark moves on. Whenever the bridge reports
it is up again, the marks go back to the start of the business day: what the
broker could not keep (its queue full after hours of outage, or a restart)
is sent again, and the province ignores what it already holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from zoneinfo import ZoneInfo

from motcua import clock
from motcua.bus import Topics
from motcua.bus.messages import (
    STATE_NODES,
    UP_DOSSIER_EVENTS,
    UP_DOSSIERS,
    UP_RATINGS,
    UP_TICKET_EVENTS,
)

from ..queue import tickets
from ..store import Store

log = logging.getLogger(__name__)

# The nodes' state goes up again after this long without a change: the province's
# sign that this hub runs (reports.SILENT_AFTER_MIN is three of these).
HEARTBEAT_S = 300.0
# Records per message: far below the bus's 64 KiB payload limit.
BATCH = {"ticket_events": 100, "dossiers": 40, "dossier_events": 100, "ratings": 100}
# The bridge's notification topic, here and at the province (bridge.conf.template).
BRIDGE_STATE = "province/{center}/bridge/state"

TICKET_EVENTS_SQL = """
    select e.id as event_id, e.at, t.day, e.action, e.to_status, e.ticket_id, t.display,
           s.code as service, c.number as counter, u.username as officer,
           u.full_name as officer_name
    from ticket_events e join tickets t on t.id = e.ticket_id
    join services s on s.id = t.service_id
    left join counters c on c.id = e.counter_id
    left join users u on u.id = e.officer_id
    where e.id > ? order by e.id limit ?
"""

DOSSIER_COLUMNS = (
    "code", "procedure_code", "procedure_name", "channel", "status", "stage", "time_limit",
    "time_unit", "received_at", "received_by", "due_at", "apology_due_at", "paused_at",
    "supplement_count", "result_at", "classification", "returned_at", "closed_at",
    "updated_at")

DOSSIERS_SQL = """
    with changed as (
        select dossier_id, max(id) as version from dossier_events where id > ?
        group by dossier_id order by version limit ?)
    select d.id as dossier_id, {columns}, dep.code as department_code,
           dep.name as department_name, p.field as procedure_field,
           p.level as procedure_level, changed.version
    from changed join dossiers d on d.id = changed.dossier_id
    left join departments dep on dep.id = d.department_id
    left join procedures p on p.id = d.procedure_id
    order by changed.version
""".format(columns=", ".join(f"d.{c}" for c in DOSSIER_COLUMNS))

DOSSIER_EVENTS_SQL = """
    select e.id as event_id, d.code, e.at, e.action, e.from_status, e.to_status,
           json_extract(e.detail, '$.due_at') as due_at,
           json_extract(e.detail, '$.classification') as classification
    from dossier_events e join dossiers d on d.id = e.dossier_id
    where e.id > ? order by e.id limit ?
"""

RATINGS_SQL = """
    select r.id as rating_id, c.number as counter, u.username as officer,
           u.full_name as officer_name, r.level, r.score, r.rated_at
    from ratings r join counters c on c.id = r.counter_id
    left join users u on u.id = r.officer_id
    where r.id > ? order by r.id limit ?
"""


def _start_of_day_marks(db) -> dict[str, int]:
    """Marks just before the first record of today's business day, per kind."""
    day = tickets.today(db)
    zone = ZoneInfo(clock.LOCAL_ZONE)
    midnight = clock.iso(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(),
                                             tzinfo=zone))

    def first(sql, args):
        value = db.execute(sql, args).fetchone()[0]
        return None if value is None else value - 1

    return {
        "ticket_events": first("select min(e.id) from ticket_events e join tickets t on "
                               "t.id = e.ticket_id where t.day >= ?", [day]),
        "dossiers": first("select min(id) from dossier_events where at >= ?", [midnight]),
        "dossier_events": first("select min(id) from dossier_events where at >= ?",
                                [midnight]),
        "ratings": first("select min(id) from ratings where rated_at >= ?", [midnight]),
    }


class Uplink:
    def __init__(self, store: Store, topics: Topics, publish, center_name: str,
                 interval: float = 1.0, heartbeat: float = HEARTBEAT_S):
        self.store = store
        self.topics = topics
        self.publish = publish
        self.center_name = center_name
        self.interval = interval
        self.sent = 0  # records published since start (for tests and logs)
        self._resend = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_nodes: list | None = None
        self.heartbeat = heartbeat
        self._nodes_sent = 0.0  # time.monotonic() of the last nodes' state sent

    # Marks ------------------------------------------------------------------
    def marks(self) -> dict[str, int]:
        rows = dict(self.store.db.execute("select kind, mark from uplink_marks").fetchall())
        return {kind: rows.get(kind, 0) for kind in BATCH}

    def _save_mark(self, kind: str, mark: int) -> None:
        with self.store.write() as db:
            db.execute("insert into uplink_marks (kind, mark) values (?, ?) on conflict(kind) "
                       "do update set mark = excluded.mark", [kind, mark])

    def link_changed(self, up: bool) -> None:
        """The bridge's own notification: when it is up again, resend today."""
        if up:
            self._resend.set()

    def on_bridge_state(self, incoming) -> None:
        """Handler for the local bridge notification (payload ``1`` or ``0``)."""
        self.link_changed(incoming.payload.strip() == b"1")

    # One pass -----------------------------------------------------------------
    def tick(self) -> int:
        """Publish what is new; returns how many records went out."""
        db = self.store.db
        if self._resend.is_set():
            self._resend.clear()
            current = self.marks()
            for kind, mark in _start_of_day_marks(db).items():
                if mark is not None and mark < current[kind]:
                    self._save_mark(kind, mark)
                    log.info("uplink: %s sent again from id %d (bridge up)", kind, mark + 1)
        count = self._nodes(db)
        marks = self.marks()
        count += self._send("ticket_events", TICKET_EVENTS_SQL, marks, "event_id",
                            UP_TICKET_EVENTS, "events")
        count += self._send("dossiers", DOSSIERS_SQL, marks, "version", UP_DOSSIERS, "dossiers")
        count += self._send("dossier_events", DOSSIER_EVENTS_SQL, marks, "event_id",
                            UP_DOSSIER_EVENTS, "events")
        count += self._send("ratings", RATINGS_SQL, marks, "rating_id", UP_RATINGS, "ratings")
        self.sent += count
        return count

    def _send(self, kind, sql, marks, key, mtype, field) -> int:
        db, mark, total = self.store.db, marks[kind], 0
        while True:
            rows = [dict(r) for r in db.query(sql, [mark, BATCH[kind]])]
            if not rows:
                return total
            self.publish(self.topics.up(kind), mtype.make(**{field: rows}), False)
            mark = rows[-1][key]
            self._save_mark(kind, mark)
            total += len(rows)

    def _nodes(self, db) -> int:
        nodes = [{"node_id": r[0], "role": r[1], "state": r[2], "since": r[3]}
                 for r in db.execute("select node_id, role, state, state_since from nodes "
                                     "order by node_id")]
        if nodes == self._last_nodes and time.monotonic() - self._nodes_sent < self.heartbeat:
            return 0
        self.publish(self.topics.state("nodes"), STATE_NODES.make(
            center_name=self.center_name, updated_at=clock.iso(), nodes=nodes), True)
        self._last_nodes = nodes
        self._nodes_sent = time.monotonic()
        return 0

    # Life -----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a bad second must not end the uplink
                log.exception("uplink failed")

    def start(self) -> Uplink:
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def reconnected(self, up: bool) -> None:
        """The hub's own link to its broker: the nodes' state is published again."""
        if up:
            self._last_nodes = None
