"""``motcua demo``: a whole centre on one machine, every node on fake hardware.

Starts, each as its own process (and process group) as on a real floor:
Mosquitto (``broker-config/dev.conf``) on a free port; the hub with the sample
centre (``central/samples/thanhhoa.toml``) and the sample catalog; two ticket
dispensers, ten counter nodes of two counters each (all twenty counters), a
hall display with its LED board, and a kiosk. Then a day on the floor, ``speed``
times faster than real time: citizens press the dispensers' buttons, officers
press the keys of the twenty counters to call, recall, transfer and finish,
citizens press the rating keys (:mod:`demo.floor`), and dossiers
are received and move through the departments (:mod:`demo.dossiers`); the
kiosk runs as ``kiosk.demo`` (visitors, and its screen saved as pictures).

It prints where to look and the demo's sign-in accounts (new passwords each
start). Ctrl-C (or SIGTERM) stops everything it started: the simulators, the
nodes (they say ``offline``), the hub, the broker, each process group whole::

    motcua demo                       # speed 10, fresh centre in var/demo
    motcua demo --speed 20            # make demo SPEED=20
    motcua demo --resume              # keep yesterday's demo centre and carry on
    motcua demo --check 300           # five minutes of the day, then stop and say if it served
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from central.accounts import users
from central.config import HubConfig
from central.devices import bindings, nodes
from central.queue import commands, setup, state, tickets
from central.store import Store
from motcua import clock
from motcua.broker import BrokerError, Mosquitto, free_port, wait_for_port
from motcua.bus.messages import STATE_DEMO
from motcua.config import MqttConfig, from_dict, load

from .bookings import BookingDesk
from .dossiers import DossierDesk
from .floor import CLOSE_H, DISPENSER_BUTTONS, OPEN_H, DemoFloor

CENTER = "thanhhoa"
CENTER_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CENTRE = PROJECT / "central" / "samples" / "thanhhoa.toml"
# (process name, command after `python -m`): the nodes, started after the hub.
NODES = [
    ("dispenser-1", ["motcua", "dispenser"]),
    ("dispenser-2", ["motcua", "dispenser"]),
    *((f"counter-{n}", ["motcua", "counter"]) for n in range(1, 20, 2)),
    ("display-1", ["motcua", "display"]),
    ("kiosk-1", ["kiosk.demo"]),  # the kiosk role, with visitors and saved frames
]
# The sample centre's twenty counters, two to a counter node (as one Pi drives two
# neighbouring counters): node counter-1 drives counters 1 and 2, counter-3 drives
# 3 and 4, and so on. Two is what the BCM pins 0-27 allow: six keys, four rating
# keys and four rating LEDs make fourteen pins a counter.
COUNTER_NODES = {n: f"counter-{n - (n + 1) % 2}" for n in range(1, 21)}
# Demo accounts: a new password for each at every start, printed once.
DEMO_USERS = [
    ("admin", "admin", "Quản trị viên Demo"),
    ("giamsat", "supervisor", "Trần Văn Giám"),
    ("canbo", "officer", "Phan Thu Hà"),
]
# Colleagues of the sample centre's ten officers, so that every counter is staffed.
MORE_OFFICERS = [
    ("an.lv", "Lê Văn An"), ("binh.tt", "Trịnh Thanh Bình"), ("chau.nm", "Nguyễn Minh Châu"),
    ("dung.pt", "Phạm Tiến Dũng"), ("giang.ht", "Hà Thu Giang"), ("hai.vd", "Vũ Đức Hải"),
    ("hanh.lt", "Lương Thị Hạnh"), ("khanh.dq", "Đinh Quốc Khánh"), ("loan.tt", "Tạ Thị Loan"),
    ("phuc.ng", "Nguyễn Gia Phúc"),
]
PIDS_FILE = "demo.pids"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _dispenser_settings(node_id: str, directory: Path, http_port: int) -> str:
    pins = [17, 27, 22, 23, 24, 25]
    buttons = ", ".join(f'"{code}={pin}"' for code, pin in zip(DISPENSER_BUTTONS[node_id], pins,
                                                               strict=True))
    priority = "elderly" if node_id == "dispenser-1" else "small-children"
    return (
        f"buttons = [{buttons}]\npriority_pin = 26\npriority_code = \"{priority}\"\n"
        f'center_name = "{CENTER_NAME}"\npublic_url = "http://127.0.0.1:{http_port}"\n'
        f'outbox = "{directory}/{node_id}-outbox.db"\nled_pins = [5, 6, 13]\n'
        "keys_on_stdin = true\n"
        f'[printer]\nkind = "folder"\npath = "{directory}/tickets/{node_id}"\n'
    )


def _counter_settings(node_id: str, directory: Path) -> str:
    """A counter node of two counters: each key one pin per counter, four rating
    keys and four LEDs per counter, all on gpiozero mock pins."""
    counters = sorted(n for n, node in COUNTER_NODES.items() if node == node_id)
    n = len(counters)
    pins = iter(range(28))
    keys = "".join(f"{key} = {[next(pins) for _ in range(n)]}\n"
                   for key in ("next", "recall", "no_show", "finish", "transfer", "pause"))
    buttons = [next(pins) for _ in range(4 * n)]
    leds = [next(pins) for _ in range(4 * n)]
    return (
        f"[keypad]\ncounters = {counters}\n{keys}"
        f'[rating]\nbuttons = {buttons}\nleds = {leds}\n'
        f'outbox = "{directory}/{node_id}-outbox.sqlite"\n'
        f'[display]\nimage_dir = "{directory}/counter-display"\n'
    )


def _write_configs(directory: Path, broker_port: int, http_port: int, ws_port: int | None,
                   cache: Path) -> dict[str, Path]:
    configs = {}
    hub = directory / "hub.toml"
    live = f'live_mqtt_url = "ws://127.0.0.1:{ws_port}"\n' if ws_port else ""
    hub.write_text(
        f'center = "{CENTER}"\ncenter_name = "{CENTER_NAME}"\n'
        f'database = "{directory / "hub.db"}"\ndemo_dir = "{directory}"\n{live}'
        f"[mqtt]\nport = {broker_port}\nkeepalive = 5\n"
        f'[http]\nhost = "127.0.0.1"\nport = {http_port}\n'
        # Receipts print the address the demo's pages are reached at.
        f'[dossiers]\npublic_url = "http://127.0.0.1:{http_port}"\n'
        # A day at ten times real speed: a real dispenser never issues this fast.
        "[budget]\ntickets_burst = 1000\ntickets_per_minute = 600.0\n"
        "messages_per_second = 500.0\nmessages_burst = 5000\n",
        encoding="utf-8",
    )
    configs["hub"] = hub
    settings = {
        "display-1": (
            f'frames_dir = "{directory}/display/frames"\n'
            f'[voice]\nclips = "{cache}/voice"\nwav_dir = "{directory}/display/sound"\n'
            f'[led]\nenabled = true\nframes_dir = "{directory}/display/led"\n'
        ),
        "kiosk-1": "camera = -1\n",
    }
    for node_id in ("dispenser-1", "dispenser-2"):
        settings[node_id] = _dispenser_settings(node_id, directory, http_port)
    for node_id in set(COUNTER_NODES.values()):
        settings[node_id] = _counter_settings(node_id, directory)
    for node_id, _ in NODES:
        path = directory / f"{node_id}.toml"
        path.write_text(
            f'center = "{CENTER}"\nnode_id = "{node_id}"\nsimulate = true\n'
            + settings.get(node_id, "")
            + f"[mqtt]\nport = {broker_port}\nkeepalive = 5\n",
            encoding="utf-8",
        )
        configs[node_id] = path
    return configs


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _die_with_the_demo() -> None:
    """In a child, before it runs: SIGTERM when the demo itself dies (even by SIGKILL).

    Linux's PR_SET_PDEATHSIG; elsewhere the next demo cleans up (``demo.pids``)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _stop_group(process: subprocess.Popen, timeout: float = 10.0) -> bool:
    """SIGTERM a child's whole process group, SIGKILL it if it will not go; True if clean."""
    clean = True
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        clean = False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Anything the child left in its group (a voice synthesiser, say) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    return clean


