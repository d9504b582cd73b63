"""The bridge to the provincial broker, as `motcua provision` renders it, over real brokers.

Two production brokers on this machine: the centre's, and a "province" one
provisioned from an inventory naming its centres. Shared state and the hub's
summaries go up under ``province/<centre>/``, with the bridge's own state;
nothing else does, and a centre cannot write under another's prefix.
"""

import queue
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from motcua.broker import ProductionMosquitto, free_port
from motcua.provision import provision


def client(port, ca, user, password):
    messages = queue.Queue()
    connected = queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password)
    c.tls_set_context(ssl.create_default_context(cafile=str(ca)))
    c.on_connect = lambda cl, u, f, rc, p: connected.put(rc)
    c.on_message = lambda cl, u, m: messages.put((m.topic, m.payload))
    c.connect("localhost", port)
    c.loop_start()
    assert not connected.get(timeout=10).is_failure
    return c, messages


def test_shared_state_goes_up_to_the_province_and_nothing_else(tmp_path, sample_inventory):
    # The province's broker, provisioned from an inventory naming its centres:
    # a bridge user and password per centre, and its CA, for the centre's side.
    province_port = free_port()
    (tmp_path / "tinh.toml").write_text(
        'center = "tinh"\n[broker]\nhost = "localhost"\n'
        '[[centres]]\nid = "thanhhoa"\n[[centres]]\nid = "sambon"\n')
    province_out = tmp_path / "tinh"
    provision(tmp_path / "tinh.toml", province_out)
    given = province_out / "centres" / "thanhhoa"
    assert given.joinpath("bridge-password").stat().st_mode & 0o777 == 0o600

    inventory = sample_inventory("thanhhoa", f'[province]\naddress = "localhost"\n'
                                             f"port = {province_port}\n"
                                             f'password_file = "{given}/bridge-password"\n'
                                             f'ca_file = "{given}/province-ca.crt"\n')
    out = tmp_path / "thanhhoa"
    provision(inventory, out)
    assert (out / "broker" / "bridge.conf").stat().st_mode & 0o777 == 0o600
    assert "uplink = true" in (out / "hub" / "hub.toml").read_text()
    assert 'role = "province"' in (province_out / "hub" / "hub.toml").read_text()

    province = ProductionMosquitto(province_out / "broker", port=province_port,
                                   data_dir=tmp_path / "tinh-data").start()
    centre = ProductionMosquitto(out / "broker", data_dir=tmp_path / "centre-data").start()
    try:
        watcher, seen = client(province_port, province_out / "ca" / "ca.crt", "hub",
                               (province_out / "hub" / "mqtt-password").read_text().strip())
        watcher.subscribe("province/#", qos=1)
        # The bridge tells the province it is up (its own notification).
        assert seen.get(timeout=20) == ("province/thanhhoa/bridge/state", b"1")
        hub, _ = client(centre.port, out / "ca" / "ca.crt", "hub",
                        (out / "hub" / "mqtt-password").read_text().strip())
        node, _ = client(centre.port, out / "ca" / "ca.crt", "kiosk-1",
                         (out / "nodes" / "kiosk-1" / "mqtt-password").read_text().strip())
        board = "motcua/thanhhoa/state/board/main"
        hub.publish(board, b'{"serving": [1001]}', qos=1, retain=True).wait_for_publish(5)
        assert seen.get(timeout=10) == ("province/thanhhoa/state/board/main",
                                        b'{"serving": [1001]}')
        node.publish("motcua/thanhhoa/node/kiosk-1/status", b'{"state": "online"}',
                     qos=1).wait_for_publish(5)
        node.publish("motcua/thanhhoa/node/kiosk-1/event/fault", b"{}", qos=1).wait_for_publish(5)
        hub.publish("motcua/thanhhoa/state/ticket/0123456789abcdef0123", b'{"status": "waiting"}',
                    qos=1, retain=True).wait_for_publish(5)
        hub.publish("motcua/thanhhoa/up/ticket_events", b'{"events": []}',
                    qos=1).wait_for_publish(5)
        hub.publish("motcua/thanhhoa/state/queue_stats", b'{"issued": 98}',
                    qos=1).wait_for_publish(5)
        got = []
        while True:
            topic, _payload = seen.get(timeout=10)
            got.append(topic)
            if topic == "province/thanhhoa/state/queue_stats":
                break
        assert got == ["province/thanhhoa/up/ticket_events",
                       "province/thanhhoa/state/queue_stats"], got
        # A centre's bridge user cannot write under another centre's prefix.
        bridge_password = (given / "bridge-password").read_text().strip()
        impostor, _ = client(province_port, province_out / "ca" / "ca.crt", "thanhhoa",
                             bridge_password)
        impostor.publish("province/sambon/state/board/main", b'{"serving": [1]}',
                         qos=1).wait_for_publish(5)
        # Nor under its own beyond what its bridge sends (broker-config: CENTRE_WRITES).
        impostor.publish("province/thanhhoa/state/junk/1", b"{}", qos=1).wait_for_publish(5)
        impostor.publish("province/thanhhoa/state/board/probe", b"{}", qos=1).wait_for_publish(5)
        # (Logging in as the bridge's user takes its client id: the bridge is
        # knocked off and says so, 0, before it comes back.)
        later = []
        while not later or later[-1] != "province/thanhhoa/state/board/probe":
            later.append(seen.get(timeout=10)[0])
        assert not [t for t in later if t.startswith("province/sambon/")], later
        assert "province/thanhhoa/state/junk/1" not in later, later
        for c in (watcher, hub, node, impostor):
            c.disconnect()
            c.loop_stop()
    finally:
        centre.stop()
        province.stop()


