"""A centre provisioned for production on this machine, for the attack tests.

``motcua provision`` of the sample inventory, Mosquitto in the production
configuration with every file provision made (the live pages' relay
included), the hub from the provisioned hub.toml (its budgets as a centre
has them) over the sample queue setup, and a kiosk node.
"""

from __future__ import annotations

import os
import queue
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central import create_app
from central.bus.gateway import Gateway
from central.config import HubConfig
from central.queue import setup
from central.store import Store
from kiosk.node import Kiosk
from motcua.broker import ProductionMosquitto
from motcua.config import load
from motcua.provision import provision

from .conftest import SAMPLE_INVENTORY


def password(out, user):
    rel = "hub/mqtt-password" if user == "hub" else f"nodes/{user}/mqtt-password"
    return (out / rel).read_text().strip()


class Centre:
    """A provisioned centre on this machine: production broker, relay, hub."""

    def __init__(self, root):
        self.center = f"a{os.getpid()}"
        (root / "centre.toml").write_text(SAMPLE_INVENTORY.format(center=self.center),
                                          encoding="utf-8")
        self.out = root / self.center
        provision(root / "centre.toml", self.out)
        self.broker = ProductionMosquitto(self.out / "broker", data_dir=root / "broker").start()
        common = {"MOTCUA_MQTT__PORT": str(self.broker.port), "MOTCUA_MQTT__HOST": "localhost",
                  "MOTCUA_MQTT__CA_FILE": str(self.out / "ca" / "ca.crt")}
        self.common = common
        self.config = load(HubConfig, self.out / "hub" / "hub.toml", env={
            **common, "MOTCUA_MQTT__PASSWORD_FILE": str(self.out / "hub" / "mqtt-password"),
            "MOTCUA_LIVE_MQTT_URL": f"ws://127.0.0.1:{self.broker.ws_port}",
            "MOTCUA_NODES_FILE": str(self.out / "hub" / "nodes.toml"),
            "MOTCUA_DATABASE": str(root / "hub.db"),
            "MOTCUA_SECRET_KEY_FILE": str(root / "secret_key")})
        # What an older provision wrote for the pages, where it exists.
        old = self.out / "hub" / "web-mqtt-password"
        if self.config.live_mqtt_password_file and old.exists():
            self.config.live_mqtt_password_file = str(old)
        self.store = Store(self.config.database)
        setup.load_file(self.store, setup.SAMPLE, actor="test")
        self.gateway = Gateway(self.config, self.store).start()
        self.app = create_app(self.config, store=self.store, gateway=self.gateway)
        self.node = Kiosk(load(Kiosk.config_class, self.out / "nodes" / "kiosk-1" / "node.toml",
                               env={**common, "MOTCUA_MQTT__PASSWORD_FILE":
                                    str(self.out / "nodes/kiosk-1/mqtt-password"),
                                    "MOTCUA_REPLICA": str(root / "replica.db")})).start()
        assert self.gateway.bus.wait_connected(10) and self.node.bus.wait_connected(10)

    def restart_gateway(self):
        """A new gateway (and app) over the same store, as after a hub restart."""
        self.gateway = Gateway(self.config, self.store).start()
        self.app = create_app(self.config, store=self.store, gateway=self.gateway)
        assert self.gateway.bus.wait_connected(10)

    def close(self):
        try:
            self.node.stop()
            self.gateway.stop()
            self.store.close()
        finally:
            self.broker.stop()


def tls_client(centre, user, client_id="", inflight=None):
    got, up, down = queue.Queue(), queue.Queue(), []
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.username_pw_set(user, password(centre.out, user))
    c.tls_set_context(ssl.create_default_context(cafile=str(centre.out / "ca" / "ca.crt")))
    c.on_connect = lambda cl, u, f, rc, p: up.put(rc)
    c.on_disconnect = lambda cl, u, f, rc, p: down.append(str(rc))
    c.on_message = lambda cl, u, m: got.put((m.topic, m.payload))
    if inflight:
        c.max_inflight_messages_set(inflight)
    c.connect("localhost", centre.broker.port, keepalive=10)
    c.loop_start()
    assert not up.get(timeout=10).is_failure
    return c, got, down


def ws_client(port, client_id, username=None, pw=None, timeout=5.0):
    """A browser's MQTT over websockets; returns (client, reason code or None, mailbox)."""
    got, up = queue.Queue(), queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, transport="websockets",
                    protocol=mqtt.MQTTv311)
    if username:
        c.username_pw_set(username, pw)
    c.on_connect = lambda cl, u, f, rc, p: up.put(rc)
    c.on_message = lambda cl, u, m: got.put((m.topic, m.payload))
    try:
        c.connect("127.0.0.1", port, keepalive=10)
    except OSError:
        return c, None, got
    c.loop_start()
    try:
        rc = up.get(timeout=timeout)
    except queue.Empty:
        rc = None
    return c, rc, got


def _close(c):
    try:
        c.disconnect()
    finally:
        c.loop_stop()
