"""One simulated node of the fault suite, as its own process, under steady load.

The real node classes on fake hardware (gpiozero mock pins, the folder
printer, the dummy display), driven the way citizens and officers drive
them, each step written to a journal (JSON lines, flushed at once, times on
the machine-wide monotonic clock) so the suite can check and time what
happened even if it kills this process::

    python -m tests.fault_floor dispenser node.json journal.jsonl
    python -m tests.fault_floor counter node.json journal.jsonl

``node.json`` holds the node's settings (as a TOML file would) and a
``load`` table: ``period`` (seconds between two presses of a dispenser
button / two ``next`` of a counter) and ``seed``. Commands on stdin, one a
line: ``stop`` (stop pressing, deliver everything, exit) and, for a counter,
``drain`` (call ``next`` until no one waits, deliver the ratings, exit).
"""

from __future__ import annotations

import json
import logging
import random
import sys
import threading
import time
from pathlib import Path

from motcua.config import from_dict

LEVELS = ("very_satisfied", "satisfied", "neutral", "dissatisfied")


class Journal:
    def __init__(self, path: str):
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by exit
        self._lock = threading.Lock()

    def write(self, kind: str, **fields) -> None:
        line = json.dumps({"t": time.monotonic(), "kind": kind, **fields}, ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()


def _watch_link(node, journal: Journal) -> None:
    node.bus.on_connection_change(lambda up: journal.write("link", up=up))


def run_dispenser(settings: dict, journal: Journal) -> None:
    from dispenser.config import DispenserConfig
    from dispenser.node import Dispenser

    load = settings.pop("load")
    if load.get("clock_offset_s"):
        _wrong_clock(load["clock_offset_s"])
    node = Dispenser(from_dict(DispenserConfig, settings))
    _watch_link(node, journal)
    node.start()
    rng = random.Random(load.get("seed", 1))
    stop = threading.Event()
    threading.Thread(target=lambda: (_wait_for(sys.stdin, "stop"), stop.set()),
                     daemon=True).start()
    seen = 0

    def report() -> None:
        nonlocal seen
        while seen < len(node.printed):
            p = node.printed[seen]
            seen += 1
            journal.write("printed", service=p.service, display=p.display, offline=p.offline,
                          error=p.error, pressed_at=p.pressed_at, printed_at=p.printed_at)

    presses = 0
    while not stop.wait(load["period"]):
        service = rng.choice(node.services)
        journal.write("press", service=service)
        node.press(service)
        presses += 1
        report()
    node.wait_idle(60)
    report()
    # Everything printed offline (and every request given up) reaches the hub.
    deadline = time.monotonic() + 120
    while (node.outbox.pending_count() or not node.link_up) and time.monotonic() < deadline:
        node.jobs.put(None)
        time.sleep(0.2)
    journal.write("done", presses=presses, pending=node.outbox.pending_count(),
                  offline_tickets=[dict(r) for r in node.outbox.tickets()],
                  abandoned=node.outbox.abandoned("delivered"))
    node.stop()


def _wrong_clock(offset_s: float) -> None:
    """This process's idea of the time of day runs ``offset_s`` ahead (a Pi with no RTC
    and no NTP yet): what it stamps on tickets and messages."""
    import datetime as dt

    import motcua.bus.messages
    import motcua.ticketing.outbox

    def now_iso() -> str:
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_s)
        return moment.isoformat(timespec="milliseconds")

    motcua.bus.messages.now_iso = now_iso
    motcua.ticketing.outbox.now_iso = now_iso


def run_counter(settings: dict, journal: Journal) -> None:
    from counter.config import CounterConfig
    from counter.node import Counter

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from common import officer_next  # bench/common.py: the simulated officer's rule

    load = settings.pop("load")
    node = Counter(from_dict(CounterConfig, settings))
    _watch_link(node, journal)
    node.start()
    unit = next(iter(node.units.values()))

    def shown() -> None:  # what the counter's number display shows, on each change
        last = None
        while not node._stopping.is_set():
            v = unit.view(time.monotonic())
            now = (v.number, v.status, v.online, v.known)
            if now != last:
                journal.write("shown", number=v.number, status=v.status, online=v.online,
                              known=v.known)
                last = now
            time.sleep(0.02)

    threading.Thread(target=shown, daemon=True).start()
    rng = random.Random(load.get("seed", 1))
    command = {"word": None}

    def read() -> None:
        for line in sys.stdin:
            command["word"] = line.strip()

    threading.Thread(target=read, daemon=True).start()
    # A restarted counter may wait before its officer's first key (until told to drain).
    pause_until = time.monotonic() + load.get("delay", 0)
    while time.monotonic() < pause_until and command["word"] is None:
        time.sleep(0.1)

    def step(action: str = "next") -> dict | None:
        answer = unit.command(action)
        result = (answer or {}).get("result") or {}
        journal.write("command", action=action, ok=bool(answer and answer.get("ok")),
                      error=((answer or {}).get("error") or {}).get("code") if answer else
                      "no_answer", current=(result.get("current") or {}).get("display"))
        finished = result.get("finished")
        if finished:
            level = rng.choice(LEVELS)
            unit.rate(finished, level)
            journal.write("rated", ticket_id=finished["ticket_id"],
                          display=finished.get("display"), level=level)
        return answer

    while command["word"] not in ("drain", "stop"):
        time.sleep(load["period"])
        if command["word"] is None:
            step()
    def press(action: str) -> dict | None:  # the hub's result, None if refused or lost
        answer = step(action)
        return (answer.get("result") or {}) if answer and answer.get("ok") else None

    if command["word"] == "drain":
        empty, serving = 0, None
        deadline = time.monotonic() + 120
        while empty < 2 and time.monotonic() < deadline:
            ok, serving = officer_next(press, serving)
            empty = empty + 1 if ok and serving is None else 0
            if not ok:
                time.sleep(0.5)
        deadline = time.monotonic() + 60
        while node.outbox is not None and len(node.outbox) and time.monotonic() < deadline:
            node.wake()
            time.sleep(0.2)
    journal.write("done", outbox=len(node.outbox) if node.outbox is not None else 0)
    node.stop()


def run_display(settings: dict, journal: Journal) -> None:
    from display.node import DisplayConfig, HallDisplay

    settings.pop("load", None)
    node = HallDisplay(from_dict(DisplayConfig, settings))
    _watch_link(node, journal)

    def shown() -> None:  # the board the screen draws, on each change
        last = None
        while not node._stopping.is_set():
            v = node.model.view()
            now = json.dumps([v.online, [(c.get("counter"), c.get("display"))
                                         for c in v.counters]], default=str)
            if now != last:
                journal.write("shown", online=v.online,
                              counters={str(c.get("counter")): c.get("display")
                                        for c in v.counters})
                last = now
            time.sleep(0.02)

    threading.Thread(target=shown, daemon=True).start()
    node.run()  # until SIGTERM


def _wait_for(stream, word: str) -> None:
    for line in stream:
        if line.strip() == word:
            return


def main(argv: list[str]) -> int:
    role, settings_file, journal_file = argv
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = json.loads(Path(settings_file).read_text(encoding="utf-8"))
    journal = Journal(journal_file)
    journal.write("start", role=role, pid=__import__("os").getpid())
    roles = {"dispenser": run_dispenser, "counter": run_counter, "display": run_display}
    roles[role](settings, journal)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
