"""A broker's port taken between choosing it and Mosquitto's bind.

:func:`motcua.broker.free_port` finds a port free and closes its probe; the
broker binds it a moment later. In between, on a machine where other test runs
open thousands of connections, the port can be taken: by a connection's local
port (Mosquitto then exits with "Address already in use") or by another
program's listener (a connect would then reach that program, not our broker).
These tests take the port first, on purpose, and check what a test run would
notice: the broker still comes up, on a port of its own, and passes messages.
"""

from __future__ import annotations

import socket
import time

import paho.mqtt.publish as publish
import paho.mqtt.subscribe as subscribe
import pytest

import motcua.broker as mb
from motcua.broker import BrokerError, Mosquitto, ProductionMosquitto
from motcua.provision import provision

from .conftest import PROJECT

TEST_CONF = PROJECT / "broker-config" / "test.conf"


def round_trip(port: int, topic: str = "motcua/ports/check") -> bytes:
    """A retained message published and read back through the broker on ``port``."""
    publish.single(topic, b"da nhan", retain=True, hostname="127.0.0.1", port=port)
    got = subscribe.simple(topic, hostname="127.0.0.1", port=port, keepalive=5)
    return got.payload


def listener_on(port: int) -> socket.socket:
    """Another program listening on ``port`` (an impostor a connect cannot tell apart)."""
    return socket.create_server(("127.0.0.1", port))


def connection_from(port: int, server: socket.socket) -> socket.socket:
    """A connection whose local port is ``port``: what an outgoing connection does when
    the kernel hands it a port a broker is about to bind."""
    client = socket.socket()
    client.bind(("127.0.0.1", port))
    client.connect(server.getsockname())
    return client


def test_free_ports_lie_below_the_kernels_ephemeral_range_and_never_repeat():
    low, _ = mb._ephemeral_range()
    ports = [mb.free_port() for _ in range(200)]
    assert len(set(ports)) == 200
    if low - mb.PORTS_FROM >= 2000:
        assert all(mb.PORTS_FROM <= p < low for p in ports), (low, sorted(ports)[-3:])


@pytest.fixture
def taken_after_check(monkeypatch):
    """free_port() whose n-th answer (``taken_after_check(n, how)``) is taken right after
    it was found free: by a connection's local port, or by another program's listener."""
    busy = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    handed: list[int] = []
    real = mb.free_port

    def arrange(nth: int, how: str, module=mb) -> list[int]:
        def free_port() -> int:
            port = real()
            handed.append(port)
            if len(handed) == nth:
                held.append(connection_from(port, busy) if how == "connection"
                            else listener_on(port))
            return port

        monkeypatch.setattr(module, "free_port", free_port)
        return handed

    yield arrange
    for sock in held + [busy]:
        sock.close()


@pytest.mark.parametrize("taker", ["connection", "listener"])
def test_a_port_taken_before_the_bind_is_exchanged_for_a_free_one(tmp_path, taker,
                                                                 taken_after_check):
    handed = taken_after_check(1, taker)
    broker = Mosquitto(TEST_CONF, data_dir=tmp_path)
    started = time.monotonic()
    try:
        broker.start()
        assert broker.port != handed[0]
        assert time.monotonic() - started < 5  # noticed at once, not after a timeout
        assert mb.listening(broker.process, {broker.port: 1})
        assert round_trip(broker.port) == b"da nhan"
        assert "Address already in use" in (tmp_path / "mosquitto.log").read_text()
    finally:
        broker.cleanup()


def test_the_websockets_port_taken_is_exchanged_as_well(tmp_path, taken_after_check):
    handed = taken_after_check(2, "listener")  # the MQTT port first, then this one
    broker = Mosquitto(TEST_CONF, data_dir=tmp_path)
    try:
        broker.start()
        assert broker.ws_port, "broker-config/web.acl adds the live pages' listener"
        assert broker.ws_port != handed[1]
        assert broker.port == handed[0]
        assert mb.listening(broker.process, {broker.port: 1, broker.ws_port: 1})
        assert round_trip(broker.port) == b"da nhan"
    finally:
        broker.cleanup()


