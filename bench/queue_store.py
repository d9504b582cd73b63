"""The queue's store side alone: hub CPU and SQL statements per ticket and per call.

No bus: the requests go through the very functions the gateway calls
(``apply_once`` → ``central/bus/routes.py`` ``queue_ticket`` /
``queue_counter_command`` → ``central/queue/…``), in batches of ``--batch``
requests, one durable commit per batch (``synchronous=FULL``), as the gateway's
request worker does. After each batch the retained state the batch touched is
built once per topic and encoded (the builders of ``central/queue/state.py``,
as the gateway's ``_publish_outbox`` calls them), unchanged payloads skipped.

Printed per operation: CPU time (``time.process_time``) of the transaction
(route, SQL, commit) and of the state built after it; SQL statements (counted
by sqlite3's trace callback, in a separate pass: the callback costs CPU). The
floor, measured in the same run on the same kind of store: one bare INSERT
into a table with one index, plus one durable commit shared by a batch.

    .venv/bin/python bench/queue_store.py              # 3000 tickets, 3000 calls
    .venv/bin/python bench/queue_store.py --profile    # and a cProfile table
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import sqlite3
import time
import uuid
from pathlib import Path

from common import Run, durable_commit_ms, ratio

BENCH_SERVICES = {
    "bench-a": {"code": "bench-a", "name": "Dịch vụ thử A", "prefix": "X", "range": [1, 99999]},
    "bench-b": {"code": "bench-b", "name": "Dịch vụ thử B", "prefix": "Y", "range": [1, 99999]},
    "bench-c": {"code": "bench-c", "name": "Dịch vụ thử C", "prefix": "Z", "range": [1, 99999]},
    "bench-d": {"code": "bench-d", "name": "Dịch vụ thử D", "prefix": "W", "range": [1, 99999]},
}
COUNTERS = 10
DISPENSERS = 10


def prepare(run: Run, services: int = 2):
    """A hub's config and store: the sample centre, ``services`` bench services
    (2 to 4) and 10 counters serving them all, bound to nodes ``counter-1`` …
    ``counter-10``."""
    from central.queue import setup

    config, store = run.hub_store(1883)
    codes = list(BENCH_SERVICES)[:services]
    with store.write() as db:
        for code in codes:
            setup.save_service(db, BENCH_SERVICES[code], actor="bench")
        for n in range(1, COUNTERS + 1):
            setup.save_counter(db, {"number": n, "name": f"Quầy {n}", "node": f"counter-{n}",
                                    "services": dict.fromkeys(codes, 1)}, actor="bench")
    return config, store


class Hub:
    """The gateway's request path without the bus: batches applied once each,
    one commit per batch, then the state each batch touched built and encoded."""

    def __init__(self, config, store, services: int = 2):
        from central.bus import routes
        from motcua.bus.messages import COUNTER_COMMAND, TICKET
        from motcua.bus.topics import Topics

        self.config, self.store, self.routes = config, store, routes
        # Tickets go to the services in turn (with 2: bench-b, bench-a, … as before).
        self.codes = list(BENCH_SERVICES)[:services]
        self.codes = self.codes[1:] + self.codes[:1]
        self.topics = Topics(config.center)
        self.TICKET, self.COUNTER_COMMAND = TICKET, COUNTER_COMMAND
        self.published: dict[str, bytes] = {}
        self.sent = self.skipped = 0
        self.state_cpu = 0.0

    def requests(self, kind: str, n: int, start: int = 0) -> list[tuple]:
        out = []
        for i in range(start, start + n):
            if kind == "ticket":
                node = f"dispenser-{i % DISPENSERS + 1}"
                data = self.TICKET.make(service=self.codes[i % len(self.codes)])
                out.append((self.routes.REQUESTS["ticket"], node, data))
            else:
                node = f"counter-{i % COUNTERS + 1}"
                data = self.COUNTER_COMMAND.make(action="next")
                out.append((self.routes.REQUESTS["counter_command"], node, data))
        return out

    def batch(self, requests: list[tuple]) -> None:
        from central.bus.idempotency import apply_once
        from central.bus.routes import Context

        outbox: list = []
        with self.store.write():
            for route, node, data in requests:
                ctx = Context(node_id=node, data=data, db=self.store.db, store=self.store,
                              config=self.config)

                def change(db, ctx=ctx, route=route):
                    ctx.db = db
                    return {"result": route.handle(ctx)}

                topic = f"motcua/{self.config.center}/node/{node}/req/x"
                apply_once(self.store, node, data["id"], topic, change)
                outbox += ctx.outbox
        c0 = time.process_time()
        self.publish(outbox)
        self.state_cpu += time.process_time() - c0

    def publish(self, outbox: list) -> None:
        """As the gateway's ``_publish_outbox`` and ``publish_state``: each retained
        topic once (the newest), built now; an unchanged payload not sent again."""
        from motcua.bus.messages.base import encode

        latest: dict[str, tuple] = {}
        for topic, payload, retain in outbox:
            key = topic if retain else f"{len(latest)}:{topic}"
            latest.pop(key, None)
            latest[key] = (topic, payload, retain)
        ticket_prefix = self.topics.ticket_state("x").rsplit("/", 1)[0]
        for topic, payload, retain in latest.values():
            if callable(payload):
                payload = payload()
            if payload == b"":
                self.published.pop(topic, None)
                continue
            remember = retain and not topic.startswith(ticket_prefix)
            if remember and self.published.get(topic) == payload:
                self.skipped += 1
                continue
            encode(payload)
            self.sent += 1
            if remember:
                self.published[topic] = payload


def phase(hub: Hub, kind: str, n: int, batch: int, start: int) -> tuple[float, float]:
    """``n`` requests of ``kind`` in batches; (CPU s in all, CPU s building state)."""
    requests = hub.requests(kind, n, start)
    hub.state_cpu = 0.0
    c0 = time.process_time()
    for i in range(0, n, batch):
        hub.batch(requests[i:i + batch])
    return time.process_time() - c0, hub.state_cpu


def statements(hub: Hub, kind: str, n: int, batch: int, start: int) -> tuple[float, float, dict]:
    """SQL statements per request (commit included), pages written to the WAL
    per request (its frames, counted with checkpoints held off), and the most
    frequent statements (values replaced by ``?``)."""
    conn = hub.store.db.conn
    seen: dict[str, int] = {}

    def trace(sql: str) -> None:
        key = re.sub(r"'[^']*'|\b\d+\b", "?", " ".join(sql.split()))[:90]
        seen[key] = seen.get(key, 0) + 1

    conn.execute("pragma wal_checkpoint(truncate)")
    conn.execute("pragma wal_autocheckpoint = 0")
    conn.set_trace_callback(trace)
    try:
        phase(hub, kind, n, batch, start)
    finally:
        conn.set_trace_callback(None)
        wal = Path(f"{hub.store.path}-wal").stat().st_size
        conn.execute("pragma wal_autocheckpoint = 1000")
    page = conn.execute("pragma page_size").fetchone()[0]
    frames = max(0, wal - 32) / (page + 24)
    return sum(seen.values()) / n, frames / n, seen


def floor_insert_us(directory, n: int) -> float:
    """CPU µs of one bare INSERT (a row like a ticket's, one index) in a transaction."""
    con = sqlite3.connect(directory / "floor.db", isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")
    con.execute("create table t (id integer primary key, day text, service integer, "
                "number integer, token text)")
    con.execute("create index t_day on t(day, service, number)")
    con.execute("begin immediate")
    c0 = time.process_time()
    for i in range(n):
        con.execute("insert into t (day, service, number, token) values (?, ?, ?, ?)",
                    ["2026-12-07", i % 2, i, uuid.uuid4().hex])
    spent = time.process_time() - c0
    con.execute("commit")
    con.close()
    return spent * 1e6 / n


def main() -> int:
    run = Run("queue_store.py", __doc__, setup=lambda p: (
        p.add_argument("--ops", type=int, default=3000, help="tickets, then as many calls"),
        p.add_argument("--batch", type=int, default=10, help="requests per transaction"),
        p.add_argument("--profile", action="store_true", help="print a cProfile table"),
        p.add_argument("--services", type=int, default=2, choices=(2, 3, 4),
                       help="services, every counter serving them all"),
    ))
    try:
        n = run.pick(run.args.ops, 200)
        batch = run.args.batch
        config, store = prepare(run, run.args.services)
        hub = Hub(config, store, run.args.services)
        # Warm up (caches, the counters opened by their first call), then measure.
        warm = run.pick(200, 40)
        phase(hub, "ticket", warm, batch, 0)
        phase(hub, "call", warm, batch, 0)
        ticket_cpu, ticket_state = phase(hub, "ticket", n, batch, warm)
        call_cpu, call_state = phase(hub, "call", n, batch, warm)
        waiting = store.db.execute("select count(*) from tickets where status = 'waiting'"
                                   ).fetchone()[0]
        counted = run.pick(500, 40)
        ticket_sql, ticket_pages, ticket_seen = statements(hub, "ticket", counted, batch, warm + n)
        call_sql, call_pages, call_seen = statements(hub, "call", counted, batch, warm + n)
        profile = ""
        if run.args.profile:
            prof = cProfile.Profile()
            prof.enable()
            phase(hub, "ticket", n, batch, warm + n + counted)
            phase(hub, "call", n, batch, warm + n + counted)
            prof.disable()
            text = io.StringIO()
            pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(30)
            profile = text.getvalue()
        commit_cpu: list[float] = []
        durable_commit_ms(run.tmp, run.pick(200, 40), cpu=commit_cpu)
        commit_us = sorted(commit_cpu)[len(commit_cpu) // 2] * 1000
        insert_us = floor_insert_us(run.tmp, run.pick(5000, 500))
        floor_us = insert_us + commit_us / batch
        store.close()

        t_us, c_us = ticket_cpu * 1e6 / n, call_cpu * 1e6 / n
        lines = [
            "## Queue store, in process (bench/queue_store.py)",
            "",
            f"{n} tickets then {n} calls (`next`, 10 counters serving "
            f"{run.args.services} services) through the routes the "
            f"gateway calls, {batch} requests per transaction (one durable commit each), "
            f"the retained state each batch touched built and encoded after its commit; "
            f"{waiting} tickets left waiting. CPU time of this process "
            "(`time.process_time`) per operation; statements counted by sqlite3's trace "
            f"callback, and pages written (WAL frames, commits' pages together) over {counted} "
            "more of each.",
            "",
            "| per operation | CPU µs | of which state | statements | pages written | × floor |",
            "|---|---:|---:|---:|---:|---:|",
            f"| ticket | {t_us:.0f} | {ticket_state * 1e6 / n:.0f} | {ticket_sql:.1f} "
            f"| {ticket_pages:.2f} | {ratio(t_us, floor_us)} |",
            f"| call (`next`) | {c_us:.0f} | {call_state * 1e6 / n:.0f} | {call_sql:.1f} "
            f"| {call_pages:.2f} | {ratio(c_us, floor_us)} |",
            f"| floor: one bare INSERT + 1/{batch} durable commit | {floor_us:.0f} | – | "
            f"{1 + 3 / batch:.1f} | – | 1.0× |",
            "",
            f"Floor parts: a bare INSERT {insert_us:.1f} µs CPU, a durable commit "
            f"{commit_us:.0f} µs CPU (median of {len(commit_cpu)}). Over the whole run, "
            f"state payloads built and encoded {hub.sent}, skipped as unchanged {hub.skipped}.",
        ]
        for name, seen in (("ticket", ticket_seen), ("call", call_seen)):
            print(f"Statements per {name}, most frequent:")
            for sql_text, times in sorted(seen.items(), key=lambda kv: -kv[1])[:30]:
                print(f"{times / counted:5.2f}  {sql_text}")
            print()
        if profile:
            print(profile)
        run.report("\n".join(lines))
    finally:
        run.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
