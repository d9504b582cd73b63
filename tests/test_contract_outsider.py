"""docs/mqtt.md read as an outsider reads it (issue 19): what a black-box node,
written from the page alone, found where the contract and the code parted.

Each test quotes the page and checks the hub against it with a plain paho
client, computing names from the words of the page, not from our helpers.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.queue import api

from .conftest import PROJECT, wait_until

PAGE = (PROJECT / "docs" / "mqtt.md").read_text(encoding="utf-8")


def outsider(broker, client_id="outsider"):
    got = queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.on_message = lambda cl, u, m: got.put((m.topic, m.payload, m.retain))
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    return c, got


def test_ticket_key_is_computable_from_the_words_of_the_page(queue_hub, store, center,
                                                             broker):
    words = re.search(r"`ticket_key`: take the ticket's token.*?keep the first (\d+)", PAGE, re.S)
    assert words, "docs/mqtt.md must define ticket_key in words"
    keep = int(words.group(1))
    assert "`abc` `ba7816bf8f01cfea414140de5dae2223`" in PAGE  # the page's own example
    with store.write() as db:
        ticket, out = api.issue_ticket(db, queue_hub.topics, "ho-tich")
    for topic, payload, retain in out:
        queue_hub.publish_state(topic, payload, retain)
    token = ticket["live_path"].rsplit("/t/", 1)[1]
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()[:keep]
    c, got = outsider(broker)
    c.subscribe(f"motcua/{center}/state/ticket/{key}", qos=1)
    topic, payload, _ = got.get(timeout=10)
    assert json.loads(payload)["display"] == ticket["display"]
    c.loop_stop()


def test_the_hub_republishes_todays_ticket_pages_when_it_connects(broker, sample_centre,
                                                                  gateway, center):
    """"published again … when the hub connects, today's tickets' pages included"."""
    assert "today's tickets' pages included" in PAGE
    with sample_centre.write() as db:
        ticket, out = api.issue_ticket(db, gateway.topics, "ho-tich")
    for topic, payload, retain in out:
        gateway.publish_state(topic, payload, retain)
    token = ticket["live_path"].rsplit("/t/", 1)[1]
    topic = f"motcua/{center}/state/ticket/{hashlib.sha256(token.encode()).hexdigest()[:32]}"
    c, got = outsider(broker)
    # The broker forgets it (as after losing its save file), then the hub reconnects.
    c.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    kicker, _ = outsider(broker, client_id=gateway.bus.transport.client_id)
    wait_until(lambda: not gateway.connected, timeout=10)
    kicker.disconnect()
    kicker.loop_stop()
    wait_until(lambda: gateway.connected, timeout=30)
    time.sleep(1)
    c.subscribe(topic, qos=1)
    got_topic, payload, retained = got.get(timeout=10)
    assert got_topic == topic and retained and json.loads(payload)["display"] == ticket["display"]
    c.loop_stop()


def test_a_request_without_a_response_topic_is_dropped_as_the_page_says(broker, gateway,
                                                                       center):
    assert "A request without an MQTT 5 response topic is dropped unanswered" in PAGE
    c, got = outsider(broker)
    c.subscribe(f"motcua/{center}/node/kiosk-x/response/#", qos=1)
    before = gateway.bus.dropped
    ping = json.dumps({"v": 1, "id": "p1", "ts": "2026-12-06T08:00:00Z"})
    c.publish(f"motcua/{center}/node/kiosk-x/request/ping", ping, qos=1).wait_for_publish(5)
    wait_until(lambda: gateway.bus.dropped == before + 1, timeout=10)
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = f"motcua/{center}/node/kiosk-x/response/ping"
    props.CorrelationData = b"1"
    c.publish(f"motcua/{center}/node/kiosk-x/request/ping", ping.replace("p1", "p2"), qos=1,
              properties=props).wait_for_publish(5)
    topic, payload, _ = got.get(timeout=10)  # only the second is answered
    assert json.loads(payload)["ok"] and topic.endswith("/response/ping")
    assert got.empty()
    c.loop_stop()


def test_counters_start_closed_as_the_page_says(queue_hub, state_watcher):
    assert "Counters start `closed`" in PAGE
    wait_until(lambda: "counter/1" in state_watcher.state, timeout=10)
    assert state_watcher.state["counter/1"]["status"] == "closed"


def test_state_nodes_is_published_only_with_uplink_as_the_page_says(queue_hub, broker, center):
    assert "published only by a hub with `uplink = true`" in PAGE
    assert not queue_hub.config.uplink
    c, got = outsider(broker)
    c.subscribe(f"motcua/{center}/state/#", qos=1)
    time.sleep(2)
    seen = set()
    while not got.empty():
        seen.add(got.get()[0])
    assert seen and f"motcua/{center}/state/nodes" not in seen
    c.loop_stop()


def test_the_offline_timing_the_page_gives_is_mosquittos_measured_one():
    assert "measured 2.9x to 4x with Mosquitto 2.0.11" in PAGE
    assert "after 1.5x its keep-alive)" not in PAGE