def test_a_port_read_before_the_start_is_not_moved_and_the_error_says_why(
        tmp_path, taken_after_check):
    # Whoever read it may have written it into a node's settings already.
    handed = taken_after_check(1, "connection")
    broker = Mosquitto(TEST_CONF, data_dir=tmp_path)
    assert broker.port == handed[0]
    started = time.monotonic()
    with pytest.raises(BrokerError, match="Address already in use"):
        broker.start()
    assert broker.port == handed[0]
    assert time.monotonic() - started < 5
    broker.cleanup()


def test_a_port_the_caller_named_is_not_moved_and_the_error_says_why(tmp_path):
    impostor = listener_on(mb.free_port())
    port = impostor.getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(BrokerError, match="Address already in use"):
            Mosquitto(TEST_CONF, port=port, data_dir=tmp_path).start()
        # Not the old 10 s wait on a port that answered all along (the impostor).
        assert time.monotonic() - started < 5
    finally:
        impostor.close()


def test_a_restart_keeps_its_port_and_fails_plainly_if_it_was_taken(tmp_path):
    broker = Mosquitto(TEST_CONF, data_dir=tmp_path).start()
    port = broker.port
    impostor = None
    try:
        publish.single("motcua/ports/kept", b"1", retain=True, hostname="127.0.0.1",
                       port=port)
        # Retained (handled by the broker), then saved as it stops (SIGTERM: Mosquitto
        # writes its persistence file on the way out; a 1.5 s sleep for the autosave
        # before).
        assert subscribe.simple("motcua/ports/kept", hostname="127.0.0.1",
                                port=port).payload == b"1"
        broker.stop()
        broker.start()  # free again: the same port, what was retained still there
        assert broker.port == port
        assert subscribe.simple("motcua/ports/kept", hostname="127.0.0.1",
                                port=port).payload == b"1"
        broker.stop()
        impostor = listener_on(port)
        with pytest.raises(BrokerError, match="Address already in use"):
            broker.start()  # clients know this port: moving would strand them
        assert broker.port == port
    finally:
        broker.cleanup()
        if impostor:
            impostor.close()


def test_the_live_pages_relay_port_taken_is_exchanged(tmp_path, sample_inventory,
                                                     taken_after_check):
    provision(sample_inventory(), tmp_path / "out")
    # The MQTT port first, the relay's last (after web.acl's, were there one beside).
    nth = 3 if (tmp_path / "out" / "broker" / "web.acl").exists() else 2
    handed = taken_after_check(nth, "listener")
    broker = ProductionMosquitto(tmp_path / "out" / "broker", data_dir=tmp_path / "data")
    try:
        broker.start()
        assert broker.ws_port, "provision writes public.conf for a centre"
        assert broker.ws_port != handed[nth - 1]
        assert mb.listening(broker.relay, {broker.ws_port: 1})
        assert "Unable to create websockets listener" in (tmp_path / "data" /
                                                           "public.log").read_text()
    finally:
        broker.cleanup()


def test_the_suites_postgresql_exchanges_a_taken_port_as_well(taken_after_check):
    from tests import pgserver

    handed = taken_after_check(1, "listener", pgserver)
    server = pgserver.PostgreSQL().start()
    try:
        assert server.port != handed[0]
        import psycopg

        with psycopg.connect(server.url, connect_timeout=5) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.stop()


def test_a_program_waited_for_is_not_taken_for_another_on_its_port():
    """``motcua trial`` waits for its broker and hub as the brokers here do
    (:func:`motcua.broker.wait_listening`). It used to connect to the port, so
    another program already there (Debian's own Mosquitto, on its port) passed for
    the trial's broker or hub."""
    import subprocess
    import sys

    port = mb.free_port()
    with listener_on(port):
        quiet = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert not mb.wait_listening(quiet, {port: 1}, 1.0)
        finally:
            quiet.kill()
            quiet.wait(10)


def test_the_fault_suites_proxy_exchanges_a_taken_port_as_well(broker, taken_after_check):
    from tests import tcp_proxy

    handed = taken_after_check(1, "connection", tcp_proxy)
    proxy = tcp_proxy.LoopbackProxy(broker.port)
    try:
        assert proxy.port != handed[0]
        assert round_trip(proxy.port, "motcua/ports/proxied") == b"da nhan"
    finally:
        proxy.close()
