"""A stolen Pi is a small loss: attacks with a node's own password (issue 19).

Against a centre provisioned for production (tests/attack_rig.py): the hub
runs with the budgets a provisioned hub.toml gives it.
"""

from __future__ import annotations

import gc
import json
import logging
import subprocess
import sys
import threading
import time
import uuid

import pytest

from central import alarms
from motcua.bus import BusClient, Topics
from motcua.bus.messages import TICKET
from motcua.bus.paho import PahoTransport
from motcua.config import MqttConfig

from .attack_rig import Centre, _close, tls_client
from .conftest import wait_until


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    c = Centre(tmp_path_factory.mktemp("stolen"))
    yield c
    c.close()


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return kb / 1024


def event(n: int, size: int) -> bytes:
    body = {"v": 1, "id": uuid.uuid4().hex, "ts": "2026-12-06T08:00:00Z", "code": "x",
            "message": "", "severity": "error"}
    body["message"] = "x" * max(0, size - len(json.dumps(body)))
    return json.dumps(body).encode()


def test_what_a_stolen_node_retains_is_cleared_and_never_replayed_into_the_hub(
        centre, caplog):
    """Issue 19: 10,000 × 1 KB and 200 × 250 KB retained under a node's own event/
    and request/ topics were kept by the broker (27 → 76 MB, a 61 MB save file
    rewritten every 5 s) and replayed into the hub at every reconnect, one log
    line each. Here: 2,000 × 1 KB and 40 × 200 KB."""
    base = f"motcua/{centre.center}/node/dispenser-1"
    thief, _, _ = tls_client(centre, "dispenser-1", "dispenser-1", inflight=200)
    broker_before = rss_mb(centre.broker.process.pid)
    caplog.set_level(logging.INFO)
    infos = [thief.publish(f"{base}/event/flood{i}", event(i, 1000), qos=1, retain=True)
             for i in range(2000)]
    infos += [thief.publish(f"{base}/request/big{i}", b"{" + b" " * 200_000 + b"}", qos=1,
                            retain=True) for i in range(40)]
    for info in infos:
        info.wait_for_publish(30)
    _close(thief)
    # The hub sees each one once (its subscription keeps the retain flag), drops
    # it and clears it on the broker.
    # Until the hub has seen them all and nothing more arrives (a reconnection under
    # load hands it the ones not yet cleared again, so the count may pass 2,040).
    deadline, last, steady = time.monotonic() + 120, -1, 0.0
    while time.monotonic() < deadline:
        count = getattr(getattr(centre.gateway, "budget", None), "cleared", 0)
        if count != last:
            last, steady = count, time.monotonic()
        elif count >= 2040 and time.monotonic() - steady > 3:
            break
        time.sleep(0.2)
    # The broker handles one client's messages in order: once a state the hub
    # publishes now reaches a display, the hub's clearing messages were handled.
    display, seen, _ = tls_client(centre, "display-1", "display-1")
    mark = f"motcua/{centre.center}/state/board/mark"
    display.subscribe(mark, qos=1)
    time.sleep(0.5)
    centre.gateway.publish_state(mark, {"v": 1, "mark": True}, True)
    assert seen.get(timeout=30)[0] == mark
    _close(display)
    alarmed = [a.key for a in alarms.active() if a.source == "dispenser-1"]
    # What the broker still retains under node topics, as a hub (re)connecting
    # gets it: nothing. (The hub's own login, so the gateway steps aside first.)
    centre.gateway.stop()
    try:
        spy, got, _ = tls_client(centre, "hub", "hub")
        spy.subscribe(f"motcua/{centre.center}/node/+/event/+", qos=1)
        spy.subscribe(f"motcua/{centre.center}/node/+/request/+", qos=1)
        time.sleep(2)
        replayed = []
        while not got.empty():
            replayed.append(got.get()[0])
        _close(spy)
    finally:
        centre.restart_gateway()
    assert len(replayed) == 0, f"{len(replayed)} retained messages replayed into the hub"
    assert alarmed == ["budget.dispenser-1.retained"]  # one alarm for the supervisor
    # The broker's save file and memory did not keep the flood: its save file as its
    # next autosave wrote it (every 5 s, autosave_interval in production.conf; a
    # fixed 6 s sleep before), the flood's clearing long handled by then (above).
    saved = centre.broker.data_dir / "motcua.db"
    cleared_at = time.time()
    wait_until(lambda: saved.exists() and saved.stat().st_mtime > cleared_at, timeout=20,
               interval=0.1)
    assert saved.stat().st_size < 1_000_000, saved.stat().st_size
    assert rss_mb(centre.broker.process.pid) - broker_before < 15
    # One warning about it: not a line per message.
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING
             and "dispenser-1" in r.getMessage()]
    assert 1 <= len(lines) <= 3, [r.getMessage() for r in lines][:5]


