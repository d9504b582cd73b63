"""10,000+ malformed or hostile messages through the real broker to a live hub.

Every topic the hub subscribes to (``status``, ``event/+``, ``request/+`` of
random node ids) and some it does not. Valid messages are built valid by
construction and hostile ones invalid by construction (a required field
missing or of the wrong type, a value out of range, a forged sender, bytes
that are not JSON, JSON nested 50,000 deep, NaN, …), so the test knows
without asking the hub's validator what the database must hold afterwards:
exactly what the valid messages put there. After each batch the fuzzing
client's own ping (same connection, so after everything it sent) must be
answered; at the end a real node's ping must be too.

Requests also name hostile response topics (another node's, the shared
state's): the hub must never publish there.
"""

import datetime as dt
import json
import queue
import uuid

import paho.mqtt.client as mqtt
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from motcua.bus.messages import ROLES, SCHEMA_VERSION

BATCH = 100
BATCHES = 101  # > 10,000 messages in all

node_ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True).filter(
    lambda s: s not in ("victim", "fuzz-sync"))
level_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="/+#"),
    min_size=1, max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=10)
timestamps = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                          timezones=st.just(dt.UTC)).map(lambda d: d.isoformat())
message_ids = st.one_of(st.uuids().map(str), st.sampled_from(["dup-1", "dup-2", "dup-3"]))
details = st.dictionaries(st.text(max_size=10), st.none() | st.booleans() | st.integers(0, 99)
                          | st.text(max_size=20), max_size=3)


@st.composite
def valid_status(draw, node_id):
    data = {"v": SCHEMA_VERSION, "node_id": node_id, "role": draw(st.sampled_from(ROLES)),
            "state": draw(st.sampled_from(["online", "offline"]))}
    if draw(st.booleans()):
        data["version"] = draw(st.text(max_size=40))
    if draw(st.booleans()):
        data["detail"] = draw(details)
    return data


@st.composite
def valid_fault(draw):
    data = {"v": SCHEMA_VERSION, "id": draw(message_ids), "ts": draw(timestamps),
            "code": draw(st.text(max_size=64)), "message": draw(st.text(max_size=200)),
            "severity": draw(st.sampled_from(["info", "warning", "error"]))}
    if draw(st.booleans()):
        data["cleared"] = draw(st.booleans())
    return data


def valid_ping(draw):
    return {"v": SCHEMA_VERSION, "id": draw(st.uuids()).hex, "ts": draw(timestamps),
            "echo": draw(st.text(max_size=50))}


WRONG_TYPE = {"string": st.integers() | st.lists(st.integers(), max_size=2) | st.booleans(),
              "enum": st.text(max_size=10).filter(
                  lambda s: s not in ROLES + ("online", "offline", "info", "warning", "error")),
              "id": st.sampled_from(["", "has space", "x" * 65, "é", "a/b", "{}"]),
              "ts": st.sampled_from(["", "hôm qua", "2026-11-27T10:00:00", "2026-13-01T00:00Z",
                                     "27/11/2026"]),
              "v": st.sampled_from([0, 2, "1", 1.5, True, None])}
BREAKABLE = {
    "status": {"v": "v", "node_id": "id", "role": "enum", "state": "enum"},
    "fault": {"v": "v", "id": "id", "ts": "ts", "code": "string", "message": "string",
              "severity": "enum"},
    "ping": {"v": "v", "id": "id", "ts": "ts", "echo": "string"},
}


@st.composite
def broken(draw, kind, data):
    """A valid message made invalid in one or more certain ways."""
    data = dict(data)
    for name in draw(st.lists(st.sampled_from(sorted(BREAKABLE[kind])), min_size=1,
                              max_size=3, unique=True)):
        how = draw(st.sampled_from(["drop", "wrong"]))
        if how == "drop" or (kind == "ping" and name == "echo"):
            if kind == "ping" and name == "echo":
                data[name] = draw(st.integers() | st.text(min_size=257, max_size=300))
            elif name == "v":
                data[name] = draw(WRONG_TYPE["v"])
            else:
                data.pop(name)
        else:
            data[name] = draw(WRONG_TYPE[BREAKABLE[kind][name]])
    if kind == "fault" and draw(st.booleans()):
        data["code"] = "x" * 65  # too long
    return data


