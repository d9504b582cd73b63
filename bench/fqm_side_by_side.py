"""motcua beside FQM (Free Queue Manager, github.com/mrf345/FQM), the same load on both.

    .venv/bin/python bench/fqm_side_by_side.py --fqm /work/fqm-src \\
        --fqm-python /work/fqm-venv/bin/python --no-write

FQM is not a dependency of motcua and its code is not in this repository: give
a checkout of it (``--fqm``) and a Python with its requirements installed
(``--fqm-python``); docs/fqm.md says how the copy this was measured with was
put together. Without ``--fqm`` the script says so and exits (status 2): it is
not one of the benchmarks ``make bench`` and the quick-mode test run.

Each round starts both systems from empty stores of their own and sends each
the same load, one system after the other (FQM first in odd rounds, motcua
first in even ones, so that the machine's changing load falls on both):

1. ``--clients`` clients (16) issue ``--tickets`` tickets (400) between them,
   each sending its next request when its last was answered;
2. then ``--officers`` officers (10) call the next ticket, each pressing again
   when answered, until nobody waits.

FQM is driven through its own HTTP API (``POST /api/v1/tickets/`` to issue,
``GET /api/v1/tickets/pull`` to call, with an API token), served the ways it
ships: its command line (``--cli``: gevent's WSGI server, one process) and
gunicorn with ``W`` workers (its Docker requirements), one server per
``--fqm-servers`` entry. motcua is driven over the bus, as its dispensers and
counter keypads are: ``ticket`` and ``counter_command next`` requests to a real
hub process through a real Mosquitto.

Per system and round: tickets/s and calls/s, numbers given to more than one
ticket, tickets called more than once, request latency p50/p99, and the
server's CPU time per ticket and per call read from /proc (FQM: the server
process and its workers; motcua: the hub, and the hub with its broker). Floors
in the same run: a bare HTTP/1.1 server answering ``{}`` (the least an HTTP
request costs, same client code), the bare broker round trip to an echo
(bench/common.py), and one durable SQLite commit.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import (
    Echo,
    Hub,
    Run,
    ask,
    client,
    cpu_seconds,
    durable_commit_ms,
    echo_cpu_per_request,
    floor_round_trips,
    percentile,
    ratio,
    tree_cpu_seconds,
)

NO_FQM = (
    "fqm_side_by_side.py needs a copy of FQM to compare against: --fqm PATH (a checkout of "
    "github.com/mrf345/FQM) and --fqm-python PYTHON (a Python with FQM's requirements). "
    "FQM is not a dependency of motcua; docs/fqm.md says how the measured copy was made.")

# Run in FQM's Python, in the server's folder, before the server starts: an office, a
# task with FQM's initial ticket (number 100, as its task_a view adds one), an API token.
# The text-to-speech caching task is switched off and announcements set to none (FQM's
# background-task and display settings): it calls Google's TTS service every second,
# out of reach here, which would only add noise to FQM's figures.
FQM_SEED = """
from app.main import create_app, create_db
from app.middleware import db
import app.database as data

app = create_app({'CLI_OR_DEPLOY': True, 'QUIET': True})
create_db(app)
with app.app_context():
    office = data.Office('1', 'A')
    db.session.add(office)
    db.session.commit()
    task = data.Task('Bench task')
    db.session.add(task)
    db.session.commit()
    task.offices.append(office)
    db.session.commit()
    db.session.add(data.Serial(office_id=office.id, task_id=task.id, p=True))
    data.BackgroundTask.get(name='CacheTicketsAnnouncements').enabled = False
    data.Display_store.get().announce = 'false'
    token = data.AuthTokens('bench')
    db.session.add(token)
    db.session.commit()
    print(token.token, task.id, office.id)
