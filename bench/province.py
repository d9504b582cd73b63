"""A province as it is since 2025: 166 commune centres and the provincial centre.

    .venv/bin/python bench/province.py                    # 166 + 1 centres, a day in 10 min
    .venv/bin/python bench/province.py --centres 20 --minutes 2 --real-hubs 2   # a look
    .venv/bin/python bench/province.py --quick              # the suite's check

Real parts: every centre's Mosquitto in the production configuration, with
the bridge `motcua provision` generates (TLS, its own credentials, QoS 1,
persistent session) to the provincial Mosquitto; the provincial hub as its
own process (`motcua hub`, ``role = "province"``); and, for ``--real-hubs``
of the commune centres, the centre's own hub (`motcua hub`, ``uplink =
true``) driven through its broker by a dispenser and a counter node with their
provisioned credentials (a ticket, its call, its finish: the real uplink sends
the events). Simulated: the other centres' hubs, each played by one client
with the hub's credentials publishing what a centre hub publishes for a call —
the counter's, the line's and the board's retained state, and the ticket
events in the uplink's batches once a second.

The mix of centres (written down here, so a reader can check it): commune
centre i has ``COMMUNE_COUNTERS[i % 10]`` counters — 2, 3, 3, 4, 4, 5, 5, 6,
7, 8: a mean of 4.7, most communes a handful, a few large towns 7–8 — and the
provincial centre ``--provincial-counters`` (40). A real hub's centre calls at
its counter 1 only (one officer signed in there).

A compressed working day: 8 hours in ``--minutes``; each counter calls its
next citizen after an exponential service time (mean 6 min of the real day).
Lag is from the call (the centre hub's clock) to the row stored in the
provincial hub's database (what its pages read): it includes the uplink's wait
for its next one-second batch, the two brokers, the bridge and the province's
batch commit. The floor, measured in the same run before the day: one call
alone, from a simulated centre's hub into the provincial database. At the end
of the day the provincial pages are timed, signed in as a supervisor.
"""

from __future__ import annotations

import heapq
import json
import random
import ssl
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from common import PROJECT, Run, percentile

sys.path.insert(0, str(PROJECT))
from motcua import clock  # noqa: E402
from motcua.broker import ProductionMosquitto  # noqa: E402
from motcua.bus.messages import UP_TICKET_EVENTS, encode  # noqa: E402
from motcua.provision import provision  # noqa: E402
from tests import province_rig as rig  # noqa: E402

DAY_HOURS = 8
COMMUNE_COUNTERS = [2, 3, 3, 4, 4, 5, 5, 6, 7, 8]
SERVICE_MIN = 6.0
SERVICES = ["ho-tich", "dat-dai", "kinh-doanh", "dau-tu", "lao-dong", "xay-dung"]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_centre(root: Path, province, cid: str) -> tuple[ProductionMosquitto, mqtt.Client]:
    inv = root / f"{cid}.toml"
    given = province.out / "centres" / cid
    inv.write_text(f'center = "{cid}"\n[broker]\nhost = "localhost"\n'
                   f'[province]\naddress = "localhost"\nport = {province.broker.port}\n'
                   f'password_file = "{given}/bridge-password"\n'
                   f'ca_file = "{given}/province-ca.crt"\n', encoding="utf-8")
    out = root / cid
    provision(inv, out)
    broker = ProductionMosquitto(out / "broker", data_dir=root / f"{cid}-broker").start()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="hub", protocol=mqtt.MQTTv5)
    client.username_pw_set("hub", (out / "hub" / "mqtt-password").read_text().strip())
    client.tls_set_context(ssl.create_default_context(cafile=str(out / "ca" / "ca.crt")))
    client.max_queued_messages_set(0)
    client.connect("localhost", broker.port)
    client.loop_start()
    return broker, client


