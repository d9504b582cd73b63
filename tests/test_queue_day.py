"""The business day: citizens who queue before opening are that day's first numbers."""

from __future__ import annotations

import datetime as dt

from central.accounts import users
from central.queue import api, leases, setup
from motcua.bus import Topics

EARLY = dt.datetime(2026, 12, 7, 23, 50, tzinfo=dt.UTC)   # 06:50 on the 8th in Hà Nội
OPENED = dt.datetime(2026, 12, 8, 0, 5, tzinfo=dt.UTC)    # 07:05, the centre opens at 07:00


def test_a_ticket_taken_before_opening_is_called_first_and_its_number_not_given_again(
        sample_centre, hub_config, store):
    topics = Topics(hub_config.center)
    with store.write() as db:
        early, _ = api.issue_ticket(db, topics, "ho-tich", now=EARLY)
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    with store.write() as db:
        later, _ = api.issue_ticket(db, topics, "ho-tich", now=OPENED)
        api.sign_in(db, topics, 1, officer["id"])
        called, _ = api.counter_command(db, topics, setup.counter_by_number(db, 1), "next",
                                        now=OPENED)
    assert early["day"] == later["day"] == "2026-12-08"
    assert (early["display"], later["display"]) == ("A001", "A002")
    assert later["people_ahead"] == 1
    assert called["current"]["display"] == "A001"
    statuses = dict(store.db.execute("select display, status from tickets").fetchall())
    assert statuses == {"A001": "called", "A002": "waiting"}


def test_a_block_leased_before_opening_is_good_until_the_next_day_starts(
        sample_centre, store):
    with store.write() as db:
        block = leases.lease_block(db, "dispenser-1", "ho-tich", now=EARLY)
    # The 8th's business day ends when the 9th's starts, at 03:00 (four hours
    # before opening): the block is not thrown away at the 8th's opening.
    assert block["day"] == "2026-12-08"
    assert block["valid_until"].startswith("2026-12-08T20:00:00")


EVENING = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)   # 16:30 on the 7th in Hà Nội
MORNING = dt.datetime(2026, 12, 8, 0, 0, tzinfo=dt.UTC)    # 07:00 on the 8th, opening


def test_last_evenings_tickets_are_off_the_screens_at_opening_before_any_key(
        sample_centre, hub_config, store, state_watcher, monkeypatch):
    """Last evening's tickets left waiting, and the one still called at counter 1,
    stayed on the hall board, the lines, the counter's number and the citizens'
    ticket pages until the morning's first ticket or key: at 07:00 the hall read
    "A001 → Quầy 1" and "Hộ tịch: 2 người chờ". The hub closes the day at its turn."""
    from central.bus import gateway as gateway_module
    from central.bus.gateway import Gateway
    from motcua import clock
    from motcua.bus.topics import ticket_key

    from .conftest import wait_until

    monkeypatch.setattr(gateway_module, "SWEEP_EVERY_S", 0.2)
    now = [EVENING]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    topics = Topics(hub_config.center)
    officer = users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    hall = setup.counter_by_number(store.db, 1)["hall"]
    gw = Gateway(hub_config, store).start()
    try:
        assert gw.bus.wait_connected(10)
        out, issued = [], []
        with store.write() as db:
            for _ in range(3):
                ticket, published = api.issue_ticket(db, topics, "ho-tich", now=EVENING)
                issued.append(ticket)
                out += published
            out += api.sign_in(db, topics, 1, officer["id"])
            out += api.counter_command(db, topics, setup.counter_by_number(db, 1), "next",
                                       now=EVENING)[1]
        for topic, payload, retain in out:
            gw.publish_state(topic, payload, retain)
        seen = state_watcher.state
        page = f"ticket/{ticket_key(issued[2]['token'])}"
        wait_until(lambda: (seen.get("line/ho-tich") or {}).get("waiting") == 2
                   and (seen.get(f"board/{hall}") or {}).get("calls")
                   and ((seen.get("counter/1") or {}).get("current") or {}).get("display")
                   == "A001", timeout=10)
        assert (seen.get(page) or {}).get("status") == "waiting"
        assert _retained(hub_config.mqtt.port, f"{topics.base}/state/{page}") is not None

        now[0] = MORNING  # nobody has taken a ticket or pressed a key yet
        wait_until(lambda: (seen.get("line/ho-tich") or {}).get("waiting") == 0
                   and not (seen.get(f"board/{hall}") or {}).get("calls")
                   and (seen.get("counter/1") or {}).get("current") is None, timeout=10)
        board = seen[f"board/{hall}"]
        assert all(w["waiting"] == 0 for w in board["waiting"])
        wait_until(lambda: (seen.get("queue_stats") or {}).get("day") == "2026-12-08",
                   timeout=10)
        assert seen["queue_stats"]["waiting"] == 0
        # Yesterday's ticket pages are gone from the broker (a phone opening one now
        # is given nothing retained); the store keeps the rows.
        assert _retained(hub_config.mqtt.port, f"{topics.base}/state/{page}") is None
        statuses = {r[0] for r in store.db.execute(
            "select status from tickets where day = '2026-12-07'")}
        assert statuses == {"cancelled"}
    finally:
        gw.stop()


def _retained(port: int, topic: str, wait: float = 1.0) -> bytes | None:
    """The message retained on ``topic``, as a client subscribing now gets it; None if none."""
    import threading

    import paho.mqtt.client as mqtt

    got, done = [], threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *a: c.subscribe(topic, 1)
    client.on_message = lambda c, u, m: (got.append(m.payload), done.set())
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        done.wait(wait)
    finally:
        client.loop_stop()
        client.disconnect()
    return got[0] if got else None
