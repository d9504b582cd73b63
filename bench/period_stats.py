"""Statistics: the period report over 1,000,000 dossiers and a year of tickets, and the
delay from a change to the retained statistics message.

    .venv/bin/python bench/period_stats.py        # writes its section of docs/performance.md
    .venv/bin/python bench/period_stats.py --rows 100000 --no-write

The store is filled with dossiers and their event rows (reception, result,
withdrawal, stop, supplement requests) over the year before the measured
moment, loaded without the trigger and then digested by ``facts.rebuild`` (its
time is reported); tickets with their event rows for every working day of
that year. Then the report is timed for a year, a quarter, a month and a day,
by department, field and procedure; and a real Mosquitto and the hub's
gateway measure the delay from a committed change to the retained
``state/queue_stats`` / ``state/supervision`` reaching a subscriber.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from central.calendar.working_time import VN
from central.config import HubConfig
from central.queue import api
from central.queue import setup as queue_setup
from central.statistics import dossier_figures, facts, supervision
from central.statistics.officers import officer_ranking
from central.statistics.period_report import period_report
from central.statistics.queue_figures import queue_figures
from central.store import Store
from common import PROJECT, Run, percentile
from motcua import clock
from motcua.config import from_dict

FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký kinh doanh", "Đầu tư",
          "Giao thông", "Lao động", "Y tế", "Giáo dục", "Công thương", "Nông nghiệp",
          "Tài chính", "Môi trường", "Văn hóa"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fill_dossiers(store: Store, rows: int, now: dt.datetime) -> dict:
    rnd = random.Random(9)
    db = store.db
    with store.write() as w:
        deps = [w["departments"].insert({"code": f"B{i:02d}", "name": f"Sở thứ {i + 1}",
                                         "sort_order": i}).last_pk for i in range(15)]
        procs = []
        for i in range(300):
            dep = deps[i % 15]
            procs.append((w["procedures"].insert({
                "code": f"1.{100000 + i}", "name": f"Thủ tục số {i + 1}",
                "field": FIELDS[i % len(FIELDS)], "department_id": dep, "level": "province",
                "created_at": clock.iso(), "details": "{}"}).last_pk, f"1.{100000 + i}", dep))
    t0 = time.perf_counter()
    db.execute("drop trigger dossier_facts_on_event")
    db.execute("BEGIN IMMEDIATE")
    d_rows, e_rows, counts = [], [], {}
    year = 365 * 24 * 3600
    event_id = 0

    def flush():
        db.conn.executemany(
            "insert into dossiers (id, code, procedure_id, procedure_code, procedure_name, "
            "department_id, channel, status, stage, applicant_name, received_at, due_at, "
            "result_at, classification, closed_at, updated_at) values "
            "(?, ?, ?, ?, 'Thủ tục', ?, ?, ?, ?, 'Nguyễn Văn A', ?, ?, ?, ?, ?, ?)", d_rows)
        db.conn.executemany(
            "insert into dossier_events (id, dossier_id, at, actor, action, from_status, "
            "to_status, department_id, detail) values (?, ?, ?, 'bench', ?, ?, ?, ?, ?)",
            e_rows)
        d_rows.clear()
        e_rows.clear()

    for i in range(1, rows + 1):
        pid, pcode, dep = procs[rnd.randrange(len(procs))]
        received = now - dt.timedelta(seconds=rnd.randrange(year))
        channel = rnd.choices(["online", "in_person", "post"], [30, 65, 5])[0]
        allowed = dt.timedelta(days=rnd.choice([1, 3, 5, 10, 15]))
        due = received + allowed
        r = rnd.random()
        rec, due_s = clock.iso(received), clock.iso(due)
        result = classification = closed = None
        if r < 0.01:  # refused at reception: never received
            kind = "refused"
            status, stage, closed = 3, "closed", rec
            event_id += 1
            e_rows.append((event_id, i, rec, "refuse", None, 3, dep, "{}"))
            rec_col, due_col = rec, None
        else:
            rec_col, due_col = rec, due_s
            event_id += 1
            e_rows.append((event_id, i, rec, "receive", None, 2, dep,
                           json.dumps({"due_at": due_s})))
            # Most results come well before the due time; about one in twelve late.
            end = received + allowed * rnd.uniform(0.2, 1.09)
            if end > now or r > 0.96:
                kind = "open"
                status, stage = (5, "paused") if r > 0.99 else (4, "running")
                if stage == "paused":
                    event_id += 1
                    e_rows.append((event_id, i, clock.iso(received + dt.timedelta(hours=2)),
                                   "request_supplement", 4, 5, dep, "{}"))
            elif r < 0.03:
                kind = "withdrawn" if r < 0.02 else "stopped"
                status, stage, closed = (7 if kind == "withdrawn" else 8), "closed", \
                    clock.iso(end)
                event_id += 1
                e_rows.append((event_id, i, closed, "withdraw" if status == 7 else "stop",
                               4, status, dep, "{}"))
            else:
                kind = classification = ("late" if end > due else
                                         "on_time" if end > due - dt.timedelta(hours=4)
                                         else "early")
                status, stage, result = 10, "closed", clock.iso(end)
                closed = result
                event_id += 1
                e_rows.append((event_id, i, result, "result_ready", 4, 9, dep,
                               json.dumps({"classification": classification})))
        counts[kind] = counts.get(kind, 0) + 1
        d_rows.append((i, f"BENCH-{i:07d}", pid, pcode, dep, channel, status, stage, rec_col,
                       due_col, result, classification, closed, rec))
        if len(d_rows) >= 20000:
            flush()
    flush()
    db.execute("COMMIT")
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    with store.write() as w:
        facts.install(w)
        digested = facts.rebuild(w)
    rebuilt = time.perf_counter() - t0
    db.execute("ANALYZE")
    return {"loaded": loaded, "rebuilt": rebuilt, "events": event_id, "counts": counts,
            "digested": digested}


def fill_tickets(store: Store, now: dt.datetime, per_day: int) -> dict:
    """A year of working days of tickets (issue, call, finish events), on the sample centre."""
    rnd = random.Random(5)
    db = store.db
    services = [r[0] for r in db.execute("select id from services")]
    counters = [r[0] for r in db.execute("select id from counters")]
    t0 = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    tid = eid = 0
    t_rows, e_rows = [], []
    day = (now - dt.timedelta(days=365)).date()
    days = 0
    while day < now.date():
        if day.weekday() < 5:
            days += 1
            opening = dt.datetime.combine(day, dt.time(7, 0), VN)
            numbers: dict[int, int] = {}
            for _ in range(per_day):
                sid = rnd.choice(services)
                numbers[sid] = numbers.get(sid, 0) + 1
                issued = opening + dt.timedelta(seconds=rnd.randrange(9 * 3600))
                called = issued + dt.timedelta(seconds=rnd.randrange(60, 3600))
                finished = called + dt.timedelta(seconds=rnd.randrange(120, 1200))
                status = "no_show" if rnd.random() < 0.05 else "done"
                tid += 1
                t_rows.append((tid, day.isoformat(), sid, sid, numbers[sid],
                               f"{numbers[sid]:03d}", status, clock.iso(issued),
                               clock.iso(called), clock.iso(called), clock.iso(finished),
                               rnd.choice(counters), f"tok{tid}"))
                for action, at, to in (("issue", issued, "waiting"), ("next", called, "called"),
                                       ("finish" if status == "done" else "no_show", finished,
                                        status)):
                    eid += 1
                    e_rows.append((eid, tid, clock.iso(at), action, to))
            if len(t_rows) > 20000:
                _flush_tickets(db, t_rows, e_rows)
        day += dt.timedelta(days=1)
    _flush_tickets(db, t_rows, e_rows)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    return {"tickets": tid, "events": eid, "days": days, "seconds": time.perf_counter() - t0}


def _flush_tickets(db, t_rows, e_rows):
    db.conn.executemany(
        "insert into tickets (id, day, service_id, issued_service_id, number, display, status, "
        "issued_at, called_at, first_called_at, finished_at, counter_id, token) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", t_rows)
    db.conn.executemany(
        "insert into ticket_events (id, ticket_id, at, action, to_status) values "
        "(?, ?, ?, ?, ?)", e_rows)
    t_rows.clear()
    e_rows.clear()


def hall_from_dossiers(db) -> list[dict]:
    """The hall's figures as dossier_figures.py counted them before (a scan of
    ``dossiers`` per department; the department handling the dossier)."""
    now = clock.now().astimezone(VN)
    start = clock.iso(dt.datetime(now.year, 1, 1, tzinfo=VN))
    return [dict(r) for r in db.query(
        """
        select dep.code, dep.name,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.classification is not null and d.result_at >= :start) as resolved,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.classification in ('early', 'on_time') and d.result_at >= :start) as on_time,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.stage in ('running', 'paused', 'held')) as in_progress,
          (select count(*) from dossiers d where d.department_id = dep.id
             and d.stage in ('running', 'held') and d.due_at < :now) as overdue
        from departments dep order by dep.sort_order, dep.name
        """, {"start": start, "now": clock.iso(now)})]


def timed(fn, rounds: int, label: str = "") -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    print(f"{label}: {', '.join(ms(t) for t in out)}", flush=True)
    return out


def bench_delay(config: HubConfig, store: Store, samples: int) -> dict:
    """Commit a change, publish as the hub does, time until the retained figures arrive."""
    from central.bus.gateway import Gateway
    from motcua.broker import Mosquitto
    from motcua.bus import BusClient, Topics
    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig

    with tempfile.TemporaryDirectory() as data:
        broker = Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=Path(data))
        broker.start()
        try:
            config.mqtt.port = broker.port
            gateway = Gateway(config, store).start()
            assert gateway.bus.wait_connected(10)
            topics = Topics(config.center)
            got: dict[str, tuple[float, dict]] = {}
            cond = threading.Condition()

            def on_state(incoming):
                with cond:
                    got[incoming.topic.rsplit("/", 1)[1]] = (time.perf_counter(), incoming.data)
                    cond.notify_all()

            watcher = BusClient(PahoTransport(from_dict(MqttConfig, {"port": broker.port}),
                                              client_id="bench-watcher"), topics)
            watcher.subscribe(topics.state("queue_stats"), on_state)
            watcher.subscribe(topics.state("supervision"), on_state)
            watcher.start()
            assert watcher.wait_connected(10)
            time.sleep(1.5)

            def wait_for(name, check, timeout=10.0):
                deadline = time.perf_counter() + timeout
                with cond:
                    while True:
                        hit = got.get(name)
                        if hit and check(hit[1]):
                            return hit[0]
                        left = deadline - time.perf_counter()
                        if left <= 0:
                            raise TimeoutError(name)
                        cond.wait(left)

            rnd = random.Random(3)
            for _ in range(3):  # warm up: first connections, first queries
                with store.write() as db:
                    _, out = api.issue_ticket(db, topics, "ho-tich")
                for topic, payload, retain in out:
                    gateway.publish_state(topic, payload, retain)
                time.sleep(0.5)
            queue_delays, supervision_delays = [], []
            lost = {"queue": 0, "supervision": 0}
            for _ in range(samples):
                t0 = time.perf_counter()
                with store.write() as db:
                    result, out = api.issue_ticket(db, topics, "ho-tich")
                for topic, payload, retain in out:
                    gateway.publish_state(topic, payload, retain)
                issued = queue_stats_issued(store)
                try:
                    t1 = wait_for("queue_stats", lambda d, n=issued: d["issued"] >= n)
                    queue_delays.append(t1 - t0)
                except TimeoutError:
                    lost["queue"] += 1
                time.sleep(rnd.uniform(0.02, 0.15))
            for _ in range(max(20, samples // 5)):
                before = got["supervision"][1]["received_today"]
                t0 = time.perf_counter()
                with store.write() as db:  # a dossier received through the web pages
                    n = db.execute("select max(id) from dossiers").fetchone()[0] + 1
                    db.execute(
                        "insert into dossiers (id, code, procedure_id, procedure_code, "
                        "procedure_name, channel, status, stage, applicant_name, received_at, "
                        "due_at, updated_at) values (?, ?, 1, '1.100000', 'Thủ tục', "
                        "'in_person', 2, 'running', 'Nguyễn Văn B', ?, ?, ?)",
                        [n, f"LIVE-{n}", clock.iso(), clock.iso(clock.now()
                                                                + dt.timedelta(days=3)),
                         clock.iso()])
                    db.execute(
                        "insert into dossier_events (dossier_id, at, actor, action, "
                        "to_status, detail) values (?, ?, 'bench', 'receive', 2, '{}')",
                        [n, clock.iso()])
                try:
                    t1 = wait_for("supervision", lambda d, b=before: d["received_today"] > b)
                    supervision_delays.append(t1 - t0)
                except TimeoutError:
                    lost["supervision"] += 1
                time.sleep(rnd.uniform(0.05, 0.2))
            watcher.stop()
            gateway.stop()
        finally:
            broker.stop()
    print("queue delays:", [round(x * 1000) for x in queue_delays], flush=True)
    print(f"delays: queue p99 {ms(percentile(queue_delays, 99))}, supervision p99 "
          f"{ms(percentile(supervision_delays, 99))}, lost {lost}", flush=True)
    return {"queue": queue_delays, "supervision": supervision_delays, "lost": lost}


def queue_stats_issued(store: Store) -> int:
    from central.queue import tickets

    day = tickets.today(store.db)
    return store.db.execute("select count(*) from tickets where day = ?", [day]).fetchone()[0]


def main() -> None:
    run = Run("period_stats.py", __doc__, setup=lambda p: (
        p.add_argument("--rows", type=int, default=1_000_000),
        p.add_argument("--tickets-per-day", type=int, default=1200),
        p.add_argument("--rounds", type=int, default=5),
        p.add_argument("--samples", type=int, default=200)))
    args = run.args
    if run.quick:
        args.rows, args.tickets_per_day, args.rounds, args.samples = 5000, 50, 1, 10
    now = clock.now().astimezone(VN)
    if True:
        # Always a store of its own, filled in this run: nothing carried over.
        path = f"{run.tmp}/hub.db"
        config = from_dict(HubConfig, {"center": "benchstats", "database": path})
        store = Store(config.database)
        queue_setup.load_file(store, queue_setup.SAMPLE, actor="bench")
        filled = fill_dossiers(store, args.rows, now)
        tickets = fill_tickets(store, now, args.tickets_per_day)
        print(f"filled: {filled}, {tickets}", flush=True)
        size_mb = Path(config.database).stat().st_size / 1e6
        db = store.db
        today = now.date()
        periods = {
            "a year": (today - dt.timedelta(days=364), today),
            "a quarter": (today - dt.timedelta(days=90), today),
            "a month": (today.replace(day=1), today),
            "a day (today)": (today, today),
        }
        results = []
        for label, (start, end) in periods.items():
            for by in ("department", "field", "procedure"):
                times = timed(lambda s=start, e=end, b=by: period_report(db, s, e, by=b),
                              args.rounds, f"{label} by {by}")
                results.append((f"period report, {label}, by {by}", times))
        year = period_report(db, *periods["a year"])
        month = (periods["a month"][0].isoformat(), today.isoformat())
        results.append(("queue figures, a month of tickets",
                        timed(lambda: queue_figures(db, *month), args.rounds, "queue")))
        results.append(("officer ranking, a month",
                        timed(lambda: officer_ranking(db, *periods["a month"]), args.rounds,
                              "officers")))
        results.append(("dashboard counts (state/supervision figures)",
                        timed(lambda: supervision.figures(db, config), args.rounds, "dashboard")))
        results.append(("hall display figures (`state/dossier_stats`: the year's report by "
                         "department, from the facts)",
                         timed(lambda: dossier_figures.department_figures(db), args.rounds,
                               "hall")))
        # The same figures counted from the `dossiers` rows, as dossier_figures.py
        # did before: once, for comparison (it takes seconds).
        results.append(("hall display figures counted from `dossiers` (before), for comparison",
                        timed(lambda: hall_from_dossiers(db), 1, "hall, before")))
        hall = dossier_figures.department_figures(db)["departments"]
        before = hall_from_dossiers(db)
        hall_sums = [(sum(d[k] for d in hall), sum(d[k] for d in before))
                     for k in ("resolved", "on_time", "in_progress", "overdue")]
        print("hall figures, new vs before:", hall_sums, flush=True)
        delays = bench_delay(config, store, args.samples)
        # The floor of a report: one pass over every dossier event row, counted by
        # SQLite, on the same store.
        scan = timed(lambda: db.execute("select count(*) from dossier_events").fetchone(),
                     args.rounds, "floor")
        store.close()
    run.close()
    lines = [
        "## Statistics (bench/period_stats.py)",
        "",
        "| what | median | max | rounds |",
        "|---|---|---|---|",
    ]
    for label, times in results:
        lines.append(f"| {label} | {ms(percentile(times, 50))} | {ms(max(times))} "
                     f"| {len(times)} |")
    lines.append(f"| floor: one pass over the {filled['events']:,} dossier event rows "
                 f"(`count(*)`) | {ms(percentile(scan, 50))} | {ms(max(scan))} | {len(scan)} |")
    year_by_dep = next(t for label, t in results if label.endswith("a year, by department"))
    lines += ["", f"The year's report by department takes "
                  f"{percentile(year_by_dep, 50) / percentile(scan, 50):.1f}× the floor."]
    lines += [
        "",
        "| delay from a committed change to the retained message at a subscriber | p50 | p99 "
        "| n |",
        "|---|---|---|---|",
        f"| ticket issued → `state/queue_stats` (nudged, coalesced) "
        f"| {ms(percentile(delays['queue'], 50))} | {ms(percentile(delays['queue'], 99))} "
        f"| {len(delays['queue'])} |",
        f"| dossier received (no publish: found by the event-id fingerprint) → "
        f"`state/supervision` | {ms(percentile(delays['supervision'], 50))} "
        f"| {ms(percentile(delays['supervision'], 99))} | {len(delays['supervision'])} |",
        "",
        f"Messages not seen within 10 s: {delays['lost']}.",
        "",
        f"Store: {args.rows:,} dossiers ({filled['counts']}) with {filled['events']:,} event "
        f"rows over the year before the run, 15 departments, 300 procedures in "
        f"{len(FIELDS)} fields; {tickets['tickets']:,} tickets with {tickets['events']:,} "
        f"event rows over {tickets['days']} working days; {size_mb:.0f} MB. Loaded in "
        f"{filled['loaded'] + tickets['seconds']:.0f} s; `facts.rebuild` digested the "
        f"dossier events into `dossier_facts` in {filled['rebuilt']:.0f} s (on a live hub "
        "the trigger keeps it as each event is written). The year's totals: "
        f"{year['total']['received']:,} received, {year['total']['resolved']:,} resolved, "
        f"on-time rate {year['total']['on_time_rate']} %. The hall's figures (this "
        "calendar year, resolved / on time / in progress / overdue, over the departments): "
        f"{' / '.join(f'{a:,}' for a, _ in hall_sums)} from the facts, "
        f"{' / '.join(f'{b:,}' for _, b in hall_sums)} counted from `dossiers`; a "
        "difference is dossiers counted under their procedure's department rather than "
        "the one handling them (or none: the dossiers the delay measurement adds have no "
        "department of their own). Target: the report under 1 s, the delay p99 under "
        "500 ms.",
    ]
    run.report("\n".join(lines))


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    sys.exit(main())
