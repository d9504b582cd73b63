"""The production broker, as `motcua provision` configures it, refusing what it must.

Mosquitto runs broker-config/production.conf (TLS only, passwords, ACL with
``pattern`` lines) with the files generated for a sample centre.
"""

import queue
import socket
import ssl
import warnings

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from central.bus.gateway import Gateway
from central.config import HubConfig
from central.store import Store
from kiosk.node import Kiosk
from motcua.config import load

from .conftest import wait_until


class Client:
    """A bare MQTT 5 client with a mailbox: what a device, or an intruder, could run."""

    def __init__(self, port, out, username=None, password=None, tls=True, client_id=""):
        self.messages = queue.Queue()
        self.connected = queue.Queue()
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if username:
            c.username_pw_set(username, password)
        if tls:
            ctx = ssl.create_default_context(cafile=str(out / "ca" / "ca.crt"))
            c.tls_set_context(ctx)
        c.on_connect = lambda cl, u, f, rc, p: self.connected.put(rc)
        c.on_message = lambda cl, u, m: self.messages.put((m.topic, m.payload))
        self.client = c
        self.port = port

    def connect(self):
        self.client.connect("localhost", self.port, keepalive=10)
        self.client.loop_start()
        return self.connected.get(timeout=10)

    def subscribe(self, topic):
        done = queue.Queue()
        self.client.on_subscribe = lambda cl, u, mid, rcs, p: done.put(rcs)
        self.client.subscribe(topic, qos=1)
        return done.get(timeout=5)

    def publish(self, topic, payload=b"{}", retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def received(self, until_topic, timeout=5):
        """Every message's topic up to and including the first on ``until_topic``."""
        return [topic for topic, _ in self.received_messages(until_topic, timeout)]

    def received_messages(self, until_topic, timeout=5):
        """Every message, ``(topic, payload)``, up to and including the first on
        ``until_topic``."""
        got = []
        while True:
            got.append(self.messages.get(timeout=timeout))
            if got[-1][0] == until_topic:
                return got

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def password(out, user):
    rel = "hub/mqtt-password" if user == "hub" else f"nodes/{user}/mqtt-password"
    return (out / rel).read_text().strip()


@pytest.fixture
def login(production_broker):
    broker, out, center = production_broker
    opened = []

    def make(user, pw=None):
        c = Client(broker.port, out, user, pw if pw is not None else password(out, user))
        rc = c.connect()
        assert not rc.is_failure, f"{user} refused: {rc}"
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


def test_anonymous_and_wrong_passwords_are_refused(production_broker):
    broker, out, _ = production_broker
    for user, pw in [(None, None), ("dispenser-1", "wrong"), ("dispenser-1", ""),
                     ("hub", password(out, "dispenser-1")), ("nobody", "x" * 43)]:
        c = Client(broker.port, out, user, pw)
        rc = c.connect()
        c.close()
        assert rc.is_failure and rc.getName() in ("Not authorized", "Bad user name or password")


def test_a_plain_tcp_client_cannot_reach_the_tls_port(production_broker):
    broker, out, _ = production_broker
    c = Client(broker.port, out, "dispenser-1", password(out, "dispenser-1"), tls=False)
    c.client.connect("127.0.0.1", broker.port)
    c.client.loop_start()
    with pytest.raises(queue.Empty):
        c.connected.get(timeout=2)  # no CONNACK ever comes back
    c.client.loop_stop()


def test_tls_older_than_1_2_is_refused_and_the_certificate_names_the_broker(production_broker):
    broker, out, _ = production_broker
    ctx = ssl.create_default_context(cafile=str(out / "ca" / "ca.crt"))
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer 1.1; the broker must say no
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", broker.port), 5) as raw, \
            pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|protocol version"):
        ctx.wrap_socket(raw, server_hostname="localhost")
    good = ssl.create_default_context(cafile=str(out / "ca" / "ca.crt"))
    for name in ("localhost", "hub.thanhhoa.lan"):
        with socket.create_connection(("127.0.0.1", broker.port), 5) as raw, \
                good.wrap_socket(raw, server_hostname=name) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with socket.create_connection(("127.0.0.1", broker.port), 5) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        good.wrap_socket(raw, server_hostname="evil.example")


