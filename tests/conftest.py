"""Fixtures: a real Mosquitto from broker-config/, a real SQLite file, the hub.

Nothing here skips: a missing broker or browser fails the run, with the
command that installs it.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from motcua.broker import Mosquitto
from motcua.config import from_dict

# Screens and sound cards this machine lacks: SDL's own dummy drivers.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# The hub's retained state checked against its schema wherever a test builds it
# (central/queue/state.py skips the check in production: issue 25).
os.environ["HUB_STATE_CHECK"] = "1"

# The properties say what the queue does, not how fast: on a machine shared with
# other work an example can take longer than hypothesis's 200 ms deadline, which
# failed a run once with nothing wrong in the code. Speed lives in bench/.
settings.register_profile("motcua", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("motcua")

PROJECT = Path(__file__).resolve().parent.parent
_centres = itertools.count(1)


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02):
    """Poll ``predicate`` until it returns something true; return that, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


# How long a test waits for a process of ours (``motcua hub``, a node) to start and
# answer. Only a bound: a test goes on the moment the process answers. Beside two
# busy loops (load 17-20) the hub's imports alone took 5 s of wall time for 0.64 s
# of CPU, and a hub restarted in tests/test_sms.py had not answered an SMS after
# the 20 s that test allowed for start-up and answer together.
START_S = 60.0


