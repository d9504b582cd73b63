"""Operators' settings are honoured: every inventory value reaches every file
``motcua provision`` writes, and the centre runs on them (issue 19).

The issue found ``[broker] port = 18883`` giving a mosquitto.conf that
listened on 8883 while the hub and the nodes used 18883. Here the inventory
has non-default values everywhere it can, and the broker is started on the
port its generated mosquitto.conf names, not on one the test picks.
"""

from __future__ import annotations

import tomllib

from central.bus.gateway import Gateway
from central.config import HubConfig
from central.store import Store
from kiosk.node import Kiosk
from motcua.broker import ProductionMosquitto, free_port
from motcua.config import load
from motcua.provision import provision

from .conftest import wait_until

INVENTORY = """
center = "xa-dong-son"
center_name = "Trung tâm Phục vụ hành chính công xã Đông Sơn"

[broker]
host = "mqtt.dongson.lan"
addresses = ["10.77.0.5", "fd00::5"]
port = {port}

[hub]
host = "10.77.0.6"
https = true

[province]
address = "mqtt.tinh.example"
port = 18884
username = "dong-son"

[[nodes]]
id = "kiosk-7"
role = "kiosk"
host = "10.77.0.47"

[[nodes]]
id = "quay-3"
role = "counter"
host = "10.77.0.23"
counters = [3, 4]
"""


def test_every_inventory_value_reaches_every_file_and_the_centre_connects(tmp_path):
    port = free_port()
    (tmp_path / "centre.toml").write_text(INVENTORY.format(port=port), encoding="utf-8")
    out = tmp_path / "out"
    provision(tmp_path / "centre.toml", out)

    conf = (out / "broker" / "mosquitto.conf").read_text()
    assert f"\nlistener {port}\n" in conf and "listener 8883" not in conf
    relay = (out / "broker" / "public.conf").read_text()
    assert f"address 127.0.0.1:{port}\n" in relay
    assert "topic state/# in 0 motcua/xa-dong-son/ motcua/xa-dong-son/" in relay
    bridge = (out / "broker" / "bridge.conf").read_text()
    assert "address mqtt.tinh.example:18884\n" in bridge
    assert "remote_username dong-son\n" in bridge
    acl = (out / "broker" / "acl").read_text()
    assert "motcua/xa-dong-son/" in acl and "user quay-3" in acl and "user kiosk-7" in acl
    hub = tomllib.loads((out / "hub" / "hub.toml").read_text())
    assert hub["mqtt"]["port"] == port and hub["center"] == "xa-dong-son"
    assert hub["center_name"] == "Trung tâm Phục vụ hành chính công xã Đông Sơn"
    assert hub["http"]["secure_cookies"] is True and hub["uplink"] is True
    nodes = tomllib.loads((out / "hub" / "nodes.toml").read_text())
    assert nodes["nodes"]["quay-3"]["counters"] == [3, 4]
    for node_id in ("kiosk-7", "quay-3"):
        node = tomllib.loads((out / "nodes" / node_id / "node.toml").read_text())
        assert node["mqtt"]["port"] == port and node["mqtt"]["host"] == "mqtt.dongson.lan"
    inventory = (out / "inventory.yml").read_text()
    for value in (f"motcua_broker_port: {port}", '"mqtt.dongson.lan"', '"10.77.0.6"',
                  '"10.77.0.47"', '"10.77.0.23"', "[3, 4]"):
        assert value in inventory, value
    from motcua.provision import pki

    cert = pki.load_cert((out / "broker" / "server.crt").read_bytes())
    assert {"mqtt.dongson.lan", "10.77.0.5", "fd00::5", "localhost"} <= set(pki.names(cert))

    # The broker on the port its own mosquitto.conf names; the hub and a node
    # with their generated files (only the paths Ansible would install moved).
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "data",
                                 keep_ports=True).start()
    store = gateway = node = None
    try:
        assert broker.port == port
        ca = str(out / "ca" / "ca.crt")
        hub_config = load(HubConfig, out / "hub" / "hub.toml", env={
            "MOTCUA_MQTT__HOST": "localhost", "MOTCUA_MQTT__CA_FILE": ca,
            "MOTCUA_MQTT__PASSWORD_FILE": str(out / "hub" / "mqtt-password"),
            "MOTCUA_UPLINK": "false",
            "MOTCUA_DATABASE": str(tmp_path / "hub.db"),
            "MOTCUA_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
        assert hub_config.mqtt.port == port
        store = Store(hub_config.database)
        gateway = Gateway(hub_config, store).start()
        node = Kiosk(load(Kiosk.config_class, out / "nodes" / "kiosk-7" / "node.toml", env={
            "MOTCUA_MQTT__HOST": "localhost", "MOTCUA_MQTT__CA_FILE": ca,
            "MOTCUA_MQTT__PASSWORD_FILE": str(out / "nodes" / "kiosk-7" / "mqtt-password"),
            "MOTCUA_REPLICA": str(tmp_path / "replica.db")})).start()
        assert gateway.bus.wait_connected(10) and node.bus.wait_connected(10)
        assert node.ping("Đông Sơn")["result"]["center_name"].endswith("xã Đông Sơn")
        wait_until(lambda: node.hub_online)
    finally:
        if node:
            node.stop()
        if gateway:
            gateway.stop()
        if store:
            store.close()
        broker.stop()
