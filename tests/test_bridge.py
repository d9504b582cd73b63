"""The bridge to the provincial broker, as `motcua provision` renders it, over real brokers.

Two production brokers on this machine: the centre's, and a "province" one
(provisioned the same way) that knows the centre's bridge user. Shared state
goes up under ``province/<centre>/``; nothing else does.
"""

import queue
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from motcua.broker import ProductionMosquitto, free_port
from motcua.provision import passwd, provision


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
    # The province's broker: its own CA and certificate, and a user for our bridge.
    province_port = free_port()
    (tmp_path / "tinh.toml").write_text('center = "tinh"\n[broker]\nhost = "localhost"\n')
    province_out = tmp_path / "tinh"
    provision(tmp_path / "tinh.toml", province_out)

    inventory = sample_inventory("thanhhoa", f'[province]\naddress = "localhost"\n'
                                             f"port = {province_port}\n")
    out = tmp_path / "thanhhoa"
    provision(inventory, out)
    assert (out / "broker" / "bridge.conf").stat().st_mode & 0o777 == 0o600
    bridge_password = (out / "broker" / "province-password").read_text().strip()
    with open(province_out / "broker" / "passwd", "a") as f:
        f.write(passwd.hash_line("thanhhoa", bridge_password) + "\n")
    (province_out / "broker" / "acl").write_text(
        "user thanhhoa\ntopic readwrite province/thanhhoa/#\n"
        "user hub\ntopic read province/#\n")
    (out / "broker" / "province-ca.crt").write_bytes((province_out / "ca" / "ca.crt").read_bytes())

    province = ProductionMosquitto(province_out / "broker", port=province_port,
                                   data_dir=tmp_path / "tinh-data").start()
    centre = ProductionMosquitto(out / "broker", data_dir=tmp_path / "centre-data").start()
    try:
        watcher, seen = client(province_port, province_out / "ca" / "ca.crt", "hub",
                               (province_out / "hub" / "mqtt-password").read_text().strip())
        watcher.subscribe("province/#", qos=1)
        hub, _ = client(centre.port, out / "ca" / "ca.crt", "hub",
                        (out / "hub" / "mqtt-password").read_text().strip())
        node, _ = client(centre.port, out / "ca" / "ca.crt", "kiosk-1",
                         (out / "nodes" / "kiosk-1" / "mqtt-password").read_text().strip())
        # The bridge connects in the background: publish until the first copy arrives.
        board = "motcua/thanhhoa/state/board/main"
        first = None
        for _ in range(50):
            hub.publish(board, b'{"serving": [1001]}', qos=1, retain=True).wait_for_publish(5)
            try:
                first = seen.get(timeout=0.3)
                break
            except queue.Empty:
                continue
        assert first == ("province/thanhhoa/state/board/main", b'{"serving": [1001]}')
        node.publish("motcua/thanhhoa/node/kiosk-1/status", b'{"state": "online"}',
                     qos=1).wait_for_publish(5)
        node.publish("motcua/thanhhoa/node/kiosk-1/event/fault", b"{}", qos=1).wait_for_publish(5)
        hub.publish("motcua/thanhhoa/state/stats/today", b'{"ontime": 98}',
                    qos=1).wait_for_publish(5)
        got = []
        while True:
            topic, _payload = seen.get(timeout=10)
            got.append(topic)
            if topic == "province/thanhhoa/state/stats/today":
                break
        assert all(t.startswith("province/thanhhoa/state/") for t in got), got
        for c in (watcher, hub, node):
            c.disconnect()
            c.loop_stop()
    finally:
        centre.stop()
        province.stop()
