"""Several ingest workers sharing the provincial broker's stream (MQTT shared
subscription), storing into PostgreSQL: each record once, and a worker killed
mid-batch loses nothing. Real Mosquitto, real PostgreSQL, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from central.province.workers import IngestWorker
from motcua.bus.messages import UP_DOSSIERS, UP_TICKET_EVENTS, encode
from tests.conftest import wait_until

CENTRES = [f"xa-{i:03d}" for i in range(1, 7)]


def events(first: int, n: int) -> bytes:
    return encode(UP_TICKET_EVENTS.make(events=[
        {"event_id": i, "at": "2026-11-27T02:00:00.000+00:00", "day": "2026-11-27",
         "action": "call", "to_status": "called", "ticket_id": i, "display": f"A{i % 1000:03d}",
         "service": "ho-tich", "counter": 1, "officer": "lan.nt",
         "officer_name": "Nguyễn Thị Lan"} for i in range(first, first + n)]))


def publisher(broker):
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bridge-{os.getpid()}",
                         protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def stored(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*), count(distinct (center, event_id)) "
                            "from province_ticket_events").fetchone()


def hub_toml(tmp_path, broker, url, center) -> str:
    path = tmp_path / "hub.toml"
    path.write_text(f'center = "{center}"\nrole = "province"\nprovince_store = "{url}"\n'
                    f'database = "{tmp_path / "hub.db"}"\n'
                    f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n', encoding="utf-8")
    return str(path)


def start_worker(config: str, name: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "motcua", "ingest", "--config", config,
                             "--name", name], stdout=log, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, broker, postgres_url, center):
    config = hub_toml(tmp_path, broker, postgres_url, center)
    log = open(tmp_path / "workers.log", "wb")  # noqa: SIM115
    workers = {name: start_worker(config, name, log) for name in ("1", "2")}
    try:
        # Both subscribed (their sessions exist) before anything is published.
        wait_until(lambda: (tmp_path / "workers.log").read_bytes().count(b"ingest worker") >= 2,
                   timeout=30)
        time.sleep(1)
        client = publisher(broker)
        per_message, messages = 25, 240   # 6,000 events, 40 batches per centre
        total = per_message * messages
        for m in range(messages):
            centre = CENTRES[m % len(CENTRES)]
            first = (m // len(CENTRES)) * per_message + 1
            client.publish(f"province/{centre}/up/ticket_events", events(first, per_message),
                           qos=1).wait_for_publish(10)
            if m == messages // 3:
                # Worker 1 dies while batches are arriving: SIGKILL, no goodbye.
                workers["1"].send_signal(signal.SIGKILL)
                workers["1"].wait(5)
                at_kill = stored(postgres_url)[0]
        assert at_kill < total
        # Half of what is published afterwards is still assigned to worker 1's
        # session: the survivor alone cannot finish.
        time.sleep(3)
        assert stored(postgres_url)[0] < total
        workers["1"] = start_worker(config, "1", log)  # systemd would restart it
        wait_until(lambda: stored(postgres_url)[0] >= total, timeout=90)
        time.sleep(2)  # anything delivered twice would show now
        assert stored(postgres_url) == (total, total)
        # The same batches again (a bridge resending after a cut): nothing new.
        for m in range(0, messages, 7):
            centre = CENTRES[m % len(CENTRES)]
            first = (m // len(CENTRES)) * per_message + 1
            client.publish(f"province/{centre}/up/ticket_events", events(first, per_message),
                           qos=1).wait_for_publish(10)
        time.sleep(3)
        assert stored(postgres_url) == (total, total)
        client.loop_stop()
        client.disconnect()
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(20)
        log.close()


def test_a_batch_the_database_refuses_is_not_acknowledged(province_store, hub_config):
    """The commit fails (the database is away): nothing is acknowledged, and the batch
    is stored once the database answers again."""

    class Message:
        def __init__(self, topic, payload):
            self.topic, self.payload, self.acked = topic, payload, False

        def ack(self):
            self.acked = True

    worker = IngestWorker(hub_config, province_store, "t")
    worker.RETRY_SECONDS = (0.05,)
    real_write = province_store.write
    failures = iter([True, True, False])

    def flaky_write():
        if next(failures):
            raise OSError("database away")
        return real_write()

    province_store.write = flaky_write
    try:
        batch = [Message("province/xa-a/up/ticket_events", events(1, 3)),
                 Message("province/xa-a/up/dossiers", encode(UP_DOSSIERS.make(dossiers=[])))]
        worker._commit_until_done(batch)
    finally:
        province_store.write = real_write
    assert worker.failed_commits == 2
    assert all(m.acked for m in batch)
    assert province_store.db.execute(
        "select count(*) from province_ticket_events").fetchone() == (3,)


def test_extra_workers_log_in_as_their_own_users_on_the_production_broker(tmp_path,
                                                                         postgres_url):
    """The provincial broker names a client after its user: the hub and each extra
    worker are different users (provision's ingest_workers), the workers may read the
    summaries and nothing else, and what a centre's bridge sends is stored once."""
    from motcua.broker import ProductionMosquitto
    from motcua.provision import provision

    inv = tmp_path / "tinh.toml"
    inv.write_text('center = "tinh"\ningest_workers = 2\n[broker]\nhost = "localhost"\n'
                   '[[centres]]\nid = "xa-a"\n', encoding="utf-8")
    out = tmp_path / "out"
    provision(inv, out)
    acl = (out / "broker" / "acl").read_text()
    assert "user ingest-2\ntopic read province/+/up/+" in acl
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "broker-data").start()
    config = tmp_path / "hub.toml"
    config.write_text(
        f'center = "tinh"\nrole = "province"\nprovince_store = "{postgres_url}"\n'
        f'database = "{tmp_path / "hub.db"}"\nlog_level = "INFO"\n'
        f'[mqtt]\nhost = "localhost"\nport = {broker.port}\nusername = "hub"\n'
        f'password_file = "{out}/hub/mqtt-password"\ntls = true\n'
        f'ca_file = "{out}/ca/ca.crt"\n', encoding="utf-8")
    log = open(tmp_path / "workers.log", "wb")  # noqa: SIM115
    workers = [start_worker(str(config), n, log) for n in ("1", "2")]
    try:
        wait_until(lambda: (tmp_path / "workers.log").read_bytes().count(b"connected to") >= 2,
                   timeout=60)
        time.sleep(1)
        import ssl

        centre = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="xa-a",
                             protocol=mqtt.MQTTv5)
        centre.username_pw_set("xa-a", (out / "centres" / "xa-a" / "bridge-password")
                               .read_text().strip())
        centre.tls_set_context(ssl.create_default_context(cafile=str(out / "ca" / "ca.crt")))
        centre.connect("localhost", broker.port)
        centre.loop_start()
        for m in range(20):
            centre.publish("province/xa-a/up/ticket_events", events(m * 10 + 1, 10),
                           qos=1).wait_for_publish(10)
        wait_until(lambda: stored(postgres_url)[0] == 200, timeout=60)
        time.sleep(2)
        assert stored(postgres_url) == (200, 200)
        text = (tmp_path / "workers.log").read_text()
        # Neither worker was thrown off by the other (one client id each).
        assert "disconnected" not in text, text[-2000:]
        centre.loop_stop()
        centre.disconnect()
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait(20)
        log.close()
        broker.stop()
