"""What every benchmark shares: its run (load before and after, the report),
a broker, bus clients, the floors, a hub process, percentiles, /proc readings.

Each benchmark owns one section of ``docs/performance.md``, between
``<!-- BEGIN bench/NAME -->`` and ``<!-- END bench/NAME -->``; running it
replaces that section and leaves the others alone. Every benchmark prints a
floor measured in the same run beside its figures, and the machine's load
average before and after (taken when this module is imported, and when the
report is made)::

    from common import Run, percentile
    run = Run("roundtrip.py", __doc__)           # parses --quick / --no-write
    with run.broker() as broker:
        floor = run.floor_round_trips(broker.port, 200)
    run.report("## Request/response\\n\\n| ... |")  # prints; writes unless --quick

``--quick`` runs a small version (``make test`` runs each benchmark so, to
fail the suite when one breaks) and writes nothing. Every benchmark starts
from empty stores it builds itself in a temporary folder.

Run as a script, this module is the echo of the floor (``python
bench/common.py echo PORT``): a bus client that answers every ``ping`` with
nothing, in its own process, so its CPU time per request can be read.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REPORT = PROJECT / "docs" / "performance.md"
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT))
# A benchmark's folder comes first on sys.path: keep it from shadowing the
# standard library (multiprocessing imports `queue`).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH)]

LOAD_BEFORE = os.getloadavg()  # every benchmark imports this module first

HEADER = """# Performance

Figures measured by the benchmarks in `bench/` (`make bench`, or one script
with `.venv/bin/python bench/NAME.py`). Each section is rewritten by its own
script, with the machine it ran on, the date, and the machine's load average
before and after the run: the figures are only as quiet as the machine was.
Every figure stands beside a floor measured in the same run.
"""


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), p in 0..100."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ratio(value: float, floor: float) -> str:
    """``value`` as a multiple of its floor, e.g. ``3.2×``."""
    return f"{value / floor:.1f}×" if floor > 0 else "–"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_text(before=None, after=None) -> str:
    before = before or LOAD_BEFORE
    after = after or os.getloadavg()
    fmt = lambda xs: " / ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    return f"load average (1 / 5 / 15 min) before {fmt(before)}, after {fmt(after)}"


def machine() -> str:
    """One line naming the machine: CPU, cores, memory, OS, Python, Mosquitto."""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        memory = "?"
    try:
        os_name = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except (OSError, AttributeError):
        os_name = platform.system()
    try:
        from motcua.broker import find_mosquitto

        out = subprocess.run([find_mosquitto(), "-h"], capture_output=True, text=True).stdout
        mosquitto = out.split("\n")[0].replace("mosquitto version ", "")
    except Exception:
        mosquitto = "?"
    return (f"{cpu_model()}, {os.cpu_count()} cores, {memory} RAM; {os_name}; "
            f"Python {platform.python_version()}; Mosquitto {mosquitto}")


def write_section(name: str, body: str, load: str | None = None) -> None:
    """Replace this benchmark's section of docs/performance.md with ``body``."""
    begin, end = f"<!-- BEGIN bench/{name} -->", f"<!-- END bench/{name} -->"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"{begin}\n{body.rstrip()}\n\nMeasured {stamp} on: {machine()}; "
               f"{load or load_text()}.\n{end}")
    page = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    if begin in page and end in page:
        head, _, rest = page.partition(begin)
        _, _, tail = rest.partition(end)
        page = head + section + tail
    else:
        page = page.rstrip() + "\n\n" + section + "\n"
    REPORT.write_text(page, encoding="utf-8")


# --- /proc ----------------------------------------------------------------------------

