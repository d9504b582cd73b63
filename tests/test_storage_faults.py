"""A hub whose database refuses writes: clear refusals, a visible alarm, nothing lost.

The database is made read-only under the running hub (SQLite's ``query_only``
on each of its connections: the same "attempt to write a readonly database"
a file remounted read-only gives). The full suite (``make faults``) also
fills a real disk and remounts it read-only under a hub process.
"""

from __future__ import annotations

import time

import pytest

from central import alarms, create_app
from central.bus import reliability
from motcua.bus.messages import NUMBER_BLOCK

from .conftest import wait_until
from .test_dispenser import HO_TICH, has_blocks, hub_tickets, push


def read_only(store, on: bool) -> None:
    for conn in list(store._connections):
        conn.execute(f"pragma query_only = {'on' if on else 'off'}")


@pytest.fixture
def clean_alarms():
    alarms.clear(reliability.STORAGE_ALARM)
    yield
    alarms.clear(reliability.STORAGE_ALARM)


def test_a_read_only_database_refuses_new_work_raises_the_alarm_and_loses_nothing(
        own_hub, make_dispenser, clean_alarms):
    store = own_hub.store
    node = make_dispenser(port=int(own_hub.config.mqtt.port))
    wait_until(lambda: node.hub_online and has_blocks(node))
    push(node, HO_TICH)
    wait_until(lambda: len(node.printed) == 1)
    assert node.wait_idle()
    assert hub_tickets(store) == [("A001", 1)]
    client = create_app(own_hub.config, store=store, gateway=own_hub).test_client()

    read_only(store, True)
    # The next citizen, not the same finger chattering: a press within
    # debounce_s (50 ms) of the last release is bounce and is ignored by
    # design (motcua/debounce.py), and the lines above can take less than that.
    time.sleep(2 * node.config.debounce_s)
    push(node, HO_TICH)
    wait_until(lambda: len(node.printed) == 2)
    assert node.wait_idle()
    # The citizen still gets a number (from the block), the hub took nothing.
    assert (node.printed[-1].display, node.printed[-1].offline) == ("A990", True)
    assert node.printed[-1].error is None
    node.report_fault("paper_low", "Sắp hết giấy", severity="warning")
    # The supervisor sees why, on the dashboard's alarms and on /healthz.
    alarm = wait_until(lambda: next((a for a in alarms.active()
                                     if a.key == reliability.STORAGE_ALARM), None))
    assert alarm.severity == "error"
    assert "chỉ đọc" in alarm.message and "Dữ liệu đã lưu vẫn an toàn" in alarm.message
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"] == "refuses writes"
    assert reliability.STORAGE_ALARM in health.json["alarms"]
    # Any request gets the reason in words (a counter shows it on its display).
    answer = node._request("number_block", NUMBER_BLOCK.make(service="ho-tich"))
    assert answer["ok"] is False and answer["error"]["code"] == "storage_unavailable"
    assert "đĩa đầy hoặc cơ sở dữ liệu chỉ đọc" in answer["error"]["message"]
    assert hub_tickets(store) == [("A001", 1)]  # what was stored is still there

    read_only(store, False)  # the technician fixed it
    wait_until(lambda: node.outbox.pending_count() == 0, timeout=15)
    assert hub_tickets(store) == [("A001", 1), ("A990", 990)]  # delivered, once
    wait_until(lambda: store.db.execute(
        "select count(*) from node_faults where code = 'paper_low'").fetchone()[0] == 1,
        timeout=10)
    wait_until(lambda: all(a.key != reliability.STORAGE_ALARM for a in alarms.active()))
    assert client.get("/healthz").json["database"] == "ok"
