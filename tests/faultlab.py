"""The fault suite's laboratory: a small centre of real processes, faults, and the check.

- Mosquitto from ``broker-config/test.conf`` (:class:`motcua.broker.Mosquitto`),
  killed and restarted on the same port with the same persistence folder;
- the hub as a process (``python -m motcua hub``), SIGKILLed and restarted
  on the same SQLite file;
- simulated nodes as processes (:mod:`tests.fault_floor`): a dispenser
  pressed every ``period`` seconds, counters calling ``next`` and rating;
- a :class:`~tests.tcp_proxy.LoopbackProxy` between a node and the broker that
  resets its connections or black-holes them;
- :meth:`Lab.check`: the whole state at the end, as a supervisor would audit
  it (see :func:`whole_state`).

::

    with Lab(tmp_path, proxied=("dispenser-1",)) as lab:
        lab.start()
        time.sleep(5)
        lab.kill_hub(); lab.start_hub()
        report = lab.finish()          # stop the load, drain, check: raises on a breach
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from motcua.broker import Mosquitto

from .hub_process import start_hub
from .tcp_proxy import LoopbackProxy

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVICES = ("ho-tich", "dang-ky-kinh-doanh")
COUNTERS = {"counter-2": 2, "counter-4": 4}  # ho-tich, dang-ky-kinh-doanh (sample centre)


class Breach(AssertionError):
    """The whole-state check found something lost, doubled or wrong."""


# --- The laboratory --------------------------------------------------------------


class Lab:
    def __init__(self, root: Path, *, center: str | None = None, proxied=(),
                 press_period: float = 0.5, call_period: float = 0.8,
                 node_keepalive: int = 3, hub_keepalive: int = 2, block_size: int = 30,
                 request_timeout: float = 2.0, database: Path | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.center = center or f"f{os.getpid()}{int(time.time()) % 100000}"
        self.broker = Mosquitto(PROJECT / "broker-config" / "test.conf",
                                data_dir=self.root / "broker")
        self.database = Path(database or self.root / "hub.db")
        self.http_port = 0  # the running hub's, which it chose (tests/hub_process.py)
        self.proxied = set(proxied)
        self.proxy: LoopbackProxy | None = None
        self.press_period, self.call_period = press_period, call_period
        self.node_keepalive, self.hub_keepalive = node_keepalive, hub_keepalive
        self.block_size, self.request_timeout = block_size, request_timeout
        self.dispenser_load: dict = {}  # more load settings (e.g. clock_offset_s)
        self.hub: subprocess.Popen | None = None
        self.nodes: dict[str, subprocess.Popen] = {}
        self.marks: dict[str, float] = {}
        self._logs: list = []

    # Pieces ------------------------------------------------------------------
    def start(self) -> Lab:
        self.broker.start()
        if self.proxied:
            self.proxy = LoopbackProxy(self.broker.port)
        self.load_centre()
        self.start_hub()
        for node_id in ("dispenser-1", *COUNTERS):
            self.start_node(node_id)
        for node_id in ("dispenser-1", *COUNTERS):
            self.wait_journal(node_id, lambda e: e["kind"] == "link" and e["up"], 20)
        return self

    def load_centre(self) -> None:
        from central.queue import setup
        from central.store import Store

        store = Store(self.database)
        setup.load_file(store, setup.SAMPLE, actor="faults")
        store.close()

    def hub_config(self) -> Path:
        path = self.root / "hub.toml"
        path.write_text(
            f'center = "{self.center}"\n'
            'center_name = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"\n'
            f'database = "{self.database}"\nlog_level = "INFO"\n'
            f"[http]\nhost = \"127.0.0.1\"\n"
            f"[mqtt]\nport = {self.broker.port}\nkeepalive = {self.hub_keepalive}\n",
            encoding="utf-8")
        return path

    def _log(self, name: str):
        f = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - closed in close()
        self._logs.append(f)
        return f

    def start_hub(self) -> float:
        """Start the hub process; returns the moment (monotonic) it was started."""
        log = self._log("hub")
        started = time.monotonic()
        try:
            self.hub = start_hub(self.hub_config(), timeout=30, cwd=PROJECT, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        except AssertionError as e:
            raise RuntimeError(f"{e}; see hub.log") from None
        self.http_port = self.hub.http_port
        return started

    def kill_hub(self) -> float:
        """SIGKILL the hub, as a power cut would; returns the moment."""
        at = time.monotonic()
        self.hub.send_signal(signal.SIGKILL)
        self.hub.wait()
        return at

    def stop_hub(self) -> None:
        if self.hub and self.hub.poll() is None:
            self.hub.terminate()
            try:
                self.hub.wait(15)
            except subprocess.TimeoutExpired:
                self.hub.kill()
                self.hub.wait()

    def node_settings(self, node_id: str) -> dict:
        folder = self.root / node_id
        port = self.proxy.port if node_id in self.proxied and self.proxy else self.broker.port
        base = {"center": self.center, "node_id": node_id, "simulate": True,
                "log_level": "INFO",
                "mqtt": {"port": port, "keepalive": self.node_keepalive}}
        if node_id.startswith("dispenser"):
            return {**base, "buttons": [f"{s}={17 + 10 * i}" for i, s in enumerate(SERVICES)],
                    "outbox": str(folder / "outbox.db"), "keys_on_stdin": False,
                    "printer": {"kind": "folder", "path": str(folder / "tickets")},
                    "public_url": "http://hub.test", "block_size": self.block_size,
                    "renew_below": max(3, self.block_size // 3),
                    "request_timeout": self.request_timeout,
                    "load": {"period": self.press_period, "seed": 11,
                             **self.dispenser_load}}
        if node_id.startswith("display"):
            return {**base, "frames_dir": str(folder / "frames"),
                    "voice": {"clips": str(folder / "voice"), "wav_dir": str(folder / "sound")},
                    "led": {"frames_dir": str(folder / "led")}}
        return {**base, "keypad": {"counters": [COUNTERS[node_id]]},
                "rating": {"buttons": [5, 6, 13, 19], "leds": [20, 21, 22, 23],
                           "outbox": str(folder / "rating-outbox.sqlite")},
                "display": {"image_dir": str(folder / "display")},
                "load": {"period": self.call_period, "seed": COUNTERS[node_id]}}

    def start_node(self, node_id: str, **load) -> float:
        """Start a simulated node's process; returns the moment (monotonic)."""
        role = node_id.split("-")[0]
        settings = self.root / f"{node_id}.json"
        values = self.node_settings(node_id)
        if load:
            values["load"] = {**values["load"], **load}
        settings.write_text(json.dumps(values), encoding="utf-8")
        started = time.monotonic()
        self.nodes[node_id] = subprocess.Popen(
            [PYTHON, "-m", "tests.fault_floor", role, str(settings),
             str(self.journal_path(node_id))],
            cwd=PROJECT, stdin=subprocess.PIPE, stdout=self._log(node_id),
            stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
        return started

    def kill_node(self, node_id: str) -> float:
        at = time.monotonic()
        self.nodes[node_id].send_signal(signal.SIGKILL)
        self.nodes[node_id].wait()
        return at

    def tell(self, node_id: str, word: str) -> None:
        proc = self.nodes[node_id]
        proc.stdin.write(f"{word}\n".encode())
        proc.stdin.flush()

    def kill_broker(self) -> float:
        at = time.monotonic()
        self.broker.kill()
        return at

    def start_broker(self) -> float:
        at = time.monotonic()
        self.broker.start()
        return at

    # Journals ------------------------------------------------------------------
    def journal_path(self, node_id: str) -> Path:
        return self.root / f"{node_id}.jsonl"

    def journal(self, node_id: str) -> list[dict]:
        path = self.journal_path(node_id)
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):  # a line cut by SIGKILL
                out.append(json.loads(line))
        return out

    def wait_journal(self, node_id: str, predicate, timeout: float, after: float = 0.0):
        """The first journal entry (after ``after``) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            for entry in self.journal(node_id):
                if entry["t"] >= after and predicate(entry):
                    return entry
            if time.monotonic() > deadline:
                raise Breach(f"{node_id}: nothing awaited in its journal within {timeout} s")
            time.sleep(0.1)

    def online_ticket_after(self, moment: float, timeout: float = 60) -> float:
        """When the dispenser next printed a ticket the hub issued (online) after ``moment``."""
        entry = self.wait_journal(
            "dispenser-1", lambda e: e["kind"] == "printed" and not e["offline"]
            and e["display"] and e["pressed_at"] >= moment, timeout)
        return entry["printed_at"]

    # The end -------------------------------------------------------------------
    def finish(self, timeout: float = 180) -> dict:
        """Stop the load, let everything be delivered and every ticket end, then check."""
        self.tell("dispenser-1", "stop")
        self.nodes["dispenser-1"].wait(timeout)
        for node_id in [n for n in self.nodes if n.startswith("display")]:
            self.nodes[node_id].terminate()
            self.nodes[node_id].wait(timeout)
        for node_id in COUNTERS:
            if self.nodes[node_id].poll() is None:
                self.tell(node_id, "drain")
        for node_id in COUNTERS:
            self.nodes[node_id].wait(timeout)
        board = self.retained_state()
        self.stop_hub()
        return whole_state(self.database, {n: self.journal(n) for n in self.nodes}, board,
                           self.center)

    def retained_state(self, settle: float = 1.5) -> dict:
        """The retained queue state as a display rebooted now would get it."""
        from motcua.bus import BusClient, Topics
        from motcua.bus.paho import PahoTransport
        from motcua.config import MqttConfig, from_dict

        time.sleep(settle)  # the hub's last publications after the last commit
        topics = Topics(self.center)
        got: dict[str, dict] = {}
        client = BusClient(PahoTransport(from_dict(MqttConfig, {"port": self.broker.port}),
                                         client_id=f"audit-{self.center}"), topics)

        def keep(incoming):
            got[incoming.topic[len(topics.base) + len("/state/"):]] = incoming.data

        for kind in ("board", "line", "counter"):
            client.subscribe(f"{topics.base}/state/{kind}/+", keep)
        client.start()
        if not client.wait_connected(10):
            raise Breach("the audit client could not reach the broker")
        time.sleep(1.0)
        client.stop()
        return got

    def close(self) -> None:
        for proc in [*self.nodes.values(), self.hub]:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.proxy:
            self.proxy.close()
        self.broker.stop()
        for f in self._logs:
            f.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- The whole-state check ---------------------------------------------------------


def whole_state(database: Path, journals: dict[str, list[dict]], retained: dict,
                center: str) -> dict:
    """Check the whole state after a scenario; return the counts, raise :class:`Breach`.

    - every press printed exactly one ticket, no number printed twice;
    - the hub holds exactly the tickets printed, plus requests the dispenser
      gave up, each of which ended cancelled (no ghost left waiting);
    - every ticket ended exactly once (one final event, a final status);
    - no number repeats within a service and day;
    - every rating pressed counted once;
    - the retained board, lines and counters equal what the database says;
    - ``PRAGMA integrity_check`` is ``ok``.
    """
    from central.queue import state

    problems: list[str] = []
    disp = journals["dispenser-1"]
    presses = [e for e in disp if e["kind"] == "press"]
    printed = [e for e in disp if e["kind"] == "printed"]
    done = next((e for e in disp if e["kind"] == "done"), None)
    if done is None:
        problems.append("the dispenser did not finish (no 'done' in its journal)")
        done = {"pending": None, "abandoned": []}
    if len(printed) != len(presses):
        problems.append(f"{len(presses)} presses but {len(printed)} print attempts")
    failed = [e for e in printed if e["error"] or not e["display"]]
    if failed:
        problems.append(f"{len(failed)} presses printed nothing: {failed[:3]}")
    shown = [(e["service"], e["display"]) for e in printed if e["display"]]
    if len(shown) != len(set(shown)):
        problems.append("a number was printed twice")
    if done.get("pending"):
        problems.append(f"{done['pending']} offline tickets never reached the hub")

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    integrity = conn.execute("pragma integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    rows = [dict(r) for r in conn.execute(
        "select t.id, t.display, t.status, s.code as service, t.day, t.number, "
        "t.issued_service_id from tickets t join services s on s.id = t.issued_service_id "
        "where t.source_node = 'dispenser-1'")]
    # Tickets the hub issued for requests the dispenser gave up on (their answer
    # was late or lost): the dispenser printed from its block instead.
    given_up = [a["request"] for a in done.get("abandoned") or []]
    ghost_ids = set()
    for (response,) in conn.execute(
            "select response from bus_messages where node_id = 'dispenser-1' and "
            f"message_id in ({','.join('?' * len(given_up))})", given_up):
        result = (json.loads(response) if response else {}).get("result") or {}
        if result.get("ticket_id"):
            ghost_ids.add(result["ticket_id"])
    held = sorted((r["service"], r["display"]) for r in rows if r["id"] not in ghost_ids)
    if held != sorted(shown):
        missing = set(shown) - set(held)
        extra = set(held) - set(shown)
        problems.append(f"hub and paper differ: printed not at hub {sorted(missing)[:5]}, "
                        f"at hub never printed (ghosts) {sorted(extra)[:5]}")
    ghosts = [r for r in rows if r["id"] in ghost_ids]
    ghosts_left = [r for r in ghosts if r["status"] == "waiting"]
    if ghosts_left:
        problems.append(f"ghost tickets still waiting: {ghosts_left}")
    abandoned_ids = {r[0] for r in conn.execute(
        "select ticket_id from ticket_events where action = 'abandon'")}
    not_ended = conn.execute("select count(*) from tickets where status not in "
                             "('done', 'no_show', 'cancelled')").fetchone()[0]
    if not_ended:
        problems.append(f"{not_ended} tickets never ended")
    twice = conn.execute(
        "select count(*) from (select ticket_id from ticket_events where to_status in "
        "('done', 'no_show', 'cancelled') group by ticket_id having count(*) <> 1)"
        ).fetchone()[0]
    if twice:
        problems.append(f"{twice} tickets ended other than exactly once")
    repeats = conn.execute(
        "select count(*) from (select 1 from tickets group by day, issued_service_id, number "
        "having count(*) > 1)").fetchone()[0]
    if repeats:
        problems.append(f"{repeats} numbers repeat within a service and day")

    rated = [e for n in COUNTERS for e in journals.get(n, []) if e["kind"] == "rated"]
    hub_ratings = [r[0] for r in conn.execute("select ticket_id from ratings")]
    if sorted(e["ticket_id"] for e in rated) != sorted(hub_ratings):
        problems.append(f"{len(rated)} ratings pressed, {len(hub_ratings)} counted")
    for n in COUNTERS:
        end = next((e for e in journals.get(n, []) if e["kind"] == "done"), None)
        if end is None or end["outbox"]:
            problems.append(f"{n} did not deliver its ratings ({end})")

    # The retained picture equals the database's.
    import sqlite_utils

    from motcua.bus import Topics

    db = sqlite_utils.Database(conn)
    expected = {}
    for topic, payload, _ in state.everything(db, Topics(center)):
        key = topic.split("/state/", 1)[1] if "/state/" in topic else topic
        if key.split("/")[0] in ("board", "line", "counter"):
            expected[key] = payload() if callable(payload) else payload
    differ = [k for k in expected if retained.get(k) != expected[k]]
    if differ:
        problems.append(f"retained state differs from the database: {differ[:5]}")
    counts = {
        "presses": len(presses), "printed": len(shown),
        "printed_offline": sum(1 for e in printed if e["offline"] and e["display"]),
        "hub_tickets": conn.execute("select count(*) from tickets").fetchone()[0],
        "requests_given_up": len(given_up),
        "ghosts_cancelled": len(abandoned_ids),
        "ghosts_called_first": sum(1 for r in ghosts if r["id"] not in abandoned_ids),
        "ended": conn.execute("select count(*) from tickets where status in "
                              "('done', 'no_show', 'cancelled')").fetchone()[0],
        "ratings": len(hub_ratings), "retained_topics_compared": len(expected),
        "integrity": integrity,
    }
    conn.close()
    if problems:
        raise Breach("; ".join(problems) + f" (counts {counts})")
    return counts
