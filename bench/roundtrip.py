"""Request/response round trip through the real broker: node → hub → node.

Measures ``Node.ping()`` (our client: JSON, schema validation, correlation,
the hub's gateway routing) against the floor: a bare paho requester and a bare
paho echo client on the same broker, same QoS, same MQTT 5 properties. The two
are run in alternating blocks so that machine noise falls on both alike.

    .venv/bin/python bench/roundtrip.py [--requests 2000] [--quick] [--no-write]

Target (issue 2): our p99 within 2x the floor's p99.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.bus.gateway import Gateway
from common import Run, percentile
from kiosk import Kiosk
from motcua.bus.paho import _no_delay
from motcua.config import from_dict

CENTER = "bench"


class Floor:
    """The least a request/response can cost: two bare paho clients."""

    def __init__(self, port: int):
        self.echo = self._client("floor-echo", port)
        self.asker = self._client("floor-asker", port)
        self.answered = threading.Event()
        self.expected = b""

        def on_request(client, userdata, msg):
            props = Properties(PacketTypes.PUBLISH)
            props.CorrelationData = msg.properties.CorrelationData
            client.publish(msg.properties.ResponseTopic, msg.payload, qos=1, properties=props)

        def on_response(client, userdata, msg):
            if msg.properties.CorrelationData == self.expected:
                self.answered.set()

        self.echo.on_message = on_request
        self.asker.on_message = on_response
        self.echo.subscribe("floor/request", qos=1)
        self.asker.subscribe("floor/response", qos=1)
        time.sleep(0.5)  # both SUBACKs are in long before this

    @staticmethod
    def _client(client_id, port):
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv5)
        client.on_socket_open = _no_delay  # the floor gets the same socket option as ours
        client.connect("127.0.0.1", port)
        client.loop_start()
        return client

    def ask(self, payload: bytes) -> None:
        self.expected = uuid.uuid4().bytes
        self.answered.clear()
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = "floor/response"
        props.CorrelationData = self.expected
        self.asker.publish("floor/request", payload, qos=1, properties=props)
        if not self.answered.wait(5):
            raise RuntimeError("floor request lost")

    def close(self):
        for client in (self.echo, self.asker):
            client.loop_stop()
            client.disconnect()


def timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    run = Run("roundtrip.py", __doc__, setup=lambda p: (
        p.add_argument("--requests", type=int, default=2000),
        p.add_argument("--blocks", type=int, default=4)))
    args = run.args
    requests = run.pick(args.requests, 200)
    warm_up = run.pick(200, 20)
    logging.basicConfig(level=logging.WARNING)

    with run.broker() as broker:
        hub_config, store = run.hub_store(broker.port, sample=False, center=CENTER)
        gateway = Gateway(hub_config, store).start()
        node = Kiosk(from_dict(Kiosk.config_class, {"center": CENTER, "node_id": "kiosk-1",
                                            "mqtt": {"port": broker.port}})).start()
        assert gateway.bus.wait_connected(10) and node.bus.wait_connected(10)
        floor = Floor(broker.port)
        # Same size as our ping on the wire, so the floor carries as many bytes.
        payload = (b'{"v":1,"id":"0123456789abcdef0123456789abcdef",'
                   b'"ts":"2026-01-01T00:00:00.000+00:00"}')

        timed(lambda: node.ping(timeout=5), warm_up)  # warm-up: connections, caches
        timed(lambda: floor.ask(payload), warm_up)
        ours, bare = [], []
        per_block = requests // args.blocks
        for _ in range(args.blocks):
            bare += timed(lambda: floor.ask(payload), per_block)
            ours += timed(lambda: node.ping(timeout=5), per_block)
        floor.close()
        node.stop()
        gateway.stop()
        store.close()

    rows = []
    for name, samples in (("bare paho echo (floor)", bare), ("motcua node → hub → node", ours)):
        rows.append((name, len(samples), percentile(samples, 50), percentile(samples, 99),
                     statistics.fmean(samples)))
    ratio = rows[1][3] / rows[0][3]
    lines = [
        "## Request/response round trip (bench/roundtrip.py)",
        "",
        f"{requests} sequential requests each, QoS 1, MQTT 5 response topic and "
        "correlation data, through Mosquitto on loopback (broker-config/test.conf), in "
        f"{args.blocks} alternating blocks. Ours is `Node.ping()` answered by the hub's "
        "gateway (JSON, schema validation, routing); the floor is a bare paho requester "
        "and a bare paho echo client.",
        "",
        "| path | requests | p50 (ms) | p99 (ms) | mean (ms) |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {count} | {p50:.2f} | {p99:.2f} | {mean:.2f} |"
              for name, count, p50, p99, mean in rows]
    verdict = "within" if ratio <= 2 else "NOT within"
    lines += ["", f"Our p99 is {ratio:.2f}× the floor's p99: {verdict} the 2× target."]
    run.report("\n".join(lines))
    run.close()


if __name__ == "__main__":
    main()