def rss_kib(pid: int) -> tuple[int, int]:
    """(resident, peak resident) KiB of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and every process below it, the exited ones included
    (a parent's waited-for children count in its own ``cutime``/``cstime``): a
    database server's backends come and go with their connections."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    tree, grew = {pid}, True
    while grew:
        below = {p for p, parent in parents.items() if parent in tree} - tree
        grew = bool(below)
        tree |= below
    total = 0.0
    for p in tree:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


# --- The run ----------------------------------------------------------------------------

class Run:
    """One benchmark's run: its arguments, its temporary folder, its report."""

    def __init__(self, name: str, doc: str | None, setup=None, argv=None):
        self.name = name
        parser = argparse.ArgumentParser(description=(doc or name).split("\n")[0])
        parser.add_argument("--quick", action="store_true",
                            help="a small run that checks the benchmark works; writes nothing")
        parser.add_argument("--no-write", action="store_true",
                            help="print the figures, leave docs/performance.md alone")
        if setup is not None:
            setup(parser)
        self.args = parser.parse_args(argv)
        self.quick = self.args.quick
        self.tmp = Path(tempfile.mkdtemp(prefix=f"motcua-bench-{Path(name).stem}-"))
        self._stack = contextlib.ExitStack()
        self._stack.callback(shutil.rmtree, self.tmp, ignore_errors=True)
        print(f"{name}: load average (1 / 5 / 15 min) before "
              f"{' / '.join(f'{x:.2f}' for x in LOAD_BEFORE)}", flush=True)

    def pick(self, full, quick):
        """``full`` normally, ``quick`` with --quick."""
        return quick if self.quick else full

    def broker(self):
        """A Mosquitto from ``broker-config/test.conf`` on a free port (a context)."""
        from motcua.broker import Mosquitto

        folder = Path(tempfile.mkdtemp(prefix="broker-", dir=self.tmp))
        return Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=folder)

    def hub_store(self, broker_port: int, *, sample: bool = True, name: str = "hub.db",
                  center: str = "bench", mqtt: dict | None = None, **settings):
        """``(hub_config, store)`` for a hub in this process on the run's broker, with
        no per-node budgets (synthetic loads no real node sends) and, unless
        ``sample`` is False, the sample centre loaded::

            hub_config, store = run.hub_store(broker.port)
            gateway = Gateway(hub_config, store).start()
        """
        from central.bus.budget import UNLIMITED
        from central.config import HubConfig
        from central.queue import setup
        from central.store import Store
        from motcua.config import from_dict

        config = from_dict(HubConfig, {
            "center": center, "database": str(self.tmp / name),
            "mqtt": {"port": broker_port, **(mqtt or {})}, "budget": UNLIMITED, **settings})
        store = Store(config.database)
        if sample:
            setup.load_file(store, setup.SAMPLE, actor="bench")
            presses_at_once(store)
        return config, store

    def report(self, body: str, section: str | None = None) -> None:
        """Print the figures with the load before and after; write the section
        (``section``, by default the benchmark's name) of docs/performance.md
        unless --quick or --no-write."""
        load = load_text()
        print(body)
        print(f"\n{self.name}: {load}", flush=True)
        if not (self.quick or self.args.no_write):
            write_section(section or self.name, body, load)

    def close(self) -> None:
        self._stack.close()


# --- The bus ------------------------------------------------------------------------------

def client(port: int, client_id: str, node_id: str | None = None, center: str = "bench"):
    """A connected :class:`BusClient` (a node's inbox when ``node_id`` is given)."""
    from motcua.bus import BusClient, Topics
    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    topics = Topics(center)
    inbox = topics.node_inbox(node_id) if node_id else None
    bus = BusClient(PahoTransport(from_dict(MqttConfig, {"port": port}), client_id=client_id),
                    topics, inbox=inbox)
    bus.start()
    assert bus.wait_connected(10), f"{client_id} did not connect"
    return bus


def ask(bus, node_id: str, name: str, payload: dict, timeout: float = 10.0) -> dict:
    """A request from ``node_id`` and its answer."""
    t = bus.topics
    return bus.request(t.node_request(node_id, name), payload,
                       response_topic=t.node_response(node_id, name), timeout=timeout)


# --- Simulated officers ------------------------------------------------------------

def presses_at_once(store) -> None:
    """Every "next" counts (the hub's ``next_again_s`` 0): simulated officers press
    faster than any real one, and the hub would take a "next" within 2 s of its
    call for a double press and ignore it (central/queue/commands.py)."""
    from central.queue import setup

    with store.write() as db:
        setup.save_settings(db, {"next_again_s": "0"}, actor="bench")


def officer_next(press, serving: str | None) -> tuple[bool, str | None]:
    """An officer's "Gọi số tiếp" at a counter where ``serving`` (a ticket's display,
    or None) stands. ``press(action)`` sends the counter's command and returns the
    hub's result (a dict: ``current``, the ticket now at the counter), or None where
    the command was refused or went unanswered.

    With nobody waiting, "next" leaves a ticket that is only called at the counter,
    called (the counter's rule since session 24: central/queue/commands.py's
    ``_next``); the simulated officer, done with that citizen, then finishes it.
    Returns whether the counter answered, and the display now at the counter
    (None: nobody). Used by the benchmarks and by tests/fault_floor.py::

        ok, serving = officer_next(lambda action: run(db, k, action, now), serving)
    """
    result = press("next")
    if result is None:
        return False, None
    current = (result.get("current") or {}).get("display")
    if current is not None and current == serving:
        if press("finish") is None:
            return False, current
        current = None
    return True, current


FLOOR_CENTER = "floor"


