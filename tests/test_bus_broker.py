"""Over the real Mosquitto, started from broker-config/test.conf."""

import json
import logging
import signal
import subprocess
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.bus.gateway import Gateway
from central.devices import nodes
from motcua.bus import Topics
from motcua.bus.messages import FAULT, PING

from .conftest import MOTCUA, wait_until


def raw_client(broker, client_id):
    """A bare paho client: what a broken or hostile device could send."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def listening(broker, client_id: str, topic_filter: str, count: int):
    """Our transport, connected and subscribed to ``topic_filter``: returns it,
    the payloads it hears, and an event set once ``count`` have arrived. The
    caller stops it."""
    import threading

    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    got: list[bytes] = []
    connected, subscribed, arrived = threading.Event(), threading.Event(), threading.Event()
    ours = PahoTransport(from_dict(MqttConfig, {"port": broker.port}), client_id=client_id)
    ours.on_connect = lambda session: connected.set()
    ours.on_subscribed = lambda token: subscribed.set()

    def take(incoming):
        got.append(incoming.payload)
        if len(got) >= count:
            arrived.set()

    ours.on_message = take
    ours.start()
    try:
        assert connected.wait(10)
        ours.subscribe(topic_filter, 1)
        assert subscribed.wait(10)
    except BaseException:
        ours.stop()
        raise
    return ours, got, arrived


def node_state(store, node_id):
    found = [n for n in nodes.list_nodes(store) if n["node_id"] == node_id]
    return found[0]["state"] if found else None


def test_a_nodes_request_gets_the_hubs_response(gateway, make_node):
    node = make_node("kiosk", "kiosk-1")
    answer = node.ping("xin chào")
    assert answer["ok"] is True
    assert answer["result"]["echo"] == "xin chào"
    assert answer["result"]["center_name"] == "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"


def test_request_properties_packed_by_hand_are_pahos_bytes():
    # The transport packs a publish's response topic and correlation data itself
    # (paho's Properties objects cost a third of the hub's network thread): the
    # same bytes, for short and long values (a length past 127 takes two bytes).
    from motcua.bus.paho import _PublishProperties

    for topic, correlation in [("motcua/c/node/kiosk-1/response/ping", b"\x00\x01" * 8),
                               (None, b"x" * 300), ("t/" + "đ" * 70, None),
                               ("motcua/c/node/dispenser-1/response/ticket", b"")]:
        theirs = Properties(PacketTypes.PUBLISH)
        if topic is not None:
            theirs.ResponseTopic = topic
        if correlation is not None:
            theirs.CorrelationData = correlation
        assert _PublishProperties(topic, correlation).pack() == theirs.pack()


def test_received_publishes_decoded_by_hand_as_paho_decodes_them():
    # The transport decodes a received PUBLISH itself when its properties are
    # the bus's (paho's generic Properties cost half the hub's network thread):
    # the same fields as paho's decoder; anything else is left to paho.
    from paho.mqtt import _packet

    from motcua.bus.paho import _decode_publish, _NotCommon, _PublishProperties

    def packet(topic, mid, props, payload):
        return (len(topic).to_bytes(2, "big") + topic + (mid.to_bytes(2, "big") if mid else b"")
                + props + payload)

    cases = [
        (0x32, b"motcua/c/node/kiosk-1/request/ping", 7,
         _PublishProperties("motcua/c/node/kiosk-1/response/ping", b"\x01" * 16).pack(), b"{}"),
        (0x30, "motcua/c/state/board/đ".encode(), 0, b"\x00", b'{"a": 1}'),
        (0x3B, b"t", 65535, _PublishProperties(None, b"x" * 300).pack(), b""),  # dup, retain
        (0x32, b"t", 1, _PublishProperties("t/" + "đ" * 70, None).pack(), b"x" * 1000),
    ]
    for header, topic, mid, props, payload in cases:
        body = packet(topic, mid, props, payload)
        ours = _decode_publish(header, body)
        theirs = _packet.decode_publish(header, body, mqtt.MQTTv5)
        assert (ours.topic, ours.mid, ours.qos, ours.dup, ours.retain, ours.payload) == (
            theirs.topic.decode(), theirs.mid, theirs.qos, theirs.dup, theirs.retain,
            theirs.payload)
        for name in ("ResponseTopic", "CorrelationData"):
            assert getattr(ours.properties, name) == getattr(theirs.properties, name, None)
    other = Properties(PacketTypes.PUBLISH)
    other.MessageExpiryInterval = 30
    for header, body in [
        (0x34, packet(b"t", 1, b"\x00", b"")),  # QoS 2
        (0x32, packet(b"t", 1, other.pack(), b"")),  # another property
        (0x32, packet(b"t", 1, b"\x05\x08\x00\x09ab", b"")),  # a length past the end
        (0x32, packet(b"t", 1, b"\x05\x08\x00\x02\xff\xfe", b"")),  # not UTF-8
        (0x32, b"\x00\x05t"),  # cut short
    ]:
        try:
            _decode_publish(header, body)
        except _NotCommon:
            pass
        else:
            raise AssertionError(f"decoded {body!r}")


def test_a_burst_read_at_once_is_handed_out_whole_and_without_waiting(broker):
    # The transport reads what the socket holds at once (many packets) and
    # hands it to paho a packet at a time; packets left in hand when paho's
    # loop returns are read on, not left waiting for the next byte to arrive.
    # And a PUBLISH from another thread is written at once (under a lock): four
    # threads publishing together, every message arrives, in order per thread.
    import threading

    ours, got, arrived = listening(broker, "lean-reader", "lean/#", 200)
    try:
        sender = raw_client(broker, "lean-burst")
        try:
            infos = [sender.publish("lean/burst", f"{i:03d}".encode(), qos=i % 2)
                     for i in range(200)]
            for info in infos:
                info.wait_for_publish(5)
            # Nothing more is sent: a burst left in hand would wait here for ever.
            assert arrived.wait(3), f"{len(got)} of 200 arrived"
        finally:
            sender.disconnect()
            sender.loop_stop()
        # In order within each QoS (MQTT orders nothing across the two).
        for qos in (0, 1):
            assert [g for g in got if int(g) % 2 == qos] == [
                f"{i:03d}".encode() for i in range(200) if i % 2 == qos]

        heard: list[bytes] = []
        done = threading.Event()
        listener = raw_client(broker, "lean-listener")

        def hear(client, userdata, message):
            heard.append(message.payload)
            if len(heard) == 4 * 150:
                done.set()

        listener.on_message = hear
        listener.subscribe("lean-out/#", qos=1)[1]
        time.sleep(0.5)
        try:
            def send(k):
                for i in range(150):
                    ours.publish(f"lean-out/{k}", f"{k}-{i:03d}-".encode() + b"x" * (i * 40), 1)

            threads = [threading.Thread(target=send, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert done.wait(10), f"{len(heard)} of 600 arrived"
        finally:
            listener.disconnect()
            listener.loop_stop()
        for k in range(4):
            mine = [h.split(b"-")[1] for h in heard if h.startswith(f"{k}-".encode())]
            assert mine == [f"{i:03d}".encode() for i in range(150)]

        # Corked (the hub's batches): held, then written together; 12 MB at once
        # is more than the socket takes in one call, so the rest goes later.
        big: list[bytes] = []
        all_big = threading.Event()
        listener = raw_client(broker, "lean-big")

        def hear_big(client, userdata, message):
            big.append(message.payload[:3])
            if len(big) == 200:
                all_big.set()

        listener.on_message = hear_big
        listener.subscribe("lean-big/#", qos=1)
        time.sleep(0.5)
        try:
            def send_corked():
                with ours.corked():
                    for i in range(200):  # QoS 0: paho holds back QoS 1 past 20 in flight
                        ours.publish("lean-big/x", f"{i:03d}".encode() + b"y" * 60_000, 0)

            thread = threading.Thread(target=send_corked)
            thread.start()
            thread.join()
            assert all_big.wait(10), f"{len(big)} of 200 arrived"
        finally:
            listener.disconnect()
            listener.loop_stop()
        assert big == [f"{i:03d}".encode() for i in range(200)]
    finally:
        ours.stop()


def test_node_killed_shows_offline_within_its_keepalive(gateway, store, node_config_file):
    keepalive = 2
    config = node_config_file("dispenser", "dispenser-7", keepalive=keepalive)
    process = subprocess.Popen([*MOTCUA, "dispenser", "--config", str(config)])
    try:
        wait_until(lambda: node_state(store, "dispenser-7") == "online", timeout=15)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = time.monotonic()
        # The broker declares it gone after 1.5x keep-alive; allow one more second.
        wait_until(lambda: node_state(store, "dispenser-7") == "offline",
                   timeout=1.5 * keepalive + 1)
        print(f"offline seen {time.monotonic() - killed:.2f} s after SIGKILL")
    finally:
        if process.poll() is None:
            process.kill()


def test_a_node_stopped_with_sigterm_says_offline_at_once(gateway, store, node_config_file):
    config = node_config_file("counter", "counter-2", keepalive=30)
    process = subprocess.Popen([*MOTCUA, "counter", "--config", str(config)])
    wait_until(lambda: node_state(store, "counter-2") == "online", timeout=15)
    process.terminate()
    assert process.wait(10) == 0
    wait_until(lambda: node_state(store, "counter-2") == "offline", timeout=2)


def test_malformed_payloads_on_every_topic_leave_the_hub_answering(
    broker, gateway, make_node, center, caplog
):
    t = Topics(center)
    garbage = [b"", b"not json", b"[]", b'{"v": 99}', b"\xff\xfe\x00", b'{"v": 1, "id": 3}',
               json.dumps({"v": 1, "node_id": "x" * 300, "role": "?", "state": "?"}).encode()]
    topics = [t.node_status("evil-1"), t.node_event("evil-1", "fault"),
              t.node_event("evil-1", "unknown"), t.node_request("evil-1", "ping"),
              t.node_request("evil-1", "unknown")]
    evil = raw_client(broker, "evil-1")
    answers = []
    evil.on_message = lambda c, u, m: answers.append(json.loads(m.payload))
    evil.subscribe(t.node_inbox("evil-1")[0], qos=1)
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = t.node_response("evil-1", "ping")
    props.CorrelationData = b"c1"
    with caplog.at_level(logging.WARNING):
        for topic in topics:
            for payload in garbage:
                evil.publish(topic, payload, qos=1, properties=props).wait_for_publish(5)
        node = make_node("kiosk", "kiosk-2")
        assert node.ping("vẫn sống")["result"]["echo"] == "vẫn sống"
    evil.loop_stop()
    evil.disconnect()
    assert "malformed message" in caplog.text
    assert gateway.bus.dropped >= len(topics) * len(garbage) - len(topics)  # b"" on status clears
    # Requests that carried a response topic were told why.
    wait_until(lambda: len(answers) >= 2 * len(garbage))
    assert all(a["ok"] is False for a in answers)
    assert {a["error"]["code"] for a in answers} <= {"invalid", "unknown"}
    assert "evil-1" not in {n["node_id"] for n in nodes.list_nodes(gateway.store)}


def test_a_redelivered_event_is_applied_once(broker, gateway, store, center):
    t = Topics(center)
    event = FAULT.make(code="paper_out", message="Hết giấy in", severity="error")
    sender = raw_client(broker, "dispenser-3")
    for _ in range(3):  # what a lost PUBACK and a reconnect look like to the hub
        sender.publish(t.node_event("dispenser-3", "fault"), json.dumps(event), qos=1)
    sender.publish(t.node_event("dispenser-3", "fault"),
                   json.dumps({**event, "id": "second"}), qos=1).wait_for_publish(5)
    wait_until(lambda: store.db["node_faults"].count == 2)
    time.sleep(0.3)
    assert store.db["node_faults"].count == 2
    sender.loop_stop()
    sender.disconnect()


def test_a_repeated_request_id_gets_the_same_answer(gateway, make_node, center):
    node = make_node("dispenser", "dispenser-4")
    t = Topics(center)
    request = PING.make(echo="một")
    first = node.bus.request(t.node_request("dispenser-4", "ping"), request,
                             response_topic=t.node_response("dispenser-4", "ping"))
    second = node.bus.request(t.node_request("dispenser-4", "ping"), request,
                              response_topic=t.node_response("dispenser-4", "ping"))
    assert first["id"] == second["id"] == request["id"]


def test_events_sent_while_the_hub_is_away_arrive_when_it_returns(
    hub_config, store, gateway, make_node
):
    node = make_node("dispenser", "dispenser-5")
    gateway.stop()  # the hub's persistent session stays at the broker
    node.report_fault("paper_low", "Sắp hết giấy", "warning")
    time.sleep(0.3)
    assert store.db["node_faults"].count == 0
    again = Gateway(hub_config, store).start()
    try:
        wait_until(lambda: store.db["node_faults"].count == 1, timeout=10)
    finally:
        again.stop()


def test_nodes_start_before_the_broker_and_connect_when_it_comes(tmp_path, center):
    from dispenser import Dispenser
    from motcua.broker import Mosquitto, free_port
    from motcua.config import NodeConfig, from_dict

    from .conftest import PROJECT

    port = free_port()
    config = from_dict(NodeConfig, {"center": center, "node_id": "dispenser-6",
                                    "mqtt": {"port": port, "keepalive": 5}})
    started = time.monotonic()
    node = Dispenser(config).start()  # must not block with no broker
    assert time.monotonic() - started < 1
    assert not node.bus.connected
    with Mosquitto(PROJECT / "broker-config" / "test.conf", port=port,
                   data_dir=tmp_path / "late-broker"):
        assert node.bus.wait_connected(10)
        node.stop()



def _stop_while_publishing_under_a_lock(broker, attempt: int) -> None:
    import threading

    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    ours = PahoTransport(from_dict(MqttConfig, {"port": broker.port}),
                         client_id=f"lean-stopper-{attempt}")
    state_lock = threading.Lock()
    connected, stopping = threading.Event(), threading.Event()
    ours.on_connect = lambda session: connected.set()

    def on_disconnect(reason):
        with state_lock:  # as the gateway forgets what it published
            pass

    def publish_under_lock():
        while not stopping.is_set():
            with state_lock:
                ours.publish("lean-stop/state", b"x" * 200, 1, True)

    ours.on_disconnect = on_disconnect
    ours.start()
    assert connected.wait(10)
    publishers = [threading.Thread(target=publish_under_lock, daemon=True) for _ in range(3)]
    for t in publishers:
        t.start()
    time.sleep(0.05)
    stopper = threading.Thread(target=ours.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    stopping.set()
    assert not stopper.is_alive(), f"stop() hung (attempt {attempt + 1})"
    for t in publishers:
        t.join(5)
        assert not t.is_alive(), "a publisher hung"


def test_stop_while_another_thread_publishes_under_a_lock_of_its_own_never_hangs(broker):
    # A hub's ticker publishes holding the gateway's state lock, and the
    # gateway's on_disconnect takes that lock. The transport writes a PUBLISH
    # from the publisher's own thread; were it to write the DISCONNECT that
    # stop() queued there too, paho would call on_disconnect on that thread,
    # inside its lock: the hub hung so on a fresh Debian run. Stop must return.
    for attempt in range(40):
        _stop_while_publishing_under_a_lock(broker, attempt)