@st.composite
def garbage(draw):
    return draw(st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.just(b"[" * 50_000),
        st.just(b'{"v": 1, "x": NaN}'),
        st.just(b'{"v": 1, "x": Infinity}'),
        st.just(b"\xff\xfe\x00{"),
        st.just(b""),
        st.just(b"{" * 10 + b"}"),
        st.just(json.dumps({"v": 1, "pad": "x" * 70_000}).encode()),  # over 64 KB
    ))


@st.composite
def messages(draw, base):
    """``(topic, payload, response_topic, effect)``; effect is what a valid one changes."""
    nid = draw(node_ids)
    node = f"{base}/node/{nid}"
    choice = draw(st.sampled_from(
        ["status", "status", "fault", "fault", "ping", "other-request", "other-event",
         "undefined", "forged-sender", "hostile-response"]))
    own_response = f"{node}/response/ping"
    if choice in ("status", "fault", "ping"):
        valid = {"status": lambda: draw(valid_status(nid)), "fault": lambda: draw(valid_fault()),
                 "ping": lambda: valid_ping(draw)}[choice]()
        topic = {"status": f"{node}/status", "fault": f"{node}/event/fault",
                 "ping": f"{node}/request/ping"}[choice]
        response = own_response if choice == "ping" else None
        if draw(st.integers(0, 9)) < 3:  # 30 % valid, 70 % hostile
            return topic, json.dumps(valid).encode(), response, (choice, nid, valid)
        payload = draw(st.one_of(broken(choice, valid).map(lambda d: json.dumps(d).encode()),
                                 garbage()))
        return topic, payload, response, None
    if choice == "forged-sender":  # a valid status naming another node
        other = draw(node_ids.filter(lambda x, nid=nid: x != nid))
        return f"{node}/status", json.dumps(draw(valid_status(other))).encode(), None, None
    if choice == "hostile-response":  # a valid ping asking for the answer elsewhere
        target = draw(st.sampled_from(HONEYPOTS)).format(base=base)
        return f"{node}/request/ping", json.dumps(valid_ping(draw)).encode(), target, None
    if choice == "other-request":
        name = draw(st.sampled_from(["dossier_lookup", "ticket", "x"]) | level_text)
        return f"{node}/request/{name}", draw(garbage()), own_response, None
    if choice == "other-event":
        name = draw(st.sampled_from(["called", "fault2"]) | level_text)
        return f"{node}/event/{name}", draw(garbage()), None, None
    topic = draw(st.sampled_from([
        f"{node}/{{x}}", f"{node}/event/fault/{{x}}", f"{node}/status/{{x}}",
        f"{base}/{{x}}", f"{base}/node/{{x}}", "motcua/{x}/node/a/status", "{x}",
    ])).format(x=draw(level_text))
    return topic, draw(garbage()), None, None


HONEYPOTS = ["{base}/state/hijack", "{base}/node/victim/response/ping",
             "{base}/node/victim/cmd/open", "{base}/node/victim/status"]


