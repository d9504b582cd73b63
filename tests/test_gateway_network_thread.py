"""The hub answers requests on its bus client's network thread (issue 25).

With paho's client (ours, ``motcua/bus/paho.py``) the gateway hands no
request to another thread: the network thread reads what the socket holds,
answers it in batches of one commit each, and publishes the state it changed,
coalesced. With any other transport a worker thread does the same. Over the
real Mosquitto.
"""

import threading
import time

from central.bus.gateway import Gateway
from central.queue import setup, state
from motcua.bus import paho as transport

from .conftest import wait_until
from .test_queue_bus import take_ticket


def test_a_burst_larger_than_a_batch_gets_one_answer_and_one_number_each(
        queue_hub, make_node, store, state_watcher):
    assert queue_hub._on_network_thread and queue_hub._worker is None
    # The WAL is copied into the database file by the store's thread (central/store).
    assert store.checkpointing
    dispensers = [make_node("dispenser", f"dispenser-{i}") for i in (1, 2, 3)]
    count = 3 * Gateway.MAX_BATCH  # more than one batch waits at once
    answers: list[dict] = []
    lock = threading.Lock()

    def one(i):
        answer = take_ticket(dispensers[i % 3], "ho-tich")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == count and all(a["ok"] for a in answers), answers[:3]
    numbers = [a["result"]["display"] for a in answers]
    assert len(set(numbers)) == count
    assert store.db.execute("select count(*) from tickets").fetchone()[0] == count
    # The state coalesced over the burst is the store's once it is over.
    wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == count,
               timeout=10)


def test_state_still_pending_at_stop_is_published(hub_config, store, make_node,
                                                  state_watcher):
    setup.load_file(store, setup.SAMPLE, actor="test")
    hub = Gateway(hub_config, store).start()
    try:
        assert hub.bus.wait_connected(10)
        hub.STATE_GAP = 30.0  # the second ticket's state waits (coalesced)
        dispenser = make_node("dispenser", "dispenser-1")
        assert take_ticket(dispenser, "ho-tich")["ok"]
        wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 1)
        assert take_ticket(dispenser, "ho-tich")["ok"]
        # Held once the answer is out (the answer goes first).
        wait_until(lambda: hub._pending)
    finally:
        hub.stop()
    assert not store.checkpointing  # the store's checkpointer stops with the hub
    wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 2)
    assert [q["display"] for q in state_watcher.state["line/ho-tich"]["queue"]] == \
        ["A001", "A002"]


def test_a_request_that_comes_during_a_publication_is_answered_before_the_rest_of_it(
        hub_config, store, make_node, state_watcher, monkeypatch):
    # Issue 25: the state a ticket changed (board, line, the ticket's page) is
    # built and sent one state at a time, paho reading the socket in between; a
    # ticket asked while the board is being built is answered before the line
    # is built, not after the whole publication (which was the hub's own share
    # of a ticket's p99).
    setup.load_file(store, setup.SAMPLE, actor="test")
    hub = Gateway(hub_config, store).start()
    try:
        assert hub.bus.wait_connected(10)
        dispenser = make_node("dispenser", "dispenser-1")
        wait_until(lambda: "line/ho-tich" in state_watcher.state)  # republished at connect
        time.sleep(0.3)  # and all of it built
        building, lines_saw = threading.Event(), []
        real_board, real_line = state.board, state.line

        def slow_board(db, hall, day=None):
            if not building.is_set():
                building.set()
                time.sleep(0.5)  # the second ticket is asked meanwhile
            return real_board(db, hall, day)

        def line(db, code, day=None):
            built = real_line(db, code, day)
            lines_saw.append(built["waiting"])
            return built

        monkeypatch.setattr(state, "board", slow_board)
        monkeypatch.setattr(state, "line", line)
        assert take_ticket(dispenser, "ho-tich")["ok"]
        assert building.wait(10)
        assert take_ticket(dispenser, "ho-tich")["ok"]
        # The first publication's line was built once the second ticket was in
        # the store: the ticket did not wait for it.
        wait_until(lambda: lines_saw, timeout=10)
        assert lines_saw[0] == 2, lines_saw
        # And what the screens hold in the end is the store's.
        wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 2)
        wait_until(lambda: {w["service"]: w["waiting"] for w in
                            state_watcher.state["board/main"]["waiting"]}["ho-tich"] == 2)
        assert state_watcher.state["board/main"] == real_board(store.db, "main")
        assert state_watcher.state["line/ho-tich"]["queue"] == \
            real_line(store.db, "ho-tich")["queue"]
    finally:
        hub.stop()


def test_with_another_paho_a_worker_thread_answers(hub_config, store, make_node,
                                                   state_watcher, monkeypatch):
    monkeypatch.setattr(transport, "LEAN", False)
    setup.load_file(store, setup.SAMPLE, actor="test")
    hub = Gateway(hub_config, store).start()
    try:
        assert hub.bus.wait_connected(10)
        assert not hub._on_network_thread and hub._worker.is_alive()
        dispenser = make_node("dispenser", "dispenser-1")
        answer = take_ticket(dispenser, "ho-tich")
        assert answer["ok"] and answer["result"]["display"] == "A001"
        wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 1)
    finally:
        hub.stop()


def test_a_hook_busy_longer_than_the_keepalive_keeps_the_link(broker):
    # The hub's batch may wait for a store another process holds (busy timeout
    # 10 s) on paho's own thread: the broker, hearing nothing for 1.5 keep-alives,
    # would drop the link and tell every node the hub is offline.
    import time

    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    ours = PahoTransport(from_dict(MqttConfig, {"port": broker.port, "keepalive": 2}),
                         client_id="busy-hook")
    connected, subscribed = threading.Event(), threading.Event()
    lost, got, busy = [], [], threading.Event()
    ours.on_connect = lambda session: connected.set()
    ours.on_subscribed = lambda token: subscribed.set()
    ours.on_disconnect = lost.append
    ours.on_message = lambda incoming: got.append(incoming.payload)

    def hook():
        if busy.is_set():
            busy.clear()
            time.sleep(7)  # 3.5 keep-alives
        return None

    assert ours.after_reads(hook)
    ours.start()
    try:
        assert connected.wait(10)
        ours.subscribe("busy/#", 1)
        assert subscribed.wait(10)
        busy.set()
        ours.publish("busy/1", b"first", 1)
        wait_until(lambda: not busy.is_set(), timeout=5)  # the hook is asleep
        time.sleep(7.5)
        ours.publish("busy/2", b"after", 1)
        wait_until(lambda: b"after" in got, timeout=5)
        assert not lost, lost
    finally:
        ours.stop()
