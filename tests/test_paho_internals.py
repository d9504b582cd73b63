"""The lean transport leans on paho's private methods: these tests make an upgrade loud.

``motcua/bus/paho.py``'s ``_Client`` overrides methods paho does not promise to
keep (``_sock_recv``, ``_packet_queue``, ``_handle_publish`` …). pyproject pins
the paho releases it was written against; if that pin and the transport's own
list drift apart, or a release renames what is overridden, these fail in CI
instead of a hub losing messages in a hall. With any other paho the transport
falls back to paho's own client, which must still carry requests.
"""

from __future__ import annotations

import inspect
import re
import threading
import tomllib
from pathlib import Path

import paho.mqtt
import paho.mqtt.client as mqtt

from motcua.bus import paho as transport

from .test_bus_broker import listening

ROOT = Path(__file__).resolve().parents[1]

# What _Client overrides or calls, with the parameters it passes them.
OVERRIDDEN = {
    "_sock_recv": ["self", "bufsize"],
    "loop_read": ["self", "max_packets"],
    "_packet_write": ["self"],
    "_packet_queue": ["self", "command", "packet", "mid", "qos", "info"],
    "_handle_publish": ["self"],
    "_handle_pubackcomp": ["self", "cmd"],
    "_send_puback": ["self", "mid"],
    "_do_on_publish": ["self", "mid", "reason_code", "properties"],
    "_do_on_disconnect": ["self", "packet_from_broker", "v1_rc", "reason", "properties"],
    "_handle_on_message": ["self", "message"],
    "_loop_rc_handle": ["self", "rc"],
    "_packet_read": ["self"],
    "_sock_send": ["self", "buf"],
    "_call_socket_register_write": ["self"],
    "_loop": ["self", "timeout"],
    "_send_publish": ["self", "mid", "topic", "payload", "qos", "retain", "dup", "info",
                      "properties"],
}
# Attributes of a connected client it reads or changes.
STATE = ("_out_packet", "_sockpairW", "_msgtime_mutex", "_last_msg_out",
         "_out_message_mutex", "_out_messages", "_in_packet", "_manual_ack",
         "_protocol", "_logger", "_sock", "_thread", "_keepalive", "_thread_terminate",
         "_on_message_filtered", "_in_callback_mutex", "_userdata", "suppress_exceptions",
         "_last_bytes_received")


def test_the_installed_paho_is_one_the_lean_transport_was_written_for():
    assert transport.LEAN, (paho.mqtt.__version__, transport.LEAN_PAHO)


def test_the_pin_and_the_transports_list_name_the_same_releases():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [requirement] = [r for r in project["project"]["dependencies"] if r.startswith("paho-mqtt")]
    low, high = re.fullmatch(r"paho-mqtt>=(\d+\.\d+),<(\d+\.\d+)", requirement).groups()
    assert (f"{low}.",) == transport.LEAN_PAHO, requirement
    assert int(high.split(".")[1]) == int(low.split(".")[1]) + 1, requirement


def test_every_private_method_overridden_is_still_there_with_its_parameters():
    for name, parameters in OVERRIDDEN.items():
        method = getattr(mqtt.Client, name, None)
        assert method is not None, f"paho no longer has Client.{name}"
        assert list(inspect.signature(method).parameters) == parameters, name


def test_every_private_attribute_used_exists_on_a_client():
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    missing = [name for name in STATE if not hasattr(client, name)]
    assert not missing, missing


def test_with_another_paho_the_plain_client_carries_messages(broker, monkeypatch, caplog):
    monkeypatch.setattr(transport, "LEAN", False)
    ours, got, arrived = listening(broker, "plain-paho", "plain/#", 20)
    try:
        assert type(ours._client) is transport._PlainClient
        assert "using paho's own client" in caplog.text

        def send():  # from another thread than paho's, corked: as the hub's worker does
            with ours.corked():
                for i in range(20):
                    ours.publish("plain/x", f"{i:02d}".encode(), 1,
                                 response_topic="plain/answer", correlation=b"c")

        worker = threading.Thread(target=send)
        worker.start()
        worker.join(10)
        assert arrived.wait(10), f"{len(got)} of 20 arrived"
        assert got == [f"{i:02d}".encode() for i in range(20)]
    finally:
        ours.stop()