FLOOD = """
import json, ssl, sys, time
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
port, out, topic, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="x", protocol=mqtt.MQTTv5)
c.username_pw_set("counter-1", open(out + "/nodes/counter-1/mqtt-password").read().strip())
c.tls_set_context(ssl.create_default_context(cafile=out + "/ca/ca.crt"))
c.max_inflight_messages_set(1000)
c.connect("localhost", port)
c.loop_start()
props = Properties(PacketTypes.PUBLISH)
props.ResponseTopic = topic.replace("/request/", "/response/")
props.CorrelationData = b"flood"
payload = json.dumps({"v": 1, "id": "x", "ts": "2026-12-06T08:00:00Z", "echo": "y" * 200})
start = time.monotonic()
infos = [c.publish(topic, payload, qos=2, properties=props) for _ in range(n)]
for info in infos:
    info.wait_for_publish(60)
print(time.monotonic() - start)
c.disconnect()
c.loop_stop()
"""


def test_a_flood_from_one_node_neither_delays_another_nor_keeps_the_hubs_memory(
        centre, caplog):
    """Issue 19: 20,000 QoS 2 requests from one counter in 8 s; the hub grew from
    110 to 250 MB and stayed there, and another node's requests waited 7.5 s.
    Here 10,000 as fast as one client sends them, while the kiosk asks every
    0.1 s: each answered within 5 s (under 1 s on a machine not overloaded);
    the hub's memory returns near its baseline; one alarm and a log line per
    period."""
    caplog.set_level(logging.INFO)
    base = f"motcua/{centre.center}/node/counter-1"
    gc.collect()
    hub_before = rss_mb()
    stop = threading.Event()
    slowest = []

    def ask():
        while not stop.is_set():
            t = time.monotonic()
            assert centre.node.ping("ở đây", timeout=10)["ok"]
            slowest.append(time.monotonic() - t)
            time.sleep(0.1)

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    # The thief runs in a process of its own, as it would on the stolen Pi.
    flood_started = time.monotonic()
    flood = subprocess.run([sys.executable, "-c", FLOOD, str(centre.broker.port),
                            str(centre.out), f"{base}/request/ping", "10000"],
                           capture_output=True, text=True, timeout=120)
    assert flood.returncode == 0, flood.stderr
    sent_in = float(flood.stdout)
    time.sleep(2)
    stop.set()
    asker.join(15)
    print(f"flood: 10,000 sent in {sent_in:.1f} s; kiosk pings {len(slowest)}, slowest "
          f"{max(slowest):.2f} s; hub RSS {hub_before:.0f} -> {rss_mb():.0f} MB")
    # Measured on 2 shared cores: 0.5-1 s at load average 18-29, 3.8 s at 37; 8 s
    # before the budgets at 18. The hub's MQTT thread still reads every packet.
    assert slowest and max(slowest) < 5, (max(slowest), len(slowest), sent_in)
    # The budget's promise, on what reached the hub: at most a burst, then a rate,
    # from the first message on; all the rest dropped. (How much of a flood the
    # broker hands the hub in this time varies; it is most of it.)
    budget, limits = centre.gateway.budget, centre.gateway.config.budget
    wait_until(lambda: budget.dropped >= 1_000, timeout=30)
    elapsed = time.monotonic() - flood_started
    assert budget.admitted["counter-1"] <= (limits.messages_burst
                                            + limits.messages_per_second * elapsed), (
        budget.admitted["counter-1"], budget.dropped, elapsed)
    gc.collect()
    assert rss_mb() - hub_before < 40, (hub_before, rss_mb())
    keys = [a.key for a in alarms.active() if a.source == "counter-1"]
    assert keys == ["budget.counter-1.rate"]
    lines = [r for r in caplog.records if "counter-1" in r.getMessage()
             and r.levelno >= logging.WARNING]
    assert len(lines) <= 3, [r.getMessage() for r in lines][:5]


def test_a_stolen_dispenser_gets_a_burst_of_tickets_then_a_limit(centre):
    """Issue 19: a stolen dispenser account took 300 tickets in 8 s, no limit, no alarm."""
    topics = Topics(centre.center)
    mqtt_config = MqttConfig(host="localhost", port=centre.broker.port, username="dispenser-1",
                             password_file=str(centre.out / "nodes/dispenser-1/mqtt-password"),
                             tls=True, ca_file=str(centre.out / "ca" / "ca.crt"))
    bus = BusClient(PahoTransport(mqtt_config, client_id="thief"), topics,
                    inbox=[topics.node_response("dispenser-1", "ticket")]).start()
    issued, refused = [], []
    try:
        assert bus.wait_connected(10)
        for _ in range(120):
            answer = bus.request(topics.node_request("dispenser-1", "ticket"),
                                 TICKET.make(service="ho-tich"),
                                 response_topic=topics.node_response("dispenser-1", "ticket"),
                                 timeout=5)
            (issued if answer["ok"] else refused).append(answer)
    finally:
        bus.stop()
    burst = centre.config.budget.tickets_burst
    assert burst <= len(issued) <= burst + 3
    assert refused and refused[0]["error"]["code"] == "too_many_tickets"
    assert "quá nhanh" in refused[0]["error"]["message"]
    assert [a.key for a in alarms.active() if a.source == "dispenser-1"
            and a.key.endswith("tickets")] == ["budget.dispenser-1.tickets"]
    # Another dispenser is not held back by this one's limit.
    assert centre.gateway.budget.ticket_refusal("dispenser-2") is None


