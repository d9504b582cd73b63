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
}
# Attributes of a connected client it reads or changes.
STATE = ("_out_packet", "_sockpairW", "_msgtime_mutex", "_last_msg_out",
         "_out_message_mutex", "_out_messages", "_in_packet", "_manual_ack",
         "_protocol", "_logger", "_sock", "_thread", "_keepalive", "_thread_terminate")


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