"""

FQM_WSGI = """
from app.main import bundle_app
app = bundle_app({'CLI_OR_DEPLOY': True, 'QUIET': True})
"""

FQM_CLI = "import sys; from app.cli import interface; sys.exit(interface())"


# --- FQM ---------------------------------------------------------------------------------

class FQM:
    """One FQM server on an empty database in a folder of its own.

    ``server`` is ``gevent`` (FQM's ``--cli`` server) or ``gunicorn-W``."""

    def __init__(self, source: Path, python: str, folder: Path, server: str):
        from motcua.broker import free_port, wait_for_port

        folder.mkdir(parents=True)
        (folder / "static").mkdir()
        # FQM reads static/tts.json and writes data.sqlite, errors.log … in its working folder.
        (folder / "static" / "tts.json").write_bytes((source / "static" / "tts.json").read_bytes())
        (folder / "db").mkdir()
        self.port = free_port()
        self.env = {**os.environ, "PYTHONPATH": str(source),
                    # FQM's own setting (app/main.py). With the file elsewhere than
                    # ./data.sqlite FQM creates the tables (db.create_all) instead of
                    # running its Alembic upgrade, whose env.py the measured copy lacks.
                    "DATABASE_URI": f"sqlite:///{folder / 'db' / 'fqm.sqlite'}"
                                    "?check_same_thread=False"}
        seeded = subprocess.run([python, "-c", FQM_SEED], cwd=folder, env=self.env,
                                capture_output=True, text=True, timeout=120)
        if seeded.returncode != 0:
            raise RuntimeError(f"FQM's database could not be prepared:\n{seeded.stderr[-2000:]}")
        self.token, self.task_id, self.office_id = seeded.stdout.split()[-3:]
        if server == "gevent":
            cmd = [python, "-c", FQM_CLI, "--cli", "--quiet", "--ip", "127.0.0.1",
                   "--port", str(self.port)]
        elif server.startswith("gunicorn-"):
            (folder / "fqm_wsgi.py").write_text(FQM_WSGI, encoding="utf-8")
            cmd = [python, "-m", "gunicorn", "-w", server.split("-", 1)[1], "-b",
                   f"127.0.0.1:{self.port}", "--log-level", "warning", "fqm_wsgi:app"]
        else:
            raise ValueError(f"unknown FQM server {server!r}")
        self.log = open(folder / "server.log", "w")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(cmd, cwd=folder, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        if not wait_for_port(self.port, 60):
            self.close()
            raise RuntimeError(f"FQM ({server}) did not start: see {folder / 'server.log'}")
        time.sleep(1.0)
        # One request before the clock starts (Flask's before_first_request, imports).
        status, _ = self.request(HttpClient(self.port), "GET", "/api/v1/tasks/")
        assert status == 200, f"FQM's API answered {status}"

    def request(self, http: HttpClient, method: str, path: str, body: dict | None = None):
        return http.request(method, path, body, {"Authorization": self.token})

    def cpu(self) -> float:
        return tree_cpu_seconds(self.pid)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(15)
        self.log.close()


class HttpClient:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else None
        heads = {"Content-Type": "application/json", **(headers or {})}
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=heads)
                response = self.connection.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # a keep-alive the server had closed: once more
                if attempt == 2:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def close(self) -> None:
        self.connection.close()


def fqm_load(fqm: FQM, clients: int, tickets: int, officers: int) -> dict:
    """``clients`` issue ``tickets`` between them, then ``officers`` call until none waits."""
    lock = threading.Lock()
    claimed = [0]
    issued, issue_ms, issue_errors = [], [], {}
    calls, call_ms, call_errors = [], [], {}

    def issuer(i):
        http = HttpClient(fqm.port)
        k = 0
        while True:
            with lock:
                if claimed[0] >= tickets:
                    break
                claimed[0] += 1
            k += 1
            body = {"task_id": int(fqm.task_id), "office_id": int(fqm.office_id),
                    "name": f"c{i}-{k}"}
            t0 = time.perf_counter()
            status, answer = fqm.request(http, "POST", "/api/v1/tickets/", body)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    issued.append((answer["id"], answer["number"]))
                    issue_ms.append(ms)
                else:
                    issue_errors[status] = issue_errors.get(status, 0) + 1
        http.close()

    def officer(i):
        http = HttpClient(fqm.port)
        path = f"/api/v1/tickets/pull?office_id={fqm.office_id}"
        for _ in range(3 * tickets):  # bounded: stops at "no tickets left"
            t0 = time.perf_counter()
            status, answer = fqm.request(http, "GET", path)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    calls.append(answer["id"])
                    call_ms.append(ms)
                elif status == 404:
                    break
                else:
                    call_errors[status] = call_errors.get(status, 0) + 1
        http.close()

    return drive(fqm.cpu, None, issuer, clients, officer, officers,
                 issued, issue_ms, issue_errors, calls, call_ms, call_errors)


# --- motcua ---------------------------------------------------------------------------------

def motcua_load(port: int, hub: Hub, broker_pid: int, clients: int, tickets: int,
                officers: int) -> dict:
    """The same load over the bus: dispensers ask ``ticket``, counters press ``next``."""
    from motcua.bus.client import RequestTimeout
    from motcua.bus.messages import COUNTER_COMMAND, TICKET

    lock = threading.Lock()
    claimed = [0]
    issued, issue_ms, issue_errors = [], [], {}
    calls, call_ms, call_errors = [], [], {}
    dispensers = {i: client(port, f"dispenser-{i}-sbs", f"dispenser-{i}")
                  for i in range(1, clients + 1)}
    counters = {i: client(port, f"counter-{i}-sbs", f"counter-{i}")
                for i in range(1, officers + 1)}

    def issuer(i):
        bus = dispensers[i]
        while True:
            with lock:
                if claimed[0] >= tickets:
                    break
                claimed[0] += 1
            t0 = time.perf_counter()
            try:
                answer = ask(bus, f"dispenser-{i}", "ticket", TICKET.make(service="bench-a"),
                             timeout=30)
            except RequestTimeout:
                answer = {"ok": False, "error": {"code": "timeout"}}
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if answer.get("ok"):
                    result = answer["result"]
                    issued.append((result["number"], (result["service"], result["number"])))
                    issue_ms.append(ms)
                else:
                    code = (answer.get("error") or {}).get("code", "?")
                    issue_errors[code] = issue_errors.get(code, 0) + 1

    def officer(i):
        bus = counters[i]
        for _ in range(3 * tickets):  # bounded: stops when nobody waits
            t0 = time.perf_counter()
            try:
                answer = ask(bus, f"counter-{i}", "counter_command",
                             COUNTER_COMMAND.make(action="next"), timeout=30)
            except RequestTimeout:
                answer = {"ok": False, "error": {"code": "timeout"}}
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if not answer.get("ok"):
                    code = (answer.get("error") or {}).get("code", "?")
                    call_errors[code] = call_errors.get(code, 0) + 1
                    continue
                result = answer["result"]
                # "Đang gọi số A012." is a call; anything else: nobody left to call.
                if not result["message"].startswith("Đang gọi số"):
                    break
                calls.append(result["current"]["display"])
                call_ms.append(ms)

    try:
        return drive(lambda: cpu_seconds(hub.pid), lambda: cpu_seconds(broker_pid),
                     issuer, clients, officer, officers,
                     issued, issue_ms, issue_errors, calls, call_ms, call_errors)
    finally:
        for bus in [*dispensers.values(), *counters.values()]:
            bus.stop()


# --- Shared -----------------------------------------------------------------------------------

def drive(server_cpu, broker_cpu, issuer, clients, officer, officers,
          issued, issue_ms, issue_errors, calls, call_ms, call_errors) -> dict:
    """Run the issuing phase, then the calling phase; time and CPU of each."""
    def phase(worker, n):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(1, n + 1)]
        c0, b0, t0 = server_cpu(), broker_cpu() if broker_cpu else 0.0, time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        return wall, server_cpu() - c0, (broker_cpu() - b0) if broker_cpu else None

    issue_wall, issue_cpu, issue_broker = phase(issuer, clients)
    call_wall, call_cpu, call_broker = phase(officer, officers)
    numbers = {}
    for _ticket, number in issued:
        numbers[number] = numbers.get(number, 0) + 1
    called = {}
    for ticket in calls:
        called[ticket] = called.get(ticket, 0) + 1
    n_issued, n_calls = len(issued), len(calls)
    return {
        "issued": n_issued, "issue_errors": issue_errors, "calls": n_calls,
        "call_errors": call_errors,
        "tickets_per_s": n_issued / issue_wall, "calls_per_s": n_calls / call_wall,
        "duplicate_numbers": sum(1 for c in numbers.values() if c > 1),
        "called_twice": sum(1 for c in called.values() if c > 1),
        "distinct_called": len(called),
        "issue_p50": percentile(issue_ms, 50) if issue_ms else float("nan"),
        "issue_p99": percentile(issue_ms, 99) if issue_ms else float("nan"),
        "call_p50": percentile(call_ms, 50) if call_ms else float("nan"),
        "call_p99": percentile(call_ms, 99) if call_ms else float("nan"),
        "cpu_ticket_ms": issue_cpu * 1000 / max(1, n_issued),
        "cpu_call_ms": call_cpu * 1000 / max(1, n_calls),
        "broker_ticket_ms": (None if issue_broker is None
                             else issue_broker * 1000 / max(1, n_issued)),
        "broker_call_ms": (None if call_broker is None
                           else call_broker * 1000 / max(1, n_calls)),
    }