def _stop_leftovers(base: Path) -> None:
    """Process groups of an earlier demo in this folder that was killed hard."""
    pids = base / PIDS_FILE
    if not pids.exists():
        return
    for line in pids.read_text().split():
        try:
            pgid = int(line)
            cmdline = Path(f"/proc/{pgid}/cmdline").read_bytes().decode(errors="replace")
        except (ValueError, OSError):
            continue
        # Only ours: every process of the demo names its folder (configs, broker).
        if str(base) in cmdline:
            print(f"Dừng tiến trình còn sót của lần chạy trước (pgid {pgid}).")
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)


def _accounts(config, resume: bool) -> list[tuple[str, str, str]]:
    """The demo's accounts with fresh passwords (created, or re-keyed on --resume)."""
    store = Store(config.database)
    out = []
    try:
        existing = {u["username"] for u in users.list_users(store)}
        for username, role, name in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            if resume and username in existing:
                users.set_password(store, username, password, actor="demo")
            else:
                users.create_user(store, username, name, role, password, actor="demo")
            out.append((username, role, password))
    finally:
        store.close()
    return out


def _load_centre(config_path: Path, config, step=lambda text: None) -> None:
    """The sample centre (services, counters, officers) and the sample catalog."""
    store = Store(config.database)
    try:
        # The sample's officers, and enough colleagues for every counter, each
        # signed in at their counter as the day starts. Nobody is told their
        # password: the simulated officers use the counters' keys, not the web.
        secret = secrets.token_urlsafe(16)
        setup.load_file(store, SAMPLE_CENTRE, actor="demo", create_officers_password=secret)
        counters = setup.counters(store.db)
        officers = [u for u in users.list_users(store) if u["role"] == "officer"]
        for username, name in MORE_OFFICERS[:max(0, len(counters) - len(officers))]:
            officers.append(users.create_user(store, username, name, "officer", secret,
                                              actor="demo"))
        with store.write() as db:
            for counter, officer in zip(counters, officers, strict=False):
                commands.sign_in(db, counter, officer["id"])
            # Each counter node drives two neighbouring counters: the second's
            # keypad is linked to it, as an installer would.
            for number, node_id in COUNTER_NODES.items():
                if any(c["number"] == number and c["node_id"] != node_id for c in counters):
                    bindings.link(db, node_id, number, actor="demo")
    finally:
        store.close()
    step("Nạp danh mục thủ tục mẫu (loading the sample catalog)")
    # Its own session, like every child: a Ctrl-C now is ours to handle.
    subprocess.run([sys.executable, "-m", "central.catalog.cli", "sample", "--config",
                    str(config_path)], check=True, capture_output=True, start_new_session=True)