def http_up(port: int, path: str = "/healthz"):
    """The JSON that ``http://127.0.0.1:port/path`` answers, or None (not up yet)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as reply:
            return json.loads(reply.read())
    except OSError:
        return None


def chatter(pin, press, edges: int = 5, gap: float = 0.01, held: bool = False) -> None:
    """Contacts bouncing on ``pin``: ``edges`` presses and releases, ``gap`` seconds
    apart in the time of ``press`` (the :class:`motcua.debounce.DebouncedPress` that
    watches the pin), whatever the load on the machine; ``held``: and then pressed
    again and left down, ``gap`` after the last release (a finger that stays).

    While the burst goes in, the debounce reads a clock that moves by ``gap`` per
    edge and no more; each gap is slept as well, so that clock never runs ahead of
    the real one and the next real press is measured against a release in the past.
    With plain sleeps, a 10 ms sleep took longer than the settle time beside two
    busy loops (load 16) and the bounce counted as a second press: the test, not
    the debounce, was wrong.
    """
    start, moved = time.monotonic(), [0.0]
    real = press.clock
    press.clock = lambda: start + moved[0]
    try:
        for _ in range(edges):
            pin.drive_low()
            time.sleep(gap)
            moved[0] += gap
            pin.drive_high()
            time.sleep(gap)
            moved[0] += gap
        if held:
            pin.drive_low()
    finally:
        press.clock = real


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """Mosquitto started from broker-config/test.conf on a free loopback port."""
    mosquitto = Mosquitto(
        PROJECT / "broker-config" / "test.conf", data_dir=tmp_path_factory.mktemp("broker")
    )
    mosquitto.start()  # raises BrokerError naming the apt-get line when missing
    yield mosquitto
    mosquitto.stop()


@pytest.fixture(scope="session")
def postgres():
    """PostgreSQL started from Debian's packages on a free loopback port (tests/pgserver.py),
    for the stores of the tiers above a centre; one per session, a database per test."""
    from tests.pgserver import PostgreSQL

    server = PostgreSQL().start()  # raises naming the apt-get line when missing
    yield server
    server.stop()


_databases = itertools.count(1)


@pytest.fixture
def postgres_url(postgres):
    """A new empty database on the suite's PostgreSQL."""
    return postgres.create_database(f"t{os.getpid()}_{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def province_store(request, store):
    """The province's store, each test run once per engine: the hub's SQLite file, and
    PostgreSQL (the same ingest rules and reports must hold on both)."""
    if request.param == "sqlite":
        yield store
        return
    from central.province.stores import PostgresStore

    pg = PostgresStore(request.getfixturevalue("postgres_url"))
    yield pg
    pg.close()


@pytest.fixture
def center():
    """A centre id of its own for each test, so retained messages never leak between tests."""
    return f"t{os.getpid()}-{next(_centres)}"


@pytest.fixture
def hub_config(tmp_path, broker, center):
    from central.bus.budget import UNLIMITED
    from central.config import HubConfig

    return from_dict(
        HubConfig,
        {
            "center": center,
            "center_name": "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
            "database": str(tmp_path / "hub.db"),
            "mqtt": {"port": broker.port, "keepalive": 5},
            # Tests of budgets set their own (tests/test_attack_node.py).
            "budget": UNLIMITED,
        },
    )


@pytest.fixture
def store(hub_config):
    from central.store import Store

    s = Store(hub_config.database)
    yield s
    s.close()


@pytest.fixture
def gateway(hub_config, store):
    """The hub's MQTT gateway, connected to the test broker."""
    from central.bus.gateway import Gateway

    gw = Gateway(hub_config, store).start()
    assert gw.bus.wait_connected(10), "hub gateway did not connect"
    yield gw
    gw.stop()


@pytest.fixture
def app(hub_config, store, gateway):
    from central import create_app

    application = create_app(hub_config, store=store, gateway=gateway)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def node_files(role: str, folder: Path) -> dict:
    """Settings that put a simulated node's files (outboxes, printed tickets,
    frames, voice clips) in ``folder``, never in the checkout's var/."""
    files = {
        "dispenser": {"outbox": str(folder / "outbox.db"),
                      "printer": {"kind": "folder", "path": str(folder / "tickets")}},
        "counter": {"rating": {"outbox": str(folder / "outbox.sqlite")},
                    "display": {"image_dir": str(folder / "display")}},
        "kiosk": {"replica": str(folder / "replica.db"), "outbox": str(folder / "outbox.db")},
        "display": {"frames_dir": str(folder / "frames"),
                    "voice": {"clips": str(folder / "voice"), "wav_dir": str(folder / "sound")},
                    "led": {"frames_dir": str(folder / "led")}},
    }
    return files.get(role, {})


@pytest.fixture
def make_node(broker, center, tmp_path_factory):
    """Start simulated nodes in this process: ``make_node("kiosk", "kiosk-1")``.

    Files a simulated node writes (outboxes, printed tickets, frames, voice
    clips) go to a temporary folder, never into the checkout's var/.
    """
    import importlib

    from motcua.cli import NODE_ROLES

    started = []

    def make(role: str, node_id: str, keepalive: int = 5, **extra):
        extra = {**node_files(role, tmp_path_factory.mktemp(node_id)), **extra}
        module, name, _ = NODE_ROLES[role]
        cls = getattr(importlib.import_module(module), name)
        config = from_dict(
            cls.config_class,
            {"center": center, "node_id": node_id, "simulate": True,
             "mqtt": {"port": broker.port, "keepalive": keepalive}, **extra},
        )
        node = cls(config).start()
        assert node.bus.wait_connected(10), f"{node_id} did not connect"
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


@pytest.fixture
def node_config_file(tmp_path, broker, center):
    """Write a node's TOML config for a node run as its own process."""

    def write(role: str, node_id: str, keepalive: int = 5) -> Path:
        path = tmp_path / f"{node_id}.toml"
        files = node_files(role, tmp_path / node_id)
        top = "".join(f'{k} = "{v}"\n' for k, v in files.items() if isinstance(v, str))
        tables = "".join(
            f"[{name}]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items())
            for name, table in files.items() if isinstance(table, dict))
        path.write_text(
            f'center = "{center}"\nnode_id = "{node_id}"\nsimulate = true\n{top}{tables}'
            f"[mqtt]\nport = {broker.port}\nkeepalive = {keepalive}\n",
            encoding="utf-8",
        )
        return path

    return write


@pytest.fixture
def live_server(app):
    """The hub's web app on a free port, in a thread, stopped and joined after the test.

    werkzeug's threaded server, not waitress: waitress's ``close()`` from
    another thread leaves its loop writing to closed descriptors, which the
    next test may already have reused for a database file. ``motcua hub``
    itself (waitress) is tested as a process in test_commands.py.
    """
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


MOTCUA = [sys.executable, "-m", "motcua"]


CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None) or shutil.which(
        "chromium"
    )
    if executable is None:
        pytest.fail("Chromium is not installed: sudo apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _pages_close_with_their_test(request):
    """A test's pages and contexts close when it ends. The browser lives for the
    whole session, and pages left open kept their timers and their live
    connection to the session's broker: with the 14 left by the console, dossier,
    one-truth and queue files, pytest's child processes used 0.72 s of CPU in 10 s
    at rest, against 0.05 s with none left (load 8.2); a whole run left more with
    every test."""
    browser = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    yield
    if browser is not None:
        for context in list(browser.contexts):
            context.close()


# --- Security and provisioning (issue 10) -----------------------------------------

SAMPLE_INVENTORY = """\
center = "{center}"
center_name = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"
[broker]
host = "hub.thanhhoa.lan"
addresses = ["10.20.0.2"]
[hub]
host = "10.20.0.2"
[[nodes]]
id = "dispenser-1"
role = "dispenser"
host = "10.20.0.11"
[[nodes]]
id = "counter-1"
role = "counter"
host = "10.20.0.21"
counters = [1]
[[nodes]]
id = "counter-2"
role = "counter"
host = "10.20.0.22"
counters = [2, 3]
[[nodes]]
id = "display-1"
role = "display"
host = "10.20.0.31"
[[nodes]]
id = "kiosk-1"
role = "kiosk"
host = "10.20.0.41"
"""


@pytest.fixture
def sample_inventory(tmp_path):
    """A sample centre's inventory file (five nodes), for ``motcua provision``."""

    def write(center: str = "thanhhoa", extra: str = "") -> Path:
        path = tmp_path / "centre.toml"
        path.write_text(SAMPLE_INVENTORY.format(center=center) + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="module")
def production_broker(tmp_path_factory):
    """``motcua provision`` for a sample centre, and Mosquitto in its production config.

    Yields ``(broker, out_dir, center)``; the broker listens with TLS only on a
    free loopback port, with the generated passwd, ACL and certificates.
    """
    from motcua.broker import ProductionMosquitto
    from motcua.provision import provision

    root = tmp_path_factory.mktemp("provisioned")
    center = f"p{os.getpid()}"
    inventory = root / "centre.toml"
    inventory.write_text(SAMPLE_INVENTORY.format(center=center), encoding="utf-8")
    out = root / center
    provision(inventory, out)
    mosquitto = ProductionMosquitto(out / "broker", data_dir=root / "broker-data")
    mosquitto.start()
    yield mosquitto, out, center
    mosquitto.stop()
# --- A small centre in the store alone: appointments and check-in (issue 26) -----------

@pytest.fixture
def config(tmp_path):
    """A hub's config for centre "th" with its database in the test's folder, no broker."""
    from central.config import HubConfig

    return from_dict(HubConfig, {"center": "th", "database": str(tmp_path / "hub.db")})


@pytest.fixture
def centre(config, request):
    """A store with the test module's own ``CENTRE`` loaded (a setup, as ``setup.load``
    takes it: departments, services, counters); closed after the test."""
    from central.queue import setup
    from central.store import Store

    store = Store(config.database)
    setup.load(store, request.module.CENTRE, actor="test")
    yield store
    store.close()


# --- The queue (issue 3) ------------------------------------------------------------

@pytest.fixture
def sample_centre(store):
    """The shipped Thanh Hóa sample centre loaded into the test store."""
    from central.queue import setup

    setup.load_file(store, setup.SAMPLE, actor="test")
    return store


@pytest.fixture
def queue_hub(sample_centre, gateway):
    """The hub's gateway over the sample centre, its retained state published.

    Every "next" counts (the hub's ``next_again_s`` 0): the tests press faster
    than any officer; the double press's own tests set it again."""
    from central.queue import setup

    with sample_centre.write() as db:
        setup.save_settings(db, {"next_again_s": "0"}, actor="test")
    # save_settings forgets the cached settings before its commit: the gateway's
    # thread may have cached the old ones again meanwhile (for 5 s).
    setup.forget_settings()
    gateway._republish_queue_state(True)
    return gateway


@pytest.fixture
def own_broker(tmp_path):
    """A Mosquitto of the test's own (not the session's shared broker), which the
    test may stop and restart: the offline tests of the dispenser and the kiosk."""
    mosquitto = Mosquitto(PROJECT / "broker-config" / "test.conf",
                          data_dir=tmp_path / "own-broker")
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()


@pytest.fixture
def own_hub(tmp_path, own_broker, center):
    """The hub's gateway over the sample centre on :func:`own_broker` (keep-alive
    2 s, so a lost broker is noticed quickly), its retained state published."""
    from central.bus.gateway import Gateway
    from central.config import HubConfig
    from central.queue import setup
    from central.store import Store

    config = from_dict(HubConfig, {
        "center": center, "center_name": "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
        "database": str(tmp_path / "own-hub.db"),
        "mqtt": {"port": own_broker.port, "keepalive": 2}})
    store = Store(config.database)
    setup.load_file(store, setup.SAMPLE, actor="test")
    gateway = Gateway(config, store).start()
    assert gateway.bus.wait_connected(10)
    gateway._republish_queue_state(True)
    yield gateway
    gateway.stop()
    store.close()


@pytest.fixture
def state_watcher(broker, center):
    """A bus client keeping the newest retained state and every announcement."""
    from motcua.bus import BusClient, Topics
    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    topics = Topics(center)
    client = BusClient(PahoTransport(from_dict(MqttConfig, {"port": broker.port}),
                                     client_id=f"watcher-{center}"), topics)
    client.state = {}
    client.announcements = []

    def on_state(incoming):
        client.state[incoming.topic[len(topics.base) + len("/state/"):]] = incoming.data

    client.subscribe(f"{topics.base}/state/#", on_state)
    client.subscribe(topics.hub_event("announce"),
                     lambda incoming: client.announcements.append(incoming.data))
    client.start()
    assert client.wait_connected(10)
    yield client
    client.stop()


# --- The dispenser (issue 4) ---------------------------------------------------------

@pytest.fixture
def make_dispenser(tmp_path, broker, center):
    """A dispenser node in this process: mock pins, a FolderPrinter, the real broker."""
    from gpiozero.pins.mock import MockFactory

    from dispenser.config import DispenserConfig
    from dispenser.node import Dispenser
    from motcua.ticketing.printer import FolderPrinter

    started = []

    def make(node_id="dispenser-1", port=None, wait=True, **settings):
        config = from_dict(DispenserConfig, {
            "center": center, "node_id": node_id, "simulate": True,
            "mqtt": {"port": port or broker.port, "keepalive": 2},
            "buttons": ["ho-tich=17", "dang-ky-kinh-doanh=27"],
            "outbox": str(tmp_path / f"{node_id}-outbox.db"),
            "public_url": "http://hub.test", "request_timeout": 2.0, "led_pins": [5, 6, 13],
            **settings})
        factory = MockFactory()
        node = Dispenser(config, pin_factory=factory,
                         printer=FolderPrinter(tmp_path / f"{node_id}-tickets"))
        node.factory = factory
        node.start()
        started.append(node)
        if wait:
            assert node.bus.wait_connected(10), f"{node_id} did not connect"
        return node

    yield make
    for node in started:
        node.stop()