class _Floor(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for
    # the client's delayed ACK (40 ms), which would be a floor of the kernel's timers.
    disable_nagle_algorithm = True

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


class HttpFloor:
    """The HTTP side's floor, in a process of its own: Python's threaded HTTP/1.1
    server answering every request with ``{}`` and doing nothing else."""

    def __init__(self):
        from motcua.broker import free_port, wait_for_port

        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                         "http-floor", str(self.port)])
        self.pid = self.process.pid
        assert wait_for_port(self.port, 30), "the HTTP floor did not start"

    def round_trips(self, n: int) -> list[float]:
        http, times = HttpClient(self.port), []
        for _ in range(n):
            t0 = time.perf_counter()
            status, _ = http.request("POST", "/", {"task_id": 1})
            times.append((time.perf_counter() - t0) * 1000)
            assert status == 200
        http.close()
        return times

    def cpu_per_request(self, clients: int, n: int) -> float:
        """The server's CPU ms per request with ``clients`` keep-alive clients, ``n`` in all."""
        lock, left = threading.Lock(), [n]

        def loop():
            http = HttpClient(self.port)
            while True:
                with lock:
                    if left[0] <= 0:
                        break
                    left[0] -= 1
                http.request("POST", "/", {"task_id": 1})
            http.close()

        c0 = cpu_seconds(self.pid)
        threads = [threading.Thread(target=loop) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return (cpu_seconds(self.pid) - c0) * 1000 / n

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _serve_http_floor(port: int) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Floor)
    server.daemon_threads = True
    server.serve_forever()