def _voice_clips(cache: Path) -> None:
    """The hall display's word clips, synthesised once per machine and kept.

    Made here, before the display starts, into a folder renamed into place when
    whole: a display that found half a folder would fail every call."""
    clips = cache / "voice"
    if clips.exists():
        return
    partial = cache / "voice.partial"
    shutil.rmtree(partial, ignore_errors=True)
    made = subprocess.run([sys.executable, "-m", "motcua.voice", "make-clips", str(partial)],
                          capture_output=True, text=True, cwd=PROJECT, start_new_session=True)
    if made.returncode == 0:
        partial.rename(clips)
    else:
        print(f"Không tạo được giọng đọc (espeak-ng?): {made.stderr.strip()[-300:]}",
              file=sys.stderr)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def _store(database: str) -> Store:
    """The hub's store as the demo reads it: one per file (a connection per thread)."""
    with _stores_lock:
        if database not in _stores:
            _stores[database] = Store(database)
        return _stores[database]


def _staff(database: str) -> dict[int, str]:
    """Counter number → since when the (simulated) officer there is signed in, as the
    counter's state says it (``signed_in``; the state names nobody: it is public)."""
    db = _store(database).db
    return {c["number"]: state.counter_state(db, c["number"]).get("signed_in")
            for c in setup.counters(db) if c["officer_id"] is not None}


def _latest_ticket(database: str) -> tuple[str, str] | None:
    """(token, number as displayed) of the newest ticket."""
    try:
        newest = tickets.latest(_store(database).db)
    except sqlite3.Error:  # busy for longer than the store waits: next turn
        return None
    return (newest["token"], newest["display"]) if newest else None


