"""The queue's speed, through a real Mosquitto and a real hub process.

    .venv/bin/python bench/queue_engine.py            # full run (~3 minutes)
    .venv/bin/python bench/queue_engine.py --quick    # smaller counts, no report

Measures, and writes its section of docs/performance.md:

1. the bare broker round trip (request → echo → response, no hub) as the floor;
2. ticket request → response through the hub, p50/p99 over 2,000;
3. counter ``next`` → the hall board's retained update arriving at a
   subscriber, p50/p99 over 2,000;
4. 20 concurrent simulated nodes (10 dispensers, 10 counters) for 60 s:
   operations per second, with every ticket answered once and no number twice;
5. the hub process's memory after a simulated day of 3,000 tickets;
6. the wait estimate's error against the actual waits of a simulated day
   (virtual clock, Poisson arrivals, random service times).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import PROJECT, percentile, write_section
from motcua.broker import Mosquitto, free_port, wait_for_port
from motcua.bus import BusClient, Topics
from motcua.bus.client import RequestTimeout
from motcua.bus.messages import COUNTER_COMMAND, PING, TICKET, ok_response
from motcua.bus.paho import PahoTransport
from motcua.config import MqttConfig, from_dict

# This file is bench/queue_engine.py: keep its folder from shadowing the standard
# library's `queue` (multiprocessing imports it later).
sys.path[:] = [p for p in sys.path
               if Path(p or ".").resolve() != Path(__file__).resolve().parent]

CENTER = "bench"
BENCH_SERVICES = {
    "bench-a": {"code": "bench-a", "name": "Dịch vụ thử A", "prefix": "X", "range": [1, 99999]},
    "bench-b": {"code": "bench-b", "name": "Dịch vụ thử B", "prefix": "Y", "range": [1, 99999]},
}


def client(port: int, client_id: str, node_id: str | None = None, center: str = CENTER):
    topics = Topics(center)
    inbox = topics.node_inbox(node_id) if node_id else None
    bus = BusClient(PahoTransport(from_dict(MqttConfig, {"port": port}), client_id=client_id),
                    topics, inbox=inbox)
    bus.start()
    assert bus.wait_connected(10), f"{client_id} did not connect"
    return bus


def ask(bus, node_id, name, payload, timeout=10.0):
    t = bus.topics
    return bus.request(t.node_request(node_id, name), payload,
                       response_topic=t.node_response(node_id, name), timeout=timeout)


def rss_kib(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def durable_commit_ms(directory: Path, n: int = 200) -> list[float]:
    """One small SQLite commit with WAL and synchronous=FULL, as the hub makes:
    the disk's fsync, which no request that changes state can beat."""
    import sqlite3

    con = sqlite3.connect(directory / "fsync.db", isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")
    con.execute("create table t (x)")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        con.execute("begin immediate")
        con.execute("insert into t values (1)")
        con.execute("commit")
        times.append((time.perf_counter() - t0) * 1000)
    con.close()
    return times


def prepare_database(path: Path) -> None:
    sys.path.insert(0, str(PROJECT))
    from central.queue import setup
    from central.store import Store

    store = Store(path)
    setup.load_file(store, setup.SAMPLE, actor="bench")
    with store.write() as db:
        for svc in BENCH_SERVICES.values():
            setup.save_service(db, svc, actor="bench")
        for n in range(1, 11):
            setup.save_counter(db, {"number": n, "name": f"Quầy {n}", "node": f"counter-{n}",
                                    "services": {"bench-a": 1, "bench-b": 1}}, actor="bench")
    store.close()


def floor(port: int, n: int) -> list[float]:
    """Request → response through the broker with an echo that does nothing."""
    echo = client(port, "bench-echo", center="floor")
    echo.serve(echo.topics.all_nodes("request", "ping"),
               lambda incoming: ok_response(incoming.data["id"], {}))
    time.sleep(0.3)  # let the subscription settle (serve() after connect)
    asker = client(port, "bench-floor", node_id="floor-1", center="floor")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        answer = ask(asker, "floor-1", "ping", PING.make())
        times.append((time.perf_counter() - t0) * 1000)
        assert answer["ok"]
    asker.stop()
    echo.stop()
    return times


def simulated_day(port: int, tickets: int) -> None:
    """3 dispensers issue, 10 counters serve, all over the bus."""
    dispensers = [client(port, f"dispenser-{i}", f"dispenser-{i}") for i in (1, 2, 3)]
    counters = [client(port, f"counter-{i}", f"counter-{i}") for i in range(1, 11)]
    for i in range(tickets):
        d = dispensers[i % 3]
        answer = ask(d, f"dispenser-{i % 3 + 1}", "ticket",
                     TICKET.make(service=random.choice(list(BENCH_SERVICES)),
                                 priority="elderly" if i % 7 == 0 else None))
        assert answer["ok"], answer
        if i % 2:
            c = (i // 2) % 10
            ask(counters[c], f"counter-{c + 1}", "counter_command",
                COUNTER_COMMAND.make(action="next"))
    for c, bus in enumerate(counters):
        while ask(bus, f"counter-{c + 1}", "counter_command",
                  COUNTER_COMMAND.make(action="next"))["result"]["current"]:
            pass
    for bus in dispensers + counters:
        bus.stop()


def ticket_latency(port: int, n: int) -> list[float]:
    d = client(port, "dispenser-1", "dispenser-1")
    times = []
    for i in range(n):
        payload = TICKET.make(service="bench-a" if i % 2 else "bench-b")
        t0 = time.perf_counter()
        answer = ask(d, "dispenser-1", "ticket", payload)
        times.append((time.perf_counter() - t0) * 1000)
        assert answer["ok"], answer
    d.stop()
    return times


def next_to_board(port: int, n: int) -> list[float]:
    """Counter 1 presses next; time until the board shows that number."""
    seen: dict[str, float] = {}
    arrived_cv = threading.Condition()
    watcher = client(port, "bench-board")

    def on_board(incoming):
        calls = incoming.data.get("calls") or []
        if calls:
            with arrived_cv:
                seen.setdefault(calls[0]["display"] + f"@{calls[0]['called_at']}",
                                time.perf_counter())
                arrived_cv.notify_all()

    watcher.subscribe(watcher.topics.state("board", "main"), on_board)
    time.sleep(0.5)
    counter = client(port, "counter-1", "counter-1")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        answer = ask(counter, "counter-1", "counter_command", COUNTER_COMMAND.make(action="next"))
        current = answer["result"]["current"]
        assert current, "ran out of tickets"
        key = current["display"] + f"@{current['called_at']}"
        # Woken by the watcher's callback, which took the arrival time: no
        # polling loop taking a core from the hub meanwhile.
        with arrived_cv:
            arrived_cv.wait_for(lambda k=key: k in seen, timeout=10)
            arrived = seen.get(key)
        assert arrived, f"board never showed {key}"
        times.append((arrived - t0) * 1000)
    counter.stop()
    watcher.stop()
    return times


def _node_worker(port: int, nodes: list[str], window: tuple[float, float], out) -> None:
    """One process driving a few simulated nodes (threads), so the benchmark's
    own interpreter lock is not what limits the rate."""
    results = {"tickets": [], "nexts": 0, "lost": 0, "retries": 0, "in_window": 0}
    lock = threading.Lock()
    begin, end = window

    def done_one():
        if begin <= time.monotonic() <= end:
            results["in_window"] += 1

    def dispenser(node):
        bus = client(port, f"{node}-sustained", node)
        while time.monotonic() < end:
            payload = TICKET.make(service="bench-a" if random.random() < 0.5 else "bench-b")
            for _attempt in range(3):  # a retry repeats the id: the same ticket
                try:
                    answer = ask(bus, node, "ticket", payload, timeout=10)
                    break
                except RequestTimeout:
                    with lock:
                        results["retries"] += 1
            else:
                with lock:
                    results["lost"] += 1
                continue
            with lock:
                results["tickets"].append((payload["id"], answer["result"]["service"],
                                           answer["result"]["number"]))
                done_one()
        bus.stop()

    def counter(node):
        bus = client(port, f"{node}-sustained", node)
        while time.monotonic() < end:
            try:
                ask(bus, node, "counter_command", COUNTER_COMMAND.make(action="next"), timeout=10)
                with lock:
                    results["nexts"] += 1
                    done_one()
            except RequestTimeout:
                with lock:
                    results["lost"] += 1
        bus.stop()

    threads = [threading.Thread(target=dispenser if n.startswith("dispenser") else counter,
                                args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def sustained(port: int, seconds: float, db_path: Path, processes: int = 4) -> dict:
    """10 dispensers + 10 counters, spread over a few processes."""
    import multiprocessing as mp

    nodes = [f"dispenser-{i}" for i in range(11, 21)] + [f"counter-{i}" for i in range(1, 11)]
    begin = time.monotonic() + 3  # everyone connected by then
    window = (begin, begin + seconds)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_node_worker, args=(port, nodes[i::processes], window, out))
               for i in range(processes)]
    for w in workers:
        w.start()
    parts = [out.get(timeout=seconds + 120) for _ in workers]
    for w in workers:
        w.join(30)
    tickets = [t for p in parts for t in p["tickets"]]
    import sqlite3

    con = sqlite3.connect(db_path)
    stored = con.execute("select count(*) from tickets where source_node like 'dispenser-1_' "
                         "or source_node = 'dispenser-20'").fetchone()[0]
    dup = con.execute("select count(*) from (select 1 from tickets group by day, "
                      "issued_service_id, number having count(*) > 1)").fetchone()[0]
    con.close()
    numbers = [(s, n) for _, s, n in tickets]
    return {"ops_per_s": sum(p["in_window"] for p in parts) / seconds,
            "tickets": len(tickets), "nexts": sum(p["nexts"] for p in parts),
            "lost": sum(p["lost"] for p in parts), "retries": sum(p["retries"] for p in parts),
            "answered_unique": len(set(numbers)) == len(numbers), "stored": stored,
            "duplicates_in_db": dup, "processes": processes}


def estimate_error(tickets: int = 3000, counters: int = 8, seed: int = 7) -> dict:
    """A simulated day on a virtual clock: estimate at issue vs the actual wait."""
    sys.path.insert(0, str(PROJECT))
    from central.queue import commands, setup
    from central.queue import tickets as tk
    from central.store import Store

    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    store = Store(tmp / "day.db")
    setup.load_file(store, setup.SAMPLE, actor="bench")
    with store.write() as db:
        setup.save_service(db, BENCH_SERVICES["bench-a"], actor="bench")
        for n in range(1, counters + 1):
            setup.save_counter(db, {"number": n, "services": {"bench-a": 1}}, actor="bench")
    start = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 08:00 in Thanh Hóa
    # Arrivals slightly slower than service capacity (8 counters, 6 min mean).
    rate = counters / 6.0 * 0.95  # per minute
    arrivals, t = [], 0.0
    for _ in range(tickets):
        t += rng.expovariate(rate)
        arrivals.append(t)
    free_at = [0.0] * counters
    estimates = {}
    events = [(a, "arrive", None) for a in arrivals]
    waits = {}
    with store.write() as db:
        counter_rows = [setup.counter_by_number(db, n) for n in range(1, counters + 1)]
        for c in counter_rows:
            commands.run(db, c, "open", now=start)
    i = 0
    clock_min = 0.0
    pending = sorted(events, key=lambda e: e[0])
    while i < len(pending) or any(f > clock_min for f in free_at):
        # Next moment: an arrival or a counter freeing up, whichever is first.
        next_arrival = pending[i][0] if i < len(pending) else float("inf")
        next_free = min(free_at)
        clock_min = min(next_arrival, next_free)
        now = start + dt.timedelta(minutes=clock_min)
        with store.write() as db:
            if next_arrival <= next_free:
                r = tk.issue(db, "bench-a", now=now)
                estimates[r["ticket_id"]] = r["estimate_min"]
                i += 1
                # A free counter calls at once.
                for k, c in enumerate(counter_rows):
                    if free_at[k] <= clock_min:
                        fresh = setup.counter_by_number(db, c["number"])
                        result, _ = commands.run(db, fresh, "next", now=now)
                        if result["current"]:
                            free_at[k] = clock_min + rng.expovariate(1 / 6.0)
                        break
            else:
                k = free_at.index(next_free)
                fresh = setup.counter_by_number(db, counter_rows[k]["number"])
                result, _ = commands.run(db, fresh, "next", now=now)
                free_at[k] = clock_min + rng.expovariate(1 / 6.0) if result["current"] \
                    else float("inf")
                if not result["current"]:
                    # Idle until the next arrival.
                    free_at[k] = next_arrival if next_arrival != float("inf") else float("inf")
            if all(f == float("inf") for f in free_at) and i >= len(pending):
                break
    for tid, issued, called in store.db.execute(
            "select id, issued_at, called_at from tickets where called_at is not null"):
        from motcua import clock
        waits[tid] = (clock.from_iso(called) - clock.from_iso(issued)).total_seconds() / 60
    errors = [abs(estimates[t] - waits[t]) for t in waits if t in estimates]
    actual = list(waits.values())
    store.close()
    return {"n": len(errors), "mae": sum(errors) / len(errors),
            "p90": percentile(errors, 90), "mean_wait": sum(actual) / len(actual),
            "p90_wait": percentile(actual, 90)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    day = 300 if args.quick else 3000
    seconds = 10 if args.quick else 60
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    broker = Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=tmp / "broker").start()
    db_path = tmp / "hub.db"
    prepare_database(db_path)
    http = free_port()
    from central.budget import UNLIMITED_TOML

    (tmp / "hub.toml").write_text(
        f'center = "{CENTER}"\ndatabase = "{db_path}"\nlog_level = "WARNING"\n'
        f"[mqtt]\nport = {broker.port}\n[http]\nport = {http}\n" + UNLIMITED_TOML,
        encoding="utf-8")
    hub = subprocess.Popen([sys.executable, "-m", "motcua", "hub", "--config",
                            str(tmp / "hub.toml")])
    try:
        assert wait_for_port(http, 20), "hub did not start"
        time.sleep(1.0)
        rss_start = rss_kib(hub.pid)
        print("simulated day ...", flush=True)
        simulated_day(broker.port, day)
        rss_day = rss_kib(hub.pid)
        print("floor ...", flush=True)
        floor_ms = floor(broker.port, n)
        commit_ms = durable_commit_ms(tmp)
        print("ticket round trips ...", flush=True)
        ticket_ms = ticket_latency(broker.port, n)
        print("next -> board ...", flush=True)
        board_ms = next_to_board(broker.port, n)
        print(f"sustained {seconds} s ...", flush=True)
        cpu0, wall0 = cpu_seconds(hub.pid), time.perf_counter()
        load = sustained(broker.port, seconds, db_path)
        hub_cpu = (cpu_seconds(hub.pid) - cpu0) / (time.perf_counter() - wall0)
        rss_end = rss_kib(hub.pid)
    finally:
        hub.terminate()
        hub.wait(10)
        broker.cleanup()
    print("estimate error ...", flush=True)
    est = estimate_error(day)

    def row(name, values):
        p50, p99 = percentile(values, 50), percentile(values, 99)
        return f"| {name} | {p50:.2f} | {p99:.2f} | {p99 / percentile(floor_ms, 99):.1f}× |"

    with open("/proc/loadavg") as f:
        loadavg = f.read().split()[:3]
    body = "\n".join([
        "## Queue (bench/queue_engine.py)",
        "",
        f"Hub as its own process (`motcua hub`), Mosquitto from `broker-config/test.conf`, "
        f"SQLite with `synchronous=FULL`. Latencies over {n} operations each, in ms; the "
        "floor is a request answered by an echo client that does nothing, in the same run.",
        "",
        "| path | p50 | p99 | p99 / floor p99 |",
        "|---|---|---|---|",
        f"| bare broker round trip (floor) | {percentile(floor_ms, 50):.2f} | "
        f"{percentile(floor_ms, 99):.2f} | 1.0× |",
        row("ticket request → response", ticket_ms),
        row("counter `next` → board update seen", board_ms),
        f"| (a durable SQLite commit on this disk, WAL + `synchronous=FULL`) | "
        f"{percentile(commit_ms, 50):.2f} | {percentile(commit_ms, 99):.2f} | "
        f"{percentile(commit_ms, 99) / percentile(floor_ms, 99):.1f}× |",
        "",
        "At the median, a ticket takes "
        f"{percentile(ticket_ms, 50) / percentile(floor_ms, 50):.1f}× the floor and a call "
        "reaches the board in "
        f"{percentile(board_ms, 50) / percentile(floor_ms, 50):.1f}× the floor. Besides the "
        "broker's round trip, a request costs one durable commit (every ticket and command "
        "is on disk before it is answered) and the hub's own work: applying it (a ticket or "
        "a call is some twenty SQL statements, a counter's candidates read in one), then, "
        "after the commit and the answer, the retained state it touched built from the store "
        "(the hall's board first, then the counter, the lines, the tickets; a counter with "
        "its current ticket in one statement, a service's recent service time over an index "
        "of its newest finished tickets, so nothing grows with the day), each published only "
        "when it differs from what the broker holds. Under load the hub commits whatever has "
        "queued up in one transaction (one fsync per batch) and answers it; while more "
        "requests are already waiting it answers those first and builds the state of several "
        "batches once, within 50 ms. Today's statistics are reckoned by SQLite once a second, "
        "and skipped when nothing was committed. The p99 ratios depend on the floor's own "
        "p99, which the machine's load inflates.",
        "",
        f"Sustained, 10 dispensers + 10 counters (in {load['processes']} processes), each "
        f"sending its next request as soon as the last was answered, for {seconds} s: "
        f"**{load['ops_per_s']:.0f} operations/s** "
        f"({load['tickets']} tickets, {load['nexts']} calls); lost: {load['lost']}, "
        f"retried: {load['retries']}; answered numbers unique: {load['answered_unique']}; "
        f"duplicate numbers in the database: {load['duplicates_in_db']}; tickets stored "
        f"for those dispensers: {load['stored']} (answered: {load['tickets']}). The hub "
        f"process used {hub_cpu:.0%} of one core meanwhile, "
        f"{hub_cpu * 1000 / max(load['ops_per_s'], 1):.1f} ms of CPU per operation.",
        "",
        f"Hub memory (RSS): {rss_start[0] / 1024:.1f} MiB at start, "
        f"{rss_day[0] / 1024:.1f} MiB after a simulated day of {day} tickets issued and "
        f"served over the bus, {rss_end[0] / 1024:.1f} MiB after everything "
        f"(peak {rss_end[1] / 1024:.1f} MiB).",
        "",
        f"Wait estimate against actual waits, simulated day of {est['n']} tickets on a "
        f"virtual clock (8 counters, exponential service times of mean 6 min, arrivals at "
        f"95% of capacity): mean absolute error {est['mae']:.1f} min, 90th percentile "
        f"{est['p90']:.1f} min, for actual waits averaging {est['mean_wait']:.1f} min "
        f"(p90 {est['p90_wait']:.1f} min).",
        "",
        f"Load average when it finished: {' '.join(loadavg)} — the machine's 2 cores were "
        "shared with other engineers' builds and tests, so these figures are pessimistic.",
    ])
    print(body)
    if not args.quick:
        write_section("queue_engine.py", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