# --- The run -----------------------------------------------------------------------------------

def load_now() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    run = Run("fqm_side_by_side.py", __doc__, setup=lambda p: (
        p.add_argument("--fqm", metavar="PATH", help="a checkout of FQM (github.com/mrf345/FQM)"),
        p.add_argument("--fqm-python", metavar="PYTHON",
                       help="a Python with FQM's requirements (default: PATH/../fqm-venv or "
                            "PATH/.venv)"),
        p.add_argument("--fqm-servers", default="gevent,gunicorn-2",
                       help="FQM servers, comma-separated: gevent (its --cli), gunicorn-W"),
        p.add_argument("--clients", type=int, default=16, help="clients issuing tickets"),
        p.add_argument("--tickets", type=int, default=400, help="tickets issued per run"),
        p.add_argument("--officers", type=int, default=10, help="officers calling (≤ 10)"),
        p.add_argument("--rounds", type=int, default=2, help="interleaved rounds")))
    args = run.args
    if not args.fqm:
        print(NO_FQM, file=sys.stderr)
        run.close()
        return 2
    source = Path(args.fqm).resolve()
    python = args.fqm_python or next(
        (str(p) for p in (source.parent / "fqm-venv" / "bin" / "python",
                          source / ".venv" / "bin" / "python") if p.exists()), None)
    if not (source / "app" / "main.py").exists() or not python:
        print(f"{NO_FQM}\n(no app/main.py under {source}, or no Python for it)", file=sys.stderr)
        run.close()
        return 2
    from queue_engine import CENTER, HUB_HIDES, prepare_database

    servers = [s.strip() for s in args.fqm_servers.split(",") if s.strip()]
    tickets = run.pick(args.tickets, 40)
    clients, officers = args.clients, min(10, args.officers)
    rounds = run.pick(args.rounds, 1)
    results: dict[str, list[dict]] = {}
    floors = {}
    try:
        with run.broker() as broker, Echo(broker.port) as echo:
            http_floor = HttpFloor()
            try:
                for r in range(1, rounds + 1):
                    order = ["fqm", "motcua"] if r % 2 else ["motcua", "fqm"]
                    for system in order:
                        names = [f"FQM {s}" for s in servers] if system == "fqm" else ["motcua"]
                        for name in names:
                            print(f"round {r}: {name} ({tickets} tickets, {clients} clients, "
                                  f"{officers} officers), load {load_now()} ...", flush=True)
                            if system == "fqm":
                                fqm = FQM(source, python, run.tmp / f"fqm-{r}-{name[4:]}",
                                          name[4:])
                                try:
                                    result = fqm_load(fqm, clients, tickets, officers)
                                finally:
                                    fqm.close()
                            else:
                                db_path = run.tmp / f"hub-{r}.db"
                                prepare_database(db_path)
                                folder = run.tmp / f"hub-{r}"
                                folder.mkdir()
                                with Hub(folder, db_path, broker.port, CENTER,
                                         hide=HUB_HIDES) as hub:
                                    result = motcua_load(broker.port, hub, broker.process.pid,
                                                         clients, tickets, officers)
                            result["load"] = load_now()
                            results.setdefault(name, []).append(result)
                            print(f"  {result['tickets_per_s']:.0f} tickets/s, "
                                  f"{result['duplicate_numbers']} duplicate numbers, "
                                  f"{result['called_twice']} called twice", flush=True)
                n = run.pick(400, 50)
                floors["http"] = http_floor.round_trips(n)
                floors["http_cpu"] = http_floor.cpu_per_request(clients, run.pick(2000, 200))
            finally:
                http_floor.close()
            floors["bus"] = floor_round_trips(broker.port, n)
            floors["bus_cpu"], _ = echo_cpu_per_request(broker.port, echo, clients,
                                                        run.pick(5.0, 1.0))
        floors["commit"] = durable_commit_ms(run.tmp, n)
    finally:
        run.close()
    run.report(render(results, floors, tickets, clients, officers))
    return 0


