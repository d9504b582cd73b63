"""Button press to hall board: the counter's "next" key until the board shows the call.

A real Mosquitto, the hub's gateway over the sample centre with enough
tickets waiting, a counter node on gpiozero's MockFactory, and a watcher
subscribed to ``state/board/main`` as a hall display is. Each sample starts
when the mock pin of the "next" key goes low and ends when a board arrives
whose newest call is the new number: debounce, the worker thread, the
``counter_command`` request, the hub's transaction (``synchronous=FULL``) and
the retained board's trip back through the broker.

    .venv/bin/python bench/counter.py [--presses 500]
"""

from __future__ import annotations

import logging
import statistics
import threading
import time

from central.bus.gateway import Gateway
from central.queue import api
from common import Echo, Run, durable_commit_ms, floor_round_trips, percentile
from counter.node import Counter
from motcua.bus import BusClient, Topics
from motcua.bus.paho import PahoTransport
from motcua.config import MqttConfig, from_dict

CENTER = "bench"


def main() -> None:
    run = Run("counter.py", __doc__,
              setup=lambda p: p.add_argument("--presses", type=int, default=500))
    presses = run.pick(run.args.presses, 30)
    logging.basicConfig(level=logging.WARNING)

    work = run.tmp
    with run.broker() as broker:
        hub_config, store = run.hub_store(broker.port, center=CENTER)
        topics = Topics(CENTER)
        with store.write() as db:
            for _ in range(presses + 5):
                api.issue_ticket(db, topics, "ho-tich")
        gateway = Gateway(hub_config, store).start()
        node = Counter(from_dict(Counter.config_class, {
            "center": CENTER, "node_id": "counter-1", "simulate": True,
            "mqtt": {"port": broker.port},
            # The hub's next_again_s is 0 (run.hub_store): this measures each
            # press's way to the board, a press every ~0.1 s.
            "keypad": {"counters": [1], "next": [17]},
            "display": {"image_dir": str(work / "display")}})).start()
        watcher = BusClient(PahoTransport(from_dict(MqttConfig, {"port": broker.port}),
                                          client_id="bench-board"), topics)
        newest = {"display": None}
        changed = threading.Event()

        def on_board(incoming):
            calls = incoming.data["calls"]
            display = calls[0]["display"] if calls else None
            if display != newest["display"]:
                newest["display"] = display
                changed.set()

        watcher.subscribe(topics.state("board", "main"), on_board)
        watcher.start()
        assert gateway.bus.wait_connected(10) and node.bus.wait_connected(10)
        assert watcher.wait_connected(10)
        time.sleep(0.5)  # the retained board (no calls yet) has arrived
        pin = node.units[1].keys["next"].button.pin
        samples = []
        for _ in range(presses):
            changed.clear()
            start = time.perf_counter()
            pin.drive_low()
            if not changed.wait(10):
                raise RuntimeError("the board did not change after a press")
            samples.append((time.perf_counter() - start) * 1000)
            pin.drive_high()
            time.sleep(node.config.keypad.settle_s + 0.01)  # released, as a finger lets go
        called = store.db.execute("select count(*) from ticket_events where action = 'next'"
                                  ).fetchone()[0]
        node.stop()
        watcher.stop()
        gateway.stop()
        # The floor, in the same run: a request through the broker to a process
        # that answers with nothing, plus the durable commit every call makes.
        with Echo(broker.port) as echo:  # noqa: F841 (answers while it is open)
            floor = floor_round_trips(broker.port, run.pick(500, 30))
        commit = durable_commit_ms(work, run.pick(300, 30))
    run.close()
    f50 = percentile(floor, 50) + percentile(commit, 50)
    f99 = percentile(floor, 99) + percentile(commit, 99)

    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    mean, worst = statistics.fmean(samples), max(samples)
    print(f"{len(samples)} presses, {called} calls: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"mean {mean:.1f} ms, max {worst:.1f} ms")
    body = f"""## Counter key to hall board (bench/counter.py)

The "next" key of a counter node (gpiozero MockFactory pin) until a hall
board (`state/board/main`) showing the new call arrives at a subscriber,
through a real Mosquitto and the hub (sample centre, SQLite `synchronous=FULL`).
{len(samples)} presses, {called} calls made (one per press).

| | p50 | p99 | mean | max |
|---|---|---|---|---|
| key → board | {p50:.1f} ms | {p99:.1f} ms | {mean:.1f} ms | {worst:.1f} ms |
| floor (see below) | {f50:.1f} ms | {f99:.1f} ms | | |
| key → board / floor | {p50 / f50:.1f}× | {p99 / f99:.1f}× | | |

The floor: a bare round trip through the broker to a process answering with
nothing, and one durable SQLite commit, both measured in this run (a press
counts on its edge; the debounce delays only the next press).
"""
    run.report(body)


if __name__ == "__main__":
    main()
