"""systemd's watchdog: nodes and the hub say READY=1, feed WATCHDOG=1, say STOPPING=1.

A datagram socket stands in for systemd (the protocol is one datagram per
message to $NOTIFY_SOCKET).
"""

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from motcua.node import Node
from motcua.sdnotify import Watchdog

from .conftest import MOTCUA, START_S, http_up


@pytest.fixture
def systemd():
    """A fake systemd notify socket: ``(env, received)``, ``received()`` lists messages."""
    folder = tempfile.mkdtemp(prefix="sd-")  # short path: unix socket names are <108 bytes
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    messages = []

    def receive(until=None, timeout=15.0):
        # Collect until ``until(messages)`` holds, or for ``timeout`` s when it is None.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                messages.extend(sock.recv(4096).decode().split("\n"))
            if until is not None and until(messages):
                break
        return messages

    yield {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}, receive
    sock.close()
    os.unlink(path)
    os.rmdir(folder)


def test_a_node_process_is_ready_feeds_its_watchdog_and_says_when_it_stops(
        systemd, node_config_file):
    env, receive = systemd
    config = node_config_file("dispenser", "dispenser-sd")
    process = subprocess.Popen([*MOTCUA, "dispenser", "--config", str(config)],
                               env={**os.environ, **env})
    try:
        got = receive(until=lambda m: m.count("WATCHDOG=1") >= 3, timeout=START_S)
        assert got[0] == "READY=1"
        assert got.count("WATCHDOG=1") >= 3
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert "STOPPING=1" in receive(until=lambda m: "STOPPING=1" in m)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_resting_display_still_feeds_its_watchdog(systemd, node_config_file):
    """The board rests up to a minute between frames; under systemd (WatchdogSec=30 in
    its unit) that rest is cut to the feeding interval, or systemd restarts a quiet
    board every half minute. Here WatchdogSec is 2 s: fed at least every second."""
    env, receive = systemd
    config = node_config_file("display", "display-sd")
    process = subprocess.Popen([*MOTCUA, "display", "--config", str(config)],
                               env={**os.environ, **env, "WATCHDOG_USEC": "2000000",
                                    "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    try:
        receive(until=lambda m: "READY=1" in m, timeout=START_S)
        time.sleep(3.0)  # drawn, resting: no hub, nothing pages, its next frame a minute away
        before = receive(timeout=0).count("WATCHDOG=1")
        fed = receive(timeout=4.0).count("WATCHDOG=1") - before
        assert fed >= 3, fed  # every WatchdogSec / 2 (1 s): 4 in 4 s, 3 allowing for load
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_the_hub_is_ready_and_feeds_its_watchdog(systemd, tmp_path, broker):
    """On port 0 the system chooses the hub's web port as it binds it; the hub says
    which in its READY (tests start their hubs so: tests/hub_process.py)."""
    env, receive = systemd
    config = tmp_path / "hub.toml"
    config.write_text(
        f'center = "sdhub"\ndatabase = "{tmp_path}/hub.db"\n'
        f"[mqtt]\nport = {broker.port}\n[http]\nport = 0\n", encoding="utf-8")
    process = subprocess.Popen([*MOTCUA, "hub", "--config", str(config)],
                               env={**os.environ, **env})
    try:
        # Started (bounded by START_S: at load 44 the hub was not ready after 15 s).
        got = receive(until=lambda m: m.count("WATCHDOG=1") >= 2, timeout=START_S)
        assert any(m == "READY=1" for m in got) and got.count("WATCHDOG=1") >= 2
        status = next(m for m in got if m.startswith("STATUS=hub sdhub on port "))
        port = int(status.rsplit(" ", 1)[1])
        assert port > 0 and http_up(port)["database"] == "ok"  # it listens there, ready
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        assert "STOPPING=1" in receive(until=lambda m: "STOPPING=1" in m)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_hung_main_loop_stops_feeding_so_systemd_restarts_it(systemd, broker, center,
                                                                monkeypatch):
    from motcua.config import NodeConfig, from_dict

    env, receive = systemd
    hang = threading.Event()

    class Stuck(Node):
        role = "kiosk"

        def loop_once(self):
            if hang.is_set():
                time.sleep(3600)  # a driver call that never returns

    node = Stuck(from_dict(NodeConfig, {"center": center, "node_id": "kiosk-stuck",
                                         "mqtt": {"port": broker.port}}))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # run() installs signal handlers, which only the main thread may do.
    monkeypatch.setattr(signal, "signal", lambda *a: None)
    threading.Thread(target=node.run, daemon=True).start()
    try:
        assert receive(until=lambda m: m.count("WATCHDOG=1") >= 2).count("WATCHDOG=1") >= 2
        hang.set()
        time.sleep(0.3)
        before = receive(timeout=0.2).count("WATCHDOG=1")
        after = receive(timeout=1.5).count("WATCHDOG=1")
        assert after == before  # nothing fed for 1.5 s, over 3x the 0.4 s period
    finally:
        node.bus.stop()


def test_outside_systemd_nothing_is_sent():
    watchdog = Watchdog(env={})
    assert not watchdog.enabled
    assert watchdog.ready() is False and watchdog.feed() is False
    other = Watchdog(env={"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000000",
                          "WATCHDOG_PID": "1"})
    assert not other.enabled  # the watchdog is for another process