def render(results, floors, tickets, clients, officers) -> str:
    hp50, hp99 = percentile(floors["http"], 50), percentile(floors["http"], 99)
    bp50, bp99 = percentile(floors["bus"], 50), percentile(floors["bus"], 99)
    cp50 = percentile(floors["commit"], 50)

    def span(values, fmt="{:.0f}"):
        lo, hi = min(values), max(values)
        return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else \
            f"{fmt.format(lo)}–{fmt.format(hi)}"

    lines = [
        "## motcua beside FQM",
        "",
        f"{tickets} tickets issued by {clients} clients at once, then called by {officers} "
        "officers until none waits; a fresh store per run; rounds interleaved "
        "(a range is the rounds' lowest–highest).",
        "",
        "| system | tickets/s | calls/s | duplicate numbers | tickets called twice | "
        "errors (issue / call) | ticket p50 / p99 ms | call p50 / p99 ms | "
        "server CPU ms per ticket / call | load after each run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rs in results.items():
        floor = (hp50, hp99) if name.startswith("FQM") else (bp50, bp99)
        cpu = (f"{span([r['cpu_ticket_ms'] for r in rs], '{:.2f}')} / "
               f"{span([r['cpu_call_ms'] for r in rs], '{:.2f}')}")
        if rs[0]["broker_ticket_ms"] is not None:
            cpu += (f" (hub); with the broker "
                    f"{span([r['cpu_ticket_ms'] + r['broker_ticket_ms'] for r in rs], '{:.2f}')}"
                    f" / {span([r['cpu_call_ms'] + r['broker_call_ms'] for r in rs], '{:.2f}')}")
        errors = " ; ".join(f"{r['issue_errors'] or 0} / {r['call_errors'] or 0}" for r in rs)
        lines.append(
            f"| {name} | {span([r['tickets_per_s'] for r in rs])} "
            f"| {span([r['calls_per_s'] for r in rs])} "
            f"| {span([r['duplicate_numbers'] for r in rs])} of "
            f"{span([r['issued'] for r in rs])} "
            f"| {span([r['called_twice'] for r in rs])} of "
            f"{span([r['distinct_called'] for r in rs])} "
            f"| {errors} "
            f"| {span([r['issue_p50'] for r in rs], '{:.1f}')} / "
            f"{span([r['issue_p99'] for r in rs], '{:.1f}')} "
            f"({ratio(min(r['issue_p50'] for r in rs), floor[0])} / "
            f"{ratio(min(r['issue_p99'] for r in rs), floor[1])} its transport's floor) "
            f"| {span([r['call_p50'] for r in rs], '{:.1f}')} / "
            f"{span([r['call_p99'] for r in rs], '{:.1f}')} "
            f"| {cpu} | {' ; '.join(r['load'] for r in rs)} |")
    lines += [
        "",
        f"Floors, same run: a bare HTTP/1.1 request to a server answering `{{}}` "
        f"{hp50:.2f} / {hp99:.2f} ms (p50 / p99), {floors['http_cpu']:.2f} ms of that server's "
        f"CPU per request with {clients} clients; the bare broker round trip to an echo "
        f"{bp50:.2f} / {bp99:.2f} ms, {floors['bus_cpu']:.2f} ms of the echo's CPU per request; "
        f"one durable SQLite commit {cp50:.2f} ms (p50). Latency ratios are to the floor of the "
        "system's own transport (HTTP for FQM, the broker for motcua).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["http-floor"]:
        _serve_http_floor(int(sys.argv[2]))
    else:
        sys.exit(main())
