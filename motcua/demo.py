"""``motcua demo``: a centre on one machine, every node on fake hardware.

Starts Mosquitto (``broker-config/dev.conf``) on a free port, the hub, and one
simulated node of each role, each as its own process as on a real floor, then
prints the address to open. Ctrl-C stops every process it started, nodes
first (so they say ``offline``), then the hub, then the broker.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .broker import BrokerError, Mosquitto, free_port, wait_for_port

CENTER = "thanhhoa"
CENTER_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
DEMO_NODES = [
    ("dispenser", "dispenser-1"),
    ("counter", "counter-1"),
    ("display", "display-1"),
    ("kiosk", "kiosk-1"),
]
PROJECT = Path(__file__).resolve().parent.parent
# Role settings of the demo's simulated nodes (top-level keys, before [mqtt]).
ROLE_SETTINGS = {
    "dispenser": (
        'buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27", "dau-tu=22", "dat-dai=23"]\n'
        'center_name = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"\n'
        'public_url = "http://127.0.0.1:{http_port}"\noutbox = "{dir}/dispenser-1-outbox.db"\n'
        "led_pins = [5, 6, 13]\nkeys_on_stdin = false\n"
        '[printer]\nkind = "folder"\npath = "{dir}/tickets"\n'
    ),
    "counter": (
        '[rating]\noutbox = "{dir}/counter-1-outbox.sqlite"\n'
        '[display]\nimage_dir = "{dir}/counter-display"\n'
    ),
    "display": (
        'frames_dir = "{dir}/display/frames"\n'
        '[voice]\nclips = "{dir}/voice"\nwav_dir = "{dir}/display/sound"\n'
        '[led]\nframes_dir = "{dir}/display/led"\n'
    ),
}
SAMPLE_CENTRE = PROJECT / "central" / "samples" / "thanhhoa.toml"
# Demo accounts: a throw-away centre on one machine, so the password is printed.
DEMO_PASSWORD = "motcua-demo"
DEMO_USERS = [
    ("admin", "admin", "Quản trị viên Demo"),
    ("giamsat", "supervisor", "Trần Văn Giám"),
    ("canbo", "officer", "Nguyễn Thị Lan"),
]


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _write_configs(directory: Path, broker_port: int, http_port: int,
                   ws_port: int | None = None) -> dict[str, Path]:
    configs = {}
    hub = directory / "hub.toml"
    live = f'live_mqtt_url = "ws://127.0.0.1:{ws_port}"\n' if ws_port else ""
    hub.write_text(
        f'center = "{CENTER}"\n'
        f'center_name = "{CENTER_NAME}"\n'
        f'database = "{directory / "hub.db"}"\n'
        f"{live}"
        f"[mqtt]\nport = {broker_port}\nkeepalive = 5\n"
        f'[http]\nhost = "127.0.0.1"\nport = {http_port}\n',
        encoding="utf-8",
    )
    configs["hub"] = hub
    for role, node_id in DEMO_NODES:
        path = directory / f"{node_id}.toml"
        path.write_text(
            f'center = "{CENTER}"\nnode_id = "{node_id}"\nsimulate = true\n'
            + ROLE_SETTINGS.get(role, "").format(dir=directory, http_port=http_port)
            + f"[mqtt]\nport = {broker_port}\nkeepalive = 5\n",
            encoding="utf-8",
        )
        configs[node_id] = path
    return configs


def _start_floor(broker_port: int):
    """Simulated citizens and officers (see motcua.demo_floor)."""
    import tomllib

    from .config import MqttConfig, from_dict
    from .demo_floor import DemoFloor

    sample = tomllib.loads(SAMPLE_CENTRE.read_text(encoding="utf-8"))
    return DemoFloor(from_dict(MqttConfig, {"port": broker_port}), CENTER,
                     [s["code"] for s in sample["services"]],
                     [p["code"] for p in sample["priority_classes"]]).start()


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def run_demo(http_port: int = 8080, directory: str = "var/demo") -> int:
    base = Path(directory).resolve()
    # A fresh centre each time: the demo's database is not anyone's truth.
    shutil.rmtree(base, ignore_errors=True)
    (base / "logs").mkdir(parents=True)
    if not _port_free(http_port):
        chosen = free_port()
        print(f"Cổng {http_port} đang bận, dùng cổng {chosen} (port {http_port} busy).")
        http_port = chosen
    broker = Mosquitto(PROJECT / "broker-config" / "dev.conf", data_dir=base / "broker",
                       log_file=base / "logs" / "mosquitto.log")
    configs = _write_configs(base, broker.port, http_port, broker.ws_port)
    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def ask_to_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)

    def spawn(name: str, *args: str) -> None:
        log = open(base / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - child owns it
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", *args], stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,  # our Ctrl-C is ours; we stop them in order
        )
        log.close()
        children.append((name, process))

    code = 0
    floor = None
    try:
        try:
            broker.start()
        except BrokerError as exc:
            print(f"Không khởi động được Mosquitto: {exc}", file=sys.stderr)
            return 1
        print(f"Mosquitto: 127.0.0.1:{broker.port} (broker-config/dev.conf)")
        # The sample centre (services, counters, officers) and the demo's
        # accounts, in one process, before the hub starts.
        users = base / "demo-users.toml"
        users.write_text("".join(
            f'[[officers]]\nusername = "{u}"\nfull_name = "{n}"\nrole = "{r}"\n\n'
            for u, r, n in DEMO_USERS), encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "motcua", "queue", "load", str(SAMPLE_CENTRE), str(users),
             "--officer-password-stdin", "--config", str(configs["hub"])],
            input=DEMO_PASSWORD + "\n", text=True, check=True, capture_output=True,
        )
        # The sample catalog, once the store exists.
        subprocess.run(
            [sys.executable, "-m", "central.catalog_cli", "sample", "--config",
             str(configs["hub"])], check=True, capture_output=True,
        )
        spawn("hub", "hub", "--config", str(configs["hub"]))
        for role, node_id in DEMO_NODES:
            spawn(node_id, role, "--config", str(configs[node_id]))
        url = f"http://127.0.0.1:{http_port}/"
        if not (wait_for_port(http_port, 20) and _wait_http(url + "healthz", 20)):
            print(f"Máy chủ trung tâm không lên; xem {base / 'logs' / 'hub.log'}",
                  file=sys.stderr)
            return 1
        floor = _start_floor(broker.port)
        print()
        print(f"  {CENTER_NAME}")
        print(f"  Trang chủ / Home:        {url}")
        print(f"  Thiết bị / Devices:      {url}nodes")
        print(f"  Bàn làm việc / Console:  {url}console")
        print(f"  Giám sát / Live view:    {url}live")
        print(f"  Thủ tục / Procedures:    {url}thu-tuc")
        print(f"  Tình trạng / Health:     {url}healthz")
        print(f"  Nhật ký / Logs:          {base / 'logs'}")
        accounts = ", ".join(u for u, _, _ in DEMO_USERS)
        print(f"  Đăng nhập / Sign in:     {accounts} (mật khẩu / password: {DEMO_PASSWORD})")
        print()
        print("Nhấn Ctrl-C để dừng tất cả (Ctrl-C stops everything).", flush=True)
        while not stopping:
            for name, process in children:
                if process.poll() is not None:
                    print(f"{name} dừng bất ngờ (exited {process.returncode}); "
                          f"xem {base / 'logs' / (name + '.log')}", file=sys.stderr)
                    stopping, code = True, 1
                    break
            else:
                time.sleep(0.2)
    finally:
        if floor is not None:
            floor.stop()
        # Nodes first (they publish "offline"), then the hub, then the broker.
        for name, process in reversed(children):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                print(f"{name} không dừng; buộc dừng.", file=sys.stderr)
                process.kill()
                process.wait()
        broker.stop()
        print("Đã dừng tất cả tiến trình (all processes stopped).")
    return code