class Echo:
    """The floor's answering side, in a process of its own: the same bus client
    the hub uses, answering every ``ping`` with an empty ``ok`` and doing
    nothing else. Its CPU time per request is the floor of a hub's.

    ``cpus`` pins it (``taskset -c``), like the hub in the Pi-sized runs."""

    def __init__(self, port: int, cpus: str | None = None):
        cmd = [sys.executable, str(Path(__file__).resolve()), "echo", str(port)]
        if cpus is not None:
            cmd = ["taskset", "-c", cpus, *cmd]
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True)
        assert self.process.stdout.readline().strip() == "ready", "the echo did not start"
        self.pid = self.process.pid

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)

    def __enter__(self) -> Echo:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve_echo(port: int) -> None:
    from motcua.bus.messages import ok_response

    echo = client(port, "bench-echo", center=FLOOR_CENTER)
    echo.serve(echo.topics.all_nodes("request", "ping"),
               lambda incoming: ok_response(incoming.data["id"], {}))
    time.sleep(0.3)  # the subscription is in force (serve() after connect)
    print("ready", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    echo.stop()


def floor_round_trips(port: int, n: int, asker_id: str = "floor-1") -> list[float]:
    """``n`` requests, one after the other, through the broker to an :class:`Echo`
    (which must be running): milliseconds each."""
    from motcua.bus.messages import PING

    asker = client(port, f"bench-{asker_id}", node_id=asker_id, center=FLOOR_CENTER)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        answer = ask(asker, asker_id, "ping", PING.make())
        times.append((time.perf_counter() - t0) * 1000)
        assert answer["ok"]
    asker.stop()
    return times


def closed_loop(port: int, nodes: list[str], seconds: float, request, center="bench") -> int:
    """Each of ``nodes`` (one thread each) sends ``request(node) -> (name, payload)``
    and the next as soon as the answer came, for ``seconds``; returns how many
    were answered ``ok``."""
    done = [0]
    lock = threading.Lock()
    buses = {node: client(port, f"{node}-loop", node, center=center) for node in nodes}
    end = time.monotonic() + seconds

    def loop(node):
        bus = buses[node]
        while time.monotonic() < end:
            name, payload = request(node)
            answer = ask(bus, node, name, payload)
            assert answer["ok"], answer
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for bus in buses.values():
        bus.stop()
    return done[0]


def echo_cpu_per_request(port: int, echo: Echo, nodes: int, seconds: float) -> tuple[float, int]:
    """The echo's CPU milliseconds per request with ``nodes`` askers in a closed
    loop for ``seconds``: the floor of a hub's CPU per operation."""
    from motcua.bus.messages import PING

    before = cpu_seconds(echo.pid)
    count = closed_loop(port, [f"floor-{i}" for i in range(1, nodes + 1)], seconds,
                        lambda node: ("ping", PING.make()), center=FLOOR_CENTER)
    return (cpu_seconds(echo.pid) - before) * 1000 / max(1, count), count


# --- The store ----------------------------------------------------------------------------

def durable_commit_ms(directory: Path, n: int = 200, cpu: list | None = None) -> list[float]:
    """One small SQLite commit with WAL and synchronous=FULL, as the hub makes:
    the disk's fsync, which no request that changes state can beat.

    Given ``cpu``, the CPU time each commit took (this thread's, the kernel's
    work for the fsync included) is appended to it, in ms: what a hub spends at
    least per commit, however little it writes."""
    import sqlite3

    path = Path(tempfile.mkdtemp(prefix="fsync-", dir=directory)) / "fsync.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")
    con.execute("create table t (x)")
    times = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.thread_time()
        con.execute("begin immediate")
        con.execute("insert into t values (1)")
        con.execute("commit")
        times.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - c0) * 1000)
    con.close()
    return times


# --- The hub ------------------------------------------------------------------------------

class Hub:
    """``motcua hub`` as its own process on a store and a broker of the run's.

    ``cpus`` pins it with ``taskset -c`` (the Pi-sized runs)."""

    def __init__(self, folder: Path, database: Path, broker_port: int, center: str = "bench",
                 cpus: str | None = None, extra: str = "", hide: tuple = ()):
        from central.bus.budget import UNLIMITED_TOML
        from motcua.broker import free_port, wait_for_port

        self.http = free_port()
        config = folder / "hub.toml"
        # Synthetic loads no real node sends: no per-node budgets (central/bus/budget.py).
        config.write_text(
            f'center = "{center}"\ndatabase = "{database}"\nlog_level = "WARNING"\n{extra}'
            f"[mqtt]\nport = {broker_port}\n[http]\nport = {self.http}\n" + UNLIMITED_TOML,
            encoding="utf-8")
        cmd = [sys.executable, "-m", "motcua", "hub", "--config", str(config)]
        if cpus is not None:
            cmd = ["taskset", "-c", cpus, *cmd]
        env = dict(os.environ)
        if hide:
            # Packages this virtual environment has for other roles, hidden as a
            # hub installed alone (`pip install motcua[hub]`) does not have them.
            site = folder / "hub-site"
            site.mkdir(exist_ok=True)
            (site / "sitecustomize.py").write_text(
                "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in hide),
                encoding="utf-8")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site),
                                                               env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(cmd, env=env)
        self.pid = self.process.pid
        assert wait_for_port(self.http, 60), "hub did not start"
        time.sleep(1.0)  # its retained state published, its tickers started

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(15)

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__" and sys.argv[1:2] == ["echo"]:
    _serve_echo(int(sys.argv[2]))
