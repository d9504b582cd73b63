"""The queue over the real broker: dispensers and counters as in-process nodes."""

import contextlib
import random
import threading
from collections import Counter

from central.bus.gateway import Gateway
from central.queue import state
from central.store import Store
from motcua.bus import Topics
from motcua.bus.client import RequestTimeout
from motcua.bus.messages import COUNTER_COMMAND, TICKET

from .conftest import wait_until

SERVICES = ["ho-tich", "dang-ky-kinh-doanh", "dau-tu", "lao-dong"]  # served by counters 1-5


def ask(node, name, payload, timeout=10.0):
    return node.bus.request(node.topics.node_request(node.node_id, name), payload,
                            response_topic=node.topics.node_response(node.node_id, name),
                            timeout=timeout)


def take_ticket(node, service, priority=None):
    return ask(node, "ticket", TICKET.make(service=service, priority=priority))


def press(node, action, **fields):
    return ask(node, "counter_command", COUNTER_COMMAND.make(action=action, **fields))


def assert_events_tell_the_state(db):
    """Every ticket's status, service and counter rebuilt from its events alone."""
    from central.queue import tickets as tk

    def live(status, counter):
        return counter if status in ("called", "serving") else None

    rebuilt = {k: {**v, "counter": live(v["status"], v["counter"])}
               for k, v in tk.replay(db).items()}
    stored = {r[0]: {"status": r[1], "service": r[2], "counter": live(r[1], r[3])}
              for r in db.execute("select t.id, t.status, s.code, t.counter_id from tickets t "
                                  "join services s on s.id = t.service_id")}
    assert rebuilt == stored


def board_matches(store, watcher, hall="main"):
    expected = state.board(store.db, hall)
    return watcher.state.get(f"board/{hall}") == expected


def test_a_ticket_request_returns_the_ticket_and_a_redelivery_the_same_one(
        queue_hub, make_node, store, state_watcher):
    dispenser = make_node("dispenser", "dispenser-1")
    first = take_ticket(dispenser, "ho-tich")
    assert first["ok"], first
    ticket = first["result"]
    assert ticket["display"] == "A001" and ticket["service_name"].startswith("Hộ tịch")
    assert ticket["people_ahead"] == 0 and ticket["live_path"] == f"/t/{ticket['token']}"
    again = TICKET.make(service="dang-ky-kinh-doanh")
    a, b = ask(dispenser, "ticket", again), ask(dispenser, "ticket", again)
    assert a == b and a["result"]["display"] == "1001"  # no second number
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == 2
    second = take_ticket(dispenser, "ho-tich")["result"]
    assert second["display"] == "A002" and second["people_ahead"] == 1
    wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 2)
    assert [q["display"] for q in state_watcher.state["line/ho-tich"]["queue"]] == \
        ["A001", "A002"]


def test_bad_ticket_requests_get_a_vietnamese_error_and_change_nothing(
        queue_hub, make_node, store):
    dispenser = make_node("dispenser", "dispenser-1")
    answer = take_ticket(dispenser, "khong-co")
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_service"
    assert "Không có dịch vụ" in answer["error"]["message"]
    answer = take_ticket(dispenser, "ho-tich", priority="vip")
    assert answer["error"]["code"] == "unknown_priority"
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == 0


def test_a_node_not_bound_to_a_counter_cannot_command_it(queue_hub, make_node, store):
    dispenser = make_node("dispenser", "dispenser-1")
    take_ticket(dispenser, "ho-tich")
    stranger = make_node("counter", "counter-99")
    answer = press(stranger, "next")
    assert answer["ok"] is False and answer["error"]["code"] == "not_bound"
    neighbour = make_node("counter", "counter-2")
    answer = press(neighbour, "next", counter=1)
    assert answer["ok"] is False and answer["error"]["code"] == "not_bound"
    assert "không điều khiển quầy 1" in answer["error"]["message"]
    assert store.db.execute("select status from tickets").fetchone()[0] == "waiting"
    assert press(neighbour, "next", counter=2)["result"]["current"]["display"] == "A001"


