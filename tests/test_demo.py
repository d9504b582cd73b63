"""`motcua demo`: a day on the floor, its simulators, and a clean stop.

The long test runs the whole demo as a new user would (its own broker, hub and
node processes) for a minute at high speed, watches it from a real browser,
then presses Ctrl-C and checks what it left behind.
"""

import contextlib
import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import tomllib
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from motcua import clock
from motcua.broker import free_port

from .conftest import MOTCUA, PROJECT, wait_until

VN = dt.timezone(dt.timedelta(hours=7))
TERMINAL = ("done", "no_show", "cancelled")
OPEN = ("waiting", "called", "serving")
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|^\S+: Error", re.M)


# --- The simulated floor, over the test broker and hub ---------------------------------------

def test_the_day_has_a_morning_peak_a_lunch_break_and_wraps_at_closing():
    from demo import floor as demo_floor

    rates = demo_floor.ARRIVALS_PER_HOUR
    assert max(rates, key=rates.get) in (8, 9, 10)  # the morning peak
    assert rates[12] == 0 and not demo_floor.open_at(12.0)
    assert demo_floor.open_at(7.0) and demo_floor.open_at(16.9) and not demo_floor.open_at(17.0)
    floor = demo_floor.DemoFloor.__new__(demo_floor.DemoFloor)
    floor.start_hour, floor.speed, floor._t0 = 7.0, 3600.0, time.monotonic() - 10.5
    assert floor.day() == 2 and floor.clock() == "07:30"  # ten hours a day, nights skipped


def test_the_floor_presses_buttons_and_officers_call_serve_transfer_and_rate(
        queue_hub, broker, center, store, make_node, tmp_path):
    """Citizens' presses become tickets (as a dispenser's button would), officers work
    them on real counter nodes (two counters each, mock pins), pressing their keys."""
    from central.devices import bindings
    from counter import fake
    from demo.centre import COUNTER_NODES, _counter_settings
    from demo.floor import DISPENSER_BUTTONS, DemoFloor
    from motcua.bus import BusClient, Topics
    from motcua.bus.messages import TICKET
    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    mqtt = from_dict(MqttConfig, {"port": broker.port})
    topics = Topics(center)
    fingers = BusClient(PahoTransport(mqtt, client_id=f"fingers-{center}"), topics,
                        inbox=[f"{topics.base}/node/+/response/+"]).start()
    assert fingers.wait_connected(10)
    priority = {}

    # The demo's counter nodes, in this process: counter-1 drives counters 1 and 2...
    with store.write() as db:
        for number, node_id in COUNTER_NODES.items():
            if node_id != f"counter-{number}":
                bindings.link(db, node_id, number, actor="test")
    counters = {node_id: make_node("counter", node_id,
                                   **tomllib.loads(_counter_settings(node_id, tmp_path)))
                for node_id in sorted(set(COUNTER_NODES.values()))}
    typing = {node_id: threading.Lock() for node_id in counters}

    def press(node, key):
        if node in counters:  # a line as the demo types it on the node's stdin
            with typing[node]:
                assert fake.line_key(counters[node], key), key
            return
        if key == "p":
            priority[node] = True
            return
        fingers.request(topics.node_request(node, "ticket"), TICKET.make(
            service=DISPENSER_BUTTONS[node][int(key) - 1],
            priority="elderly" if priority.pop(node, False) else None),
            response_topic=topics.node_response(node, "ticket"))

    sample = tomllib.loads((PROJECT / "central/samples/thanhhoa.toml").read_text("utf-8"))
    # Counter 1's simulated officer signed in at 07:00, but the hub has nobody (or a
    # person since another time) there: the simulated officer stays away from it.
    floor = DemoFloor(mqtt, center, sample, press, speed=900, seed=3,
                      officers={1: "2026-11-27T00:00:00.000+00:00"},
                      counter_nodes=COUNTER_NODES).start()
    try:
        def busy_day():
            rows = dict(store.db.execute(
                "select action, count(*) from ticket_events group by action").fetchall())
            return rows.get("finish", 0) >= 20 and rows.get("transfer") and rows.get("no_show")

        wait_until(busy_day, timeout=90, interval=0.5)

        # Officers take a morning break of a said length through the keypad's pause
        # chooser: the hub says "Tạm nghỉ đến HH:MM" and the counter's OLED "Quay lại lúc
        # HH:MM" (the keypad's lengths in the demo's order: counter/unit.py).
        from counter.unit import PAUSE_MINUTES
        from demo.floor import PAUSE_KEY_ORDER
        assert PAUSE_KEY_ORDER == PAUSE_MINUTES

        def paused_view():
            for node in counters.values():
                for number, unit in node.units.items():
                    view = unit.view(time.monotonic())
                    if view.status == "paused" and view.back:
                        return number, view
            return None

        number, view = wait_until(paused_view, timeout=40, interval=0.05)
        # The officer reads the same state a moment after the node drew it.
        said = wait_until(lambda: next((b for b in reversed(floor.breaks)
                                        if b["counter"] == number), None), timeout=5)
        assert said["status_name"] == f"Tạm nghỉ đến {view.back}"
        # Said for one of the demo's lengths, from the hub's own now (a moment ago).
        left = (clock.from_iso(said["back_at"]) - clock.now()).total_seconds() / 60
        assert any(m - 1 < left <= m for m in (5, 10, 15, 30)), left
        wait_until(lambda: floor.summary().get("pauses", 0) >= 2, timeout=40, interval=0.2)
        wait_until(lambda: store.db.execute("select count(*) from ratings").fetchone()[0] >= 5,
                   timeout=10)
    finally:
        floor.stop()
        fingers.stop()
    summary = floor.summary()
    issued = store.db.execute("select count(*) from tickets").fetchone()[0]
    assert summary["citizens"] == issued
    assert 0 < summary["priority"] < issued
    assert store.db.execute(
        "select count(*) from tickets where priority_class_id is not null").fetchone()[0] \
        == summary["priority"]
    assert floor.taken_over(1) and not floor.taken_over(2)
    assert store.db.execute(
        "select count(*) from ticket_events e join counters c on c.id = e.counter_id "
        "where c.number = 1").fetchone()[0] == 0
    assert store.db.execute(
        "select count(distinct counter_id) from ticket_events").fetchone()[0] >= 10


