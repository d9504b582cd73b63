"""A centre's live pages through its production broker, as `motcua provision` makes it.

The centre's broker has no anonymous access and no websockets listener: the
page reads the live pages' relay (a second Mosquitto, fed by a bridge) with no
credential at all.
"""

import os
import threading

import pytest

from central import create_app
from central.accounts import users
from central.bus.gateway import Gateway
from central.config import HubConfig
from central.queue import api, setup
from central.store import Store
from motcua.broker import ProductionMosquitto
from motcua.bus import Topics
from motcua.config import load
from motcua.provision import provision

from .conftest import SAMPLE_INVENTORY

pytestmark = pytest.mark.browser


def test_the_public_ticket_page_follows_the_queue_through_the_production_broker(
        browser, tmp_path):
    center = f"w{os.getpid()}"
    (tmp_path / "centre.toml").write_text(SAMPLE_INVENTORY.format(center=center),
                                          encoding="utf-8")
    out = tmp_path / center
    provision(tmp_path / "centre.toml", out)
    broker = ProductionMosquitto(out / "broker", data_dir=tmp_path / "broker-data").start()
    # The provisioned hub.toml as it is, but for the paths Ansible would install
    # under /etc/motcua and /var/lib/motcua, and the ports of this test's broker.
    config = load(HubConfig, out / "hub" / "hub.toml", env={
        "MOTCUA_MQTT__PORT": str(broker.port), "MOTCUA_MQTT__HOST": "localhost",
        "MOTCUA_MQTT__CA_FILE": str(out / "ca" / "ca.crt"),
        "MOTCUA_MQTT__PASSWORD_FILE": str(out / "hub" / "mqtt-password"),
        "MOTCUA_LIVE_MQTT_URL": f"ws://127.0.0.1:{broker.ws_port}",
        "MOTCUA_NODES_FILE": str(out / "hub" / "nodes.toml"),
        "MOTCUA_DATABASE": str(tmp_path / "hub.db"),
        "MOTCUA_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
    assert config.live_mqtt_username == ""
    store = Store(config.database)
    setup.load_file(store, setup.SAMPLE, actor="test")
    gateway = Gateway(config, store).start()
    topics = Topics(center)

    def publish(out):
        for topic, payload, retain in out:
            gateway.publish_state(topic, payload, retain)

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app(config, store=store, gateway=gateway),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = f"http://127.0.0.1:{server.server_port}"
    try:
        assert gateway.bus.wait_connected(10)
        gateway._republish_queue_state(True)
        with store.write() as db:
            first, out1 = api.issue_ticket(db, topics, "ho-tich")
            second, out2 = api.issue_ticket(db, topics, "ho-tich")
        publish(out1 + out2)

        citizen = browser.new_page(viewport={"width": 420, "height": 800})
        citizen.goto(f"{site}{second['live_path']}")
        citizen.evaluate("window.__sameDocument = true")
        assert citizen.locator("#live").get_attribute("data-username") is None
        assert citizen.locator("#live").get_attribute("data-password") is None
        citizen.get_by_text("Đang cập nhật trực tiếp").wait_for(timeout=10_000)
        citizen.get_by_text("Còn 1 người trước bạn").wait_for(timeout=5_000)

        # An officer at counter 1 calls the first ticket, then the second.
        user_id = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer",
                                    "mat-khau-thu-1")["id"]
        with store.write() as db:
            publish(api.sign_in(db, topics, 1, user_id))
            counter = setup.counter_by_number(db, 1)
            publish(api.counter_command(db, topics, counter, "next")[1])
        citizen.get_by_text("Bạn là người tiếp theo").wait_for(timeout=10_000)
        with store.write() as db:
            counter = setup.counter_by_number(db, 1)
            publish(api.counter_command(db, topics, counter, "next")[1])
        citizen.get_by_text("Xin mời đến Quầy 1").wait_for(timeout=10_000)
        assert citizen.evaluate("window.__sameDocument") is True  # never reloaded
        assert "Nguyễn" not in citizen.content()  # no personal data on the public page
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        gateway.stop()
        store.close()
        broker.stop()