def test_calling_recall_transfer_and_the_board_follow_the_database(
        queue_hub, make_node, store, state_watcher):
    dispenser = make_node("dispenser", "dispenser-1")
    counter = make_node("counter", "counter-1")
    for _ in range(4):
        take_ticket(dispenser, "ho-tich")
    take_ticket(dispenser, "ho-tich", priority="elderly")
    steps = [("next", {}), ("recall", {}), ("next", {}), ("next", {}),
             ("next", {}),  # the priority ticket after three normal ones
             ("transfer", {"target_service": "lao-dong", "reason": "Nhầm dịch vụ"}),
             ("next", {}), ("no_show", {}), ("pause", {}), ("resume", {}), ("next", {})]
    calls = []
    for action, extra in steps:
        answer = press(counter, action, **extra)
        assert answer["ok"], (action, answer)
        if answer["result"]["current"]:
            calls.append(answer["result"]["current"]["display"])
        wait_until(lambda: board_matches(store, state_watcher))
        wait_until(lambda: state_watcher.state.get("counter/1") == state.counter_state(
            store.db, 1))
    assert calls[:5] == ["A001", "A001", "A002", "A003", "A005"]
    announced = [(a["kind"], a["display"], a["counter"]) for a in state_watcher.announcements]
    assert ("recall", "A001", 1) in announced and ("call", "A005", 1) in announced
    # The transferred ticket waits for its new service, keeping its issue time.
    row = store.db.execute("select t.status, s.code, t.issued_at, t.display from tickets t "
                           "join services s on s.id = t.service_id where display = 'A005'"
                           ).fetchone()
    assert row[:2] == ("waiting", "lao-dong")
    assert "A005" in [q["display"] for q in state_watcher.state["line/lao-dong"]["queue"]]
    assert_events_tell_the_state(store.db)
    paused = press(counter, "pause")
    refused = press(counter, "next")
    assert paused["ok"] and refused["error"]["code"] == "counter_paused"


def test_calling_out_of_order_needs_a_reason_and_is_recorded(queue_hub, make_node, store):
    dispenser = make_node("dispenser", "dispenser-1")
    counter = make_node("counter", "counter-1")
    for _ in range(3):
        take_ticket(dispenser, "ho-tich")
    refused = press(counter, "call", number="A003")
    assert refused["error"]["code"] == "reason_required"
    answer = press(counter, "call", number="A003", reason="Công dân đã hẹn trước")
    assert answer["ok"] and answer["result"]["current"]["display"] == "A003"
    row = store.db.execute("select reason, json_extract(detail, '$.out_of_order') from "
                           "ticket_events where action = 'call'").fetchone()
    assert row == ("Công dân đã hẹn trước", 1)
    assert state.stats(store.db)["out_of_order"] == 1


def test_three_dispensers_five_counters_500_tickets(queue_hub, make_node, store,
                                                    state_watcher):
    rng = random.Random(3)
    dispensers = [make_node("dispenser", f"dispenser-{i}") for i in (1, 2, 3)]
    counters = [make_node("counter", f"counter-{i}") for i in (1, 2, 3, 4, 5)]
    total = 500
    issued, errors = [], []
    lock = threading.Lock()
    plan = [(rng.choice(SERVICES), "elderly" if rng.random() < 0.2 else None)
            for _ in range(total)]

    def dispense(node, share):
        for service, priority in share:
            answer = take_ticket(node, service, priority)
            with lock:
                (issued if answer["ok"] else errors).append(answer)

    threads = [threading.Thread(target=dispense, args=(d, plan[i::3]))
               for i, d in enumerate(dispensers)]
    for t in threads:
        t.start()

    def serve(node, seed):
        local = random.Random(seed)
        idle = 0
        while idle < 40:
            answer = press(node, "next")
            if not answer["ok"]:
                errors.append(answer)
                return
            if answer["result"]["current"] is None:
                idle += 1
                threading.Event().wait(0.02)
                continue
            idle = 0
            roll = local.random()
            if roll < 0.1:
                press(node, "recall")
                press(node, "no_show")
            elif roll < 0.15:
                press(node, "recall")
        press(node, "finish")  # whatever it still holds

    servers = [threading.Thread(target=serve, args=(c, i)) for i, c in enumerate(counters)]
    for t in servers:
        t.start()
    for t in threads + servers:
        t.join(120)
    assert not errors, errors[:3]
    assert len(issued) == total
    db = store.db
    # Every ticket ends exactly once in done, no-show or cancelled.
    statuses = Counter(r[0] for r in db.execute("select status from tickets"))
    assert sum(statuses.values()) == total and set(statuses) <= {"done", "no_show"}, statuses
    endings = Counter(r[0] for r in db.execute(
        "select ticket_id from ticket_events where to_status in ('done','no_show','cancelled')"))
    assert len(endings) == total and set(endings.values()) == {1}
    assert_events_tell_the_state(db)
    # No number repeats within a service and day.
    numbers = [(r["service"], r["display"]) for r in (a["result"] for a in issued)]
    assert len(set(numbers)) == total
    # The retained picture equals the database.
    wait_until(lambda: board_matches(store, state_watcher))
    wait_until(lambda: state_watcher.state.get("queue_stats") == state.stats(db))
    for code in SERVICES:
        wait_until(lambda code=code: state_watcher.state.get(f"line/{code}") ==
                   state.line(db, code))