# --- The demo page, in the hub -------------------------------------------------------------

def test_the_demo_page_serves_only_the_demos_pictures_and_only_in_a_demo(hub_config, app,
                                                                         client, tmp_path):
    from PIL import Image

    assert client.get("/demo").status_code == 404  # a real centre has no demo page
    folder = tmp_path / "demo-files"
    (folder / "display" / "frames").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(folder / "display" / "frames" / "latest.png")
    (folder / "hub.db").write_bytes(b"secret")
    hub_config.demo_dir = str(folder)
    page = client.get("/demo")
    assert page.status_code == 200 and "Trung tâm mô phỏng" in page.get_data(as_text=True)
    assert "connect-src 'self' ws://" in page.headers["Content-Security-Policy"]
    picture = client.get("/demo/picture/display/latest.png?v=1")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    for bad in ("/demo/picture/display/missing.png", "/demo/picture/database/hub.db",
                "/demo/picture/display/..%2F..%2Fhub.db", "/demo/picture/kiosk/a.exe"):
        assert client.get(bad).status_code == 404, bad
    assert client.get("/healthz").status_code == 200  # and the hub carries on


# --- The whole demo, as a new user runs it ----------------------------------------------------

class Output:
    """The demo's stdout, read on a thread so the demo never blocks on a full pipe."""

    def __init__(self, process):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process):
        for line in process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)


def _retained(port: int, topic: str) -> dict | None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    seen = {}
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{time.monotonic_ns()}")
    c.on_message = lambda cl, u, m: seen.__setitem__("data", json.loads(m.payload))
    c.connect("127.0.0.1", port)
    c.loop_start()
    c.subscribe(topic)
    deadline = time.monotonic() + 3
    while "data" not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    c.loop_stop()
    c.disconnect()
    return seen.get("data")


def _alive(pgids: list[int]) -> list[str]:
    """Processes still in any of these process groups."""
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) in pgids:
            left.append(f"{entry}: {stat.split(')')[0]})")
    return left