class SimCentre:
    """What one centre's hub publishes, from its counters' calls."""

    def __init__(self, cid: str, client: mqtt.Client, counters: int):
        self.cid, self.client, self.counters = cid, client, counters
        self.base = f"motcua/{cid}"
        self.events: list[dict] = []
        self.next_event = 1
        self.tickets = 0
        self.sent_events = 0
        self.calls = 0
        self.serving: dict[int, str] = {}
        self.lock = threading.Lock()

    def _event(self, action, to_status, ticket, display, service, counter, at):
        self.events.append({
            "event_id": self.next_event, "at": at, "day": at[:10], "action": action,
            "to_status": to_status, "ticket_id": ticket, "display": display,
            "service": service, "counter": counter,
            "officer": f"cb{counter:02d}" if counter else None,
            "officer_name": f"Cán bộ quầy {counter}" if counter else None})
        self.next_event += 1

    def call(self, counter: int) -> None:
        at = clock.iso()
        service = SERVICES[counter % len(SERVICES)]
        with self.lock:
            if counter in self.serving:
                prev = self.serving[counter]
                self._event("finish", "done", int(prev[1:]), prev, service, counter, at)
            self.tickets += 1
            display = f"A{self.tickets:04d}"
            self._event("issue", "waiting", self.tickets, display, service, None, at)
            self._event("call", "called", self.tickets, display, service, counter, at)
            self.serving[counter] = display
            self.calls += 1
        pub = self.client.publish
        pub(f"{self.base}/state/counter/{counter}", encode({
            "v": 1, "counter": counter, "name": f"Quầy {counter}", "hall": "main",
            "status": "open", "status_name": "Đang mở", "officer": f"Cán bộ quầy {counter}",
            "current": {"display": display, "service": service, "called_at": at},
            "services": [service]}), qos=1, retain=True)
        pub(f"{self.base}/state/line/{service}", encode({
            "v": 1, "service": service, "name": service, "waiting": 12,
            "queue": [{"display": f"A{self.tickets + i:04d}", "priority": False}
                      for i in range(1, 13)],
            "open_counters": 7, "minutes_per_person": 0.9, "estimate_min": 11,
            "target_wait_min": 15}), qos=1, retain=True)
        pub(f"{self.base}/state/board/main", encode({
            "v": 1, "hall": "main", "day": at[:10],
            "calls": [{"display": display, "counter": counter, "counter_name": f"Quầy {counter}",
                       "service_name": service, "status": "called", "called_at": at}] * 10,
            "counters": [{"counter": n, "name": f"Quầy {n}", "status": "open",
                          "display": self.serving.get(n)} for n in range(1, self.counters + 1)],
            "waiting": [{"service": s, "name": s, "waiting": 12} for s in SERVICES]}),
            qos=1, retain=True)

    def flush(self) -> None:
        """The uplink's one-second tick: the events since the last, 100 a message."""
        with self.lock:
            events, self.events = self.events, []
            stats = {"v": 1, "day": clock.iso()[:10], "issued": self.tickets, "waiting": 12,
                     "serving": len(self.serving), "done": self.tickets - len(self.serving),
                     "no_show": 0, "cancelled": 0, "avg_wait_min": 9.5, "p90_wait_min": 18,
                     "within_target": 0.8, "no_show_rate": 0, "out_of_order": 0}
        for i in range(0, len(events), 100):
            self.client.publish(f"{self.base}/up/ticket_events",
                                encode(UP_TICKET_EVENTS.make(events=events[i:i + 100])), qos=1)
        self.sent_events += len(events)
        self.client.publish(f"{self.base}/state/queue_stats", encode(stats), qos=1, retain=True)


class RealCentre:
    """A centre with its own hub: a dispenser and a counter node ask it, over its
    broker, for a ticket, its call, and its finish; the hub's uplink sends the events."""

    def __init__(self, centre):
        from concurrent.futures import ThreadPoolExecutor

        self.cid, self.centre = centre.id, centre
        self.dispenser = rig.node_client(centre, "dispenser-1")
        self.counter = rig.node_client(centre, "counter-1")
        self.pool = ThreadPoolExecutor(max_workers=1)  # one officer: calls in order
        self.calls = self.failed = 0
        self.serving = False

    def call(self, counter: int) -> None:
        self.pool.submit(self._call)

    def _call(self) -> None:
        from motcua.bus.messages import COUNTER_COMMAND, TICKET

        try:
            if self.serving:
                rig.ask(self.counter, "counter_command", COUNTER_COMMAND.make(action="finish"))
            rig.ask(self.dispenser, "ticket", TICKET.make(service="ho-tich"))
            answer = rig.ask(self.counter, "counter_command", COUNTER_COMMAND.make(action="next"))
            self.serving = bool(answer.get("ok"))
            self.calls += 1
        except Exception:  # counted, not fatal: the figure says how many failed
            self.failed += 1

    def flush(self) -> None:  # the real uplink sends on its own
        pass

    def own_events(self) -> int:
        import sqlite3

        with sqlite3.connect(self.centre.db, timeout=10) as conn:
            return conn.execute("select count(*) from ticket_events").fetchone()[0]