def test_malformed_messages_within_budget_make_one_log_line_not_one_each(centre, caplog):
    """The 28 MB of log in ten minutes: a line per message. Now one per sender and minute."""
    caplog.set_level(logging.INFO)
    thief, _, _ = tls_client(centre, "kiosk-1", "kiosk-1", inflight=100)
    base = f"motcua/{centre.center}/node/kiosk-1"
    before = centre.gateway.bus.dropped
    for i in range(200):
        thief.publish(f"{base}/event/fault", b'{"v": 1, "nonsense": %d}' % i, qos=1)
    marker = thief.publish(f"{base}/event/fault", b"[]", qos=1)
    marker.wait_for_publish(30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and centre.gateway.bus.dropped < before + 201:
        time.sleep(0.1)
    _close(thief)
    assert centre.gateway.bus.dropped >= before + 201
    lines = [r for r in caplog.records if "kiosk-1" in r.getMessage()]
    assert len(lines) <= 2, [r.getMessage() for r in lines][:5]


def status(n: int, detail_bytes: int = 0) -> bytes:
    return json.dumps({"v": 1, "node_id": "display-1", "role": "display", "state": "online",
                       "version": "x", "detail": {"n": n, "pad": "x" * detail_bytes}}).encode()


def test_a_stolen_nodes_status_topic_is_under_its_budget_too(centre):
    """A node's status topic was outside the budget (it is retained on purpose): a
    stolen display could write 200 kB into the hub's node registry with each status
    and send thousands a second, each one a write to the hub's database, with no
    alarm. Now a status is counted like an event: over 64 kB or over the rate it is
    dropped before decoding, and the supervisor sees one alarm."""
    topic = f"motcua/{centre.center}/node/display-1/status"
    thief, _, _ = tls_client(centre, "display-1", "display-1", inflight=500)
    try:
        thief.publish(topic, status(0, 200_000), qos=1, retain=True).wait_for_publish(10)
        wait_until(lambda: any(a.key == "budget.display-1.size" for a in alarms.active()),
                   timeout=15)
        row = centre.store.db.execute(
            "select length(detail) from nodes where node_id = 'display-1'").fetchone()
        assert row is None or row[0] < 1000, row   # the 200 kB never reached the registry
        started = time.monotonic()
        infos = [thief.publish(topic, status(n), qos=1, retain=True) for n in range(1, 3001)]
        for info in infos:
            info.wait_for_publish(60)
        limits, budget = centre.config.budget, centre.gateway.budget
        wait_until(lambda: any(a.key == "budget.display-1.rate" for a in alarms.active()),
                   timeout=30)
        time.sleep(1)
        elapsed = time.monotonic() - started
        assert budget.admitted["display-1"] <= limits.messages_burst + \
            limits.messages_per_second * elapsed + 1, (budget.admitted["display-1"], elapsed)
        # The kiosk is still answered.
        assert centre.node.ping("ở đây", timeout=10)["ok"]
    finally:
        thief.publish(topic, status(9999), qos=1, retain=True)
        _close(thief)


def test_a_stolen_kiosk_cannot_walk_the_dossier_codes(centre):
    """Dossier codes are agency-day-sequence: a stolen kiosk asked for -0001, -0002, ...
    20 a second within its message budget, reading every dossier's public status.
    Now a burst of look-ups, then a few a minute; ``too_many_lookups`` in Vietnamese,
    one alarm; the kiosk shows the hub's message."""
    from kiosk.node import LookupFailed

    answered, refused = 0, []
    for n in range(1, 61):
        try:
            centre.node.lookup_dossier(f"000.00.00.H56-261207-{n:04d}")
            answered += 1
        except LookupFailed as exc:
            refused.append(str(exc))
    burst = centre.config.budget.lookups_burst
    assert burst <= answered <= burst + 2, answered
    assert refused and "tra cứu quá nhiều hồ sơ" in refused[0]
    assert [a.key for a in alarms.active() if a.source == "kiosk-1"
            and a.key.endswith("lookups")] == ["budget.kiosk-1.lookups"]
    # Another node's look-ups are not held back by this one's.
    assert centre.gateway.budget.lookup_refusal("counter-2") is None
