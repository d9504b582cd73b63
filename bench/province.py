"""30 centres × 40 counters into one provincial broker and hub: lag and memory.

    .venv/bin/python bench/province.py                      # 30 × 40, a day in 10 min
    .venv/bin/python bench/province.py --centres 3 --minutes 1   # a quick look

Real parts: each centre's Mosquitto in the production configuration, with
the bridge `motcua provision` generates (TLS, its own credentials, QoS 1,
persistent session) to the provincial Mosquitto; the provincial hub as its
own process (`motcua hub`, ``role = "province"``). Simulated: each centre's
hub, played by one client per centre with the hub's credentials, publishing
what a centre hub publishes for a call — the counter's, the line's and the
board's retained state at once, and the ticket events in the uplink's
batches once a second (the centre hubs themselves, 30 Python processes, do
not fit beside the province on this machine; their own speed is in the
queue benchmark).

A compressed working day: 8 hours in ``--minutes``; each counter calls its
next citizen after an exponential service time (mean 6 min of the real day)
and records the issue, call and finish events of a real ticket. Lag is from
the call (the simulated hub's clock) to the row stored in the provincial
hub's database (what its pages read): it includes the uplink's wait for its
next one-second batch, the two brokers, the bridge and the province's batch
commit.
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


def main() -> None:
    run = Run("province.py", __doc__, setup=lambda ap: (
        ap.add_argument("--centres", type=int, default=30),
        ap.add_argument("--counters", type=int, default=40),
        ap.add_argument("--minutes", type=float, default=10.0, help="wall minutes for the day")))
    args = run.args
    if run.quick:
        args.centres, args.counters, args.minutes = 2, 3, 0.3
    factor = DAY_HOURS * 60 / args.minutes
    mean_call_s = SERVICE_MIN * 60 / factor
    root = run.tmp
    ids = [f"c{i:02d}" for i in range(1, args.centres + 1)]
    print(f"provisioning and starting {len(ids)} centres and the province in {root} ...",
          flush=True)
    province = rig.start_province(root, ids)
    centres: list[SimCentre] = []
    brokers = []
    try:
        for cid in ids:
            broker, client = start_centre(root, province, cid)
            brokers.append(broker)
            centres.append(SimCentre(cid, client, args.counters))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            up = province.query("select count(*) from province_centres where link = 'up'")[0][0]
            if up == len(ids):
                break
            time.sleep(0.5)
        # The floor, before the day's load: one call's events alone, from a centre's
        # hub through its broker and bridge into the provincial database.
        floor = []
        for _ in range(run.pick(10, 3)):
            stored = province.query("select count(*) from province_ticket_events")[0][0]
            t0 = time.perf_counter()
            centres[0].call(1)
            centres[0].flush()
            while province.query("select count(*) from province_ticket_events")[0][0] \
                    < stored + 2:
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError("a lone call never reached the province")
                time.sleep(0.005)
            floor.append(time.perf_counter() - t0)
        print(f"{up} bridges up; a {DAY_HOURS} h day in {args.minutes:g} min "
              f"({factor:.0f}x): a call every {mean_call_s:.1f} s per counter", flush=True)
        rng = random.Random(12)
        start = time.monotonic()
        end = start + args.minutes * 60
        heap = [(start + rng.expovariate(1 / mean_call_s), c, n)
                for c in range(len(centres)) for n in range(1, args.counters + 1)]
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
        for c in centres:
            c.flush()
        sent = sum(c.sent_events for c in centres)
        calls = sum(c.calls for c in centres)
        print(f"day over: {calls} calls, {sent} events sent; waiting for the province ...",
              flush=True)
        drain_start = time.monotonic()
        stored = 0
        while time.monotonic() - drain_start < 300:
            stored = province.query("select count(*) from province_ticket_events")[0][0]
            if stored >= sent:
                break
            time.sleep(1)
        drained = time.monotonic() - drain_start
        lags = [r[0] for r in province.query(
            "select (julianday(stored_at) - julianday(at)) * 86400 from province_ticket_events "
            "where action = 'call'")]
        per_centre = dict(province.query("select center, count(*) from province_ticket_events "
                                         "group by center"))
        exact = all(per_centre.get(c.cid) == c.sent_events for c in centres)
        rss_end = rss_kib(province.hub.pid)
        db_mib = sum(p.stat().st_size for p in root.glob("tinh.db*")) / 2**20
        broker_rss = rss_kib(province.broker.process.pid)
    finally:
        for c in centres:
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
    body = f"""## Province: {args.centres} centres × {args.counters} counters (bench/province.py)

A working day of {DAY_HOURS} h compressed into {args.minutes:g} min ({factor:.0f}×): {calls}
calls ({rate:.0f} a second), {sent} ticket events, each call also republishing the counter's,
the line's and the board's retained state, through {args.centres} centre brokers (production
config, TLS bridge from `motcua provision`) into one provincial broker and the provincial
hub (`role = "province"`, its own process). Centre hubs simulated (see the script).

| | |
|---|---|
| floor: one call alone → provincial database, median of {len(floor)} | {f50:.2f} s |
| lag call → provincial database, p50 | {lag50:.2f} s ({lag50 / f50:.1f}× the floor) |
| lag call → provincial database, p99 | {percentile(lags, 99):.2f} s |
| lag, worst | {max(lags):.2f} s |
| events stored exactly once, every centre | {"yes" if exact else "NO"} ({stored} of {sent}) |
| catching up after the day's last call | {drained:.1f} s |
| provincial hub resident memory, median / max / end | {memory} |
| provincial broker resident memory at the end | {broker_rss / 1024:.0f} MiB |
| provincial database after the day | {db_mib:.0f} MiB |
| simulator's worst lateness for a call | {late:.2f} s |
"""
    run.report(body)
    print(json.dumps({"p50": percentile(lags, 50), "p99": percentile(lags, 99)}))


if __name__ == "__main__":
    main()