def _tickets_settled(database: str, floor, timeout: float = 8.0) -> None:
    """Wait (a few seconds at most) until the hub has a ticket for every button a
    simulated citizen pressed: a press typed just before Ctrl-C is still printed
    and issued before its dispenser is stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            issued = tickets.count(_store(database).db)
        except sqlite3.Error:
            issued = -1
        if issued >= floor.summary().get("citizens", 0):
            return
        time.sleep(0.2)


def _nodes_online(database: str, stopping: threading.Event, timeout: float = 60.0) -> int:
    """Wait until every node of the demo told the hub it is online (a minute at
    most): a citizen pressing a dispenser that has not reached the hub yet would
    get no ticket. Returns how many are online."""
    names = {name for name, _ in NODES}
    deadline = time.monotonic() + timeout
    online = 0
    while time.monotonic() < deadline and not stopping.is_set():
        try:
            online = sum(1 for n in nodes.list_nodes(_store(database))
                         if n["node_id"] in names and n["state"] == "online")
        except sqlite3.Error:
            online = 0
        if online >= len(names):
            break
        stopping.wait(0.3)
    return online


def _page_exists(url: str) -> bool:
    """A page of the hub that may or may not be there yet (a 404 says it is not)."""
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    except OSError:
        return False


class Pictures:
    """Publishes the retained ``state/demo`` when a simulated screen's picture changes."""

    def __init__(self, base: Path, floor):
        self.base = base
        self.floor = floor
        self.last: dict | None = None

    @staticmethod
    def _newest(folder: Path) -> Path | None:
        files = [p for p in folder.glob("*.png") if not p.name.startswith(".")]
        return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name), default=None)

    def snapshot(self) -> dict:
        frames = {}
        # Each written whole (a temporary file renamed); latest.png is redrawn in
        # place, so its version makes the browser fetch it again.
        for kind, path in (("display", "display/frames/latest.png"),
                           ("led", "display/led/latest.png")):
            picture = self.base / path
            if picture.exists():
                frames[kind] = f"latest.png?v={picture.stat().st_mtime_ns}"
        newest = self._newest(self.base / "kiosk")
        if newest is not None:
            frames["kiosk"] = newest.name
        counter = self.base / "counter-display" / "counter-1.png"
        if counter.exists():
            frames["counter"] = f"counter-1.png?v={counter.stat().st_mtime_ns}"
        tickets = []
        # A printed ticket's picture is written in place: list it once it is a second old.
        written = time.time_ns() - 1_000_000_000
        for n in (1, 2):
            folder = self.base / "tickets" / f"dispenser-{n}"
            tickets += [(m, f"ticket-{n}/{p.name}") for p in folder.glob("ticket-*.png")
                        if (m := p.stat().st_mtime_ns) < written]
        tickets = [name for _, name in sorted(tickets, reverse=True)[:8]]
        snapshot = {"frames": frames, "tickets": tickets, "clock": self.floor.clock(),
                    "speed": self.floor.speed}
        newest = _latest_ticket(str(self.base / "hub.db"))
        if newest is not None:
            # The QR code of the newest ticket, for the page's "follow it" link.
            snapshot["ticket"] = {"display": newest[1], "path": f"/t/{newest[0]}"}
        # The display's spoken calls: the newest for the page, the last 20 kept
        # (a WAV a call, a day of them would fill a small disk).
        calls = sorted((p.stat().st_mtime_ns, p.name, p)
                       for p in (self.base / "display" / "sound").glob("*.wav"))
        written = [name for m, name, _ in calls if m < time.time_ns() - 1_000_000_000]
        if written:
            snapshot["sound"] = written[-1]
        for _, _, old in calls[:-20]:
            old.unlink(missing_ok=True)
        return snapshot

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            try:
                now = self.snapshot()
                if now != self.last and self.floor.bus.connected:
                    self.floor.bus.publish(self.floor.topics.state("demo"),
                                           STATE_DEMO.make(**now), retain=True)
                    self.last = now
            except OSError:
                continue  # a file rotated away between listing and stat
            except Exception:  # the pictures must not stop because of one bad turn
                logging.getLogger(__name__).exception("demo pictures failed")


# A line of a log that says something went wrong (what `--check` and the demo's test look for).
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|^\S+: Error", re.M)
# The pages a visitor of the demo opens first, all public; `/t/` is the newest ticket's.
CHECKED_PAGES = ("/", "/thu-tuc", "/tra-cuu", "/demo", "/api/nodes")