def time_pages(province, pages: list[str]) -> dict[str, float]:
    """Each provincial page's worst answer time of three, signed in as a supervisor."""
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    from central.accounts import users
    from central.store import Store

    store = Store(province.db)
    users.create_user(store, "gs.bench", "Giám sát tỉnh", "supervisor", "mật-khẩu-đo-tải")
    store.close()
    base = f"http://127.0.0.1:{province.http_port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    opener.open(f"{base}/login", data=urllib.parse.urlencode({
        "username": "gs.bench", "password": "mật-khẩu-đo-tải", "csrf_token": token}).encode(),
        timeout=30).read()
    times = {}
    for page in pages:
        worst = 0.0
        for _ in range(3):
            t = time.perf_counter()
            with opener.open(base + page, timeout=60) as answer:
                body = answer.read()
                assert answer.status == 200 and body, page
            worst = max(worst, time.perf_counter() - t)
        times[page] = worst
    return times


def main() -> None:
    run = Run("province.py", __doc__, setup=lambda ap: (
        ap.add_argument("--centres", type=int, default=166, help="commune centres"),
        ap.add_argument("--provincial-counters", type=int, default=40),
        ap.add_argument("--real-hubs", type=int, default=10,
                        help="commune centres whose own hub runs as a process"),
        ap.add_argument("--minutes", type=float, default=10.0, help="wall minutes for the day")))
    args = run.args
    if run.quick:
        args.centres, args.provincial_counters, args.real_hubs, args.minutes = 2, 3, 1, 0.3
    factor = DAY_HOURS * 60 / args.minutes
    mean_call_s = SERVICE_MIN * 60 / factor
    root = run.tmp
    communes = [f"c{i:03d}" for i in range(1, args.centres + 1)]
    ids = ["c000", *communes]  # c000: the provincial centre
    counters = {"c000": args.provincial_counters,
                **{c: COMMUNE_COUNTERS[i % 10] for i, c in enumerate(communes)}}
    real_ids = communes[:args.real_hubs]
    for c in real_ids:
        counters[c] = 1
    print(f"provisioning and starting {len(ids)} centres ({len(real_ids)} with their own hub) "
          f"and the province in {root} ...", flush=True)
    started = time.monotonic()
    province = rig.start_province(root, ids)
    centres: list = []
    brokers = []
    try:
        for cid in ids:
            if cid in real_ids:
                centres.append(RealCentre(rig.start_centre(root, province, cid)))
            else:
                broker, client = start_centre(root, province, cid)
                brokers.append(broker)
                centres.append(SimCentre(cid, client, counters[cid]))
        setup_s = time.monotonic() - started
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            up = province.query("select count(*) from province_centres where link = 'up'")[0][0]
            if up == len(ids):
                break
            time.sleep(1)
        # The floor, before the day's load: one call's events alone, from a simulated
        # centre's hub through its broker and bridge into the provincial database.
        floor = []
        lone = centres[0]  # c000, the provincial centre (simulated)
        for _ in range(run.pick(10, 3)):
            stored = province.query("select count(*) from province_ticket_events")[0][0]
            t0 = time.perf_counter()
            lone.call(1)
            lone.flush()
            while province.query("select count(*) from province_ticket_events")[0][0] \
                    < stored + 2:
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("a lone call never reached the province")
                time.sleep(0.005)
            floor.append(time.perf_counter() - t0)
        total_counters = sum(counters.values())
        print(f"{up} bridges up after {setup_s:.0f} s of set-up; {total_counters} counters; "
              f"a {DAY_HOURS} h day in {args.minutes:g} min ({factor:.0f}x): a call every "
              f"{mean_call_s:.1f} s per counter", flush=True)
        rng = random.Random(12)
        start = time.monotonic()
        end = start + args.minutes * 60
        heap = [(start + rng.expovariate(1 / mean_call_s), c, n)
                for c in range(len(centres)) for n in range(1, counters[centres[c].cid] + 1)]
        heapq.heapify(heap)
        next_flush, rss, rss_max, late = start + 1, [], 0, 0.0
        while True:
            now = time.monotonic()
            if now >= next_flush:
                for c in centres:
                    c.flush()
                kib = rss_kib(province.hub.pid)
                rss.append(kib)
                rss_max = max(rss_max, kib)
                next_flush += 1
                if int(now - start) % 60 == 0:
                    done = sum(c.calls for c in centres)
                    print(f"  {int(now - start):4d} s: {done} calls, hub RSS {kib / 1024:.0f} MiB",
                          flush=True)
                continue
            if now >= end:
                break
            when, c, n = heap[0]
            if when > now:
                time.sleep(min(when, next_flush, end) - now)
                continue
            heapq.heappop(heap)
            late = max(late, now - when)
            centres[c].call(n)
            heapq.heappush(heap, (when + rng.expovariate(1 / mean_call_s), c, n))
        real = [c for c in centres if isinstance(c, RealCentre)]
        for c in real:
            c.pool.shutdown(wait=True)
        for c in centres:
            c.flush()
        calls = sum(c.calls for c in centres)
        print(f"day over: {calls} calls; waiting for the province ...", flush=True)
        drain_start = time.monotonic()
        stored = sent = 0
        while time.monotonic() - drain_start < 600:
            # A real hub's uplink sends on its own clock: ask its database each time.
            expected = {c.cid: (c.own_events() if isinstance(c, RealCentre) else c.sent_events)
                        for c in centres}
            sent = sum(expected.values())
            stored = province.query("select count(*) from province_ticket_events")[0][0]
            if stored >= sent:
                break
            time.sleep(1)
        drained = time.monotonic() - drain_start
        lags = [r[0] for r in province.query(
            "select (julianday(stored_at) - julianday(at)) * 86400 from province_ticket_events "
            "where action = 'call'")]
        real_lags = [r[0] for r in province.query(
            "select (julianday(stored_at) - julianday(at)) * 86400 from province_ticket_events "
            f"where action = 'call' and center in ({', '.join('?' * len(real_ids))})",
            real_ids)] if real_ids else []
        per_centre = dict(province.query("select center, count(*) from province_ticket_events "
                                         "group by center"))
        exact = sum(per_centre.get(cid) == n for cid, n in expected.items())
        pages = time_pages(province, ["/province", "/province/overdue",
                                      "/province/officers", "/province/c001"])
        rss_end = rss_kib(province.hub.pid)
        db_mib = sum(p.stat().st_size for p in root.glob("tinh.db*")) / 2**20
        broker_rss = rss_kib(province.broker.process.pid)
        failed = sum(c.failed for c in real)
    finally:
        for c in centres:
            if isinstance(c, SimCentre):
                c.client.loop_stop()
                c.client.disconnect()
        province.stop()
        for b in brokers:
            b.stop()
        run.close()
    rate = calls / (args.minutes * 60)
    f50, lag50 = percentile(floor, 50), percentile(lags, 50)
    memory = (f"{percentile(rss, 50) / 1024:.0f} / {rss_max / 1024:.0f} / "
              f"{rss_end / 1024:.0f} MiB")
    title = (f"## Province: {args.centres} commune centres + the provincial centre "
             "(bench/province.py)")
    exact_row = (f"| centres whose every event is stored exactly once | {exact} of {len(ids)} "
                 f"({stored} of {sent} events) |")
    page_rows = "\n".join(f"| `{p}`, worst of 3 | {t * 1000:.0f} ms |" for p, t in pages.items())
    real_row = (f"| lag for the real hubs' calls, p50 / p99 | {percentile(real_lags, 50):.2f} / "
                f"{percentile(real_lags, 99):.2f} s ({len(real_lags)} calls, {failed} "
                "requests failed) |" if real_lags else "| lag for the real hubs' calls | none |")
    body = f"""{title}

A working day of {DAY_HOURS} h compressed into {args.minutes:g} min ({factor:.0f}×):
{len(ids)} centres, {total_counters} counters (commune mix 2–8, mean 4.7; provincial
{args.provincial_counters}), {calls} calls ({rate:.0f} a second), {sent} ticket events, through
{len(ids)} centre brokers (production config, TLS bridge from `motcua provision`) into one
provincial broker and the provincial hub (its own process, SQLite store). {len(real_ids)}
centres run their own hub (`motcua hub`, real uplink), driven by a dispenser and a counter
node; the others' hubs are simulated (see the script). Set-up {setup_s:.0f} s.

| | |
|---|---|
| floor: one call alone → provincial database, median of {len(floor)} | {f50:.2f} s |
| lag call → provincial database, p50 | {lag50:.2f} s ({lag50 / f50:.1f}× the floor) |
| lag call → provincial database, p99 | {percentile(lags, 99):.2f} s (target: under 5 s) |
| lag, worst | {max(lags):.2f} s |
{real_row}
{exact_row}
| catching up after the day's last call | {drained:.1f} s |
{page_rows}
| provincial hub resident memory, median / max / end | {memory} |
| provincial broker resident memory at the end | {broker_rss / 1024:.0f} MiB |
| provincial database after the day | {db_mib:.0f} MiB |
| simulator's worst lateness for a call | {late:.2f} s |
"""
    run.report(body)
    print(json.dumps({"p50": percentile(lags, 50), "p99": percentile(lags, 99)}))


if __name__ == "__main__":
    main()
