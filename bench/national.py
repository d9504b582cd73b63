"""The national tier: 34 provinces' centres' summaries into one national store.

    .venv/bin/python bench/national.py                    # 3,300 centres, 10x a day's rate
    .venv/bin/python bench/national.py --seconds 20 --quick   # a small run

Real parts: Mosquitto (broker-config/test.conf) standing for the national broker,
PostgreSQL from Debian's packages (tests/pgserver.py), `motcua ingest` workers
(``role = "national"``) in the shared subscription. Simulated: the 34 provinces'
bridges, one client each, forwarding what their centres' uplinks send — a batch
per centre per second in which it had ticket events, under
``vn/<province>/<centre>/up/ticket_events``.

The country (written down so a reader can check it): 3,300 commune-level
centres in 34 provinces (the 2025 sizes; 97 a province), 4.7 counters a centre
on average, 80 citizens a counter a day, three events a citizen (issue, call,
finish): 3.7 million events in an 8-hour day, 130 a second. ``--factor``
multiplies that rate. Lag is from an event's time (the simulated centre's clock)
to its row in the national store.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from common import PROJECT, Run, percentile, ratio

sys.path.insert(0, str(PROJECT))
from motcua import clock  # noqa: E402
from motcua.bus.messages import UP_TICKET_EVENTS, encode  # noqa: E402
from tests.pgserver import PostgreSQL  # noqa: E402

PROVINCES, CENTRES = 34, 3300
EVENTS_PER_SECOND = CENTRES * 4.7 * 80 * 3 / (8 * 3600)


def main() -> None:
    run = Run("national.py", __doc__, setup=lambda ap: (
        ap.add_argument("--seconds", type=float, default=120),
        ap.add_argument("--factor", type=float, default=10.0, help="times a real day's rate"),
        ap.add_argument("--workers", type=int, default=2)))
    args = run.args
    if run.quick:
        args.seconds, args.factor = 5, 1
    rate = EVENTS_PER_SECOND * args.factor
    root = run.tmp
    centres = [(f"p{p:02d}", f"c{c:04d}") for c in range(CENTRES) for p in [c % PROVINCES]]
    rng = random.Random(34)
    with run.broker() as broker, PostgreSQL() as pg:
        url = pg.create_database("national")
        config = root / "hub.toml"
        config.write_text(f'center = "vn"\nrole = "national"\nprovince_store = "{url}"\n'
                          f'database = "{root / "hub.db"}"\nlog_level = "INFO"\n'
                          f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n', encoding="utf-8")
        log = open(root / "workers.log", "wb")  # noqa: SIM115
        workers = [subprocess.Popen([sys.executable, "-m", "motcua", "ingest", "--config",
                                     str(config), "--name", str(i)], stdout=log,
                                    stderr=subprocess.STDOUT)
                   for i in range(1, args.workers + 1)]
        deadline = time.monotonic() + 120
        while (root / "workers.log").read_bytes().count(b"connected to") < args.workers:
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not connect")
            time.sleep(0.2)
        time.sleep(1)
        bridges = []
        for p in range(PROVINCES):
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bridge-p{p:02d}",
                            protocol=mqtt.MQTTv5)
            c.max_inflight_messages_set(100)
            c.connect("127.0.0.1", broker.port)
            c.loop_start()
            bridges.append(c)
        # The floor, before the load: one event alone from a bridge into the store.
        import psycopg

        floor = []
        for i in range(run.pick(10, 3)):
            t0 = time.perf_counter()
            at = clock.iso()
            bridges[0].publish("vn/p00/floor/up/ticket_events", encode(UP_TICKET_EVENTS.make(
                events=[{"event_id": i + 1, "at": at, "day": at[:10], "action": "call",
                         "to_status": "called", "ticket_id": i + 1, "display": "A001",
                         "service": "ho-tich", "counter": 1}])), qos=1)
            while True:
                with psycopg.connect(url) as conn:
                    if conn.execute("select count(*) from province_ticket_events where "
                                    "center = 'p00/floor'").fetchone()[0] > i:
                        break
                if time.perf_counter() - t0 > 60:
                    raise SystemExit("a lone event never reached the store")
                time.sleep(0.005)
            floor.append(time.perf_counter() - t0)
        print(f"{args.workers} workers, {PROVINCES} provinces' bridges, {CENTRES} centres: "
              f"{rate:.0f} events/s for {args.seconds:g} s", flush=True)
        next_id = {cid: 1 for _, cid in centres}
        sent = messages = 0
        start = time.monotonic()
        second = 0
        while time.monotonic() - start < args.seconds:
            # One second of the country: events spread over the centres, then each
            # centre's uplink batch of that second through its province's bridge.
            n = int(rng.gauss(rate, rate ** 0.5))
            per_centre: dict[int, int] = {}
            for _ in range(max(n, 0)):
                k = rng.randrange(CENTRES)
                per_centre[k] = per_centre.get(k, 0) + 1
            at = clock.iso()
            for k, count in per_centre.items():
                province, cid = centres[k]
                first = next_id[cid]
                next_id[cid] += count
                payload = encode(UP_TICKET_EVENTS.make(events=[
                    {"event_id": i, "at": at, "day": at[:10], "action": "call",
                     "to_status": "called", "ticket_id": i, "display": f"A{i % 1000:03d}",
                     "service": "ho-tich", "counter": 1, "officer": "cb",
                     "officer_name": "Cán bộ"} for i in range(first, first + count)]))
                bridges[int(province[1:])].publish(f"vn/{province}/{cid}/up/ticket_events",
                                                   payload, qos=1)
                sent += count
                messages += 1
            second += 1
            pause = start + second - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        behind = time.monotonic() - start - args.seconds
        drain = time.monotonic()
        stored = 0
        while time.monotonic() - drain < 300:
            with psycopg.connect(url) as conn:
                stored = conn.execute("select count(*) from province_ticket_events where "
                                      "center <> 'p00/floor'").fetchone()[0]
            if stored >= sent:
                break
            time.sleep(0.5)
        drained = time.monotonic() - drain
        with psycopg.connect(url) as conn:
            lags = [r[0] for r in conn.execute(
                "select extract(epoch from (stored_at::timestamptz - at::timestamptz)) "
                "from province_ticket_events where center <> 'p00/floor'")]
            per_province = conn.execute(
                "select count(distinct split_part(center, '/', 1)) from province_centres "
                "where center like '%/%'").fetchone()[0]
            db_mib = conn.execute("select pg_database_size(current_database())").fetchone()[0] \
                / 2**20
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(30)
        for c in bridges:
            c.loop_stop()
            c.disconnect()
        log.close()
    lags = [float(x) for x in lags]
    f50, lag50 = percentile(floor, 50), percentile(lags, 50)
    body = f"""## The country: 34 provinces into one national store (bench/national.py)

{CENTRES:,} centres in {PROVINCES} provinces, their ticket events at {args.factor:g}× a real
day's rate ({EVENTS_PER_SECOND:.0f} events/s × {args.factor:g} = {rate:,.0f} events/s) for
{args.seconds:g} s, through one broker standing for the national cluster, into PostgreSQL
by {args.workers} `motcua ingest` workers (`role = "national"`). The provinces' bridges
are simulated (one client each, a batch per centre per second).

| | |
|---|---|
| floor: one event alone → national store, median of {len(floor)} | {f50:.2f} s |
| events sent, stored | {sent:,}, {stored:,} ({messages:,} messages) |
| provinces seen | {per_province} of {PROVINCES} |
| lag event → national store, p50 | {lag50:.2f} s ({ratio(lag50, f50)} the floor) |
| lag event → national store, p99 | {percentile(lags, 99):.2f} s |
| catching up after the last second | {drained:.1f} s |
| national database after the run | {db_mib:.0f} MiB |
| simulator behind its clock at the end | {max(behind, 0):.1f} s |
"""
    run.report(body)
    run.close()
    if stored != sent:
        raise SystemExit(f"stored {stored} of {sent}")


if __name__ == "__main__":
    main()