def test_a_dispenser_cannot_command_counters_nor_speak_for_others(production_broker, login):
    _, _, center = production_broker
    base = f"motcua/{center}"
    hub, counter, dispenser = login("hub"), login("counter-1"), login("dispenser-1")
    hub.subscribe(f"{base}/#")
    counter.subscribe(f"{base}/node/counter-1/#")
    counter.subscribe(f"{base}/state/#")
    marker = f"{base}/node/dispenser-1/event/marker"
    forged = [
        f"{base}/node/counter-1/cmd/call_next",        # a counter's command
        f"{base}/node/counter-1/status",                 # another node's status
        f"{base}/node/counter-1/event/called",           # another node's event
        f"{base}/node/counter-1/request/next",           # a request in another's name
        f"{base}/node/counter-1/response/next",          # a forged answer
        f"{base}/state/counter/1",                       # the hub's retained state
        f"{base}/hub/status",                            # the hub's presence
        "motcua/other-centre/node/dispenser-1/status",   # another centre
        "$SYS/broker/hack",
    ]
    for topic in forged:
        dispenser.publish(topic, b'{"hostile": true}', retain=True)
    # Messages of one connection are handled in order: once the dispenser's
    # own marker reaches the hub, everything before it has been decided.
    dispenser.publish(marker)
    assert hub.received(marker) == [marker]
    # The hub may command the counter: that command is the first thing it hears.
    cmd = f"{base}/node/counter-1/cmd/call_next"
    hub.publish(cmd, b'{"from": "hub"}')
    assert counter.received(cmd) == [cmd]
    assert counter.messages.empty()
    # Nothing forged was retained either: a fresh subscriber's first message
    # is the hub's own state, published after it subscribed.
    late = login("display-1")  # a display reads all the shared state
    late.subscribe(f"{base}/state/#")
    late.subscribe(f"{base}/hub/status")
    own_state = f"{base}/state/board/main"
    hub.publish(own_state, b'{"from": "hub"}')
    assert late.received(own_state) == [own_state]


def test_a_node_cannot_read_another_nodes_responses_or_commands(production_broker, login):
    _, _, center = production_broker
    base = f"motcua/{center}"
    hub, counter, spy = login("hub"), login("counter-1"), login("dispenser-1")
    counter.subscribe(f"{base}/node/counter-1/#")
    spy.subscribe(f"{base}/node/counter-1/#")
    spy.subscribe(f"{base}/node/+/response/+")
    spy.subscribe(f"{base}/#")
    spy.subscribe("#")
    spy.subscribe(f"{base}/node/dispenser-1/response/+")
    for topic in (f"{base}/node/counter-1/response/ping", f"{base}/node/counter-1/cmd/open"):
        hub.publish(topic, b'{"ok": true}')
    own = f"{base}/node/dispenser-1/response/ping"
    hub.publish(own)
    # The spy hears only its own response, the counter hears its two.
    assert spy.received(own) == [own]
    assert counter.received(f"{base}/node/counter-1/cmd/open") == [
        f"{base}/node/counter-1/response/ping", f"{base}/node/counter-1/cmd/open"]


