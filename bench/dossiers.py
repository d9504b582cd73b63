"""Dossiers: reception end to end, due-date computation, work lists over 1,000,000 dossiers.

    .venv/bin/python bench/dossiers.py            # writes its section of docs/performance.md
    .venv/bin/python bench/dossiers.py --rows 100000 --no-write
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path

from common import Run, durable_commit_ms, percentile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from dossier_helpers import APPLICANT, CHECKLIST, add_procedures  # noqa: E402

from central.accounts import users
from central.calendar import working_calendar  # noqa: E402
from central.calendar.working_time import VN  # noqa: E402
from central.config import HubConfig  # noqa: E402
from central.dossiers import queries, reception
from central.store import Store  # noqa: E402
from central.web.app import create_app  # noqa: E402
from motcua import clock  # noqa: E402
from motcua.config import from_dict  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def bench_reception(config: HubConfig, store: Store, ids: dict, n: int) -> dict:
    app = create_app(config, store=store)
    users.create_user(store, "bench", "Cán bộ Đo", "officer", "mat-khau-bench")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "bench", "password": "mat-khau-bench",
                                "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/worklists").get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "procedure_id": ids["1.001193"], "channel": "in_person",
            **APPLICANT, "component": [CHECKLIST[0]["name"], CHECKLIST[1]["name"]]}
    http, service = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        reply = client.post("/reception", data=data)
        page = client.get(reply.location)
        http.append(time.perf_counter() - t0)
        assert page.status_code == 200
    for _ in range(n):
        t0 = time.perf_counter()
        reception.receive(store, config, procedure_id=ids["1.001193"], channel="in_person",
                         applicant=APPLICANT, components=[CHECKLIST[0]["name"]], actor="bench")
        service.append(time.perf_counter() - t0)
    return {"http": http, "service": service}


def bench_due(config: HubConfig, store: Store, n: int) -> list[float]:
    cal = working_calendar.calendar_for(store.db, config)
    rnd = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=VN)
    cases = [(start + dt.timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60)),
              rnd.choice([1, 3, 5, 10, 15, 20, 30]),
              rnd.choice(["working_days", "working_days", "working_hours", "same_day",
                          "calendar_days"])) for _ in range(n)]
    times = []
    for received, limit, unit in cases:
        t0 = time.perf_counter()
        cal.due_at(received, limit, unit)
        times.append(time.perf_counter() - t0)
    return times


def fill(store: Store, ids: dict, rows: int, now: dt.datetime) -> dict:
    """``rows`` dossiers over two years, 15 departments: most returned, ~3% open."""
    rnd = random.Random(11)
    with store.write() as db:
        for i in range(12):
            db["departments"].insert({"code": f"D{i:02d}", "name": f"Sở thứ {i + 4}",
                                      "sort_order": 10 + i})
    deps = [r[0] for r in store.db.execute("select id from departments").fetchall()]
    comps = json.dumps([{"name": CHECKLIST[0]["name"], "in_checklist": True}],
                       ensure_ascii=False)
    t0 = time.perf_counter()
    batch = []
    span = 730 * 24 * 3600
    stages = {}
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    for i in range(rows):
        r = rnd.random()
        if r < 0.03:
            # Open dossiers were received in the last month.
            received = now - dt.timedelta(seconds=rnd.randrange(30 * 24 * 3600))
            status, stage = rnd.choice([(2, "running"), (4, "running"), (4, "running"),
                                        (4, "running"), (5, "paused")])
        else:
            received = now - dt.timedelta(seconds=rnd.randrange(span))
            status, stage = 10, "closed"
        due = received + dt.timedelta(days=rnd.choice([1, 3, 5, 10, 15, 20, 30]))
        stages[stage] = stages.get(stage, 0) + 1
        batch.append((f"BENCH-{i:07d}", ids["1.001193"], "1.001193", "Đăng ký khai sinh",
                      rnd.choice(deps), "in_person", status, stage, "Nguyễn Văn A",
                      comps, 3, "working_days", clock.iso(received), clock.iso(due),
                      clock.iso(received)))
        if len(batch) == 20000:
            _insert(db, batch)
            batch = []
    _insert(db, batch)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    return {"seconds": time.perf_counter() - t0, "stages": stages, "departments": deps}


def _insert(db, batch):
    db.conn.executemany(
        "insert into dossiers (code, procedure_id, procedure_code, procedure_name, "
        "department_id, channel, status, stage, applicant_name, components, time_limit, "
        "time_unit, received_at, due_at, updated_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)


def bench_lists(config, store, deps, now, rounds) -> dict:
    per_dep, centre = [], []
    for _ in range(rounds):
        for dep in deps:
            t0 = time.perf_counter()
            queries.work_list(store.db, config, dep, now=now)
            per_dep.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        wl = queries.work_list(store.db, config, None, now=now)
        queries.department_summary(store.db, config, now=now)
        centre.append(time.perf_counter() - t0)
    return {"department": per_dep, "centre": centre,
            "counts": {k: v["count"] for k, v in wl["lists"].items()}}


def main() -> None:
    run = Run("dossiers.py", __doc__, setup=lambda p: (
        p.add_argument("--rows", type=int, default=1_000_000),
        p.add_argument("--receptions", type=int, default=300)))
    args = run.args
    if run.quick:
        args.rows, args.receptions = 5000, 20
    if True:
        tmp = run.tmp
        config = from_dict(HubConfig, {"center": "bench", "database": f"{tmp}/hub.db"})
        store = Store(config.database)
        ids = add_procedures(store)
        rec = bench_reception(config, store, ids, args.receptions)
        due = bench_due(config, store, run.pick(20000, 500))
        now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=VN)   # a Wednesday morning
        filled = fill(store, ids, args.rows, now)
        size_mb = Path(config.database).stat().st_size / 1e6
        lists = bench_lists(config, store, filled["departments"], now, run.pick(20, 3))
        # Floors, in the same run: one durable commit on this disk (what a reception
        # can never beat), and a bare `select 1` on the store's connection.
        commit = durable_commit_ms(tmp, run.pick(300, 30))
        select_1 = []
        for _ in range(run.pick(500, 50)):
            t0 = time.perf_counter()
            store.db.execute("select 1").fetchone()
            select_1.append(time.perf_counter() - t0)
        store.close()
    run.close()
    commit_s = [x / 1000 for x in commit]
    lines = [
        "## Dossiers (bench/dossiers.py)",
        "",
        "| what | p50 | p99 | n |",
        "|---|---|---|---|",
        f"| reception through the web page (POST + dossier page, Flask test client) "
        f"| {ms(percentile(rec['http'], 50))} | {ms(percentile(rec['http'], 99))} "
        f"| {len(rec['http'])} |",
        f"| reception, service call (code, due date, row, event, fsync) "
        f"| {ms(percentile(rec['service'], 50))} | {ms(percentile(rec['service'], 99))} "
        f"| {len(rec['service'])} |",
        f"| due-date computation, per call (mixed units and limits, 2024–2026) "
        f"| {us(percentile(due, 50))} | {us(percentile(due, 99))} | {len(due)} |",
        f"| one department's work lists, {args.rows:,} dossiers in the store "
        f"| {ms(percentile(lists['department'], 50))} "
        f"| {ms(percentile(lists['department'], 99))} | {len(lists['department'])} |",
        f"| the whole centre's work lists + per-department summary, {args.rows:,} dossiers "
        f"| {ms(percentile(lists['centre'], 50))} | {ms(percentile(lists['centre'], 99))} "
        f"| {len(lists['centre'])} |",
        f"| floor: one durable commit (WAL, `synchronous=FULL`) on this disk "
        f"| {ms(percentile(commit_s, 50))} | {ms(percentile(commit_s, 99))} | {len(commit)} |",
        f"| floor: a bare `select 1` on the store's connection "
        f"| {us(percentile(select_1, 50))} | {us(percentile(select_1, 99))} "
        f"| {len(select_1)} |",
        "",
        f"Against the floors at the median: a reception's service call takes "
        f"{percentile(rec['service'], 50) / percentile(commit_s, 50):.1f}× a durable commit; "
        "a department's work lists "
        f"{percentile(lists['department'], 50) / percentile(select_1, 50):.0f}× a bare query.",
        "",
        f"Store: {args.rows:,} dossiers ({filled['stages']}) over two years and "
        f"{len(filled['departments'])} departments, {size_mb:.0f} MB, filled in "
        f"{filled['seconds']:.0f} s. Centre-wide list sizes at the measured moment: "
        f"{lists['counts']}. The work lists read the index `dossiers_worklist` "
        "(department, stage, due_at) / `dossiers_stage_due` (stage, due_at): a range "
        "scan of open dossiers only, whatever the number of closed ones. Target: under "
        "200 ms. The store is a file on this machine's disk with `synchronous=FULL`.",
    ]
    run.report("\n".join(lines))


if __name__ == "__main__":
    main()