@pytest.mark.browser
def test_make_demo_runs_a_day_shows_it_live_and_ctrl_c_stops_everything(tmp_path, browser):
    port = free_port()
    folder = tmp_path / "demo"
    demo = subprocess.Popen(
        [*MOTCUA, "demo", "--http-port", str(port), "--dir", str(folder), "--speed", "120",
         "--seed", "7", "--check", "3600"], stdout=subprocess.PIPE, text=True, cwd=PROJECT)
    out = Output(demo)
    base = f"http://127.0.0.1:{port}"
    page = None
    pgids: list[int] = []
    try:
        started = time.monotonic()
        # Generous: the demo loads a centre and hashes passwords first, and the
        # machine may be shared (speed is measured in bench/, not asserted here).
        wait_until(lambda: "Ctrl-C" in out.text, timeout=90, interval=0.2)
        print(f"demo ready {time.monotonic() - started:.1f} s after start")
        text = out.text
        # Start-up says what it does, step by step, never silent for long (issue 22).
        steps = [int(n) for n in re.findall(r"^\[(\d+)/11\] ", text, re.M)]
        assert steps == list(range(1, 12)), text
        broker_port = int(re.search(r"Mosquitto: 127\.0\.0\.1:(\d+)", text).group(1))
        pgids += [int(p) for p in (folder / "demo.pids").read_text().split()]
        # The broker, the hub, two dispensers, ten counter nodes, a display, a kiosk.
        assert len(pgids) == 16
        for where in ("/demo", "/live", "/console", "/thu-tuc", "/tra-cuu", "/t/"):
            assert f"{base}{where}" in text, where
        accounts = dict(re.findall(r"^\s+(admin|giamsat|canbo)\s+\w+\s+(\S+)$", text, re.M))
        assert set(accounts) == {"admin", "giamsat", "canbo"}
        assert len(set(accounts.values())) == 3 and all(len(p) >= 10 for p in accounts.values())

        nodes = json.loads(urllib.request.urlopen(f"{base}/api/nodes", timeout=5).read())
        assert Counter(n["state"] for n in nodes["nodes"])["online"] == 14

        # The supervisor signs in with the printed password and watches the day grow.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "giamsat")
        page.fill("input[name=password]", accounts["giamsat"])
        page.click("button[type=submit]")
        page.goto(f"{base}/live")
        wait_until(lambda: "Đang cập nhật trực tiếp" in page.inner_text("#link"), timeout=15)
        first = {k: int(page.inner_text(f"[data-stat={k}]")) for k in ("issued", "done")}
        stats_first = _retained(broker_port, "motcua/thanhhoa/state/queue_stats")

        demo_page = context.new_page()
        demo_page.goto(f"{base}/demo")
        wait_until(lambda: demo_page.get_attribute("#frame-display", "src")
                   and demo_page.get_attribute("#frame-kiosk", "src"), timeout=20)
        frames_first = {k: demo_page.get_attribute(f"#frame-{k}", "src")
                        for k in ("display", "kiosk")}

        while time.monotonic() - started < 60:
            time.sleep(1)

        later = {k: int(page.inner_text(f"[data-stat={k}]")) for k in ("issued", "done")}
        assert later["issued"] > first["issued"] and later["done"] > first["done"], (first, later)
        stats_later = _retained(broker_port, "motcua/thanhhoa/state/queue_stats")
        assert stats_later["done"] > stats_first["done"]
        for kind, src in frames_first.items():
            wait_until(lambda k=kind, s=src: demo_page.get_attribute(f"#frame-{k}", "src") != s,
                       timeout=10)
        # The pictures load, and printed tickets are listed as images.
        wait_until(lambda: demo_page.evaluate(
            "['display', 'kiosk', 'led', 'counter'].every(k => { "
            "const i = document.getElementById('frame-' + k); "
            "return i.complete && i.naturalWidth > 0; })"), timeout=10)
        assert demo_page.get_attribute("#sound", "src").endswith(".wav")  # the spoken call
        assert demo_page.get_attribute("#newest-link", "href").startswith("/t/")
        wait_until(lambda: demo_page.evaluate(
            "Array.from(document.querySelectorAll('#tickets img'))"
            ".filter(i => i.complete && i.naturalWidth > 0).length") >= 3, timeout=10)
        context.close()
        page = None

        demo.send_signal(signal.SIGINT)
        assert demo.wait(90) == 0
        out.thread.join(5)
        assert "Đã dừng tất cả" in out.text
        # --check (stopped early by Ctrl-C here) says what it saw, item by item.
        verdict = out.text.split("Kiểm tra sau", 1)[1]
        assert "LỖI" not in verdict and "14/14 thiết bị trực tuyến" in verdict, verdict
        assert "Kết quả: ĐẠT" in verdict, verdict
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
        assert _alive(pgids) == [], "demo left processes behind"
        leftovers = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True,
                                   text=True).stdout.split()
        assert leftovers == []
    finally:
        # A failed check must not leave a centre running: stop it as a user would,
        # then make sure of every process group it started.
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)
            try:
                demo.wait(60)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()
        for pgid in pgids:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)

    # No error in any log.
    for log in (folder / "logs").glob("*.log"):
        bad = ERROR_LINE.findall(log.read_text(encoding="utf-8", errors="replace"))
        assert not bad, f"{log.name}: {bad[:3]}"

    # Every simulated citizen has a ticket; each ticket ended exactly once, or was
    # still in the hall (waiting, called or at a counter) when the demo stopped,
    # and its status is the one its event log leads to.
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(folder / "hub.db")
    tickets = db.execute("select id, status, source_node from tickets").fetchall()
    assert summary["citizens"] > 20
    # Issue 26: the booked citizens' tickets come from their check-in scans, at most
    # one per citizen who came; every other ticket is a button's.
    booked = db.execute("select count(*) from tickets where booking_code is not null"
                        ).fetchone()[0]
    assert summary["citizens"] == len(tickets) - booked
    assert booked <= summary["bookings"].get("arrived", 0)
    # One time (issue 22): the hub stamped every ticket with the simulated day's
    # time, in opening hours of a working day, as far into it as the floor got.
    issued = [dt.datetime.fromisoformat(r[0]).astimezone(VN) for r in db.execute(
        "select issued_at from tickets order by issued_at")]
    assert all(7 <= t.hour < 17 and t.weekday() < 5 for t in issued), issued[:3]
    floor_hour, floor_minute = map(int, summary["clock"].split(":"))
    last = issued[-1]
    assert abs((last.hour * 60 + last.minute) - (floor_hour * 60 + floor_minute)) < 60, \
        (last, summary["clock"])
    assert (folder / "clock.txt").exists()
    # Walk-ins per dispenser; a booked citizen's check-in prints at a dispenser too,
    # and is counted with the bookings above, not with the presses.
    walk_ins = db.execute("select source_node from tickets where booking_code is null")
    assert Counter(node for (node,) in walk_ins) == {
        "dispenser-1": summary["citizens_dispenser-1"],
        "dispenser-2": summary["citizens_dispenser-2"]}
    events = {}
    for ticket_id, to_status in db.execute(
            "select ticket_id, to_status from ticket_events order by id"):
        events.setdefault(ticket_id, []).append(to_status)
    for ticket_id, status, _ in tickets:
        trail = events[ticket_id]
        assert trail[0] == "waiting" and trail[-1] == status, (ticket_id, trail)
        ended = [s for s in trail if s in TERMINAL]
        assert len(ended) == (1 if status in TERMINAL else 0), (ticket_id, trail)
        assert status in TERMINAL or status in OPEN
    # The officers pressed the counter nodes' keys: every call, finish, no-show and
    # transfer came from a counter node, and from most of the ten (the counters of a
    # quiet service may not have called yet in two simulated hours).
    by_node = dict(db.execute(
        "select node_id, count(*) from ticket_events where action in "
        "('next', 'recall', 'finish', 'no_show', 'transfer') group by node_id").fetchall())
    assert set(by_node) <= {f"counter-{n}" for n in range(1, 20, 2)}, by_node
    assert len(by_node) >= 6, by_node
    statuses = Counter(t[1] for t in tickets)
    assert statuses["done"] > 10 and summary["ratings"] > 0
    # Every rating the floor saw on the bus is stored. One pressed as the demo stopped may
    # be stored after the floor stopped counting (fresh Debian: 31 stored, 30 counted, the
    # 31st rated at 09:01:49 with the floor's clock at 09:01): any rating stored beyond the
    # count must be among the last, rated within the floor's last simulated minute or so.
    stored = db.execute("select count(*) from ratings").fetchone()[0]
    assert stored >= summary["ratings"], (stored, summary["ratings"])
    hour, minute = map(int, summary["clock"].split(":"))
    for (rated_at,) in db.execute("select rated_at from ratings order by received_at desc "
                                  "limit ?", [stored - summary["ratings"]]).fetchall():
        local = dt.datetime.fromisoformat(rated_at).astimezone(VN)
        assert (hour * 60 + minute) - (local.hour * 60 + local.minute) <= 2, (rated_at, summary)
    # Dossiers: the backlog and the day's, moved through departments; late ones apologised.
    actions = dict(db.execute(
        "select action, count(*) from dossier_events group by action").fetchall())
    assert actions.get("receive", 0) >= 40 and actions.get("transfer") \
        and actions.get("request_supplement") and actions.get("apologise")
    late = db.execute("select count(*) from dossiers where classification = 'late'").fetchone()[0]
    assert late > 0


def test_demo_check_needs_a_positive_time_and_changes_nothing(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run([*MOTCUA, "demo", "--dir", str(folder), "--check", "0"],
                          capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert done.returncode == 2
    assert "--check phải lớn hơn 0 giây" in done.stderr
    assert not folder.exists()