class Model:
    """What the hub's database must hold: derived from the valid messages alone."""

    def __init__(self):
        self.nodes = {}
        self.faults = set()

    def apply(self, effect):
        kind, nid, data = effect
        if kind == "status":
            row = self.nodes.get(nid)
            if row is None:
                row = self.nodes[nid] = {"version": data.get("version"),
                                         "detail": data.get("detail") or {}}
            row.update(role=data["role"], state=data["state"])
            if data["state"] == "online":
                row.update(version=data.get("version"), detail=data.get("detail") or {})
        elif kind == "fault":
            if nid not in self.nodes:
                self.nodes[nid] = {"role": "unknown", "state": "online", "version": None,
                                   "detail": {}}
            key = (nid, data["id"])
            if key not in {(f[0], f[1]) for f in self.faults}:
                self.faults.add((nid, data["id"], data["code"], data["message"],
                                 data["severity"], int(bool(data.get("cleared"))), data["ts"]))

    def check(self, store):
        nodes = {r["node_id"]: {"role": r["role"], "state": r["state"], "version": r["version"],
                                "detail": json.loads(r["detail"])}
                 for r in store.db.query("select * from nodes")}
        assert nodes == self.nodes
        faults = {(r["node_id"], r["message_id"], r["code"], r["message"], r["severity"],
                   r["cleared"], r["reported_at"])
                  for r in store.db.query("select * from node_faults")}
        assert faults == self.faults
        applied = {(r["node_id"], r["message_id"])
                   for r in store.db.query("select * from bus_messages")}
        assert applied == {(f[0], f[1]) for f in self.faults}
        for table in ("users", "audit_log"):
            assert store.db.execute(f"select count(*) from {table}").fetchone()[0] == 0


def test_the_hub_survives_hostile_traffic_and_stores_only_valid_messages(
        broker, gateway, store, center, make_node):
    base = f"motcua/{center}"
    inbox = queue.Queue()
    honeypot_hits = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"fuzz-{uuid.uuid4().hex[:8]}",
                         protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)

    def on_message(c, userdata, msg):
        if any(msg.topic == h.format(base=base) for h in HONEYPOTS):
            honeypot_hits.append(msg.topic)
        if msg.topic == f"{base}/node/fuzz-sync/response/ping":
            inbox.put(msg)

    client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    subscribed = queue.Queue()
    client.on_subscribe = lambda *a: subscribed.put(True)
    client.subscribe(f"{base}/#", qos=1)
    subscribed.get(timeout=5)

    model = Model()
    sent = 0

    def publish(topic, payload, response_topic=None, correlation=None):
        props = None
        if response_topic:
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = response_topic
            if correlation:
                props.CorrelationData = correlation
        return client.publish(topic, payload, qos=1, properties=props)

    def sync():
        """Our own ping, after the batch on the same connection: answered = all handled."""
        ping = {"v": SCHEMA_VERSION, "id": uuid.uuid4().hex, "ts": "2026-11-27T00:00:00+00:00"}
        publish(f"{base}/node/fuzz-sync/request/ping", json.dumps(ping).encode(),
                f"{base}/node/fuzz-sync/response/ping", ping["id"].encode())
        while True:
            answer = inbox.get(timeout=30)
            if answer.properties.CorrelationData == ping["id"].encode():
                return json.loads(answer.payload)

    @settings(max_examples=BATCHES, deadline=None, database=None,
              phases=[Phase.generate],  # the hub's state carries over: no shrinking replays
              suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(messages(base), min_size=BATCH, max_size=BATCH))
    def run_batch(batch):
        nonlocal sent
        infos = []
        for topic, payload, response_topic, effect in batch:
            infos.append(publish(topic, payload, response_topic, uuid.uuid4().bytes))
            if effect is not None:
                model.apply(effect)
        for info in infos:
            info.wait_for_publish(10)
        sent += len(batch)
        assert sync()["ok"] is True
        model.check(store)

    try:
        run_batch()
    finally:
        client.disconnect()
        client.loop_stop()
    assert sent >= 10_000
    assert honeypot_hits == []
    assert gateway.bus.dropped > sent // 2  # the hostile ones were refused, not handled
    # The hub still answers a real node, and the device registry is still readable.
    node = make_node("kiosk", "kiosk-after")
    assert node.ping("vẫn sống")["result"]["echo"] == "vẫn sống"
    print(f"{sent} messages; {gateway.bus.dropped} dropped; {len(model.faults)} faults, "
          f"{len(model.nodes)} nodes stored")
