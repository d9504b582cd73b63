"""A stolen centre Pi or bridge password at the provincial broker (real Mosquitto in the
production configuration `motcua provision` writes for a province): it writes only
its own centre's summaries and floor topics, one level deep, no packet bigger than a
bus message, and the province revokes it with its inventory and a reload."""

import queue
import signal
import ssl
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from motcua.broker import ProductionMosquitto, free_port
from motcua.provision import TIER_MAX_PACKET, provision

INVENTORY = 'center = "tinh"\n[broker]\nhost = "localhost"\n'


def connect(port, ca, user, password):
    """A client as a thief would run one: paho, the centre's user and password. Returns
    (client, messages, events) where events gets ("connect", rc) and ("disconnect", rc)."""
    messages, events = queue.Queue(), queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    c.tls_set_context(ssl.create_default_context(cafile=str(ca)))
    c.on_connect = lambda cl, u, f, rc, p: events.put(("connect", rc))
    c.on_disconnect = lambda cl, u, f, rc, p: events.put(("disconnect", rc))
    c.on_message = lambda cl, u, m: messages.put((m.topic, m.payload))
    c.connect("localhost", port)
    c.loop_start()
    return c, messages, events


def connected(events) -> bool:
    kind, rc = events.get(timeout=10)
    return kind == "connect" and not rc.is_failure


def received(messages, until: str, timeout=10) -> list[str]:
    """The topics received up to and including ``until``."""
    got = []
    while not got or got[-1] != until:
        got.append(messages.get(timeout=timeout)[0])
    return got


@pytest.fixture
def province(tmp_path):
    inv = tmp_path / "tinh.toml"
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\n[[centres]]\nid = "xa-b"\n')
    out = tmp_path / "tinh"
    provision(inv, out)
    broker = ProductionMosquitto(out / "broker", port=free_port(),
                                 data_dir=tmp_path / "tinh-data").start()
    clients = []

    def client(user, password=None):
        password = password or (out / "centres" / user / "bridge-password").read_text().strip()
        made = connect(broker.port, out / "ca" / "ca.crt", user, password)
        clients.append(made[0])
        return made

    hub, seen, events = client("hub", (out / "hub" / "mqtt-password").read_text().strip())
    assert connected(events)
    hub.subscribe("province/#", qos=1)
    time.sleep(0.3)
    try:
        yield inv, out, broker, client, seen
    finally:
        for c in clients:
            c.loop_stop()
            c.disconnect()
        broker.stop()


def test_a_centres_password_writes_only_its_own_topics_one_level_deep(province):
    _, out, _, client, seen = province
    acl = (out / "broker" / "acl").read_text()
    assert "topic write province/xa-a/#" not in acl
    stolen, _, events = client("xa-a")
    assert connected(events)
    for topic in ("province/xa-a/state/counter/1/x/y",  # a tree of retained junk
                  "province/xa-a/state/anything",       # a topic no centre sends
                  "province/xa-a/up/junk",
                  "province/xa-a/hub/cmd",
                  "province/xa-b/state/line/A",         # another centre's
                  "province/tinh/state/reports"):       # the province's own cue
        stolen.publish(topic, b'{"v": 1}', qos=1, retain=True).wait_for_publish(5)
    stolen.publish("province/xa-a/state/line/A", b'{"v": 1}', qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-a/state/line/A") == ["province/xa-a/state/line/A"]
    # What a centre's bridge does send still goes through.
    for topic in ("state/board/main", "state/counter/3", "state/queue_stats", "state/nodes",
                  "up/ticket_events", "up/dossiers", "up/dossier_events", "up/ratings",
                  "bridge/state"):
        stolen.publish(f"province/xa-a/{topic}", b"1", qos=1).wait_for_publish(5)
        assert received(seen, f"province/xa-a/{topic}") == [f"province/xa-a/{topic}"]


def test_a_packet_bigger_than_a_bus_message_is_refused_by_the_broker(province):
    _, out, _, client, seen = province
    assert f"max_packet_size {TIER_MAX_PACKET}" in (out / "broker" / "mosquitto.conf").read_text()
    stolen, _, events = client("xa-a")
    assert connected(events)
    stolen.publish("province/xa-a/up/ticket_events", b"x" * (TIER_MAX_PACKET + 1), qos=0)
    kind, _ = events.get(timeout=10)
    assert kind == "disconnect"  # the broker closed it
    with pytest.raises(queue.Empty):
        seen.get(timeout=1)
    # A whole bus message (64 KiB) still fits.
    fits, _, events = client("xa-b")
    assert connected(events)
    fits.publish("province/xa-b/up/dossiers", b"y" * 65536, qos=1).wait_for_publish(5)
    assert seen.get(timeout=10) == ("province/xa-b/up/dossiers", b"y" * 65536)


def test_the_province_revokes_a_centres_password_with_a_reload(province):
    inv, out, broker, client, seen = province
    old_password = (out / "centres" / "xa-a" / "bridge-password").read_text().strip()
    stolen, _, events = client("xa-a")
    assert connected(events)
    stolen.publish("province/xa-a/state/queue_stats", b"1", qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-a/state/queue_stats")
    # The province marks the centre revoked, provisions again and reloads the broker
    # (systemctl reload mosquitto: SIGHUP), as docs/security.md says.
    inv.write_text(INVENTORY + '[[centres]]\nid = "xa-a"\nrevoked = true\n'
                   '[[centres]]\nid = "xa-b"\n')
    result = provision(inv, out)
    assert result.removed_users == ["xa-a"]
    acl = (out / "broker" / "acl").read_text()
    assert "user xa-a" not in acl and "# xa-a: revoked" in acl
    assert "user xa-b" in acl
    broker.process.send_signal(signal.SIGHUP)
    # The connection already open is closed by the broker (its user is gone) ...
    kind, _ = events.get(timeout=10)
    assert kind == "disconnect"
    stolen.loop_stop()
    # ... and the old password no longer connects.
    again, _, events = client("xa-a", old_password)
    kind, rc = events.get(timeout=10)
    assert kind == "connect" and rc.is_failure, rc
    # Nothing it sends arrives; the other centre is untouched.
    other, _, events = client("xa-b")
    assert connected(events)
    other.publish("province/xa-b/state/queue_stats", b"2", qos=1).wait_for_publish(5)
    assert received(seen, "province/xa-b/state/queue_stats") == [
        "province/xa-b/state/queue_stats"]
