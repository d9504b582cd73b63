"""Attacks with what a browser holds, against a centre provisioned for production.

The centre is set up as docs/operations.md says: ``motcua provision`` of the
sample inventory, Mosquitto in the production configuration with every file
provision made (the live pages' relay included), and the hub from the
provisioned hub.toml. The attacker reads a public page, takes whatever it
hands to the browser for the live updates (address, user, password) and
uses it with the client ids of the hub and of the nodes, as issue 19 found
it done: while the attack runs, a node's requests must all be answered and
neither the hub nor a counter may lose its connection.
"""

from __future__ import annotations

import html
import re
import threading
import time

import pytest

from .attack_rig import Centre, _close, password, tls_client, ws_client
from .conftest import wait_until
from .signing import login


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    c = Centre(tmp_path_factory.mktemp("attack"))
    yield c
    c.close()


def what_the_page_gives(centre) -> dict:
    """The live settings of the public statistics page, read as an attacker reads HTML."""
    page = centre.app.test_client().get("/thong-ke").get_data(as_text=True)
    tag = re.search(r'<div id="live"[^>]*>', page).group(0)
    attrs = {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}
    return {"url": attrs.get("url", ""), "username": attrs.get("username"),
            "password": attrs.get("password")}


def test_the_pages_credential_with_the_hubs_or_a_nodes_client_id_disturbs_nobody(centre):
    """Issue 19's critical row: the live pages' credential, client id `hub`
    (and the hub's own id, a counter's, a dispenser's), every 0.3 s for 6 s."""
    given = what_the_page_gives(centre)
    port = int(given["url"].rsplit(":", 1)[1])
    hub_lost = []
    centre.gateway.bus.on_connection_change(lambda up: None if up else hub_lost.append(1))
    counter, _, counter_lost = tls_client(centre, "counter-1", "counter-1")
    answered, asked = [], 0
    stop = threading.Event()
    victims = ["hub", f"motcua-hub-{centre.center}", "counter-1", "dispenser-1", "web",
               f"motcua-{centre.center}-kiosk-1"]
    accepted = []

    def attack():
        i = 0
        while not stop.is_set():
            c, rc, _ = ws_client(port, victims[i % len(victims)], given["username"],
                                 given["password"], timeout=1)
            if rc is not None and not rc.is_failure:
                accepted.append(victims[i % len(victims)])
            i += 1
            time.sleep(0.3)
            _close(c)

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            asked += 1
            try:
                if centre.node.ping("còn đó không?", timeout=2)["ok"]:
                    answered.append(1)
            except Exception:  # noqa: BLE001 - a lost request is what we count
                pass
            time.sleep(0.2)
    finally:
        stop.set()
        attacker.join(10)
    assert accepted, "the attacker never got in: the test proves nothing"
    assert len(answered) == asked, f"{asked - len(answered)} of {asked} requests unanswered"
    assert hub_lost == [] and centre.gateway.connected
    assert counter_lost == [] and counter.is_connected()
    _close(counter)
    health = centre.app.test_client().get("/healthz").get_json()
    assert health["broker"] == "connected"