def _client_on(sock) -> transport._Client:
    """A lean client whose socket is ``sock``, as if connected (no broker)."""
    client = transport._Client(mqtt.CallbackAPIVersion.VERSION2, client_id="lean-test",
                               protocol=mqtt.MQTTv5)
    client._sock = sock
    return client


def test_a_publish_packed_in_one_piece_is_pahos_bytes():
    """The transport packs a PUBLISH itself (paho builds it field by field and calls
    its logger twice per message): the same bytes for both QoS, retained or not,
    with and without properties, for lengths that take one to four bytes."""
    sent = []
    client = _client_on(object())
    client._packet_queue = lambda command, packet, mid, qos, info=None: sent.append(
        bytes(packet))
    props = transport._PublishProperties("motcua/c/node/kiosk-1/response/ping", b"\x01" * 16)
    try:
        for size in (0, 1, 100, 127, 128, 16_383, 16_384, 2_097_152):
            for qos in (0, 1, 2):
                for retain in (False, True):
                    for properties in (None, props):
                        for topic in (b"t", "motcua/c/state/line/đ".encode() * 20):
                            payload = bytes(i % 251 for i in range(size))
                            sent.clear()
                            client._send_publish(9, topic, payload, qos, retain, qos == 2,
                                                 None, properties)
                            mqtt.Client._send_publish(client, 9, topic, payload, qos, retain,
                                                      qos == 2, None, properties)
                            assert sent[0] == sent[1], (size, qos, retain, properties, topic)
    finally:
        client._sock = None


def test_packets_cut_anywhere_between_reads_arrive_whole_and_in_order():
    """A read of the socket may end anywhere in a packet (its first byte, inside
    its length, inside its body): the transport takes a whole packet in hand in
    one piece and leaves a cut one to paho, which waits for the rest. Every
    message arrives once, whole, in order; PUBACKs in between are taken too."""
    import socket

    hub, node = socket.socketpair()
    hub.setblocking(False)
    client = _client_on(hub)
    got = []
    client.on_message = lambda c, userdata, message: got.append(
        (message.topic, message.payload, message.properties.ResponseTopic))
    try:
        def publish(i, size):
            topic = f"motcua/c/node/n-{i}/request/ticket".encode()
            props = transport._PublishProperties(f"motcua/c/node/n-{i}/response/ticket",
                                                 i.to_bytes(4, "big")).pack()
            body = len(topic).to_bytes(2, "big") + topic + (i + 1).to_bytes(2, "big") + props \
                + bytes([i % 256]) * size
            length, n = b"", len(body)
            while True:
                n, digit = divmod(n, 128)
                length += bytes([digit | (0x80 if n else 0)])
                if not n:
                    break
            return b"\x32" + length + body

        sizes = [0, 50, 200, 20_000, 3, 130]
        wire = b"".join(publish(i, size) + b"\x40\x02\x00\x07" for i, size in enumerate(sizes))
        for cut in (1, 2, 3, 5, 64, 1000, 7777, len(wire)):
            got.clear()
            for start in range(0, len(wire), cut):
                node.sendall(wire[start:start + cut])
                while client.loop_read() == mqtt.MQTT_ERR_SUCCESS and client._buffered():
                    pass
            while client._buffered():
                client.loop_read()
            assert [(t, len(p)) for t, p, _ in got] == [
                (f"motcua/c/node/n-{i}/request/ticket", size) for i, size in enumerate(sizes)], cut
            assert [r for _, _, r in got] == [
                f"motcua/c/node/n-{i}/response/ticket" for i in range(len(sizes))]
            assert client._in_packet["command"] == 0
    finally:
        client._sock = None
        hub.close()
        node.close()