def test_a_real_node_and_hub_with_the_generated_configs_talk(production_broker, tmp_path):
    broker, out, center = production_broker
    common = {"MOTCUA_MQTT__PORT": str(broker.port), "MOTCUA_MQTT__HOST": "localhost",
              "MOTCUA_MQTT__CA_FILE": str(out / "ca" / "ca.crt")}
    hub_cfg = load(HubConfig, out / "hub" / "hub.toml", env={
        **common, "MOTCUA_MQTT__PASSWORD_FILE": str(out / "hub" / "mqtt-password"),
        "MOTCUA_DATABASE": str(tmp_path / "hub.db"),
        "MOTCUA_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
    node_cfg = load(Kiosk.config_class, out / "nodes" / "kiosk-1" / "node.toml", env={
        **common, "MOTCUA_MQTT__PASSWORD_FILE": str(out / "nodes/kiosk-1/mqtt-password"),
        "MOTCUA_REPLICA": str(tmp_path / "kiosk-replica.db")})
    store = Store(hub_cfg.database)
    gateway = Gateway(hub_cfg, store).start()
    node = Kiosk(node_cfg).start()
    try:
        assert gateway.bus.wait_connected(10) and node.bus.wait_connected(10)
        answer = node.ping("xin chào")
        assert answer["ok"] and answer["result"]["echo"] == "xin chào"
        assert answer["result"]["center_name"].startswith("Trung tâm")
        wait_until(lambda: node.hub_online)
    finally:
        node.stop()
        gateway.stop()
        store.close()


class _Any(dict):
    def __missing__(self, key):
        return "x"


def test_every_message_of_the_contract_gets_from_its_sender_to_its_receiver(
        production_broker, login):
    # A message added to motcua/bus/messages.py later is checked here too: the
    # ACL must let its sender publish it and its receiver read it.
    from motcua.bus.messages import CATALOGUE

    _, _, center = production_broker
    hub, node, hall = login("hub"), login("counter-1"), login("display-1")
    hub.subscribe(f"motcua/{center}/#")
    node.subscribe(f"motcua/{center}/#")
    hall.subscribe(f"motcua/{center}/#")
    checked = []
    for mtype in CATALOGUE:
        topic = mtype.topic.format_map(_Any(center=center, node_id="counter-1", name="x"))
        # Shared state and hub events: the hall display reads them all.
        shared = "/node/" not in topic and mtype.sender == "hub"
        sender, receiver = ((node, hub) if mtype.sender == "node"
                            else (hub, hall if shared else node))
        if mtype.kind == "up":  # summaries for the province: the bridge takes them (the
            receiver = hub      # bridge is inside the broker; the hub reads its own here)
        sender.publish(topic, b'{"v": 1}')
        # (retained messages of earlier tests may come first; this one must come)
        assert receiver.received(topic)[-1] == topic, (mtype.key, topic)
        checked.append(mtype.key)
    # Shared state, which the catalogue describes per area, travels hub → nodes.
    state = f"motcua/{center}/state/counter/1"
    hub.publish(state)
    assert node.received(state)[-1] == state
    assert {"status", "event.fault", "request.ping", "response.*", "hub-status"} <= set(checked)


def test_a_node_cannot_knock_the_hub_off_by_taking_its_client_id(production_broker):
    broker, out, center = production_broker
    base = f"motcua/{center}"
    # The hub, with the client id the real one uses.
    hub = Client(broker.port, out, "hub", password(out, "hub"), client_id=f"motcua-hub-{center}")
    assert not hub.connect().is_failure
    hub.subscribe(f"{base}/node/+/event/+")
    lost = []
    hub.client.on_disconnect = lambda *a: lost.append(a)
    # An intruder with a dispenser's password asks for the hub's client id.
    intruder = Client(broker.port, out, "dispenser-1", password(out, "dispenser-1"),
                      client_id=f"motcua-hub-{center}")
    try:
        assert not intruder.connect().is_failure
        marker = f"{base}/node/dispenser-1/event/marker"
        intruder.publish(marker)
        assert hub.received(marker)[-1] == marker  # the hub is still connected
        assert lost == []
    finally:
        intruder.close()
        hub.close()


def test_each_role_reads_only_the_shared_state_it_needs(production_broker, login):
    _, _, center = production_broker
    base = f"motcua/{center}"
    hub = login("hub")
    readers = {n: login(n) for n in ("dispenser-1", "counter-1", "display-1", "kiosk-1")}
    for client in readers.values():
        client.subscribe(f"{base}/#")
    sent = {
        "board": f"{base}/state/board/main",
        "counter": f"{base}/state/counter/1",
        "line": f"{base}/state/line/ho-tich",
        "catalog": f"{base}/state/catalog",
        "announce": f"{base}/hub/event/announce",
    }
    for topic in sent.values():
        hub.publish(topic, b'{"from": "hub"}')
    seen = {}
    for name, client in readers.items():
        end = f"{base}/node/{name}/response/end"  # each reads its own: the end mark
        hub.publish(end)
        got = client.received(end)
        seen[name] = {k for k, t in sent.items() if t in got}
    assert seen == {
        "dispenser-1": {"line"},
        "counter-1": {"counter", "line"},
        "display-1": {"board", "counter", "line", "catalog", "announce"},
        "kiosk-1": {"catalog"},
    }


def web_client(port, user=None, password=None):
    """A browser's view of the centre's broker: MQTT over its websockets listener."""
    messages, connected = queue.Queue(), queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, transport="websockets",
                    protocol=mqtt.MQTTv5)
    if user:
        c.username_pw_set(user, password)
    c.on_connect = lambda cl, u, f, rc, p: connected.put(rc)
    c.on_message = lambda cl, u, m: messages.put((m.topic, m.payload))
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c, connected.get(timeout=10), messages


def test_live_pages_read_the_centres_state_over_websockets_and_nothing_else(
        production_broker, login):
    """The live pages' relay provision gives a centre: pages connect with no
    credential and read motcua/<centre>/state/# and the hub's presence
    (hub/status); they cannot read a node's requests, responses or commands, nor
    the hub's events, and cannot write anything (not even as a "node" called
    web); a user name is refused there."""
    broker, out, center = production_broker
    base = f"motcua/{center}"
    web_password = (out / "broker" / "web-password").read_text().strip()
    assert broker.ws_port
    hub = login("hub")
    dispenser = login("dispenser-1")
    hub.publish(f"{base}/state/line/HT", b'{"service": "HT", "waiting": 3}', retain=True)

    for user, pw in (("web", web_password), ("web", "wrong"), ("hub", web_password),
                     ("hub", password(out, "hub")), ("web", password(out, "hub"))):
        c, rc, _ = web_client(broker.ws_port, user, pw)
        c.loop_stop()
        assert rc.is_failure, (user, rc)

    # Two pages at once: neither knocks the other off.
    first, rc1, seen1 = web_client(broker.ws_port)
    second, rc2, seen2 = web_client(broker.ws_port)
    try:
        assert not rc1.is_failure and not rc2.is_failure
        for c in (first, second):
            c.subscribe(f"{base}/#", qos=1)
        # What a page may read: the centre's state and the hub's presence (so a page
        # can say the hub stopped behind a broker still up; docs/security.md).
        readable = (f"{base}/state/", f"{base}/hub/status")
        for seen in (seen1, seen2):  # the retained state (the module's broker holds more)
            while (got := seen.get(timeout=10))[0] != f"{base}/state/line/HT":
                assert got[0].startswith(readable), got
            assert got[1] == b'{"service": "HT", "waiting": 3}'

        # What the web user must not see: a node's request and the hub's
        # answer, commands, events and announcements.
        dispenser.publish(f"{base}/node/dispenser-1/request/issue", b'{"service": "HT"}')
        hub.publish(f"{base}/node/dispenser-1/response/issue", b'{"display": "HT-001"}')
        hub.publish(f"{base}/node/counter-1/cmd/reload", b"{}")
        hub.publish(f"{base}/hub/event/announce", b'{"text": "x"}')
        # ...nor may it write, to the state or to its own "node" subtree (the
        # ACL's pattern lines would give a node called web its own topics).
        watch = hub  # a second hub login would knock this one off (client id)
        watch.subscribe(f"{base}/#")
        for topic in (f"{base}/state/line/HT", f"{base}/node/web/request/issue",
                      f"{base}/node/web/status", f"{base}/node/dispenser-1/request/issue",
                      f"{base}/hub/status"):
            first.publish(topic, b'{"forged": true}', qos=1, retain=True).wait_for_publish(5)
        hub.publish(f"{base}/state/line/HT", b'{"service": "HT", "waiting": 4}', retain=True)
        # Everything up to the hub's new state (retained ones first): no forgery.
        while (got := watch.messages.get(timeout=10)) != (
                f"{base}/state/line/HT", b'{"service": "HT", "waiting": 4}'):
            assert b"forged" not in got[1], got
        for seen in (seen1, seen2):
            while (got := seen.get(timeout=10)) != (f"{base}/state/line/HT",
                                                    b'{"service": "HT", "waiting": 4}'):
                assert got[0].startswith(readable) and b"forged" not in got[1], got
        assert first.is_connected() and second.is_connected()
    finally:
        for c in (first, second):
            c.disconnect()
            c.loop_stop()


def test_a_stolen_nodes_last_will_cannot_speak_where_the_node_may_not(production_broker, login):
    """A Last Will is published by the broker, after the thief is gone: one on the
    hub's board, another node's status or the hub's presence must be refused like
    a publish (Mosquitto checks a will against the ACL)."""
    broker, out, center = production_broker
    base = f"motcua/{center}"
    hub = login("hub")
    hub.subscribe(f"{base}/#")
    forged = [f"{base}/state/board/main", f"{base}/node/counter-1/status",
              f"{base}/hub/status", f"{base}/node/counter-1/cmd/call_next"]
    hostile = b'{"hostile": true}'
    for topic in forged:
        thief = Client(broker.port, out, "dispenser-1", password(out, "dispenser-1"))
        thief.client.will_set(topic, hostile, qos=1, retain=True)
        try:
            rc = thief.connect()
        except OSError:
            rc = None
        if rc is not None and not rc.is_failure:
            thief.client.socket().close()   # gone without DISCONNECT: the will is due
        thief.client.loop_stop()
    # The dispenser's own presence (its will allowed there) arrives; nothing forged did.
    own = Client(broker.port, out, "dispenser-1", password(out, "dispenser-1"))
    mine = f"{base}/node/dispenser-1/status"
    own.client.will_set(mine, b'{"state": "offline"}', qos=1, retain=True)
    assert not own.connect().is_failure
    own.client.socket().close()
    own.client.loop_stop()
    # This module's broker keeps what an earlier test's real hub retained on these
    # topics (its board, its status: the test failed on them when the module ran
    # whole); a forged will is told by what it says.
    got = hub.received_messages(mine, timeout=30)
    assert [t for t, payload in got if payload == hostile] == [], got
    late = login("display-1")
    late.subscribe(f"{base}/state/#")
    late.subscribe(f"{base}/hub/status")
    marker = f"{base}/state/board/marker"
    hub.publish(marker, b'{"from": "hub"}')
    seen = late.received_messages(marker)  # no forged retained state before it
    assert [t for t, payload in seen if payload == hostile] == [], seen
