"""Ingest workers sharing the provincial broker's summaries: records/s for 1, 2, 4 workers.

    .venv/bin/python bench/province_ingest.py               # 3,000 batches of 20 events
    .venv/bin/python bench/province_ingest.py --quick       # a small run (the suite's check)

Real parts: Mosquitto from broker-config/test.conf, PostgreSQL from Debian's
packages (tests/pgserver.py), each worker its own `motcua ingest` process in
the shared subscription. For each store and worker count: the workers'
sessions are made, the workers stopped, the batches published (the broker
queues each worker its share, as during a catch-up after a cut), then the
workers started together; the rate is the records over the time from the first
worker's connection to every record stored (process start-up left out). The
floor, measured in the same run: the same batches drained from the broker by
one plain client that acknowledges and stores nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from common import PROJECT, Run, cpu_seconds, ratio, tree_cpu_seconds

sys.path.insert(0, str(PROJECT))
from motcua import clock  # noqa: E402
from motcua.bus.messages import UP_TICKET_EVENTS, encode  # noqa: E402
from tests.pgserver import PostgreSQL  # noqa: E402

PROVINCE = "tinh"


def batches(count: int, per: int, centres: int) -> list[tuple[str, bytes]]:
    out = []
    for m in range(count):
        centre = f"c{m % centres + 1:03d}"
        first = (m // centres) * per + 1
        out.append((f"province/{centre}/up/ticket_events", encode(UP_TICKET_EVENTS.make(events=[
            {"event_id": i, "at": "2026-11-27T02:00:00.000+00:00", "day": "2026-11-27",
             "action": "call", "to_status": "called", "ticket_id": i,
             "display": f"A{i % 1000:03d}", "service": "ho-tich", "counter": 1 + i % 8,
             "officer": "lan.nt", "officer_name": "Nguyễn Thị Lan"}
            for i in range(first, first + per)]))))
    return out


def publish_all(port: int, messages) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{os.getpid()}",
                         protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()


def floor_rate(port: int, messages) -> float:
    """Messages/s one plain client drains from its queued session (no storage)."""
    got, times, done = [0], [], threading.Event()
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 600

    def on_message(client, userdata, msg):
        got[0] += 1
        times.append(time.monotonic())
        if got[0] == len(messages):
            done.set()

    def session():
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="floor", protocol=mqtt.MQTTv5)
        c.on_message = on_message
        c.connect("127.0.0.1", port, clean_start=False, properties=props)
        c.subscribe("$share/floor/province/+/up/+", qos=1)
        c.loop_start()
        return c

    c = session()
    time.sleep(0.5)
    c.loop_stop()
    c.disconnect()
    publish_all(port, messages)
    c = session()
    done.wait(300)
    c.loop_stop()
    c.disconnect()
    return (len(times) - 1) / (times[-1] - times[0])


def hub_toml(folder: Path, port: int, store: str, province: str = PROVINCE) -> Path:
    # Each run its own province (and so its own ingest group): the stopped
    # workers of the run before keep their sessions, which would still be
    # dealt their share of a group they were in.
    path = folder / "hub.toml"
    path.write_text(f'center = "{province}"\nrole = "province"\nprovince_store = "{store}"\n'
                    f'database = "{folder / "province.db"}"\nlog_level = "INFO"\n'
                    f'[mqtt]\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8")
    return path


CGROUP_V1 = Path("/sys/fs/cgroup/cpu")


def cpu_limit(pid: int, name: str, share: float) -> None:
    """Hold one worker to ``share`` of a core (a cgroup v1 CPU quota of its own): a
    worker on a machine of its own whose core is busy with other work. Needs root
    and the cgroup v1 cpu controller; refuses clearly otherwise."""
    group = CGROUP_V1 / f"motcua-bench-{name}"
    try:
        group.mkdir(exist_ok=True)
        period = int((group / "cpu.cfs_period_us").read_text())
        (group / "cpu.cfs_quota_us").write_text(str(int(period * share)))
        (group / "cgroup.procs").write_text(str(pid))
    except OSError as exc:
        raise SystemExit(f"--worker-cpu needs root and {CGROUP_V1} (cgroup v1): {exc}") from None


def release_cpu_limits() -> None:
    for group in CGROUP_V1.glob("motcua-bench-*"):
        with contextlib.suppress(OSError):
            group.rmdir()


def start_workers(config: Path, names: list[str], log,
                  share: float | None = None) -> list[subprocess.Popen]:
    started = [subprocess.Popen([sys.executable, "-m", "motcua", "ingest", "--config",
                                 str(config), "--name", n], stdout=log, stderr=subprocess.STDOUT)
               for n in names]
    if share:
        for n, w in zip(names, started, strict=True):
            cpu_limit(w.pid, n, share)
    return started


def stop(workers) -> None:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        w.wait(30)


def count_and_span(store: str, folder: Path) -> tuple[int, float]:
    sql = "select count(*), min(stored_at), max(stored_at) from province_ticket_events"
    if store:
        import psycopg

        try:
            with psycopg.connect(store) as conn:
                n, first, last = conn.execute(sql).fetchone()
        except psycopg.errors.UndefinedTable:  # the first worker has not made it yet
            return 0, 0.0
    else:
        import sqlite3

        try:
            with sqlite3.connect(folder / "province.db") as conn:
                n, first, last = conn.execute(sql).fetchone()
        except sqlite3.OperationalError:  # no such table yet
            return 0, 0.0
    if not n:
        return 0, 0.0
    return n, (clock.from_iso(last) - clock.from_iso(first)).total_seconds()


def drain(port: int, store: str, workers: int, messages, total: int, root: Path,
          pids: dict[str, int], share: float | None = None) -> dict:
    """One run: ``workers`` drain the queued batches. Besides the rate, the CPU
    seconds each part spent on the batches (``pids``: the broker's and the
    database server's, read as process trees), since on a machine with fewer
    cores than parts the rate says more about sharing cores than about the code."""
    folder = Path(tempfile.mkdtemp(prefix=f"w{workers}-", dir=root))
    config = hub_toml(folder, port, store, f"{PROVINCE}-{folder.name.lower()[:12]}")
    names = [f"b{workers}-{i}" for i in range(1, workers + 1)]
    log = open(folder / "workers.log", "wb")  # noqa: SIM115
    started = start_workers(config, names, log)  # sessions and subscriptions made
    deadline = time.monotonic() + 120
    while (folder / "workers.log").read_bytes().count(b"connected to") < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"{workers} workers did not connect within 120 s")
        time.sleep(0.2)
    time.sleep(1)  # the subscription's acknowledgement
    # What a worker spends starting (imports, store, connection), left out below.
    start_cpu = sum(cpu_seconds(w.pid) for w in started) / workers
    stop(started)
    publish_all(port, messages)
    log.flush()
    already = (folder / "workers.log").read_bytes().count(b"connected to")
    parts_before = {k: tree_cpu_seconds(pid) for k, pid in pids.items()}
    launched = time.time()
    started = start_workers(config, names, log, share)
    n = 0
    while time.time() - launched < 600:
        n, _ = count_and_span(store, folder)
        if n >= total:
            break
        time.sleep(0.05)
    finished = time.time()
    cpu = {k: tree_cpu_seconds(pid) - parts_before[k] for k, pid in pids.items()}
    cpu["workers"] = sum(cpu_seconds(w.pid) for w in started) - start_cpu * workers
    stop(started)
    log.close()
    # From the first worker's connection (its log line, ms) to the poll that saw
    # every record: the workers' start-up (imports, ~1 s) is left out.
    connected = [dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                 for line in (folder / "workers.log").read_text().splitlines()
                 if "connected to" in line][already:]
    span = finished - min(connected)
    return {"workers": workers, "stored": n, "span": span, "rate": n / span if span else 0,
            "cpu_ms": {k: v * 1000 / max(1, n) * 1000 for k, v in cpu.items()}}


def main() -> None:
    run = Run("province_ingest.py", __doc__, setup=lambda ap: (
        ap.add_argument("--batches", type=int, default=10000),
        ap.add_argument("--per-batch", type=int, default=20),
        ap.add_argument("--worker-cpu", type=float, default=None, metavar="SHARE",
                        help="hold each worker to SHARE of a core (e.g. 0.15; root, cgroup v1): "
                             "whether the stream divides among workers, on a machine with "
                             "fewer cores than workers")))
    args = run.args
    counts = [1, 2, 4]
    if run.quick:
        args.batches, counts = 100, [1, 2]
    messages = batches(args.batches, args.per_batch, 166)
    total = args.batches * args.per_batch
    root = run.tmp
    with run.broker() as broker, PostgreSQL() as pg:
        floor = floor_rate(broker.port, messages)
        print(f"floor: the broker drains {floor:.0f} batches/s to one plain client", flush=True)
        rows = []
        for n in counts:
            url = pg.create_database(f"ingest_{n}")
            try:
                r = drain(broker.port, url, n, messages, total, root,
                          {"broker": broker.process.pid, "database": pg.process.pid},
                          args.worker_cpu)
            finally:
                release_cpu_limits()
            r["store"] = "PostgreSQL"
            rows.append(r)
            print(f"PostgreSQL, {n} worker(s): {r['stored']} of {total} in {r['span']:.2f} s, "
                  f"{r['rate']:.0f} records/s", flush=True)
        if not args.worker_cpu:
            r = drain(broker.port, "", 1, messages, total, root, {"broker": broker.process.pid})
            r["store"] = "SQLite"
            rows.append(r)
            print(f"SQLite, 1 worker: {r['stored']} of {total} in {r['span']:.2f} s, "
                  f"{r['rate']:.0f} records/s", flush=True)
    floor_records = floor * args.per_batch
    def ms(r, part):
        return f"{r['cpu_ms'][part]:,.0f}" if part in r["cpu_ms"] else "— (in the worker)"

    table = "\n".join(
        f"| {r['store']} | {r['workers']} | {r['stored']:,} of {total:,} | {r['span']:.2f} s "
        f"| {r['rate']:,.0f} | {ratio(r['rate'], floor_records)} | {ms(r, 'workers')} "
        f"| {ms(r, 'database')} | {ms(r, 'broker')} |" for r in rows)
    pg_rows = [r for r in rows if r["store"] == "PostgreSQL"]
    worker_ms = sorted(r["cpu_ms"]["workers"] for r in pg_rows)[len(pg_rows) // 2]
    db_ms = sorted(r["cpu_ms"]["database"] for r in pg_rows)[len(pg_rows) // 2]
    if worker_ms > 0 and db_ms > 0:
        per_worker_core, per_db_core = 1e6 / worker_ms, 1e6 / db_ms
        carry = f"""What carries to a server is the CPU per record (median of the
PostgreSQL rows): one worker's core stores {per_worker_core:,.0f} records/s and the
database server needs one core per {per_db_core:,.0f} records/s. The batches are
dealt to every worker of the shared subscription (the stored counts above, and
`tests/test_province_ingest.py`), so N workers on N cores of their own store up to
N × {per_worker_core:,.0f} records/s, until the database's cores are the limit. A
province's whole day (166 centres, `bench/province.py`) is about 186,000 records:
{186000 / per_worker_core:,.0f} s of one worker's core.
"""
    else:  # a quick run: shorter than /proc's CPU clock can see (10 ms ticks)
        carry = ("The run was too short for /proc's CPU clock (10 ms ticks) to see the "
                 "workers' or the\ndatabase's CPU (median read 0 ms): no rate per core is "
                 "derived from it.\n")
    cores = os.cpu_count()
    header = ("| store | workers | stored | connection → all stored | records/s | × the floor "
              "| workers' CPU | database's CPU | broker's CPU |")
    held, sharing = "", (
        f"This machine has {cores} cores for the workers, the database server and the broker\n"
        "together, and they were shared with other work during the run (the load average\n"
        "below), so the rates above say more about that sharing than about the workers.\n")
    if args.worker_cpu:
        grew = rows[-1]["rate"] / rows[0]["rate"]
        sharing = (f"With the quota, {rows[-1]['workers']} workers stored {grew:.1f}× what one "
                   "did.\n")
        held = (f"\nEach worker held to {args.worker_cpu:g} of a core (`--worker-cpu`, a cgroup\n"
                "CPU quota of its own), standing for a worker on a machine of its own: with\n"
                "more workers than cores, this is how the run can show whether the stream\n"
                "divides among them and the rate grows with them.\n")
    body = f"""## Province: ingest workers sharing the stream (bench/province_ingest.py{
        " --worker-cpu" if args.worker_cpu else ""})
{held}
{args.batches:,} batches of {args.per_batch} ticket events from 166 centres, queued at the
provincial broker for the shared subscription, then drained by `motcua ingest` workers
(each a process, committing a batch of messages per transaction, acknowledging after
the commit). Floor, the same run: the broker drains the same batches to one plain client
at {floor:,.0f} batches/s ({floor_records:,.0f} records/s).

CPU columns: milliseconds of CPU per 1,000 records stored, read from `/proc` for the
workers (their start-up left out), the database server (all its processes) and the
broker, over the same span.

{header}
|---|---|---|---|---|---|---|---|---|
{table}

{sharing}{carry}"""
    run.report(body, "province_ingest.py --worker-cpu" if args.worker_cpu else None)
    run.close()
    if any(r["stored"] != total for r in rows):
        raise SystemExit("not every record was stored")


if __name__ == "__main__":
    main()