def web_client(port, user=None, password=None):
    """A browser's view of the provincial broker: MQTT over its websockets listener."""
    messages, connected = queue.Queue(), queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, transport="websockets")
    if user:
        c.username_pw_set(user, password)
    c.on_connect = lambda cl, u, f, rc, p: connected.put(rc)
    c.on_message = lambda cl, u, m: messages.put((m.topic, m.payload))
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c, connected.get(timeout=10), messages


def test_the_provincial_live_pages_read_the_floors_and_nothing_else(tmp_path):
    """The province's live pages relay: browsers connect with no credential and
    read each centre's floor and link, not its summaries; they cannot write;
    any user name (the web user's, a centre's) is refused there."""
    (tmp_path / "tinh.toml").write_text(
        'center = "tinh"\n[broker]\nhost = "localhost"\n[[centres]]\nid = "xa-a"\n')
    out = tmp_path / "tinh"
    provision(tmp_path / "tinh.toml", out)
    hub_toml = (out / "hub" / "hub.toml").read_text()
    assert "live_mqtt_username" not in hub_toml and "live_mqtt_password" not in hub_toml
    web_password = (out / "broker" / "web-password").read_text().strip()
    assert (out / "broker" / "web-password").stat().st_mode & 0o777 == 0o600
    bridge_password = (out / "centres" / "xa-a" / "bridge-password").read_text().strip()
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "data").start()
    clients = []
    try:
        assert broker.ws_port
        bridge, _ = client(broker.port, out / "ca" / "ca.crt", "xa-a",
                           (out / "centres" / "xa-a" / "bridge-password").read_text().strip())
        clients.append(bridge)
        for topic, payload in (("province/xa-a/bridge/state", b"1"),
                               ("province/xa-a/state/counter/1", b'{"counter": 1}'),
                               ("province/xa-a/up/dossiers", b'{"dossiers": []}')):
            bridge.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)

        for user, password in (("web", web_password), ("web", "wrong"),
                               ("xa-a", bridge_password), ("xa-b", web_password)):
            c, rc, _ = web_client(broker.ws_port, user, password)
            c.loop_stop()
            assert rc.is_failure, (user, rc)
        # Two pages at once: neither knocks the other off.
        first, rc1, seen1 = web_client(broker.ws_port)
        second, rc2, seen2 = web_client(broker.ws_port)
        clients += [first, second]
        assert not rc1.is_failure and not rc2.is_failure
        for c in (first, second):
            c.subscribe("province/#", qos=0)
        for seen in (seen1, seen2):
            got = {seen.get(timeout=10)[0] for _ in range(2)}
            assert got == {"province/xa-a/bridge/state", "province/xa-a/state/counter/1"}
        # A page cannot write: the counter the bridge published stays as it was.
        first.publish("province/xa-a/state/counter/1", b'{"counter": 99}', qos=1,
                      retain=True).wait_for_publish(5)
        bridge.publish("province/xa-a/state/counter/1", b'{"counter": 1, "n": 2}', qos=1,
                       retain=True).wait_for_publish(5)
        assert seen2.get(timeout=10) == ("province/xa-a/state/counter/1",
                                         b'{"counter": 1, "n": 2}')
        assert first.is_connected() and second.is_connected()
        for seen in (seen1, seen2):
            while not seen.empty():
                assert not seen.get()[0].startswith("province/xa-a/up/")
    finally:
        for c in clients:
            c.disconnect()
            c.loop_stop()
        broker.stop()