def test_the_pages_credential_reads_only_public_state_and_writes_nothing(centre):
    given = what_the_page_gives(centre)
    port = int(given["url"].rsplit(":", 1)[1])
    base = f"motcua/{centre.center}"
    hub, hub_got, _ = tls_client(centre, "hub", "spy-check")  # the hub's user: id = "hub"
    hub.subscribe(f"{base}/#", qos=1)
    time.sleep(0.3)
    hub.publish(f"{base}/state/line/HT", b'{"waiting": 3}', qos=1, retain=True).wait_for_publish(5)
    page, rc, seen = ws_client(port, "web-reader-1", given["username"], given["password"])
    assert rc is not None and not rc.is_failure
    for flt in ("#", f"{base}/#", "$SYS/#", f"{base}/node/+/request/+"):
        page.subscribe(flt, qos=1)
    wait_until(lambda: not seen.empty(), timeout=10)
    # What the pages must not see, and what they must not write.
    dispenser, _, _ = tls_client(centre, "dispenser-1", "dispenser-1")
    dispenser.publish(f"{base}/node/dispenser-1/request/issue", b'{"secret": 1}', qos=1
                      ).wait_for_publish(5)
    hub.publish(f"{base}/node/dispenser-1/response/issue", b'{"secret": 2}', qos=1
                ).wait_for_publish(5)
    for topic in (f"{base}/state/line/HT", f"{base}/node/web/request/issue",
                  f"{base}/node/dispenser-1/request/issue", f"{base}/hub/status"):
        page.publish(topic, b'{"forged": true}', qos=1, retain=True).wait_for_publish(5)
    hub.publish(f"{base}/state/line/HT", b'{"waiting": 4}', qos=1, retain=True).wait_for_publish(5)
    # Everything the page gets up to the new state is public state, unforged: the
    # state and the hub's presence (the pages say when the hub has stopped, audit4).
    while (got := seen.get(timeout=10)) != (f"{base}/state/line/HT", b'{"waiting": 4}'):
        assert (got[0].startswith(f"{base}/state/") or got[0] == f"{base}/hub/status") \
            and b"forged" not in got[1], got
        assert b"secret" not in got[1], got
    # The hub never heard a forged message either.
    while (got := hub_got.get(timeout=10)) != (f"{base}/state/line/HT", b'{"waiting": 4}'):
        assert b"forged" not in got[1], got
    for c in (hub, dispenser, page):
        _close(c)


def test_node_and_hub_passwords_work_only_on_the_tls_listener(centre):
    """Issue 19's high row: on the pages' websockets port, a node's or the hub's
    password logs in to nothing, whatever the client id."""
    port = centre.broker.ws_port
    for user in ("hub", "counter-1", "dispenser-1"):
        for client_id in (user, f"x-{user}"):
            c, rc, _ = ws_client(port, client_id, user, password(centre.out, user))
            _close(c)
            assert rc is not None and rc.is_failure, (user, client_id, rc)
    # On the TLS listener they still work.
    c, _, _ = tls_client(centre, "counter-1", "counter-1")
    _close(c)


def test_two_pages_at_once_do_not_knock_each_other_off(centre):
    given = what_the_page_gives(centre)
    port = int(given["url"].rsplit(":", 1)[1])
    pages = [ws_client(port, f"web-{i:012x}", given["username"], given["password"])
             for i in range(5)]
    try:
        assert all(rc is not None and not rc.is_failure for _, rc, _ in pages)
        time.sleep(1.5)
        assert all(c.is_connected() for c, _, _ in pages)
    finally:
        for c, _, _ in pages:
            _close(c)


def test_healthz_and_the_dashboard_tell_the_truth_while_the_hubs_link_is_disturbed(centre):
    """Someone with the hub's own password (a second hub started by mistake, or a
    stolen one) takes its client id again and again: the hub reconnects each time,
    so "connected at this instant" would be a lie. /healthz says unstable, the
    supervisor's dashboard shows the alarm."""
    from central import alarms

    client = centre.app.test_client()
    before = client.get("/healthz").get_json()["broker_link"]["lost_total"]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        c, _, _ = tls_client(centre, "hub", "whatever")  # the broker makes the id "hub"
        time.sleep(0.3)
        _close(c)
    wait_until(lambda: centre.gateway.connected, timeout=15)
    reply = client.get("/healthz")
    health = reply.get_json()
    assert reply.status_code == 503 and health["status"] == "degraded"
    assert health["broker"] == "unstable"
    assert health["broker_link"]["lost_total"] - before >= 2
    assert health["broker_link"]["lost_recently"] >= 2
    shown = [a for a in alarms.active() if a.key == "broker.link"]
    assert shown and "mất kết nối tới MQTT broker" in shown[0].message
    # ...and the supervisor's dashboard shows it.
    login(client, "giamsat", "supervisor", centre.store)
    panel = client.get("/dashboard/panel").get_data(as_text=True)
    assert "mất kết nối tới MQTT broker" in panel