def _page_status(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return str(exc)


def _check_floor(url: str, base: Path, database: str) -> list[tuple[bool, str]]:
    """What `--check` looks at while the centre still runs: the pages answer, every
    node is online, citizens got tickets and officers called and served them, and
    the fake hardware drew what real hardware would show (printed tickets, the
    hall display, the kiosk). Each item: (passed, what it says, in Vietnamese
    and English)."""
    found: list[tuple[bool, str]] = []
    newest = _latest_ticket(database)
    pages = [*CHECKED_PAGES, *([f"/t/{newest[0]}"] if newest else [])]
    bad = [f"{page} ({status})" for page in pages
           if (status := _page_status(url.rstrip("/") + page)) != 200]
    found.append((not bad, f"{len(pages) - len(bad)}/{len(pages)} trang trả lời "
                           f"(pages answer){': lỗi ' + ', '.join(bad) if bad else ''}"))
    names = {name for name, _ in NODES}
    try:
        online = sum(1 for n in nodes.list_nodes(_store(database))
                     if n["node_id"] in names and n["state"] == "online")
        issued, called, done = tickets.totals(_store(database).db)
    except sqlite3.Error as exc:
        online, issued, called, done = 0, 0, 0, 0
        found.append((False, f"không đọc được cơ sở dữ liệu (database): {exc}"))
    found.append((online == len(names),
                  f"{online}/{len(names)} thiết bị trực tuyến (nodes online)"))
    found.append((issued > 0, f"{issued} số đã cấp (tickets issued)"))
    found.append((called > 0, f"{called} số đã gọi (tickets called)"))
    found.append((done > 0, f"{done} số đã phục vụ xong (tickets served)"))
    printed = sum(1 for n in (1, 2)
                  for _ in (base / "tickets" / f"dispenser-{n}").glob("ticket-*.png"))
    found.append((printed > 0, f"{printed} phiếu đã in (printed tickets)"))
    for what, picture in (("màn hình sảnh (hall display)", base / "display/frames/latest.png"),
                          ("kiosk", Pictures._newest(base / "kiosk"))):
        drawn = picture is not None and picture.exists() and picture.stat().st_size > 0
        found.append((drawn, f"{what}: " + ("đã vẽ (drawn)" if drawn else "chưa vẽ (not drawn)")))
    return found


def _check_logs(base: Path) -> list[tuple[bool, str]]:
    """After the stop: no log of the demo's processes says ERROR or Traceback."""
    bad = []
    for log in sorted((base / "logs").glob("*.log")):
        lines = ERROR_LINE.findall(log.read_text(encoding="utf-8", errors="replace"))
        if lines:
            bad.append(f"{log.name} ({len(lines)})")
    return [(not bad, "nhật ký không có lỗi (no ERROR in the logs)" if not bad
             else "nhật ký có lỗi (ERROR in the logs): " + ", ".join(bad))]


def _print_check(found: list[tuple[bool, str]], seconds: float) -> bool:
    passed = all(ok for ok, _ in found)
    print(f"Kiểm tra sau {seconds:.0f} giây chạy (checked after {seconds:.0f} s of running):",
          flush=True)
    for ok, text in found:
        print(f"  {'đạt ' if ok else 'LỖI '} {text}")
    print("Kết quả: ĐẠT, trung tâm đã phục vụ (the demo served)." if passed else
          "Kết quả: KHÔNG ĐẠT (the demo did not serve); xem các dòng LỖI ở trên.", flush=True)
    return passed


CLOCK_FILE = "clock.txt"
# What start-up does, in order, each said as it begins (it takes tens of seconds):
# eleven steps for a fresh centre, ten when resuming (nothing to load).
STEPS = 11


def _demo_clock(base: Path, speed: float, resuming: bool) -> clock.DemoClock:
    """The demo's day: today (or Monday, at a weekend) from opening, ``speed`` times
    faster; with --resume, from where the last run stopped."""
    saved = base / CLOCK_FILE
    if resuming and saved.exists():
        try:
            text, at = saved.read_text(encoding="utf-8").splitlines()[:2]
            last = clock.DemoClock.from_env(text)
            return clock.DemoClock(last.first_day, last.hours(float(at)), speed, time.time(),
                                   OPEN_H, CLOSE_H)
        except (ValueError, AttributeError, OSError):
            print("Không đọc được giờ của lần chạy trước; bắt đầu ngày mới "
                  "(could not read the last run's clock).")
    day = clock.now().astimezone(ZoneInfo(clock.LOCAL_ZONE)).date()
    while day.weekday() >= 5:
        day = day + dt.timedelta(days=1)
    return clock.DemoClock(day, OPEN_H, speed, time.time(), OPEN_H, CLOSE_H)


def _save_clock(base: Path) -> None:
    demo = clock.demo()
    if demo is not None:
        tmp = base / f".{CLOCK_FILE}"
        tmp.write_text(f"{demo.to_env()}\n{time.time()!r}\n", encoding="utf-8")
        tmp.replace(base / CLOCK_FILE)


def run_demo(http_port: int = 8080, directory: str = "var/demo", speed: float = 10.0,
             resume: bool = False, seed: int | None = None, check: float | None = None) -> int:
    """Run the demo until Ctrl-C; with ``check`` (seconds), stop by itself that long
    after the floor opened, and return 0 only if the centre served (:func:`_check_floor`).
    """
    if check is not None and check <= 0:
        print("--check phải lớn hơn 0 giây (check must be positive).", file=sys.stderr)
        return 2
    if speed <= 0:
        print("--speed phải lớn hơn 0 (speed must be positive).", file=sys.stderr)
        return 2
    base = Path(directory).resolve()
    _stop_leftovers(base)
    resuming = resume and (base / "hub.db").exists()
    if resume and not resuming:
        print(f"Không có bản chạy thử cũ ở {base}; bắt đầu mới (nothing to resume).")
    if not resuming:
        # A fresh centre each time: the demo's database is not anyone's truth.
        shutil.rmtree(base, ignore_errors=True)
    elif (base / "tickets").exists():
        # The dispensers number their pictures afresh each start: keep the old ones aside.
        (base / "tickets").rename(base / f"tickets-{time.strftime('%Y%m%d-%H%M%S')}")
    (base / "logs").mkdir(parents=True, exist_ok=True)
    cache = base.parent / "demo-cache"  # voice clips: made once, kept across runs
    if not _port_free(http_port):
        chosen = free_port()
        print(f"Cổng {http_port} đang bận, dùng cổng {chosen} (port {http_port} busy).")
        http_port = chosen
    broker = Mosquitto(PROJECT / "broker-config" / "dev.conf", data_dir=base / "broker",
                       log_file=base / "logs" / "mosquitto.log")
    children: list[tuple[str, subprocess.Popen]] = []
    stdin_locks: dict[str, threading.Lock] = {}
    stopping = threading.Event()

    def ask_to_stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)

    def remember_groups() -> None:
        pgids = [str(p.pid) for _, p in children]
        if broker.process is not None:
            pgids.append(str(broker.process.pid))
        (base / PIDS_FILE).write_text("\n".join(pgids) + "\n")

    def spawn(name: str, module: list[str], *args: str, stdin=None) -> None:
        log = open(base / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - child owns it
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SDL_AUDIODRIVER": "dummy"}
        process = subprocess.Popen(
            [sys.executable, "-m", *module, *args], stdout=log, stderr=subprocess.STDOUT,
            stdin=stdin if stdin is not None else subprocess.DEVNULL, env=env,
            cwd=PROJECT,
            # Its own process group: our Ctrl-C is ours, and we stop the group whole.
            start_new_session=True, preexec_fn=_die_with_the_demo,  # noqa: PLW1509
        )
        log.close()
        children.append((name, process))
        remember_groups()

    def press(node_id: str, key: str) -> None:
        """A finger on a node's button: the key typed on its stdin (a line)."""
        process = dict(children)[node_id]
        with stdin_locks.setdefault(node_id, threading.Lock()):
            process.stdin.write(f"{key}\n".encode())
            process.stdin.flush()
            if node_id.startswith("dispenser"):
                time.sleep(0.25)  # a press, a release, and the next finger

    started = time.monotonic()
    done = [0]
    total = STEPS - 1 if resuming else STEPS

    def step(text: str) -> None:
        """Say what start-up does now: it takes tens of seconds, never in silence."""
        done[0] += 1
        print(f"[{done[0]}/{total}] {text} ({time.monotonic() - started:.0f} s)", flush=True)

    code = 0
    floor = desk = None
    found: list[tuple[bool, str]] | None = None  # what --check saw, before the stop
    opened = None
    ran = 0.0  # seconds from the floor's opening to the check
    helpers_stop = threading.Event()
    helpers: list[threading.Thread] = []
    # One time for the whole demo: this process and every one it starts (the hub,
    # the nodes) tell the simulated day's time (motcua.clock).
    demo_clock = _demo_clock(base, speed, resuming)
    clock.use_demo(demo_clock)
    try:
        step("Mosquitto (broker-config/dev.conf)")
        try:
            broker.start()
        except BrokerError as exc:
            print(f"Không khởi động được Mosquitto: {exc}", file=sys.stderr)
            return 1
        remember_groups()
        print(f"Mosquitto: 127.0.0.1:{broker.port} (broker-config/dev.conf)", flush=True)
        # Written once the broker listens: its ports can change during the start
        # (motcua.broker: one taken meanwhile is exchanged for a free one).
        configs = _write_configs(base, broker.port, http_port, broker.ws_port, cache)
        hub_config = load(HubConfig, configs["hub"])
        moment = clock.now().astimezone(ZoneInfo(clock.LOCAL_ZONE))
        print(f"Giờ của buổi chạy thử / the demo's time: {moment.strftime('%H:%M %d/%m/%Y')}, "
              f"nhanh gấp {speed:g} lần (the hub, pages, tickets and screens all use it)",
              flush=True)
        if not resuming:
            step("Nạp trung tâm mẫu: quầy, dịch vụ, cán bộ "
                 "(loading the sample centre)")
            _load_centre(configs["hub"], hub_config, step)
        else:
            step("Giữ trung tâm của lần chạy trước (keeping the last run's centre)")
        step("Tạo tài khoản đăng nhập với mật khẩu mới (sign-in accounts)")
        accounts = _accounts(hub_config, resuming)
        step("Khởi động máy chủ trung tâm (starting the hub)")
        spawn("hub", ["motcua", "hub"], "--config", str(configs["hub"]))
        step("Giọng đọc gọi số: " + ("đã có sẵn (voice clips ready)" if (cache / "voice").exists()
                                     else "tạo một lần bằng espeak-ng (making the voice clips)"))
        _voice_clips(cache)
        step(f"Khởi động {len(NODES)} thiết bị giả lập: 2 máy lấy số, 10 thiết bị quầy, "
             "màn hình sảnh, kiosk (starting the nodes on fake hardware)")
        for node_id, module in NODES:
            args = ["--config", str(configs[node_id])]
            if node_id == "kiosk-1":
                args += ["--frames", str(base / "kiosk"), "--receipts", str(base / "receipts.txt")]
            elif node_id.startswith(("dispenser", "counter")):
                args.append("--fake-hardware")
            # Dispensers and counters get their keys on stdin, from the simulators.
            typed = node_id.startswith(("dispenser", "counter"))
            spawn(node_id, module, *args, stdin=subprocess.PIPE if typed else None)
        url = f"http://127.0.0.1:{http_port}/"
        step(f"Chờ máy chủ trung tâm trả lời ở {url} (waiting for the hub)")
        if not (wait_for_port(http_port, 30) and _wait_http(url + "healthz", 30)):
            print(f"Máy chủ trung tâm không lên; xem {base / 'logs' / 'hub.log'}",
                  file=sys.stderr)
            return 1
        step("Chờ các thiết bị báo đã kết nối (waiting for the nodes to come online)")
        online = _nodes_online(hub_config.database, stopping)
        if online < len(NODES):
            print(f"Mới có {online}/{len(NODES)} thiết bị kết nối; xem {base / 'logs'} "
                  f"(only {online} of {len(NODES)} nodes online)", flush=True)
        if stopping.is_set():  # Ctrl-C while it was starting: stop what started
            return 0
        step("Bắt đầu ngày làm việc mô phỏng: hồ sơ tồn, công dân, cán bộ "
             "(starting the simulated day)")
        floor, desk = _start_simulators(broker.port, hub_config, press, speed, seed,
                                        resuming, helpers_stop, helpers, base)
        step("Chờ công dân đầu tiên lấy số (waiting for the first ticket)")
        # The first citizen's ticket, to print its live page (a minute at most).
        ticket = None
        deadline = time.monotonic() + 60
        while ticket is None and time.monotonic() < deadline and not stopping.is_set():
            if floor.first_ticket.is_set():
                ticket = _latest_ticket(hub_config.database)
            if ticket is None:
                stopping.wait(0.3)
        _print_welcome(url, base, accounts, speed, ticket and ticket[0],
                       _page_exists(url + "dashboard"))
        opened = time.monotonic()
        if check is not None:
            print(f"Chạy {check:g} giây rồi tự dừng và kiểm tra (--check: running "
                  f"{check:g} s, then stopping and checking).", flush=True)
        while not stopping.is_set():
            if check is not None and time.monotonic() - opened >= check:
                break
            for name, process in children:
                if process.poll() is not None:
                    print(f"{name} dừng bất ngờ (exited {process.returncode}); "
                          f"xem {base / 'logs' / (name + '.log')}", file=sys.stderr)
                    stopping.set()
                    code = 1
                    break
            else:
                _write_summary(base, floor, desk)
                _save_clock(base)
                stopping.wait(1.0)
        if check is not None and code == 0:
            ran = time.monotonic() - opened
            found = _check_floor(url, base, hub_config.database)
    finally:
        helpers_stop.set()
        if floor is not None:
            floor.stop()
            _tickets_settled(hub_config.database, floor)
            _write_summary(base, floor, desk)
        _save_clock(base)
        for t in helpers:
            t.join(10)
        # Nodes first (they publish "offline"), then the hub, then the broker.
        for name, process in reversed(children):
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if not _stop_group(process):
                print(f"{name} không dừng kịp; đã buộc dừng (killed).", file=sys.stderr)
        broker.stop()
        (base / PIDS_FILE).unlink(missing_ok=True)
        print("Đã dừng tất cả tiến trình (all processes stopped).", flush=True)
    if check is not None:
        if found is None:  # it never got to the floor, or a process died
            found = [(False, "trung tâm không chạy đến lúc kiểm tra (the demo did not get "
                             "to the check)")]
        if not _print_check(found + _check_logs(base), ran):
            return 1
    return code


def _start_simulators(broker_port, hub_config, press, speed, seed, resuming, stop, helpers,
                      base):
    sample = tomllib.loads(SAMPLE_CENTRE.read_text(encoding="utf-8"))
    floor = DemoFloor(from_dict(MqttConfig, {"port": broker_port}), CENTER, sample, press,
                      speed=speed, seed=seed, officers=_staff(hub_config.database),
                      counter_nodes=COUNTER_NODES).start()
    desk = DossierDesk(hub_config, floor.wait_minutes, seed=seed,
                       receipts=base / "receipts.txt")
    if not resuming:
        desk.backlog(40)
    # Issue 26: a share of the citizens booked; they scan their booking at a dispenser.
    floor.bookings = BookingDesk(hub_config, floor, press, seed=seed)
    pictures = Pictures(base, floor)
    for target, args in ((desk.run, (stop,)), (pictures.run, (stop,)),
                         (floor.bookings.run, (stop,))):
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        helpers.append(t)
    return floor, desk


def _write_summary(base: Path, floor, desk) -> None:
    """What the simulators did, for a person and for the demo's test."""
    summary = {**floor.summary(), "dossiers": dict(desk.counts) if desk else {},
               "bookings": dict(floor.bookings.counts) if getattr(floor, "bookings", None)
               else {}}
    tmp = base / ".summary.json"
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(base / "summary.json")


def _print_welcome(url: str, base: Path, accounts, speed: float, token: str | None,
                   dashboard: bool) -> None:
    print()
    print(f"  {CENTER_NAME} — chạy thử, nhanh gấp {speed:g} lần (speed {speed:g}×)")
    print(f"  Trang mô phỏng / Demo page:        {url}demo   (màn hình sảnh, kiosk, phiếu in)")
    if dashboard:  # the supervisor's dashboard, where the hub has one
        print(f"  Bảng điều hành / Dashboard:        {url}dashboard")
    print(f"  Giám sát trực tiếp / Live view:    {url}live")
    print(f"  Bàn làm việc cán bộ / Console:     {url}console")
    print(f"  Trang công khai / Public:          {url}  ·  {url}thu-tuc  ·  {url}tra-cuu")
    if token:
        print(f"  Số vừa lấy / A ticket just issued: {url}t/{token}")
    print(f"  Thiết bị / Devices:                {url}nodes")
    print(f"  Nhật ký / Logs:                    {base / 'logs'}")
    print("  Đăng nhập / Sign in (mật khẩu mới mỗi lần chạy / new passwords each run):")
    for username, role, password in accounts:
        print(f"    {username:<8} {role:<11} {password}")
    print()
    print("Nhấn Ctrl-C để dừng tất cả (Ctrl-C stops everything).", flush=True)
