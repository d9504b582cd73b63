"""The hub's request path in one process, for counting instructions with callgrind.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call \\
        --toggle-collect=context_run --callgrind-out-file=/tmp/cg.%p \\
        .venv/bin/python bench/profile/request_path.py call
    callgrind_annotate --inclusive=yes /tmp/cg.<pid> | grep -E "_operator_call|context_run"

What the real hub's network thread does for each request, but on a socket
pair instead of a broker: the request's MQTT packet is read off the socket by
paho (the hub's own `_Client`: `loop_read`), decoded, checked and routed by the
`BusClient` and the `Gateway`, applied and committed by `Gateway._answered`,
answered through paho onto the socket; the broker's PUBACKs for those answers
come back in the next read, as on a real link. The retained state the batches
touched is built and published every STATE_EVERY batches (as the hub's 20 ms
gap does at ~1,700 requests/s).

The store is the one `bench/queue_engine.py` builds (two services, 10
counters); lines of ~275 waiting tickets are made before counting. Counted:
the requests' part (read, apply, commit, answer: inside `operator.call`) and
the state published (inside `contextvars.Context.run`), over ROUNDS batches of
BATCH requests (10 dispensers asking for a ticket, or 10 counters pressing
`next`). Without valgrind it prints the CPU time per request of each part.

Not a benchmark of `make bench` (it writes no report): a profiling rig.
"""

from __future__ import annotations

import contextvars
import operator
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 5
STATE_EVERY = 7  # batches: a state publication every 35 requests
ROUNDS = 60  # batches counted


def _varint(n: int) -> bytes:
    out = b""
    while True:
        n, digit = divmod(n, 128)
        out += bytes([digit | (0x80 if n else 0)])
        if not n:
            return out


def publish_packet(topic: str, payload: bytes, mid: int, response_topic: str,
                   correlation: bytes) -> bytes:
    """An MQTT 5 PUBLISH at QoS 1 with a response topic and correlation data, as a
    node's BusClient.request sends it."""
    from motcua.bus.paho import _PublishProperties

    t = topic.encode()
    body = (struct.pack("!H", len(t)) + t + struct.pack("!H", mid)
            + _PublishProperties(response_topic, correlation).pack() + payload)
    return b"\x32" + _varint(len(body)) + body


class Rig:
    def __init__(self, folder: Path):
        import queue_engine

        from central.bus.budget import UNLIMITED_TOML
        from central.bus.gateway import Gateway
        from central.config import HubConfig
        from central.store import Store
        from motcua.bus.paho import PahoTransport
        from motcua.config import load

        db_path = folder / "hub.db"
        queue_engine.prepare_database(db_path)
        config_path = folder / "hub.toml"
        config_path.write_text(f'center = "bench"\ndatabase = "{db_path}"\n'
                               f'log_level = "WARNING"\n' + UNLIMITED_TOML, encoding="utf-8")
        self.config = load(HubConfig, config_path)
        self.store = Store(db_path)
        transport = PahoTransport(self.config.mqtt, client_id="motcua-hub-bench",
                                  persistent=True)
        self.gateway = Gateway(self.config, self.store, transport=transport)
        self.gateway._on_network_thread = True
        client = transport._client
        self.hub_end, self.node_end = socket.socketpair()
        self.hub_end.setblocking(False)
        self.node_end.setblocking(False)
        for end in (self.hub_end, self.node_end):
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        client._sock = self.hub_end
        client._thread = __import__("threading").current_thread()
        self.client = client
        self.topics = self.gateway.topics
        self.mid = 0
        self.batches = 0
        self.answered_ok = self.answered_not = 0

    def drain(self) -> None:
        """Read what the hub wrote; acknowledge its QoS 1 publications (the broker's
        PUBACKs, read with the next requests)."""
        import paho.mqtt.client as mqtt

        while True:
            try:
                data = self.node_end.recv(1 << 20)
            except BlockingIOError:
                break
            if not data:
                break
            self.answered_ok += data.count(b'"ok":true')
            self.answered_not += data.count(b'"ok":false')
        with self.client._out_message_mutex:
            mids = [m for m, msg in self.client._out_messages.items()
                    if msg.state == mqtt.mqtt_ms_wait_for_puback]
        self.node_end.sendall(b"".join(b"\x40\x02" + struct.pack("!H", m) for m in mids))

    def send(self, requests: list[tuple[str, str, dict]]) -> None:
        """Requests ``(node_id, name, payload)`` onto the hub's socket."""
        from motcua.bus.messages import encode

        packets = []
        for node, name, payload in requests:
            self.mid = self.mid % 65535 + 1
            packets.append(publish_packet(
                self.topics.node_request(node, name), encode(payload), self.mid,
                self.topics.node_response(node, name), self.mid.to_bytes(16, "big")))
        self.node_end.sendall(b"".join(packets))

    def answer(self) -> None:
        """What the network thread does after a read: the batch applied, committed
        and answered."""
        self.client.loop_read()
        gateway = self.gateway
        batch, gateway._inbox = gateway._inbox, []
        assert batch, "nothing read"
        gateway._answered(batch)

    def publish(self) -> None:
        gateway = self.gateway
        gateway._start_flush()
        gateway._flush_step(overdue=True)

    def round(self, requests, count: bool, times: list | None = None) -> None:
        self.send(requests)
        t0 = time.process_time()
        if count:
            operator.call(self.answer)
        else:
            self.answer()
        t1 = time.process_time()
        self.batches += 1
        if self.batches % STATE_EVERY == 0:
            if count:
                contextvars.copy_context().run(self.publish)
            else:
                self.publish()
        t2 = time.process_time()
        if times is not None:
            times[0] += t1 - t0
            times[1] += t2 - t1
        self.drain()


def ticket_requests(i: int):
    from motcua.bus.messages import TICKET

    return [(f"dispenser-{(i * BATCH + k) % 10 + 21}", "ticket",
             TICKET.make(service="bench-a" if (i + k) % 2 else "bench-b"))
            for k in range(BATCH)]


def call_requests(i: int):
    from motcua.bus.messages import COUNTER_COMMAND

    return [(f"counter-{(i * BATCH + k) % 10 + 1}", "counter_command",
             COUNTER_COMMAND.make(action="next")) for k in range(BATCH)]


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 else "call"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    make = {"ticket": ticket_requests, "call": call_requests}[what]
    with tempfile.TemporaryDirectory() as folder:
        rig = Rig(Path(folder))
        # Lines of ~275 in each service, and every counter calling once, before counting.
        for i in range(110):
            rig.round(ticket_requests(i), count=False)
        for i in range(4):
            rig.round(call_requests(i), count=False)
        rig.publish()
        rig.drain()
        rig.batches = 0
        # Warm: the statements compiled, the caches filled.
        for i in range(2 * STATE_EVERY):
            rig.round(make(1000 + i), count=False)
        times = [0.0, 0.0]
        rig.answered_ok = rig.answered_not = 0
        for i in range(rounds):
            rig.round(make(2000 + i), count=True, times=times)
        n = rounds * BATCH
        waiting = rig.store.db.execute(
            "select count(*) from tickets where status = 'waiting'").fetchone()[0]
        print(f"{what}: {n} requests in batches of {BATCH}, state every {STATE_EVERY} "
              f"batches; {waiting} waiting after; CPU per request: requests "
              f"{times[0] * 1e3 / n:.3f} ms, state {times[1] * 1e3 / n:.3f} ms "
              f"(under valgrind: read the instructions); answered ok "
              f"{rig.answered_ok}, not ok {rig.answered_not}", flush=True)
        rig.store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