def test_the_hub_restarted_midway_loses_nothing_and_continues_numbering(
        sample_centre, hub_config, make_node):
    store = sample_centre
    hub = Gateway(hub_config, store).start()
    assert hub.bus.wait_connected(10)
    dispenser = make_node("dispenser", "dispenser-1")
    shown = [take_ticket(dispenser, "ho-tich")["result"]["display"] for _ in range(5)]
    hub.stop()
    # A press while the hub is down: the request waits at the broker (the hub's
    # persistent session); the dispenser retries with the same id.
    pending = TICKET.make(service="ho-tich")
    with contextlib.suppress(RequestTimeout):
        ask(dispenser, "ticket", pending, timeout=0.5)
    store2 = Store(hub_config.database)  # a new process would open the file afresh
    hub = Gateway(hub_config, store2).start()
    try:
        assert hub.bus.wait_connected(10)
        retried = ask(dispenser, "ticket", pending)
        shown.append(retried["result"]["display"])
        shown.append(take_ticket(dispenser, "ho-tich")["result"]["display"])
    finally:
        hub.stop()
        store2.close()
    assert shown == ["A001", "A002", "A003", "A004", "A005", "A006", "A007"]
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == 7


def test_an_unknown_centre_topic_state_is_parsed_for_displays(center):
    t = Topics(center)
    assert t.parse(t.hub_event("announce")).kind == "hub-event"
    assert t.parse(t.state("board", "main")).name == "board/main"


def test_a_new_day_clears_yesterdays_ticket_pages_from_the_broker(queue_hub, broker, center,
                                                                   store):
    import datetime as dt

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from central.queue import api

    def publish(out):
        for topic, payload, retain in out:
            queue_hub.publish_state(topic, payload, retain)

    def retained_tickets():
        seen = {}
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{id(seen)}")
        c.on_message = lambda cl, u, m: seen.__setitem__(m.topic, m.payload)
        c.connect("127.0.0.1", broker.port)
        c.loop_start()
        c.subscribe(f"motcua/{center}/state/ticket/#")
        import time
        time.sleep(0.7)
        c.loop_stop()
        c.disconnect()
        return {t for t, p in seen.items() if p}

    topics = Topics(center)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with store.write() as db:
        old, out = api.issue_ticket(db, topics, "ho-tich", now=yesterday)
    publish(out)
    wait_until(lambda: topics.ticket_state(old["token"]) in retained_tickets(), timeout=5)
    with store.write() as db:
        new, out = api.issue_ticket(db, topics, "ho-tich")
    publish(out)
    assert new["display"] == "A001"  # numbering restarted
    left = retained_tickets()
    assert topics.ticket_state(new["token"]) in left
    assert topics.ticket_state(old["token"]) not in left
    assert store.db.execute("select status from tickets where id = ?",
                            [old["ticket_id"]]).fetchone() == ("cancelled",)
